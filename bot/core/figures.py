"""What the statisticians' repository returns: plain records, not database rows.

``storage/stats.py`` builds these from its rows and ``bot/stats`` reads them by attribute. A summary of a
county reads them by the thousand (100,000 households, thousands of members, many days), so they are
``NamedTuple``s: a tuple is cheap to build from a row and an attribute is quick to read. Only the
statisticians, a handful at a time, are a frozen dataclass.

Days are ISO dates (``2020-02-10``), times ISO timestamps as stored; a report's ``data`` is its values,
already decoded from the stored JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.core.ids import UserId


# ---------------------------------------------------------------------- the hierarchy
class ActiveGrid(NamedTuple):
    """An active grid, a node of the hierarchy (town → village → grid)."""

    id: int
    town: str
    village: str
    name: str
    leader_name: str | None
    leader_user_id: UserId | None


class ActiveMember(NamedTuple):
    """An active grid member, a leaf of the hierarchy."""

    id: int
    grid_id: int
    name: str
    user_id: UserId | None  # the linked chat user
    username: str | None


# ---------------------------------------------------------------------- figures
class RosterCount(NamedTuple):
    """One member's active households and the roster's people in them."""

    member_id: int
    households: int
    roster_people: int


class MemberDayFigures(NamedTuple):
    """One member's figures for one day: the households reported, the people in them (as reported, else the
    roster's), the households with fever, and the returned, isolated and visitors. The figure names are the
    keys of :data:`bot.stats.summary.FIGURES`."""

    member_id: int
    day: str
    households_covered: int
    people: int
    fever: int
    returned: int
    isolated: int
    visitors: int


class FlaggedReport(NamedTuple):
    """A household's report that may hold an anomaly (flagged, or with a fever, returned, isolated or
    visitors figure), with the household it is for and who reported it."""

    member_id: int  # the household's current member
    household_id: int
    household: str  # the household's name
    address: str
    position: int  # the household's place in its member's list
    day: str
    data: dict[str, Any]
    reported_at: str
    via: str  # text, photo or phone
    reporter_id: int  # the member the report was stored for
    sender_user_id: UserId | None  # the chat user who sent it (None: by phone)


class MissingHousehold(NamedTuple):
    """An active household with no report for the day."""

    member_id: int
    household_id: int
    household: str
    address: str
    position: int


class HouseholdDay(NamedTuple):
    """An active household with its report for one day; the report's fields are None where there is none."""

    member_id: int
    household_id: int
    household: str
    address: str
    roster_people: int | None
    position: int
    data: dict[str, Any] | None
    reported_at: str | None
    via: str | None
    reporter_id: int | None
    sender_user_id: UserId | None


# ---------------------------------------------------------------------- statisticians
@dataclass(frozen=True)
class Statistician:
    """A statistician set by an admin (``/statistician add``): a user, by id or @username, and the town or
    village (a unit path) they see."""

    id: int
    user_id: UserId | None
    username: str | None
    scope: str
    added_by: UserId | None
    added_at: str
