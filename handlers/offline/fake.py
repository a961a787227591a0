"""Hand-built Telegram updates for the offline demo and the tests.

They are real ``telegram.Update`` objects de-serialised from Bot API JSON, as polling would deliver them.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from telegram import Bot, Update

from bot.sample.cast import Group, Person

#: the people and chats of the offline bot are the bundled village's cast (plain data, no platform)
FakeUser = Person
FakeChat = Group


def user_json(user: Person) -> dict[str, Any]:
    """A cast member as a Bot API ``User``."""
    d: dict[str, Any] = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    if user.username:
        d["username"] = user.username
    return d


def chat_json(chat: Group) -> dict[str, Any]:
    """A chat as a Bot API ``Chat``: a positive id is a private chat, a negative one a supergroup."""
    if chat.id > 0:
        return {"id": chat.id, "type": "private", "first_name": chat.title or "user"}
    return {"id": chat.id, "type": "supergroup", "title": chat.title}


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
        reply_to: int | None = None,
    ) -> Update:
        mid = message_id if message_id is not None else self.next_message_id()
        msg: dict[str, Any] = {
            "message_id": mid,
            "date": int(when.timestamp()),
            "chat": chat_json(chat),
            "from": user_json(user),
            "text": text,
        }
        if text.startswith("/"):
            cmd = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        if reply_to is not None:
            msg["reply_to_message"] = self._bot_message(chat, reply_to, when)
        key = "message"
        if edited_at is not None:
            msg["edit_date"] = int(edited_at.timestamp())
            key = "edited_message"
        uid = update_id if update_id is not None else next(self._update_ids)
        return Update.de_json({"update_id": uid, key: msg}, self.bot)

    def _bot_message(self, chat: FakeChat, message_id: int, when: datetime) -> dict[str, Any]:
        return {"message_id": message_id, "date": int(when.timestamp()), "chat": chat_json(chat),
                "from": {"id": self.bot.id, "is_bot": True, "first_name": "网格通"}, "text": "…"}

    def photo(
        self, chat: FakeChat, user: FakeUser, file_id: str, when: datetime, *, width: int = 1280, height: int = 960,
        file_size: int | None = None, caption: str | None = None,
    ) -> Update:
        """A compressed photo (Telegram sends several sizes; the last is the largest)."""
        sizes = [{"file_id": f"{file_id}-s", "file_unique_id": f"u{file_id}-s", "width": max(1, width // 4),
                  "height": max(1, height // 4)},
                 {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": width, "height": height,
                  **({"file_size": file_size} if file_size is not None else {})}]
        msg: dict[str, Any] = {"message_id": self.next_message_id(), "date": int(when.timestamp()),
                               "chat": chat_json(chat), "from": user_json(user), "photo": sizes}
        if caption:
            msg["caption"] = caption
        return Update.de_json({"update_id": next(self._update_ids), "message": msg}, self.bot)

    def document(
        self, chat: FakeChat, user: FakeUser, file_id: str, when: datetime, *, file_name: str,
        mime_type: str | None = None, file_size: int | None = None,
    ) -> Update:
        """A file posted as a document (an uncompressed image, or anything else)."""
        doc: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name}
        if mime_type:
            doc["mime_type"] = mime_type
        if file_size is not None:
            doc["file_size"] = file_size
        msg = {"message_id": self.next_message_id(), "date": int(when.timestamp()), "chat": chat_json(chat),
               "from": user_json(user), "document": doc}
        return Update.de_json({"update_id": next(self._update_ids), "message": msg}, self.bot)

    def callback(self, chat: FakeChat, user: FakeUser, data: str, message_id: int, when: datetime) -> Update:
        return Update.de_json(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": user_json(user),
                    "chat_instance": str(chat.id),
                    "data": data,
                    "message": {
                        "message_id": message_id,
                        "date": int(when.timestamp()),
                        "chat": chat_json(chat),
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
                    "chat": chat_json(chat),
                    "from": user_json(by),
                    "date": int(when.timestamp()),
                    "old_chat_member": {"status": "member", "user": bot_user},
                    "new_chat_member": {"status": status, "user": bot_user, **({"until_date": 0} if status == "kicked" else {})},
                },
            },
            self.bot,
        )
