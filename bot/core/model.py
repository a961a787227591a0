"""Plain data types shared by the roster, the parser, the OCR pipeline and the services.

Nothing here knows about Telegram or SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Household:
    """One household (户) as the roster knows it."""

    name: str  # 户主, the head of household; how members refer to the household
    member: str  # the grid member (网格员) who covers it
    grid: str
    village: str = ""
    town: str = ""
    address: str = ""
    people: int | None = None
    id: int | None = None  # database id, when loaded from storage


@dataclass(frozen=True)
class Member:
    """A grid member and the households they cover, in roster order."""

    name: str
    grid: str
    village: str = ""
    town: str = ""
    account: str | None = None  # Telegram @username or numeric id from the roster
    households: tuple[Household, ...] = ()
    id: int | None = None
    grid_id: int | None = None  # database id of the grid, when loaded from storage

    @property
    def people(self) -> int:
        return sum(h.people or 0 for h in self.households)


class Roster:
    """An in-memory roster: members and their households, with lookups by name.

    Member names are unique within a grid; the same name in two grids is two members. Lookups that take
    only a name prefer the given grid, then the given village.
    """

    def __init__(self, members: list[Member] | tuple[Member, ...]):
        self.members: tuple[Member, ...] = tuple(members)
        self._by_name: tuple[tuple[Member, ...], dict[str, list[Member]]] | None = None

    def _named(self, name: str) -> list[Member]:
        """The members called ``name``, in roster order (a name index built once per ``members``)."""
        if self._by_name is None or self._by_name[0] is not self.members:
            index: dict[str, list[Member]] = {}
            for m in self.members:
                index.setdefault(m.name, []).append(m)
            self._by_name = (self.members, index)
        return self._by_name[1].get(name, [])

    def find_member(self, name: str, grid: str | None = None, village: str | None = None) -> Member | None:
        candidates = self._named(name)
        if len(candidates) <= 1:  # (one member of that name is found whatever the grid and village)
            return candidates[0] if candidates else None
        for scope in (
            [m for m in candidates if grid is not None and m.grid == grid],
            [m for m in candidates if village is not None and m.village == village],
            candidates,
        ):
            if len(scope) == 1:
                return scope[0]
        return None  # ambiguous

    def member_by_id(self, member_id: int | None) -> Member | None:
        """The member with this database id, if it is in this roster."""
        return next((m for m in self.members if m.id == member_id), None) if member_id is not None else None

    def member_names(self) -> list[str]:
        return [m.name for m in self.members]

    def households_of(self, member: str, grid: str | None = None) -> tuple[Household, ...]:
        m = self.find_member(member, grid)
        return m.households if m else ()

    def owner_of(self, household: str, village: str | None = None) -> list[Household]:
        """Every household with this name (optionally in one village)."""
        return [
            h
            for m in self.members
            for h in m.households
            if h.name == household and (village is None or h.village == village)
        ]

    def grids(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.members:
            seen.setdefault(m.grid, None)
        return list(seen)

    def __len__(self) -> int:
        return len(self.members)


@dataclass
class HouseholdReport:
    """What a report says about one household. ``values`` is keyed by template field key.

    A value of None means "not stated"; 0 / False means "stated as none / normal".
    """

    household: str
    values: dict[str, Any]
    row: int | None = None  # table row number (photos, tables)
    uncertain: list[str] = field(default_factory=list)  # field keys the reader is unsure of
    confidence: dict[str, float] = field(default_factory=dict)  # per-field confidence, photos only


@dataclass
class MemberReport:
    """One member's report, as read from one message (a chain yields one per line)."""

    member: str
    covers_all: bool = False
    same_as_yesterday: bool = False
    households: list[HouseholdReport] = field(default_factory=list)
    totals: dict[str, int | None] = field(default_factory=lambda: {"households": None, "people": None})
    unmatched: list[str] = field(default_factory=list)  # names that match none of the member's households
    #: households named in the message that belong to another member: [{"household": .., "member": ..}]
    foreign: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the member's line number in a 接龙 chain (1-based), None otherwise
    chain_index: int | None = None
    #: the template fields a photo's reading read a column (or a form's boxes) for, in the template's order;
    #: empty when not read from a photo, or not known (then the usual fields are shown)
    columns: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "covers_all": self.covers_all,
            "same_as_yesterday": self.same_as_yesterday,
            "households": [
                {
                    "household": h.household,
                    **h.values,
                    **({"row": h.row} if h.row is not None else {}),
                    "uncertain": list(h.uncertain),
                }
                for h in self.households
            ],
            "totals": dict(self.totals),
            "unmatched": list(self.unmatched),
            "foreign": list(self.foreign),
            "warnings": list(self.warnings),
            **({"columns": list(self.columns)} if self.columns else {}),
        }


@dataclass
class ParseResult:
    """The parser's output for one message."""

    reports: list[MemberReport] = field(default_factory=list)
    #: True when the message is a correction (更正); its reports replace what the member stored earlier today.
    correction: bool = False
    #: True when the message is a 接龙 chain.
    chain: bool = False
    #: The message was longer than the parser reads (``bot.parser.textnorm.MAX_CHARS``): its lines read whole
    #: (the rest was not read, and the reply says so); None when all of it was read.
    lines_read: int | None = None

    @property
    def is_report(self) -> bool:
        return bool(self.reports)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reports": [r.to_json() for r in self.reports]}
        if self.lines_read is not None:
            out["lines_read"] = self.lines_read
        return out
