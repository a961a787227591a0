"""Driving the real Application offline: the demo and the tests use this.

:class:`OfflineBot` builds the Application with the recording request object and an injected clock, feeds
it hand-built updates one at a time (as polling would) and returns the Bot API calls each one caused.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.config.settings import Config
from bot.services import Services
from handlers.offline.fake import FakeChat, FakeUser, UpdateFactory
from handlers.offline.recording import Call, RecordingRequest
from handlers.telegram.app import build_application
from handlers.telegram.context import app_services

#: any token will do: the recording request answers every call itself
OFFLINE_TOKEN = "123456:offline-demo-token"


class Clock:
    """A settable clock: ``clock()`` returns the current fake time."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return when


class OfflineBot:
    def __init__(self, config: Config, start: datetime, *, rate_limiter: bool = False,
                 request: RecordingRequest | None = None, guests: tuple[Any, ...] = ()):
        self.config = config
        self.request = request or RecordingRequest()
        self.clock = Clock(start)
        self.app: Application = build_application(
            config, token=OFFLINE_TOKEN, request=self.request, clock=self.clock, rate_limiter=rate_limiter,
            guests=guests,  # another platform's adapter (Feishu) on the same services
        )
        self.updates = UpdateFactory(self.app.bot)

    @property
    def tz(self) -> tzinfo:
        return self.config.tz

    @property
    def services(self) -> Services:
        return app_services(self.app)

    async def start(self) -> None:
        await self.app.initialize()
        await self.app.post_init(self.app)  # type: ignore[misc]

    async def stop(self) -> None:
        await self.app.post_shutdown(self.app)  # type: ignore[misc]
        await self.app.shutdown()

    async def __aenter__(self) -> OfflineBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def at(self, hhmm: str, day: date | None = None) -> datetime:
        h, m = map(int, hhmm.split(":"))
        return datetime.combine(day or self.clock.now.astimezone(self.tz).date(), time(h, m), self.tz)

    async def feed(self, update: Update) -> list[Call]:
        before = len(self.request.calls)
        await self.app.process_update(update)
        await self.services.reader.join()  # background work (photo reading) it started
        return self.request.calls[before:]

    async def post(
        self, chat: FakeChat, user: FakeUser, text: str, when: datetime | str | None = None, **kw: Any
    ) -> tuple[int, list[Call]]:
        """A user posts (or, with ``edited_at=``, edits) a message. Returns its message id and the calls."""
        if isinstance(when, str):
            when = self.at(when)
        self.clock.set(when or self.clock.now)
        update = self.updates.message(chat, user, text, self.clock.now, **kw)
        calls = await self.feed(update)
        assert update.effective_message is not None
        return update.effective_message.message_id, calls

    async def click(self, chat: FakeChat, user: FakeUser, data: str, message_id: int) -> list[Call]:
        return await self.feed(self.updates.callback(chat, user, data, message_id, self.clock.now))


def replies(calls: list[Call]) -> list[str]:
    """The texts the bot sent or edited, in order."""
    return [str(c.params.get("text", "")) for c in calls if c.method in ("sendMessage", "editMessageText")]


def buttons(calls: list[Call]) -> list[tuple[str, str]]:
    out = []
    for c in calls:
        markup = c.params.get("reply_markup")
        if markup:
            out += [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]
    return out
