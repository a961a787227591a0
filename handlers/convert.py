"""Turning Telegram objects into the core's plain types, and the core's replies into Telegram calls."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ParseMode

from bot.service import IncomingMessage, Reply, Sender


def to_sender(user: User) -> Sender:
    return Sender(user.id, user.username, user.full_name or "")


def to_incoming(update: Update) -> IncomingMessage | None:
    msg = update.effective_message
    user = update.effective_user
    if msg is None or user is None or msg.text is None or user.is_bot:
        return None
    return IncomingMessage(
        chat_id=msg.chat_id,
        chat_type=msg.chat.type,
        message_id=msg.message_id,
        sender=to_sender(user),
        text=msg.text,
        date=msg.date,
        update_id=update.update_id,
        edited=update.edited_message is not None,
    )


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    )


async def send_reply(message: Message, reply: Reply | None) -> None:
    if reply is None or not reply.text:
        return
    await message.reply_text(
        reply.text,
        reply_markup=markup(reply),
        parse_mode=ParseMode.HTML if reply.html else None,
        do_quote=reply.quote,
    )


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

