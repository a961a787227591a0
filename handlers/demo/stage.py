"""The stage of ``gridbot demo``: an offline bot on the demo clock, and a transcript of what everybody said.

The scenes (``handlers/demo/day.py`` and the scenes it plays) post messages, press buttons and run jobs
through :class:`Demo`; every message goes through python-telegram-bot's ``Application.process_update`` and the
real handlers (see :class:`handlers.offline.bot.OfflineBot`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time
from typing import Any, TextIO

from bot.config.settings import Config
from bot.reports.service import ReportService
from bot.sample.cast import DAY as DEMO_DAY
from handlers.offline.bot import OfflineBot, buttons
from handlers.offline.fake import FakeChat, FakeUser
from handlers.offline.recording import Call

__all__ = ["DEMO_DAY", "Demo"]


class Demo:
    """Plays the script and prints what everybody said."""

    def __init__(self, config: Config, out: TextIO):
        self.config = config
        self.out = out
        self.bot = OfflineBot(config, datetime.combine(DEMO_DAY, time(8, 0), config.tz))
        self.last_bot_message_id = 0

    def say(self, line: str = "") -> None:
        print(line, file=self.out)

    def _show(self, calls: list[Call]) -> None:
        for call in calls:
            if call.method in ("sendMessage", "editMessageText"):
                self.say("   🤖 " + str(call.params.get("text", "")).replace("\n", "\n" + " " * 6))
                markup = call.params.get("reply_markup")
                if markup:
                    self.say("      " + " ".join(f"[{b['text']}]" for row in markup["inline_keyboard"] for b in row))
                if call.method == "sendMessage":
                    self.last_bot_message_id = call.result["message_id"]
            elif call.method == "answerCallbackQuery" and call.params.get("text"):
                self.say(f"   🤖（提示）{call.params['text']}")
        self.say()

    async def post(self, hhmm: str, chat: FakeChat, user: FakeUser, text: str, **kw: Any) -> int:
        label = "（修改了消息）" if kw.get("edited_at") else ""
        self.say(f"[{hhmm} {chat.title}] {user.first_name}{label}：" + text.replace("\n", "\n" + " " * 6))
        mid, calls = await self.bot.post(chat, user, text, hhmm, **kw)
        self._show(calls)
        return mid

    @property
    def reports(self) -> ReportService:
        return self.bot.services.reports

    async def edit(self, hhmm: str, chat: FakeChat, user: FakeUser, message_id: int, text: str) -> None:
        """The user changes a message they posted (Telegram's edited_message)."""
        await self.post(hhmm, chat, user, text, message_id=message_id, edited_at=self.bot.at(hhmm))

    async def click(self, hhmm: str, chat: FakeChat, user: FakeUser, prefix: str, label: str) -> None:
        self.bot.clock.set(self.bot.at(hhmm))
        data = next(d for _, d in buttons(self.bot.request.calls[::-1]) if d.startswith(prefix))
        self.say(f"[{hhmm} {chat.title}] {user.first_name} 点击【{label}】")
        self._show(await self.bot.click(chat, user, data, self.last_bot_message_id))

    async def play(self, script: Callable[[Demo], Awaitable[None]]) -> int:
        async with self.bot:
            await script(self)
        return 0
