"""The Feishu open platform's API, through the official SDK (``lark-oapi``), as the adapter uses it.

* One ``lark.Client`` built with ``domain(base_url)``, so that tests point it at the local stand-in.
* The tenant access token is fetched here (asynchronously, ``auth/v3/tenant_access_token/internal``), kept
  until shortly before it expires and fetched again when Feishu calls it invalid; the SDK's own token
  manager would fetch it with a blocking request on the event loop and share it process-wide.
* Sends are paced: at most ``chat_rate`` a second into one chat (Feishu allows about 5, shared by every bot
  in the group) and ``app_rate`` a second for the app (50). A call Feishu answers with its frequency limit
  (HTTP 429, or code 99991400 / 230020) is tried again after the wait Feishu names
  (``x-ogw-ratelimit-reset``) or a doubling backoff, up to ``max_retries`` times.
* Every call is counted per day and per kind (:class:`ApiCalls`): a free tenant has a monthly quota of
  about 10,000 calls. Logs name the kind and Feishu's code, never a message's content.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import lark_oapi as lark
from lark_oapi.api.auth.v3 import InternalTenantAccessTokenRequest, InternalTenantAccessTokenRequestBody
from lark_oapi.api.im.v1 import (
    CreateFileRequest,
    CreateFileRequestBody,
    CreateImageRequest,
    CreateImageRequestBody,
    CreateMessageRequest,
    CreateMessageRequestBody,
    GetChatMembersRequest,
    GetChatRequest,
    GetMessageResourceRequest,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)
from lark_oapi.core.model import RequestOption

from bot.config.feishu import FeishuConfig

log = logging.getLogger(__name__)

#: Feishu's frequency-limit answers: the gateway's (HTTP 429, or 400 on older APIs) and the message API's
RATE_LIMITED = frozenset({99991400, 230020})
#: the tenant access token is missing, invalid or expired: fetch it again
TOKEN_INVALID = frozenset({99991661, 99991663, 99991664})
#: a token is fetched again this many seconds before Feishu says it expires
TOKEN_MARGIN_S = 300
#: the longest wait before a retry, whatever Feishu asks
MAX_WAIT_S = 30.0


class FeishuError(Exception):
    """Feishu refused a call (``code`` is Feishu's, or the HTTP status when the answer was not JSON)."""

    def __init__(self, kind: str, code: int, msg: str = ""):
        super().__init__(f"{kind}: Feishu code {code} {msg}".strip())
        self.kind = kind
        self.code = code
        self.msg = msg


class FeishuUnreachable(FeishuError):
    """The open platform could not be reached (connection refused, timed out, a 5xx answer)."""


@dataclass
class ApiCalls:
    """How many API calls gridbot made, per day and per kind (``send``, ``reply``, ``token``, ...).

    ``counts`` holds the month's days (the stored ones are loaded at start, :meth:`load`); ``pending`` what was
    counted since the last :meth:`take_pending`, which the adapter stores in batches."""

    today: Callable[[], date] = date.today
    counts: dict[date, dict[str, int]] = field(default_factory=dict)
    #: how many days of counts are kept
    keep_days: int = 62
    pending: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        day = self.today()
        if day not in self.counts:
            if self.counts:
                last = max(self.counts)
                log.info("feishu api calls on %s: %s", last.isoformat(), self.line(last))
            self.counts[day] = {}
            for old in sorted(self.counts)[:-self.keep_days]:
                del self.counts[old]
        per = self.counts[day]
        per[kind] = per.get(kind, 0) + 1
        key = (day.isoformat(), kind)
        self.pending[key] = self.pending.get(key, 0) + 1

    @property
    def pending_total(self) -> int:
        return sum(self.pending.values())

    def take_pending(self) -> dict[tuple[str, str], int]:
        """What was counted since the last take, keyed by (ISO day, kind); forgotten here until :meth:`undo`."""
        out, self.pending = self.pending, {}
        return out

    def undo(self, taken: dict[tuple[str, str], int]) -> None:
        """A taken batch that could not be stored: kept for the next take."""
        for key, n in taken.items():
            self.pending[key] = self.pending.get(key, 0) + n

    def load(self, stored: dict[str, dict[str, int]]) -> None:
        """Add the counts stored by earlier runs (ISO day -> kind -> calls) to the days' counts."""
        for d, per in stored.items():
            day = self.counts.setdefault(date.fromisoformat(d), {})
            for kind, n in per.items():
                day[kind] = day.get(kind, 0) + n

    def on(self, day: date) -> dict[str, int]:
        return dict(self.counts.get(day, {}))

    def month(self, day: date) -> int:
        """The calls of ``day``'s calendar month so far (the free tenant's quota is monthly)."""
        return sum(sum(v.values()) for d, v in self.counts.items() if (d.year, d.month) == (day.year, day.month))

    def line(self, day: date) -> str:
        per = self.counts.get(day, {})
        return f"{sum(per.values())} ({', '.join(f'{k} {v}' for k, v in sorted(per.items())) or 'none'})"


class Pacer:
    """At most ``rate`` passes a second, spaced evenly (the clock and the sleep are injected)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0

    async def wait(self) -> None:
        now = self.clock()
        at = max(now, self._next)
        self._next = at + self.interval
        if at > now:
            await self.sleep(at - now)

    def idle(self, now: float) -> bool:
        return self._next <= now


class FeishuApi:
    """The calls the adapter makes. Chat and message ids here are Feishu's own (``oc_…``, ``om_…``)."""

    def __init__(self, config: FeishuConfig, app_secret: str, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, today: Callable[[], date] = date.today,
                 timeout_s: float = 20.0):
        self.config = config
        self.clock = clock
        self.sleep = sleep
        self.calls = ApiCalls(today)
        self.client = (lark.Client.builder().app_id(config.app_id).app_secret(app_secret).domain(config.base_url)
                       .enable_set_token(True).timeout(timeout_s).log_level(lark.LogLevel.WARNING).build())
        self.app_secret = app_secret
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()
        self._app_pacer = Pacer(config.app_rate, clock, sleep)
        self._chat_pacers: dict[str, Pacer] = {}

    # ------------------------------------------------------------------------------------------ plumbing
    async def _tenant_token(self, *, renew: bool = False) -> str:
        async with self._token_lock:
            if not renew and self._token and self.clock() < self._token_until:
                return self._token
            req = InternalTenantAccessTokenRequest.builder().request_body(
                InternalTenantAccessTokenRequestBody.builder().app_id(self.config.app_id)
                .app_secret(self.app_secret).build()).build()
            self.calls.count("token")
            try:
                resp = await self.client.auth.v3.tenant_access_token.ainternal(req)
            except Exception as e:  # httpx errors, an answer that is not JSON
                raise FeishuUnreachable("token", 0, type(e).__name__) from None
            body = _json(resp.raw.content if resp.raw is not None else b"")
            token = body.get("tenant_access_token")
            if body.get("code") != 0 or not isinstance(token, str) or not token:
                raise FeishuError("token", int(body.get("code") or 0), str(body.get("msg") or ""))
            self._token = token
            self._token_until = self.clock() + max(60, int(body.get("expire") or 7200) - TOKEN_MARGIN_S)
            return token

    async def _pace(self, chat: str | None) -> None:
        if chat is not None:
            now = self.clock()
            if len(self._chat_pacers) > 256:  # forget the chats not sent to lately
                self._chat_pacers = {c: p for c, p in self._chat_pacers.items() if not p.idle(now)}
            pacer = self._chat_pacers.get(chat)
            if pacer is None:
                pacer = self._chat_pacers[chat] = Pacer(self.config.chat_rate, self.clock, self.sleep)
            await pacer.wait()
        await self._app_pacer.wait()

    async def call(self, kind: str, send: Callable[[RequestOption], Awaitable[Any]], *, chat: str | None = None,
                   paced: bool = False) -> Any:
        """One API call (``send`` makes it with the token in the option), paced when it posts into a chat,
        retried on the frequency limit and once on an invalid token. Returns the SDK's response."""
        tries = 0
        renewed = False
        while True:
            if paced:
                await self._pace(chat)
            token = await self._tenant_token(renew=False)
            option = RequestOption.builder().tenant_access_token(token).build()
            self.calls.count(kind)
            try:
                resp = await send(option)
            except Exception as e:  # connection refused, timed out; an answer that is not JSON
                log.warning("feishu %s: not reached (%s)", kind, type(e).__name__)
                raise FeishuUnreachable(kind, 0, type(e).__name__) from None
            status = resp.raw.status_code if resp.raw is not None else 0
            code = resp.code if isinstance(resp.code, int) else -1
            if code == 0 and status < 400:
                return resp
            if code in RATE_LIMITED or status == 429:
                if tries >= self.config.max_retries:
                    log.warning("feishu %s: still rate-limited after %d tries", kind, tries + 1)
                    raise FeishuError(kind, code, "rate limited")
                wait = _retry_wait(resp, tries)
                tries += 1
                log.info("feishu %s: rate-limited (code %s), retry %d in %.1f s", kind, code, tries, wait)
                await self.sleep(wait)
                continue
            if code in TOKEN_INVALID and not renewed:
                renewed = True
                await self._tenant_token(renew=True)
                continue
            if status >= 500:
                log.warning("feishu %s: HTTP %d", kind, status)
                raise FeishuUnreachable(kind, code if code > 0 else status, "server error")
            log.warning("feishu %s: refused, code %s", kind, code)
            raise FeishuError(kind, code if code > 0 else status, str(resp.msg or ""))

    # ------------------------------------------------------------------------------------------ messages
    async def send(self, chat: str, msg_type: str, content: dict[str, Any], *, uuid: str | None = None,
                   receive_id_type: str = "chat_id") -> str:
        """Post a message into a chat (or to a user by ``open_id``). Returns its message id."""
        body = CreateMessageRequestBody.builder().receive_id(chat).msg_type(msg_type).content(_dumps(content))
        if uuid:
            body = body.uuid(uuid[:50])
        req = CreateMessageRequest.builder().receive_id_type(receive_id_type).request_body(body.build()).build()
        resp = await self.call("send", lambda o: self.client.im.v1.message.acreate(req, o), chat=chat, paced=True)
        return str(resp.data.message_id)

    async def reply(self, chat: str, message_id: str, msg_type: str, content: dict[str, Any], *,
                    uuid: str | None = None) -> str:
        """Answer a message, quoting it (``im/v1/messages/:id/reply``). Returns the reply's message id."""
        body = ReplyMessageRequestBody.builder().msg_type(msg_type).content(_dumps(content))
        if uuid:
            body = body.uuid(uuid[:50])
        req = ReplyMessageRequest.builder().message_id(message_id).request_body(body.build()).build()
        resp = await self.call("reply", lambda o: self.client.im.v1.message.areply(req, o), chat=chat, paced=True)
        return str(resp.data.message_id)

    async def update_card(self, chat: str, message_id: str, card: dict[str, Any]) -> None:
        """Replace an interactive card the bot sent (``PATCH im/v1/messages/:id``)."""
        req = PatchMessageRequest.builder().message_id(message_id).request_body(
            PatchMessageRequestBody.builder().content(_dumps(card)).build()).build()
        await self.call("update", lambda o: self.client.im.v1.message.apatch(req, o), chat=chat, paced=True)

    # ------------------------------------------------------------------------------------------ files
    async def upload_file(self, data: bytes, filename: str, file_type: str = "stream") -> str:
        """Upload a file (``im/v1/files``; ``xls`` for a spreadsheet, ``pdf``, ``stream``). Returns its key."""
        req = CreateFileRequest.builder().request_body(
            CreateFileRequestBody.builder().file_type(file_type).file_name(filename).file(io.BytesIO(data)).build()
        ).build()
        resp = await self.call("upload_file", lambda o: self.client.im.v1.file.acreate(req, o))
        return str(resp.data.file_key)

    async def upload_image(self, data: bytes) -> str:
        """Upload an image to send (``im/v1/images``). Returns its image key."""
        req = CreateImageRequest.builder().request_body(
            CreateImageRequestBody.builder().image_type("message").image(io.BytesIO(data)).build()).build()
        resp = await self.call("upload_image", lambda o: self.client.im.v1.image.acreate(req, o))
        return str(resp.data.image_key)

    async def download(self, message_id: str, key: str, kind: str) -> bytes:
        """An image or file of a message, by its key (``im/v1/messages/:id/resources/:key?type=image|file``)."""
        req = GetMessageResourceRequest.builder().message_id(message_id).file_key(key).type(kind).build()
        resp = await self.call("resource", lambda o: self.client.im.v1.message_resource.aget(req, o))
        return resp.file.read() if resp.file is not None else b""

    # ------------------------------------------------------------------------------------------ chats
    async def bot_open_id(self) -> str | None:
        """The bot's own open_id (``bot/v3/info``), so that its @mentions can be told from members'."""
        req = (lark.BaseRequest.builder().http_method(lark.HttpMethod.GET).uri("/open-apis/bot/v3/info")
               .token_types({lark.AccessTokenType.TENANT}).build())
        resp = await self.call("bot_info", lambda o: self.client.arequest(req, o))
        bot = _json(resp.raw.content if resp.raw is not None else b"").get("bot")
        open_id = bot.get("open_id") if isinstance(bot, dict) else None
        return open_id if isinstance(open_id, str) and open_id else None

    async def chat_owner(self, chat: str) -> str | None:
        """The open_id of the group's owner, or None when Feishu does not say."""
        req = GetChatRequest.builder().chat_id(chat).user_id_type("open_id").build()
        resp = await self.call("chat", lambda o: self.client.im.v1.chat.aget(req, o))
        return getattr(resp.data, "owner_id", None) or None

    async def chat_members(self, chat: str) -> list[tuple[str, str]]:
        """(open_id, name) of every member of a group, following the pages."""
        out: list[tuple[str, str]] = []
        page: str | None = None
        for _ in range(100):
            b = GetChatMembersRequest.builder().chat_id(chat).member_id_type("open_id").page_size(100)
            if page:
                b = b.page_token(page)
            req = b.build()
            resp = await self.call("members", lambda o, r=req: self.client.im.v1.chat_members.aget(r, o))
            for m in resp.data.items or []:
                if m.member_id:
                    out.append((m.member_id, m.name or ""))
            page = resp.data.page_token
            if not resp.data.has_more or not page:
                break
        return out


def _retry_wait(resp: Any, tries: int) -> float:
    """The wait Feishu names in ``x-ogw-ratelimit-reset`` (seconds), else 0.5 s doubled per try."""
    headers = {k.lower(): v for k, v in (resp.raw.headers or {}).items()} if resp.raw is not None else {}
    try:
        named = float(headers.get("x-ogw-ratelimit-reset", ""))
    except ValueError:
        named = 0.0
    return min(MAX_WAIT_S, named if named > 0 else 0.5 * 2 ** tries)


def _dumps(content: dict[str, Any]) -> str:
    return json.dumps(content, ensure_ascii=False)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}
