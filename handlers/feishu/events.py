"""Feishu events (schema 2.0 JSON, as the callback and the long connection deliver them) → the core's port
types. Pure: no I/O, nothing here calls Feishu.

* ``im.message.receive_v1``: a text (``@_user_N`` placeholders and the ``mentions`` array), ``post`` rich text
  (its text parts, and its images), an image, a file. Chat and user ids are qualified (``feishu:oc_…``,
  ``feishu:ou_…``), message ids are Feishu's own (``om_…``), the update id is ``feishu:<event_id>``.
* ``im.message.recalled_v1``: a message taken back (撤回).
* ``card.action.trigger``: a click on a button of one of the bot's cards (its ``value.data``).
* ``application.bot.menu_v6``: an item of the bot's custom menu (机器人自定义菜单) picked in the private chat
  with the bot. Its ``event_key`` is a command's name (``summary``, ``mystatus``, ``help``…) or its Chinese
  alias (``汇总``); it is that command, typed by the member in their private chat (:func:`menu_click`).
* ``im.chat.member.bot.deleted_v1`` / ``im.chat.disbanded_v1``: the bot is no longer in the group.
* Commands are text: ``/summary 本周`` and the Chinese aliases (``汇总 本周``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core import texts
from bot.core.chat import IncomingMessage, IncomingPhoto, Sender
from bot.core.ids import FEISHU, qualify

RECEIVE = "im.message.receive_v1"
RECALLED = "im.message.recalled_v1"
CARD_ACTION = "card.action.trigger"
BOT_REMOVED = "im.chat.member.bot.deleted_v1"
DISBANDED = "im.chat.disbanded_v1"
BOT_MENU = "application.bot.menu_v6"
#: the events the adapter stores and handles; any other is answered and dropped
HANDLED = frozenset({RECEIVE, RECALLED, CARD_ACTION, BOT_REMOVED, DISBANDED, BOT_MENU})

#: the commands, as on Telegram, and their Chinese aliases (a word alone or followed by a space)
COMMANDS = ("start", "help", "bind", "iam", "mystatus", "undo", "form", "summary", "export", "chart",
            "statistician", "schedule", "pause", "resume", "leave", "web")
ALIASES = texts.COMMAND_ALIASES
_PLACEHOLDER = re.compile(r"@_user_\d+")
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\S+)?(?:\s+(.*))?$", re.S)
_ALIAS = re.compile(r"^/?(" + "|".join(sorted(map(re.escape, ALIASES), key=len, reverse=True)) + r")(?:\s+(.*))?$",
                    re.S)
#: image files a member may attach instead of an image message
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".heic", ".heif", ".tif", ".tiff", ".gif")


class BadEvent(ValueError):
    """The event is not what Feishu sends (a field missing or of the wrong type)."""


@dataclass(frozen=True)
class Command:
    name: str
    args: str


@dataclass(frozen=True)
class Received:
    """A member's message: its text (placeholders resolved) and the images it carries."""

    message: IncomingMessage
    #: the Feishu message type: text, post, image, file, or another (then neither text nor images count)
    msg_type: str
    #: the message this one replies to (``parent_id``), when it is a reply
    parent_id: str | None
    photos: list[IncomingPhoto] = field(default_factory=list)
    #: a file that is not an image (a member sent a document): the adapter says it cannot read it
    other_file: bool = False


@dataclass(frozen=True)
class Recall:
    chat_id: str
    message_id: str
    date: datetime
    update_id: str


@dataclass(frozen=True)
class CardClick:
    chat_id: str
    message_id: str
    user: Sender
    data: str
    update_id: str


def header(event: dict[str, Any]) -> tuple[str, str]:
    """(event_type, event_id) of a schema 2.0 event; BadEvent for anything else."""
    h = event.get("header") if isinstance(event, dict) else None
    if not isinstance(h, dict):
        raise BadEvent("no header")
    kind, eid = h.get("event_type"), h.get("event_id")
    if not isinstance(kind, str) or not isinstance(eid, str) or not eid:
        raise BadEvent("no event_type or event_id")
    return kind, eid


def update_id(event: dict[str, Any]) -> str:
    return qualify(FEISHU, header(event)[1])


