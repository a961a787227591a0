"""The Feishu adapter, found by ``bot.cli`` through the ``gridbot.adapters`` entry point (``feishu``).

Alone, :meth:`FeishuAdapter.run` opens the core's services and serves until interrupted. Beside Telegram in
one process, the Telegram adapter opens the services and starts this one on them as a guest
(:meth:`FeishuAdapter.start` / :meth:`FeishuAdapter.stop`), so that both share one database and one set of
services.

The SDK (``lark-oapi``, some 10,000 modules) is imported only when the adapter is built: ``gridbot run``
loads every adapter's entry point to ask whether it is configured, and a Telegram-only process must not pay
for Feishu's import (seconds on every start). The modules that import it are held as declared
:class:`~bot.core.lazy.LazyModule` dependencies, as the OCR pipeline is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.config.feishu import FeishuConfig
from bot.config.settings import Config
from bot.core.chat import Outgoing
from bot.core.ids import FEISHU, is_platform
from bot.core.lazy import LazyModule
from bot.reminders.service import Nag
from bot.services import Services, serve

if TYPE_CHECKING:
    from handlers.feishu.runtime import FeishuBot

# the adapter's modules that import lark-oapi, loaded when the adapter is built or first used
API = LazyModule("handlers.feishu.api")
MESSAGES = LazyModule("handlers.feishu.messages")
RUNTIME = LazyModule("handlers.feishu.runtime")
REMINDERS = LazyModule("handlers.feishu.reminders")

log = logging.getLogger(__name__)


def configured(config: Config) -> bool:
    return config.feishu.enabled


def build_bot(services: Services, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
              api_sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> FeishuBot:
    """The adapter on open services (its API client built from the ``[feishu]`` section). ``sleep`` is what
    the merged acknowledgements wait with, ``api_sleep`` the pacing and the retries (tests inject them)."""
    cfg: FeishuConfig = services.config.feishu
    secret = cfg.app_secret()
    if not secret:
        raise ValueError(f"no Feishu app secret: set {cfg.app_secret_env}")
    api = API.FeishuApi(cfg, secret, sleep=api_sleep, today=lambda: services.clock.now().date())
    return RUNTIME.FeishuBot(services, api, MESSAGES.handle, sleep=sleep)


class FeishuAdapter:
    name = "feishu"

    def __init__(self) -> None:
        self.bot: FeishuBot | None = None
        self._schedule_changed: Callable[[], Awaitable[Any]] | None = None
        self._send_elsewhere: Callable[[list[Outgoing]], Awaitable[Any]] | None = None

    def configured(self, config: Config) -> bool:
        return configured(config)

    def missing(self, config: Config) -> list[str]:
        """What the environment lacks for this adapter to start (names of variables)."""
        return config.feishu.missing()

    def hosted_by(self, schedule_changed: Callable[[], Awaitable[Any]] | None,
                  send_elsewhere: Callable[[list[Outgoing]], Awaitable[Any]] | None) -> None:
        """Called by a host adapter before :meth:`start`: what to call when ``/schedule`` changes a grid's
        times in a Feishu chat (the host's jobs are rebuilt and what became due is sent), and how to send into
        the host's own chats (a leader known there)."""
        self._schedule_changed, self._send_elsewhere = schedule_changed, send_elsewhere

    async def start(self, services: Services, host: bool = False) -> None:
        """Start on services opened by another adapter (both in one process; see :meth:`hosted_by`);
        ``host``: alone, it runs the daily jobs and the nags too."""
        self.bot = build_bot(services)
        self.bot.schedule_changed = self._schedule_changed
        self.bot.send_elsewhere = self._send_elsewhere
        await self.bot.start(host=host)
        if host:  # no other adapter runs the nag jobs
            self.bot.spawn(REMINDERS.nag_loop(self.bot))
        log.info("feishu adapter started (%s)", services.config.feishu.mode)

    def owns(self, chat: str) -> bool:
        """Whether a (qualified) chat is Feishu's."""
        return is_platform(chat, FEISHU)

    async def send_outgoing(self, messages: list[Outgoing]) -> int:
        """Messages the core asked the host adapter to send; Feishu's chats among them are sent here."""
        return 0 if self.bot is None else await self.bot.send_outgoing(messages)

    async def send_nag(self, nag: Nag, chat: str) -> str:
        """A nag the host adapter claimed, for one of Feishu's chats (see handlers/feishu/reminders.send_to)."""
        if self.bot is None:
            return "failed"
        return await REMINDERS.send_to(self.bot, nag, chat)

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    def run(self, config: Config, guests: tuple[object, ...] = ()) -> None:
        """Run the Feishu adapter alone (and any guest adapter that can start on its services)."""
        asyncio.run(self.serve(config, guests))

    async def serve(self, config: Config, guests: tuple[object, ...] = (),
                    clock: Callable[[], datetime] | None = None, stop: asyncio.Event | None = None) -> None:
        await serve(self, config, guests, clock, stop)
