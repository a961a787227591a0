"""The composition root: every service of the core built once, typed, with the hooks between features.

A chat adapter (``handlers/telegram/``) calls :func:`open_services` when it starts and
:meth:`Services.close` when it stops; the CLI does the same for its one-shot commands. Nothing else builds a
service or a repository. The hooks between features are wired here and nowhere else:

* the daily digest's content (reminders) is the statisticians' summary (stats);
* a reminder re-offers the photo readings still waiting for 确认 (reminders → photos);
* a print run (``/form 第一网格 3天``) covers the members the sender may see (photos → stats' roles).

Adapters are found through the ``gridbot.adapters`` entry point group and the offline demo through
``gridbot.demos``, so that ``bot/`` never imports a chat platform's library.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, Protocol

from bot.config.settings import Config
from bot.console.service import ConsoleService
from bot.core.dates import ReportClock
from bot.inbox.service import InboxService
from bot.quota.service import QuotaService
from bot.reminders.service import NagService
from bot.reports.photos import PhotoService
from bot.reports.reading import PhotoReader
from bot.reports.service import ReportService
from bot.stats.service import StatsService
from bot.web.progress import LiveBoard
from bot.web.signin import WebSignIn
from storage.console import ConsoleRepo
from storage.db import Database, open_database
from storage.inbox import InboxRepo
from storage.photos import PhotoRepo
from storage.quota import QuotaRepo
from storage.reminders import ReminderRepo
from storage.reports import ReportRepo
from storage.stats import StatsRepo
from storage.web import WebRepo

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a chat adapter calls. Built by :func:`open_services` only."""

    config: Config
    db: Database
    clock: ReportClock
    inbox: InboxService
    #: the repository of the reporting loop (tests and the CLI read it; adapters go through the services)
    report_repo: ReportRepo
    reports: ReportService
    photos: PhotoService
    reader: PhotoReader
    reminders: NagService
    stats: StatsService
    #: the web console's services (roles and scopes as the chat's)
    console: ConsoleService
    #: the web console: sign-in links and sessions, and its live pages' queries
    web: WebSignIn
    board: LiveBoard
    #: the chat platforms' API calls against their monthly quotas
    quota: QuotaService

    async def close(self) -> None:
        self.reader.shutdown()  # a photo still being read is dropped: nothing of it was stored
        await self.db.close()


async def open_services(config: Config, clock: Callable[[], datetime] | None = None) -> Services:
    """Open the database and build every service on it."""
    db = await open_database(config.db_path)
    report_clock = ReportClock(config, clock)
    report_repo = ReportRepo(db)
    reports = ReportService(config, report_repo, report_clock)
    photos = PhotoService(config, reports, PhotoRepo(db))
    reminders = NagService(config, report_repo, ReminderRepo(db), reports)
    stats = StatsService(config, reports, StatsRepo(db))
    reminders.digest_builder = stats.digest_text
    reminders.reoffer_source = photos.open_confirmations
    photos.print_scope = stats.members_in_scope
    reader = PhotoReader(config.ocr.workers, config.ocr.max_queue, config.ocr.timeout_s)
    inbox = InboxService(config, InboxRepo(db), report_clock)
    console = ConsoleService(config, reports, stats, reminders, ConsoleRepo(db))
    web_repo = WebRepo(db)
    web = WebSignIn(config, web_repo, stats, report_clock)
    board = LiveBoard(config, stats, reminders, web_repo)
    return Services(config, db, report_clock, inbox, report_repo, reports, photos, reader, reminders, stats, console,
                    web, board, QuotaService(QuotaRepo(db), report_clock))


class Adapter(Protocol):
    """What the CLI needs from a chat adapter. ``run`` serves until interrupted; with ``guests`` it also starts
    each guest on its services once they are open (``await guest.start(services)``, ``await guest.stop()``
    before they close), so that several adapters share one process and one set of services."""

    name: str

    def configured(self, config: Config) -> bool: ...

    def missing(self, config: Config) -> list[str]: ...

    def run(self, config: Config, guests: tuple[Any, ...] = ()) -> None: ...


class Guest(Protocol):
    """An adapter that can run on services another one opened (Feishu's, the web console's)."""

    async def start(self, services: Services, host: bool = False) -> None: ...

    async def stop(self) -> None: ...


async def serve(host: Guest, config: Config, guests: tuple[Any, ...] = (),
                clock: Callable[[], datetime] | None = None, stop: asyncio.Event | None = None) -> None:
    """Run ``host`` alone, as ``gridbot run`` does when no Telegram bot hosts it: open the services, start it
    (``host=True``) and then each guest on them, serve until SIGINT/SIGTERM (or ``stop``), and stop all."""
    services = await open_services(config, clock)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread, or not supported
            loop.add_signal_handler(sig, stop.set)
    started: list[Any] = []
    try:
        await host.start(services, host=True)
        for g in guests:
            await g.start(services)
            started.append(g)
        await stop.wait()
    finally:
        for g in reversed(started):
            await g.stop()
        await host.stop()
        await services.close()


def _entry_point(group: str, name: str) -> Any:
    for ep in entry_points(group=group):
        if ep.name == name:
            return ep.load()
    raise LookupError(f"nothing named {name!r} is installed in {group!r} (is gridbot installed with pip?)")


def load_adapter(name: str = "telegram") -> Adapter:
    """Find a chat adapter by name among the installed ``gridbot.adapters`` entry points."""
    return _entry_point("gridbot.adapters", name)()


def load_adapters() -> list[Adapter]:
    """Every installed chat adapter (``gridbot.adapters`` entry points), by name."""
    return [ep.load()() for ep in sorted(entry_points(group="gridbot.adapters"), key=lambda e: e.name)]


def plan_run(adapters: list[Adapter], config: Config) -> tuple[Adapter, tuple[Adapter, ...]] | str:
    """Which adapters ``gridbot run`` starts: those configured, one hosting the others (an adapter that can be
    a guest has ``start``/``stop``; one that cannot, Telegram's, hosts). Or why none can start."""
    on = [a for a in adapters if a.configured(config)]
    if not on:
        return "no chat adapter is configured: set the bot token (Telegram) or [feishu] enabled = true"
    for a in on:
        missing = a.missing(config)
        if missing:
            return f"the {a.name} adapter needs {', '.join(missing)} in the environment"
    hosts = [a for a in on if not hasattr(a, "start")]
    if len(hosts) > 1:
        return f"{' and '.join(a.name for a in hosts)} cannot share one process"
    host = hosts[0] if hosts else on[0]
    return host, tuple(a for a in on if a is not host)


def load_demo(name: str = "telegram") -> Callable[..., int]:
    """The offline demo of a chat adapter (``gridbot.demos`` entry points): ``run(config, out) -> exit code``;
    ``run(config, out, web=True, port=N)`` then serves the web console on the demo's database."""
    return _entry_point("gridbot.demos", name)
