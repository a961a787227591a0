"""How the stand-in delivers events: the HTTP callback (encrypted, signed, redelivered) or the SDK's long
connection (protobuf frames over a WebSocket), whichever the app's event subscription is set to.

**Callback** (:meth:`EventPump.use_callback`). Each event is POSTed to the app's request URL as Feishu
does: encrypted with the Encrypt Key (``{"encrypt": …}``, see ``crypto.py``) and signed, or in plain JSON
when the app has no Encrypt Key. An event not answered HTTP 200 within ``callback_timeout`` (Feishu: 3 s)
is delivered again, with the same ``event_id``, after each of ``retry_delays`` (Feishu: 15 s, 5 min, 1 h,
6 h), then given up. ``url_verification`` is a direct exchange (:meth:`EventPump.verify_url`).

**Long connection** (:meth:`EventPump.use_websocket`). ``POST /callback/ws/endpoint`` with
``{"AppID", "AppSecret"}`` answers ``{"code": 0, "data": {"URL": "ws://…/ws/v2?…&device_id=…&service_id=…
&ticket=…", "ClientConfig": {"ReconnectCount", "ReconnectInterval", "ReconnectNonce", "PingInterval"}}}``;
a ticket serves one connection. On the WebSocket every message is a ``lark_oapi.ws.pb.pbbp2_pb2.Frame``:

* the client's ping is a CONTROL frame (method 0) with header ``type=ping``; the answer is ``type=pong``
  carrying the ClientConfig as JSON (the SDK applies it);
* an event is a DATA frame (method 1) with headers ``type=event``, ``message_id``, ``trace_id``, ``sum`` and
  ``seq`` (a payload over ``split_bytes`` travels in ``sum`` frames the client joins), the schema 2.0 JSON as
  payload;
* the client acks by sending the same frame back with a ``biz_rt`` header and the payload
  ``{"code": 200}`` (500 when its handler raised; a card callback's answer travels base64-encoded in
  ``data``). An event not acked 200 within ``ack_timeout`` is redelivered on the schedule above.

:meth:`EventPump.drop` closes the connections (the SDK reconnects: a new endpoint call, a new ticket).
Events that arrive while no connection is open wait for the next one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, WSMsgType, web
from lark_oapi.ws.pb.pbbp2_pb2 import Frame

from handlers.offline.feishu import crypto
from handlers.offline.feishu.state import Delivery, StandInState

FEISHU_RETRY_DELAYS = (15.0, 300.0, 3600.0, 21600.0)
CONTROL, DATA = 0, 1
#: Feishu's defaults, as its endpoint answers them (seconds; ReconnectCount -1: retry for ever)
DEFAULT_CLIENT_CONFIG = {"ReconnectCount": -1, "ReconnectInterval": 120, "ReconnectNonce": 30, "PingInterval": 120}
AUTH_FAILED, EXCEED_CONN_LIMIT = 514, 1000040350


@dataclass
class Pending:
    """An event waiting to be delivered (again)."""

    payload: dict[str, Any]
    attempts: int = 0
    next_at: float = 0.0  # clock seconds
    done: bool = False
    given_up: bool = False

    @property
    def event_id(self) -> str:
        return str(self.payload.get("header", {}).get("event_id", ""))

    @property
    def event_type(self) -> str:
        return str(self.payload.get("header", {}).get("event_type", self.payload.get("type", "")))


@dataclass
class WsConn:
    ws: web.WebSocketResponse
    request: web.Request
    device_id: str
    service_id: int
    pings: int = 0
    acks: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        t = self.request.transport
        return t is not None and not t.is_closing() and not self.ws.closed


def frame(method: int, service_id: int, headers: dict[str, str], payload: bytes = b"", seq_id: int = 0) -> Frame:
    f = Frame()
    f.SeqID, f.LogID, f.service, f.method = seq_id, seq_id, service_id, method
    for k, v in headers.items():
        h = f.headers.add()
        h.key, h.value = k, v
    if payload:
        f.payload = payload
    return f


def frame_headers(f: Frame) -> dict[str, str]:
    return {h.key: h.value for h in f.headers}


class EventPump:
    """Delivers queued events one at a time, in order, on the stand-in's event loop."""

    def __init__(self, state: StandInState, *, retry_delays: tuple[float, ...] = FEISHU_RETRY_DELAYS,
                 callback_timeout: float = 3.0, ack_timeout: float = 3.0, split_bytes: int | None = None,
                 client_config: dict[str, int] | None = None, max_connections: int = 50):
        self.s = state
        self.retry_delays = retry_delays
        self.callback_timeout = callback_timeout
        self.ack_timeout = ack_timeout
        self.split_bytes = split_bytes
        self.client_config = dict(client_config or DEFAULT_CLIENT_CONFIG)
        self.max_connections = max_connections
        self.mode: str | None = None  # "callback" | "websocket" | None (events wait)
        self.callback_url: str | None = None
        self.queue: list[Pending] = []
        self.conns: list[WsConn] = []
        self.endpoint_calls = 0
        self.connections_made = 0
        self.pings = 0
        self.errors: list[str] = []  # unexpected errors of delivery attempts (each counted as failed)
        self._endpoint_failures: list[int] = []  # codes the next endpoint calls answer
        self._tickets: set[str] = set()
        self._seq = itertools.count(1)
        self._rr = itertools.count()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: called on the loop after an event was answered 200 (the server applies a card callback's answer)
        self.on_delivered: Callable[[Pending, Delivery], None] | None = None

    # ------------------------------------------------------------------ lifecycle (on the loop)
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._session = ClientSession()
        self._task = self._loop.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close_all(abrupt=True)
        if self._session is not None:
            await self._session.close()

    def kick(self) -> None:
        """Re-check the queue now (after a mode change, a new event, or a clock a test moved)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/callback/ws/endpoint", self._endpoint), web.get("/ws/v2", self._websocket)]

    # ------------------------------------------------------------------ configuration (thread-safe)
    def use_callback(self, url: str) -> None:
        with self.s.lock:
            self.mode, self.callback_url = "callback", url
        self.kick()

    def use_websocket(self) -> None:
        with self.s.lock:
            self.mode, self.callback_url = "websocket", None
        self.kick()

    def push(self, payload: dict[str, Any]) -> Pending:
        p = Pending(payload, next_at=self.s.clock())
        with self.s.changed:
            self.queue.append(p)
            self.s.changed.notify_all()
        self.kick()
        return p

    def fail_endpoint(self, *codes: int) -> None:
        """The next endpoint calls answer these codes (1: system busy, the SDK retries; others: fatal)."""
        with self.s.lock:
            self._endpoint_failures.extend(codes)

    def retry_now(self) -> None:
        """Make every event waiting for a redelivery due now."""
        with self.s.lock:
            now = self.s.clock()
            for p in self.queue:
                if not p.done and not p.given_up:
                    p.next_at = min(p.next_at, now)
        self.kick()

    # ------------------------------------------------------------------ the delivery loop
    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()  # before looking: a kick from now on is not lost
            p, wait = self._next_due()
            if p is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), min(wait, 1.0))
                continue
            try:
                d = await (self._post(p) if self.mode == "callback" else self._send_frames(p))
            except Exception as e:  # the loop must outlive any one delivery; this attempt failed
                self.errors.append(repr(e))
                d = Delivery(p.event_id, p.event_type, p.attempts + 1, str(self.mode), 0, None, self.s.clock())
                self.s.record_delivery(d)
            self._settle(p, d)

    def _next_due(self) -> tuple[Pending | None, float]:
        with self.s.lock:
            if self.mode is None or (self.mode == "websocket" and not self._live()) \
                    or (self.mode == "callback" and not self.callback_url):
                return None, 1.0
            now = self.s.clock()
            waiting = [p for p in self.queue if not p.done and not p.given_up]
            due = [p for p in waiting if p.next_at <= now]
            if due:
                return due[0], 0.0
            return None, min((p.next_at - now for p in waiting), default=1.0)

    def _settle(self, p: Pending, d: Delivery) -> None:
        if d.ok and self.on_delivered is not None:
            self.on_delivered(p, d)
        with self.s.changed:
            p.attempts += 1
            if d.ok:
                p.done = True
            elif p.attempts > len(self.retry_delays):
                p.given_up = True
            else:
                p.next_at = self.s.clock() + self.retry_delays[p.attempts - 1]
            self.s.changed.notify_all()

    # ------------------------------------------------------------------ callback
    def callback_request(self, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The body and headers Feishu POSTs for one event (encrypted and signed when there is a key)."""
        plain = json.dumps(payload, ensure_ascii=False)
        key = self.s.encrypt_key
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Lark-Open-Platform",
                   "X-Request-Id": str(uuid.uuid4())}
        if not key:
            return plain.encode("utf-8"), headers
        body = json.dumps({"encrypt": crypto.encrypt(plain, key)}).encode("utf-8")
        return body, {**headers, **crypto.signed_headers(body, key, int(self.s.clock()))}

    async def _post(self, p: Pending) -> Delivery:
        status, response = await self._exchange(p.payload, self.callback_timeout)
        d = Delivery(p.event_id, p.event_type, p.attempts + 1, "callback", status, response, self.s.clock())
        self.s.record_delivery(d)
        return d

    async def _exchange(self, payload: dict[str, Any], timeout: float) -> tuple[int, Any]:
        assert self._session is not None
        url = self.callback_url
        if not url:
            return 0, None
        body, headers = self.callback_request(payload)
        try:
            async with self._session.post(url, data=body, headers=headers,
                                          timeout=ClientTimeout(total=timeout)) as resp:
                raw = await resp.read()
                status = resp.status
        except (ClientError, TimeoutError, OSError):
            return 0, None
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    async def forged(self, payload: dict[str, Any], fault: str) -> tuple[int, Any]:
        """POST one event once, not as Feishu would: ``fault`` "signature" (a wrong ``X-Lark-Signature``),
        "encryption" (encrypted with another key, signed right), "token" (another Verification Token) or
        "unsigned" (plain JSON without the signature headers). Returns the answer; nothing is redelivered."""
        if fault not in ("signature", "encryption", "token", "unsigned"):
            raise ValueError(fault)
        assert self._session is not None and self.callback_url
        key = self.s.encrypt_key
        if fault == "token":
            payload = {**payload, "header": {**payload["header"], "token": "forged-" + secrets.token_hex(8)}}
        plain = json.dumps(payload, ensure_ascii=False)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if fault == "unsigned" or not key:
            body = plain.encode("utf-8")
        else:
            body = json.dumps({"encrypt": crypto.encrypt(plain, "another" + key if fault == "encryption" else key)
                               }).encode("utf-8")
            headers.update(crypto.signed_headers(body, key, int(self.s.clock())))
            if fault == "signature":
                headers[crypto.SIGNATURE] = "0" * 64
        try:
            async with self._session.post(self.callback_url, data=body, headers=headers,
                                          timeout=ClientTimeout(total=self.callback_timeout)) as resp:
                return resp.status, (await resp.read()).decode("utf-8", "replace")
        except (ClientError, TimeoutError, OSError):
            return 0, None

    async def verify_url(self, challenge: str, timeout: float = 1.0) -> tuple[int, Any]:
        """The ``url_verification`` exchange (Feishu wants the challenge echoed within 1 s)."""
        payload = {"challenge": challenge, "token": self.s.verification_token, "type": "url_verification"}
        return await self._exchange(payload, timeout)

    # ------------------------------------------------------------------ long connection
    async def _endpoint(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        with self.s.changed:
            self.endpoint_calls += 1
            self.s.changed.notify_all()
            failure = self._endpoint_failures.pop(0) if self._endpoint_failures else None
        if failure is not None:
            return web.json_response({"code": failure, "msg": "system busy" if failure == 1 else "refused"})
        if body.get("AppID") != self.s.app_id or body.get("AppSecret") != self.s.app_secret:
            return web.json_response({"code": 10014, "msg": "app secret invalid"})
        ticket = str(uuid.uuid4())
        with self.s.lock:
            self._tickets.add(ticket)
        host = request.host
        url = (f"ws://{host}/ws/v2?fpid=493&aid=552564&device_id={secrets.randbelow(10**19):019d}"
               f"&access_key={secrets.token_hex(16)}&service_id={33554678 + self.endpoint_calls}&ticket={ticket}")
        return web.json_response({"code": 0, "msg": "ok", "data": {"URL": url, "ClientConfig": self.client_config}})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        with self.s.lock:
            valid = q.get("ticket", "") in self._tickets
            self._tickets.discard(q.get("ticket", ""))
            full = sum(c.live for c in self.conns) >= self.max_connections
        if not valid or full:
            code = str(EXCEED_CONN_LIMIT if full else 1)
            return web.Response(status=AUTH_FAILED, reason="Auth Failed", headers={
                "handshake-status": str(AUTH_FAILED), "handshake-msg": "too many connections" if full else "invalid ticket",
                "handshake-autherrcode": code})
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = WsConn(ws, request, q.get("device_id", ""), int(q.get("service_id", "0")))
        with self.s.changed:
            self.conns.append(conn)
            self.connections_made += 1
            self.s.changed.notify_all()
        self.kick()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.BINARY:
                    await self._on_frame(conn, msg.data)
        finally:
            with self.s.changed:
                if conn in self.conns:
                    self.conns.remove(conn)
                for fut in conn.acks.values():
                    if not fut.done():
                        fut.set_result({"code": 0})
                self.s.changed.notify_all()
        return ws

    async def _on_frame(self, conn: WsConn, data: bytes) -> None:
        f = Frame()
        try:
            f.ParseFromString(data)
        except Exception:  # a frame that does not parse is dropped, as the server drops it
            return
        h = frame_headers(f)
        if f.method == CONTROL and h.get("type") == "ping":
            with self.s.changed:
                conn.pings += 1
                self.pings += 1
                self.s.changed.notify_all()
            pong = frame(CONTROL, f.service, {"type": "pong"}, json.dumps(self.client_config).encode(), f.SeqID)
            with contextlib.suppress(ConnectionError, RuntimeError):  # the connection went meanwhile
                await conn.ws.send_bytes(pong.SerializeToString())
        elif f.method == DATA:
            fut = conn.acks.get(h.get("message_id", ""))
            if fut is not None and not fut.done():
                try:
                    ack = json.loads(f.payload or b"{}")
                except ValueError:
                    ack = {"code": 0}
                fut.set_result({**ack, "biz_rt": h.get("biz_rt")})

    def _live(self) -> list[WsConn]:
        with self.s.lock:
            return [c for c in self.conns if c.live]

    async def _send_frames(self, p: Pending) -> Delivery:
        live = self._live()
        conn = live[next(self._rr) % len(live)]
        payload = json.dumps(p.payload, ensure_ascii=False).encode("utf-8")
        size = self.split_bytes or len(payload) or 1
        parts = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
        msg_id, trace_id = secrets.token_hex(10), str(uuid.uuid4())
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        conn.acks[msg_id] = fut
        try:
            for i, part in enumerate(parts):
                headers = {"type": "event", "message_id": msg_id, "sum": str(len(parts)), "seq": str(i),
                           "trace_id": trace_id}
                await conn.ws.send_bytes(frame(DATA, conn.service_id, headers, part, next(self._seq)).SerializeToString())
            ack = await asyncio.wait_for(fut, self.ack_timeout)
        except (TimeoutError, ConnectionError, RuntimeError):
            ack = {"code": 0}
        finally:
            conn.acks.pop(msg_id, None)
        data = ack.get("data")
        decoded: Any = None
        if isinstance(data, str) and data:
            with contextlib.suppress(ValueError):
                decoded = json.loads(base64.b64decode(data))
        d = Delivery(p.event_id, p.event_type, p.attempts + 1, "websocket", int(ack.get("code") or 0), decoded,
                     self.s.clock())
        self.s.record_delivery(d)
        return d

    async def drop(self, abrupt: bool = True) -> int:
        """Close every long connection (``abrupt``: no close frame, as when the network fails)."""
        return await self._close_all(abrupt)

    async def _close_all(self, abrupt: bool) -> int:
        with self.s.lock:
            conns = list(self.conns)
        for c in conns:
            transport = c.request.transport
            if transport is None or transport.is_closing():
                continue  # already going: its handler removes it
            if abrupt:
                transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(c.ws.close(code=1001, message=b"going away"), 2.0)
        return len(conns)
