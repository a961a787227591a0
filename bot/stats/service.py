"""The statisticians' use cases: /summary, /export, /chart, /statistician, the digest's content, retention.

Platform-free like :mod:`bot.reports.service`: methods take plain values and return :class:`StatsReply` objects
(texts, and a document or a photo) that a chat adapter sends. Every use case checks roles first
(:mod:`bot.roles`): a stranger gets a polite refusal and no data. Household details go only to private
chats and to configured statisticians' chats; /export only to private chats.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, BinaryIO

from bot.config.settings import Config
from bot.config.stats import StatsChat, parse_user
from bot.core import texts
from bot.core.chat import Sender
from bot.core.figures import FlaggedReport, MemberDayFigures, RosterCount
from bot.core.ids import shown
from bot.reports.service import ReportService
from bot.stats.charts import MAX_LINES, ChartData, render_chart
from bot.stats.hierarchy import Hierarchy, Unit, clip
from bot.stats.ledger import (
    ANOMALIES,
    DETAIL,
    LEVEL_LABELS,
    MISSING,
    SUMMARY,
    VIA_LABELS,
    cell_value,
    make_writer,
)
from bot.stats.periods import Period, split_args
from bot.stats.roles import STATISTICIAN_LEVELS, Viewer, resolve_viewer
from bot.stats.summary import (
    TELEGRAM_LIMIT,
    Summary,
    compute_summary,
    paginate,
    render_html,
    tg_len,
    to_plain,
    unit_title,
)
from storage.stats import StatsRepo

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], Awaitable[None]]
#: households per query when writing the 明细 sheet
EXPORT_BATCH_MEMBERS = 200
UNIT_LEVELS = ("town", "village", "grid")
#: a scope with more than 1/WIDE_FRACTION_INV of all members is summed by scanning the days
WIDE_FRACTION_INV = 4


@dataclass
class Attachment:
    filename: str
    data: bytes
    caption: str = ""


@dataclass
class StatsReply:
    """What to send: messages (HTML when ``html``), then a document or a photo."""

    texts: list[str] = field(default_factory=list)
    html: bool = False
    document: Attachment | None = None
    photo: Attachment | None = None


def refusal(text: str) -> StatsReply:
    return StatsReply([text])


#: what a command's arguments ask for: a period, a unit name ("" for the caller's own units) and flags
Wanted = tuple[Period, str, set[str]]


@dataclass(frozen=True)
class Asked:
    """A /summary, /chart or /export the caller may make: the units and the period to show."""

    h: Hierarchy
    units: list[Unit]
    period: Period
    name: str  # as the arguments named the units ("" for the caller's own)
    flags: set[str]


@dataclass
class ExportJob:
    roots: list[Unit]
    period: Period
    fmt: str  # "xlsx" or "csv"
    hierarchy: Hierarchy
    households: int  # active households under the roots
    name: str = ""  # the scope as the user named it ("" for their default scope)

    @property
    def rows(self) -> int:
        """Household-days: the 明细 sheet's rows."""
        return self.households * len(self.period.days)

    @property
    def title(self) -> str:
        return unit_title(self.roots[0]) if len(self.roots) == 1 else "我的范围"

    @property
    def filename(self) -> str:
        p = self.period
        span = p.start.isoformat() if p.single else f"{p.start.isoformat()}_{p.end.isoformat()}"
        safe = re.sub(r"[\\/:*?\"<>|\s]+", "_", self.title)
        return f"台账_{safe}_{span}.{'zip' if self.fmt == 'csv' else 'xlsx'}"

    def csv_command(self) -> str:
        p = self.period
        dates = p.start.isoformat() if p.single else f"{p.start.isoformat()} {p.end.isoformat()}"
        return f"/export {dates}{' ' + self.name if self.name else ''} csv"


@dataclass
class ExportCounts:
    detail: int = 0
    missing: int = 0
    anomalies: int = 0


