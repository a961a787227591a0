"""The Feishu open platform's HTTP API (the part gridbot uses), served by the stand-in under ``/open-apis``.

Shapes follow what ``lark-oapi`` 1.7.5 sends and parses:

* ``POST /open-apis/auth/v3/tenant_access_token/internal`` ``{app_id, app_secret}`` →
  ``{"code": 0, "msg": "ok", "tenant_access_token": "t-…", "expire": 7200}`` (flat, no ``data``). As on
  Feishu, the same token comes back while it has more than 30 minutes left, with the time it has left.
* Every other call needs ``Authorization: Bearer <tenant_access_token>``; without one the answer is HTTP 400
  ``99991661`` ("Missing access token…"), with an unknown or expired one HTTP 400 ``99991663``.
* Answers are ``{"code": 0, "msg": "success", "data": {…}}``, errors ``{"code": N, "msg": …, "error":
  {"log_id": …}}``; every answer has an ``X-Tt-Logid`` header.
* ``POST /open-apis/im/v1/messages?receive_id_type=chat_id|open_id`` ``{receive_id, msg_type, content,
  uuid}`` and ``POST /open-apis/im/v1/messages/:message_id/reply`` ``{msg_type, content, reply_in_thread,
  uuid}``: ``content`` is a JSON *string*; msg_type text, post, image (an uploaded ``image_key``), file (an
  uploaded ``file_key``) and interactive (a card). A ``uuid`` seen in the last hour returns the message it
  sent then, sending nothing new (Feishu's request de-duplication).
* ``PATCH /open-apis/im/v1/messages/:message_id`` ``{content}``: replaces a card the app sent (within 14
  days, a shared card before and after: ``config.update_multi`` true or card JSON 2.0, at most 5 updates a
  second per message); a text may be 150 KB, a card or a post 30 KB; ``DELETE`` recalls a message the app sent; ``GET`` reads one message.
* ``POST /open-apis/im/v1/images`` (multipart ``image_type``, ``image``) and ``/open-apis/im/v1/files``
  (``file_type``, ``file_name``, ``file``) → ``image_key`` / ``file_key``.
* ``GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image|file``: the binary body with
  ``Content-Type`` and ``Content-Disposition: attachment; filename…``; the key must belong to that message.
* ``GET /open-apis/im/v1/chats/:chat_id/members`` (``member_id_type``, ``page_size``, ``page_token``) and
  ``GET /open-apis/im/v1/chats/:chat_id``; ``GET /open-apis/bot/v3/info`` (the bot's open_id, top-level
  ``bot``).
* Frequency limits on message sends (create and reply): past 50 a second or 1000 a minute for the app, HTTP
  429 ``99991400`` "request trigger frequency limit" with ``x-ogw-ratelimit-limit`` and
  ``x-ogw-ratelimit-reset``; past 5 a second to one chat, Feishu's per-chat code ``230020`` (HTTP 400).
  :meth:`OpenApi.fail_next` makes the next N sends answer the 429 whatever the rate.

Where Feishu's documentation gives no code for a refusal, the stand-in uses the closest documented one
(230001 invalid parameter, 230002 bot not in the chat, 230011 message recalled, 234001 invalid resource
parameter, 234003 resource not in the message, 99992402 field validation failed).
"""

from __future__ import annotations

import json
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from handlers.offline.feishu.events import FeishuChat, FeishuUser
from handlers.offline.feishu.state import SEND_KINDS, Call, Message, Resource, StandInState

TOKEN_TTL_S = 7200
TOKEN_RENEW_S = 1800  # a token with less left than this is replaced by a new one
UUID_WINDOW_S = 3600
CARD_PATCH_DAYS = 14
TEXT_LIMIT = 150 * 1024  # a text's request body
CARD_LIMIT = 30 * 1024  # a card's or a post's
CARD_UPDATES_PER_SECOND = 5  # PATCHes of one message
IMAGE_LIMIT = 10 * 1024 * 1024
FILE_LIMIT = 30 * 1024 * 1024
RATE_LIMIT = (99991400, "request trigger frequency limit")
CHAT_RATE_LIMIT = (230020, "This operation triggers the frequency limit.")
MISSING_TOKEN = (99991661, "Missing access token for authorization. Please make a request with token attached.")
INVALID_TOKEN = (99991663, "Invalid access token for authorization. Please make a request with token attached.")
FILE_TYPES = ("opus", "mp4", "pdf", "doc", "xls", "ppt", "stream")
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
                (b"BM", "image/bmp"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
                (b"\x00\x00\x01\x00", "image/x-icon"))


