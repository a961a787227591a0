"""Building the python-telegram-bot Application: the Telegram adapter around ``bot.service``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import texts
from bot.app import Services, open_services
from bot.config import Config
from handlers import commands, errors, jobs, messages, photos, stats_cmds

log = logging.getLogger(__name__)

DUMMY_TOKEN = "123456:offline-demo-token"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


def build_application(
    config: Config,
    *,
    request: BaseRequest | None = None,
    clock: Callable[[], datetime] | None = None,
    rate_limiter: bool = True,
) -> Application:
    """The Application with every handler registered. With ``request`` (e.g. the offline
    :class:`handlers.recording.RecordingRequest`) no network is used."""
    token = config.resolve_token() or (DUMMY_TOKEN if request is not None else None)
    if not token:
        raise ValueError(f"no bot token: set {config.token_env} or bot.token in the config")
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .post_init(_post_init(config, clock))
        .post_shutdown(_post_shutdown)
        .concurrent_updates(False)
    )
    if rate_limiter and config.rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    register(app)
    return app


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", commands.start))
    app.add_handler(CommandHandler("help", commands.help_))
    app.add_handler(CommandHandler("bind", commands.bind))
    app.add_handler(CommandHandler("iam", commands.iam))
    app.add_handler(CommandHandler("mystatus", commands.mystatus))
    app.add_handler(CommandHandler("undo", commands.undo))
    app.add_handler(CallbackQueryHandler(commands.link_decision, pattern=r"^iam:[ar]:\d{1,18}$"))
    app.add_handler(ChatMemberHandler(messages.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, messages.migrated))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, messages.text))
    app.add_error_handler(errors.on_error)
    jobs.register(app)  # deadlines and reminders: schedule commands, jobs, follow-ups
    stats_cmds.register(app)  # summaries, exports, charts, digest content, retention (after jobs)
    photos.register(app)  # photos of handwritten tables, /form, corrections and confirmations


def _post_init(config: Config, clock: Callable[[], datetime] | None):
    async def post_init(app: Application) -> None:
        app.bot_data["services"] = await open_services(config, clock)
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])
        except Exception:  # the menu is a convenience; never fail start-up for it
            log.warning("could not register the command menu", exc_info=True)

    return post_init


async def _post_shutdown(app: Application) -> None:
    svc = app.bot_data.pop("services", None)
    if svc is not None:
        await svc.close()


async def process(app: Application, update: Update) -> None:
    """Process one update the way polling would (used by the demo and the tests)."""
    await app.process_update(update)
