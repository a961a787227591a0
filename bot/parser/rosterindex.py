"""Name lookups over a roster, built once per roster and shared by every message.

Each message asks "is this a member / a household?" for many substrings; a dictionary of names (and the
lengths they come in) answers that in constant time. The index is cached per roster object without keeping
the roster alive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from bot.core.model import Household, Member, Roster
from bot.parser import textnorm


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