def chat_of(event: dict[str, Any]) -> str | None:
    """The qualified chat of an event (the key its handling is ordered by), None when it names none."""
    body = _dict(event.get("event"))
    chat = _dict(body.get("message")).get("chat_id") or body.get("chat_id") \
        or _dict(body.get("context")).get("open_chat_id") \
        or _dict(_dict(body.get("operator")).get("operator_id")).get("open_id")  # a menu: the private chat
    return qualify(FEISHU, chat) if isinstance(chat, str) and chat else None


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _str(d: dict[str, Any], key: str) -> str:
    v = d.get(key)
    if not isinstance(v, str) or not v:
        raise BadEvent(f"no {key}")
    return v


def _when(ms: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(tz=UTC)


def chat_type(feishu_type: str) -> str:
    """Feishu's ``p2p`` is a private chat; ``group`` (and a topic group) a group."""
    return "private" if feishu_type == "p2p" else "group"


def user_of(ids: dict[str, Any], names: dict[str, str] | None = None) -> Sender:
    """A sender from Feishu's id triple (``open_id`` is the app's id of the user)."""
    open_id = ids.get("open_id")
    if not isinstance(open_id, str) or not open_id:
        raise BadEvent("no open_id")
    return Sender(qualify(FEISHU, open_id), None, (names or {}).get(open_id, ""))


def resolve_mentions(text: str, mentions: list[Any], bot_open_id: str | None) -> str:
    """Replace each ``@_user_N`` by ``@name``; the bot's own (and one that starts the message, which addresses
    the bot's command) is dropped."""
    by_key: dict[str, tuple[str, str]] = {}
    bots: set[str] = {bot_open_id} if bot_open_id else set()
    for m in mentions:
        if isinstance(m, dict) and isinstance(m.get("key"), str):
            open_id = str(_dict(m.get("id")).get("open_id") or "")
            by_key[m["key"]] = (str(m.get("name") or ""), open_id)
            if m.get("mentioned_type") == "bot" and open_id:  # newer events say which mention is a bot
                bots.add(open_id)
    lead = text.strip()
    first = _PLACEHOLDER.match(lead)
    if first is not None and not bots:  # the bot is not known: a leading mention addresses it
        lead = lead[first.end():]

    def sub(mt: re.Match[str]) -> str:
        name, open_id = by_key.get(mt.group(0), ("", ""))
        if open_id in bots or not name:
            return ""
        return f"@{name}"

    out = _PLACEHOLDER.sub(sub, lead)
    return re.sub(r"[ \t]{2,}", " ", out).strip()


def post_parts(content: dict[str, Any]) -> tuple[str, list[str]]:
    """The text of a ``post`` (its title and every text, link and mention, line by line) and its image keys.
    Feishu sends the post either bare (``{"title", "content"}``) or per language (``{"zh_cn": {...}}``)."""
    body = content
    if "content" not in body:
        body = next((v for v in content.values() if isinstance(v, dict) and "content" in v), {})
    lines: list[str] = []
    images: list[str] = []
    title = body.get("title")
    if isinstance(title, str) and title.strip():
        lines.append(title.strip())
    for para in body.get("content") or []:
        if not isinstance(para, list):
            continue
        line = ""
        for el in para:
            if not isinstance(el, dict):
                continue
            tag = el.get("tag")
            if tag in ("text", "a", "md"):
                line += str(el.get("text") or "")
            elif tag == "at":
                if el.get("user_name"):
                    line += f"@{el['user_name']}"
                elif isinstance(el.get("user_id"), str) and el["user_id"].startswith("@_user_"):
                    line += el["user_id"]
            elif tag == "img" and isinstance(el.get("image_key"), str):
                images.append(el["image_key"])
        lines.append(line)
    return "\n".join(lines).strip(), images


def photo_key(kind: str, key: str) -> str:
    """The ``file_id`` of an IncomingPhoto on Feishu: the resource type and key (``image:img_…``)."""
    return f"{kind}:{key}"


def split_photo_key(file_id: str) -> tuple[str, str]:
    kind, _, key = file_id.partition(":")
    if kind not in ("image", "file") or not key:
        raise BadEvent("not a Feishu resource key")
    return kind, key


def received(event: dict[str, Any], bot_open_id: str | None = None, names: dict[str, str] | None = None
             ) -> Received | None:
    """An ``im.message.receive_v1`` event as the core sees it; None for a message of a bot or an app."""
    body = _dict(event.get("event"))
    sender_d = _dict(body.get("sender"))
    if sender_d.get("sender_type") not in (None, "user"):
        return None
    msg = _dict(body.get("message"))
    sender = user_of(_dict(sender_d.get("sender_id")), names)
    chat = qualify(FEISHU, _str(msg, "chat_id"))
    mid = _str(msg, "message_id")
    ctype = chat_type(str(msg.get("chat_type") or "group"))
    mtype = str(msg.get("message_type") or "")
    date = _when(msg.get("create_time"))
    try:
        content = json.loads(msg.get("content") or "{}")
    except (TypeError, ValueError):
        raise BadEvent("content is not JSON") from None
    content = _dict(content)
    mentions = msg.get("mentions") if isinstance(msg.get("mentions"), list) else []
    text = ""
    images: list[tuple[str, str, str | None]] = []  # (kind, key, file name)
    other = False
    if mtype == "text":
        text = resolve_mentions(str(content.get("text") or ""), mentions, bot_open_id)
    elif mtype == "post":
        raw, keys = post_parts(content)
        text = resolve_mentions(raw, mentions, bot_open_id)
        images = [("image", k, None) for k in keys]
    elif mtype == "image" and isinstance(content.get("image_key"), str):
        images = [("image", content["image_key"], None)]
    elif mtype == "file" and isinstance(content.get("file_key"), str):
        name = str(content.get("file_name") or "")
        if name.lower().endswith(IMAGE_SUFFIXES):
            images = [("file", content["file_key"], name)]
        else:
            other = True
    parent = msg.get("parent_id") if isinstance(msg.get("parent_id"), str) and msg.get("parent_id") else None
    uid = update_id(event)
    incoming = IncomingMessage(chat_id=chat, chat_type=ctype, message_id=mid, sender=sender, text=text, date=date,
                               update_id=uid, reply_to_bot=parent)
    photos = [IncomingPhoto(chat, ctype, mid, sender, photo_key(kind, key), date, None,
                            None if kind == "image" else _mime(name), name, kind == "file")
              for kind, key, name in images]
    return Received(incoming, mtype, parent, photos, other)


def _mime(name: str | None) -> str | None:
    if not name:
        return None
    ext = name.lower().rsplit(".", 1)[-1]
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "bmp": "image/bmp",
            "gif": "image/gif", "tif": "image/tiff", "tiff": "image/tiff", "heic": "image/heic",
            "heif": "image/heif"}.get(ext)


