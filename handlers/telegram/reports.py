"""The reporting loop on Telegram: /start, /help, /bind, /iam and its buttons, /mystatus, /undo, plain
messages in groups (reports), and the chat-membership service updates.

Each handler turns an Update into one call into :class:`bot.reports.service.ReportService` and sends the
reply.
"""

from __future__ import annotations

import logging

from telegram import Chat, Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core import texts
from bot.core.chat import Reply
from handlers.telegram.context import Context, services
from handlers.telegram.convert import command, send_reply, tg_id, tg_native, to_incoming, to_sender

log = logging.getLogger(__name__)

IAM_CALLBACK = r"^iam:[ar]:\d{1,18}$"
#: the one-off job that sends a busy group's merged acknowledgements (one per chat, by name)
MERGED_ACKS_JOB = "gridbot merged acks"


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_))
    app.add_handler(CommandHandler("bind", bind))
    app.add_handler(CommandHandler("iam", iam))
    app.add_handler(CommandHandler("mystatus", mystatus))
    app.add_handler(CommandHandler("undo", undo))
    app.add_handler(CallbackQueryHandler(link_decision, pattern=IAM_CALLBACK))
    app.add_handler(ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, text))


# ---------------------------------------------------------------------------------------------- commands
async def start(update: Update, context: Context) -> None:
    if update.effective_message:
        await send_reply(update.effective_message, Reply(texts.START))


async def help_(update: Update, context: Context) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(texts.HELP, parse_mode=ParseMode.HTML)


@command
async def bind(msg: Message, user: User, chat: Chat, context: Context) -> None:
    is_admin = False
    if chat.type in ("group", "supergroup"):
        member = await context.bot.get_chat_member(chat.id, user.id)
        is_admin = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
    reply = await services(context).reports.bind(tg_id(chat.id), chat.type, to_sender(user), is_admin,
                                                 " ".join(context.args or []))
    await send_reply(msg, reply)


@command
async def iam(msg: Message, user: User, chat: Chat, context: Context) -> None:
    reply = await services(context).reports.iam(tg_id(chat.id), chat.type, to_sender(user), " ".join(context.args or []))
    await send_reply(msg, reply)


@command
async def mystatus(msg: Message, user: User, chat: Chat, context: Context) -> None:
    await send_reply(msg, await services(context).reports.mystatus(tg_id(chat.id), chat.type, to_sender(user)))


@command
async def undo(msg: Message, user: User, chat: Chat, context: Context) -> None:
    await send_reply(msg, await services(context).reports.undo(tg_id(chat.id), chat.type, to_sender(user)))


async def link_decision(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None or query.from_user is None:
        return
    _, action, req_id = query.data.split(":")
    done, text = await services(context).reports.decide_link(to_sender(query.from_user), int(req_id), action == "a")
    if done:
        await query.answer()
        await query.edit_message_text(text)
    else:
        await query.answer(text, show_alert=True)


# ---------------------------------------------------------------------------------------------- messages
async def text(update: Update, context: Context) -> None:
    incoming = to_incoming(update)
    if incoming is None:
        return
    if incoming.chat_type == ChatType.PRIVATE:
        if update.message is not None:  # not for edits
            await send_reply(update.message, Reply(texts.PRIVATE_ONLY_HINT))
        return
    if incoming.chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return  # channels
    svc = services(context)
    reply = await svc.reports.handle_message(incoming)
    if update.effective_message is None or reply is None:
        return
    acks = context.bot_data.acks
    now = svc.clock.now().timestamp()
    if reply.merge is not None and acks.busy(incoming.chat_id, now):  # a busy group: merged with others
        if acks.hold(incoming.chat_id, reply.merge, reply.outbox_id) and context.job_queue is not None:
            context.job_queue.run_once(send_merged_acks, acks.delay_s, data=incoming.chat_id,
                                       name=f"{MERGED_ACKS_JOB} {incoming.chat_id}")
        return
    try:
        sent = await send_reply(update.effective_message, reply)
    except TelegramError:
        if reply.outbox_id is not None:  # committed with the report: the resend job tries again
            await svc.inbox.reply_failed(reply.outbox_id)
        raise
    acks.sent(incoming.chat_id, now)
    if reply.outbox_id is not None:  # the reply was committed with the report: it is sent now
        await svc.inbox.reply_sent(reply.outbox_id, str(sent.message_id) if sent else None)


async def send_merged_acks(context: Context) -> None:
    """The acknowledgements held for a busy group, in one message (``bot/inbox/acks.py``)."""
    if context.job is None or not isinstance(context.job.data, str):
        return
    chat_id = context.job.data
    svc = services(context)
    merged = context.bot_data.acks.take(chat_id)
    if merged is None:
        return
    text, outbox_ids = merged
    try:
        msg = await context.bot.send_message(tg_native(chat_id), text)
    except TelegramError as e:
        log.warning("merged acknowledgement to chat %s not sent: %s", chat_id, type(e).__name__)
        for oid in outbox_ids:  # sent one by one by the resend job
            await svc.inbox.reply_failed(oid)
        return
    context.bot_data.acks.sent(chat_id, svc.clock.now().timestamp())
    for oid in outbox_ids:
        await svc.inbox.reply_sent(oid, str(msg.message_id))
    log.info("merged %d acknowledgement(s) in chat %s", len(outbox_ids), chat_id)


async def my_chat_member(update: Update, context: Context) -> None:
    """The bot was removed from (or left) a group: its bindings become inactive."""
    cmu = update.my_chat_member
    if cmu is None:
        return
    if cmu.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        await services(context).reports.chat_gone(tg_id(cmu.chat.id))
        log.info("removed from chat %s; its bindings are inactive", cmu.chat.id)


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: move its bindings to the new chat id."""
    msg = update.effective_message
    if msg is None or msg.migrate_to_chat_id is None:
        return
    await services(context).reports.chat_migrated(tg_id(msg.chat_id), tg_id(msg.migrate_to_chat_id))
    log.info("chat %s migrated to %s", msg.chat_id, msg.migrate_to_chat_id)
