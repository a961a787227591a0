"""What the Feishu stand-in knows and records: the tenant (users, chats, the bot), the messages and their
resources, the access tokens, every API call the app made and every event delivery.

One :class:`StandInState` is shared by the HTTP API (``api.py``), the event pump (``delivery.py``) and the
control methods (``server.py``). It is guarded by one re-entrant lock; :meth:`StandInState.changed` is
notified whenever something is recorded, so that :meth:`StandInState.wait_for` wakes at once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from handlers.offline.feishu.events import FeishuChat, FeishuUser, Ids
from handlers.offline.loopthread import wait_on

#: message sends (create and reply) are what the frequency limits count
SEND_KINDS = ("message.create", "message.reply")


@dataclass
class Resource:
    """An image or a file: posted by a user (inside a message) or uploaded by the app."""

    key: str
    kind: str  # "image" | "file"
    data: bytes
    name: str
    content_type: str
    file_type: str = ""  # an uploaded file's file_type (pdf, xls, stream, ...)


@dataclass
class Message:
    """A message in a chat, a user's or the app's (``sender`` None)."""

    message_id: str
    chat_id: str
    msg_type: str
    content: dict[str, Any]
    create_time_ms: int
    sender: FeishuUser | None = None
    parent_id: str | None = None
    root_id: str | None = None
    resource_keys: tuple[str, ...] = ()
    deleted: bool = False
    updated: bool = False
    uuid: str | None = None
    #: earlier contents of a card, oldest first (PATCH replaces ``content``)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def from_app(self) -> bool:
        return self.sender is None

    @property
    def reply_to(self) -> str | None:
        return self.parent_id

    @property
    def text(self) -> str:
        """The visible text: a text's ``text``, a post's title and elements, a card's contents."""
        return content_text(self.msg_type, self.content)

    @property
    def mentioned(self) -> list[str]:
        """The open_ids the message @-mentions (``<at user_id="ou_…">`` in a text, ``at`` elements, a
        card's ``<at id=ou_…>``)."""
        return mentioned_ids(self.msg_type, self.content)

    def buttons(self) -> list[tuple[str, Any]]:
        """A card's buttons as (text, value), in order."""
        return card_buttons(self.content) if self.msg_type == "interactive" else []


@dataclass
class Call:
    """One API request the app made, answered or refused."""

    method: str
    path: str
    kind: str  # "message.create", "image.create", "token", ... ("unknown" for a path not served)
    query: dict[str, str]
    body: Any  # the JSON body, or the multipart form's text fields
    at: float  # the stand-in's clock when it arrived
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # part -> (file name, content)
    status: int = 200
    code: int = 0
    data: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.code == 0


@dataclass
class Delivery:
    """One attempt to deliver an event: a callback POST or a long-connection frame."""

    event_id: str
    event_type: str
    attempt: int  # 1 for the first delivery
    mode: str  # "callback" | "websocket"
    status: int  # the callback's HTTP status or the frame ack's code; 0: no answer in time
    response: Any = None  # the callback's body (JSON if it parses) or the ack's decoded data
    at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200


