"""Wiring of the platform-free core: open the database and build the services.

Chat adapters (``handlers/`` for Telegram) call :func:`open_services` on start-up and
:meth:`Services.close` on shutdown. The adapter itself is found through the ``gridbot.adapters`` entry point
group, so that ``bot/`` never imports a chat platform's library.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, Protocol

from bot.config import Config
from bot.service import GridService
from storage.db import Database, open_database
from storage.repo import Repo

log = logging.getLogger(__name__)


@dataclass
class Services:
    config: Config
    db: Database
    repo: Repo
    grid: GridService

    async def close(self) -> None:
        await self.db.close()


async def open_services(config: Config, clock: Callable[[], datetime] | None = None) -> Services:
    db = await open_database(config.db_path)
    repo = Repo(db)
    return Services(config, db, repo, GridService(config, repo, clock))


class Adapter(Protocol):
    """What the CLI needs from a chat adapter."""

    def run(self, config: Config) -> None: ...

    def demo(self, config: Config, out: Any) -> int: ...


def load_adapter(name: str = "telegram") -> Adapter:
    """Find a chat adapter by name among the installed ``gridbot.adapters`` entry points."""
    for ep in entry_points(group="gridbot.adapters"):
        if ep.name == name:
            return ep.load()()
    raise LookupError(f"no chat adapter named {name!r} is installed (is gridbot installed with pip?)")
