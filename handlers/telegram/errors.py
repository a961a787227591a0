"""The error handler: log the failure (without message text: it may hold personal data) and apologise."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.core import texts
from handlers.telegram.context import Context

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    err = context.error
    where = ""
    if isinstance(update, Update):
        where = f"update {update.update_id}"
        if update.effective_chat is not None:
            where += f" chat {update.effective_chat.id}"
    if isinstance(err, Forbidden):
        log.warning("forbidden in %s: %s", where, err.message)
        return
    if isinstance(err, NetworkError):
        log.warning("network error in %s: %s", where, err)
        return
    log.error("error while handling %s: %s", where, type(err).__name__, exc_info=err)
    if isinstance(update, Update) and update.effective_message is not None and not isinstance(err, TelegramError):
        try:
            await update.effective_message.reply_text(texts.ERROR)
        except TelegramError:
            log.warning("could not send the apology in %s", where)
