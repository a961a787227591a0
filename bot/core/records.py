"""What the reporting loop's repository returns and takes: plain records, not database rows.

``storage/reports.py`` builds these from its rows; the services never see a row. The write records
(:class:`MemberReportWrite`, :class:`ReportSave`) are what a pure plan hands to the one save of a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core import texts
from bot.core.chat import Reply
from bot.core.ids import ChatId, UserId, shown
from bot.core.model import MemberReport, Roster


def grid_label(village: str, name: str) -> str:
    """How a grid is named to people: ``东风村第一网格`` (the village, when there is one, then the grid)."""
    return f"{village}{name}" if village else name


@dataclass(frozen=True)
class Grid:
    id: int
    town: str
    village: str
    name: str
    leader_name: str | None = None
    leader_account: str | None = None
    leader_user_id: UserId | None = None
    active: bool = True

    @property
    def label(self) -> str:
        return grid_label(self.village, self.name)


@dataclass(frozen=True)
class MemberAccount:
    """A grid member as an account: who they are in the roster and which chat user they are linked to."""

    id: int
    name: str
    grid_id: int
    grid: str
    village: str
    town: str
    account: str | None = None  # the roster's 账号: an @username or a numeric user id
    user_id: UserId | None = None  # the linked chat user
    username: str | None = None
    active: bool = True


@dataclass(frozen=True)
class LinkRequest:
    """An ``/iam`` request waiting for a leader's decision."""

    id: int
    chat_id: ChatId
    user_id: UserId
    username: str | None
    display_name: str
    member_id: int
    status: str

    @property
    def who(self) -> str:
        return self.display_name or (f"@{self.username}" if self.username else f"用户{shown(self.user_id)}")


@dataclass(frozen=True)
class StoredMemberReport:
    """One member's report of one message, as stored (its household rows are :class:`StoredReport`)."""

    id: int
    member_id: int
    day: str
    chain_hash: str | None = None


@dataclass(frozen=True)
class StoredReport:
    """The current report of one household for one day."""

    household_id: int
    household: str
    member_report_id: int | None
    data: dict[str, Any]
    via: str = "text"


@dataclass(frozen=True)
class DayRow:
    """One active household with its report for a day (``data`` None where there is none), for the day's
    table."""

    village: str
    grid: str
    member: str
    household: str
    roster_people: int | None
    data: dict[str, Any] | None
    via: str | None


@dataclass
class ImportStats:
    added: int = 0
    updated: int = 0
    moved: int = 0
    deactivated: int = 0
    unchanged: int = 0
    grids: int = 0
    members: int = 0

    def text(self) -> str:
        """What an import did, as ``gridbot roster import`` and the console say it."""
        return texts.ROSTER_IMPORTED.format(grids=self.grids, members=self.members, added=self.added,
                                            updated=self.updated, moved=self.moved, unchanged=self.unchanged,
                                            deactivated=self.deactivated)


@dataclass
class HouseholdWrite:
    household_id: int
    data: dict[str, Any]
    anomaly: bool = False
    #: the fields the parser was unsure of: stored as null (in ``data``) until a later report states them
    #: (:class:`PendingDoubt`)
    uncertain: list[str] = field(default_factory=list)
    #: what the parser read for some of those fields (``{"temperature": 36.5}`` for ``体温365``): not stored as
    #: the value, only shown in the question (``体温36.5℃，对吗？``) so that ``是的`` can confirm it
    read: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingDoubt:
    """Today's stored row of a household with fields the parser was unsure of (null until answered): a new
    report of the household fills them in and keeps what it does not restate."""

    data: dict[str, Any]
    uncertain: list[str]
    anomaly: bool = False
    #: where the row came from (what an answer to the bot's question is matched on): the household, its
    #: member, the chat and message that stored it, who posted that, and when
    household_id: int | None = None
    member_id: int | None = None
    chat_id: ChatId | None = None
    message_id: str | None = None
    sender_user_id: UserId | None = None
    reported_at: str = ""
    #: what was read for doubtful fields, shown in the question for confirmation (:attr:`HouseholdWrite.read`)
    read: dict[str, Any] = field(default_factory=dict)


@dataclass
class MemberReportWrite:
    member_id: int
    covers_all: bool
    same_as_yesterday: bool
    totals_households: int | None
    totals_people: int | None
    unmatched: list[str]
    households: list[HouseholdWrite] = field(default_factory=list)
    chain_hash: str | None = None
    via: str = "text"
    photo_file_id: str | None = None


