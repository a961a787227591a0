"""A chat platform's API calls, counted per day and kind (tables ``api_calls`` and ``quota_notices``, migration 11).

Feishu's free tenant has a monthly quota of API calls. The adapter counts its calls in memory and adds them
here in batches (:meth:`QuotaRepo.add`, one transaction a batch); ``gridbot status`` and the adapter's
quota-aware acknowledgements read them back. A notice that the month runs short is claimed once per month
and level (:meth:`QuotaRepo.claim_notice`).
"""

from __future__ import annotations

from collections.abc import Mapping

from storage.db import Database


class QuotaRepo:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, platform: str, counts: Mapping[tuple[str, str], int]) -> None:
        """Add a batch of counts, keyed by (ISO day, kind), in one transaction."""
        if not counts:
            return
        async with self.db.transaction() as c:
            await c.executemany(
                "INSERT INTO api_calls (platform, day, kind, calls) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (platform, day, kind) DO UPDATE SET calls = calls + excluded.calls",
                [(platform, day, kind, int(n)) for (day, kind), n in sorted(counts.items()) if n])

    async def per_day(self, platform: str, first: str, last: str) -> dict[str, dict[str, int]]:
        """The stored counts of the days ``first`` to ``last`` (ISO, inclusive): day -> kind -> calls."""
        rows = await self.db.fetchall(
            "SELECT day, kind, calls FROM api_calls WHERE platform = ? AND day BETWEEN ? AND ? ORDER BY day, kind",
            (platform, first, last))
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            out.setdefault(str(r[0]), {})[str(r[1])] = int(r[2])
        return out

    async def claim_notice(self, platform: str, month: str, level: str, now: str) -> bool:
        """Claim the month's notice of this level; False when it was claimed before (sent already)."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "INSERT OR IGNORE INTO quota_notices (platform, month, level, sent_at) VALUES (?, ?, ?, ?)",
                (platform, month, level, now))
            return cur.rowcount > 0
