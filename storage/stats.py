"""Queries for the statisticians: figures per member and day, anomalies, ledger rows, retention, statisticians.

Figures come from the indexed columns that migration 4 derives from each report's JSON (``v_people``,
``v_fever``, ``v_returned``, ``v_isolated``, ``v_visitors``): the index ``reports_household_figures`` holds
them, so a summary reads no report row and parses no JSON. Households are counted against their current
member (``households.member_id``), so a summary and "who is missing" always agree with today's roster.

A member filter is a list of member ids, or None for every member. The methods return the records of
:mod:`bot.core.figures`, never ``aiosqlite.Row``s; a report's JSON is decoded here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiosqlite

from bot.core.figures import (
    ActiveGrid,
    ActiveMember,
    FlaggedReport,
    HouseholdDay,
    MemberDayFigures,
    MissingHousehold,
    RosterCount,
    Statistician,
)
from storage.db import Database

_MEMBER_FILTER = " AND h.member_id IN (SELECT value FROM json_each(?))"


def _filter(member_ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    if member_ids is None:
        return "", []
    return _MEMBER_FILTER, [json.dumps(list(member_ids))]


def _statistician(r: aiosqlite.Row) -> Statistician:
    return Statistician(int(r["id"]), r["user_id"], r["username"], r["scope"], r["added_by"], r["added_at"])


class StatsRepo:
    def __init__(self, db: Database):
        self.db = db
        self._indexes: set[str] | None = None

    async def _indexed_by(self, index: str) -> str:
        """``INDEXED BY index`` when the index exists (migration 4 creates it), else nothing."""
        if self._indexes is None:
            rows = await self.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")
            self._indexes = {str(r[0]) for r in rows}
        return f"INDEXED BY {index} " if index in self._indexes else ""

    # ------------------------------------------------------------------ the hierarchy
    async def active_grids(self) -> list[ActiveGrid]:
        rows = await self.db.fetchall(
            "SELECT id, town, village, name, leader_name, leader_user_id FROM grids WHERE active = 1 ORDER BY id"
        )
        return list(map(ActiveGrid._make, rows))

    async def active_members(self) -> list[ActiveMember]:
        rows = await self.db.fetchall(
            "SELECT id, grid_id, name, user_id, username FROM members WHERE active = 1 ORDER BY id"
        )
        return list(map(ActiveMember._make, rows))

    async def user_names(self) -> dict[str, str]:
        """Chat user id -> the member's or grid leader's name (to say who sent a report)."""
        out: dict[str, str] = {}
        for r in await self.db.fetchall(
            "SELECT leader_user_id, leader_name FROM grids WHERE leader_user_id IS NOT NULL AND leader_name IS NOT NULL"
        ):
            out[str(r[0])] = str(r[1])
        for r in await self.db.fetchall("SELECT user_id, name FROM members WHERE user_id IS NOT NULL"):
            out[str(r[0])] = str(r[1])
        return out

    async def member_names(self) -> dict[int, str]:
        """Member id -> name, inactive members too (a report may come from a member who left since)."""
        return {int(r[0]): str(r[1]) for r in await self.db.fetchall("SELECT id, name FROM members")}

    # ------------------------------------------------------------------ figures
    async def roster_counts(self, member_ids: Sequence[int] | None) -> list[RosterCount]:
        """Per member: active households and the roster's people in them."""
        where, params = _filter(member_ids)
        rows = await self.db.fetchall(
            "SELECT h.member_id, COUNT(*) AS households, SUM(COALESCE(h.people, 0)) AS roster_people "
            "FROM households h WHERE h.active = 1" + where + " GROUP BY h.member_id",
            tuple(params),
        )
        return list(map(RosterCount._make, rows))

    async def _plan(self, member_ids: Sequence[int] | None, wide: bool) -> tuple[str, str, list[Any]]:
        """FROM and WHERE for reports ``r`` joined to active households ``h`` over a day range (two ``?``
        first), with the query plan chosen by the caller:

        - narrow (a village, a grid): from the scope's households (``households_member_cover``) into
          ``reports_household_figures``: one index seek per household;
        - wide (the whole county, a big town): a scan of ``reports_day_figures`` over the days, then the
          household by primary key; the member filter, if any, is a hash lookup.

        Both indexes hold the figures, so no report row is read and no JSON is parsed."""
        where, params = _filter(member_ids)
        if wide:
            return (
                "FROM reports r " + await self._indexed_by("reports_day_figures")
                + "CROSS JOIN households h ON h.id = r.household_id ",
                "WHERE r.day BETWEEN ? AND ? AND h.active = 1" + where,
                params,
            )
        return (
            "FROM households h " + await self._indexed_by("households_member_cover") + "CROSS JOIN reports r "
            + await self._indexed_by("reports_household_figures")
            + "ON r.household_id = h.id AND r.day BETWEEN ? AND ? ",
            "WHERE h.member_id >= 0 AND h.active = 1" + where,
            params,
        )

    async def day_figures(
        self, member_ids: Sequence[int] | None, start: str, end: str, *, wide: bool | None = None
    ) -> list[MemberDayFigures]:
        """Per member and day: households covered, people in them (as reported, else the roster's), fever
        households, returned, isolated and visitors. ``wide`` defaults to "every member"."""
        frm, where, params = await self._plan(member_ids, member_ids is None if wide is None else wide)
        rows = await self.db.fetchall(
            "SELECT h.member_id, r.day, COUNT(*) AS covered, SUM(COALESCE(r.v_people, h.people, 0)) AS people, "
            "SUM(CASE WHEN r.v_fever THEN 1 ELSE 0 END) AS fever, SUM(COALESCE(r.v_returned, 0)) AS returned, "
            "SUM(COALESCE(r.v_isolated, 0)) AS isolated, SUM(COALESCE(r.v_visitors, 0)) AS visitors "
            + frm + where + " GROUP BY h.member_id, r.day",
            (start, end, *params),
        )
        return list(map(MemberDayFigures._make, rows))

    async def anomaly_rows(
        self, member_ids: Sequence[int] | None, start: str, end: str, *, wide: bool | None = None
    ) -> list[FlaggedReport]:
        """Reports that may hold an anomaly (flagged, or a fever/returned/isolated/visitors figure); the
        filter runs on the index, only these rows are read."""
        frm, where, params = await self._plan(member_ids, member_ids is None if wide is None else wide)
        rows = await self.db.fetchall(
            "SELECT h.member_id, h.id AS household_id, h.name AS household, h.address, h.position, r.day, r.data, "
            "r.reported_at, r.via, r.member_id AS reporter_id, r.sender_user_id "
            + frm + where + " AND (r.anomaly = 1 OR r.v_fever OR r.v_returned > 0 OR r.v_isolated > 0 "
            "OR r.v_visitors > 0)",
            (start, end, *params),
        )
        loads = json.loads
        return [FlaggedReport(r[0], r[1], r[2], r[3], r[4], r[5], loads(r[6]), r[7], r[8], r[9], r[10]) for r in rows]

    async def missing_households(self, member_ids: Sequence[int] | None, day: str) -> list[MissingHousehold]:
        """The active households with no report for ``day``, in each member's order."""
        where, params = _filter(member_ids)
        rows = await self.db.fetchall(
            "SELECT h.member_id, h.id AS household_id, h.name AS household, h.address, h.position "
            "FROM households h LEFT JOIN reports r ON r.household_id = h.id AND r.day = ? "
            "WHERE h.active = 1 AND r.id IS NULL" + where + " ORDER BY h.member_id, h.position, h.id",
            (day, *params),
        )
        return list(map(MissingHousehold._make, rows))

    async def detail_rows(self, member_ids: Sequence[int], day: str) -> list[HouseholdDay]:
        """Every active household of these members with its report for ``day`` (data None where none)."""
        where, params = _filter(member_ids)
        rows = await self.db.fetchall(
            "SELECT h.member_id, h.id AS household_id, h.name AS household, h.address, h.people AS roster_people, "
            "h.position, r.data, r.reported_at, r.via, r.member_id AS reporter_id, r.sender_user_id "
            "FROM households h LEFT JOIN reports r ON r.household_id = h.id AND r.day = ? "
            "WHERE h.active = 1" + where,
            (day, *params),
        )
        loads = json.loads
        return [HouseholdDay(r[0], r[1], r[2], r[3], r[4], r[5], None if r[6] is None else loads(r[6]), r[7], r[8],
                             r[9], r[10]) for r in rows]

    # ------------------------------------------------------------------ retention
    async def days_before(self, cutoff: str) -> list[str]:
        """The days before ``cutoff`` that still hold reports, audit rows, member reports, messages or photo
        readings."""
        rows = await self.db.fetchall(
            "SELECT day FROM reports WHERE day < ?1 UNION SELECT day FROM report_audit WHERE day < ?1 "
            "UNION SELECT day FROM member_reports WHERE day < ?1 UNION SELECT day FROM messages WHERE day < ?1 "
            "UNION SELECT day FROM ocr_pending WHERE day < ?1 ORDER BY 1",
            (cutoff,),
        )
        return [str(r[0]) for r in rows]

    async def purge_day(self, day: str) -> dict[str, int]:
        """Delete one day's reports, their audit rows, member reports, message texts, photo readings
        (confirmed or not: they hold what was read) and the chain lines asked about, in one transaction."""
        counts: dict[str, int] = {}
        async with self.db.transaction() as c:
            for table in ("reports", "report_audit", "member_reports", "messages", "ocr_pending", "chain_questions"):
                cur = await c.execute(f"DELETE FROM {table} WHERE day = ?", (day,))  # noqa: S608 - fixed name
                counts[table] = max(cur.rowcount, 0)
        return counts

    # ------------------------------------------------------------------ statisticians
    async def statisticians(self) -> list[Statistician]:
        rows = await self.db.fetchall("SELECT * FROM statisticians WHERE active = 1 ORDER BY id")
        return [_statistician(r) for r in rows]

    async def statisticians_for(self, user_id: str, username: str | None) -> list[Statistician]:
        """Active statisticians rows of this user; an @username row gets the user id on first sight."""
        if username:
            async with self.db.transaction() as c:
                await c.execute(
                    "UPDATE statisticians SET user_id = ? WHERE username = ? AND user_id IS NULL AND active = 1",
                    (user_id, username.lower()),
                )
        rows = await self.db.fetchall(
            "SELECT * FROM statisticians WHERE active = 1 AND user_id = ? ORDER BY id", (user_id,)
        )
        return [_statistician(r) for r in rows]

    async def add_statistician(
        self, user_id: str | None, username: str | None, scope: str, by: str | None, now: str
    ) -> bool:
        """False when this user already has this scope."""
        async with self.db.transaction() as c:
            async with c.execute(
                "SELECT id FROM statisticians WHERE active = 1 AND scope = ? AND "
                "((? IS NOT NULL AND user_id = ?) OR (? IS NOT NULL AND username = ?))",
                (scope, user_id, user_id, username, username),
            ) as cur:
                if await cur.fetchone() is not None:
                    return False
            await c.execute(
                "INSERT INTO statisticians (user_id, username, scope, added_by, added_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, username, scope, by, now),
            )
        return True

    async def remove_statistician(self, user_id: str | None, username: str | None, scope: str | None) -> int:
        async with self.db.transaction() as c:
            cur = await c.execute(
                "UPDATE statisticians SET active = 0 WHERE active = 1 AND (? IS NULL OR scope = ?) AND "
                "((? IS NOT NULL AND user_id = ?) OR (? IS NOT NULL AND username = ?))",
                (scope, scope, user_id, user_id, username, username),
            )
            return max(cur.rowcount, 0)
