"""The durable inbox and the replies waiting to be sent (tables ``inbox`` and ``outbox``, migration 6).

Every update is committed here before Telegram is told it arrived. An update is *done* once its effects are
committed: a report's save marks it in its own transaction (``storage/reports.py``), anything else is marked
after its handler ran. On start, what is not done is handled again, in order. A reply committed with a
report is in ``outbox`` until it is sent.
"""

from __future__ import annotations

from bot.core.chat import Reply
from bot.core.records import InboxUpdate, QueuedReply
from storage.db import Database


class InboxRepo:
    def __init__(self, db: Database):
        self.db = db

    async def accept_many(self, updates: list[InboxUpdate], now: str) -> set[str]:
        """Commit a batch of updates in one transaction, in arrival order (``seq``); returns the ids that were
        new (an update id is its platform-qualified ``update_key``)."""
        fresh: set[str] = set()
        async with self.db.transaction() as c:
            for u in updates:
                cur = await c.execute(
                    "INSERT OR IGNORE INTO inbox (update_key, chat_id, payload, received_at) VALUES (?, ?, ?, ?)",
                    (u.update_id, u.chat_id, u.payload, now),
                )
                if cur.rowcount > 0:
                    fresh.add(u.update_id)
        return fresh

    async def open_updates(self) -> list[InboxUpdate]:
        """The updates not done yet, in the order they arrived."""
        rows = await self.db.fetchall(
            "SELECT update_key, chat_id, payload FROM inbox WHERE done_at IS NULL ORDER BY seq")
        return [InboxUpdate(str(r[0]), r[1], r[2]) for r in rows]

    async def done(self, update_id: str, now: str) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE inbox SET done_at = ? WHERE update_key = ? AND done_at IS NULL",
                            (now, update_id))

    async def unsent_replies(self, *, failed_only: bool = False) -> list[QueuedReply]:
        """Committed replies not sent yet (``failed_only``: only those whose send failed)."""
        rows = await self.db.fetchall(
            "SELECT id, chat_id, reply_to, text FROM outbox WHERE sent_at IS NULL "
            "AND (? = 0 OR failed_at IS NOT NULL) ORDER BY id", (int(failed_only),))
        return [QueuedReply(int(r[0]), str(r[1]), r[2], Reply(r[3])) for r in rows]

    async def reply_failed(self, reply_id: int, now: str) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE outbox SET failed_at = ? WHERE id = ? AND sent_at IS NULL", (now, reply_id))

    async def reply_sent(self, reply_id: int, message_id: str | None, now: str) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE outbox SET sent_at = ?, sent_message_id = ? WHERE id = ? AND sent_at IS NULL",
                            (now, message_id, reply_id))

    async def purge(self, before: str) -> dict[str, int]:
        """Forget done updates received, and replies sent, before ``before`` (the message texts in them are
        personal data). Returns the rows deleted per table."""
        async with self.db.transaction() as c:
            a = await c.execute("DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ?", (before,))
            b = await c.execute("DELETE FROM outbox WHERE sent_at IS NOT NULL AND created_at < ?", (before,))
            return {"inbox": a.rowcount, "outbox": b.rowcount}
