"""A local stand-in of the Feishu open platform (aiohttp, 127.0.0.1) for the tests, the demo and the benchmarks.

The adapter and the real ``lark-oapi`` SDK talk to it unchanged; only the base URL differs
(:attr:`FeishuStandIn.base_url`, ``http://127.0.0.1:PORT``, which the SDK's ``domain`` accepts):
``lark.Client.builder().app_id(s.app_id).app_secret(s.app_secret).domain(s.base_url).build()`` and
``lark.ws.Client(s.app_id, s.app_secret, event_handler=…, domain=s.base_url)``. What it serves is
described in ``api.py`` (the HTTP API) and ``delivery.py`` (events by callback or long connection).

The server runs its own event loop in a background thread; tests drive it through thread-safe methods:

* the tenant: :meth:`add_user`, :meth:`add_chat` (the bot is in it), :meth:`private_chat`;
* the app's event subscription: :meth:`use_callback` (the adapter's request URL) or :meth:`use_websocket`;
* what users do, each pushed as the event Feishu sends: :meth:`post_text` (``@_user_N`` placeholders with
  ``mentions``), :meth:`post_rich` (a ``post`` of text and images), :meth:`post_image`, :meth:`post_file`,
  :meth:`recall`, :meth:`click` (a card's button: ``card.action.trigger``; a ``card`` in the answer
  replaces the card, as Feishu does), :meth:`click_menu` (the bot's menu), :meth:`add_members`, :meth:`add_bot`, :meth:`push` (any event),
  :meth:`redeliver` (the same event again), :meth:`verify_url` (``url_verification``);
* faults: forged callbacks (``fault=`` "signature", "encryption", "token", "unsigned" on :meth:`push` and
  :meth:`post_text`; the answers in :attr:`forged`), :meth:`fail_next` (the next N sends get the 429), :meth:`set_rate_limits`, :meth:`revoke_tokens`,
  :meth:`drop_connection`, :meth:`fail_endpoint`, :meth:`retry_now`;
* what the app did: :meth:`calls` (every API call), :meth:`sent` / :meth:`sent_to`, :meth:`texts`,
  :meth:`cards`, :meth:`uploads`, :meth:`replies_to`, :meth:`deliveries`, and :meth:`wait_for`.

Images and files users post are kept in the stand-in, so the adapter downloads them through the
message-resource API. The SDK caches tenant tokens per app id for the whole process
(``lark_oapi.core.token.TokenManager.cache``), so each stand-in makes a fresh app id unless given one.

**The SDK's long-connection client in a thread.** ``lark_oapi.ws.client`` takes an event loop at import
(``loop = asyncio.get_event_loop()``, a module global) and ``Client.start()`` runs
``loop.run_until_complete`` on it and never returns. To run it in its own thread, that thread must make a
new loop, ``asyncio.set_event_loop`` it and assign it to ``lark_oapi.ws.client.loop`` *before* building
the ``lark_oapi.ws.Client`` (its constructor starts a cache task on the current loop). The client has no
stop: set ``client._auto_reconnect = False`` and ``loop.call_soon_threadsafe(loop.stop)``; ``start()`` then
raises ``RuntimeError`` in its thread, which cancels the loop's tasks (receive loop, pings, the cache's
timer), closes ``client._conn`` and closes the loop (``tests/offline/feishu_sdk.py:WsClientThread`` does
exactly this). The SDK reconnects after a drop
after a random ``ReconnectNonce`` wait and then every ``ReconnectInterval`` seconds, and pings every
``PingInterval`` seconds (the first at once): the stand-in's ``client_config`` sets them (a test uses
``ReconnectNonce`` 0 and a short interval). The event handler runs on that loop: hand events to the
bot's loop with ``asyncio.run_coroutine_threadsafe`` or ``loop.call_soon_threadsafe``, and return fast:
the ack goes back only when the handler returns.

Run it alone with ``python -m handlers.offline.feishu`` (a playground with a small HTTP control API
under ``/_ctl/``). Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aiohttp import web

from handlers.offline.feishu import events as ev
from handlers.offline.feishu.api import OpenApi, RateLimits, image_type_of
from handlers.offline.feishu.delivery import FEISHU_RETRY_DELAYS, EventPump, Pending
from handlers.offline.feishu.events import FeishuChat, FeishuUser, Ids
from handlers.offline.feishu.state import Call, Delivery, Message, Resource, StandInState
from handlers.offline.loopthread import BackgroundLoop

FEISHU_LIMITS = RateLimits()
#: one element of a rich post: text, an image (its bytes), an @-mention, or a raw element
PostElement = str | bytes | FeishuUser | dict[str, Any]


class FeishuStandIn(BackgroundLoop):
    """The server. ``start()`` binds 127.0.0.1 on a free port (or ``port``) and returns at once."""

    thread_name = "feishu-stand-in"

    def __init__(self, *, app_id: str | None = None, app_secret: str | None = None, encrypt_key: str | None = None,
                 verification_token: str | None = None, port: int = 0, clock: Callable[[], float] = time.time,
                 seed: int | None = None, retry_delays: tuple[float, ...] = FEISHU_RETRY_DELAYS,
                 callback_timeout: float = 3.0, ack_timeout: float = 3.0, split_bytes: int | None = None,
                 client_config: dict[str, int] | None = None, all_group_messages: bool = True,
                 bot_name: str = "网格通"):
        super().__init__()
        ids = Ids(seed)
        self.state = StandInState(
            app_id=app_id or ids.app_id(), app_secret=app_secret or ids.hex(32),
            encrypt_key=ids.hex(32) if encrypt_key is None else encrypt_key,
            verification_token=verification_token or ids.hex(32), ids=ids, clock=clock, bot_name=bot_name)
        self.api = OpenApi(self.state)
        self.pump = EventPump(self.state, retry_delays=retry_delays, callback_timeout=callback_timeout,
                              ack_timeout=ack_timeout, split_bytes=split_bytes, client_config=client_config)
        self.pump.on_delivered = self._after_delivery
        #: False: the app lacks ``im:message.group_msg`` and gets only the group messages that @-mention it
        self.all_group_messages = all_group_messages
        self.port = port
        #: (event_id, HTTP status, body) of each forged callback (``push(..., fault=…)``)
        self.forged: list[tuple[str, int, Any]] = []
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ settings the adapter needs
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def app_id(self) -> str:
        return self.state.app_id

    @property
    def app_secret(self) -> str:
        return self.state.app_secret

    @property
    def encrypt_key(self) -> str:
        return self.state.encrypt_key

    @property
    def verification_token(self) -> str:
        return self.state.verification_token

    @property
    def bot(self) -> FeishuUser:
        return self.state.bot

    @property
    def tenant_key(self) -> str:
        return self.state.tenant_key

    async def _serve(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(self.pump.routes())
        app.add_routes([web.route("*", "/_ctl/{what}", self._control)])
        app.add_routes(self.api.routes())
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]
        await self.pump.start()

    async def _cleanup(self) -> None:
        await self.pump.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ the tenant
    def add_user(self, name: str) -> FeishuUser:
        ids = self.state.ids
        with self.state.lock:
            user = FeishuUser(name, ids.open_id(), ids.union_id(), ids.user_id())
            self.state.users[user.open_id] = user
        return user

    def add_chat(self, name: str, members: Iterable[FeishuUser] = (), *, owner: FeishuUser | None = None,
                 bot_in_chat: bool = True) -> FeishuChat:
        people = list(members)
        with self.state.lock:
            chat = FeishuChat(self.state.ids.chat_id(), name, "group", owner or (people[0] if people else None),
                              people, bot_in_chat)
            self.state.chats[chat.chat_id] = chat
        return chat

    def private_chat(self, user: FeishuUser) -> FeishuChat:
        return self.api.p2p_chat(user)

    def chat(self, chat_id: str) -> FeishuChat:
        return self.state.chats[chat_id]

    # ------------------------------------------------------------------ the event subscription
    def use_callback(self, url: str) -> None:
        """Events go to the app's request URL (HTTP callback mode)."""
        self.pump.use_callback(url)

    def use_websocket(self) -> None:
        """Events go over the long connection (the SDK's ``lark_oapi.ws.Client``)."""
        self.pump.use_websocket()

    # ------------------------------------------------------------------ what users do
    def push(self, event_type: str, event: dict[str, Any], *, fault: str | None = None) -> str:
        """Push any event (the schema 2.0 envelope is added). Returns its event_id. With ``fault``, the event
        is POSTed once to the callback URL, forged (see ``EventPump.forged``), and the answer is appended to
        :attr:`forged` as (event_id, HTTP status, body)."""
        s = self.state
        payload = ev.envelope(event_type, event, event_id=s.ids.event_id(), create_time_ms=s.now_ms(),
                              token=s.verification_token, app_id=s.app_id, tenant_key=s.tenant_key)
        eid = payload["header"]["event_id"]
        if fault is not None:
            status, body = self._call(self.pump.forged(payload, fault))
            with self.state.lock:
                self.forged.append((eid, status, body))
            return eid
        return self.pump.push(payload).event_id

    def redeliver(self, event_id: str) -> None:
        """Deliver an event again, the same payload with the same event_id (Feishu does after a lost answer)."""
        with self.state.lock:
            p = next(p for p in self.pump.queue if p.event_id == event_id)
        self.pump.push(p.payload)

    def _post(self, chat: FeishuChat, user: FeishuUser, msg_type: str, content: dict[str, Any], *,
              keys: Sequence[str] = (), mentions: Sequence[FeishuUser] = (), reply_to: str | None = None,
              fault: str | None = None) -> str:
        s = self.state
        with s.lock:
            parent = s.messages.get(reply_to) if reply_to else None
            m = Message(s.ids.message_id(), chat.chat_id, msg_type, content, s.now_ms(), sender=user,
                        parent_id=reply_to, root_id=(parent.root_id or parent.message_id) if parent else None,
                        resource_keys=tuple(keys))
            s.messages[m.message_id] = m
        mentions_bot = any(u.open_id == self.bot.open_id for u in mentions)
        seen = chat.bot_in_chat and (chat.chat_type == "p2p" or self.all_group_messages or mentions_bot)
        if seen:
            self.push(ev.MESSAGE_RECEIVE, ev.message_event(
                chat, user, message_id=m.message_id, message_type=msg_type, content=content,
                create_time_ms=m.create_time_ms, tenant_key=s.tenant_key, mentions=list(mentions),
                parent_id=m.parent_id, root_id=m.root_id), fault=fault)
        return m.message_id

    def post_text(self, chat: FeishuChat, user: FeishuUser, text: str, *, mentions: Sequence[FeishuUser] = (),
                  reply_to: str | None = None, fault: str | None = None) -> str:
        """A text message; ``@_user_1``… in ``text`` stand for ``mentions`` (use ``self.bot`` for the bot).
        ``fault``: its event is forged (a wrong signature, encryption or token; see :meth:`push`)."""
        return self._post(chat, user, "text", {"text": text}, mentions=mentions, reply_to=reply_to, fault=fault)

    def post_rich(self, chat: FeishuChat, user: FeishuUser, paragraphs: Sequence[Sequence[PostElement]], *,
                  title: str = "", reply_to: str | None = None) -> str:
        """A ``post``: each paragraph a list of text (str), images (bytes), @-mentions (users) or raw elements."""
        keys: list[str] = []
        mentions: list[FeishuUser] = []
        rows: list[list[dict[str, Any]]] = []
        for paragraph in paragraphs:
            row: list[dict[str, Any]] = []
            for el in paragraph:
                if isinstance(el, str):
                    row.append(ev.text_element(el))
                elif isinstance(el, bytes):
                    keys.append(self._keep(el, "image"))
                    row.append(ev.image_element(keys[-1]))
                elif isinstance(el, FeishuUser):
                    mentions.append(el)
                    row.append(ev.at_element(el))
                else:
                    row.append(el)
            rows.append(row)
        return self._post(chat, user, "post", ev.post_content(title, rows), keys=keys, mentions=mentions,
                          reply_to=reply_to)

    def post_image(self, chat: FeishuChat, user: FeishuUser, data: bytes, *, reply_to: str | None = None) -> str:
        key = self._keep(data, "image")
        return self._post(chat, user, "image", {"image_key": key}, keys=[key], reply_to=reply_to)

    def post_file(self, chat: FeishuChat, user: FeishuUser, data: bytes, file_name: str, *,
                  reply_to: str | None = None) -> str:
        key = self._keep(data, "file", file_name)
        return self._post(chat, user, "file", {"file_key": key, "file_name": file_name}, keys=[key],
                          reply_to=reply_to)

    def _keep(self, data: bytes, kind: str, name: str = "") -> str:
        s = self.state
        key = s.ids.image_key() if kind == "image" else s.ids.file_key()
        ct = image_type_of(data) or "application/octet-stream"
        with s.lock:
            s.resources[key] = Resource(key, kind, data, name or key, ct if kind == "image" else "application/octet-stream")
        return key

    def recall(self, message_id: str) -> str:
        """The sender withdraws a message (撤回): ``im.message.recalled_v1``."""
        with self.state.lock:
            m = self.state.messages[message_id]
            m.deleted = True
        return self.push(ev.MESSAGE_RECALLED, ev.recalled_event(message_id, m.chat_id, self.state.now_ms()))

    def click(self, message_id: str, user: FeishuUser, *, text: str | None = None, value: Any = None) -> str:
        """``user`` clicks a button of a card the app sent: the one labelled ``text``, or whose value is
        ``value`` (a button the card does not have raises ``ValueError``)."""
        with self.state.lock:
            m = self.state.messages[message_id]
            buttons = m.buttons()
        if m.deleted or not m.from_app or m.msg_type != "interactive":
            raise ValueError(f"message {message_id} is not a card the app sent")
        match = [b for b in buttons if (text is None or b[0] == text) and (value is None or b[1] == value)]
        if not match:
            raise ValueError(f"the card has no such button (it has {[b[0] for b in buttons]})")
        s = self.state
        return self.push(ev.CARD_ACTION, ev.card_action_event(
            user, value=match[0][1], tag="button", message_id=message_id, chat_id=m.chat_id,
            card_token="c-" + s.ids.hex(40), tenant_key=s.tenant_key))

    def click_menu(self, user: FeishuUser, event_key: str) -> str:
        """``user`` picks an item of the bot's custom menu (``application.bot.menu_v6``)."""
        return self.push(ev.BOT_MENU, ev.bot_menu_event(user, event_key, int(self.state.clock())))

    def add_members(self, chat: FeishuChat, users: Sequence[FeishuUser], operator: FeishuUser) -> str:
        with self.state.lock:
            chat.members.extend(u for u in users if not chat.has(u))
        return self.push(ev.USER_ADDED, ev.user_added_event(chat, operator, list(users), self.tenant_key))

    def add_bot(self, chat: FeishuChat, operator: FeishuUser) -> str:
        with self.state.lock:
            chat.bot_in_chat = True
        return self.push(ev.BOT_ADDED, ev.bot_added_event(chat, operator, self.tenant_key))

    def verify_url(self, challenge: str | None = None) -> tuple[int, Any]:
        """Send ``url_verification`` to the callback URL; returns (HTTP status, the answer's JSON)."""
        return self._call(self.pump.verify_url(challenge or self.state.ids.uuid()))

    def _after_delivery(self, p: Pending, d: Delivery) -> None:
        """A card callback's answer may carry a new card, which replaces the clicked one."""
        if p.event_type != ev.CARD_ACTION or not d.ok or not isinstance(d.response, dict):
            return
        card = d.response.get("card")
        if isinstance(card, dict) and card.get("type") == "raw" and isinstance(card.get("data"), dict):
            mid = p.payload["event"]["context"]["open_message_id"]
            with self.state.lock:
                m = self.state.messages[mid]
                m.history.append(m.content)
                m.content, m.updated = card["data"], True

    # ------------------------------------------------------------------ faults
    def fail_next(self, n: int) -> None:
        """The next ``n`` message sends are answered HTTP 429, code 99991400."""
        self.api.fail_next(n)

    def set_rate_limits(self, limits: RateLimits | None = FEISHU_LIMITS) -> None:
        """Feishu's frequency limits (on by default); ``None`` turns them off."""
        self.api.set_limits(limits)

    def revoke_tokens(self) -> None:
        self.api.revoke_tokens()

    def drop_connection(self, abrupt: bool = True) -> int:
        """Close every long connection; returns how many there were."""
        return self._call(self.pump.drop(abrupt))

    def fail_endpoint(self, *codes: int) -> None:
        self.pump.fail_endpoint(*codes)

    def retry_now(self) -> None:
        self.pump.retry_now()

    # ------------------------------------------------------------------ what the app did
    def calls(self, kind: str | None = None) -> list[Call]:
        return self.state.api_calls(kind)

    def sent(self, chat: FeishuChat | str | None = None) -> list[Message]:
        """The messages the app sent, in order."""
        return self.state.app_messages(_chat_id(chat))

    def sent_to(self, chat: FeishuChat | str) -> list[Message]:
        return self.sent(chat)

    def texts(self, chat: FeishuChat | str | None = None) -> list[str]:
        return [m.text for m in self.sent(chat)]

    def cards(self, chat: FeishuChat | str | None = None) -> list[Message]:
        return [m for m in self.sent(chat) if m.msg_type == "interactive"]

    def replies_to(self, message_id: str) -> list[Message]:
        return [m for m in self.sent() if m.parent_id == message_id]

    def uploads(self) -> list[Resource]:
        """What the app uploaded (images and files), in order."""
        with self.state.lock:
            keys = [c.data.get("image_key") or c.data.get("file_key") for c in self.state.calls
                    if c.kind in ("image.create", "file.create") and c.ok]
            return [self.state.resources[k] for k in keys]

    def deliveries(self, event_id: str | None = None) -> list[Delivery]:
        with self.state.lock:
            return [d for d in self.state.deliveries if event_id is None or d.event_id == event_id]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
        return self.state.wait_for(predicate, timeout, what)

    def wait_delivered(self, event_id: str, timeout: float = 20.0) -> Delivery:
        return self.wait_for(lambda: next((d for d in self.deliveries(event_id) if d.ok), None), timeout,
                             f"event {event_id} to be acknowledged")

    def wait_reply(self, message_id: str, timeout: float = 20.0, n: int = 1) -> list[Message]:
        return self.wait_for(lambda: (r := self.replies_to(message_id)) and len(r) >= n and r, timeout,
                             f"a reply to {message_id}")

    # ------------------------------------------------------------------ the HTTP control API
    async def _control(self, request: web.Request) -> web.StreamResponse:
        what = request.match_info["what"]
        body: dict[str, Any] = await request.json() if request.can_read_body else {}
        loop = asyncio.get_running_loop()

        def user(key: str = "open_id") -> FeishuUser:
            return self.state.users[body[key]]

        def off(fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:  # a control method off the server's loop
            return loop.run_in_executor(None, lambda: fn(*a, **kw))

        if what == "user":
            u = self.add_user(body["name"])
            return web.json_response(u.__dict__)
        if what == "chat":
            c = self.add_chat(body["name"], [self.state.users[i] for i in body.get("members", [])])
            return web.json_response({"chat_id": c.chat_id, "name": c.name})
        if what == "message":
            mid = self.post_text(self.chat(body["chat_id"]), user(), body["text"],
                                 mentions=[self.state.users.get(i, self.bot) for i in body.get("mentions", [])])
            return web.json_response({"message_id": mid})
        if what == "image":
            mid = self.post_image(self.chat(body["chat_id"]), user(), base64.b64decode(body["data"]))
            return web.json_response({"message_id": mid})
        if what == "recall":
            return web.json_response({"event_id": self.recall(body["message_id"])})
        if what == "click":
            return web.json_response({"event_id": self.click(body["message_id"], user(), text=body.get("text"))})
        if what == "callback":
            self.use_callback(body["url"])
            return web.json_response({"mode": "callback"})
        if what == "websocket":
            self.use_websocket()
            return web.json_response({"mode": "websocket"})
        if what == "ratelimit":
            self.fail_next(int(body.get("n", 1)))
            return web.json_response({"ok": True})
        if what == "drop":
            return web.json_response({"dropped": await self.pump.drop(bool(body.get("abrupt", True)))})
        if what == "verify":
            return web.json_response(dict(zip(("status", "body"), await self.pump.verify_url(body.get("challenge", "c")),
                                              strict=True)))
        if what == "sent":
            msgs = await off(self.sent)
            return web.json_response([{"message_id": m.message_id, "chat_id": m.chat_id, "msg_type": m.msg_type,
                                       "content": m.content, "parent_id": m.parent_id} for m in msgs])
        return web.json_response({"error": f"unknown control {what}"}, status=404)


def _chat_id(chat: FeishuChat | str | None) -> str | None:
    return chat.chat_id if isinstance(chat, FeishuChat) else chat


def main(argv: list[str] | None = None) -> int:
    """``python -m handlers.offline.feishu --port 8082``: the stand-in in the foreground (a playground)."""
    p = argparse.ArgumentParser(prog="python -m handlers.offline.feishu", description="a Feishu open platform on 127.0.0.1")
    p.add_argument("--port", type=int, default=8082)
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args(argv)
    s = FeishuStandIn(port=args.port, seed=args.seed).start()
    print(f"Feishu stand-in: base_url {s.base_url!r}, app_id {s.app_id!r}, app_secret {s.app_secret!r}, "
          f"encrypt_key {s.encrypt_key!r}, verification_token {s.verification_token!r}; control API under "
          f"{s.base_url}/_ctl/ (Ctrl-C stops)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        s.stop()
    return 0
