"""Receiving Feishu events, in either mode, into the durable inbox.

* **HTTP callback** (:class:`CallbackServer`, aiohttp.web): the body is ``{"encrypt": …}`` when the app has an
  Encrypt Key (AES-256-CBC, decrypted with the SDK's ``AESCipher``) and then signed: ``X-Lark-Signature`` is
  sha256(timestamp + nonce + encrypt key + body). The verification token in the event must match. The
  ``url_verification`` handshake is answered with its challenge. A request that fails any check is refused
  (400/401) and nothing is stored.
* **Long connection** (:class:`LongConnection`): the SDK's ``lark_oapi.ws.Client`` in a thread of its own with
  an event loop of its own (the SDK keeps its loop in a module global, which the thread replaces). Each event
  frame is handed to the bot's loop with ``asyncio.run_coroutine_threadsafe`` and the SDK's ack waits until
  the event is committed.

Either way :class:`Intake` commits the event to the inbox (update id ``feishu:<event_id>``) before it is
acknowledged; an event delivered again is dropped by its id. A card click waits briefly for its handling, so
that the clicker sees the answer as a toast.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import lark_oapi as lark
import lark_oapi.ws.client as ws_client
from aiohttp import web
from lark_oapi.core.utils import AESCipher
from lark_oapi.event.dispatcher_handler import EventDispatcherHandler

from bot.config.feishu import FeishuConfig
from bot.core.records import InboxUpdate
from bot.inbox.ordered import ChatOrdered
from bot.inbox.service import InboxService
from handlers.feishu import events

log = logging.getLogger(__name__)

#: how long a card click's answer waits for its handling (Feishu waits 3 s for the answer)
CARD_WAIT_S = 2.0
#: how long the long connection's thread waits for an event to be committed before it answers "failed"
COMMIT_WAIT_S = 30.0

Handle = Callable[[InboxUpdate, dict[str, Any]], Awaitable[dict[str, Any] | None]]


class Refused(Exception):
    """A callback request that fails a check: nothing of it is stored."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status
        self.why = why


# ---------------------------------------------------------------------------------------------- checks
def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """Feishu's callback signature (``X-Lark-Signature``)."""
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode("utf-8") + body).hexdigest()


def open_callback(body: bytes, headers: dict[str, str], encrypt_key: str, token: str) -> dict[str, Any]:
    """The event of a callback request, checked: decrypted and its signature verified when there is an
    encrypt key, its verification token compared. Raises :class:`Refused`."""
    try:
        outer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "not JSON") from None
    if not isinstance(outer, dict):
        raise Refused(400, "not a JSON object")
    if "encrypt" in outer:
        if not encrypt_key:
            raise Refused(400, "encrypted, and no encrypt key is configured")
        try:
            plain = AESCipher(encrypt_key).decrypt_str(str(outer["encrypt"]))
            event = json.loads(plain)
        except Exception:  # bad base64, bad padding, wrong key, not JSON
            raise Refused(400, "cannot decrypt") from None
    elif encrypt_key:
        raise Refused(400, "not encrypted although an encrypt key is configured")
    else:
        event = outer
    if not isinstance(event, dict):
        raise Refused(400, "not a JSON object")
    challenge = event.get("type") == "url_verification"
    if encrypt_key and not challenge:
        h = {k.lower(): v for k, v in headers.items()}
        ts, nonce, sig = (h.get("x-lark-request-timestamp"), h.get("x-lark-request-nonce"),
                          h.get("x-lark-signature"))
        if not ts or not nonce or not sig or \
                not hmac.compare_digest(signature(ts, nonce, encrypt_key, body), sig):
            raise Refused(401, "bad signature")
    got = event.get("token") if challenge else (event.get("header") or {}).get("token") \
        if isinstance(event.get("header"), dict) else None
    if token and (not isinstance(got, str) or not hmac.compare_digest(got.encode(), token.encode())):
        raise Refused(401, "bad verification token")
    return event


