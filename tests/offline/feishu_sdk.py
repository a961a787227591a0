"""The real ``lark-oapi`` SDK on the app's side of the Feishu stand-in (a helper of the stand-in's tests).

* :func:`sdk_client`: ``lark.Client`` pointed at the stand-in;
* :class:`CallbackReceiver`: the app's request URL (a threaded HTTP server) that hands every POST to the
  SDK's own ``EventDispatcherHandler.do`` — decryption, token and signature checks are the SDK's;
* :class:`WsClientThread`: the SDK's ``lark_oapi.ws.Client`` in its own thread with its own event loop (see
  the stand-in's docstring for why the module-level ``loop`` must be replaced).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import lark_oapi as lark
import lark_oapi.ws.client as ws_client
from lark_oapi.core.model import RawRequest
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)

from handlers.offline.feishu import FeishuStandIn


class Clock:
    """The stand-in's injected clock (seconds since the epoch); a test moves ``t``."""

    def __init__(self, t: float = 1_780_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def sdk_client(s: FeishuStandIn, *, app_secret: str | None = None) -> lark.Client:
    return (lark.Client.builder().app_id(s.app_id).app_secret(app_secret or s.app_secret).domain(s.base_url)
            .log_level(lark.LogLevel.ERROR).build())


def card_answer(toast: str, card: dict[str, Any] | None = None) -> P2CardActionTriggerResponse:
    d: dict[str, Any] = {"toast": {"type": "info", "content": toast}}
    if card is not None:
        d["card"] = {"type": "raw", "data": card}
    return P2CardActionTriggerResponse(d)


class Received:
    """What the app's handlers were given, with a condition to wait on."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self.cond = threading.Condition()
        #: card.action.trigger's answer
        self.card_answer: Callable[[P2CardActionTrigger], P2CardActionTriggerResponse] = lambda e: card_answer("ok")
        self.fail_next = 0  # the next N events make the handler raise (the SDK then answers 500)

    def add(self, kind: str, data: Any) -> None:
        with self.cond:
            if self.fail_next > 0:
                self.fail_next -= 1
                raise RuntimeError("the app's handler failed")
            self.items.append((kind, data))
            self.cond.notify_all()

    def of(self, kind: str) -> list[Any]:
        with self.cond:
            return [d for k, d in self.items if k == kind]

    def wait(self, kind: str, n: int = 1, timeout: float = 20.0) -> list[Any]:
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.of(kind)) >= n, timeout):
                raise TimeoutError(f"{kind}: {len(self.of(kind))} of {n} received")
            return self.of(kind)

    def handler(self, encrypt_key: str, verification_token: str) -> lark.EventDispatcherHandler:
        def card(e: P2CardActionTrigger) -> P2CardActionTriggerResponse:
            self.add("card", e)
            return self.card_answer(e)

        return (lark.EventDispatcherHandler.builder(encrypt_key, verification_token, lark.LogLevel.CRITICAL)
                .register_p2_im_message_receive_v1(lambda e: self.add("message", e))
                .register_p2_im_message_recalled_v1(lambda e: self.add("recalled", e))
                .register_p2_im_chat_member_user_added_v1(lambda e: self.add("user_added", e))
                .register_p2_im_chat_member_bot_added_v1(lambda e: self.add("bot_added", e))
                .register_p2_application_bot_menu_v6(lambda e: self.add("menu", e))
                .register_p2_card_action_trigger(card)
                .build())


class CallbackReceiver:
    """The app's callback endpoint on 127.0.0.1 (``url``), answering with the SDK dispatcher's response.
    ``hold`` makes the next N requests wait until :meth:`release` (an answer that comes too late)."""

    def __init__(self, encrypt_key: str, verification_token: str):
        self.received = Received()
        self.dispatcher = self.received.handler(encrypt_key, verification_token)
        self.bodies: list[tuple[dict[str, str], bytes]] = []
        self.hold = 0
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = dict(self.headers.items())
                with receiver.received.cond:
                    receiver.bodies.append((headers, body))
                    held = receiver.hold > 0
                    receiver.hold -= 1 if held else 0
                if held:
                    receiver._released.wait(30)
                req = RawRequest()
                req.uri, req.headers, req.body = self.path, headers, body
                resp = receiver.dispatcher.do(req)
                try:
                    self.send_response(resp.status_code)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(resp.content or b"")
                except OSError:  # the stand-in gave up waiting and closed the connection
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook/event"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def release(self) -> None:
        self._released.set()

    def __exit__(self, *exc: Any) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


class WsClientThread:
    """``lark_oapi.ws.Client`` running in its own thread, handing events to :attr:`received`."""

    def __init__(self, s: FeishuStandIn, *, app_secret: str | None = None):
        self.received = Received()
        self._s, self._secret = s, app_secret or s.app_secret
        self.loop: asyncio.AbstractEventLoop | None = None
        self.client: Any = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lark-ws-client", daemon=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ws_client.loop = loop  # the SDK's module-level loop (taken at import) becomes this thread's
        self.loop = loop
        try:
            self.client = lark.ws.Client(self._s.app_id, self._secret, log_level=lark.LogLevel.CRITICAL,
                                         event_handler=self.received.handler("", ""), domain=self._s.base_url)
            self._ready.set()
            self.client.start()
        except BaseException as e:  # start() ends only by an error (or by stop(): the loop stopped)
            self.error = e
        finally:
            self._ready.set()
            self._close(loop)

    def _close(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cancel the SDK's tasks (receive loop, pings, its cache's timer), close its socket and the loop."""
        tasks = asyncio.all_tasks(loop)
        for t in tasks:
            t.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        conn = getattr(self.client, "_conn", None)
        if conn is not None:
            loop.run_until_complete(conn.close())
        loop.close()

    def __enter__(self) -> WsClientThread:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        loop, client = self.loop, self.client
        if client is not None:
            client._auto_reconnect = False
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
