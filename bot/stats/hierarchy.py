"""The grid hierarchy as a tree of units: all → town (镇) → village (村) → grid (网格) → member (网格员).

Pure: built from the active grids and members (:mod:`bot.core.figures`). Units keep roster order (grid and member ids), not
alphabetical order, so that 第一网格 comes before 第二网格.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.core.figures import ActiveGrid, ActiveMember

LEVELS = ("all", "town", "village", "grid", "member")
LEVEL_LABELS = {"all": "全部", "town": "镇", "village": "村", "grid": "网格", "member": "网格员"}
ALL_NAMES = ("全部", "全县", "全区", "全市", "all")
_UNNAMED = {"town": "（未填镇）", "village": "（未填村）"}


@dataclass(eq=False)
class Unit:
    level: str
    name: str
    parent: Unit | None = None
    children: list[Unit] = field(default_factory=list)
    grid_id: int | None = None
    member_id: int | None = None
    #: roster order, for sorting
    order: int = 0

    @property
    def key(self) -> tuple[Any, ...]:
        if self.level == "member":
            return ("member", self.member_id)
        if self.level == "grid":
            return ("grid", self.grid_id)
        return (self.level, *(u.name for u in self.lineage() if u.level != "all"))

    @property
    def label(self) -> str:
        """The display name: the name, or a placeholder for a town/village the roster left empty."""
        return self.name or _UNNAMED.get(self.level, "")

    def lineage(self) -> list[Unit]:
        """From the root down to this unit."""
        out: list[Unit] = []
        u: Unit | None = self
        while u is not None:
            out.append(u)
            u = u.parent
        return out[::-1]

    @property
    def path(self) -> str:
        """``镇/村/网格/网格员`` (empty names are kept as placeholders); ``全部`` for the root."""
        parts = [u.label for u in self.lineage() if u.level != "all"]
        return "/".join(parts) if parts else LEVEL_LABELS["all"]

    def ancestor(self, level: str) -> Unit | None:
        return next((u for u in self.lineage() if u.level == level), None)

    def contains(self, other: Unit) -> bool:
        """Whether ``other`` is this unit or below it."""
        u: Unit | None = other
        while u is not None:
            if u is self:
                return True
            u = u.parent
        return False

    def walk(self) -> Iterator[Unit]:
        """This unit and everything below it, depth first in roster order."""
        yield self
        for c in self.children:
            yield from c.walk()

    def members(self) -> list[Unit]:
        return [u for u in self.walk() if u.level == "member"]

    def grid_ids(self) -> list[int]:
        return [u.grid_id for u in self.walk() if u.level == "grid" and u.grid_id is not None]

    def __repr__(self) -> str:
        return f"Unit({self.level}, {self.path!r})"


class Hierarchy:
    """The tree of the active roster, with lookups by name."""

    def __init__(self, grids: Iterable[ActiveGrid], members: Iterable[ActiveMember]):
        self.root = Unit("all", LEVEL_LABELS["all"])
        self.grids: dict[int, Unit] = {}
        self.members: dict[int, Unit] = {}
        towns: dict[str, Unit] = {}
        villages: dict[tuple[str, str], Unit] = {}
        for g in sorted(grids, key=lambda r: r.id):
            town = towns.get(g.town)
            if town is None:
                town = towns[g.town] = self._child(self.root, "town", g.town)
            village = villages.get((g.town, g.village))
            if village is None:
                village = villages[(g.town, g.village)] = self._child(town, "village", g.village)
            unit = self._child(village, "grid", g.name)
            unit.grid_id = g.id
            self.grids[unit.grid_id] = unit
        for m in sorted(members, key=lambda r: r.id):
            parent = self.grids.get(m.grid_id)
            if parent is None:
                continue  # a member of an inactive grid
            unit = self._child(parent, "member", m.name)
            unit.member_id = m.id
            self.members[unit.member_id] = unit

    @staticmethod
    def _child(parent: Unit, level: str, name: str) -> Unit:
        unit = Unit(level, name, parent, order=len(parent.children))
        parent.children.append(unit)
        return unit

    def units(self) -> Iterator[Unit]:
        return self.root.walk()

    def find(self, name: str, levels: tuple[str, ...] = ("town", "village", "grid")) -> list[Unit]:
        """Units called ``name`` at the given levels. ``镇/村/网格`` (or ``村/网格``, ``镇/村``) narrows by
        the units above; ``全部`` is the root."""
        text = name.strip().replace("／", "/")
        if text in ALL_NAMES:
            return [self.root]
        parts = [p.strip() for p in text.split("/") if p.strip()]
        if not parts:
            return []
        found = [u for u in self.units() if u.level in levels and u.label == parts[-1]]
        for qualifier in reversed(parts[:-1]):
            found = [u for u in found if any(a.label == qualifier for a in u.lineage()[:-1])]
        return found

    def find_one(self, name: str, levels: tuple[str, ...] = ("town", "village", "grid")) -> Unit | None:
        found = self.find(name, levels)
        return found[0] if len(found) == 1 else None


def top_units(units: Iterable[Unit]) -> list[Unit]:
    """The units that are not below another one in the list, without duplicates, in tree order."""
    uniq: list[Unit] = []
    for u in units:
        if not any(o is u for o in uniq):
            uniq.append(u)
    tops = [u for u in uniq if not any(o is not u and o.contains(u) for o in uniq)]
    return sorted(tops, key=sort_key)


def sort_key(unit: Unit) -> tuple[int, ...]:
    return tuple(u.order for u in unit.lineage())


def clip(units: Iterable[Unit], limit: Unit) -> list[Unit]:
    """The parts of ``units`` inside ``limit``: a unit inside it stays; a unit around it gives ``limit``."""
    out = []
    for u in units:
        if limit.contains(u):
            out.append(u)
        elif u.contains(limit):
            out.append(limit)
    return top_units(out)
