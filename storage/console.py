"""The console's read queries: a household and its report history with the audit trail, the day's stored
row of a household, and the stored roster a roster upload is compared with. Nothing here writes: a
console correction is saved by :meth:`storage.reports.ReportRepo.save`, a roster by
:meth:`storage.reports.ReportRepo.import_roster`, schedules by :class:`storage.reminders.ReminderRepo`.

It returns the records of :mod:`bot.core.console`, never ``aiosqlite.Row``s.
"""

from __future__ import annotations

import json

import aiosqlite

from bot.core.console import HouseholdInfo, ReportVersion, RosterEntry
from storage.db import Database

#: a version's columns, the same for the live table ``r`` and the audit table, with its member report (the
#: console's reason) and the message it came from
_COLUMNS = (
    "SELECT r.day, r.data, r.uncertain, r.member_id, r.member_report_id, r.via, r.sender_user_id, r.reported_at, "
    "r.source_chat_id, r.source_message_id, r.photo_file_id, msg.text AS message_text, mr.reason"
)
_JOINS = (
    " r LEFT JOIN member_reports mr ON mr.id = r.member_report_id "
    "LEFT JOIN messages msg ON msg.chat_id = r.source_chat_id AND msg.message_id = r.source_message_id "
    "WHERE r.household_id = ? AND "
)
_AUDIT_SQL = (_COLUMNS + ", r.replaced_at, r.reason AS reason_replaced FROM report_audit" + _JOINS
              + "r.day BETWEEN ? AND ? ORDER BY r.day, r.id")
_LIVE_SQL = _COLUMNS + " FROM reports" + _JOINS + "r.day BETWEEN ? AND ?"
_LIVE_DAY_SQL = _COLUMNS + " FROM reports" + _JOINS + "r.day = ?"


def _version(r: aiosqlite.Row, replaced_at: str | None = None, because: str | None = None) -> ReportVersion:
    return ReportVersion(
        r["day"], json.loads(r["data"]), tuple(json.loads(r["uncertain"] or "[]")), int(r["member_id"]),
        int(r["member_report_id"]), r["via"], r["sender_user_id"], r["reported_at"], r["source_chat_id"],
        r["source_message_id"], r["photo_file_id"], r["message_text"], r["reason"], replaced_at, because,
    )


class ConsoleRepo:
    def __init__(self, db: Database):
        self.db = db

    async def household(self, household_id: int) -> HouseholdInfo | None:
        r = await self.db.fetchone(
            "SELECT h.id, h.town, h.village, h.name, h.address, h.people, h.active, h.member_id, m.name AS member, "
            "m.grid_id, g.name AS grid FROM households h JOIN members m ON m.id = h.member_id "
            "JOIN grids g ON g.id = m.grid_id WHERE h.id = ?",
            (household_id,),
        )
        if r is None:
            return None
        return HouseholdInfo(int(r["id"]), r["town"], r["village"], r["name"], r["address"], r["people"],
                             bool(r["active"]), int(r["member_id"]), r["member"], int(r["grid_id"]), r["grid"])

    async def versions(self, household_id: int, start: str, end: str) -> list[ReportVersion]:
        """Every stored version of the household's reports from ``start`` to ``end``: per day the audit rows
        in the order they were replaced, then the live one."""
        out = [
            _version(r, r["replaced_at"], r["reason_replaced"])
            for r in await self.db.fetchall(
                _AUDIT_SQL, (household_id, start, end),
            )
        ]
        out += [
            _version(r)
            for r in await self.db.fetchall(
                _LIVE_SQL, (household_id, start, end),
            )
        ]
        out.sort(key=lambda v: (v.day, v.replaced_at is None, v.replaced_at or ""))
        return out

    async def live_report(self, household_id: int, day: str) -> ReportVersion | None:
        """The household's live report of ``day``, if any."""
        r = await self.db.fetchone(
            _LIVE_DAY_SQL, (household_id, day),
        )
        return _version(r) if r is not None else None

    async def roster_entries(self) -> list[RosterEntry]:
        """Every household ever imported (active or not), with its member and grid."""
        rows = await self.db.fetchall(
            "SELECT h.town, h.village, h.name, h.address, h.people, h.position, h.active, g.name AS grid, "
            "m.name AS member, m.account, g.leader_name, g.leader_account FROM households h "
            "JOIN members m ON m.id = h.member_id JOIN grids g ON g.id = m.grid_id ORDER BY h.id"
        )
        return [RosterEntry(r[0], r[1], r[2], r[3], r[4], int(r[5]), bool(r[6]), r[7], r[8], r[9], r[10], r[11])
                for r in rows]
