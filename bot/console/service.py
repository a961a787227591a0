"""The console's use cases: anomalies, a household's history, corrections, roster uploads, schedules.

Every method takes the signed-in user (a :class:`bot.core.chat.Sender`, as the chat has them) and checks their
role and scope first (:mod:`bot.console.scope`, on :func:`bot.stats.roles.resolve_viewer`): a stranger gets a
:class:`Refused` and no data. What changes data goes through the chat's services: a correction through
:meth:`bot.reports.service.ReportService.store_correction` (one save, the old row to the audit table), a
roster through :meth:`~bot.reports.service.ReportService.import_roster` (one transaction, as ``gridbot roster
import``), a schedule, pause or leave through :class:`bot.reminders.service.NagService` with ``/schedule``'s
rules.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.config.settings import Config
from bot.console.anomalies import AnomalyKind, AnomalyRow, anomaly_kinds, pick_anomalies
from bot.console.history import HouseholdHistory, build_history, staff_names
from bot.console.roster import RosterPreview, preview_roster, preview_token
from bot.console.scope import (
    Refused,
    editing_roots,
    parse_household_ref,
    place_in,
    roster_roots,
)
from bot.core import texts
from bot.core.chat import Reply, Sender
from bot.core.model import HouseholdReport, MemberReport
from bot.core.records import ImportStats
from bot.core.roster import RosterFileError, read_roster_bytes
from bot.core.template import Template
from bot.reminders.service import NagService, ScheduleState
from bot.reports.photos import apply_correction
from bot.reports.service import ReportService
from bot.stats.hierarchy import Hierarchy, Unit, clip
from bot.stats.periods import Period
from bot.stats.roles import Viewer
from bot.stats.service import StatsService
from bot.stats.summary import unit_title
from storage.console import ConsoleRepo

log = logging.getLogger(__name__)

#: the longest reason a correction keeps
MAX_REASON = 200


@dataclass(frozen=True)
class Anomalies:
    """The 异常 page: the rows of the period and scope, and what the filters may choose from."""

    period: Period
    rows: list[AnomalyRow]
    kinds: list[AnomalyKind]  # every kind the template has
    grids: list[tuple[int, str]]  # (grid id, 东风村第一网格) of the viewer's scope


@dataclass(frozen=True)
class Corrected:
    """A correction stored: the reply the chat would give for it."""

    text: str
    household_ref: str
    day: date


@dataclass(frozen=True)
class RosterApplied:
    stats: ImportStats
    text: str  # what ``gridbot roster import`` prints


@dataclass(frozen=True)
class GridSchedule:
    """A grid's schedule on the schedules page, and whether the viewer may change it."""

    state: ScheduleState
    editable: bool

    @property
    def grid_id(self) -> int:
        return self.state.grid.id


