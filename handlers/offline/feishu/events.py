"""Feishu's ids and the event payloads the stand-in pushes, shaped as the open platform sends them.

Every event is a schema 2.0 envelope::

    {"schema": "2.0",
     "header": {"event_id", "event_type", "create_time" (ms, a string), "token" (the Verification Token),
                "app_id", "tenant_key"},
     "event": {...}}

``im.message.receive_v1``'s ``message.content`` is a JSON *string* (``{"text": "@_user_1 3户"}``,
``{"image_key": …}``, ``{"file_key": …, "file_name": …}``, a post's ``{"title", "content": [[…]]}`` without
the locale level that sending uses); ``mentions`` gives each ``@_user_N`` placeholder its user. The
``url_verification`` challenge is the one body in the older flat form (``{"challenge", "token", "type"}``).

Ids look like Feishu's (``oc_``/``ou_``/``on_``/``om_`` + 32 hex, ``cli_`` + 16 hex, ``img_v3_…``,
``file_v3_…``) and come from :class:`Ids`, seeded when a run must be reproducible (the demo). What travels
per request (tokens, tickets, nonces, request and trace ids) is random instead, so that a retry never shifts
the ids a seeded run shows.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "2.0"
MESSAGE_RECEIVE = "im.message.receive_v1"
MESSAGE_RECALLED = "im.message.recalled_v1"
CARD_ACTION = "card.action.trigger"
USER_ADDED = "im.chat.member.user.added_v1"
BOT_ADDED = "im.chat.member.bot.added_v1"
URL_VERIFICATION = "url_verification"
BOT_MENU = "application.bot.menu_v6"


class Ids:
    """Feishu-looking ids from one random source (``seed`` makes them the same on every run)."""

    def __init__(self, seed: int | None = None):
        self._rng = random.Random(seed)

    def hex(self, n: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))

    def open_id(self) -> str:
        return "ou_" + self.hex(32)

    def union_id(self) -> str:
        return "on_" + self.hex(32)

    def user_id(self) -> str:
        return "".join(self._rng.choice(string.ascii_lowercase + string.digits) for _ in range(8))

    def chat_id(self) -> str:
        return "oc_" + self.hex(32)

    def message_id(self) -> str:
        return "om_" + self.hex(32)

    def event_id(self) -> str:
        return self.hex(32)

    def app_id(self) -> str:
        return "cli_" + self.hex(16)

    def tenant_key(self) -> str:
        return self.hex(16)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def image_key(self) -> str:
        return f"img_v3_02{self.hex(2)}_{self.uuid()}"

    def file_key(self) -> str:
        return f"file_v3_00{self.hex(2)}_{self.uuid()}"


@dataclass(frozen=True)
class FeishuUser:
    """A person (or the bot) in the tenant. ``open_id`` is what the app sees by default."""

    name: str
    open_id: str
    union_id: str
    user_id: str
    is_bot: bool = False

    def ids(self) -> dict[str, str]:
        if self.is_bot:  # a bot has only an open_id in events
            return {"open_id": self.open_id}
        return {"open_id": self.open_id, "union_id": self.union_id, "user_id": self.user_id}


@dataclass
class FeishuChat:
    """A group (``chat_type`` "group") or a private chat with the bot ("p2p")."""

    chat_id: str
    name: str
    chat_type: str = "group"
    owner: FeishuUser | None = None
    members: list[FeishuUser] = field(default_factory=list)
    bot_in_chat: bool = True

    def has(self, user: FeishuUser) -> bool:
        return any(m.open_id == user.open_id for m in self.members)


def envelope(event_type: str, event: dict[str, Any], *, event_id: str, create_time_ms: int, token: str,
             app_id: str, tenant_key: str) -> dict[str, Any]:
    return {"schema": SCHEMA,
            "header": {"event_id": event_id, "event_type": event_type, "create_time": str(create_time_ms),
                       "token": token, "app_id": app_id, "tenant_key": tenant_key},
            "event": event}


def mention(key: str, user: FeishuUser, tenant_key: str) -> dict[str, Any]:
    return {"key": key, "id": user.ids(), "name": user.name, "tenant_key": tenant_key,
            "mentioned_type": "bot" if user.is_bot else "user"}


def message_event(chat: FeishuChat, sender: FeishuUser, *, message_id: str, message_type: str,
                  content: dict[str, Any], create_time_ms: int, tenant_key: str,
                  mentions: list[FeishuUser] | None = None, parent_id: str | None = None,
                  root_id: str | None = None) -> dict[str, Any]:
    """The ``event`` of ``im.message.receive_v1``; the n-th of ``mentions`` is ``@_user_n`` in the text."""
    message: dict[str, Any] = {
        "message_id": message_id, "create_time": str(create_time_ms), "update_time": str(create_time_ms),
        "chat_id": chat.chat_id, "chat_type": chat.chat_type, "message_type": message_type,
        "content": json.dumps(content, ensure_ascii=False),
        "user_agent": "Mozilla/5.0 (Linux; Android 12) Lark/7.30.5 LarkLocale/zh_CN",
    }
    if parent_id:
        message["parent_id"] = parent_id
        message["root_id"] = root_id or parent_id
    if mentions:
        message["mentions"] = [mention(f"@_user_{i}", u, tenant_key) for i, u in enumerate(mentions, 1)]
    return {"sender": {"sender_id": sender.ids(), "sender_type": "user", "tenant_key": tenant_key},
            "message": message}


def recalled_event(message_id: str, chat_id: str, recall_time_ms: int) -> dict[str, Any]:
    return {"message_id": message_id, "chat_id": chat_id, "recall_time": str(recall_time_ms),
            "recall_type": "message_owner"}


def card_action_event(operator: FeishuUser, *, value: Any, tag: str, message_id: str, chat_id: str,
                      card_token: str, tenant_key: str, name: str | None = None) -> dict[str, Any]:
    """The ``event`` of ``card.action.trigger`` (a button of a card the bot sent, clicked in a chat)."""
    action: dict[str, Any] = {"value": value, "tag": tag, "timezone": "Asia/Shanghai"}
    if name:
        action["name"] = name
    return {"operator": {"tenant_key": tenant_key, **operator.ids()}, "token": card_token, "action": action,
            "host": "im_message", "context": {"open_message_id": message_id, "open_chat_id": chat_id}}


def user_added_event(chat: FeishuChat, operator: FeishuUser, users: list[FeishuUser],
                     tenant_key: str) -> dict[str, Any]:
    return {"chat_id": chat.chat_id, "operator_id": operator.ids(), "external": False,
            "operator_tenant_key": tenant_key, "name": chat.name,
            "users": [{"name": u.name, "tenant_key": tenant_key, "user_id": u.ids()} for u in users]}


def bot_added_event(chat: FeishuChat, operator: FeishuUser, tenant_key: str) -> dict[str, Any]:
    return {"chat_id": chat.chat_id, "operator_id": operator.ids(), "external": False,
            "operator_tenant_key": tenant_key, "name": chat.name}


def bot_menu_event(operator: FeishuUser, event_key: str, timestamp_s: int) -> dict[str, Any]:
    return {"operator": {"operator_name": operator.name, "operator_id": operator.ids()}, "event_key": event_key,
            "timestamp": timestamp_s}


def url_verification(challenge: str, token: str) -> dict[str, Any]:
    return {"challenge": challenge, "token": token, "type": URL_VERIFICATION}


def post_content(title: str, paragraphs: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """A received post's content (``{"title", "content"}``: paragraphs of text/img/at elements)."""
    return {"title": title, "content": paragraphs}


def text_element(text: str) -> dict[str, Any]:
    return {"tag": "text", "text": text, "style": []}


def image_element(image_key: str, width: int = 800, height: int = 600) -> dict[str, Any]:
    return {"tag": "img", "image_key": image_key, "width": width, "height": height}


def at_element(user: FeishuUser) -> dict[str, Any]:
    return {"tag": "at", "user_id": user.open_id, "user_name": user.name, "style": []}
