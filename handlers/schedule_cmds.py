"""The schedule commands: /schedule, /pause, /resume, /leave. Each is one call into ``bot.nagging``."""

from __future__ import annotations

from telegram import Chat, Message, User
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.nagging import NagService
from handlers import jobs
from handlers.convert import command, send_reply, to_sender


def register(app: Application) -> None:
    app.add_handler(CommandHandler("schedule", schedule))
    app.add_handler(CommandHandler("pause", pause))
    app.add_handler(CommandHandler("resume", resume))
    app.add_handler(CommandHandler("leave", leave))


def _nags(context: ContextTypes.DEFAULT_TYPE) -> NagService:
    return context.application.bot_data["nags"]


@command
async def schedule(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/schedule`` shows the grid's times; with arguments (leader or admin) it changes them, and the jobs
    are rebuilt at once."""
    reply, changed = await _nags(context).set_schedule(chat.id, chat.type, to_sender(user), context.args or [])
    try:
        await send_reply(msg, reply)
    finally:  # the change is stored: its jobs run even when the reply could not be sent
        if changed:
            await jobs.rebuild_jobs(context.application)
            await jobs.dispatch(context.application)  # a time moved into the recent past is due now


@command
async def pause(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(msg, await _nags(context).pause(chat.id, chat.type, to_sender(user), context.args or []))


@command
async def resume(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(msg, await _nags(context).resume(chat.id, chat.type, to_sender(user)))


@command
async def leave(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(msg, await _nags(context).leave(chat.id, chat.type, to_sender(user), context.args or []))
