"""The web console's sign-in on Telegram: ``/web`` in a private chat sends the one-time link
(:meth:`bot.web.signin.WebSignIn.link`). The console itself is served by ``handlers/web``."""

from __future__ import annotations

from telegram import Chat, Message, User
from telegram.ext import Application, CommandHandler

from handlers.telegram.context import Context, services
from handlers.telegram.convert import command, send_reply, to_sender


def register(app: Application) -> None:
    app.add_handler(CommandHandler("web", web))


@command
async def web(msg: Message, user: User, chat: Chat, context: Context) -> None:
    await send_reply(msg, await services(context).web.link(chat.type, to_sender(user)))
