"""The durable inbox, free of any chat platform.

A chat adapter commits every update here (:meth:`InboxService.accept_many`) before it tells the platform the update
arrived: with Telegram's polling before the next ``getUpdates`` offset confirms it, with a webhook before the
200. The update is then handled; it is *done* once its effects are committed. A report's save marks it in the
same transaction as the report (``storage/reports.py``); any other update is marked when its handler returns
(:meth:`done`). On start, the updates that are not done are handled again, in the order they arrived
(:meth:`open_updates`); an update the platform delivers again is dropped by its id (``InboxUpdate.update_id``, platform-qualified:
``tg:<update_id>``, ``feishu:<event_id>``).

A reply committed with a report waits in the outbox until it is sent (:meth:`unsent_replies` after a
restart). It is sent twice only when the process dies between the send and its record.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from bot.config.settings import Config
from bot.core.chat import Outgoing
from bot.core.dates import ReportClock, iso
from bot.core.records import InboxUpdate
from storage.inbox import InboxRepo

log = logging.getLogger(__name__)


class InboxService:
    def __init__(self, config: Config, repo: InboxRepo, clock: ReportClock):
        self.config = config
        self.repo = repo
        self.clock = clock

    async def accept_many(self, updates: list[InboxUpdate]) -> set[str]:
        """Commit a batch (one ``getUpdates`` answer) in one transaction. Returns the ids seen for the first
        time; the others were delivered before (drop them)."""
        fresh = await self.repo.accept_many(updates, self.clock.now().isoformat(timespec="milliseconds"))
        if len(fresh) < len(updates):
            log.info("%d update(s) delivered again: dropped", len(updates) - len(fresh))
        return fresh

    async def open_updates(self) -> list[InboxUpdate]:
        """What a previous run accepted and did not finish, oldest first."""
        return await self.repo.open_updates()

    async def done(self, update_id: str) -> None:
        await self.repo.done(update_id, iso(self.clock.now()))

    async def unsent_replies(self, *, failed_only: bool = False) -> list[Outgoing]:
        """Replies committed with their reports and not sent: on start, those a previous run did not get to
        send; while running (``failed_only``), those whose send failed (the Bot API was down)."""
        return [Outgoing(q.chat_id, q.reply, q.reply_to, functools.partial(self.reply_sent, q.id),
                         functools.partial(self.reply_failed, q.id))
                for q in await self.repo.unsent_replies(failed_only=failed_only)]

    async def reply_failed(self, reply_id: int) -> None:
        """The send of a committed reply failed: the resend job tries it again."""
        await self.repo.reply_failed(reply_id, iso(self.clock.now()))

    async def reply_sent(self, reply_id: int, message_id: str | None) -> None:
        await self.repo.reply_sent(reply_id, message_id, iso(self.clock.now()))

    async def purge(self) -> dict[str, int]:
        """Forget handled updates and sent replies older than ``inbox.keep_hours``."""
        before = iso(self.clock.now() - timedelta(hours=self.config.inbox.keep_hours))
        counts = await self.repo.purge(before)
        if any(counts.values()):
            log.info("inbox purged: %s", counts)
        return counts
