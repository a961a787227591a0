"""Turning Telegram objects into the core's plain types, and the core's replies into Telegram calls.

Ids are qualified on the way in (:func:`tg_id`: ``42`` → ``"tg:42"``; message ids as text) and made Telegram's
again on the way out (:func:`tg_native`; message ids ``int(...)``), as ``bot/core/ids.py`` describes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    Bot,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core.chat import IncomingMessage, Outgoing, Reply, Sender
from bot.core.ids import TELEGRAM, is_platform, qualify, telegram_native

log = logging.getLogger(__name__)


def tg_id(native: int) -> str:
    """A Telegram chat, user or update id as the core has it: ``"tg:<id>"``."""
    return qualify(TELEGRAM, native)


def tg_native(qid: str) -> int:
    """The Telegram id of a qualified chat or user id (ValueError for another platform's)."""
    return telegram_native(qid)


def to_sender(user: User) -> Sender:
    return Sender(tg_id(user.id), user.username, user.full_name or "")


def to_incoming(update: Update) -> IncomingMessage | None:
    msg = update.effective_message
    user = update.effective_user
    if msg is None or user is None or msg.text is None or user.is_bot:
        return None
    replied = msg.reply_to_message
    to_bot = replied.message_id if replied is not None and replied.from_user and replied.from_user.is_bot else None
    return IncomingMessage(
        chat_id=tg_id(msg.chat_id),
        chat_type=msg.chat.type,
        message_id=str(msg.message_id),
        sender=to_sender(user),
        text=msg.text,
        date=msg.date,
        update_id=tg_id(update.update_id),
        edited=update.edited_message is not None,
        reply_to_bot=str(to_bot) if to_bot is not None else None,
    )


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    )


async def send_reply(message: Message, reply: Reply | None) -> Message | None:
    """Answer ``message``; returns what was sent (None when there was nothing to say)."""
    if reply is None or not reply.text:
        return None
    return await message.reply_text(
        reply.text,
        reply_markup=markup(reply),
        parse_mode=ParseMode.HTML if reply.html else None,
        do_quote=reply.quote,
    )


async def send_outgoing(bot: Any, messages: list[Outgoing]) -> int:
    """Send messages the core asked for on its own (each quoting its message when that still exists), and
    record each sent one. A send that fails is logged and skipped. Returns how many were sent."""
    tg: Bot = getattr(bot, "bot", bot)  # an Application or a Bot
    sent = 0
    for out in messages:
        if not is_platform(out.chat_id, TELEGRAM):
            log.warning("a message to chat %s is not for Telegram: skipped", out.chat_id)
            continue
        reply_to = (ReplyParameters(int(out.reply_to), allow_sending_without_reply=True)
                    if out.reply_to else None)
        try:
            msg = await tg.send_message(tg_native(out.chat_id), out.reply.text, reply_markup=markup(out.reply),
                                        parse_mode=ParseMode.HTML if out.reply.html else None,
                                        reply_parameters=reply_to)
        except TelegramError as e:
            log.warning("a message to chat %s was not sent: %s", out.chat_id, type(e).__name__)
            if out.on_failed is not None:
                await out.on_failed()
            continue
        if out.on_sent is not None:
            await out.on_sent(str(msg.message_id))
        sent += 1
    return sent


CommandBody = Callable[[Message, User, Chat, Any], Awaitable[None]]


def command(body: CommandBody) -> Callable[[Update, Any], Awaitable[None]]:
    """A PTB callback that calls ``body(message, user, chat, context)``, or does nothing for an update
    without all three (a channel post, an anonymous admin)."""

    @functools.wraps(body)
    async def callback(update: Update, context: Any) -> None:
        msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if msg is None or user is None or chat is None:
            return
        await body(msg, user, chat, context)

    return callback

