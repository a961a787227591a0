"""Plain messages in groups (reports), and the chat-membership service updates."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ContextTypes

from bot import texts
from bot.service import Reply
from handlers.convert import send_reply, to_incoming

log = logging.getLogger(__name__)


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    incoming = to_incoming(update)
    if incoming is None:
        return
    if incoming.chat_type == ChatType.PRIVATE:
        if update.message is not None:  # not for edits
            await send_reply(update.message, Reply(texts.PRIVATE_ONLY_HINT))
        return
    if incoming.chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return  # channels
    reply = await context.application.bot_data["services"].grid.handle_message(incoming)
    if update.effective_message is not None:
        await send_reply(update.effective_message, reply)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was removed from (or left) a group: its bindings become inactive."""
    cmu = update.my_chat_member
    if cmu is None:
        return
    if cmu.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        await context.application.bot_data["services"].repo.deactivate_chat(cmu.chat.id)
        log.info("removed from chat %s; its bindings are inactive", cmu.chat.id)


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: move its bindings to the new chat id."""
    msg = update.effective_message
    if msg is None or msg.migrate_to_chat_id is None:
        return
    await context.application.bot_data["services"].repo.migrate_chat(msg.chat_id, msg.migrate_to_chat_id)
    log.info("chat %s migrated to %s", msg.chat_id, msg.migrate_to_chat_id)
