"""Command handlers: each turns an Update into one call into ``bot.service`` and sends the reply."""

from __future__ import annotations

from telegram import Chat, Message, Update, User
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.ext import ContextTypes

from bot import texts
from bot.service import Reply
from handlers.convert import command, send_reply, to_sender


def _svc(context: ContextTypes.DEFAULT_TYPE):
    return context.application.bot_data["services"].grid


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message:
        await send_reply(update.effective_message, Reply(texts.START))


async def help_(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(texts.HELP, parse_mode=ParseMode.HTML)


@command
async def bind(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    is_admin = False
    if chat.type in ("group", "supergroup"):
        member = await context.bot.get_chat_member(chat.id, user.id)
        is_admin = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
    reply = await _svc(context).bind(chat.id, chat.type, to_sender(user), is_admin, " ".join(context.args or []))
    await send_reply(msg, reply)


@command
async def iam(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    reply = await _svc(context).iam(chat.id, chat.type, to_sender(user), " ".join(context.args or []))
    await send_reply(msg, reply)


@command
async def mystatus(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(msg, await _svc(context).mystatus(chat.id, chat.type, to_sender(user)))


@command
async def undo(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(msg, await _svc(context).undo(chat.id, chat.type, to_sender(user)))


async def link_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or query.from_user is None:
        return
    _, action, req_id = query.data.split(":")
    done, text = await _svc(context).decide_link(to_sender(query.from_user), int(req_id), action == "a")
    if done:
        await query.answer()
        await query.edit_message_text(text)
    else:
        await query.answer(text, show_alert=True)
