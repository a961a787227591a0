"""The reporting loop's repository: the roster, groups and their grids, account links, /iam requests, hints,
and the reports themselves. Every statement is parameterised; nothing here formats values into SQL.

It returns the records of :mod:`bot.core.records` and :mod:`bot.core.model`, never ``aiosqlite.Row``s.
Handling one report message reads its whole context in one call (:meth:`ReportRepo.message_context`) and
writes everything in one transaction (:meth:`ReportRepo.save`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

from bot.core.model import Household, Member, Roster
from bot.core.records import (
    DayRow,
    Grid,
    HouseholdWrite,
    ImportStats,
    LinkRequest,
    MemberAccount,
    MessageContext,
    PendingDoubt,
    ReportSave,
    StoredMemberReport,
    StoredReport,
)
from bot.core.roster import account_user_id
from storage.db import Database


def _grid(r: aiosqlite.Row) -> Grid:
    return Grid(int(r["id"]), r["town"], r["village"], r["name"], r["leader_name"], r["leader_account"],
                r["leader_user_id"], bool(r["active"]))


def _member(r: aiosqlite.Row) -> MemberAccount:
    return MemberAccount(int(r["id"]), r["name"], int(r["grid_id"]), r["grid"], r["village"], r["town"],
                         r["account"], r["user_id"], r["username"], bool(r["active"]))


def _ids(values: Iterable[int]) -> str:
    return json.dumps([int(v) for v in values])


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
                    leader = account_user_id(r.get("leader_account"))
                    if leader is not None:
                        await c.execute("UPDATE grids SET leader_user_id = ? WHERE id = ?", (leader, gid))
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
        user_id = account_user_id(account)
        if user_id is not None:
            await c.execute("UPDATE members SET account = ?, user_id = ? WHERE id = ?", (account, user_id, member_id))
        else:
            # a username: linked to a user id the first time that user speaks
            await c.execute(
                "UPDATE members SET account = ?, "
                "user_id = CASE WHEN account = ? THEN user_id ELSE NULL END WHERE id = ?",
                (account, account, member_id),
            )

    async def roster_version(self) -> int:
        """Changes whenever a roster is imported (the services cache the roster on it)."""
        row = await self.db.fetchone("SELECT COALESCE(MAX(id), 0) FROM roster_imports")
        return int(row[0]) if row else 0

    async def roster(self, grid_ids: Iterable[int] | None = None) -> Roster:
        """The active roster (optionally of some grids), in roster order, with database ids."""
        sql = (
            "SELECT g.id AS grid_id, g.town, g.village, g.name AS grid, m.id AS member_id, m.name AS member, "
            "m.account, h.id AS household_id, h.name AS household, h.address, h.people FROM households h "
            "JOIN members m ON m.id = h.member_id JOIN grids g ON g.id = m.grid_id "
            "WHERE h.active = 1 AND m.active = 1 AND g.active = 1"
        )
        params: list[Any] = []
        if grid_ids is not None:
            sql += " AND g.id IN (SELECT value FROM json_each(?))"
            params.append(_ids(grid_ids))
        sql += " ORDER BY g.town, g.village, g.id, m.id, h.position, h.id"
        members: dict[int, tuple[aiosqlite.Row, list[Household]]] = {}
        for r in await self.db.fetchall(sql, tuple(params)):
            _, households = members.setdefault(r["member_id"], (r, []))
            households.append(Household(r["household"], r["member"], r["grid"], r["village"], r["town"],
                                        r["address"], r["people"], r["household_id"]))
        return Roster([
            Member(r["member"], r["grid"], r["village"], r["town"], r["account"], tuple(hs), mid, int(r["grid_id"]))
            for mid, (r, hs) in members.items()
        ])

    async def grids(self, active_only: bool = True) -> list[Grid]:
        rows = await self.db.fetchall(
            "SELECT * FROM grids WHERE active >= ? ORDER BY town, village, name", (1 if active_only else 0,)
        )
        return [_grid(r) for r in rows]

    async def grid(self, grid_id: int) -> Grid | None:
        row = await self.db.fetchone("SELECT * FROM grids WHERE id = ?", (grid_id,))
        return _grid(row) if row is not None else None

    async def find_grids(self, name: str) -> list[Grid]:
        """Grids whose name is ``name``; ``村/网格`` or ``镇/村/网格`` narrows by village and town."""
        parts = [p for p in name.replace("／", "/").split("/") if p]
        if not parts:
            return []
        rows = [_grid(r) for r in await self.db.fetchall("SELECT * FROM grids WHERE active = 1 AND name = ?",
                                                          (parts[-1],))]
        if len(parts) >= 2:
            rows = [g for g in rows if g.village == parts[-2]]
        if len(parts) >= 3:
            rows = [g for g in rows if g.town == parts[-3]]
        return rows

    async def member(self, member_id: int) -> MemberAccount | None:
        row = await self.db.fetchone("SELECT m.*, g.name AS grid, g.village, g.town FROM members m JOIN grids g ON g.id = m.grid_id WHERE m.id = ?", (member_id,))
        return _member(row) if row is not None else None

    async def members_in_grids(self, grid_ids: Iterable[int], name: str | None = None) -> list[MemberAccount]:
        sql = "SELECT m.*, g.name AS grid, g.village, g.town FROM members m JOIN grids g ON g.id = m.grid_id WHERE m.active = 1 AND m.grid_id IN (SELECT value FROM json_each(?))"
        params: list[Any] = [_ids(grid_ids)]
        if name is not None:
            sql += " AND m.name = ?"
            params.append(name)
        return [_member(r) for r in await self.db.fetchall(sql + " ORDER BY m.id", tuple(params))]

    async def link_username(self, user_id: str, username: str | None) -> bool:
        """Link the roster's ``@username`` accounts (members and grid leaders) to this user id, the first time
        that user is seen. Returns whether anything was linked; the common case (already linked) only reads."""
        if not username or not await self._link_pending(user_id, username):
            return False
        async with self.db.transaction() as c:
            await self._link(c, user_id, username)
        return True

    async def _link_pending(self, user_id: str, username: str) -> bool:
        acct = "@" + username.lower()
        row = await self.db.fetchone(
            "SELECT 1 WHERE EXISTS (SELECT 1 FROM members WHERE account = ? "
            "AND (user_id IS NULL OR user_id != ?)) OR EXISTS (SELECT 1 FROM grids "
            "WHERE leader_account = ? AND (leader_user_id IS NULL OR leader_user_id != ?))",
            (acct, user_id, acct, user_id),
        )
        return row is not None

    @staticmethod
    async def _link(c: aiosqlite.Connection, user_id: str, username: str) -> None:
        acct = "@" + username.lower()
        await c.execute(
            "UPDATE members SET user_id = ?, username = ? "
            "WHERE account = ? AND (user_id IS NULL OR user_id != ?)",
            (user_id, username, acct, user_id),
        )
        await c.execute(
            "UPDATE grids SET leader_user_id = ? WHERE leader_account = ? "
            "AND (leader_user_id IS NULL OR leader_user_id != ?)",
            (user_id, acct, user_id),
        )

    async def members_of_user(self, user_id: str) -> list[MemberAccount]:
        """The active members linked to this chat user (reads only; see :meth:`link_username`)."""
        rows = await self.db.fetchall("SELECT m.*, g.name AS grid, g.village, g.town FROM members m JOIN grids g ON g.id = m.grid_id WHERE m.user_id = ? AND m.active = 1 ORDER BY m.id",
                                      (user_id,))
        return [_member(r) for r in rows]

    async def link_member(self, member_id: int, user_id: str, username: str | None) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "UPDATE members SET user_id = ?, username = ? WHERE id = ?", (user_id, username, member_id)
            )

    async def leader_grid_ids(self, user_id: str) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM grids WHERE active = 1 AND (leader_user_id = ? OR leader_account = ?)",
            (user_id, user_id),
        )
        return [int(r[0]) for r in rows]

    # ------------------------------------------------------------------ groups
    async def bind(self, chat_id: str, grid_id: int, user_id: str, now: str) -> bool:
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

    async def bound_grid_ids(self, chat_id: str) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT grid_id FROM bindings WHERE chat_id = ? AND active = 1 ORDER BY grid_id", (chat_id,)
        )
        return [int(r[0]) for r in rows]

    async def chats_for_grid(self, grid_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT chat_id FROM bindings WHERE grid_id = ? AND active = 1 ORDER BY chat_id", (grid_id,)
        )
        return [str(r[0]) for r in rows]

    async def deactivate_chat(self, chat_id: str) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE bindings SET active = 0 WHERE chat_id = ?", (chat_id,))

    async def migrate_chat(self, old_chat_id: str, new_chat_id: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "INSERT OR IGNORE INTO bindings (chat_id, grid_id, active, bound_by, bound_at) "
                "SELECT ?, grid_id, active, bound_by, bound_at FROM bindings WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            await c.execute("UPDATE bindings SET active = 0 WHERE chat_id = ?", (old_chat_id,))

    # ------------------------------------------------------------------ links
    async def create_link_request(
        self, chat_id: str, user_id: str, username: str | None, member_id: int, now: str, display_name: str = ""
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

    async def link_request(self, request_id: int) -> LinkRequest | None:
        r = await self.db.fetchone("SELECT * FROM link_requests WHERE id = ?", (request_id,))
        if r is None:
            return None
        return LinkRequest(int(r["id"]), r["chat_id"], r["user_id"], r["username"], r["display_name"] or "",
                           int(r["member_id"]), r["status"])

    async def decide_link_request(self, request_id: int, status: str, by: str, now: str) -> bool:
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
                    "UPDATE members SET user_id = ?, username = ? WHERE id = ?",
                    (req["user_id"], req["username"], req["member_id"]),
                )
        return True

    async def message_sender(self, chat_id: str, message_id: str) -> str | None:
        """Who sent a stored message (its reports are withdrawn when the message is taken back)."""
        row = await self.db.fetchone("SELECT sender_user_id FROM messages WHERE chat_id = ? AND message_id = ?",
                                     (chat_id, message_id))
        return None if row is None or row[0] is None else row[0]

    # ------------------------------------------------------------------ hints
    async def should_hint(self, user_id: str, chat_id: str, kind: str, now: str, since: str) -> bool:
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
    async def message_context(
        self, chat_id: str, user_id: str, username: str | None, day: str, *, update_id: str | None = None,
        edited_message_id: str | None = None, known_roster_version: int | None = None,
        reply_to_bot: str | None = None,
    ) -> MessageContext:
        """What handling one message in a group needs, read at once: the chat's grids, whether the update was
        seen, the sender's members there (a roster @username not yet linked counts, and is linked by the
        save), the grids the sender leads, for an edit what the original stored, and the day's live member
        reports in those grids and the chain lines the chat was asked about today. The roster is the caller's, cached for ``known_roster_version``: when the
        stored version differs, the whole roster comes along (``full_roster``). Nothing is written."""
        grid_ids = [int(r[0]) for r in await self.db.fetchall(
            "SELECT grid_id FROM bindings WHERE chat_id = ? AND active = 1 ORDER BY grid_id", (chat_id,))]
        ctx = MessageContext(grid_ids)
        if not grid_ids:
            return ctx
        ctx.roster_version = await self.roster_version()
        if ctx.roster_version != known_roster_version:
            ctx.full_roster = await self.roster()
        if update_id is not None:
            ctx.seen = await self.update_seen(update_id)
            if ctx.seen:
                return ctx
        acct = "@" + username.lower() if username else None
        ctx.link_username = bool(username) and await self._link_pending(user_id, username or "")
        rows = await self.db.fetchall(
            "SELECT m.*, g.name AS grid, g.village, g.town FROM members m JOIN grids g ON g.id = m.grid_id WHERE m.active = 1 AND m.grid_id IN (SELECT value FROM json_each(?)) "
            "AND (m.user_id = ? OR (? IS NOT NULL AND m.account = ?)) ORDER BY m.id",
            (_ids(grid_ids), user_id, acct, acct),
        )
        ctx.members = [_member(r) for r in rows]
        ctx.leader_grid_ids = [int(r[0]) for r in await self.db.fetchall(
            "SELECT id FROM grids WHERE active = 1 AND (leader_user_id = ? OR leader_account = ? "
            "OR (? IS NOT NULL AND leader_account = ?))", (user_id, user_id, acct, acct))]
        # what follows is read for residents too: anyone in the group may post a chain keyed by room
        if edited_message_id is not None:
            msg = await self.db.fetchone("SELECT id FROM messages WHERE chat_id = ? AND message_id = ?",
                                         (chat_id, edited_message_id))
            if msg is not None:
                ctx.edited_reports = [int(r[0]) for r in await self.db.fetchall(
                    "SELECT id FROM member_reports WHERE message_row_id = ? AND undone = 0 ORDER BY id", (msg[0],))]
        ctx.day_reports = [
            StoredMemberReport(int(r["id"]), int(r["member_id"]), r["day"], r["chain_hash"])
            for r in await self.db.fetchall(
                "SELECT mr.id, mr.member_id, mr.day, mr.chain_hash FROM member_reports mr "
                "JOIN members m ON m.id = mr.member_id WHERE mr.day = ? AND mr.undone = 0 "
                "AND m.grid_id IN (SELECT value FROM json_each(?)) ORDER BY mr.id", (day, _ids(grid_ids)))
        ]
        ctx.pending = {
            int(r["household_id"]): PendingDoubt(
                json.loads(r["data"]), json.loads(r["uncertain"]), bool(r["anomaly"]), int(r["household_id"]),
                int(r["member_id"]), r["source_chat_id"], r["source_message_id"], r["sender_user_id"],
                r["reported_at"], json.loads(r["read_values"]))
            for r in await self.db.fetchall(
                "SELECT r.household_id, r.data, r.uncertain, r.anomaly, r.member_id, r.source_chat_id, "
                "r.source_message_id, r.sender_user_id, r.reported_at, r.read_values FROM reports r JOIN members m ON m.id = r.member_id "
                "WHERE r.day = ? AND r.uncertain != '[]' AND m.grid_id IN (SELECT value FROM json_each(?))",
                (day, _ids(grid_ids)))
        }
        if ctx.pending:  # what an answer to the bot's questions needs: which question, and the sender's last report
            if reply_to_bot is not None:
                row = await self.db.fetchone(
                    "SELECT reply_to FROM outbox WHERE chat_id = ? AND sent_message_id = ?", (chat_id, reply_to_bot))
                ctx.answering = row[0] if row is not None else None
            row = await self.db.fetchone(  # the latest stored: message ids are text, rows are in arrival order
                "SELECT message_id FROM messages WHERE chat_id = ? AND sender_user_id = ? AND day = ? "
                "ORDER BY id DESC LIMIT 1", (chat_id, user_id, day))
            ctx.last_message_id = row[0] if row is not None else None
        ctx.asked = {str(r[0]) for r in await self.db.fetchall(
            "SELECT line_key FROM chain_questions WHERE chat_id = ? AND day = ?", (chat_id, day))}
        return ctx

    async def update_seen(self, update_id: str) -> bool:
        """Whether this update's effects were stored already (its idempotency mark exists)."""
        return await self.db.fetchone("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None

    async def latest_member_report(self, member_id: int, day: str) -> StoredMemberReport | None:
        r = await self.db.fetchone(
            "SELECT id, member_id, day, chain_hash FROM member_reports WHERE member_id = ? AND day = ? AND undone = 0 "
            "ORDER BY id DESC LIMIT 1",
            (member_id, day),
        )
        return StoredMemberReport(int(r["id"]), int(r["member_id"]), r["day"], r["chain_hash"]) if r else None

    async def save(self, s: ReportSave) -> list[int] | None:
        """Store everything one message (or a photo confirmation, or a phone report) writes, atomically.
        Returns the new member_report ids, or None when ``update_id`` was processed before (a redelivered
        update): then nothing is written.

        In order: the update's idempotency mark; the sender's @username link; the message text; the member
        reports this one supersedes (``retire``: an edit, a correction: their rows go to the audit table and
        the household's previous value, if any, comes back); the new member reports and their household rows
        (an existing row for the same household and day moves to the audit table first); corrected totals;
        the update marked done in the inbox; the reply, to be sent after the commit (``s.reply_id``).
        """
        async with self.db.transaction() as c:
            if s.update_id is not None:
                cur = await c.execute(
                    "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
                    (s.update_id, s.now),
                )
                if cur.rowcount == 0:
                    return None
            if s.link is not None:
                await self._link(c, *s.link)
            msg_row_id = None
            if s.chat_id is not None and s.message_id is not None and (s.items or s.retire):
                await c.execute(
                    "INSERT INTO messages (chat_id, message_id, sender_user_id, day, text, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE SET text = excluded.text",
                    (s.chat_id, s.message_id, s.sender_user_id, s.day, s.text, s.now),
                )
                async with c.execute(
                    "SELECT id FROM messages WHERE chat_id = ? AND message_id = ?", (s.chat_id, s.message_id)
                ) as cur2:
                    msg_row_id = int((await cur2.fetchone())[0])
            for mr_id in s.retire:
                await self._retire(c, mr_id, s.now, s.retire_reason)
            ids = []
            for it in s.items:
                cur = await c.execute(
                    "INSERT INTO member_reports (message_row_id, member_id, day, covers_all, same_as_yesterday, "
                    "totals_households, totals_people, unmatched, chain_hash, via, sender_user_id, created_at, reason) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        msg_row_id,
                        it.member_id,
                        s.day,
                        int(it.covers_all),
                        int(it.same_as_yesterday),
                        it.totals_households,
                        it.totals_people,
                        json.dumps(it.unmatched, ensure_ascii=False),
                        it.chain_hash,
                        it.via,
                        s.sender_user_id,
                        s.now,
                        s.reason,
                    ),
                )
                mr_id = int(cur.lastrowid or 0)
                ids.append(mr_id)
                await self._write_households(
                    c, it.households, s.day, it.member_id, mr_id, s.chat_id, s.message_id, s.sender_user_id, s.now,
                    it.via, it.photo_file_id,
                )
            for tu in s.totals:
                await c.execute(
                    "UPDATE member_reports SET totals_households = COALESCE(?, totals_households), "
                    "totals_people = COALESCE(?, totals_people) WHERE id = ?",
                    (tu.households, tu.people, tu.member_report_id),
                )
            if s.asked and s.chat_id is not None:
                await c.executemany(
                    "INSERT OR IGNORE INTO chain_questions (chat_id, day, line_key, asked_at) VALUES (?, ?, ?, ?)",
                    [(s.chat_id, s.day, k, s.now) for k in s.asked],
                )
            if s.update_id is not None:  # the inbox: this update is done, in the same transaction as its effects
                await c.execute("UPDATE inbox SET done_at = ? WHERE update_key = ? AND done_at IS NULL",
                                (s.now, s.update_id))
            if s.reply and s.chat_id is not None:
                cur = await c.execute(
                    "INSERT INTO outbox (update_id, chat_id, reply_to, text, created_at) VALUES (?, ?, ?, ?, ?)",
                    (s.update_id, s.chat_id, s.message_id, s.reply, s.now),
                )
                s.reply_id = int(cur.lastrowid or 0)
            return ids

    async def _write_households(
        self,
        c: aiosqlite.Connection,
        households: Sequence[HouseholdWrite],
        day: str,
        member_id: int,
        mr_id: int,
        chat_id: str | None,
        message_id: str | None,
        sender: str | None,
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
            "source_message_id, sender_user_id, reported_at, via, photo_file_id, uncertain, read_values) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (household_id, day) DO UPDATE SET member_id = excluded.member_id, "
            "member_report_id = excluded.member_report_id, data = excluded.data, anomaly = excluded.anomaly, "
            "source_chat_id = excluded.source_chat_id, source_message_id = excluded.source_message_id, "
            "sender_user_id = excluded.sender_user_id, reported_at = excluded.reported_at, via = excluded.via, "
            "photo_file_id = excluded.photo_file_id, uncertain = excluded.uncertain, read_values = excluded.read_values",
            [
                (h.household_id, day, member_id, mr_id, json.dumps(h.data, ensure_ascii=False, sort_keys=True),
                 int(h.anomaly), chat_id, message_id, sender, now, via, photo_file_id,
                 json.dumps(h.uncertain, ensure_ascii=False), json.dumps(h.read, ensure_ascii=False, sort_keys=True))
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
            "source_message_id, sender_user_id, reported_at, via, photo_file_id, replaced_at, reason, uncertain, read_values) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (o["household_id"], o["day"], o["member_id"], o["member_report_id"], o["data"], o["anomaly"],
                 o["source_chat_id"], o["source_message_id"], o["sender_user_id"], o["reported_at"], o["via"],
                 o["photo_file_id"], now, reason, o["uncertain"], o["read_values"])
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
                    "photo_file_id = ?, uncertain = ?, read_values = ? WHERE id = ?",
                    (prev["member_id"], prev["member_report_id"], prev["data"], prev["anomaly"],
                     prev["source_chat_id"], prev["source_message_id"], prev["sender_user_id"],
                     prev["reported_at"], prev["via"], prev["photo_file_id"], prev["uncertain"], prev["read_values"],
                     old["id"]),
                )

    async def retire_member_report(self, mr_id: int, now: str, reason: str = "undone") -> None:
        async with self.db.transaction() as c:
            await self._retire(c, mr_id, now, reason)

    async def reports_for_members(self, member_ids: Iterable[int], day: str) -> list[StoredReport]:
        """The day's household rows of the members' current households, in roster order."""
        rows = await self.db.fetchall(
            "SELECT r.household_id, h.name AS household, r.member_report_id, r.data, r.via FROM reports r "
            "JOIN households h ON h.id = r.household_id WHERE r.day = ? "
            "AND h.member_id IN (SELECT value FROM json_each(?)) AND h.active = 1 ORDER BY h.position",
            (day, _ids(member_ids)),
        )
        return [StoredReport(int(r["household_id"]), r["household"], r["member_report_id"], json.loads(r["data"]),
                             r["via"]) for r in rows]

    async def last_reports(self, member_ids: Iterable[int], before: str) -> dict[int, list[StoredReport]]:
        """For each member, the household rows of the last day before ``before`` that has any ("同昨日")."""
        out: dict[int, list[StoredReport]] = {}
        for mid in dict.fromkeys(member_ids):
            row = await self.db.fetchone(
                "SELECT MAX(r.day) FROM reports r JOIN households h ON h.id = r.household_id "
                "WHERE h.member_id = ? AND r.day < ?",
                (mid, before),
            )
            if row and row[0]:
                out[mid] = await self.reports_for_members([mid], row[0])
        return out

    async def count_reports(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM reports")
        return int(row[0]) if row else 0

    async def audit_rows(self, household_id: int, day: str) -> list[aiosqlite.Row]:
        return await self.db.fetchall(
            "SELECT * FROM report_audit WHERE household_id = ? AND day = ? ORDER BY id", (household_id, day)
        )

    async def day_table(self, day: str, grid_ids: Iterable[int] | None = None) -> list[DayRow]:
        """Every active household with its report for ``day`` (data None where none), in roster order."""
        sql = (
            "SELECT g.name AS grid, g.village, m.name AS member, h.name AS household, h.people AS roster_people, "
            "r.data, r.via, r.reported_at FROM households h JOIN members m ON m.id = h.member_id "
            "JOIN grids g ON g.id = m.grid_id LEFT JOIN reports r ON r.household_id = h.id AND r.day = ? "
            "WHERE h.active = 1 AND m.active = 1 AND g.active = 1"
        )
        params: list[Any] = [day]
        if grid_ids is not None:
            sql += " AND g.id IN (SELECT value FROM json_each(?))"
            params.append(_ids(grid_ids))
        rows = await self.db.fetchall(sql + " ORDER BY g.town, g.village, g.id, m.id, h.position", tuple(params))
        return [DayRow(r["village"], r["grid"], r["member"], r["household"], r["roster_people"],
                       json.loads(r["data"]) if r["data"] else None, r["via"]) for r in rows]