class StatsService:
    def __init__(self, config: Config, reports: ReportService, stats: StatsRepo):
        self.config = config
        self.reports = reports
        self.repo = reports.repo
        self.stats = stats

    # ------------------------------------------------------------------ basics
    def today(self) -> date:
        return self.reports.day_of(self.reports.now())

    async def hierarchy(self) -> Hierarchy:
        return Hierarchy(await self.stats.active_grids(), await self.stats.active_members())

    def stats_chat(self, chat_id: str) -> StatsChat | None:
        """The statisticians' chat with this id: one of ``summary.chats``, or the digest's chat
        (``schedule.statisticians_chat_id``, everything unless ``summary.chats`` gives it a scope)."""
        chat = self.config.summary.chat(chat_id)
        if chat is None and chat_id == self.config.schedule.statisticians_chat_id:
            chat = StatsChat(chat_id, "")
        return chat

    async def viewer(self, h: Hierarchy, sender: Sender) -> Viewer:
        return await resolve_viewer(self.config, h, self.repo, self.stats, sender.user_id, sender.username)

    async def _access(
        self, h: Hierarchy, chat_id: str, chat_type: str, sender: Sender, command: str, *, private_only: bool = False
    ) -> list[Unit] | StatsReply:
        """The units this user may see in this chat, or the refusal."""
        limit: Unit | None = None
        if chat_type != "private":
            chat = None if private_only else self.stats_chat(chat_id)
            if chat is None:
                return refusal((texts.STATS_PRIVATE_ONLY if private_only else texts.STATS_GROUP_REFUSED)
                               .format(cmd=command))
            if chat.scope:
                limit = h.find_one(chat.scope, UNIT_LEVELS)
                if limit is None:
                    log.warning("statisticians' chat %s: scope not found in the roster", chat_id)
                    return refusal(texts.STATS_CHAT_SCOPE_BAD.format(scope=chat.scope))
            else:
                limit = h.root
        viewer = await self.viewer(h, sender)
        if viewer.stranger:
            log.info("%s refused to user %s: no role", command, sender.user_id)
            return refusal(texts.STATS_NO_ROLE)
        roots = clip(viewer.roots, limit) if limit is not None else viewer.roots
        if not roots:
            return refusal(texts.STATS_NOT_IN_CHAT.format(scope=unit_title(limit) if limit else ""))
        return roots

    async def _ask(
        self, chat_id: str, chat_type: str, sender: Sender, command: str, args: str,
        read: Callable[[str], Wanted | StatsReply], *, private_only: bool = False,
    ) -> Asked | StatsReply:
        """The prologue of /summary, /chart and /export, or the refusal: the units the caller may see in this
        chat, what the arguments ask for (``read``), and the unit they name, if the caller may see it."""
        h = await self.hierarchy()
        roots = await self._access(h, chat_id, chat_type, sender, command, private_only=private_only)
        if isinstance(roots, StatsReply):
            return roots
        wanted = read(args)
        if isinstance(wanted, StatsReply):
            return wanted
        period, name, flags = wanted
        picked = self._pick(h, roots, name)
        if isinstance(picked, StatsReply):
            return picked
        return Asked(h, picked, period, name, flags)

    def _dated(self, args: str, max_days: int, flags: tuple[str, ...] = ()) -> Wanted | StatsReply:
        """``[日期|昨天|本周|起止日期] [名称] [flag]``: today by default, at most ``max_days`` days."""
        a = split_args(args, self.today(), flags=flags)
        period = a.period or Period(self.today(), self.today())
        if len(period.days) > max_days:
            return refusal(texts.STATS_RANGE_TOO_LONG.format(days=len(period.days), max=max_days))
        return period, a.name, a.flags

    def _last_days(self, args: str) -> Wanted | StatsReply:
        """``[天数] [名称]``: the last 7 days (through today) by default, at most ``summary.max_days``."""
        max_days = self.config.summary.max_days
        days, rest = 7, []
        for tok in args.split():
            if tok.isdigit():
                days = int(tok)
            else:
                rest.append(tok)
        if not 1 <= days <= max_days:
            return refusal(texts.CHART_USAGE.format(max=max_days))
        today = self.today()
        return Period(today - timedelta(days=days - 1), today), "/".join(rest), set()

    @staticmethod
    def _pick(h: Hierarchy, roots: list[Unit], name: str) -> list[Unit] | StatsReply:
        """The unit named ``name`` if the user may see it; their own units when no name is given."""
        if not name:
            return roots
        found = h.find(name, UNIT_LEVELS) or h.find(name, ("member",))
        if not found:
            example = unit_title(roots[0].children[0]) if roots[0].children else unit_title(roots[0])
            return refusal(texts.STATS_UNIT_NOT_FOUND.format(name=name, example=example))
        visible = [u for u in found if any(r.contains(u) for r in roots)]
        if not visible:
            return refusal(texts.STATS_UNIT_NOT_ALLOWED.format(scope="、".join(unit_title(r) for r in roots[:5])))
        if len(visible) > 1:
            return refusal(texts.STATS_UNIT_AMBIGUOUS.format(
                name=name, examples="、".join(u.path for u in visible[:4])))
        return visible

    # ------------------------------------------------------------------ print runs
    async def members_in_scope(self, sender: Sender, name: str) -> list[tuple[int, int]] | str:
        """``/form 名称``'s scope (photos → stats hook): the (member id, grid id) of every member below the
        unit named ``name`` that the sender may see (a leader their grids, a statistician their town or
        village, a member only themselves), in roster order; or the refusal's text."""
        h = await self.hierarchy()
        roots = await self._access(h, 0, "private", sender, "form")
        if isinstance(roots, StatsReply):
            return "\n".join(roots.texts)
        picked = self._pick(h, roots, name)
        if isinstance(picked, StatsReply):
            return "\n".join(picked.texts)
        out = []
        for unit in picked:
            for m in unit.members():
                grid = m.ancestor("grid")
                if m.member_id is not None and grid is not None and grid.grid_id is not None:
                    out.append((m.member_id, grid.grid_id))
        return out

    # ------------------------------------------------------------------ summary
    async def summary(self, chat_id: str, chat_type: str, sender: Sender, args: str) -> StatsReply:
        """``/summary [日期|昨天|本周] [网格/村/镇]``: the caller's own unit and today by default."""
        q = await self._ask(chat_id, chat_type, sender, "summary", args,
                            lambda a: self._dated(a, self.config.summary.max_days))
        if isinstance(q, StatsReply):
            return q
        s = await self.compute(q.h, q.units, q.period)
        log.info("summary for user %s: %d unit(s), %d day(s)", sender.user_id, len(q.units), len(q.period.days))
        return self.deliver(s)

    async def compute(self, h: Hierarchy, roots: list[Unit], period: Period) -> Summary:
        ids = self._member_filter(h, roots)
        start, end = period.start.isoformat(), period.end.isoformat()
        counts, figures, anomalies = await self._fetch(h, roots, start, end)
        names: dict[tuple[int, str], list[str]] = {}
        if period.single and all(r.level == "member" for r in roots):  # a member's own summary names households
            for row in await self.stats.missing_households(ids, start):
                names.setdefault((row.member_id, start), []).append(row.household)
        return compute_summary(roots, period, counts, figures, anomalies, self.config.template, names)

    @staticmethod
    def _member_filter(h: Hierarchy, roots: Sequence[Unit]) -> list[int] | None:
        if any(r is h.root for r in roots):
            return None
        return [int(u.member_id) for r in roots for u in r.members() if u.member_id is not None]

    @staticmethod
    def _wide(h: Hierarchy, ids: list[int] | None) -> bool:
        """Whether to scan the days (many members) rather than seek per household (few); see
        :meth:`storage.stats.StatsRepo._plan`. A seek costs about three scanned rows."""
        return ids is None or len(ids) * WIDE_FRACTION_INV > len(h.members)

    async def _fetch(
        self, h: Hierarchy, roots: Sequence[Unit], start: str, end: str
    ) -> tuple[list[RosterCount], list[MemberDayFigures], list[FlaggedReport]]:
        """Roster counts, per-member-day figures and anomaly rows of the members under ``roots``."""
        ids = self._member_filter(h, roots)
        wide = self._wide(h, ids)
        counts = await self.stats.roster_counts(ids)
        figures = await self.stats.day_figures(ids, start, end, wide=wide)
        anomalies = await self.stats.anomaly_rows(ids, start, end, wide=wide)
        return counts, figures, anomalies

    def deliver(self, s: Summary) -> StatsReply:
        """Messages within Telegram's limit; past ``summary.max_messages`` the whole goes as a text file
        and the messages keep the unit rows and say so. Nothing is cut silently."""
        lines = render_html(s)
        pages = paginate(lines)
        limit = self.config.summary.max_messages
        if len(pages) <= limit:
            return StatsReply(pages, html=True)
        head = lines[: lines.index("")] if "" in lines else lines[:1]
        note = texts.SUMMARY_LONG_NOTE.format(missing=len({m.member for m in s.missing}), anomalies=len(s.anomalies))
        pages = paginate([*head, "", note])
        if len(pages) > limit:
            pages = paginate([lines[0], "", texts.SUMMARY_UNITS_IN_FILE, note])
        p = s.period
        span = p.start.isoformat() if p.single else f"{p.start.isoformat()}_{p.end.isoformat()}"
        safe = re.sub(r"[\\/:*?\"<>|\s]+", "_", s.title)
        doc = Attachment(f"汇总_{safe}_{span}.txt", (to_plain(lines) + "\n").encode("utf-8"),
                         texts.SUMMARY_FILE_CAPTION.format(title=s.title, period=p.label()))
        return StatsReply(pages, html=True, document=doc)

    async def summary_for(self, scope: str | None, period: Period) -> Summary | str:
        """The summary for the server operator (the CLI): everything, or the named unit. A string is an error."""
        h = await self.hierarchy()
        roots = self._operator_roots(h, scope)
        if isinstance(roots, str):
            return roots
        return await self.compute(h, roots, period)

    @staticmethod
    def _operator_roots(h: Hierarchy, scope: str | None) -> list[Unit] | str:
        """What the server operator asks for: everything, or the one unit named ``scope``; a string is an error."""
        if not scope:
            return [h.root]
        found = h.find(scope, UNIT_LEVELS) or h.find(scope, ("member",))
        if len(found) != 1:
            return f"no unique unit named {scope!r} ({len(found)} found)"
        return found

    # ------------------------------------------------------------------ the digest
    async def digest_text(self, day: date) -> str | None:
        """The daily digest for the statisticians' chat (``schedule.statisticians_chat_id``): the summary of
        that chat's scope for ``day``, as plain text in one message. When it is too long, the lists are
        shortened and the message says how much is left out and where to see it all."""
        chat_id = self.config.schedule.statisticians_chat_id
        if chat_id is None:
            return None
        chat = self.stats_chat(chat_id)
        h = await self.hierarchy()
        unit = h.root if chat is None or not chat.scope else h.find_one(chat.scope, UNIT_LEVELS)
        if unit is None:
            log.warning("digest: the statisticians' chat scope is not in the roster")
            return None
        s = await self.compute(h, [unit], Period(day, day))
        return fit_plain(render_html(s), TELEGRAM_LIMIT - 400)

    # ------------------------------------------------------------------ export
    async def plan_export(self, chat_id: str, chat_type: str, sender: Sender, args: str) -> ExportJob | StatsReply:
        """``/export [起止日期] [范围] [csv]``, private chats only."""
        q = await self._ask(chat_id, chat_type, sender, "export", args,
                            lambda a: self._dated(a, self.config.summary.max_export_days, ("csv", "xlsx")),
                            private_only=True)
        if isinstance(q, StatsReply):
            return q
        job = await self._job(q.h, q.units, q.period, "csv" if "csv" in q.flags else "xlsx", q.name)
        if job.rows > self.config.summary.max_export_rows:
            return refusal(texts.EXPORT_TOO_BIG.format(rows=job.rows, max=self.config.summary.max_export_rows))
        log.info("export for user %s: %d household-days, %s", sender.user_id, job.rows, job.fmt)
        return job

    async def plan_export_cli(self, scope: str | None, period: Period, fmt: str) -> ExportJob | str:
        h = await self.hierarchy()
        roots = self._operator_roots(h, scope)
        if isinstance(roots, str):
            return roots
        return await self._job(h, roots, period, fmt, scope or "")

    async def _job(self, h: Hierarchy, roots: list[Unit], period: Period, fmt: str, name: str) -> ExportJob:
        counts = await self.stats.roster_counts(self._member_filter(h, roots))
        members = {u.member_id for r in roots for u in r.members()}
        households = sum(c.households for c in counts if c.member_id in members)
        return ExportJob(roots, period, fmt, h, households, name)

    async def write_export(self, job: ExportJob, out: BinaryIO, progress: ProgressFn | None = None) -> ExportCounts:
        """Write the ledger to ``out``. ``progress(done, total)`` is awaited as household rows are written."""
        tpl = self.config.template
        tz = self.config.tz
        writer = make_writer(job.fmt, tpl, out)
        h = job.hierarchy
        start, end = job.period.start.isoformat(), job.period.end.isoformat()
        roster_counts, day_figures, day_anomalies = await self._fetch(h, job.roots, start, end)
        figures_by_day: dict[str, list[MemberDayFigures]] = {}
        for fig in day_figures:
            figures_by_day.setdefault(fig.day, []).append(fig)
        anomalies_by_day: dict[str, list[FlaggedReport]] = {}
        for rep in day_anomalies:
            anomalies_by_day.setdefault(rep.day, []).append(rep)
        user_names = await self.stats.user_names()
        member_names = await self.stats.member_names()
        counts = ExportCounts()
        summary_rows: list[list[Any]] = []
        anomaly_rows: list[list[Any]] = []
        for d in job.period.days:
            key = d.isoformat()
            s = compute_summary(job.roots, Period(d, d), roster_counts, figures_by_day.get(key, []),
                                anomalies_by_day.get(key, []), tpl)
            if len(job.roots) > 1:
                summary_rows.append(_summary_row(d, None, s.total))
            summary_rows += [_summary_row(d, u, s.figures[u]) for u in s.units()]
            for a in s.anomalies:
                data = a.data
                anomaly_rows.append([
                    d, *_place(a.member), a.household, a.address, a.detail, data.get("temperature"),
                    cell_value(data.get("fever")), cell_value(data.get("symptoms")), data.get("returned"),
                    data.get("isolated"), data.get("visitors"),
                    data.get("note") or None, _local(a.reported_at, tz), VIA_LABELS.get(a.via or "", a.via),
                ])
        writer.append(SUMMARY, summary_rows)
        counts.anomalies = len(anomaly_rows)
        await asyncio.sleep(0)
        members = [u for r in job.roots for u in r.members()]
        rank = {u.member_id: i for i, u in enumerate(members)}
        places = {u.member_id: _place(u) for u in members}
        total = job.rows
        done = 0
        keys = tpl.keys()
        for d in job.period.days:
            for i in range(0, len(members), EXPORT_BATCH_MEMBERS):
                batch = members[i: i + EXPORT_BATCH_MEMBERS]
                rows = await self.stats.detail_rows([int(u.member_id or 0) for u in batch], d.isoformat())
                rows.sort(key=lambda r: (rank.get(r.member_id, 0), r.position, r.household_id))
                detail, missing = [], []
                for r in rows:
                    place = places.get(r.member_id)
                    if place is None:
                        continue
                    base = [d, *place, r.household, r.address or None, r.roster_people]
                    data = r.data
                    if data is None:
                        detail.append([*base, "未报"])
                        missing.append(base)
                        continue
                    reporter = reporter_text(member_names.get(r.reporter_id, ""), r.sender_user_id, r.via,
                                         user_names)
                    detail.append([*base, "已报", *(cell_value(data.get(k)) for k in keys), reporter,
                                   _local(r.reported_at, tz), VIA_LABELS.get(r.via, r.via)])
                await asyncio.to_thread(_append_two, writer, DETAIL, detail, MISSING, missing)
                counts.detail += len(detail)
                counts.missing += len(missing)
                done += len(rows)
                if progress is not None:
                    await progress(min(done, total), total)
        writer.append(ANOMALIES, anomaly_rows)
        await asyncio.to_thread(writer.finish)
        return counts

    # ------------------------------------------------------------------ chart
    async def chart(self, chat_id: str, chat_type: str, sender: Sender, args: str) -> StatsReply:
        """``/chart [天数] [名称]``: the reporting rate per unit and the anomalies per day, as a PNG."""
        q = await self._ask(chat_id, chat_type, sender, "chart", args, self._last_days)
        if isinstance(q, StatsReply):
            return q
        today, days = q.period.end, len(q.period.days)
        data = await self.chart_data(q.h, q.units, q.period)
        png = await asyncio.to_thread(render_chart, data)
        caption = texts.CHART_CAPTION.format(title=data.subject, days=days)
        if len(data.series) > MAX_LINES + 1:
            caption += texts.CHART_MORE_UNITS.format(n=MAX_LINES)
        log.info("chart for user %s: %d day(s)", sender.user_id, days)
        return StatsReply(photo=Attachment(f"chart_{today.isoformat()}.png", png, caption))

    async def chart_data(self, h: Hierarchy, roots: list[Unit], period: Period) -> ChartData:
        start, end = period.start.isoformat(), period.end.isoformat()
        counts, figures, anomalies = await self._fetch(h, roots, start, end)
        by_day: dict[str, tuple[list[MemberDayFigures], list[FlaggedReport]]] = {
            d.isoformat(): ([], []) for d in period.days
        }
        for fig in figures:
            by_day[fig.day][0].append(fig)
        for rep in anomalies:
            by_day[rep.day][1].append(rep)
        series: list[tuple[str, list[float]]] = []
        fever, other = [], []
        title = ""
        for d in period.days:
            day_figures, day_anomalies = by_day[d.isoformat()]
            s = compute_summary(roots, Period(d, d), counts, day_figures, day_anomalies, self.config.template)
            title = s.title
            rows = s.rows()
            if not series:
                series = [(texts.CHART_TOTAL if unit is None else unit_title(unit) if depth == 0 else unit.label, [])
                          for unit, _, depth in rows]
            for (_, rates), (_, f, _) in zip(series, rows, strict=True):
                rates.append(f.rate)
            n_fever = sum(1 for a in s.anomalies if a.fever)
            fever.append(n_fever)
            other.append(len(s.anomalies) - n_fever)
        return ChartData(texts.CHART_TITLE.format(title=title, days=len(period.days)), period.days, series, fever,
                         other, subject=title)

    # ------------------------------------------------------------------ retention
    async def purge_expired(self) -> dict[str, int]:
        """Delete reports (with their audit rows, member reports, message texts and photo readings) of days older than
        ``summary.retention_days`` before today. Returns the rows deleted per table."""
        keep = self.config.summary.retention_days
        totals: dict[str, int] = {}
        if keep <= 0:
            return totals
        cutoff = (self.today() - timedelta(days=keep)).isoformat()
        for day in await self.stats.days_before(cutoff):
            for table, n in (await self.stats.purge_day(day)).items():
                totals[table] = totals.get(table, 0) + n
        if totals:
            log.info("retention: purged days before %s: %s", cutoff, totals)
        return totals

    # ------------------------------------------------------------------ statisticians
    async def statistician(self, sender: Sender, args: str, replied: Sender | None = None) -> StatsReply:
        """``/statistician`` (admins): list, ``add 用户 镇或村``, ``del 用户 [镇或村]``; a reply names the user."""
        if sender.user_id not in self.config.admins:
            return refusal(texts.STRANGER)
        tokens = args.split()
        action = tokens[0].lower() if tokens else "list"
        if action in ("list", "列表", "查看"):
            return await self._list_statisticians()
        if action not in ("add", "添加", "设置", "del", "remove", "删除", "取消"):
            return refusal(texts.STAT_USAGE)
        rest = tokens[1:]
        if replied is not None:
            uid, uname = replied.user_id, (replied.username or "").lower() or None
            label = replied.mention_name()
        else:
            if not rest:
                return refusal(texts.STAT_USAGE)
            try:
                uid, uname = parse_user(rest[0], "user")
            except ValueError:
                return refusal(texts.STAT_USAGE)
            label, rest = rest[0], rest[1:]
        scope_name = "/".join(rest)
        h = await self.hierarchy()
        now = self.reports.now().isoformat(timespec="seconds")
        if action in ("add", "添加", "设置"):
            found = h.find(scope_name, STATISTICIAN_LEVELS) if scope_name else []
            if len(found) != 1:
                return refusal(texts.STAT_SCOPE_BAD.format(scope=scope_name or "（未填写）"))
            scope = found[0].path
            if not await self.stats.add_statistician(uid, uname, scope, sender.user_id, now):
                return refusal(texts.STAT_EXISTS.format(user=label, scope=scope))
            log.info("statistician added by %s for a %s", sender.user_id, found[0].level)
            return refusal(texts.STAT_ADDED.format(user=label, scope=scope))
        scope = None
        if scope_name:
            found = h.find(scope_name, STATISTICIAN_LEVELS)
            scope = found[0].path if len(found) == 1 else scope_name
        n = await self.stats.remove_statistician(uid, uname, scope)
        if n == 0:
            return refusal(texts.STAT_NONE_REMOVED.format(user=label))
        log.info("statistician removed by %s (%d scope(s))", sender.user_id, n)
        return refusal(texts.STAT_REMOVED.format(user=label, n=n))

    async def _list_statisticians(self) -> StatsReply:
        lines = []
        for e in self.config.roles.statisticians:
            who = f"@{e.username}" if e.username else shown(e.user_id or "")
            lines.append(f"{who}：{e.scope}{texts.STAT_FROM_CONFIG}")
        for r in await self.stats.statisticians():
            who = f"@{r.username}" if r.username else shown(r.user_id or "")
            lines.append(f"{who}：{r.scope}")
        if not lines:
            return refusal(texts.STAT_LIST_EMPTY)
        return refusal(texts.STAT_LIST.format(lines="\n".join(lines)))


