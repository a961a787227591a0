"""A fake Telegram Bot API server (aiohttp) for the end-to-end tests and the benchmarks.

``gridbot run`` polls it exactly as it polls Telegram: only ``bot.base_url`` and ``bot.base_file_url`` differ
(``http://127.0.0.1:PORT/bot`` and ``http://127.0.0.1:PORT/file/bot``). It implements what gridbot uses:
getMe, getUpdates (offset, limit and a real long poll with ``timeout``), deleteWebhook, sendMessage,
editMessageText, answerCallbackQuery, sendChatAction, setMyCommands, getChatMember, getFile and the file
download under the file URL, sendPhoto, sendDocument and deleteMessage. An unknown method gets Telegram's
404 answer and is listed in :attr:`FakeBotApi.unknown`, so a test notices a method it does not serve.

The server runs on its own event loop in a background thread; the tests drive it through Python methods
(thread-safe) or the small HTTP control API under ``/_ctl/`` (for a server started with
``python -m handlers.offline.fakeapi``):

* inject what users do: :meth:`FakeBotApi.message` (a text or a command), :meth:`photo`, :meth:`document`,
  :meth:`callback` (a button press), :meth:`edit`, and raw updates (:meth:`inject`);
* read what the bot sent: :attr:`sent` (every call with its parameters), :meth:`texts`, :meth:`wait_for`;
* faults: :meth:`set_down` (``"refuse"``: connection refused, ``"502"``: Bad Gateway, ``None``: up),
  :meth:`set_flood_limits` (429 with ``retry_after`` past Telegram's per-second and per-group limits) and
  :meth:`fail_next` (the next N sends get 429).

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from handlers.offline.loopthread import BackgroundLoop, wait_on

TOKEN = "123456:FAKE-e2e-token"
BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "网格通", "username": "gridbot_e2e_bot",
            "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False}

#: parameters whose values PTB sends JSON-encoded (numbers, booleans, objects); everything else is text
_JSON_PARAMS = {
    "chat_id", "message_id", "user_id", "offset", "limit", "timeout", "reply_markup", "reply_parameters",
    "allowed_updates", "commands", "link_preview_options", "show_alert", "entities", "caption_entities",
    "disable_notification", "protect_content", "drop_pending_updates", "scope", "cache_time",
    "reply_to_message_id", "allow_sending_without_reply", "disable_web_page_preview", "message_thread_id",
}
_ADMIN_RIGHTS = {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
                 "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
                 "can_change_info": True, "can_invite_users": True, "can_post_stories": False,
                 "can_edit_stories": False, "can_delete_stories": False}


@dataclass
class Sent:
    """One Bot API call the bot made (getUpdates excluded)."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when it arrived
    result: Any = None
    status: int = 200
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # part -> (file name, content)

    @property
    def chat_id(self) -> int | None:
        c = self.params.get("chat_id")
        return int(c) if c is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def reply_to(self) -> int | None:
        rp = self.params.get("reply_parameters")
        if isinstance(rp, dict) and rp.get("message_id") is not None:
            return int(rp["message_id"])
        r = self.params.get("reply_to_message_id")
        return int(r) if r is not None else None

    @property
    def ok(self) -> bool:
        return self.status == 200