class StandInState:
    """The stand-in's data. ``clock`` gives seconds since the epoch (injected in tests)."""

    def __init__(self, *, app_id: str, app_secret: str, encrypt_key: str, verification_token: str,
                 ids: Ids, clock: Callable[[], float] = time.time, bot_name: str = "网格通"):
        self.app_id = app_id
        self.app_secret = app_secret
        self.encrypt_key = encrypt_key
        self.verification_token = verification_token
        self.ids = ids
        self.clock = clock
        self.tenant_key = ids.tenant_key()
        self.bot = FeishuUser(bot_name, ids.open_id(), "", "", is_bot=True)
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.users: dict[str, FeishuUser] = {}  # open_id -> user
        self.chats: dict[str, FeishuChat] = {}
        self.messages: dict[str, Message] = {}  # every message, in creation order
        self.resources: dict[str, Resource] = {}
        self.tokens: dict[str, float] = {}  # tenant_access_token -> expiry (clock seconds)
        self.calls: list[Call] = []
        self.deliveries: list[Delivery] = []

    # ------------------------------------------------------------------ recording
    def record(self, call: Call) -> None:
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def record_delivery(self, d: Delivery) -> None:
        with self.changed:
            self.deliveries.append(d)
            self.changed.notify_all()

    def notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy; re-checked whenever something is recorded."""
        return wait_on(self.changed, predicate, timeout, what)

    # ------------------------------------------------------------------ queries
    def api_calls(self, kind: str | None = None) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if kind is None or c.kind == kind]

    def app_messages(self, chat_id: str | None = None) -> list[Message]:
        """The messages the app sent successfully, in order (recalled ones included, marked ``deleted``)."""
        with self.lock:
            return [m for m in self.messages.values() if m.from_app and (chat_id is None or m.chat_id == chat_id)]

    def user_messages(self, chat_id: str | None = None) -> Iterator[Message]:
        with self.lock:
            found = [m for m in self.messages.values()
                     if not m.from_app and (chat_id is None or m.chat_id == chat_id)]
        yield from found

    def token_valid(self, token: str) -> bool:
        with self.lock:
            exp = self.tokens.get(token)
            return exp is not None and exp > self.clock()

    def now_ms(self) -> int:
        return int(self.clock() * 1000)


# ---------------------------------------------------------------------- reading contents
def content_text(msg_type: str, content: dict[str, Any]) -> str:
    if msg_type == "text":
        return str(content.get("text", ""))
    if msg_type == "post":
        return "\n".join(_post_lines(_post_body(content)))
    if msg_type == "interactive":
        return "\n".join(_card_strings(content))
    if msg_type == "file":
        return str(content.get("file_name", ""))
    return ""


def _post_body(content: dict[str, Any]) -> dict[str, Any]:
    """A post as sent (``{"zh_cn": {...}}``, maybe under ``"post"``) or as received (``{"title", "content"}``)."""
    if "content" in content and isinstance(content["content"], list):
        return content
    body = content.get("post", content)
    for locale in ("zh_cn", "en_us", "ja_jp"):
        if isinstance(body.get(locale), dict):
            return body[locale]
    return next((v for v in body.values() if isinstance(v, dict)), {})


def _post_lines(body: dict[str, Any]) -> list[str]:
    lines = [str(body["title"])] if body.get("title") else []
    for paragraph in body.get("content") or []:
        parts = []
        for el in paragraph or []:
            if el.get("tag") in ("text", "md", "a"):
                parts.append(str(el.get("text", "")))
            elif el.get("tag") == "at":
                parts.append("@" + str(el.get("user_name") or el.get("user_id", "")))
        lines.append("".join(parts))
    return lines


def _card_strings(node: Any) -> list[str]:
    """Every visible string of a card (``content`` values), skipping buttons' callback values."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("value", "behaviors", "form_value"):
                continue
            if k == "content" and isinstance(v, str):
                out.append(v)
            else:
                out.extend(_card_strings(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(_card_strings(v))
    return out


def card_buttons(node: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        if node.get("tag") == "button":
            text = node.get("text", {})
            label = text.get("content", "") if isinstance(text, dict) else str(text)
            value = node.get("value")
            for b in node.get("behaviors") or []:
                if b.get("type") == "callback":
                    value = b.get("value")
            out.append((label, value))
            return out
        for v in node.values():
            out.extend(card_buttons(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(card_buttons(v))
    return out


def mentioned_ids(msg_type: str, content: dict[str, Any]) -> list[str]:
    if msg_type == "text":
        return re.findall(r'<at user_id="([^"]+)">', str(content.get("text", "")))
    if msg_type == "post":
        body = _post_body(content)
        return [str(el.get("user_id")) for p in body.get("content") or [] for el in p or [] if el.get("tag") == "at"]
    if msg_type == "interactive":
        return [i for s in _card_strings(content) for i in re.findall(r"<at id=\"?([\w-]+)\"?>", s)]
    return []
