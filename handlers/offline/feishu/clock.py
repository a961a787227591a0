"""The clock a bot and its Feishu stand-in share offline (the tests and the demo)."""

from __future__ import annotations

import time as _time
from datetime import datetime


class Clock:
    """The bot's injected clock, and the stand-in's: the same time, running on for the stand-in (its
    frequency limits count real seconds). Nothing sleeps for it: :meth:`set` moves it to a time of day."""

    def __init__(self, at: datetime):
        self.at = at
        self._since = _time.monotonic()

    def __call__(self) -> datetime:
        return self.at

    def epoch(self) -> float:
        return self.at.timestamp() + (_time.monotonic() - self._since)

    def set(self, hhmm: str) -> None:
        h, m = map(int, hhmm.split(":"))
        self.at = self.at.replace(hour=h, minute=m)
        self._since = _time.monotonic()
