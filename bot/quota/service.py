"""The API calls an adapter made, per day and kind, against the platform's monthly quota.

The adapter counts its calls in memory and hands them over in batches (:meth:`QuotaService.record`); they are
stored per platform, day and kind (``storage/quota.py``). :meth:`QuotaService.usage` reads a day and its month
back for ``gridbot status`` and for the adapter at start. :func:`level` says how the month stands:

* ``ok``;
* ``tight``: the month so far has used 80% of the quota, or its days so far, carried on at the same pace to the
  month's end, would use all of it (the adapter then merges acknowledgements over a longer window, and the
  statisticians are told once a month, :meth:`QuotaService.claim_notice`);
* ``over``: the quota is used up (Feishu refuses calls until the month ends).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.core.dates import ReportClock
from storage.quota import QuotaRepo

OK = "ok"
TIGHT = "tight"
OVER = "over"
#: the share of the quota after which the month is tight whatever its pace
TIGHT_SHARE = 0.8


def month_days(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def projected(month_calls: int, day: date) -> int:
    """The month's calls at the pace of its days so far (today counted as a whole day)."""
    return round(month_calls * month_days(day) / day.day)


def level(month_calls: int, quota: int, day: date) -> str:
    """How the month stands against the quota on ``day`` (0: no quota)."""
    if quota <= 0:
        return OK
    if month_calls >= quota:
        return OVER
    if month_calls >= TIGHT_SHARE * quota or projected(month_calls, day) >= quota:
        return TIGHT
    return OK


@dataclass(frozen=True)
class Usage:
    """A platform's calls on ``day`` (per kind) and in its month so far, against ``quota`` (0: none set)."""

    platform: str
    day: date
    quota: int
    today: dict[str, int] = field(default_factory=dict)
    month: int = 0
    #: the month so far, day by day (ISO day -> calls)
    days: dict[str, int] = field(default_factory=dict)

    @property
    def today_total(self) -> int:
        return sum(self.today.values())

    @property
    def projected(self) -> int:
        return projected(self.month, self.day)

    @property
    def level(self) -> str:
        return level(self.month, self.quota, self.day)

    def lines(self) -> list[str]:
        """``gridbot status``'s lines for this platform."""
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.today.items())) or "none"
        out = [f"[{self.platform}] api calls today ({self.day.isoformat()}): {self.today_total} ({kinds})"]
        month = f"{self.month}"
        if self.quota > 0:
            month += (f" of the monthly quota {self.quota} ({100 * self.month / self.quota:.1f}%); at this pace "
                      f"{self.projected} by the month's end: {self.level}")
        out.append(f"[{self.platform}] api calls this month ({self.day.strftime('%Y-%m')}, {len(self.days)} "
                   f"day(s) counted): {month}")
        return out


class QuotaService:
    def __init__(self, repo: QuotaRepo, clock: ReportClock):
        self.repo = repo
        self.clock = clock

    async def record(self, platform: str, counts: Mapping[tuple[str, str], int]) -> None:
        """Store a batch of counts, keyed by (ISO day, kind)."""
        await self.repo.add(platform, counts)

    async def month_counts(self, platform: str, day: date) -> dict[str, dict[str, int]]:
        """The stored counts of ``day``'s month up to ``day``: ISO day -> kind -> calls."""
        return await self.repo.per_day(platform, day.replace(day=1).isoformat(), day.isoformat())

    async def usage(self, platform: str, quota: int, day: date | None = None) -> Usage:
        day = day or self.clock.now().date()  # the calendar day: Feishu's quota runs by calendar month
        per = await self.month_counts(platform, day)
        return Usage(platform, day, quota, dict(per.get(day.isoformat(), {})), sum(sum(v.values()) for v in per.values()),
                     {d: sum(v.values()) for d, v in per.items()})

    async def claim_notice(self, platform: str, day: date, level_: str) -> bool:
        """Claim the notice of ``level_`` for ``day``'s month: True once a month, False after."""
        return await self.repo.claim_notice(platform, day.strftime("%Y-%m"), level_,
                                            self.clock.now().isoformat(timespec="seconds"))
