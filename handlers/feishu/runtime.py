"""The Feishu adapter at run time: the core's services, the API, the intake, and sending.

:class:`FeishuBot` is built on open services (shared with the Telegram adapter when both run in one process).
:meth:`FeishuBot.start` sends what a killed process had committed and not sent, queues again the events it had
accepted and not finished (in order), and starts receiving in the configured mode; :meth:`FeishuBot.stop`
stops receiving and waits for the handling in progress.

**The quota.** Every API call is counted (``FeishuApi.calls``) and stored in batches (:meth:`FeishuBot.flush_calls`:
every :data:`FLUSH_EVERY_S` seconds, after :data:`FLUSH_AT_CALLS` calls, and at stop; a ``kill -9`` loses at most
the counts since the last batch). The stored month is loaded at start, so that the month's total is known.
A group's plain report acknowledgements are held for ``[feishu] ack_window_s`` and go out as one message that
names each member (one held reply is sent as it is, quoting the member's message); questions, errors, cards and
command answers are sent at once. The held replies are in the outbox, not sent: a process that dies during the
window sends them after its restart (:meth:`FeishuBot.start`). When the month runs tight
(:func:`bot.quota.service.level`) the window is ``tight_factor`` times longer, and the statisticians (else the
admins) are told once a month.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any

from bot.config.feishu import CALLBACK
from bot.core import texts
from bot.core.chat import Outgoing, Reply
from bot.core.ids import FEISHU, is_platform, native
from bot.core.records import InboxUpdate
from bot.inbox.acks import AckMerger, HeldAcks, merged_text
from bot.inbox.ordered import ChatOrdered
from bot.quota.service import OK, level
from bot.services import Services
from handlers.feishu import render
from handlers.feishu.api import FeishuApi, FeishuError, FeishuUnreachable
from handlers.feishu.receive import CallbackServer, Intake, LongConnection

log = logging.getLogger(__name__)

#: how often committed replies whose send failed are tried again, in seconds
RESEND_AFTER_S = 60
#: a group's member names are fetched again at most this often for a stranger (else after names_ttl_hours)
NAMES_RETRY_S = 3600
#: the API counts are stored every this many seconds, or after this many calls, whichever comes first
FLUSH_EVERY_S = 60
FLUSH_AT_CALLS = 50
#: the platform name the counts are stored under
PLATFORM = "feishu"
#: the local time of the daily inbox purge when the Feishu adapter runs alone (as the Telegram adapter's job)
PURGE_AT = dtime(3, 45)

Handler = Callable[["FeishuBot", InboxUpdate, dict[str, Any]], Awaitable[dict[str, Any] | None]]


class FeishuBot:
    def __init__(self, services: Services, api: FeishuApi, handle: Handler, *,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 monotonic: Callable[[], float] = time.monotonic):
        self.services = services
        self.config = services.config.feishu
        self.api = api
        self._handle = handle
        self.sleep = sleep
        self.monotonic = monotonic
        self.acks = AckMerger(services.config.inbox.merge_acks_at)
        self.ordered = ChatOrdered(services.config.inbox.concurrency)
        self.intake: Intake | None = None
        self.callback: CallbackServer | None = None
        self.connection: LongConnection | None = None
        #: the bot's own open_id, when Feishu told it (its @mentions are dropped from texts)
        self.bot_open_id: str | None = None
        self._names: dict[str, tuple[float, dict[str, str]]] = {}
        #: called after ``/schedule`` changed a grid's times: whoever runs the nag jobs (this adapter's nag
        #: loop alone, the host adapter's jobs beside it) sends what became due at once
        self.schedule_changed: Callable[[], Awaitable[Any]] | None = None
        #: sends messages for another platform's chats (the host adapter's, beside it; None alone)
        self.send_elsewhere: Callable[[list[Outgoing]], Awaitable[Any]] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._flush_lock = asyncio.Lock()

    # ------------------------------------------------------------------------------------------ lifecycle
    async def start(self, *, receive: bool = True, host: bool = False) -> None:
        """Start handling and receiving. ``host``: no other adapter runs the daily jobs (the inbox purge, the
        retention of old reports), so this one does."""
        svc = self.services
        self.intake = Intake(svc.inbox, self.ordered, self._handled, asyncio.get_running_loop())
        self.acks = AckMerger(svc.config.inbox.merge_acks_at)
        today = self.api.calls.today()
        self.api.calls.load(await svc.quota.month_counts(PLATFORM, today))
        log.info("feishu api calls this month so far: %d (quota %d)", self.api.calls.month(today),
                 self.config.monthly_quota)
        try:
            self.bot_open_id = await self.api.bot_open_id()
        except FeishuError as e:  # then a leading @mention is taken to address the bot
            log.warning("feishu: the bot's open_id is not known (%s)", type(e).__name__)
        sent = await self.send_outgoing(await svc.inbox.unsent_replies())
        if sent:
            log.info("sent %d feishu reply(ies) committed before the restart", sent)
        recovered = 0
        for item in await svc.inbox.open_updates():
            if not is_platform(item.update_id, FEISHU):
                continue
            try:
                event = json.loads(item.payload)
            except ValueError:
                await svc.inbox.done(item.update_id)
                continue
            self.intake.submit(item, event)
            recovered += 1
        if recovered:
            log.info("handling %d feishu event(s) accepted before the restart", recovered)
        self.spawn(self._resend_loop())
        self.spawn(self._flush_loop())
        if host:
            self.spawn(self._daily(PURGE_AT, svc.inbox.purge, "inbox purge"))
            if svc.config.summary.retention_days > 0:
                self.spawn(self._daily(svc.config.summary.retention_time, svc.stats.purge_expired, "retention"))
        if not receive:
            return
        if self.config.mode == CALLBACK:
            self.callback = CallbackServer(self.config, self.intake)
            await self.callback.start()
        else:
            self.connection = LongConnection(self.config, self.api.app_secret, self.intake)
            self.connection.start()

    async def stop(self) -> None:
        if self.callback is not None:
            await self.callback.stop()
        if self.connection is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.connection.stop)
        await self.ordered.drain()
        for chat in self.acks.held_chats():  # the held acknowledgements go now, not after the restart
            await self._send_held(chat)
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.flush_calls()
        today = self.api.calls.today()
        log.info("feishu api calls today: %s; this month %d of %d", self.api.calls.line(today),
                 self.api.calls.month(today), self.config.monthly_quota)

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _handled(self, row: InboxUpdate, event: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return await self._handle(self, row, event)
        finally:
            if self.api.calls.pending_total >= FLUSH_AT_CALLS:
                await self.flush_calls()

    async def flush_calls(self) -> int:
        """Store the API calls counted since the last batch, in one transaction. Returns how many."""
        async with self._flush_lock:
            taken = self.api.calls.take_pending()
            if not taken:
                return 0
            try:
                await self.services.quota.record(PLATFORM, taken)
            except Exception as e:  # the database busy or full: kept for the next batch
                self.api.calls.undo(taken)
                log.warning("feishu api counts not stored: %s", type(e).__name__)
                return 0
            return sum(taken.values())

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)  # a real timer: tests call flush_calls themselves
            await self.flush_calls()

    async def _resend_loop(self) -> None:
        while True:
            await asyncio.sleep(RESEND_AFTER_S)  # a real timer: tests call send_outgoing themselves
            try:
                await self.send_outgoing(await self.services.inbox.unsent_replies(failed_only=True))
            except Exception as e:
                log.warning("feishu resend failed: %s", type(e).__name__)

    async def _daily(self, at: dtime, job: Callable[[], Awaitable[Any]], name: str) -> None:
        while True:
            await asyncio.sleep(seconds_until(self.services.clock.now(), at))  # a real timer
            try:
                await job()
            except Exception as e:
                log.warning("feishu daily %s failed: %s", name, type(e).__name__)

    # ------------------------------------------------------------------------------------------ names
    async def names(self, chat: str, open_id: str, group: bool) -> dict[str, str]:
        """The group's member names by open_id (the events do not carry the sender's name): fetched once in a
        while, and again when a stranger appears (not more often than every few minutes)."""
        if not group:
            return {}
        now = self.monotonic()
        got = self._names.get(chat)
        ttl = self.config.names_ttl_hours * 3600
        if got is not None and (open_id in got[1] or now - got[0] < NAMES_RETRY_S) and now - got[0] < ttl:
            return got[1]
        try:
            members = dict(await self.api.chat_members(native(chat)))
        except FeishuError:
            members = got[1] if got is not None else {}
        self._names[chat] = (now, members)
        return members

    # ------------------------------------------------------------------------------------------ sending
    async def answer(self, msg_chat: str, message_id: str, reply: Reply | None, *, uuid: str | None = None
                     ) -> str | None:
        """Answer a member's message (quoting it unless the reply says not to). Returns the sent message id,
        None when there was nothing to say. Raises FeishuError when Feishu refused."""
        if reply is None or not reply.text:
            return None
        msg_type, content = render.content(reply)
        if reply.quote and message_id:
            try:
                return await self.api.reply(native(msg_chat), message_id, msg_type, content, uuid=uuid)
            except FeishuUnreachable:
                raise
            except FeishuError:  # the message is gone (recalled): say it in the chat instead
                log.info("reply in chat %s not possible: sent without the quote", msg_chat)
        return await self.send(msg_chat, msg_type, content, uuid=uuid)

    async def send(self, chat: str, msg_type: str, content: dict[str, Any], *, uuid: str | None = None) -> str:
        """A message into a chat (qualified id); a user's id is their private chat with the bot (see
        :func:`receiver`)."""
        receive_id, id_type = receiver(chat)
        return await self.api.send(receive_id, msg_type, content, uuid=uuid, receive_id_type=id_type)

    async def say(self, chat: str, text: str) -> str:
        """A plain message into a chat (qualified id)."""
        return await self.send(chat, "text", render.text_content(text))

    async def send_outgoing(self, messages: list[Outgoing]) -> int:
        """Send what the core asked for on its own (Feishu's chats only), and record each outcome."""
        sent = 0
        for out in messages:
            if not is_platform(out.chat_id, FEISHU):
                continue
            try:
                mid = await self.answer(out.chat_id, out.reply_to or "", out.reply)
            except FeishuError as e:
                log.warning("a message to chat %s was not sent: %s", out.chat_id, type(e).__name__)
                if out.on_failed is not None:
                    await out.on_failed()
                continue
            if out.on_sent is not None and mid is not None:
                await out.on_sent(mid)
            sent += 1
        return sent

    # ------------------------------------------------------------------------------------------ the quota
    def quota_level(self) -> str:
        """How this month's calls stand against ``[feishu] monthly_quota`` (ok, tight, over)."""
        today = self.api.calls.today()
        return level(self.api.calls.month(today), self.config.monthly_quota, today)

    def ack_window_s(self) -> float:
        """How long a group's plain acknowledgements are held: ``ack_window_s``, longer when the month is
        tight. 0: not held (then only Telegram's busy-group merging applies)."""
        base = float(self.config.ack_window_s)
        return base * self.config.tight_factor if base > 0 and self.quota_level() != OK else base

    async def _quota_notice(self, lvl: str) -> None:
        """Tell the statisticians' chat (else each admin on Feishu, in private) once a month that the month
        runs tight or is used up."""
        svc = self.services
        today = self.api.calls.today()
        if not await svc.quota.claim_notice(PLATFORM, today, lvl):
            return
        used = self.api.calls.month(today)
        quota = self.config.monthly_quota
        log.warning("feishu api calls this month: %d of %d (%s)", used, quota, lvl)
        text = texts.FEISHU_QUOTA_NOTICE.format(used=used, quota=quota, minutes=round(self.ack_window_s() / 60))
        chat = svc.config.schedule.statisticians_chat_id
        try:
            if chat is not None and is_platform(chat, FEISHU):
                await self.say(chat, text)
                return
            for user in svc.config.admins:
                if is_platform(user, FEISHU):
                    await self.api.send(native(user), "text", render.text_content(text), receive_id_type="open_id")
        except FeishuError as e:
            log.warning("the quota notice was not sent: %s", type(e).__name__)

    # ------------------------------------------------------------------------------------------ acks
    async def send_ack(self, chat: str, message_id: str, reply: Reply) -> None:
        """A report's reply: a plain acknowledgement is held for the group's window (or, with no window,
        merged in a busy group), anything else is answered at once; the outbox row is marked sent or failed."""
        svc = self.services
        now = svc.clock.now().timestamp()
        window = self.ack_window_s()
        if reply.merge is not None and (window > 0 or self.acks.busy(chat, now)):
            if self.acks.hold(chat, reply.merge, reply.outbox_id, message_id=message_id, text=reply.text):
                self.spawn(self._send_merged(chat, window or self.acks.delay_s))
                lvl = self.quota_level()
                if lvl != OK:
                    self.spawn(self._quota_notice(lvl))
            return
        try:
            mid = await self.answer(chat, message_id, reply,
                                    uuid=f"gridbot-outbox-{reply.outbox_id}" if reply.outbox_id else None)
        except FeishuError:
            if reply.outbox_id is not None:
                await svc.inbox.reply_failed(reply.outbox_id)
            raise
        self.acks.sent(chat, now)
        if reply.outbox_id is not None:
            await svc.inbox.reply_sent(reply.outbox_id, mid)

    async def _send_merged(self, chat: str, delay_s: float) -> None:
        await self.sleep(delay_s)
        await self._send_held(chat)

    async def _send_held(self, chat: str) -> None:
        """Send what is held for the chat: one reply as it is (quoting the member's message), several as one
        message naming each member."""
        held = self.acks.take_held(chat)
        if held is None:
            return
        svc = self.services
        try:
            mid = await self._send_one(chat, held)
        except FeishuError as e:
            log.warning("merged acknowledgement to chat %s not sent: %s", chat, type(e).__name__)
            for oid in held.outbox_ids:
                await svc.inbox.reply_failed(oid)
            return
        self.acks.sent(chat, svc.clock.now().timestamp())
        for oid in held.outbox_ids:
            await svc.inbox.reply_sent(oid, mid)
        if len(held.items) > 1:
            log.info("merged %d acknowledgement(s) in chat %s", len(held.items), chat)

    async def _send_one(self, chat: str, held: HeldAcks) -> str | None:
        uuid = f"gridbot-outbox-{held.outbox_ids[0]}" if held.outbox_ids else None
        if len(held.replies) == 1:
            message_id, text = held.replies[0]
            return await self.answer(chat, message_id, Reply(text), uuid=uuid)
        return await self.api.send(native(chat), "text", render.text_content(merged_text(held)), uuid=uuid)


def receiver(chat: str) -> tuple[str, str]:
    """(receive_id, receive_id_type) of a qualified chat. The core keeps a private chat by the user's id, as
    on Telegram (an escalation to a leader who wrote to the bot, the answer to a menu click: ``feishu:ou_…``);
    Feishu sends to it by ``open_id`` into the user's private chat with the bot. A group is an ``oc_…``
    ``chat_id``."""
    receive_id = native(chat)
    return (receive_id, "open_id") if receive_id.startswith("ou_") else (receive_id, "chat_id")


def seconds_until(now: datetime, at: dtime) -> float:
    """Seconds from ``now`` (aware) to the next ``at`` in its time zone (a day ahead when it is ``at`` now)."""
    nxt = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if nxt <= now:
        nxt += timedelta(days=1)
    return (nxt - now).total_seconds()
