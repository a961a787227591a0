"""The 花名册 page's preview: what a roster upload would change against the stored roster.

Pure. It walks the file's rows as :meth:`storage.reports.ReportRepo.import_roster` applies them (a household
is its town, village, head and address; its member is the grid's member of that name; positions count per
member in file order), so that the preview's counts are the import's: households added, moved to another
member, updated (people, position, or brought back), unchanged, and removed (active, and not in the file).
Bad rows are the file reader's (:func:`bot.core.roster.read_roster_bytes`), with their row numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.console import RosterEntry
from bot.core.roster import RosterFile, RosterRow, RowError


@dataclass(frozen=True)
class HouseholdChange:
    """One household the upload adds, moves, updates or removes."""

    row: int | None  # the file's row number (None: a removed household, in no row)
    town: str
    village: str
    household: str
    address: str
    grid: str  # where it is after the upload (removed: where it was)
    member: str
    people: int | None
    before_grid: str | None = None  # where it was (None: added)
    before_member: str | None = None
    before_people: int | None = None


@dataclass(frozen=True)
class AccountChange:
    """A member's or a grid leader's account (or a leader's name) the upload changes: who may report for, or
    lead, a grid."""

    row: int
    town: str
    village: str
    grid: str
    who: str  # the member's or the leader's name
    role: str  # "member" or "leader"
    before: str | None
    after: str | None


@dataclass
class RosterPreview:
    added: list[HouseholdChange] = field(default_factory=list)
    moved: list[HouseholdChange] = field(default_factory=list)
    updated: list[HouseholdChange] = field(default_factory=list)
    removed: list[HouseholdChange] = field(default_factory=list)
    accounts: list[AccountChange] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows: int = 0
    grids: int = 0
    members: int = 0
    #: the towns and villages (``镇/村``) changed that the uploader may not change; empty: none
    outside: list[str] = field(default_factory=list)
    #: the file and the stored roster it was compared with: the confirmation must bring the same
    token: str = ""
    #: the file's good rows, as the import takes them
    file_rows: list[RosterRow] = field(default_factory=list, repr=False)

    @property
    def can_apply(self) -> bool:
        return not self.errors and self.rows > 0 and not self.outside

    def places(self) -> list[tuple[str, str]]:
        """Every town and village a change touches (before and after a move), in the order met."""
        seen: dict[tuple[str, str], None] = {}
        for c in [*self.added, *self.moved, *self.updated, *self.removed]:
            seen[(c.town, c.village)] = None
        for a in self.accounts:
            seen[(a.town, a.village)] = None
        return list(seen)


def _named(name: str | None, account: str | None) -> str | None:
    if name is None:
        return account
    return f"{name}（{account}）" if account else name


def preview_token(data: bytes, roster_version: int) -> str:
    """What a confirmation must match: the file's bytes and the roster version it was previewed against."""
    return hashlib.sha256(data + b"\x00" + str(roster_version).encode()).hexdigest()[:32]


def preview_roster(rf: RosterFile, entries: Iterable[RosterEntry], token: str = "") -> RosterPreview:
    """What importing ``rf`` over the stored roster (``entries``, every household ever imported) changes."""
    entries = list(entries)
    p = RosterPreview(errors=list(rf.errors), ignored_columns=list(rf.ignored_columns), rows=len(rf.rows),
                      token=token, file_rows=list(rf.rows))
    state: dict[tuple[str, str, str, str], RosterEntry] = {}
    accounts: dict[tuple[str, str, str, str], str | None] = {}
    leaders: dict[tuple[str, str, str], tuple[str | None, str | None]] = {}
    for e in entries:
        state[e.key] = e
        accounts[(e.town, e.village, e.grid, e.member)] = e.member_account
        leaders[(e.town, e.village, e.grid)] = (e.leader, e.leader_account)
    old_accounts, old_leaders = dict(accounts), dict(leaders)
    set_by: dict[tuple[str, tuple[str, ...]], int] = {}  # the last row that sets an account or a leader
    position: dict[tuple[str, str, str, str], int] = {}
    seen: set[tuple[str, str, str, str]] = set()
    grids: set[tuple[str, str, str]] = set()
    for r in rf.rows:
        gkey = (r.town, r.village, r.grid)
        mkey = (*gkey, r.member)
        grids.add(gkey)
        position[mkey] = position.get(mkey, 0) + 1
        if r.account:
            accounts[mkey] = r.account
            set_by[("member", mkey)] = r.row
        if r.leader:
            leaders[gkey] = (r.leader, r.leader_account or leaders.get(gkey, (None, None))[1])
            set_by[("leader", gkey)] = r.row
        key = (r.town, r.village, r.household, r.address)
        seen.add(key)
        old_entry = state.get(key)
        now = RosterEntry(r.town, r.village, r.household, r.address, r.people, position[mkey], True, r.grid,
                          r.member, accounts.get(mkey), None, None)
        state[key] = now
        change = HouseholdChange(r.row, r.town, r.village, r.household, r.address, r.grid, r.member, r.people,
                                 old_entry.grid if old_entry else None, old_entry.member if old_entry else None,
                                 old_entry.people if old_entry else None)
        if old_entry is None:
            p.added.append(change)
        elif (old_entry.town, old_entry.village, old_entry.grid, old_entry.member) != mkey:
            p.moved.append(change)
        elif (old_entry.people, old_entry.position, old_entry.active) != (r.people, position[mkey], True):
            p.updated.append(change)
        else:
            p.unchanged += 1
    for e in entries:
        if e.active and e.key not in seen:
            p.removed.append(HouseholdChange(None, e.town, e.village, e.name, e.address, e.grid, e.member,
                                             e.people))
    for (role, k), row in sorted(set_by.items(), key=lambda item: item[1]):
        if role == "member" and accounts[k] != old_accounts.get(k):
            p.accounts.append(AccountChange(row, k[0], k[1], k[2], k[3], role, old_accounts.get(k), accounts[k]))
        elif role == "leader" and leaders[k] != old_leaders.get(k, (None, None)):
            p.accounts.append(AccountChange(row, k[0], k[1], k[2], leaders[k][0] or "", role,
                                            _named(*old_leaders.get(k, (None, None))), _named(*leaders[k])))
    p.grids, p.members = len(grids), len(position)
    return p