@dataclass(frozen=True)
class TotalsUpdate:
    """A correction of a member report's stated totals only (``更正：17户``)."""

    member_report_id: int
    households: int | None
    people: int | None


@dataclass
class MessageContext:
    """Everything handling one report message reads, in one load (:meth:`ReportRepo.message_context`)."""

    #: the grids bound to the chat (empty: the bot stays silent there)
    grid_ids: list[int]
    #: the update was processed before (a redelivery)
    seen: bool = False
    #: the sender's members in those grids (linked, or about to be linked by their @username)
    members: list[MemberAccount] = field(default_factory=list)
    #: the sender's @username is in the roster but not yet linked to this user: the save links it
    link_username: bool = False
    #: the grids the sender leads
    leader_grid_ids: list[int] = field(default_factory=list)
    #: for an edit: the member reports the original message stored (the edit replaces them)
    edited_reports: list[int] | None = None
    #: today's live member reports in these grids, newest last
    day_reports: list[StoredMemberReport] = field(default_factory=list)
    #: the roster's version (:meth:`ReportRepo.roster_version`): the service's cached roster is valid for it
    roster_version: int = 0
    #: the whole active roster, loaded only when the caller's cached one is of another version
    full_roster: Roster | None = None
    #: the roster of these grids, with database ids (filled by the service from its cache)
    roster: Roster = field(default_factory=lambda: Roster([]))
    #: today's rows in these grids that wait for an answer (doubtful fields), by household id
    pending: dict[int, PendingDoubt] = field(default_factory=dict)
    #: the chain lines this chat was asked about today (:attr:`ReportSave.asked`): a repost does not ask again
    asked: set[str] = field(default_factory=set)
    #: the message is a reply to the bot's reply to this message of the chat (the message its questions are
    #: about), None when it replies to no reply of the bot's
    answering: str | None = None
    #: the sender's latest message in this chat today that stored a report (its message id)
    last_message_id: str | None = None

    def latest_report(self, member_id: int) -> StoredMemberReport | None:
        mine = [r for r in self.day_reports if r.member_id == member_id]
        return mine[-1] if mine else None

    def chain_hash_seen(self, member_id: int, chain_hash: str) -> bool:
        return any(r.member_id == member_id and r.chain_hash == chain_hash for r in self.day_reports)


@dataclass
class ReportSave:
    """Everything one message writes, in one transaction, with the update's idempotency mark."""

    update_id: str | None
    chat_id: ChatId | None
    message_id: str | None
    sender_user_id: UserId | None
    day: str
    text: str
    now: str
    items: list[MemberReportWrite] = field(default_factory=list)
    retire: list[int] = field(default_factory=list)
    retire_reason: str = "edited"
    totals: list[TotalsUpdate] = field(default_factory=list)
    #: link the sender's roster @username to their user id: (user id, username)
    link: tuple[UserId, str] | None = None
    #: the chain lines the reply asks about (keys, recorded for the chat and day: a repost asks not again)
    asked: list[str] = field(default_factory=list)
    #: the reply, committed with the effects and sent after (``outbox``): a kill between the commit and the
    #: send does not lose it
    reply: str | None = None
    #: set by the save: the id of the committed reply (to record it as sent)
    reply_id: int | None = None
    #: why a value was corrected from the console (kept with each member report written)
    reason: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.items or self.retire or self.totals or self.link)


@dataclass
class PendingReading:
    """A photo's reading waiting for 确认 (or decided): whose photo, for which member and day, and what was
    read (``report``, as corrected so far)."""

    id: int
    nonce: str
    chat_id: ChatId
    message_id: str
    sender_user_id: UserId
    member_id: int
    grid_id: int
    day: str
    photo_file_id: str
    kind: str  # "table" or "form"
    form_id: str | None
    report: MemberReport
    status: str = "pending"
    attempts: int = 1
    created_at: str = ""
    reply_message_id: str | None = None


@dataclass(frozen=True)
class InboxUpdate:
    """An update committed to the inbox and not handled yet: its id, its chat, and the update as received."""

    update_id: str
    chat_id: ChatId | None
    payload: str  # the platform's JSON of the update


@dataclass(frozen=True)
class QueuedReply:
    """A reply committed together with what it answers, waiting to be sent."""

    id: int
    chat_id: ChatId
    reply_to: str | None
    reply: Reply
