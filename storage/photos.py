"""Photo readings waiting for confirmation (table ``ocr_pending``, migration 5).

A reading is stored as JSON (the report as read and corrected so far) and returned as a
:class:`bot.core.records.PendingReading`.
"""

from __future__ import annotations

import json

import aiosqlite

from bot.core.model import HouseholdReport, MemberReport
from bot.core.records import PendingReading
from storage.db import Database


def reading_json(report: MemberReport, kind: str, form_id: str | None = None) -> str:
    """How a reading is kept: the report with every household's row, uncertain fields and confidences."""
    return json.dumps(
        {
            "member": report.member,
            "kind": kind,
            "form_id": form_id,
            "households": [
                {"household": h.household, "values": h.values, "row": h.row, "uncertain": list(h.uncertain),
                 "confidence": h.confidence}
                for h in report.households
            ],
            "unmatched": list(report.unmatched),
            "columns": list(report.columns),
        },
        ensure_ascii=False,
    )


def _reading(r: aiosqlite.Row) -> PendingReading:
    d = json.loads(r["result"])
    rep = MemberReport(member=d["member"])
    for h in d["households"]:
        rep.households.append(HouseholdReport(h["household"], dict(h["values"]), h.get("row"),
                                              list(h.get("uncertain", [])), dict(h.get("confidence", {}))))
    rep.unmatched = list(d.get("unmatched", []))
    rep.columns = [str(k) for k in d.get("columns", [])]
    return PendingReading(
        int(r["id"]), str(r["nonce"]), str(r["chat_id"]), str(r["message_id"]), str(r["sender_user_id"]),
        int(r["member_id"]), int(r["grid_id"]), str(r["day"]), str(r["photo_file_id"]),
        d.get("kind") or r["kind"] or "table", d.get("form_id"), rep, str(r["status"]), int(r["attempts"]),
        str(r["created_at"]), r["reply_message_id"],
    )


class PhotoRepo:
    def __init__(self, db: Database):
        self.db = db

    async def create(
        self, *, nonce: str, chat_id: str, message_id: str, sender_user_id: str, member_id: int, grid_id: int,
        day: str, photo_file_id: str, kind: str, report: MemberReport, form_id: str | None, now: str,
    ) -> int | None:
        """A new pending reading; None when this photo message has one already (a redelivered update)."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "INSERT OR IGNORE INTO ocr_pending (nonce, chat_id, message_id, sender_user_id, member_id, grid_id, "
                "day, photo_file_id, kind, result, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (nonce, chat_id, message_id, sender_user_id, member_id, grid_id, day, photo_file_id, kind,
                 reading_json(report, kind, form_id), now, now),
            )
            if cur.rowcount == 0:
                return None
            return int(cur.lastrowid or 0)

    async def exists(self, chat_id: str, message_id: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM ocr_pending WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return row is not None

    async def get(self, pending_id: int) -> PendingReading | None:
        row = await self.db.fetchone("SELECT * FROM ocr_pending WHERE id = ?", (pending_id,))
        return _reading(row) if row is not None else None

    async def by_reply(self, chat_id: str, reply_message_id: str) -> PendingReading | None:
        row = await self.db.fetchone(
            "SELECT * FROM ocr_pending WHERE chat_id = ? AND reply_message_id = ?", (chat_id, reply_message_id)
        )
        return _reading(row) if row is not None else None

    async def latest_open(self, chat_id: str, sender_user_id: str) -> PendingReading | None:
        row = await self.db.fetchone(
            "SELECT * FROM ocr_pending WHERE chat_id = ? AND sender_user_id = ? AND status = 'pending' "
            "ORDER BY id DESC LIMIT 1",
            (chat_id, sender_user_id),
        )
        return _reading(row) if row is not None else None

    async def set_reply(self, pending_id: int, reply_message_id: str) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE ocr_pending SET reply_message_id = ? WHERE id = ?", (reply_message_id, pending_id))

    async def update_result(self, reading: PendingReading, now: str, attempts: int | None = None) -> bool:
        """Keep a still pending reading's report as it is now (a correction, a second reading)."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "UPDATE ocr_pending SET result = ?, kind = ?, updated_at = ?, attempts = COALESCE(?, attempts) "
                "WHERE id = ? AND status = 'pending'",
                (reading_json(reading.report, reading.kind, reading.form_id), reading.kind, now, attempts,
                 reading.id),
            )
            return cur.rowcount > 0

    async def decide(self, pending_id: int, status: str, by: str, now: str) -> bool:
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

    async def open_for(self, grid_id: int, day: str) -> list[PendingReading]:
        rows = await self.db.fetchall(
            "SELECT * FROM ocr_pending WHERE grid_id = ? AND day = ? AND status = 'pending' ORDER BY id",
            (grid_id, day),
        )
        return [_reading(r) for r in rows]

    async def mark_reoffered(self, pending_id: int, now: str, reply_message_id: str | None) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "UPDATE ocr_pending SET reoffered_at = ?, reply_message_id = COALESCE(?, reply_message_id) "
                "WHERE id = ?",
                (now, reply_message_id, pending_id),
            )
