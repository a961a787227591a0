"""Hand-built Telegram updates for the offline demo and the tests.

They are real ``telegram.Update`` objects de-serialised from Bot API JSON, as polling would deliver them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Bot, Update


@dataclass(frozen=True)
class FakeUser:
    id: int
    first_name: str
    username: str | None = None

    def json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            d["username"] = self.username
        return d


@dataclass(frozen=True)
class FakeChat:
    id: int
    title: str = ""

    def json(self) -> dict[str, Any]:
        if self.id > 0:
            return {"id": self.id, "type": "private", "first_name": self.title or "user"}
        return {"id": self.id, "type": "supergroup", "title": self.title}


class UpdateFactory:
    """Makes updates with increasing update and message ids."""

    def __init__(self, bot: Bot, start_update_id: int = 1, start_message_id: int = 1):
        self.bot = bot
        self._update_ids = itertools.count(start_update_id)
        self._message_ids = itertools.count(start_message_id)

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def message(
        self,
        chat: FakeChat,
        user: FakeUser,
        text: str,
        when: datetime,
        *,
        message_id: int | None = None,
        edited_at: datetime | None = None,
        update_id: int | None = None,
    ) -> Update:
        mid = message_id if message_id is not None else self.next_message_id()
        msg: dict[str, Any] = {
            "message_id": mid,
            "date": int(when.timestamp()),
            "chat": chat.json(),
            "from": user.json(),
            "text": text,
        }
        if text.startswith("/"):
            cmd = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        key = "message"
        if edited_at is not None:
            msg["edit_date"] = int(edited_at.timestamp())
            key = "edited_message"
        uid = update_id if update_id is not None else next(self._update_ids)
        return Update.de_json({"update_id": uid, key: msg}, self.bot)

    def callback(self, chat: FakeChat, user: FakeUser, data: str, message_id: int, when: datetime) -> Update:
        return Update.de_json(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": user.json(),
                    "chat_instance": str(chat.id),
                    "data": data,
                    "message": {
                        "message_id": message_id,
                        "date": int(when.timestamp()),
                        "chat": chat.json(),
                        "from": {"id": self.bot.id, "is_bot": True, "first_name": "网格通"},
                        "text": "…",
                    },
                },
            },
            self.bot,
        )

    def my_chat_member(self, chat: FakeChat, by: FakeUser, status: str, when: datetime) -> Update:
        bot_user = {"id": self.bot.id, "is_bot": True, "first_name": "网格通"}
        return Update.de_json(
            {
                "update_id": next(self._update_ids),
                "my_chat_member": {
                    "chat": chat.json(),
                    "from": by.json(),
                    "date": int(when.timestamp()),
                    "old_chat_member": {"status": "member", "user": bot_user},
                    "new_chat_member": {"status": status, "user": bot_user, **({"until_date": 0} if status == "kicked" else {})},
                },
            },
            self.bot,
        )
