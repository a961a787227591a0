"""Report days and the injected clock.

Every service takes its time from one :class:`ReportClock`, so that tests and the demo can set the time.
A report day is the calendar day in the configured zone, shifted back by ``reporting.day_cutoff``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol


class _Reporting(Protocol):
    @property
    def tz(self) -> tzinfo: ...

    day_cutoff: time


class ReportClock:
    """The current time (from ``clock``, else the wall clock) and the report day of a moment."""

    def __init__(self, config: _Reporting, clock: Callable[[], datetime] | None = None):
        self.tz = config.tz
        self.cutoff = config.day_cutoff
        self._clock = clock or (lambda: datetime.now(self.tz))

    def now(self) -> datetime:
        return self._clock().astimezone(self.tz)

    def day_of(self, when: datetime) -> date:
        """The report day of a moment: the calendar day in the configured zone, shifted by the day cutoff."""
        local = when.astimezone(self.tz)
        shifted = local - timedelta(hours=self.cutoff.hour, minutes=self.cutoff.minute)
        return shifted.date()

    def today(self) -> date:
        return self.day_of(self.now())


def iso(dt: datetime) -> str:
    """A moment as stored: ISO 8601 to the second, with its offset."""
    return dt.isoformat(timespec="seconds")
