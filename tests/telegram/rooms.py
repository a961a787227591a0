"""Today's stored rows of the tower block's households, for the residents' chain tests."""

from __future__ import annotations

import json

from bot.sample.cast import DAY
from handlers.offline.bot import OfflineBot


async def rows(bot: OfflineBot) -> dict[str, tuple[str, dict, str, int | None]]:
    """Today's stored rows: household address → (credited member, data, via, sender user id)."""
    got = await bot.services.db.fetchall(
        "SELECT h.address, m.name, r.data, r.via, r.sender_user_id FROM reports r "
        "JOIN households h ON h.id = r.household_id JOIN members m ON m.id = r.member_id WHERE r.day = ?",
        (DAY.isoformat(),))
    return {r[0]: (r[1], json.loads(r[2]), r[3], r[4]) for r in got}
