"""Queries for deadlines and reminders: per-grid schedules, pauses, leaves, the sent-nag log, private chats.

The sent-nag log (``nags_sent``) is what makes a nag go out at most once: a nag is *claimed* with
``INSERT OR IGNORE`` on (grid, day, kind) before it is sent, so a second dispatcher, a repeated job or a
restart finds the row and sends nothing.

Every method returns the plain records of :mod:`bot.core.reminders`, never a row. A grid's override is stored
as its four columns: ``"HH:MM"`` (ISO), ``"off"``, a comma list for the reminders, or NULL for "default".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time
from typing import Any

import aiosqlite

from bot.core.records import Grid
from bot.core.reminders import OFF, BoundGrid, Claim, Leave, MemberProgress, Override, Pause, SentNag
from storage.db import Database


def override_to_row(ov: Override) -> dict[str, str | None]:
    """Storage form: "HH:MM", "off", a JSON-free comma list for reminders, or None for "default"."""

    def one(v: time | str | None) -> str | None:
        if v is None:
            return None
        return OFF if v == OFF else _hhmm(v)  # type: ignore[arg-type]

    return {
        "open_at": one(ov.open),
        "reminders": None if ov.reminders is None else ",".join(_hhmm(t) for t in ov.reminders),
        "deadline": one(ov.deadline),
        "escalate_at": one(ov.escalate),
    }


def override_from_row(row: Mapping[str, Any]) -> Override:
    """The stored form read back (see :func:`override_to_row`)."""

    def one(v: str | None) -> time | str | None:
        if v is None:
            return None
        return OFF if v == OFF else time.fromisoformat(v)

    rem = row["reminders"]
    return Override(
        open=one(row["open_at"]),
        reminders=None if rem is None else tuple(time.fromisoformat(x) for x in rem.split(",") if x),
        deadline=one(row["deadline"]),  # type: ignore[arg-type]
        escalate=one(row["escalate_at"]),
    )


def _hhmm(t: time) -> str:
    return t.isoformat(timespec="minutes")


def _pause(r: aiosqlite.Row) -> Pause:
    return Pause(date.fromisoformat(r["until_day"]) if r["until_day"] else None, r["reason"])


class ReminderRepo:
    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------------ grids and bindings
    async def bound_grids(self) -> list[BoundGrid]:
        """Active grids with at least one active group binding, with their leader's ids."""
        rows = await self.db.fetchall(
            "SELECT g.id, g.town, g.village, g.name, g.leader_name, g.leader_account, g.leader_user_id, "
            "json_group_array(b.chat_id) AS chat_ids FROM grids g JOIN bindings b ON b.grid_id = g.id "
            "WHERE g.active = 1 AND b.active = 1 GROUP BY g.id ORDER BY g.id"
        )
        return [BoundGrid(Grid(int(r["id"]), r["town"], r["village"], r["name"], r["leader_name"],
                               r["leader_account"], r["leader_user_id"]),
                          tuple(str(c) for c in json.loads(r["chat_ids"]))) for r in rows]

    async def member_progress(self, grid_ids: Iterable[int], day: str) -> list[MemberProgress]:
        """Per active member of the grids: active households (total) and how many have a report on ``day``."""
        rows = await self.db.fetchall(
            "SELECT m.id AS member_id, m.grid_id, m.name, m.user_id, m.username, "
            "COUNT(h.id) AS total, COUNT(r.id) AS done FROM members m "
            "JOIN households h ON h.member_id = m.id AND h.active = 1 "
            "LEFT JOIN reports r ON r.household_id = h.id AND r.day = ? "
            "WHERE m.active = 1 AND m.grid_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY m.id ORDER BY m.grid_id, m.id",
            (day, json.dumps(list(grid_ids))),
        )
        return [MemberProgress(int(r["member_id"]), int(r["grid_id"]), r["name"], int(r["total"]), int(r["done"]),
                               r["user_id"], r["username"]) for r in rows]

    # ------------------------------------------------------------------ schedules
    async def overrides(self) -> dict[int, Override]:
        """Grid id → its stored overrides, for every grid that has some."""
        rows = await self.db.fetchall("SELECT * FROM grid_schedules ORDER BY grid_id")
        return {int(r["grid_id"]): override_from_row(r) for r in rows}

    async def override(self, grid_id: int) -> Override | None:
        """The grid's stored overrides; None when it has none (it runs on the defaults)."""
        r = await self.db.fetchone("SELECT * FROM grid_schedules WHERE grid_id = ?", (grid_id,))
        return None if r is None else override_from_row(r)

    async def set_override(self, grid_id: int, ov: Override, by: str, now: str) -> None:
        row = override_to_row(ov)
        async with self.db.transaction() as c:
            await c.execute(
                "INSERT INTO grid_schedules (grid_id, open_at, reminders, deadline, escalate_at, updated_by, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grid_id) DO UPDATE SET "
                "open_at = excluded.open_at, reminders = excluded.reminders, deadline = excluded.deadline, "
                "escalate_at = excluded.escalate_at, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                (grid_id, row["open_at"], row["reminders"], row["deadline"], row["escalate_at"], by, now),
            )

    async def clear_override(self, grid_id: int) -> None:
        async with self.db.transaction() as c:
            await c.execute("DELETE FROM grid_schedules WHERE grid_id = ?", (grid_id,))

    # ------------------------------------------------------------------ pauses
    async def pauses(self) -> dict[int, Pause]:
        """Grid id → its pause, for every paused grid."""
        rows = await self.db.fetchall("SELECT * FROM grid_pauses ORDER BY grid_id")
        return {int(r["grid_id"]): _pause(r) for r in rows}

    async def pause(self, grid_id: int, until_day: str | None, reason: str, by: str, now: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "INSERT INTO grid_pauses (grid_id, until_day, reason, paused_by, paused_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (grid_id) DO UPDATE SET until_day = excluded.until_day, reason = excluded.reason, "
                "paused_by = excluded.paused_by, paused_at = excluded.paused_at",
                (grid_id, until_day, reason, by, now),
            )

    async def resume(self, grid_id: int) -> bool:
        async with self.db.transaction() as c:
            cur = await c.execute("DELETE FROM grid_pauses WHERE grid_id = ?", (grid_id,))
            return cur.rowcount > 0

    # ------------------------------------------------------------------ leaves
    async def add_leave(self, member_id: int, start: str, end: str, by: str, now: str) -> int:
        async with self.db.transaction() as c:
            cur = await c.execute(
                "INSERT INTO member_leaves (member_id, start_day, end_day, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (member_id, start, end, by, now),
            )
            return int(cur.lastrowid or 0)

    async def cancel_leaves(self, member_id: int, from_day: str) -> int:
        """Cancel the member's leaves that have not ended before ``from_day``."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "UPDATE member_leaves SET cancelled = 1 WHERE member_id = ? AND cancelled = 0 AND end_day >= ?",
                (member_id, from_day),
            )
            return cur.rowcount

    async def on_leave(self, day: str) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT member_id FROM member_leaves WHERE cancelled = 0 AND start_day <= ? AND end_day >= ?",
            (day, day),
        )
        return {int(r[0]) for r in rows}

    async def leaves_in_grids(self, grid_ids: Iterable[int], from_day: str) -> list[Leave]:
        """The leaves of the grids' members that have not ended before ``from_day``, by start."""
        rows = await self.db.fetchall(
            "SELECT l.*, m.name FROM member_leaves l JOIN members m ON m.id = l.member_id "
            "WHERE l.cancelled = 0 AND l.end_day >= ? AND m.grid_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY l.start_day, m.id",
            (from_day, json.dumps(list(grid_ids))),
        )
        return [Leave(int(r["id"]), int(r["member_id"]), r["name"], date.fromisoformat(r["start_day"]),
                      date.fromisoformat(r["end_day"])) for r in rows]

    # ------------------------------------------------------------------ the sent-nag log
    async def claimed_kinds(self, days: Sequence[str]) -> dict[tuple[int, str], set[str]]:
        """(grid id, day) → the kinds already claimed (sent, being sent, or skipped) on those days."""
        rows = await self.db.fetchall(
            "SELECT grid_id, day, kind FROM nags_sent WHERE day IN (SELECT value FROM json_each(?))",
            (json.dumps(list(days)),),
        )
        out: dict[tuple[int, str], set[str]] = {}
        for r in rows:
            out.setdefault((int(r["grid_id"]), r["day"]), set()).add(r["kind"])
        return out

    async def claim(self, claims: Sequence[Claim], now: str) -> list[Claim]:
        """Record the nags before they are sent; returns those this call recorded (the others were claimed
        already, by an earlier run or a concurrent one)."""
        won = []
        async with self.db.transaction() as c:
            for cl in claims:
                cur = await c.execute(
                    "INSERT OR IGNORE INTO nags_sent (grid_id, day, kind, slot_at, status, claimed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (cl.grid_id, cl.day, cl.kind, cl.slot_at, cl.status, now),
                )
                if cur.rowcount:
                    won.append(cl)
        return won

    async def finish(
        self, grid_id: int, day: str, kind: str, status: str, chat_ids: Sequence[str], named: int, now: str
    ) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "UPDATE nags_sent SET status = ?, chat_ids = ?, named = ?, finished_at = ? "
                "WHERE grid_id = ? AND day = ? AND kind = ?",
                (status, json.dumps(list(chat_ids)), named, now, grid_id, day, kind),
            )

    async def release(self, grid_id: int, day: str, kind: str) -> bool:
        """Forget a claim that was never sent (the Bot API was unreachable), so that a later dispatch within
        the grace period claims and sends it again. Returns whether a claim was released."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "DELETE FROM nags_sent WHERE grid_id = ? AND day = ? AND kind = ? AND status = 'claimed'",
                (grid_id, day, kind),
            )
            return cur.rowcount > 0

    async def release_unfinished(self) -> int:
        """On start: forget the claims a previous run made but never finished (it was killed between claiming
        and sending), so that the start-up catch-up sends them if they are still within the grace period."""
        async with self.db.transaction() as c:
            cur = await c.execute("DELETE FROM nags_sent WHERE status = 'claimed' AND finished_at IS NULL")
            return cur.rowcount

    async def record_named(self, grid_id: int, day: str, kind: str, named: Iterable[tuple[int, int]]) -> None:
        """``named``: (member id, households missing) of each member the nag names."""
        async with self.db.transaction() as c:
            await c.executemany(
                "INSERT OR IGNORE INTO nag_named (grid_id, day, kind, member_id, missing) VALUES (?, ?, ?, ?, ?)",
                [(grid_id, day, kind, mid, n) for mid, n in named],
            )

    async def sent_nag(self, grid_id: int, day: str, kind: str) -> SentNag | None:
        r = await self.db.fetchone(
            "SELECT * FROM nags_sent WHERE grid_id = ? AND day = ? AND kind = ?", (grid_id, day, kind)
        )
        if r is None:
            return None
        return SentNag(int(r["grid_id"]), r["day"], r["kind"], r["slot_at"], r["status"], r["claimed_at"],
                       r["finished_at"], tuple(str(c) for c in json.loads(r["chat_ids"])), int(r["named"]))

    async def named_members(self, grid_ids: Iterable[int], day: str) -> dict[tuple[int, int], set[str]]:
        """(grid id, member id) → the kinds that named the member on ``day``, for the grids' named members."""
        rows = await self.db.fetchall(
            "SELECT grid_id, member_id, group_concat(kind) AS kinds FROM nag_named WHERE day = ? "
            "AND grid_id IN (SELECT value FROM json_each(?)) GROUP BY grid_id, member_id",
            (day, json.dumps(list(grid_ids))),
        )
        return {(int(r["grid_id"]), int(r["member_id"])): set(r["kinds"].split(",")) for r in rows}

    async def claim_followup(self, grid_id: int, day: str, member_id: int, kind: str, now: str) -> bool:
        async with self.db.transaction() as c:
            cur = await c.execute(
                "INSERT OR IGNORE INTO nag_followups (grid_id, day, member_id, kind, sent_at) VALUES (?, ?, ?, ?, ?)",
                (grid_id, day, member_id, kind, now),
            )
            return cur.rowcount > 0

    # ------------------------------------------------------------------ private chats
    async def private_seen(self, user_id: str, now: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "INSERT INTO private_chats (user_id, active, first_seen, last_seen) VALUES (?, 1, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET active = 1, last_seen = excluded.last_seen",
                (user_id, now, now),
            )

    async def private_blocked(self, user_id: str) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE private_chats SET active = 0 WHERE user_id = ?", (user_id,))

    async def private_active(self, user_ids: Iterable[str]) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM private_chats WHERE active = 1 AND user_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(user_ids)),),
        )
        return {str(r[0]) for r in rows}