def user_json(user_id: int, first_name: str, username: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        d["username"] = username
    return d


def chat_json(chat_id: int, title: str = "") -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": title or "user"}
    return {"id": chat_id, "type": "supergroup", "title": title or f"group {chat_id}"}


class FakeBotApi(BackgroundLoop):
    """The server. ``start()`` binds 127.0.0.1 on a free port (or ``port``) and returns at once."""

    thread_name = "fake-bot-api"

    def __init__(self, token: str = TOKEN, port: int = 0, *, latency_s: float = 0.0):
        super().__init__()
        self.token = token
        self.port = port
        self.latency_s = latency_s
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self.sent: list[Sent] = []
        self.ok_counts: dict[str, int] = {}  # method -> successful calls (cheap to poll in load tests)
        self.unknown: list[str] = []
        self.updates: list[dict[str, Any]] = []  # every update ever injected, in order
        self._pending: deque[dict[str, Any]] = deque()  # not yet confirmed by an offset
        self._redeliver: deque[dict[str, Any]] = deque()  # delivered again, whatever the offset
        self.injected_at: dict[int, float] = {}  # update id -> monotonic time of injection
        self.injected_wall: dict[int, float] = {}  # update id -> wall-clock time of injection (time.time())
        self.confirmed_offset = 0
        self.get_updates_calls = 0
        self.member_status: dict[tuple[int, int], str] = {}
        self.files: dict[str, bytes] = {}
        self.down: str | None = None
        self.flood: tuple[int, int] | None = None  # (per second overall, per minute per group)
        self._flood_overall: deque[float] = deque()
        self._flood_group: dict[int, deque[float]] = {}
        self._fail_next = 0
        self.flood_errors = 0
        #: (predicate(method, params), seconds): matching calls are answered that much later; a caller that
        #: disconnects meanwhile (killed) has its call dropped, as if it never reached the server
        self.delays: list[tuple[Callable[[str, dict[str, Any]], bool], float]] = []
        self.held = 0  # calls being delayed right now
        #: (predicate(method, params), mode): the first matching call takes the server down (and fails)
        self.down_triggers: list[tuple[Callable[[str, dict[str, Any]], bool], str]] = []
        self.down_since: float | None = None
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._bot_message_ids = itertools.count(500000)
        self._callback_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._new_update: asyncio.Event | None = None
        #: setWebhook's url and secret while a webhook is set (getUpdates then answers 409, as Telegram does)
        self.webhook: dict[str, str] | None = None
        #: where the updates are POSTed while a webhook is set (the bot's local listener; the set url is the
        #: public one a proxy would forward)
        self.webhook_target: str | None = None
        self.webhook_posts = 0  # POST attempts, answered or not
        self._pusher: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _serve(self) -> None:
        self._new_update = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_route("*", "/_ctl/{what}", self._control)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]

    async def _cleanup(self) -> None:
        if self._pusher is not None and not self._pusher.done():
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ faults
    def set_down(self, mode: str | None) -> None:
        """``"refuse"``: stop listening and drop open connections (connection refused); ``"502"``: answer
        every Bot API call with 502 Bad Gateway; ``None``: serve again."""
        if mode not in (None, "refuse", "502"):
            raise ValueError(mode)
        self._call(self._set_down(mode))

    async def _set_down(self, mode: str | None) -> None:
        previous, self.down = self.down, mode
        self.down_since = time.monotonic() if mode else None
        if mode == "refuse" and previous != "refuse" and self._site is not None:
            await self._site.stop()
            self._site = None
        if mode != "refuse" and previous == "refuse":
            await self._listen()
        assert self._new_update is not None
        self._new_update.set()  # wake long polls so that they see the outage

    def delay_when(self, predicate: Callable[[str, dict[str, Any]], bool], seconds: float) -> None:
        with self._lock:
            self.delays.append((predicate, seconds))

    def down_when(self, predicate: Callable[[str, dict[str, Any]], bool], mode: str = "refuse") -> None:
        """Go down (``mode``) at the first call matching ``predicate``, which fails too."""
        with self._lock:
            self.down_triggers.append((predicate, mode))

    def set_flood_limits(self, per_second: int | None = 30, per_group_minute: int = 20) -> None:
        """Answer 429 (with ``retry_after``) past Telegram's limits; ``None`` turns the limits off."""
        with self._lock:
            self.flood = None if per_second is None else (per_second, per_group_minute)
            self._flood_overall.clear()
            self._flood_group.clear()

    def fail_next(self, n: int) -> None:
        """The next ``n`` sends are answered 429 retry_after 1."""
        with self._lock:
            self._fail_next = n

    # ------------------------------------------------------------------ what the bot sent
    def calls(self, method: str | None = None, chat_id: int | None = None) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if (method is None or s.method == method)
                    and (chat_id is None or s.chat_id == chat_id)]

    def count(self, method: str) -> int:
        """How many calls of ``method`` succeeded (since the last :meth:`clear`)."""
        with self._lock:
            return self.ok_counts.get(method, 0)

    def clear(self) -> None:
        """Forget what the bot sent so far."""
        with self._lock:
            self.sent.clear()
            self.ok_counts.clear()

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts the bot sent or edited (successfully), optionally to one chat."""
        return [s.text for s in self.calls(chat_id=chat_id)
                if s.ok and s.method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")]

    def replies_to(self, message_id: int, chat_id: int) -> list[Sent]:
        return [s for s in self.calls(chat_id=chat_id) if s.ok and s.reply_to == message_id]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy (re-checked whenever the bot calls the server)."""
        return wait_on(self._changed, predicate, timeout, what)

    def wait_reply(self, chat_id: int, message_id: int, timeout: float = 20.0, n: int = 1) -> list[Sent]:
        return self.wait_for(lambda: (r := self.replies_to(message_id, chat_id)) and len(r) >= n and r,
                             timeout, f"a reply to message {message_id} in chat {chat_id}")

    def wait_consumed(self, timeout: float = 30.0) -> None:
        """Wait until the bot has fetched and confirmed every injected update."""
        with self._lock:
            last = self.updates[-1]["update_id"] if self.updates else 0
        self.wait_for(lambda: self.confirmed_offset > last, timeout, f"the bot to confirm update {last}")

    # ------------------------------------------------------------------ what users do
    def inject(self, update: dict[str, Any]) -> int:
        """Queue a raw update (``update_id`` is assigned). Returns the update id."""
        with self._lock:
            uid = next(self._update_ids)
            update = {"update_id": uid, **update}
            self.updates.append(update)
            self._pending.append(update)
            self.injected_at[uid] = time.monotonic()
            self.injected_wall[uid] = time.time()
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return uid

    def redeliver(self, update_ids: list[int]) -> None:
        """Deliver these (already delivered) updates once more, with their ids: what Telegram does when a bot
        died before confirming them. A correct bot processes each update once."""
        with self._lock:
            by_id = {u["update_id"]: u for u in self.updates}
            self._redeliver.extend(by_id[i] for i in update_ids)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    def inject_many(self, updates: list[dict[str, Any]]) -> list[int]:
        with self._lock:
            ids = []
            for u in updates:
                uid = next(self._update_ids)
                full = {"update_id": uid, **u}
                self.updates.append(full)
                self._pending.append(full)
                self.injected_at[uid] = time.monotonic()
                self.injected_wall[uid] = time.time()
                ids.append(uid)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return ids

    def new_message_id(self) -> int:
        with self._lock:
            return next(self._message_ids)

    def message_json(self, chat_id: int, user: dict[str, Any] | None, text: str | None = None,
                     chat_title: str = "", reply_to: int | None = None, **extra: Any) -> dict[str, Any]:
        msg: dict[str, Any] = {"message_id": self.new_message_id(), "date": int(time.time()),
                               "chat": chat_json(chat_id, chat_title)}
        if user is not None:
            msg["from"] = user
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                cmd = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        if reply_to is not None:
            msg["reply_to_message"] = {"message_id": reply_to, "date": int(time.time()),
                                       "chat": chat_json(chat_id, chat_title), "from": BOT_USER, "text": "…"}
        msg.update(extra)
        return msg

    def message(self, chat_id: int, user: dict[str, Any], text: str, *, reply_to: int | None = None,
                chat_title: str = "") -> int:
        """A user posts a text (or a command). Returns the message id."""
        msg = self.message_json(chat_id, user, text, chat_title, reply_to)
        self.inject({"message": msg})
        return int(msg["message_id"])

    def edit(self, chat_id: int, user: dict[str, Any], message_id: int, text: str) -> None:
        msg = {"message_id": message_id, "date": int(time.time()) - 1, "edit_date": int(time.time()),
               "chat": chat_json(chat_id), "from": user, "text": text}
        self.inject({"edited_message": msg})

    def add_file(self, file_id: str, content: bytes) -> str:
        with self._lock:
            self.files[file_id] = content
        return file_id

    def photo(self, chat_id: int, user: dict[str, Any], content: bytes, *, width: int = 1280,
              height: int = 960, caption: str | None = None) -> int:
        """A user posts a photo; ``content`` becomes downloadable. Returns the message id."""
        mid = self.new_message_id()
        fid = self.add_file(f"photo-{chat_id}-{mid}", content)
        sizes = [{"file_id": fid + "-s", "file_unique_id": "u" + fid + "-s", "width": max(1, width // 4),
                  "height": max(1, height // 4)},
                 {"file_id": fid, "file_unique_id": "u" + fid, "width": width, "height": height,
                  "file_size": len(content)}]
        msg: dict[str, Any] = {"message_id": mid, "date": int(time.time()), "chat": chat_json(chat_id),
                               "from": user, "photo": sizes}
        if caption:
            msg["caption"] = caption
        self.inject({"message": msg})
        return mid

    def document(self, chat_id: int, user: dict[str, Any], content: bytes, file_name: str,
                 mime_type: str | None = None) -> int:
        mid = self.new_message_id()
        fid = self.add_file(f"doc-{chat_id}-{mid}", content)
        doc: dict[str, Any] = {"file_id": fid, "file_unique_id": "u" + fid, "file_name": file_name,
                               "file_size": len(content)}
        if mime_type:
            doc["mime_type"] = mime_type
        self.inject({"message": {"message_id": mid, "date": int(time.time()), "chat": chat_json(chat_id),
                                 "from": user, "document": doc}})
        return mid

    def callback(self, chat_id: int, user: dict[str, Any], data: str, message_id: int) -> str:
        """A user presses an inline button (``data``) under the bot's message ``message_id``. Returns the
        callback query id (its answerCallbackQuery carries it)."""
        with self._lock:
            qid = f"cq{next(self._callback_ids)}"
        self.inject({"callback_query": {
            "id": qid, "from": user, "chat_instance": f"ci{chat_id}", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()), "chat": chat_json(chat_id),
                        "from": BOT_USER, "text": "…"},
        }})
        return qid

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        with self._lock:
            self.member_status[(chat_id, user_id)] = status

    # ------------------------------------------------------------------ the Bot API
    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
                return params, files
            form = await request.post()
            for k, v in form.items():
                if isinstance(v, web.FileField):
                    files[k] = (v.filename, v.file.read())
                else:
                    params[k] = v
        for k, v in list(params.items()):
            if k in _JSON_PARAMS and isinstance(v, str):
                try:
                    params[k] = json.loads(v)
                except ValueError:
                    pass
        # PTB sends an uploaded file as "attach://name"
        for k in ("document", "photo"):
            v = params.get(k)
            if isinstance(v, str) and v.startswith("attach://") and v[9:] in files:
                files[k] = files.pop(v[9:])
        return params, files

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if self.down == "refuse":
            if request.transport is not None:
                request.transport.close()
            raise web.HTTPServiceUnavailable()
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await self._params(request)
        if self.down == "502":
            return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>",
                                content_type="text/html")
        if method.lower() == "getupdates":
            if self.webhook is not None:
                return _error(409, "Conflict: can't use getUpdates method while webhook is active")
            hold = max((sec for pred, sec in list(self.delays) if pred(method, params)), default=0.0)
            if hold:  # held before its offset confirms anything (a caller killed meanwhile confirms nothing)
                with self._changed:
                    self.held += 1
                    self._changed.notify_all()
                try:
                    await asyncio.sleep(hold)
                finally:
                    with self._changed:
                        self.held -= 1
                        self._changed.notify_all()
            return await self._get_updates(request, params)
        for pred, mode in list(self.down_triggers):
            if pred(method, params):
                self.down_triggers.remove((pred, mode))
                await self._set_down(mode)
                if request.transport is not None:
                    request.transport.close()
                raise web.HTTPServiceUnavailable()
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        delay = max((sec for pred, sec in list(self.delays) if pred(method, params)), default=0.0)
        if delay:
            with self._changed:
                self.held += 1
                self._changed.notify_all()
            try:
                await asyncio.sleep(delay)
            finally:
                with self._changed:
                    self.held -= 1
                    self._changed.notify_all()
        rec = Sent(method, params, time.monotonic(), files=files)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            with self._changed:
                self.unknown.append(method)
                rec.status = 404
                self.sent.append(rec)
                self._changed.notify_all()
            return _error(404, "Not Found: method not found")
        retry = self._flood_check(method, params)
        if retry is not None:
            with self._changed:
                self.flood_errors += 1
                rec.status = 429
                self.sent.append(rec)
                self._changed.notify_all()
            return web.json_response({"ok": False, "error_code": 429,
                                      "description": f"Too Many Requests: retry after {retry}",
                                      "parameters": {"retry_after": retry}}, status=429)
        try:
            result = handler(params, files)
        except _ApiError as e:
            with self._changed:
                rec.status = e.code
                self.sent.append(rec)
                self._changed.notify_all()
            return _error(e.code, e.description)
        with self._changed:
            rec.result = result
            self.sent.append(rec)
            self.ok_counts[method] = self.ok_counts.get(method, 0) + 1
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    def _flood_check(self, method: str, params: dict[str, Any]) -> int | None:
        if not method.startswith("send") or method == "sendChatAction":
            return None
        with self._lock:
            if self._fail_next > 0:
                self._fail_next -= 1
                return 1
            if self.flood is None:
                return None
            per_second, per_minute = self.flood
            now = time.monotonic()
            while self._flood_overall and now - self._flood_overall[0] >= 1.0:
                self._flood_overall.popleft()
            if len(self._flood_overall) >= per_second:
                return max(1, math.ceil(1.0 - (now - self._flood_overall[0])))
            chat = int(params.get("chat_id", 0))
            if chat < 0:
                g = self._flood_group.setdefault(chat, deque())
                while g and now - g[0] >= 60.0:
                    g.popleft()
                if len(g) >= per_minute:
                    return max(1, math.ceil(60.0 - (now - g[0])))
                g.append(now)
            self._flood_overall.append(now)
        return None

    async def _get_updates(self, request: web.Request, params: dict[str, Any]) -> web.StreamResponse:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        assert self._new_update is not None
        deadline = time.monotonic() + timeout
        with self._changed:
            self.get_updates_calls += 1
            self._changed.notify_all()
        while True:
            with self._changed:
                if offset:
                    while self._pending and self._pending[0]["update_id"] < offset:
                        self._pending.popleft()
                    if offset > self.confirmed_offset:
                        self.confirmed_offset = offset
                        self._changed.notify_all()
                batch = list(self._redeliver) + list(itertools.islice(self._pending, limit))
                self._redeliver.clear()
                self._new_update.clear()
            if batch or self.down:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                await asyncio.wait_for(self._new_update.wait(), left)
            except TimeoutError:
                break
        if self.down == "refuse":  # went down during the long poll: the connection drops
            if request.transport is not None:
                request.transport.close()
            raise web.HTTPServiceUnavailable()
        if self.down == "502":
            return web.Response(status=502, text="502 Bad Gateway", content_type="text/html")
        return web.json_response({"ok": True, "result": batch})

    def _new_bot_message(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        with self._lock:
            mid = next(self._bot_message_ids)
        msg = {"message_id": mid, "date": int(time.time()), "chat": chat_json(chat_id), "from": BOT_USER}
        msg.update({k: v for k, v in fields.items() if v is not None})
        return msg

    def _m_getMe(self, p: dict[str, Any], f: Any) -> Any:
        return BOT_USER

    def _m_deleteWebhook(self, p: dict[str, Any], f: Any) -> Any:
        self.webhook = None
        return True

    def _m_setWebhook(self, p: dict[str, Any], f: Any) -> Any:
        """Updates are then POSTed to :attr:`webhook_target`, one at a time, in order; one that is not answered
        200 is posted again (Telegram retries too), and only a 200 confirms it."""
        self.webhook = {"url": str(p.get("url", "")), "secret": str(p.get("secret_token") or "")}
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.get_running_loop().create_task(self._push_updates())
        return True

    def _m_getWebhookInfo(self, p: dict[str, Any], f: Any) -> Any:
        with self._lock:
            n = len(self._pending)
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False, "pending_update_count": n}

    async def _push_updates(self) -> None:
        assert self._new_update is not None
        async with ClientSession() as session:
            while self.webhook is not None:
                with self._changed:
                    nxt = self._redeliver[0] if self._redeliver else (self._pending[0] if self._pending else None)
                    self._new_update.clear()
                if nxt is None or self.webhook_target is None:
                    try:
                        await asyncio.wait_for(self._new_update.wait(), 0.5)
                    except TimeoutError:
                        pass
                    continue
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret"]} if self.webhook["secret"] else {}
                self.webhook_posts += 1
                try:
                    async with session.post(self.webhook_target, json=nxt, headers=headers,
                                            timeout=ClientTimeout(total=10)) as resp:
                        ok = resp.status == 200
                except (ClientError, TimeoutError, OSError):
                    ok = False
                if not ok:
                    await asyncio.sleep(0.2)
                    continue
                with self._changed:
                    if self._redeliver and self._redeliver[0] is nxt:
                        self._redeliver.popleft()
                    elif self._pending and self._pending[0] is nxt:
                        self._pending.popleft()
                        self.confirmed_offset = max(self.confirmed_offset, nxt["update_id"] + 1)
                    self._changed.notify_all()

    def _m_setMyCommands(self, p: dict[str, Any], f: Any) -> Any:
        return True

    def _m_sendChatAction(self, p: dict[str, Any], f: Any) -> Any:
        return True

    def _m_answerCallbackQuery(self, p: dict[str, Any], f: Any) -> Any:
        return True

    def _m_deleteMessage(self, p: dict[str, Any], f: Any) -> Any:
        return True

    def _m_sendMessage(self, p: dict[str, Any], f: Any) -> Any:
        if not str(p.get("text", "")).strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(str(p["text"])) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return self._new_bot_message(int(p["chat_id"]), text=p["text"])

    def _m_editMessageText(self, p: dict[str, Any], f: Any) -> Any:
        if "inline_message_id" in p:
            return True
        return {"message_id": int(p["message_id"]), "date": int(time.time()), "edit_date": int(time.time()),
                "chat": chat_json(int(p["chat_id"])), "from": BOT_USER, "text": p.get("text", "")}

    def _m_sendDocument(self, p: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        name, data = files.get("document", ("file", b""))
        doc = {"file_id": f"doc{len(self.sent)}", "file_unique_id": f"ud{len(self.sent)}", "file_name": name,
               "file_size": len(data)}
        return self._new_bot_message(int(p["chat_id"]), document=doc, caption=p.get("caption"))

    def _m_sendPhoto(self, p: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        _, data = files.get("photo", ("photo", b""))
        ph = [{"file_id": f"ph{len(self.sent)}", "file_unique_id": f"up{len(self.sent)}", "width": 800,
               "height": 600, "file_size": len(data)}]
        return self._new_bot_message(int(p["chat_id"]), photo=ph, caption=p.get("caption"))

    def _m_getChatMember(self, p: dict[str, Any], f: Any) -> Any:
        chat_id, user_id = int(p["chat_id"]), int(p["user_id"])
        with self._lock:
            status = self.member_status.get((chat_id, user_id), "member")
        user = {"id": user_id, "is_bot": False, "first_name": "user"}
        if status == "administrator":
            return {"status": status, "user": user, **_ADMIN_RIGHTS}
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        return {"status": status, "user": user}

    def _m_getFile(self, p: dict[str, Any], f: Any) -> Any:
        fid = str(p["file_id"])
        with self._lock:
            data = self.files.get(fid)
        if data is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": fid, "file_unique_id": "u" + fid, "file_size": len(data), "file_path": f"files/{fid}"}

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if self.down:
            return web.Response(status=502)
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        fid = path.rsplit("/", 1)[-1]
        with self._changed:
            data = self.files.get(fid)
            self.sent.append(Sent("downloadFile", {"file_id": fid}, time.monotonic(),
                                  status=200 if data is not None else 404))
            self._changed.notify_all()
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # ------------------------------------------------------------------ the HTTP control API
    async def _control(self, request: web.Request) -> web.StreamResponse:
        what = request.match_info["what"]
        body: dict[str, Any] = await request.json() if request.can_read_body else {}
        if what == "message":
            user = user_json(int(body["user_id"]), body.get("first_name", "user"), body.get("username"))
            return web.json_response({"message_id": self.message(int(body["chat_id"]), user, body["text"])})
        if what == "callback":
            user = user_json(int(body["user_id"]), body.get("first_name", "user"), body.get("username"))
            qid = self.callback(int(body["chat_id"]), user, body["data"], int(body["message_id"]))
            return web.json_response({"id": qid})
        if what == "sent":
            return web.json_response([{"method": s.method, "params": s.params, "status": s.status}
                                      for s in self.calls()])
        if what == "down":
            await self._set_down(body.get("mode"))
            return web.json_response({"down": self.down})
        if what == "flood":
            self.set_flood_limits(body.get("per_second"), int(body.get("per_group_minute", 20)))
            return web.json_response({"flood": self.flood})
        if what == "member":
            self.set_member_status(int(body["chat_id"]), int(body["user_id"]), body["status"])
            return web.json_response({"ok": True})
        return web.json_response({"error": f"unknown control {what}"}, status=404)


class _ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)


def main(argv: list[str] | None = None) -> int:
    """Run the server in the foreground: ``python -m handlers.offline.fakeapi --port 8081`` (a manual playground)."""
    p = argparse.ArgumentParser(prog="python -m handlers.offline.fakeapi", description="a fake Telegram Bot API on 127.0.0.1")
    p.add_argument("--port", type=int, default=8081)
    p.add_argument("--token", default=TOKEN)
    args = p.parse_args(argv)
    api = FakeBotApi(args.token, args.port).start()
    print(f"fake Bot API: bot.base_url = {api.base_url!r}, bot.base_file_url = {api.base_file_url!r}, "
          f"token {args.token!r}; control API under http://127.0.0.1:{api.port}/_ctl/ (Ctrl-C stops)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
