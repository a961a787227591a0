"""Name lookups over a roster, built once per roster and shared by every message.

Each message asks "is this a member / a household?" for many substrings; a dictionary of names (and the
lengths they come in) answers that in constant time. The index is cached per roster object without keeping
the roster alive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from bot.core.model import Household, Member, Roster
from bot.parser import textnorm


class OwnNames:
    """Lookups over one member's own households, worked out once per member of an indexed roster."""

    def __init__(self, member: Member) -> None:
        #: name -> household, in roster order (read-only: shared by every message of the member)
        self.own: dict[str, Household] = {h.name: h for h in member.households}
        self._member = member

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The households' names in roster order (as many as there are households)."""
        return tuple(h.name for h in self._member.households)

    @cached_property
    def initials(self) -> frozenset[str]:
        """The first characters of the own names."""
        return frozenset(n[0] for n in self.own if n)

    @cached_property
    def by_initial(self) -> dict[tuple[int, str], list[str]]:
        """(length, first character) -> the own names of that length and initial: the only ones a name one
        character off in the given name can be (bot.parser.names.one_off)."""
        out: dict[tuple[int, str], list[str]] = {}
        for n in self.own:
            if n:
                out.setdefault((len(n), n[0]), []).append(n)
        return out

    @cached_property
    def by_given(self) -> dict[str, list[str]]:
        """The given name (the name without its surname) -> the own names with it (``建国家``)."""
        out: dict[str, list[str]] = {}
        for n in self.own:
            out.setdefault(n[1:], []).append(n)
        return out


class RosterIndex:
    """Name lookups over one roster, built once per roster object (rosters are immutable in practice)."""

    def __init__(self, roster: Roster) -> None:
        # no reference to ``roster`` itself: this is the value of a WeakKeyDictionary keyed by the roster, and a
        # value that refers to its key keeps the entry alive for ever (one leaked index per message)
        self.members = roster.members
        self.households: dict[str, list[Household]] = {}
        self.member_names: dict[str, list[Member]] = {}
        for m in roster.members:
            self.member_names.setdefault(m.name, []).append(m)
            for h in m.households:
                self.households.setdefault(h.name, []).append(h)
        names = set(self.households) | set(self.member_names)
        self.member_lengths = sorted({len(n) for n in self.member_names if len(n) >= 2}, reverse=True)
        self.household_lengths = sorted({len(n) for n in self.households if len(n) >= 2}, reverse=True)
        #: the first characters of the household names that are looked for (2 characters or more)
        self.household_initials = frozenset(n[0] for n in self.households if len(n) >= 2)
        self.protect = tuple(n for n in names if any(c in textnorm.NUMERAL_CHARS for c in n))
        #: what other stages work out from the roster, by name (``glue_starts``: bot.parser.segment)
        self.memo: dict[str, Any] = {}
        self._member_ids = frozenset(id(m) for m in roster.members)
        self._own: dict[int, OwnNames] = {}

    def own_names(self, member: Member) -> OwnNames:
        """The lookups over ``member``'s own households: built once for a member of this roster (the index
        holds its members, so their ids stay theirs), afresh for any other."""
        key = id(member)
        if key not in self._member_ids:
            return OwnNames(member)
        found = self._own.get(key)
        if found is None:
            found = self._own[key] = OwnNames(member)
        return found


INDEXES: weakref.WeakKeyDictionary[Roster, RosterIndex] = weakref.WeakKeyDictionary()

T = TypeVar("T")


def per_roster(cache: weakref.WeakKeyDictionary[Roster, T], roster: Roster, build: Callable[[Roster], T]) -> T:
    """``build(roster)``, cached in ``cache`` while the roster lives (built afresh for an unhashable one, or
    when the roster's members changed). The value must not refer to the roster itself (see RosterIndex)."""
    try:
        idx = cache.get(roster)
    except TypeError:
        return build(roster)
    if idx is None or getattr(idx, "members", None) is not roster.members:
        idx = build(roster)
        try:
            cache[roster] = idx
        except TypeError:
            pass
    return idx


def roster_index(roster: Roster) -> RosterIndex:
    """The index of ``roster`` (cached while the roster lives; built afresh for an unhashable one)."""
    return per_roster(INDEXES, roster, RosterIndex)
