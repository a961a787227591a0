"""The durable inbox on Telegram, and chats handled side by side, each in order.

* :class:`DurableUpdateQueue` is the Application's update queue; every update is committed to the inbox
  (``bot/inbox/service.py``) before it is handled. PTB's webhook handler puts the update into it before it
  answers 200, and the put commits. PTB's polling loop puts a fetched batch into it and then asks for more
  with the offset that confirms the batch; that request goes through :class:`FlushingRequest`, which
  commits the batch (one transaction) first. So an update Telegram considers delivered is always on disk.
  An update Telegram delivers again (after a kill, before the offset confirmed it) is dropped by its id.
* :class:`ChatOrderedProcessor` handles the updates of one chat strictly in the order they arrived, so an
  edit never overtakes its message, and different chats concurrently (up to ``inbox.concurrency``). When an
  update's handlers have run, it is marked done; a report's save marked it already, in its own transaction.
* On start (:func:`start`) the updates a killed process had accepted but not finished are handled first, in
  order, and the replies it had committed but not sent are sent. A daily job purges what is older than
  ``inbox.keep_hours``; a job every minute sends again the committed replies whose send failed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from datetime import time
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor
from telegram.request import HTTPXRequest, RequestData

from bot.core.ids import TELEGRAM, is_platform
from bot.core.records import InboxUpdate
from bot.inbox.acks import AckMerger
from bot.inbox.ordered import ChatLocks
from bot.services import Services
from handlers.telegram.context import Context, app_data, app_services, services
from handlers.telegram.convert import send_outgoing, tg_id

log = logging.getLogger(__name__)

PURGE_JOB = "gridbot inbox purge"
RESEND_JOB = "gridbot outbox resend"
#: how often committed replies whose send failed are tried again, in seconds
RESEND_AFTER_S = 60


def _chat_of(update: object) -> str | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return tg_id(update.effective_chat.id)
    return None


class DurableUpdateQueue(asyncio.Queue):
    """The Application's update queue: an update is committed to the inbox before it is handled.

    With a webhook (``buffered=False``) each :meth:`put` commits at once: PTB answers Telegram's POST only
    after it. With polling (``buffered=True``) the updates of one ``getUpdates`` answer are collected and
    committed in one transaction by :meth:`flush`, which :class:`FlushingRequest` calls before the next
    ``getUpdates`` (the call whose offset confirms them) goes out; only then are they queued for handling.
    """

    def __init__(self, buffered: bool = False) -> None:
        super().__init__()
        self.buffered = buffered
        #: the core's services, once open (no update is fetched before: polling starts after post_init)
        self.services: Services | None = None
        self._buffer: list[Update] = []

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.services is not None:
            if self.buffered:
                self._buffer.append(item)
                return
            if not await self._commit([item]):
                return  # delivered again: it is in the inbox already (handled, or about to be)
        await super().put(item)

    async def flush(self) -> None:
        """Commit what :meth:`put` collected (one transaction) and queue what is new, in order."""
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        fresh = await self._commit(batch)
        for u in batch:
            if tg_id(u.update_id) in fresh:
                await super().put(u)

    async def _commit(self, updates: list[Update]) -> set[str]:
        """Commit the updates, retrying while the database cannot take them (locked by another writer, the
        disk full): until they are committed, polling does not confirm them to Telegram (a webhook does not
        answer 200), so Telegram keeps them. Never raises: an error here would end PTB's polling loop."""
        assert self.services is not None
        rows = [InboxUpdate(tg_id(u.update_id), _chat_of(u), json.dumps(u.to_dict(), ensure_ascii=False))
                for u in updates]
        delay = 0.5
        while True:
            try:
                return await self.services.inbox.accept_many(rows)
            except Exception as e:  # sqlite3.OperationalError (locked), "database or disk is full", I/O errors
                log.warning("%d update(s) not committed to the inbox (%s): retrying in %.1f s", len(rows),
                            type(e).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def requeue(self, item: Any) -> None:
        """Queue an update that is in the inbox already (recovery after a restart)."""
        super().put_nowait(item)


class FlushingRequest(HTTPXRequest):
    """The ``getUpdates`` connection of polling: commits the updates fetched last time before it asks for
    more, because the offset of this call confirms them to Telegram."""

    def __init__(self, queue: DurableUpdateQueue, **kw: Any):
        super().__init__(**kw)
        self.queue = queue

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        if url.endswith("/getUpdates"):
            await self.queue.flush()
        return await super().do_request(url, method, request_data, read_timeout=read_timeout,
                                        write_timeout=write_timeout, connect_timeout=connect_timeout,
                                        pool_timeout=pool_timeout)


class ChatOrderedProcessor(BaseUpdateProcessor):
    """One chat's updates one by one, in order; different chats side by side."""

    def __init__(self, max_concurrent_updates: int):
        super().__init__(max_concurrent_updates)
        self.locks = ChatLocks()
        #: the core's services, once open: updates are marked done in the inbox
        self.services: Services | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self.locks.hold(_chat_of(update)):
            try:
                await coroutine
            finally:
                if isinstance(update, Update) and self.services is not None:
                    await self.services.inbox.done(tg_id(update.update_id))

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


async def start(app: Application) -> None:
    """Once the services are open: hand the inbox to the queue and the processor, send the replies a killed
    process had committed but not sent, queue the updates it had not finished, and schedule the purge."""
    svc = app_services(app)
    app_data(app).acks = AckMerger(svc.config.inbox.merge_acks_at)
    queue = app.update_queue
    if isinstance(queue, DurableUpdateQueue):
        queue.services = svc
    processor = app.update_processor
    if isinstance(processor, ChatOrderedProcessor):
        processor.services = svc
    sent = await send_outgoing(app, await svc.inbox.unsent_replies())
    if sent:
        log.info("sent %d reply(ies) committed before the restart", sent)
    recovered = 0
    if isinstance(queue, DurableUpdateQueue):
        for item in await svc.inbox.open_updates():
            if not is_platform(item.update_id, TELEGRAM):  # another adapter's (Feishu's), in the same inbox
                continue
            queue.requeue(Update.de_json(json.loads(item.payload), app.bot))
            recovered += 1
    if recovered:
        log.info("handling %d update(s) accepted before the restart", recovered)
    jq = app.job_queue
    if jq is None:
        return
    for name in (PURGE_JOB, RESEND_JOB):
        for job in jq.get_jobs_by_name(name):
            job.schedule_removal()
    jq.run_daily(purge_job, time(3, 45, tzinfo=svc.config.tz), name=PURGE_JOB,
                 job_kwargs={"misfire_grace_time": None, "coalesce": True})
    jq.run_repeating(resend_job, RESEND_AFTER_S, first=RESEND_AFTER_S, name=RESEND_JOB)


async def purge_job(context: Context) -> None:
    await services(context).inbox.purge()


async def resend_job(context: Context) -> None:
    """Committed replies whose send failed (the Bot API was down) go out once it is back."""
    svc = services(context)
    await send_outgoing(context.application, await svc.inbox.unsent_replies(failed_only=True))
