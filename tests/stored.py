"""What the day's reports stored, read straight from the database: shared by both adapters' tests (each
passes its own bot or harness, which holds the opened ``services``)."""

from __future__ import annotations

import json
from typing import Any

from bot.sample.cast import DAY


async def stored(holder: Any, member: str | None = None) -> dict[str, dict]:
    """The sample day's stored household reports, by household name (only ``member``'s when given)."""
    sql = ("SELECT h.name, r.data FROM reports r JOIN households h ON h.id = r.household_id "
           "JOIN members m ON m.id = r.member_id WHERE r.day = ?")
    params: tuple = (DAY.isoformat(),)
    if member:
        sql += " AND m.name = ?"
        params += (member,)
    return {r[0]: json.loads(r[1]) for r in await holder.services.db.fetchall(sql, params)}


async def households_of(holder: Any, member: str) -> list[str]:
    """The names of ``member``'s households in the roster."""
    m = (await holder.services.reports.roster()).find_member(member)
    return [h.name for h in m.households]
