"""The web console as an adapter, found by ``bot.cli`` through the ``gridbot.adapters`` entry point (``web``).

It is served by the bot's own process: beside a chat adapter, as its guest on the same services
(:meth:`WebAdapter.start` / :meth:`WebAdapter.stop`); alone (no chat adapter configured), :meth:`WebAdapter.run`
opens the services and serves until interrupted. It sends no chat messages: it owns no chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from bot.config.settings import Config
from bot.core.chat import Outgoing
from bot.reminders.service import Nag
from bot.services import Services, serve
from handlers.web.app import build_app

log = logging.getLogger(__name__)

#: expired links and idle sessions are forgotten this often
PURGE_EVERY_S = 3600


class WebAdapter:
    name = "web"

    def __init__(self, port: int | None = None):
        self.runner: web.AppRunner | None = None
        self._purge: asyncio.Task[None] | None = None
        self._port = port
        #: the port it listens on once started (the configured one, or the one the system chose for 0)
        self.port: int | None = None

    def configured(self, config: Config) -> bool:
        return config.web.enabled

    def missing(self, config: Config) -> list[str]:
        return []

    async def start(self, services: Services, host: bool = False) -> None:
        cfg = services.config.web
        self.runner = web.AppRunner(build_app(services), access_log=None)  # no query strings in any log
        await self.runner.setup()
        site = web.TCPSite(self.runner, cfg.listen, cfg.port if self._port is None else self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else cfg.port
        self._purge = asyncio.create_task(self._purge_loop(services))
        log.info("web console on %s:%s (%s)", cfg.listen, self.port, cfg.root)

    async def _purge_loop(self, services: Services) -> None:
        while True:
            try:
                await services.web.purge()
            except Exception:  # the purge is housekeeping: never end the console for it
                log.warning("web console: purging old sessions failed", exc_info=True)
            await asyncio.sleep(PURGE_EVERY_S)

    def owns(self, chat: str) -> bool:
        return False

    async def send_outgoing(self, messages: list[Outgoing]) -> int:
        return 0

    async def send_nag(self, nag: Nag, chat: str) -> str:
        return "failed"

    async def stop(self) -> None:
        if self._purge is not None:
            self._purge.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purge
            self._purge = None
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def run(self, config: Config, guests: tuple[object, ...] = ()) -> None:
        """Serve the console alone (and any guest adapter that can start on its services)."""
        asyncio.run(self.serve(config, guests))

    async def serve(self, config: Config, guests: tuple[object, ...] = (),
                    clock: Callable[[], datetime] | None = None, stop: asyncio.Event | None = None) -> None:
        await serve(self, config, guests, clock, stop)
