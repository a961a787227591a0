"""The durable inbox on Telegram, and chats handled side by side, each in order.

* :class:`DurableUpdateQueue` is the Application's update queue. PTB's polling loop puts each fetched update
  into it, and only then advances the ``getUpdates`` offset that confirms the batch to Telegram. PTB's webhook
  handler puts the update into it before it answers 200. Its :meth:`~DurableUpdateQueue.put` commits the
  update to the inbox first (``bot/inbox/service.py``), so an update Telegram considers delivered is always on
  disk. An update Telegram delivers again (after a kill, before the offset confirmed it) is dropped by its id.
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

from bot.inbox.acks import AckMerger
from bot.services import Services
from handlers.telegram.context import Context, app_data, app_services, services
from handlers.telegram.convert import send_outgoing

log = logging.getLogger(__name__)

PURGE_JOB = "gridbot inbox purge"
RESEND_JOB = "gridbot outbox resend"
#: how often committed replies whose send failed are tried again, in seconds
RESEND_AFTER_S = 60


def _chat_of(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class DurableUpdateQueue(asyncio.Queue):
    """The Application's update queue: an update is committed to the inbox before it is queued."""

    def __init__(self) -> None:
        super().__init__()
        #: the core's services, once open (no update is fetched before: polling starts after post_init)
        self.services: Services | None = None

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.services is not None:
            if not await self._commit(item):
                return  # delivered again: it is in the inbox already (handled, or about to be)
        await super().put(item)

    async def _commit(self, update: Update) -> bool:
        """Commit the update, retrying while the database cannot take it (locked by another writer, the disk
        full): until it is committed, polling does not confirm it to Telegram (a webhook does not answer 200),
        so Telegram keeps it. Never raises: an error here would end PTB's polling loop."""
        payload = json.dumps(update.to_dict(), ensure_ascii=False)
        assert self.services is not None
        delay = 0.5
        while True:
            try:
                return await self.services.inbox.accept(update.update_id, _chat_of(update), payload)
            except Exception as e:  # sqlite3.OperationalError (locked), "database or disk is full", I/O errors
                log.warning("update %s not committed to the inbox (%s): retrying in %.1f s", update.update_id,
                            type(e).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def requeue(self, item: Any) -> None:
        """Queue an update that is in the inbox already (recovery after a restart)."""
        super().put_nowait(item)


class ChatOrderedProcessor(BaseUpdateProcessor):
    """One chat's updates one by one, in order; different chats side by side."""

    def __init__(self, max_concurrent_updates: int):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._waiting: dict[int | None, int] = {}
        #: the core's services, once open: updates are marked done in the inbox
        self.services: Services | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = _chat_of(update)
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._waiting[chat] = self._waiting.get(chat, 0) + 1
        try:
            async with lock:  # asyncio locks are fair: waiters get it in the order they asked
                try:
                    await coroutine
                finally:
                    if isinstance(update, Update) and self.services is not None:
                        await self.services.inbox.done(update.update_id)
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:  # nobody else of this chat is waiting: forget its lock
                del self._waiting[chat]
                self._locks.pop(chat, None)

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