def recall(event: dict[str, Any]) -> Recall:
    body = _dict(event.get("event"))
    return Recall(qualify(FEISHU, _str(body, "chat_id")), _str(body, "message_id"), _when(body.get("recall_time")),
                  update_id(event))


def card_click(event: dict[str, Any], names: dict[str, str] | None = None) -> CardClick:
    body = _dict(event.get("event"))
    ctx = _dict(body.get("context"))
    value = _dict(_dict(body.get("action")).get("value"))
    data = value.get("data")
    if not isinstance(data, str) or not data:
        raise BadEvent("a card action without data")
    return CardClick(qualify(FEISHU, _str(ctx, "open_chat_id")), _str(ctx, "open_message_id"),
                     user_of(_dict(body.get("operator")), names), data, update_id(event))


def menu_click(event: dict[str, Any]) -> Received:
    """An ``application.bot.menu_v6`` event as the command it names, sent by the member in the private chat
    with the bot. The event names no chat: the chat is the member's own id (``feishu:ou_…``), which the adapter
    sends to by ``open_id`` (that is the same private chat). BadEvent when the key names no command."""
    body = _dict(event.get("event"))
    operator = _dict(body.get("operator"))
    user = user_of(_dict(operator.get("operator_id")))
    name = operator.get("operator_name")
    sender = Sender(user.user_id, None, name if isinstance(name, str) else "")
    key = _str(body, "event_key").strip()
    text = key if key.startswith("/") or _ALIAS.match(key) else "/" + key
    cmd = command(text)
    if cmd is None or not cmd.name:
        raise BadEvent("a menu key that names no command")
    stamp = body.get("timestamp")
    ms = stamp if isinstance(stamp, int) and stamp > 10**12 else stamp * 1000 if isinstance(stamp, int) else None
    incoming = IncomingMessage(chat_id=sender.user_id, chat_type="private", message_id="", sender=sender,
                               text=text, date=_when(ms), update_id=update_id(event))
    return Received(incoming, "menu", None)


def command(text: str) -> Command | None:
    """``/summary 本周`` or ``汇总 本周`` → Command("summary", "本周"); None when the text is no command."""
    t = text.strip()
    m = _COMMAND.match(t)
    if m is not None:
        name = m.group(1).lower()
        return Command(name, (m.group(2) or "").strip()) if name in COMMANDS else Command("", t)
    m = _ALIAS.match(t)
    if m is not None:
        return Command(ALIASES[m.group(1)], (m.group(2) or "").strip())
    return None
