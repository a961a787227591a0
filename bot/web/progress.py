"""What the console's live pages show: today's progress per grid (drilled down grid → member → households)
and who is still missing, with their leave and the time of the next nag. Platform-free: the pages are
rendered by ``handlers/web``.

Everything is clipped to the viewer's scope (:class:`bot.stats.roles.Viewer`): a statistician sees the grids
of their town or village, a leader their grids, a member only their own households (under their grid, with
nobody else in it), a stranger nothing. Figures come from the statisticians' indexed queries
(:class:`storage.stats.StatsRepo`): one GROUP BY for the roster counts and one for the day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.config.settings import Config
from bot.console.scope import household_ref
from bot.core.reminders import Leave
from bot.core.template import Template
from bot.reminders.schedule import (
    DEADLINE,
    ESCALATE,
    REMIND,
    Slot,
    apply_override,
    grid_plan,
    is_active_day,
    missing_members,
)
from bot.reminders.service import NagService
from bot.stats.hierarchy import Hierarchy, Unit
from bot.stats.roles import Viewer
from bot.stats.service import StatsService
from bot.stats.summary import unit_title
from storage.web import WebRepo

#: a scope with more than 1/WIDE_FRACTION_INV of all members is read by scanning the day (as the summary does)
WIDE_FRACTION_INV = 4
NAG_LABELS = {REMIND: "提醒", DEADLINE: "截止", ESCALATE: "报告网格长"}


@dataclass
class Row:
    """One bar: a grid or a member, with its members and households reported of all."""

    unit: Unit
    members: int = 0
    members_reported: int = 0
    households: int = 0
    households_covered: int = 0

    @property
    def id(self) -> int:
        return int(self.unit.grid_id if self.unit.level == "grid" else self.unit.member_id or 0)

    @property
    def label(self) -> str:
        return self.unit.label

    @property
    def place(self) -> str:
        """Where the unit is, above it (镇/村 for a grid, the grid for a member)."""
        return "/".join(u.label for u in self.unit.lineage()[1:-1])

    @property
    def percent(self) -> int:
        return round(100 * self.households_covered / self.households) if self.households else 0

    @property
    def done(self) -> bool:
        return self.households > 0 and self.households_covered >= self.households

    def add(self, other: Row) -> None:
        self.members += other.members
        self.members_reported += other.members_reported
        self.households += other.households
        self.households_covered += other.households_covered


@dataclass
class Board:
    """Today's progress of a scope: a row per grid (or per member of one grid), and the total."""

    day: date
    title: str
    rows: list[Row]
    total: Row

    @property
    def places(self) -> bool:
        """Whether the rows are in more than one place (镇/村), so that each row says its own."""
        return len({r.place for r in self.rows}) > 1


@dataclass(frozen=True)
class HouseholdLine:
    name: str
    address: str
    reported: bool
    people: int | None
    note: str  # what was reported, short (``2人 体温正常``), or ""
    reported_at: str | None
    ref: str = ""  # the household page's reference (h12)


@dataclass
class MissingLine:
    """A member still missing (or on leave) today, with what is missing."""

    unit: Unit
    missing: int
    total: int
    leave: Leave | None = None

    @property
    def label(self) -> str:
        return self.unit.label


@dataclass
class GridMissing:
    unit: Unit
    members: list[MissingLine] = field(default_factory=list)
    next_nag: Slot | None = None
    paused: bool = False
    #: whether the grid has a group (nags go only to bound grids)
    bound: bool = True

    @property
    def next_nag_label(self) -> str:
        return NAG_LABELS.get(self.next_nag.base, "") if self.next_nag else ""


def scope_members(h: Hierarchy, viewer: Viewer) -> list[Unit]:
    """The members the viewer may see, in roster order."""
    seen: set[int] = set()
    out = []
    for r in viewer.roots:
        for m in r.members():
            if m.member_id is not None and m.member_id not in seen:
                seen.add(m.member_id)
                out.append(m)
    return out


def _title(viewer: Viewer) -> str:
    if not viewer.roots:
        return ""
    if len(viewer.roots) == 1:
        return unit_title(viewer.roots[0])
    return "、".join(unit_title(r) for r in viewer.roots[:3]) + ("等" if len(viewer.roots) > 3 else "")


