"""What the reminders' repository returns and takes: plain records, not database rows.

``storage/reminders.py`` builds these from its rows (and a grid's :class:`Override` from its stored
columns); :mod:`bot.reminders.service` never sees a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot.core.ids import ChatId, UserId
from bot.core.records import Grid

#: an override's value for open or escalate that turns the message off
OFF = "off"


@dataclass(frozen=True)
class Override:
    """A grid's stored overrides. ``None`` keeps the default; ``OFF`` (for open/escalate) turns it off."""

    open: time | None | str = None
    reminders: tuple[time, ...] | None = None
    deadline: time | None = None
    escalate: time | None | str = None

    def is_empty(self) -> bool:
        return self.open is None and self.reminders is None and self.deadline is None and self.escalate is None


@dataclass(frozen=True)
class Pause:
    """A grid's pause: through ``until`` (inclusive), or until /resume when ``until`` is None."""

    until: date | None = None
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.until is None or day <= self.until


@dataclass(frozen=True)
class Leave:
    """A member's leave, ``start`` to ``end`` inclusive."""

    id: int
    member_id: int
    name: str  # the member's
    start: date
    end: date


@dataclass(frozen=True)
class BoundGrid:
    """An active grid with at least one active group binding: the groups its nags go to."""

    grid: Grid
    chat_ids: tuple[ChatId, ...]

    @property
    def id(self) -> int:
        return self.grid.id


@dataclass(frozen=True)
class MemberProgress:
    """One member's day: how many of their households have a report."""

    member_id: int
    grid_id: int
    name: str
    total: int
    done: int
    user_id: UserId | None = None  # set once the member is linked to a chat account
    username: str | None = None

    @property
    def complete(self) -> bool:
        return self.done >= self.total


@dataclass(frozen=True)
class Claim:
    """A nag recorded in the sent-nag log before it is sent."""

    grid_id: int
    day: str
    kind: str
    slot_at: str
    status: str  # "claimed" (to send) or "skipped" (superseded: recorded, never sent)


@dataclass(frozen=True)
class SentNag:
    """A nag as the sent-nag log has it."""

    grid_id: int
    day: str
    kind: str
    slot_at: str
    status: str
    claimed_at: str
    finished_at: str | None
    chat_ids: tuple[ChatId, ...]  # where it went
    named: int  # how many members it named