# ---------------------------------------------------------------------------------------------- intake
class Intake:
    """An event → the inbox → the chat's ordered handling. Used from the bot's loop (the callback) and,
    through :meth:`accept_threadsafe`, from the long connection's thread."""

    def __init__(self, inbox: InboxService, ordered: ChatOrdered, handle: Handle,
                 loop: asyncio.AbstractEventLoop | None = None):
        self.inbox = inbox
        self.ordered = ordered
        self.handle = handle
        self.loop = loop or asyncio.get_running_loop()
        #: events committed, and events dropped as delivered again (for the logs and the tests)
        self.accepted = 0
        self.redelivered = 0

    async def accept(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """Commit the event and queue its handling. Returns the answer to send back (a card click's toast),
        or None. Raises when the inbox cannot take it (the event is then not acknowledged: Feishu resends)."""
        try:
            kind, _ = events.header(event)
            row = InboxUpdate(events.update_id(event), events.chat_of(event), json.dumps(event, ensure_ascii=False))
        except events.BadEvent as e:
            log.info("a feishu event without a usable header dropped: %s", e)
            return None
        if kind not in events.HANDLED:
            log.debug("feishu event %s not handled", kind)
            return None
        fresh = await self.inbox.accept_many([row])
        if row.update_id not in fresh:
            self.redelivered += 1
            return None
        self.accepted += 1
        task = self.submit(row, event)
        if kind != events.CARD_ACTION:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(task), CARD_WAIT_S)
        except Exception:  # slower than Feishu waits (the card is updated when it is done), or it failed
            return None

    def submit(self, row: InboxUpdate, event: dict[str, Any]) -> asyncio.Task[dict[str, Any] | None]:
        return self.ordered.submit(row.chat_id, lambda: self._run(row, event))

    async def _run(self, row: InboxUpdate, event: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return await self.handle(row, event)
        finally:
            await self.inbox.done(row.update_id)

    def accept_threadsafe(self, payload: bytes) -> dict[str, Any] | None:
        """From another thread (the long connection's): accept on the bot's loop and wait for the commit."""
        try:
            event = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            log.info("a feishu frame that is not JSON dropped")
            return None
        if not isinstance(event, dict):
            return None
        fut = asyncio.run_coroutine_threadsafe(self.accept(event), self.loop)
        return fut.result(COMMIT_WAIT_S)


# ---------------------------------------------------------------------------------------------- callback
class CallbackServer:
    """The HTTP event callback on ``listen:port`` at ``path``."""

    def __init__(self, config: FeishuConfig, intake: Intake):
        self.config = config
        self.intake = intake
        self._runner: web.AppRunner | None = None
        #: the port actually bound (``port = 0`` picks a free one)
        self.port = config.port

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_post(self.config.path, self.on_post)
        return app

    async def on_post(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            event = open_callback(body, dict(request.headers), self.config.encrypt_key(),
                                  self.config.verification_token())
        except Refused as e:
            log.warning("feishu callback refused: %s", e.why)
            return web.json_response({"msg": e.why}, status=e.status)
        if event.get("type") == "url_verification":
            return web.json_response({"challenge": event.get("challenge", "")})
        try:
            answer = await self.intake.accept(event)
        except Exception as e:  # the inbox could not take it: not acknowledged, Feishu sends it again
            log.error("feishu event not committed: %s", type(e).__name__)
            return web.json_response({"msg": "not stored"}, status=503)
        return web.json_response(answer if answer is not None else {"msg": "success"})

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.listen, self.config.port)
        await site.start()
        for addr in self._runner.addresses:  # the port bound (port 0: a free one)
            if isinstance(addr, tuple) and len(addr) >= 2:
                self.port = int(addr[1])
                break
        log.info("feishu callback listening on %s:%d", self.config.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


# ---------------------------------------------------------------------------------------------- long connection
class _Dispatcher(EventDispatcherHandler):
    """The SDK's event handler for the long connection: every event frame goes to the intake as it came."""

    def __init__(self, intake: Intake):
        super().__init__()
        self.intake = intake

    def _do_without_validation(self, payload: bytes) -> Any:
        return self.intake.accept_threadsafe(payload)


class _WsClient(ws_client.Client):
    """The SDK's client, telling when a connection is up (the first one too: its hook covers reconnects)."""

    connected: threading.Event

    async def _connect(self) -> None:
        await super()._connect()
        if self._conn is not None:
            self.connected.set()


class LongConnection:
    """The SDK's WebSocket client, in a daemon thread with its own event loop. The SDK reconnects by itself
    when the connection drops, at the pace the open platform configures."""

    def __init__(self, config: FeishuConfig, app_secret: str, intake: Intake):
        self.config = config
        self.client = _WsClient(config.app_id, app_secret, log_level=lark.LogLevel.WARNING,
                                event_handler=_Dispatcher(intake), domain=config.base_url)
        self.connected = threading.Event()
        self.client.connected = self.connected
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="feishu-ws", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        ws_client.loop = loop  # the SDK runs on its module's loop: this thread's
        try:
            self.client.start()  # serves until the loop is stopped
        except RuntimeError:  # the loop was stopped (shutdown)
            pass
        except Exception as e:  # refused for good (bad app id or secret)
            log.error("feishu long connection ended: %s", type(e).__name__)
        finally:
            self._close(loop)

    def _close(self, loop: asyncio.AbstractEventLoop) -> None:
        """After the loop stopped: the SDK's tasks (receive loop, pings, handlers) are cancelled and awaited,
        then the connection is closed, as ``asyncio.run`` ends. Closing the connection under a running
        receive loop instead makes it log an error and end with an exception nobody retrieves (a traceback
        at every shutdown)."""
        try:
            tasks = asyncio.all_tasks(loop)
            for t in tasks:
                t.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            conn = self.client._conn
            if conn is not None:
                loop.run_until_complete(conn.close())
        except Exception as e:
            log.warning("feishu long connection: closing failed: %s", type(e).__name__)
        finally:
            loop.close()

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            def halt() -> None:
                self.client._auto_reconnect = False
                loop.stop()

            loop.call_soon_threadsafe(halt)
        if self._thread is not None:
            self._thread.join(timeout=5)