class ConsoleService:
    def __init__(self, config: Config, reports: ReportService, stats: StatsService, nags: NagService,
                 repo: ConsoleRepo):
        self.config = config
        self.reports = reports
        self.stats = stats
        self.nags = nags
        self.repo = repo

    @property
    def template(self) -> Template:
        return self.config.template

    def today(self) -> date:
        return self.stats.today()

    async def _viewer(self, sender: Sender) -> tuple[Hierarchy, Viewer] | Refused:
        h = await self.stats.hierarchy()
        viewer = await self.stats.viewer(h, sender)
        if viewer.stranger:
            log.info("console refused to user %s: no role", sender.user_id)
            return Refused(texts.CONSOLE_NO_ROLE)
        return h, viewer

    # ------------------------------------------------------------------ anomalies
    async def anomalies(self, sender: Sender, start: date, end: date, kinds: Collection[str] = (),
                        grid_id: int | None = None) -> Anomalies | Refused:
        """The anomalies from ``start`` to ``end`` (at most ``summary.max_days`` days) of the viewer's scope,
        of ``kinds`` (anomaly field keys; all when empty) and of one grid (``grid_id``; all when None)."""
        seen = await self._viewer(sender)
        if isinstance(seen, Refused):
            return seen
        h, viewer = seen
        if start > end:
            return Refused(texts.CONSOLE_BAD_PERIOD)
        period = Period(start, end)
        if len(period.days) > self.config.summary.max_days:
            return Refused(texts.STATS_RANGE_TOO_LONG.format(days=len(period.days), max=self.config.summary.max_days))
        known = anomaly_kinds(self.template)
        bad = [k for k in kinds if k not in {k.key for k in known}]
        if bad:
            return Refused(texts.CONSOLE_BAD_KIND.format(kind="、".join(bad)))
        roots = viewer.roots
        if grid_id is not None:
            unit = h.grids.get(grid_id)
            roots = clip(roots, unit) if unit is not None else []
            if not roots:
                return Refused(texts.CONSOLE_NOT_IN_SCOPE)
        members = {int(u.member_id): u for r in roots for u in r.members() if u.member_id is not None}
        ids = None if any(r is h.root for r in roots) else list(members)
        rows = await self.stats.stats.anomaly_rows(ids, start.isoformat(), end.isoformat())
        grids = list({g.grid_id: unit_title(g) for r in viewer.roots for g in _grids_of(r)
                      if g.grid_id is not None}.items())
        log.info("console anomalies for user %s: %d day(s)", sender.user_id, len(period.days))
        return Anomalies(period, pick_anomalies(rows, members, self.template, kinds), known, grids)

    # ------------------------------------------------------------------ a household
    async def _household(self, sender: Sender, ref: str, *, editing: bool
                         ) -> tuple[Viewer, Unit, int] | Refused:
        """The viewer, the household's member's unit and the household's id, if the sender may see
        (``editing``: correct) it."""
        seen = await self._viewer(sender)
        if isinstance(seen, Refused):
            return seen
        h, viewer = seen
        hid = parse_household_ref(ref)
        info = await self.repo.household(hid) if hid is not None else None
        unit = h.members.get(info.member_id) if info is not None and info.active else None
        if info is None or unit is None or not viewer.can_see(unit):
            return Refused(texts.CONSOLE_NOT_FOUND)  # the same answer whether it exists or not
        if editing and not any(r.contains(unit) for r in editing_roots(viewer)):
            return Refused(texts.CONSOLE_CORRECT_NOT_ALLOWED)
        return viewer, unit, info.id

    async def household(self, sender: Sender, ref: str, start: date, end: date) -> HouseholdHistory | Refused:
        """The household's reports from ``start`` to ``end`` with every version the audit table keeps."""
        found = await self._household(sender, ref, editing=False)
        if isinstance(found, Refused):
            return found
        viewer, unit, hid = found
        if start > end:
            return Refused(texts.CONSOLE_BAD_PERIOD)
        info = await self.repo.household(hid)
        assert info is not None
        versions = await self.repo.versions(hid, start.isoformat(), end.isoformat())
        grid = unit.ancestor("grid")
        names = staff_names(self.config.roles.statisticians, self.config.admins)
        names.update(await self.stats.stats.user_names())  # a name the roster knows comes first
        history = build_history(ref, info, unit_title(grid) if grid else "", start, end, versions, self.template,
                                await self.stats.stats.member_names(), names)
        return replace(history, correctable=any(r.contains(unit) for r in editing_roots(viewer)))

    # ------------------------------------------------------------------ corrections
    async def correct(self, sender: Sender, ref: str, day: date, field: str, value: str, reason: str
                      ) -> Corrected | Refused:
        """Set one field of the household's report of ``day`` (``value`` as a chat correction writes it:
        ``37.6``, ``4``, ``是``, ``咳嗽、乏力``; ``空`` clears it), with a reason. A statistician, leader or admin
        of the household's part of their scope only. Stored as a chat correction is, so the audit table keeps
        the old row and the member's ``/mystatus`` counts the household as reported."""
        found = await self._household(sender, ref, editing=True)
        if isinstance(found, Refused):
            return found
        _, unit, hid = found
        reason = " ".join(reason.split())
        if not reason:
            return Refused(texts.CONSOLE_CORRECT_NO_REASON)
        if field not in self.template.keys():
            return Refused(texts.CONSOLE_CORRECT_BAD_FIELD.format(field=field))
        if day > self.today():
            return Refused(texts.CONSOLE_CORRECT_FUTURE.format(day=day.isoformat()))
        keep = self.config.summary.retention_days
        if keep and day < self.today() - timedelta(days=keep):
            return Refused(texts.CONSOLE_CORRECT_TOO_OLD.format(days=keep))
        info = await self.repo.household(hid)
        assert info is not None
        live = await self.repo.live_report(hid, day.isoformat())
        values = dict(live.data) if live is not None else self.template.empty_values()
        hr = HouseholdReport(info.name, dict(values), row=1, uncertain=list(live.uncertain) if live else [])
        problem = apply_correction(MemberReport(info.member, households=[hr]), 1, field, value, self.template,
                                   [info.name])
        if problem is not None:
            return Refused(problem)
        if live is not None and hr.values == live.data and list(live.uncertain) == hr.uncertain:
            return Refused(texts.CONSOLE_CORRECT_SAME)
        reply = await self.reports.store_correction(int(unit.member_id or 0), hid, hr, day.isoformat(),
                                                    editor_user_id=sender.user_id, reason=reason[:MAX_REASON])
        return Corrected(reply.text, ref, day)

    # ------------------------------------------------------------------ the roster
    async def _roster(self, sender: Sender, data: bytes, filename: str) -> RosterPreview | Refused:
        seen = await self._viewer(sender)
        if isinstance(seen, Refused):
            return seen
        _, viewer = seen
        roots = roster_roots(viewer)
        if not roots:
            return Refused(texts.CONSOLE_ROSTER_NOT_ALLOWED)
        try:
            rf = read_roster_bytes(data, filename)
        except RosterFileError as e:
            return Refused(str(e))
        version = await self.reports.repo.roster_version()
        preview = preview_roster(rf, await self.repo.roster_entries(), preview_token(data, version))
        preview.outside = [f"{town}/{village}" for town, village in preview.places()
                           if not place_in(roots, town, village)]
        return preview

    async def roster_preview(self, sender: Sender, data: bytes, filename: str) -> RosterPreview | Refused:
        """What importing the uploaded file (XLSX or CSV bytes) would change, and whether this user may."""
        preview = await self._roster(sender, data, filename)
        if not isinstance(preview, Refused):
            log.info("roster preview for user %s: %d row(s), %d bad", sender.user_id, preview.rows,
                     len(preview.errors))
        return preview

    async def roster_apply(self, sender: Sender, data: bytes, filename: str, token: str) -> RosterApplied | Refused:
        """Import the file previewed with ``token`` in one transaction, as ``gridbot roster import`` does; refused
        when it has bad rows, changes what the user may not change, or the file or the stored roster changed
        since the preview."""
        preview = await self._roster(sender, data, filename)
        if isinstance(preview, Refused):
            return preview
        if preview.token != token:
            return Refused(texts.CONSOLE_ROSTER_CHANGED)
        if preview.errors:
            return Refused(texts.ROSTER_IMPORT_FAILED.format(n=len(preview.errors)))
        if preview.outside:
            return Refused(texts.CONSOLE_ROSTER_OUTSIDE.format(places="、".join(preview.outside[:5])))
        if not preview.rows:
            return Refused(texts.CONSOLE_ROSTER_EMPTY)
        st = await self.reports.import_roster(preview.file_rows, filename)
        log.info("roster imported from the console by user %s", sender.user_id)
        return RosterApplied(st, st.text())

    # ------------------------------------------------------------------ schedules
    async def schedules(self, sender: Sender) -> list[GridSchedule] | Refused:
        """Every grid of the viewer's scope (a member's: their grid) with its times, pause and leaves."""
        seen = await self._viewer(sender)
        if isinstance(seen, Refused):
            return seen
        _, viewer = seen
        grids = []
        for r in viewer.roots:
            for g in _grids_of(r):
                if g.grid_id is not None and g.grid_id not in [x.id for x in grids]:
                    grid = await self.reports.repo.grid(g.grid_id)
                    if grid is not None:
                        grids.append(grid)
        return [GridSchedule(st, await self.reports.can_manage_grid(sender, st.grid.id))
                for st in await self.nags.schedule_states(grids)]

    async def change_schedule(self, sender: Sender, grid_id: int, args: Sequence[str]) -> tuple[Reply, bool]:
        """``/schedule``'s arguments (``截止 20:00``, ``提醒 16:00 18:00``, ``恢复默认``) for one grid the sender
        leads (or any, for an admin). Returns the reply and whether the grid's times changed (then the adapter
        that runs the nag jobs rebuilds them)."""
        grids, refusal = await self.nags.managed_grid(sender, grid_id)
        if refusal is not None:
            return refusal, False
        if not args:
            return Reply(texts.SCHEDULE_BAD.format(why=texts.CONSOLE_NO_ARGS)), False
        return await self.nags.schedule_grids(grids, sender, args)

    async def pause(self, sender: Sender, grid_id: int, args: Sequence[str]) -> Reply:
        """``/pause``'s arguments (``到 2月15日 原因``) for one grid."""
        grids, refusal = await self.nags.managed_grid(sender, grid_id)
        return refusal if refusal is not None else await self.nags.pause_grids(grids, sender, args)

    async def resume(self, sender: Sender, grid_id: int) -> Reply:
        grids, refusal = await self.nags.managed_grid(sender, grid_id)
        return refusal if refusal is not None else await self.nags.resume_grids(grids, sender)

    async def leave(self, sender: Sender, grid_id: int, args: Sequence[str]) -> Reply:
        """``/leave``'s arguments (``王艳 2月12日-2月14日``, ``王艳 取消``) for a member of one grid."""
        grids, refusal = await self.nags.managed_grid(sender, grid_id)
        return refusal if refusal is not None else await self.nags.leave_grids(grids, sender, args)


def _grids_of(root: Unit) -> list[Unit]:
    """The grid units of a root: the grids below it, or a member's own grid."""
    if root.level == "member":
        return [root.parent] if root.parent is not None else []
    return [u for u in root.walk() if u.level == "grid"]
