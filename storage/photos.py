"""Photo readings waiting for confirmation (table ``ocr_pending``, migration 5)."""

from __future__ import annotations

import aiosqlite

from storage.db import Database


class PhotoRepo:
    def __init__(self, db: Database):
        self.db = db

    async def create(
        self, *, nonce: str, chat_id: int, message_id: int, sender_user_id: int, member_id: int, grid_id: int,
        day: str, photo_file_id: str, kind: str, result: str, now: str,
    ) -> int | None:
        """A new pending reading; None when this photo message has one already (a redelivered update)."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "INSERT OR IGNORE INTO ocr_pending (nonce, chat_id, message_id, sender_user_id, member_id, grid_id, "
                "day, photo_file_id, kind, result, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (nonce, chat_id, message_id, sender_user_id, member_id, grid_id, day, photo_file_id, kind, result,
                 now, now),
            )
            if cur.rowcount == 0:
                return None
            return int(cur.lastrowid or 0)

    async def exists(self, chat_id: int, message_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM ocr_pending WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return row is not None

    async def get(self, pending_id: int) -> aiosqlite.Row | None:
        return await self.db.fetchone("SELECT * FROM ocr_pending WHERE id = ?", (pending_id,))

    async def by_reply(self, chat_id: int, reply_message_id: int) -> aiosqlite.Row | None:
        return await self.db.fetchone(
            "SELECT * FROM ocr_pending WHERE chat_id = ? AND reply_message_id = ?", (chat_id, reply_message_id)
        )

    async def latest_open(self, chat_id: int, sender_user_id: int) -> aiosqlite.Row | None:
        return await self.db.fetchone(
            "SELECT * FROM ocr_pending WHERE chat_id = ? AND sender_user_id = ? AND status = 'pending' "
            "ORDER BY id DESC LIMIT 1",
            (chat_id, sender_user_id),
        )

    async def set_reply(self, pending_id: int, reply_message_id: int) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE ocr_pending SET reply_message_id = ? WHERE id = ?", (reply_message_id, pending_id))

    async def update_result(self, pending_id: int, result: str, now: str, attempts: int | None = None) -> bool:
        """Replace the reading of a still pending record (a correction, a second reading)."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "UPDATE ocr_pending SET result = ?, updated_at = ?, attempts = COALESCE(?, attempts) "
                "WHERE id = ? AND status = 'pending'",
                (result, now, attempts, pending_id),
            )
            return cur.rowcount > 0

    async def decide(self, pending_id: int, status: str, by: int, now: str) -> bool:
        """Close a pending record (confirmed / cancelled); False when it was not pending any more."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "UPDATE ocr_pending SET status = ?, decided_by = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
                (status, by, now, pending_id),
            )
            return cur.rowcount > 0

    async def reopen(self, pending_id: int, now: str) -> None:
        """Undo :meth:`decide` when storing the confirmed report failed."""
        async with self.db.transaction() as c:
            await c.execute(
                "UPDATE ocr_pending SET status = 'pending', decided_by = NULL, updated_at = ? WHERE id = ?",
                (now, pending_id),
            )

    async def open_for(self, grid_id: int, day: str) -> list[aiosqlite.Row]:
        return await self.db.fetchall(
            "SELECT * FROM ocr_pending WHERE grid_id = ? AND day = ? AND status = 'pending' ORDER BY id",
            (grid_id, day),
        )

    async def mark_reoffered(self, pending_id: int, now: str, reply_message_id: int | None) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "UPDATE ocr_pending SET reoffered_at = ?, reply_message_id = COALESCE(?, reply_message_id) "
                "WHERE id = ?",
                (now, reply_message_id, pending_id),
            )
