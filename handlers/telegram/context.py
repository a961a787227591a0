"""The typed application context: how every Telegram handler reaches the core.

The Application is built with ``ContextTypes(bot_data=BotData)``, so ``context.bot_data`` (and
``application.bot_data``) is one :class:`BotData`, not a dict of string keys. It holds the core's
:class:`~bot.services.Services` once they are open, and the few things that belong to the Telegram side
alone (the nag send pacing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.inbox.acks import AckMerger
from bot.services import Services


@dataclass
class BotData:
    """What the Application holds between updates."""

    _services: Services | None = None
    #: paces nag sends to ``schedule.send_rate`` messages a second (set when the reminders start)
    nag_limiter: AsyncLimiter | None = None
    #: consecutive retries of nags the Bot API could not take (for the backoff)
    nag_retries: int = 0
    #: acknowledgements held for a busy group's next merged message
    acks: AckMerger = field(default_factory=AckMerger)
    #: other platforms' adapters running on the same services (Feishu): they send the nags of their chats
    guests: tuple[Any, ...] = ()

    @property
    def started(self) -> bool:
        return self._services is not None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the core services are not open (the Application has not been initialised)")
        return self._services

    @services.setter
    def services(self, value: Services | None) -> None:
        self._services = value


Context = CallbackContext[ExtBot[None], dict, dict, BotData]
CONTEXT_TYPES: ContextTypes = ContextTypes(bot_data=BotData)


def services(context: Context) -> Services:
    """The core services, from a handler's or a job's context."""
    return context.bot_data.services


def app_data(app: Application) -> BotData:
    """The Application's :class:`BotData` (typed; PTB's generics do not carry it)."""
    return app.bot_data  # type: ignore[return-value]


def app_services(app: Application) -> Services:
    return app_data(app).services
