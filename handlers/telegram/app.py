"""Building the python-telegram-bot Application: the Telegram adapter around the core's services.

One module per feature registers its handlers (:mod:`.reports`, :mod:`.photos`, :mod:`.reminders`,
:mod:`.stats`). Start-up opens the core's services once (:func:`bot.services.open_services`) and then starts
the features that run jobs; shutdown stops them and closes the services. The handlers reach the services
through the typed context (:mod:`.context`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.config.settings import Config
from bot.core import texts
from bot.services import open_services
from handlers.telegram import errors, inbox, photos, reminders, reports, stats, web
from handlers.telegram.context import CONTEXT_TYPES, app_data
from handlers.telegram.convert import send_outgoing
from handlers.telegram.inbox import ChatOrderedProcessor, DurableUpdateQueue, FlushingRequest

log = logging.getLogger(__name__)


def build_application(
    config: Config,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    clock: Callable[[], datetime] | None = None,
    rate_limiter: bool = True,
    guests: tuple[Any, ...] = (),
) -> Application:
    """The Application with every handler registered. ``token`` overrides the configured one; with
    ``request`` (e.g. the offline :class:`handlers.offline.recording.RecordingRequest`) no network is used."""
    token = token or config.resolve_token()
    if not token:
        raise ValueError(f"no bot token: set {config.token_env} or bot.token in the config")
    queue = DurableUpdateQueue(buffered=request is None and not config.webhook.enabled)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init(config, clock, guests))
        .post_shutdown(_post_shutdown(guests))
        # the durable inbox: every update committed before Telegram is told it arrived; one chat's updates in
        # order, different chats side by side (handlers/telegram/inbox.py)
        .update_queue(queue)
        .concurrent_updates(ChatOrderedProcessor(config.inbox.concurrency))
    )
    if rate_limiter and config.rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    elif not config.webhook.enabled:  # polling: the fetched batch is committed before the next fetch confirms it
        builder = builder.get_updates_request(FlushingRequest(queue, connection_pool_size=1))
    app = builder.build()
    register(app)
    return app


def register(app: Application) -> None:
    reports.register(app)  # /bind, /iam, /mystatus, /undo, text reports, membership updates
    app.add_error_handler(errors.on_error)
    reminders.register(app)  # schedule commands, follow-ups after a report
    stats.register(app)  # summaries, exports, charts, /statistician
    photos.register(app)  # photos, /form, corrections (in group -1, before the report handler) and buttons
    web.register(app)  # /web: the web console's sign-in link


def _post_init(config: Config, clock: Callable[[], datetime] | None, guests: tuple[Any, ...] = ()
               ) -> Callable[[Application], object]:
    async def post_init(app: Application) -> None:
        data = app_data(app)
        data.services = await open_services(config, clock)
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])
        except Exception:  # the menu is a convenience; never fail start-up for it
            log.warning("could not register the command menu", exc_info=True)
        await inbox.start(app)  # what a killed process accepted and did not finish, first
        await reminders.start(app)  # the nag jobs, and the catch-up after a restart
        await stats.start(app)  # the retention job
        for guest in guests:  # another adapter (Feishu, the web console) on the same services
            hosted_by = getattr(guest, "hosted_by", None)
            if hosted_by is not None:  # a chat adapter: its /schedule rebuilds our jobs, we send to our chats
                hosted_by(partial(reminders.rescheduled, app), partial(send_outgoing, app))
            await guest.start(data.services)
        data.guests = guests

    return post_init


def _post_shutdown(guests: tuple[Any, ...] = ()) -> Callable[[Application], object]:
    async def post_shutdown(app: Application) -> None:
        data = app_data(app)
        if not data.started:
            return
        for guest in reversed(guests):
            await guest.stop()
        await reminders.stop(app)
        await data.services.close()
        data.services = None

    return post_shutdown
