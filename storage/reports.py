"""Queries. Every statement is parameterised; nothing here formats values into SQL.

The repository speaks in plain values and ``aiosqlite.Row``s; the domain layer (``bot/``) turns them into its
own types. Writes that must apply together take a :meth:`Database.transaction`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from storage.db import Database


@dataclass
class ImportStats:
    added: int = 0
    updated: int = 0
    moved: int = 0
    deactivated: int = 0
    unchanged: int = 0
    grids: int = 0
    members: int = 0


@dataclass
class HouseholdWrite:
    household_id: int
    data: dict[str, Any]
    anomaly: bool = False


@dataclass
class MemberReportWrite:
    member_id: int
    covers_all: bool
    same_as_yesterday: bool
    totals_households: int | None
    totals_people: int | None
    unmatched: list[str]
    households: list[HouseholdWrite] = field(default_factory=list)
    chain_hash: str | None = None
    via: str = "text"
    photo_file_id: str | None = None


class ReportRepo:
    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------------ roster
    async def import_roster(self, rows: Sequence[dict[str, Any]], source: str, now: str) -> ImportStats:
        """Apply a whole roster in one transaction: upsert grids, members and households in place.

        Households are identified by (town, village, name, address), so one that moved to another member keeps
        its id and with it its report history. Grids, members and households missing from the file are marked
        inactive, never deleted.
        """
        st = ImportStats()
        async with self.db.transaction() as c:
            grid_ids: dict[tuple[str, str, str], int] = {}
            member_ids: dict[tuple[int, str], int] = {}
            seen_households: set[int] = set()
            position: dict[int, int] = {}
            for r in rows:
                gkey = (r["town"], r["village"], r["grid"])
                gid = grid_ids.get(gkey)
                if gid is None:
                    gid = await self._upsert_grid(c, *gkey)
                    grid_ids[gkey] = gid
                if r.get("leader"):
                    await c.execute(
                        "UPDATE grids SET leader_name = ?, leader_account = COALESCE(?, leader_account) WHERE id = ?",
                        (r["leader"], r.get("leader_account"), gid),
                    )
                    la = r.get("leader_account")
                    if la and la.lstrip("-").isdigit():
                        await c.execute("UPDATE grids SET leader_user_id = ? WHERE id = ?", (int(la), gid))
                mkey = (gid, r["member"])
                mid = member_ids.get(mkey)
                if mid is None:
                    mid = await self._upsert_member(c, gid, r["member"], r.get("account"))
                    member_ids[mkey] = mid
                elif r.get("account"):
                    await self._set_account(c, mid, r["account"])
                position[mid] = position.get(mid, 0) + 1
                async with c.execute(
                    "SELECT id, member_id, people, position, active FROM households "
                    "WHERE town = ? AND village = ? AND name = ? AND address = ?",
                    (r["town"], r["village"], r["household"], r["address"]),
                ) as cur:
                    h = await cur.fetchone()
                if h is None:
                    cur2 = await c.execute(
                        "INSERT INTO households (town, village, name, address, member_id, people, position) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (r["town"], r["village"], r["household"], r["address"], mid, r["people"], position[mid]),
                    )
                    seen_households.add(int(cur2.lastrowid or 0))
                    st.added += 1
                    continue
                seen_households.add(h["id"])
                if h["member_id"] != mid:
                    st.moved += 1
                elif (h["people"], h["position"], h["active"]) != (r["people"], position[mid], 1):
                    st.updated += 1
                else:
                    st.unchanged += 1
                await c.execute(
                    "UPDATE households SET member_id = ?, people = ?, position = ?, active = 1 WHERE id = ?",
                    (mid, r["people"], position[mid], h["id"]),
                )
            # deactivate what the ledger no longer lists
            async with c.execute("SELECT id FROM households WHERE active = 1") as cur:
                active = [row[0] for row in await cur.fetchall()]
            gone = [hid for hid in active if hid not in seen_households]
            for hid in gone:
                await c.execute("UPDATE households SET active = 0 WHERE id = ?", (hid,))
            st.deactivated = len(gone)
            await c.execute("UPDATE members SET active = 0")
            await c.executemany("UPDATE members SET active = 1 WHERE id = ?", [(m,) for m in member_ids.values()])
            await c.execute("UPDATE grids SET active = 0")
            await c.executemany("UPDATE grids SET active = 1 WHERE id = ?", [(g,) for g in grid_ids.values()])
            st.grids, st.members = len(grid_ids), len(member_ids)
            await c.execute(
                "INSERT INTO roster_imports (imported_at, source, added, updated, moved, deactivated) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (now, source, st.added, st.updated, st.moved, st.deactivated),
            )
        return st

    async def _upsert_grid(self, c: aiosqlite.Connection, town: str, village: str, name: str) -> int:
        async with c.execute(
            "SELECT id FROM grids WHERE town = ? AND village = ? AND name = ?", (town, village, name)
        ) as cur:
            row = await cur.fetchone()
        if row:
            return int(row[0])
        cur2 = await c.execute("INSERT INTO grids (town, village, name) VALUES (?, ?, ?)", (town, village, name))
        return int(cur2.lastrowid or 0)

    async def _upsert_member(self, c: aiosqlite.Connection, grid_id: int, name: str, account: str | None) -> int:
        async with c.execute("SELECT id FROM members WHERE grid_id = ? AND name = ?", (grid_id, name)) as cur:
            row = await cur.fetchone()
        if row:
            mid = int(row[0])
        else:
            cur2 = await c.execute("INSERT INTO members (grid_id, name) VALUES (?, ?)", (grid_id, name))
            mid = int(cur2.lastrowid or 0)
        if account:
            await self._set_account(c, mid, account)
        return mid

    async def _set_account(self, c: aiosqlite.Connection, member_id: int, account: str) -> None:
        if account.lstrip("-").isdigit():
            await c.execute(
                "UPDATE members SET account = ?, tg_user_id = ? WHERE id = ?", (account, int(account), member_id)
            )
        else:
            # a username: linked to a user id the first time that user speaks
            await c.execute(
                "UPDATE members SET account = ?, "
                "tg_user_id = CASE WHEN account = ? THEN tg_user_id ELSE NULL END WHERE id = ?",
                (account, account, member_id),
            )

    async def roster_rows(self, grid_ids: Iterable[int] | None = None) -> list[aiosqlite.Row]:
        """Active households joined with their member and grid, in roster order."""
        sql = (
            "SELECT g.id AS grid_id, g.town, g.village, g.name AS grid, m.id AS member_id, m.name AS member, "
            "m.account, m.tg_user_id, m.tg_username, h.id AS household_id, h.name AS household, h.address, "
            "h.people FROM households h JOIN members m ON m.id = h.member_id JOIN grids g ON g.id = m.grid_id "
            "WHERE h.active = 1 AND m.active = 1 AND g.active = 1"
        )
        params: list[Any] = []
        if grid_ids is not None:
            ids = list(grid_ids)
            sql += " AND g.id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(ids))
        sql += " ORDER BY g.town, g.village, g.id, m.id, h.position, h.id"
        return await self.db.fetchall(sql, tuple(params))

    async def grids(self, active_only: bool = True) -> list[aiosqlite.Row]:
        return await self.db.fetchall(
            "SELECT * FROM grids WHERE active >= ? ORDER BY town, village, name", (1 if active_only else 0,)
        )

    async def grid(self, grid_id: int) -> aiosqlite.Row | None:
        return await self.db.fetchone("SELECT * FROM grids WHERE id = ?", (grid_id,))

    async def find_grids(self, name: str) -> list[aiosqlite.Row]:
        """Grids whose name is ``name``; ``村/网格`` or ``镇/村/网格`` narrows by village and town."""
        parts = [p for p in name.replace("／", "/").split("/") if p]
        if not parts:
            return []
        rows = await self.db.fetchall("SELECT * FROM grids WHERE active = 1 AND name = ?", (parts[-1],))
        if len(parts) >= 2:
            rows = [r for r in rows if r["village"] == parts[-2]]
        if len(parts) >= 3:
            rows = [r for r in rows if r["town"] == parts[-3]]
        return rows

    async def member(self, member_id: int) -> aiosqlite.Row | None:
        return await self.db.fetchone(
            "SELECT m.*, g.name AS grid, g.village, g.town FROM members m JOIN grids g ON g.id = m.grid_id "
            "WHERE m.id = ?",
            (member_id,),
        )

    async def members_in_grids(self, grid_ids: Iterable[int], name: str | None = None) -> list[aiosqlite.Row]:
        sql = (
            "SELECT m.*, g.name AS grid, g.village, g.town FROM members m JOIN grids g ON g.id = m.grid_id "
            "WHERE m.active = 1 AND m.grid_id IN (SELECT value FROM json_each(?))"
        )
        params: list[Any] = [json.dumps(list(grid_ids))]
        if name is not None:
            sql += " AND m.name = ?"
            params.append(name)
        return await self.db.fetchall(sql + " ORDER BY m.id", tuple(params))

    async def members_for_user(self, user_id: int, username: str | None) -> list[aiosqlite.Row]:
        """Members linked to this Telegram user; links a roster @username on first sight."""
        if username:
            acct = "@" + username.lower()
            # the common case (already linked) needs no write transaction
            pending = await self.db.fetchone(
                "SELECT 1 WHERE EXISTS (SELECT 1 FROM members WHERE account = ? "
                "AND (tg_user_id IS NULL OR tg_user_id != ?)) OR EXISTS (SELECT 1 FROM grids "
                "WHERE leader_account = ? AND (leader_user_id IS NULL OR leader_user_id != ?))",
                (acct, user_id, acct, user_id),
            )
        if username and pending:
            async with self.db.transaction() as c:
                await c.execute(
                    "UPDATE members SET tg_user_id = ?, tg_username = ? "
                    "WHERE account = ? AND (tg_user_id IS NULL OR tg_user_id != ?)",
                    (user_id, username, acct, user_id),
                )
                await c.execute(
                    "UPDATE grids SET leader_user_id = ? WHERE leader_account = ? "
                    "AND (leader_user_id IS NULL OR leader_user_id != ?)",
                    (user_id, acct, user_id),
                )
        return await self.db.fetchall(
            "SELECT m.*, g.name AS grid, g.village, g.town FROM members m JOIN grids g ON g.id = m.grid_id "
            "WHERE m.tg_user_id = ? AND m.active = 1 ORDER BY m.id",
            (user_id,),
        )

    async def link_member(self, member_id: int, user_id: int, username: str | None) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "UPDATE members SET tg_user_id = ?, tg_username = ? WHERE id = ?", (user_id, username, member_id)
            )

    async def leader_grid_ids(self, user_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM grids WHERE active = 1 AND (leader_user_id = ? OR leader_account = ?)",
            (user_id, str(user_id)),
        )
        return [int(r[0]) for r in rows]

    # ------------------------------------------------------------------ groups
    async def bind(self, chat_id: int, grid_id: int, user_id: int, now: str) -> bool:
        """Bind a group to a grid. Returns False when it was already bound."""
        async with self.db.transaction() as c:
            async with c.execute(
                "SELECT active FROM bindings WHERE chat_id = ? AND grid_id = ?", (chat_id, grid_id)
            ) as cur:
                row = await cur.fetchone()
            if row and row[0]:
                return False
            await c.execute(
                "INSERT INTO bindings (chat_id, grid_id, active, bound_by, bound_at) VALUES (?, ?, 1, ?, ?) "
                "ON CONFLICT (chat_id, grid_id) DO UPDATE SET active = 1, bound_by = excluded.bound_by, "
                "bound_at = excluded.bound_at",
                (chat_id, grid_id, user_id, now),
            )
        return True

    async def bound_grid_ids(self, chat_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT grid_id FROM bindings WHERE chat_id = ? AND active = 1 ORDER BY grid_id", (chat_id,)
        )
        return [int(r[0]) for r in rows]

    async def chats_for_grid(self, grid_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT chat_id FROM bindings WHERE grid_id = ? AND active = 1 ORDER BY chat_id", (grid_id,)
        )
        return [int(r[0]) for r in rows]

    async def deactivate_chat(self, chat_id: int) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE bindings SET active = 0 WHERE chat_id = ?", (chat_id,))

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "INSERT OR IGNORE INTO bindings (chat_id, grid_id, active, bound_by, bound_at) "
                "SELECT ?, grid_id, active, bound_by, bound_at FROM bindings WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            await c.execute("UPDATE bindings SET active = 0 WHERE chat_id = ?", (old_chat_id,))

    # ------------------------------------------------------------------ links
    async def create_link_request(
        self, chat_id: int, user_id: int, username: str | None, member_id: int, now: str, display_name: str = ""
    ) -> int:
        async with self.db.transaction() as c:
            await c.execute(
                "UPDATE link_requests SET status = 'superseded' WHERE user_id = ? AND status = 'pending'",
                (user_id,),
            )
            cur = await c.execute(
                "INSERT INTO link_requests (chat_id, user_id, username, display_name, member_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (chat_id, user_id, username, display_name, member_id, now),
            )
            return int(cur.lastrowid or 0)

    async def link_request(self, request_id: int) -> aiosqlite.Row | None:
        return await self.db.fetchone("SELECT * FROM link_requests WHERE id = ?", (request_id,))

    async def decide_link_request(self, request_id: int, status: str, by: int, now: str) -> bool:
        """Approve or reject a pending request; False if it was no longer pending. Approval links the member."""
        async with self.db.transaction() as c:
            async with c.execute(
                "SELECT * FROM link_requests WHERE id = ? AND status = 'pending'", (request_id,)
            ) as cur:
                req = await cur.fetchone()
            if req is None:
                return False
            await c.execute(
                "UPDATE link_requests SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                (status, by, now, request_id),
            )
            if status == "approved":
                await c.execute(
                    "UPDATE members SET tg_user_id = ?, tg_username = ? WHERE id = ?",
                    (req["user_id"], req["username"], req["member_id"]),
                )
        return True

    # ------------------------------------------------------------------ hints
    async def should_hint(self, user_id: int, chat_id: int, kind: str, now: str, since: str) -> bool:
        """Record a hint and say whether to send it (not if one went out after ``since``)."""
        async with self.db.transaction() as c:
            async with c.execute(
                "SELECT sent_at FROM hints WHERE user_id = ? AND chat_id = ? AND kind = ?", (user_id, chat_id, kind)
            ) as cur:
                row = await cur.fetchone()
            if row and row[0] > since:
                return False
            await c.execute(
                "INSERT INTO hints (user_id, chat_id, kind, sent_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id, chat_id, kind) DO UPDATE SET sent_at = excluded.sent_at",
                (user_id, chat_id, kind, now),
            )
        return True

    # ------------------------------------------------------------------ reports
    async def update_seen(self, update_id: int) -> bool:
        row = await self.db.fetchone("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,))
        return row is not None

    async def message_row(self, chat_id: int, message_id: int) -> aiosqlite.Row | None:
        return await self.db.fetchone(
            "SELECT * FROM messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )

    async def member_reports_of_message(self, message_row_id: int) -> list[aiosqlite.Row]:
        return await self.db.fetchall(
            "SELECT * FROM member_reports WHERE message_row_id = ? AND undone = 0 ORDER BY id", (message_row_id,)
        )

    async def latest_member_report(self, member_id: int, day: str) -> aiosqlite.Row | None:
        return await self.db.fetchone(
            "SELECT * FROM member_reports WHERE member_id = ? AND day = ? AND undone = 0 ORDER BY id DESC LIMIT 1",
            (member_id, day),
        )

    async def chain_hash_seen(self, member_id: int, day: str, chain_hash: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM member_reports WHERE member_id = ? AND day = ? AND chain_hash = ? AND undone = 0",
            (member_id, day, chain_hash),
        )
        return row is not None

    async def save_reports(
        self,
        *,
        update_id: int | None,
        chat_id: int | None,
        message_id: int | None,
        sender_user_id: int | None,
        day: str,
        text: str,
        now: str,
        items: Sequence[MemberReportWrite],
        retire: Sequence[int] = (),
        retire_reason: str = "edited",
    ) -> list[int] | None:
        """Store one message's reports atomically. Returns the new member_report ids.

        ``retire`` lists member_report ids whose rows this message supersedes (an edit, a correction): their
        rows go to the audit table and the household's previous value, if any, comes back. Then each household
        row is written; an existing row for the same household and day moves to the audit table first.
        Returns None when ``update_id`` was processed before (a redelivered update): nothing is written.
        """
        async with self.db.transaction() as c:
            if update_id is not None:
                cur = await c.execute(
                    "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
                    (update_id, now),
                )
                if cur.rowcount == 0:
                    return None
            msg_row_id = None
            if chat_id is not None and message_id is not None:
                await c.execute(
                    "INSERT INTO messages (chat_id, message_id, sender_user_id, day, text, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE SET text = excluded.text",
                    (chat_id, message_id, sender_user_id, day, text, now),
                )
                async with c.execute(
                    "SELECT id FROM messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
                ) as cur2:
                    msg_row_id = int((await cur2.fetchone())[0])
            for mr_id in retire:
                await self._retire(c, mr_id, now, retire_reason)
            ids = []
            for it in items:
                cur = await c.execute(
                    "INSERT INTO member_reports (message_row_id, member_id, day, covers_all, same_as_yesterday, "
                    "totals_households, totals_people, unmatched, chain_hash, via, sender_user_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        msg_row_id,
                        it.member_id,
                        day,
                        int(it.covers_all),
                        int(it.same_as_yesterday),
                        it.totals_households,
                        it.totals_people,
                        json.dumps(it.unmatched, ensure_ascii=False),
                        it.chain_hash,
                        it.via,
                        sender_user_id,
                        now,
                    ),
                )
                mr_id = int(cur.lastrowid or 0)
                ids.append(mr_id)
                await self._write_households(
                    c, it.households, day, it.member_id, mr_id, chat_id, message_id, sender_user_id, now, it.via,
                    it.photo_file_id,
                )
            return ids

    async def mark_update(self, update_id: int, now: str) -> bool:
        """Record an update id on its own (for updates that store nothing). False if seen before."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)", (update_id, now)
            )
            return cur.rowcount > 0

    async def _write_households(
        self,
        c: aiosqlite.Connection,
        households: Sequence[HouseholdWrite],
        day: str,
        member_id: int,
        mr_id: int,
        chat_id: int | None,
        message_id: int | None,
        sender: int | None,
        now: str,
        via: str,
        photo_file_id: str | None,
    ) -> None:
        """Write one member report's household rows in a few statements: the rows they replace go to the
        audit table, then one upsert per household on the (household, day) key."""
        if not households:
            return
        async with c.execute(
            "SELECT * FROM reports WHERE day = ? AND household_id IN (SELECT value FROM json_each(?))",
            (day, json.dumps([h.household_id for h in households])),
        ) as cur:
            replaced = list(await cur.fetchall())
        await self._audit_many(c, replaced, now, "replaced")
        await c.executemany(
            "INSERT INTO reports (household_id, day, member_id, member_report_id, data, anomaly, source_chat_id, "
            "source_message_id, sender_user_id, reported_at, via, photo_file_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (household_id, day) DO UPDATE SET member_id = excluded.member_id, "
            "member_report_id = excluded.member_report_id, data = excluded.data, anomaly = excluded.anomaly, "
            "source_chat_id = excluded.source_chat_id, source_message_id = excluded.source_message_id, "
            "sender_user_id = excluded.sender_user_id, reported_at = excluded.reported_at, via = excluded.via, "
            "photo_file_id = excluded.photo_file_id",
            [
                (h.household_id, day, member_id, mr_id, json.dumps(h.data, ensure_ascii=False, sort_keys=True),
                 int(h.anomaly), chat_id, message_id, sender, now, via, photo_file_id)
                for h in households
            ],
        )

    async def _audit(self, c: aiosqlite.Connection, old: aiosqlite.Row, now: str, reason: str) -> None:
        await self._audit_many(c, [old], now, reason)

    async def _audit_many(
        self, c: aiosqlite.Connection, rows: Sequence[aiosqlite.Row], now: str, reason: str
    ) -> None:
        """Copy report rows into the audit table before they are replaced or withdrawn."""
        if not rows:
            return
        await c.executemany(
            "INSERT INTO report_audit (household_id, day, member_id, member_report_id, data, anomaly, source_chat_id, "
            "source_message_id, sender_user_id, reported_at, via, photo_file_id, replaced_at, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (o["household_id"], o["day"], o["member_id"], o["member_report_id"], o["data"], o["anomaly"],
                 o["source_chat_id"], o["source_message_id"], o["sender_user_id"], o["reported_at"], o["via"],
                 o["photo_file_id"], now, reason)
                for o in rows
            ],
        )

    async def _retire(self, c: aiosqlite.Connection, mr_id: int, now: str, reason: str) -> None:
        """Withdraw a member report: its rows go to the audit table, earlier live values come back."""
        await c.execute("UPDATE member_reports SET undone = 1 WHERE id = ?", (mr_id,))
        async with c.execute("SELECT * FROM reports WHERE member_report_id = ?", (mr_id,)) as cur:
            rows = list(await cur.fetchall())
        for old in rows:
            await self._audit(c, old, now, reason)
            async with c.execute(
                "SELECT a.* FROM report_audit a JOIN member_reports mr ON mr.id = a.member_report_id "
                "WHERE a.household_id = ? AND a.day = ? AND mr.undone = 0 ORDER BY a.id DESC LIMIT 1",
                (old["household_id"], old["day"]),
            ) as cur:
                prev = await cur.fetchone()
            if prev is None:
                await c.execute("DELETE FROM reports WHERE id = ?", (old["id"],))
            else:
                await c.execute(
                    "UPDATE reports SET member_id = ?, member_report_id = ?, data = ?, anomaly = ?, "
                    "source_chat_id = ?, source_message_id = ?, sender_user_id = ?, reported_at = ?, via = ?, "
                    "photo_file_id = ? WHERE id = ?",
                    (prev["member_id"], prev["member_report_id"], prev["data"], prev["anomaly"],
                     prev["source_chat_id"], prev["source_message_id"], prev["sender_user_id"],
                     prev["reported_at"], prev["via"], prev["photo_file_id"], old["id"]),
                )

    async def retire_member_report(self, mr_id: int, now: str, reason: str = "undone") -> None:
        async with self.db.transaction() as c:
            await self._retire(c, mr_id, now, reason)

    async def update_totals(self, mr_id: int, households: int | None, people: int | None) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "UPDATE member_reports SET totals_households = COALESCE(?, totals_households), "
                "totals_people = COALESCE(?, totals_people) WHERE id = ?",
                (households, people, mr_id),
            )

    async def reports_for_members(self, member_ids: Iterable[int], day: str) -> list[aiosqlite.Row]:
        """Today's household rows of the members' current households."""
        return await self.db.fetchall(
            "SELECT r.*, h.name AS household FROM reports r JOIN households h ON h.id = r.household_id "
            "WHERE r.day = ? AND h.member_id IN (SELECT value FROM json_each(?)) AND h.active = 1 ORDER BY h.position",
            (day, json.dumps(list(member_ids))),
        )

    async def last_report_day(self, member_id: int, before: str) -> str | None:
        row = await self.db.fetchone(
            "SELECT MAX(r.day) FROM reports r JOIN households h ON h.id = r.household_id "
            "WHERE h.member_id = ? AND r.day < ?",
            (member_id, before),
        )
        return row[0] if row and row[0] else None

    async def count_reports(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM reports")
        return int(row[0]) if row else 0

    async def audit_rows(self, household_id: int, day: str) -> list[aiosqlite.Row]:
        return await self.db.fetchall(
            "SELECT * FROM report_audit WHERE household_id = ? AND day = ? ORDER BY id", (household_id, day)
        )

    async def day_table(self, day: str, grid_ids: Iterable[int] | None = None) -> list[aiosqlite.Row]:
        """Every active household with its report for ``day`` (data NULL where none), in roster order."""
        sql = (
            "SELECT g.name AS grid, g.village, m.name AS member, h.name AS household, h.people AS roster_people, "
            "r.data, r.via, r.reported_at FROM households h JOIN members m ON m.id = h.member_id "
            "JOIN grids g ON g.id = m.grid_id LEFT JOIN reports r ON r.household_id = h.id AND r.day = ? "
            "WHERE h.active = 1 AND m.active = 1 AND g.active = 1"
        )
        params: list[Any] = [day]
        if grid_ids is not None:
            sql += " AND g.id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(grid_ids)))
        return await self.db.fetchall(sql + " ORDER BY g.town, g.village, g.id, m.id, h.position", tuple(params))