# ---------------------------------------------------------------------- helpers
def _append_two(writer: Any, a: str, rows_a: list[list[Any]], b: str, rows_b: list[list[Any]]) -> None:
    writer.append(a, rows_a)
    writer.append(b, rows_b)


def _place(member: Unit) -> list[str]:
    return [(u.label if (u := member.ancestor(lvl)) else "") for lvl in ("town", "village", "grid")] + [member.label]


def _summary_row(d: date, unit: Unit | None, f: Any) -> list[Any]:
    if unit is None or unit.level == "all":
        place = ["", "", "", ""]
        level = LEVEL_LABELS["all"]
    else:
        place = [(u.label if (u := unit.ancestor(lvl)) else "") for lvl in ("town", "village", "grid", "member")]
        level = LEVEL_LABELS[unit.level]
    return [d, level, *place, f.members_reported, f.members, f.households_covered, f.households,
            f.rate if f.households else None, f.people, f.fever, f.returned, f.isolated, f.visitors, f.anomalies,
            f.symptoms]


def _local(iso: str | None, tz: Any) -> datetime | None:
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return dt.astimezone(tz).replace(tzinfo=None) if dt.tzinfo else dt


def reporter_text(member: str, sender_id: str | None, via: str | None, names: dict[str, str]) -> str:
    """Who reported: the member, and who sent it when somebody else did (a leader, a 接龙 chain, by phone)."""
    if sender_id is None:
        return texts.EXPORT_PROXY.format(member=member, sender=texts.EXPORT_BY_PHONE) if via == "phone" else member
    if via == "resident" and sender_id not in names:  # a resident's line of a chain keyed by room
        return texts.EXPORT_PROXY.format(member=member, sender=texts.EXPORT_BY_RESIDENT)
    sender = names.get(sender_id, f"ID {shown(sender_id)}")
    return member if sender == member else texts.EXPORT_PROXY.format(member=member, sender=sender)


def fit_plain(lines: list[str], limit: int) -> str:
    """The HTML summary lines as plain text of at most ``limit`` characters: the unit rows first; the
    missing and anomaly lists shortened, each with a line that says how many are left out."""
    plain = [to_plain([line]) for line in lines]
    text = "\n".join(plain)
    if tg_len(text) <= limit:
        return text
    sections: list[list[str]] = [[]]
    for line in plain:
        if line == "":
            sections.append([])
        else:
            sections[-1].append(line)
    out: list[str] = []
    size = 0
    reserve = tg_len(texts.DIGEST_TAIL) + 2 + 40 * (len(sections))
    cut = False
    for si, sec in enumerate(sections):
        if si:
            out.append("")
            size += 1
        for i, line in enumerate(sec):
            n = tg_len(line) + 1
            if size + n > limit - reserve:
                left = len(sec) - i
                out.append(texts.DIGEST_MORE.format(n=left))
                size += tg_len(out[-1]) + 1
                cut = True
                break
            out.append(line)
            size += n
    if cut:
        out += ["", texts.DIGEST_TAIL]
    return "\n".join(out)