class LiveBoard:
    """The live pages' queries. ``version`` is what a page polls: it changes only when the day's reports or
    the roster change, and costs two indexed rows."""

    def __init__(self, config: Config, stats: StatsService, nags: NagService, repo: WebRepo):
        self.config = config
        self.stats = stats
        self.nags = nags
        self.repo = repo

    async def version(self, day: date) -> str:
        return await self.repo.live_version(day.isoformat())

    async def _member_rows(self, h: Hierarchy, members: Sequence[Unit], day: date, everyone: bool) -> list[Row]:
        ids = None if everyone else [int(m.member_id or 0) for m in members]
        wide = ids is None or len(ids) * WIDE_FRACTION_INV > len(h.members)
        repo = self.stats.stats
        counts = {c.member_id: c.households for c in await repo.roster_counts(ids)}
        d = day.isoformat()
        covered = {f.member_id: f.households_covered for f in await repo.day_figures(ids, d, d, wide=wide)}
        rows = []
        for m in members:
            mid = int(m.member_id or 0)
            n = int(counts.get(mid, 0))
            c = int(covered.get(mid, 0))
            rows.append(Row(m, 1, 1 if c else 0, n, c))
        return rows

    async def progress(self, h: Hierarchy, viewer: Viewer, day: date) -> Board:
        """A row per grid of the scope (a member's grid holds only that member)."""
        members = scope_members(h, viewer)
        everyone = any(r is h.root for r in viewer.roots)
        grids: dict[int, Row] = {}
        total = Row(h.root)
        for r in await self._member_rows(h, members, day, everyone):
            grid = r.unit.parent
            assert grid is not None and grid.grid_id is not None
            row = grids.get(grid.grid_id)
            if row is None:
                row = grids[grid.grid_id] = Row(grid)
            row.add(r)
            total.add(r)
        return Board(day, _title(viewer), list(grids.values()), total)

    async def grid(self, h: Hierarchy, viewer: Viewer, grid_id: int, day: date) -> Board | None:
        """A row per member of one grid, of those the viewer may see; None when they may see none."""
        unit = h.grids.get(grid_id)
        if unit is None:
            return None
        members = [m for m in scope_members(h, viewer) if m.parent is unit]
        if not members:
            return None
        rows = await self._member_rows(h, members, day, False)
        total = Row(unit)
        for r in rows:
            total.add(r)
        return Board(day, unit_title(unit), rows, total)

    async def member(self, h: Hierarchy, viewer: Viewer, member_id: int, day: date
                     ) -> tuple[Unit, list[HouseholdLine]] | None:
        """One member's households and what each reported today; None when the viewer may not see them."""
        unit = h.members.get(member_id)
        if unit is None or not viewer.can_see(unit):
            return None
        rows = await self.stats.stats.detail_rows([member_id], day.isoformat())
        rows.sort(key=lambda r: (r.position, r.household_id))
        tpl = self.config.template
        out = []
        for r in rows:
            note = "" if r.data is None else _short(tpl, r.data)
            people = r.data.get("people") if r.data else r.roster_people
            out.append(HouseholdLine(r.household, r.address or "", r.data is not None,
                                     people if isinstance(people, int) else r.roster_people, note, r.reported_at,
                                     household_ref(r.household_id)))
        return unit, out

    async def missing(self, h: Hierarchy, viewer: Viewer, day: date, now: datetime) -> list[GridMissing]:
        """Per grid of the scope with somebody missing or on leave: the members missing (``还差2户``), those on
        leave today, and the next nag still to come today."""
        members = scope_members(h, viewer)
        by_grid: dict[int, list[Unit]] = {}
        for m in members:
            assert m.parent is not None and m.parent.grid_id is not None
            by_grid.setdefault(m.parent.grid_id, []).append(m)
        if not by_grid:
            return []
        visible = {int(m.member_id or 0) for m in members}
        progress = await self.nags.progress(list(by_grid), day)
        leaves = {lv.member_id: lv for lv in await self.nags.nags.leaves_in_grids(list(by_grid), day.isoformat())
                  if lv.start <= day <= lv.end}
        bound = {b.grid.id for b in await self.nags.nags.bound_grids()}
        overrides = await self.nags.nags.overrides()
        pauses = await self.nags.nags.pauses()
        cfg, tz, cutoff = self.config.schedule, self.config.tz, self.config.day_cutoff
        out = []
        for gid, units in by_grid.items():
            gm = GridMissing(h.grids[gid])
            mine = [p for p in progress.get(gid, []) if p.member_id in visible]
            for mm in missing_members(mine, leaves):
                gm.members.append(MissingLine(h.members[mm.member_id], mm.missing, mm.total))
            for p in mine:
                if p.member_id in leaves and p.total > 0:
                    gm.members.append(MissingLine(h.members[p.member_id], p.total - p.done, p.total,
                                                  leaves[p.member_id]))
            if not gm.members:
                continue
            pause = pauses.get(gid)
            gm.paused = pause is not None and pause.covers(day)
            gm.bound = gid in bound
            if gm.bound and not gm.paused and is_active_day(cfg, day):
                gs = apply_override(cfg.grid_defaults(), overrides.get(gid))
                gm.next_nag = next((s for s in grid_plan(gs, day, tz, cutoff)
                                    if s.base in NAG_LABELS and s.at > now), None)
            order = {int(u.member_id or 0): i for i, u in enumerate(units)}
            gm.members.sort(key=lambda line: order.get(int(line.unit.member_id or 0), 0))
            out.append(gm)
        return out


def _short(tpl: Template, data: dict[str, Any]) -> str:
    """A household's report in a few words: its temperature, and its anomalies or 正常."""
    parts = []
    t = data.get("temperature")
    if isinstance(t, int | float) and not isinstance(t, bool):
        parts.append(f"体温{t}")
    flagged = [f.anomaly_text(data.get(f.key)) for f in tpl.fields if f.is_anomaly(data.get(f.key))]
    parts += flagged or ["正常"]
    if data.get("note"):
        parts.append(str(data["note"]))
    return " ".join(parts)
