"""What the console's repository returns: plain records, not database rows.

``storage/console.py`` builds these; :mod:`bot.console` reads them. Days are ISO dates, times ISO timestamps
as stored; a report's ``data`` is its values, already decoded from the stored JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.ids import ChatId, UserId


@dataclass(frozen=True)
class HouseholdInfo:
    """A household as the roster has it, with its current member and grid."""

    id: int
    town: str
    village: str
    name: str
    address: str
    people: int | None
    active: bool
    member_id: int
    member: str  # the member's name
    grid_id: int
    grid: str  # the grid's name


@dataclass(frozen=True)
class ReportVersion:
    """One stored version of a household's report of a day: the live one (``replaced_at`` None) or one the
    audit table keeps (replaced by a later report, or withdrawn by an edit, a correction or /undo)."""

    day: str
    data: dict[str, Any]
    uncertain: tuple[str, ...]
    member_id: int  # the member it was stored for
    member_report_id: int
    via: str  # text, photo, phone, resident, console
    sender_user_id: UserId | None  # who sent it (None: by phone)
    reported_at: str
    source_chat_id: ChatId | None
    source_message_id: str | None
    photo_file_id: str | None
    message_text: str | None  # the message it came from, while retention keeps it
    reason: str | None  # a console correction's reason
    replaced_at: str | None = None
    replaced_because: str | None = None  # replaced, corrected, edited, undone


@dataclass(frozen=True)
class RosterEntry:
    """A household of the stored roster (active or not), where it is and whose it is: what a roster upload is
    compared with. ``key`` is how ``ReportRepo.import_roster`` recognises a household."""

    town: str
    village: str
    name: str
    address: str
    people: int | None
    position: int
    active: bool
    grid: str
    member: str
    member_account: str | None
    leader: str | None
    leader_account: str | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.town, self.village, self.name, self.address)