class ApiError(Exception):
    def __init__(self, code: int, msg: str, status: int = 400):
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


@dataclass(frozen=True)
class RateLimits:
    per_chat_second: int = 5
    app_second: int = 50
    app_minute: int = 1000


def image_type_of(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((ct for magic, ct in _IMAGE_MAGIC if data.startswith(magic)), None)


class OpenApi:
    """The ``/open-apis`` routes over one :class:`StandInState`."""

    def __init__(self, state: StandInState):
        self.s = state
        self.limits: RateLimits | None = RateLimits()
        self._fail_next = 0
        self._app_sends: deque[float] = deque()
        self._chat_sends: dict[str, deque[float]] = {}
        self._patches: dict[str, deque[float]] = {}  # message id -> its recent updates
        self.rate_limited = 0  # sends answered with a frequency limit
        self.unknown: list[str] = []  # "METHOD path" of calls to paths the stand-in does not serve
        self._log_ids = 0

    # ------------------------------------------------------------------ configuration (thread-safe)
    def fail_next(self, n: int) -> None:
        """The next ``n`` message sends get HTTP 429 ``99991400``."""
        with self.s.lock:
            self._fail_next = n

    def set_limits(self, limits: RateLimits | None) -> None:
        with self.s.lock:
            self.limits = limits
            self._app_sends.clear()
            self._chat_sends.clear()

    def revoke_tokens(self) -> None:
        """Every issued token becomes invalid (as after an app secret reset)."""
        with self.s.lock:
            self.s.tokens.clear()

    def routes(self) -> list[web.RouteDef]:
        r: list[tuple[str, str, str, Callable[[Call, web.Request], Any]]] = [
            ("POST", "/open-apis/auth/v3/tenant_access_token/internal", "token", self._token),
            ("GET", "/open-apis/bot/v3/info", "bot.info", self._bot_info),
            ("POST", "/open-apis/im/v1/messages", "message.create", self._create),
            ("POST", "/open-apis/im/v1/messages/{message_id}/reply", "message.reply", self._reply),
            ("PATCH", "/open-apis/im/v1/messages/{message_id}", "message.patch", self._patch),
            ("DELETE", "/open-apis/im/v1/messages/{message_id}", "message.delete", self._delete),
            ("GET", "/open-apis/im/v1/messages/{message_id}", "message.get", self._get_message),
            ("GET", "/open-apis/im/v1/messages/{message_id}/resources/{file_key}", "resource.get", self._resource),
            ("POST", "/open-apis/im/v1/images", "image.create", self._image),
            ("POST", "/open-apis/im/v1/files", "file.create", self._file),
            ("GET", "/open-apis/im/v1/chats/{chat_id}/members", "chat.members", self._members),
            ("GET", "/open-apis/im/v1/chats/{chat_id}", "chat.get", self._chat),
        ]
        defs = [web.route(m, p, self._wrap(kind, fn)) for m, p, kind, fn in r]
        defs.append(web.route("*", "/open-apis/{tail:.*}", self._unknown))
        return defs

    # ------------------------------------------------------------------ the common path
    def _wrap(self, kind: str, fn: Callable[[Call, web.Request], Any]) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            body, files = await _read_body(request)
            call = Call(request.method, request.path, kind, dict(request.query), body, self.s.clock(), files)
            try:
                if kind != "token":
                    self._check_token(request)
                if kind in SEND_KINDS:
                    self._check_rate(request, call)
                result = fn(call, request)
            except ApiError as e:
                call.status, call.code, call.data = e.status, e.code, e.msg
                self.s.record(call)
                return self._error(e)
            call.data = result
            self.s.record(call)
            if isinstance(result, Resource):
                return _download(result)
            if kind in ("token", "bot.info"):
                return self._json({"code": 0, "msg": "ok", **result})
            return self._json({"code": 0, "msg": "success", "data": result})
        return handler

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        with self.s.lock:
            self.unknown.append(f"{request.method} {request.path}")
        self.s.record(Call(request.method, request.path, "unknown", dict(request.query), None, self.s.clock(),
                           status=404, code=-1))
        return web.Response(status=404, text="404 page not found")

    def _log_id(self) -> str:
        with self.s.lock:
            self._log_ids += 1
            return f"{self.s.now_ms():013d}{self._log_ids:06d}"

    def _json(self, payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response(payload, status=status, headers={"X-Tt-Logid": self._log_id(), **(headers or {})},
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False))

    def _error(self, e: ApiError) -> web.Response:
        headers: dict[str, str] = {}
        if e.code == RATE_LIMIT[0]:
            headers = {"x-ogw-ratelimit-limit": str(self.limits.app_second if self.limits else 50),
                       "x-ogw-ratelimit-reset": "1"}
        log_id = self._log_id()
        return self._json({"code": e.code, "msg": e.msg, "error": {"log_id": log_id}}, e.status, headers)

    def _check_token(self, request: web.Request) -> None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise ApiError(*MISSING_TOKEN)
        if not self.s.token_valid(auth[7:].strip()):
            raise ApiError(*INVALID_TOKEN)

    def _check_rate(self, request: web.Request, call: Call) -> None:
        with self.s.lock:
            if self._fail_next > 0:
                self._fail_next -= 1
                self.rate_limited += 1
                raise ApiError(*RATE_LIMIT, status=429)
            if self.limits is None:
                return
            now = self.s.clock()
            while self._app_sends and now - self._app_sends[0] >= 60.0:
                self._app_sends.popleft()
            last_second = sum(1 for t in self._app_sends if now - t < 1.0)
            if last_second >= self.limits.app_second or len(self._app_sends) >= self.limits.app_minute:
                self.rate_limited += 1
                raise ApiError(*RATE_LIMIT, status=429)
            chat = self._target(request, call)
            if chat is not None:
                q = self._chat_sends.setdefault(chat, deque())
                while q and now - q[0] >= 1.0:
                    q.popleft()
                if len(q) >= self.limits.per_chat_second:
                    self.rate_limited += 1
                    raise ApiError(*CHAT_RATE_LIMIT)
                q.append(now)
            self._app_sends.append(now)

    def _target(self, request: web.Request, call: Call) -> str | None:
        """The chat (or, for a private message, the user) a send goes to: what the 5-a-second limit counts."""
        mid = request.match_info.get("message_id")
        if mid:
            m = self.s.messages.get(mid)
            return m.chat_id if m else None
        return str(call.body.get("receive_id") or "") or None if isinstance(call.body, dict) else None

    # ------------------------------------------------------------------ auth and the bot
    def _token(self, call: Call, request: web.Request) -> dict[str, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        if body.get("app_id") != self.s.app_id:
            raise ApiError(10003, "invalid param")
        if body.get("app_secret") != self.s.app_secret:
            raise ApiError(10014, "app secret invalid")
        now = self.s.clock()
        with self.s.lock:
            live = [(t, exp) for t, exp in self.s.tokens.items() if exp - now > TOKEN_RENEW_S]
            if live:
                token, exp = max(live, key=lambda te: te[1])
            else:
                token, exp = "t-g1" + secrets.token_hex(18).upper(), now + TOKEN_TTL_S
                self.s.tokens[token] = exp
        return {"tenant_access_token": token, "expire": int(exp - now)}

    def _bot_info(self, call: Call, request: web.Request) -> dict[str, Any]:
        return {"bot": {"activate_status": 2, "app_name": self.s.bot.name, "avatar_url": "",
                        "ip_white_list": [], "open_id": self.s.bot.open_id}}

    # ------------------------------------------------------------------ messages
    def _create(self, call: Call, request: web.Request) -> dict[str, Any]:
        body = _json_body(call)
        id_type = call.query.get("receive_id_type", "")
        if id_type not in ("chat_id", "open_id", "union_id", "user_id", "email"):
            raise ApiError(99992402, "field validation failed: receive_id_type")
        receive_id = str(body.get("receive_id") or "")
        if not receive_id:
            raise ApiError(99992402, "field validation failed: receive_id")
        chat = self._chat_for(id_type, receive_id)
        return self._send(chat, body, parent=None)

    def _reply(self, call: Call, request: web.Request) -> dict[str, Any]:
        body = _json_body(call)
        parent = self._message(request.match_info["message_id"])
        chat = self.s.chats.get(parent.chat_id)
        if chat is None or not chat.bot_in_chat:
            raise ApiError(230002, "The bot can not be outside the group.")
        return self._send(chat, body, parent=parent)

    def _chat_for(self, id_type: str, receive_id: str) -> FeishuChat:
        with self.s.lock:
            if id_type == "chat_id":
                chat = self.s.chats.get(receive_id)
                if chat is None:
                    raise ApiError(230001, "invalid receive_id: chat not found")
                if not chat.bot_in_chat:
                    raise ApiError(230002, "The bot can not be outside the group.")
                return chat
            field_of = {"open_id": "open_id", "union_id": "union_id", "user_id": "user_id"}.get(id_type)
            user = next((u for u in self.s.users.values() if field_of and getattr(u, field_of) == receive_id), None)
            if user is None:
                raise ApiError(230013, "Bot has NO availability to this user.")
            return self.p2p_chat(user)

    def p2p_chat(self, user: FeishuUser) -> FeishuChat:
        """The private chat between ``user`` and the bot (made on first use)."""
        with self.s.lock:
            for c in self.s.chats.values():
                if c.chat_type == "p2p" and c.members and c.members[0].open_id == user.open_id:
                    return c
            chat = FeishuChat(self.s.ids.chat_id(), "", "p2p", owner=user, members=[user])
            self.s.chats[chat.chat_id] = chat
            return chat

    def _send(self, chat: FeishuChat, body: dict[str, Any], parent: Message | None) -> dict[str, Any]:
        msg_type = str(body.get("msg_type") or "")
        content = self._content(msg_type, body.get("content"))
        uuid = body.get("uuid") or None
        now = self.s.clock()
        with self.s.lock:
            if uuid:
                for m in reversed(list(self.s.messages.values())):
                    if m.uuid == uuid and now * 1000 - m.create_time_ms < UUID_WINDOW_S * 1000:
                        return message_json(m, self.s)
            m = Message(self.s.ids.message_id(), chat.chat_id, msg_type, content, int(now * 1000),
                        parent_id=parent.message_id if parent else None,
                        root_id=(parent.root_id or parent.message_id) if parent else None,
                        resource_keys=tuple(k for k in (content.get("image_key"), content.get("file_key")) if k),
                        uuid=uuid)
            self.s.messages[m.message_id] = m
            return message_json(m, self.s)

    def _content(self, msg_type: str, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, str):
            raise ApiError(99992402, "field validation failed: content must be a JSON string")
        try:
            content = json.loads(raw)
        except ValueError:
            raise ApiError(230001, "invalid message content: not JSON") from None
        if not isinstance(content, dict):
            raise ApiError(230001, "invalid message content")
        size = len(raw.encode("utf-8"))
        if size > (TEXT_LIMIT if msg_type == "text" else CARD_LIMIT):
            raise ApiError(230025, "The length of the message content reaches its limit.")
        if msg_type == "text":
            if not isinstance(content.get("text"), str) or not content["text"].strip():
                raise ApiError(230001, "invalid message content: text is empty")
        elif msg_type == "post":
            body = content.get("post", content)
            locales = [v for v in body.values() if isinstance(v, dict)] if isinstance(body, dict) else []
            if not locales or not all(isinstance(v.get("content"), list) for v in locales):
                raise ApiError(230001, "invalid message content: a post needs {locale: {title, content: [[…]]}}")
        elif msg_type in ("image", "file"):
            key_name = "image_key" if msg_type == "image" else "file_key"
            res = self.s.resources.get(str(content.get(key_name, "")))
            if res is None or res.kind != msg_type:
                raise ApiError(230001, f"invalid message content: unknown {key_name}")
        elif msg_type == "interactive":
            if not content:
                raise ApiError(230001, "invalid message content: empty card")
        else:
            raise ApiError(230001, f"msg_type {msg_type!r} is not one the stand-in serves")
        return content

    def _message(self, message_id: str) -> Message:
        m = self.s.messages.get(message_id)
        if m is None:
            raise ApiError(230001, "invalid message_id")
        if m.deleted:
            raise ApiError(230011, "The message was withdrawn.")
        return m

    def _patch(self, call: Call, request: web.Request) -> dict[str, Any]:
        body = _json_body(call)
        with self.s.lock:
            m = self._message(request.match_info["message_id"])
            if not m.from_app or m.msg_type != "interactive":
                raise ApiError(230001, "only a card the app sent can be updated")
            if self.s.now_ms() - m.create_time_ms > CARD_PATCH_DAYS * 86400 * 1000:
                raise ApiError(230031, "The message can no longer be updated.")
            content = self._content("interactive", body.get("content"))
            if not (shared_card(m.content) and shared_card(content)):
                raise ApiError(230001, "invalid card: an updated card must be shared (config.update_multi true), "
                                       "before and after the update")
            q = self._patches.setdefault(m.message_id, deque())
            now = self.s.clock()
            while q and now - q[0] >= 1.0:
                q.popleft()
            if len(q) >= CARD_UPDATES_PER_SECOND:
                self.rate_limited += 1
                raise ApiError(*CHAT_RATE_LIMIT)
            q.append(now)
            m.history.append(m.content)
            m.content, m.updated = content, True
        return {}

    def _delete(self, call: Call, request: web.Request) -> dict[str, Any]:
        with self.s.lock:
            m = self._message(request.match_info["message_id"])
            if not m.from_app:
                raise ApiError(230027, "Lack of necessary permissions: the app can recall only its own messages.")
            m.deleted = True
        return {}

    def _get_message(self, call: Call, request: web.Request) -> dict[str, Any]:
        with self.s.lock:
            m = self.s.messages.get(request.match_info["message_id"])
            if m is None:
                raise ApiError(230001, "invalid message_id")
            return {"items": [message_json(m, self.s)]}

    def _resource(self, call: Call, request: web.Request) -> Resource:
        kind = call.query.get("type", "")
        if kind not in ("image", "file"):
            raise ApiError(234001, "Invalid request param: type must be image or file.")
        with self.s.lock:
            m = self.s.messages.get(request.match_info["message_id"])
            if m is None:
                raise ApiError(234003, "File not in msg: message not found.")
            chat = self.s.chats.get(m.chat_id)
            if chat is None or not chat.bot_in_chat:
                raise ApiError(230002, "The bot can not be outside the group.")
            key = request.match_info["file_key"]
            res = self.s.resources.get(key)
            if key not in m.resource_keys or res is None:
                raise ApiError(234003, "File not in msg.")
            if res.kind != kind:
                raise ApiError(234001, f"Invalid request param: the resource is an {res.kind}, not a {kind}.")
            return res

    # ------------------------------------------------------------------ uploads
    def _image(self, call: Call, request: web.Request) -> dict[str, Any]:
        form = call.body if isinstance(call.body, dict) else {}
        if form.get("image_type") not in ("message", "avatar"):
            raise ApiError(234001, "Invalid request param: image_type.")
        _, data = call.files.get("image", ("", b""))
        if not data:
            raise ApiError(234001, "Invalid request param: image is empty.")
        if len(data) > IMAGE_LIMIT:
            raise ApiError(234006, "The size of file exceeds the limit.")
        ct = image_type_of(data)
        if ct is None:
            raise ApiError(234011, "Can't recognise image format.")
        key = self.s.ids.image_key()
        with self.s.lock:
            self.s.resources[key] = Resource(key, "image", data, key, ct)
        return {"image_key": key}

    def _file(self, call: Call, request: web.Request) -> dict[str, Any]:
        form = call.body if isinstance(call.body, dict) else {}
        if form.get("file_type") not in FILE_TYPES:
            raise ApiError(234001, "Invalid request param: file_type.")
        name = str(form.get("file_name") or "")
        if not name:
            raise ApiError(234001, "Invalid request param: file_name.")
        _, data = call.files.get("file", ("", b""))
        if not data:
            raise ApiError(234010, "File's size can't be 0.")
        if len(data) > FILE_LIMIT:
            raise ApiError(234006, "The size of file exceeds the limit.")
        key = self.s.ids.file_key()
        with self.s.lock:
            self.s.resources[key] = Resource(key, "file", data, name, "application/octet-stream",
                                             file_type=str(form["file_type"]))
        return {"file_key": key}

    # ------------------------------------------------------------------ chats
    def _chat_in(self, chat_id: str) -> FeishuChat:
        chat = self.s.chats.get(chat_id)
        if chat is None:
            raise ApiError(232006, "Your request specifies a chat_id which is invalid.")
        if not chat.bot_in_chat:
            raise ApiError(232011, "Operator can NOT be out of the chat.")
        return chat

    def _members(self, call: Call, request: web.Request) -> dict[str, Any]:
        id_type = call.query.get("member_id_type", "open_id")
        if id_type not in ("open_id", "union_id", "user_id"):
            raise ApiError(99992402, "field validation failed: member_id_type")
        try:
            size = int(call.query.get("page_size", "20"))
            start = int(call.query.get("page_token", "") or 0)
        except ValueError:
            raise ApiError(99992402, "field validation failed: page_size or page_token") from None
        if not 1 <= size <= 100:
            raise ApiError(99992402, "field validation failed: page_size")
        with self.s.lock:
            people = [u for u in self._chat_in(request.match_info["chat_id"]).members if not u.is_bot]
        page = people[start:start + size]
        more = start + size < len(people)
        return {"items": [{"member_id_type": id_type, "member_id": getattr(u, id_type), "name": u.name,
                           "tenant_key": self.s.tenant_key} for u in page],
                "page_token": str(start + size) if more else "", "has_more": more, "member_total": len(people)}

    def _chat(self, call: Call, request: web.Request) -> dict[str, Any]:
        with self.s.lock:
            chat = self._chat_in(request.match_info["chat_id"])
            people = [u for u in chat.members if not u.is_bot]
        return {"avatar": "", "name": chat.name, "description": "", "i18n_names": {},
                "owner_id": chat.owner.open_id if chat.owner else "", "owner_id_type": "open_id",
                "chat_mode": "group" if chat.chat_type == "group" else "p2p", "chat_type": "private",
                "external": False, "tenant_key": self.s.tenant_key, "user_count": str(len(people)),
                "bot_count": "1" if chat.bot_in_chat else "0"}


def shared_card(card: dict[str, Any]) -> bool:
    """A card every receiver sees the same (the only kind PATCH updates): JSON 2.0 cards always are; a 1.0
    card says ``config.update_multi: true``."""
    config = card.get("config")
    return card.get("schema") == "2.0" or (isinstance(config, dict) and config.get("update_multi") is True)


def message_json(m: Message, s: StandInState) -> dict[str, Any]:
    """A message as ``im.v1`` answers it (``create``, ``reply``, ``get``)."""
    if m.sender is None:
        sender = {"id": s.app_id, "id_type": "app_id", "sender_type": "app", "tenant_key": s.tenant_key}
    else:
        sender = {"id": m.sender.open_id, "id_type": "open_id", "sender_type": "user", "tenant_key": s.tenant_key}
    return {"message_id": m.message_id, "root_id": m.root_id or "", "parent_id": m.parent_id or "",
            "msg_type": m.msg_type, "create_time": str(m.create_time_ms), "update_time": str(m.create_time_ms),
            "deleted": m.deleted, "updated": m.updated, "chat_id": m.chat_id, "sender": sender,
            "body": {"content": json.dumps(m.content, ensure_ascii=False)}}


def _json_body(call: Call) -> dict[str, Any]:
    if not isinstance(call.body, dict):
        raise ApiError(99992402, "field validation failed: the body must be a JSON object")
    return call.body


async def _read_body(request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The JSON body, or a multipart form's text fields and files (read raw, part by part)."""
    files: dict[str, tuple[str, bytes]] = {}
    if not request.can_read_body:
        return None, files
    if request.content_type.startswith("multipart/"):
        form: dict[str, str] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            data = await part.read()  # type: ignore[union-attr]
            name = part.name or ""
            if part.filename is not None or name in ("image", "file"):  # type: ignore[union-attr]
                files[name] = (part.filename or name, bytes(data))  # type: ignore[union-attr]
            else:
                form[name] = bytes(data).decode("utf-8", "replace")
        return form, files
    raw = await request.read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")
    return body, files


def _download(res: Resource) -> web.Response:
    disposition = f"attachment; filename=\"{quote(res.name)}\"; filename*=UTF-8''{quote(res.name)}"
    return web.Response(body=res.data, content_type=res.content_type, headers={"Content-Disposition": disposition})
