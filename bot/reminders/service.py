"""Deadlines and reminders, the service: which nags are due now, whom they name, and the leader commands.

The chat adapter calls :meth:`NagService.claim_due` from its scheduled jobs (and once on start, to catch up
after a restart), sends what comes back, and reports each outcome with :meth:`NagService.finish`. A nag is
recorded *before* it is sent (see :mod:`storage.reminders`), so it goes out at most once whatever happens.

Everything that depends on "now" uses the clock of :class:`bot.reports.service.ReportService`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.config.reminders import GridSchedule, ScheduleConfig, validate
from bot.config.settings import Config
from bot.core import texts
from bot.core.chat import Outgoing, Reply, Sender
from bot.core.records import Grid
from bot.core.reminders import BoundGrid, Claim, Leave, MemberProgress, Override, Pause
from bot.reminders.args import parse_day_ahead, parse_day_range, parse_schedule_args
from bot.reminders.schedule import (
    DEADLINE,
    DIGEST_GRID,
    ESCALATE,
    OPEN,
    REMIND,
    MissingMember,
    Slot,
    apply_override,
    decide,
    digest_slot,
    grid_plan,
    hhmm,
    is_active_day,
    merge_overrides,
    missing_members,
)
from bot.reports.service import ReportService
from storage.reminders import ReminderRepo
from storage.reports import ReportRepo

log = logging.getLogger(__name__)

#: builds the digest text for a report day, or None to send nothing; see :attr:`NagService.digest_builder`
DigestBuilder = Callable[[date], Awaitable[str | None]]
#: the messages to post again with a grid's reminder: (grid id, report day ISO) -> messages
ReofferSource = Callable[[int, str], Awaitable[list[Outgoing]]]

NAMING_KINDS = (REMIND, DEADLINE, ESCALATE)


@dataclass(frozen=True)
class Nag:
    """One claimed nag, ready to be rendered and sent (platform-free).

    ``chats`` are the group chats for open/reminder/deadline nags, or the single destination of an
    escalation (the leader's private chat when ``to_leader`` is set, else the leaders' group) or a digest.
    """

    grid_id: int
    grid: str  # the grid's label, e.g. 东风村第一网格
    day: date  # the report day
    kind: str  # "open", "remind:16:00", "deadline", "escalate", "digest"
    at: datetime
    deadline: time
    chats: tuple[str, ...]
    missing: tuple[MissingMember, ...] = ()
    to_leader: bool = False
    leader_name: str = ""
    leader_user_id: str | None = None
    text: str = ""  # open: the configured text; digest: the builder's text

    @property
    def base(self) -> str:
        return self.kind.split(":", 1)[0]


@dataclass(frozen=True)
class ScheduleState:
    """A grid's schedule as it stands: its times, whether they are its own (an override), the pause that
    covers today (None: not paused) and its members' leaves from today on."""

    grid: Grid
    times: GridSchedule
    custom: bool
    pause: Pause | None
    leaves: list[Leave]


@dataclass
class LeaderUpdate:
    chat_id: str
    grid: str
    reported: list[str]
    still_missing: list[MissingMember]


@dataclass
class FollowUps:
    """What to say after a report in a group: thanks for named members who are now complete, and updates
    for leaders whose grid was escalated."""

    thanks: list[str] = field(default_factory=list)  # member names
    leader_updates: list[LeaderUpdate] = field(default_factory=list)


def nag_text(nag: Nag, mention: Callable[[MissingMember], str], escape: Callable[[str], str],
             leader: Callable[[Nag], str]) -> str:
    """The text of a reminder, deadline or escalation nag, for any platform: ``mention`` writes a missing member
    as the platform mentions them (escaped), ``escape`` makes plain text safe in the platform's markup,
    ``leader`` writes the grid's leader for the leaders' group. How many households a partly reported member
    still owes is added here."""

    def who(m: MissingMember, named: str) -> str:
        return texts.NAG_PARTIAL.format(name=named, n=m.missing) if m.partial else named

    base = nag.base
    deadline = hhmm(nag.deadline)
    if base in (REMIND, DEADLINE):
        tpl = texts.NAG_REMIND if base == REMIND else texts.NAG_DEADLINE
        return tpl.format(deadline=deadline, names="、".join(who(m, mention(m)) for m in nag.missing))
    if base == ESCALATE:
        names = "、".join(who(m, escape(m.name)) for m in nag.missing)
        day = f"{nag.day.month}月{nag.day.day}日"
        grid = escape(nag.grid)
        if nag.to_leader:
            return texts.NAG_ESCALATE.format(grid=grid, day=day, deadline=deadline, names=names)
        return texts.NAG_ESCALATE_GROUP.format(leader=leader(nag), grid=grid, day=day, deadline=deadline,
                                               names=names)
    raise ValueError(f"no text for a nag of kind {nag.kind!r}")


def leader_update_text(up: LeaderUpdate, escape: Callable[[str], str]) -> str:
    """The update to an escalated grid's leader after late reports, for any platform: ``escape`` makes plain
    text safe in the platform's markup."""
    text = texts.NAG_LEADER_UPDATE.format(grid=escape(up.grid), names="、".join(escape(n) for n in up.reported))
    if not up.still_missing:
        return text + texts.NAG_LEADER_UPDATE_DONE
    return text + texts.NAG_LEADER_UPDATE_REST.format(names="、".join(
        texts.NAG_PARTIAL.format(name=escape(m.name), n=m.missing) if m.partial else escape(m.name)
        for m in up.still_missing))


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def day_text(d: date) -> str:
    return f"{d.month}月{d.day}日"


class NagService:
    """Schedules, the sent-nag log and the leader commands, on top of :class:`ReportService`."""

    def __init__(self, config: Config, repo: ReportRepo, nags: ReminderRepo, reports: ReportService):
        self.config = config
        self.repo = repo
        self.nags = nags
        self.reports = reports
        #: the digest's content; replace it (e.g. with the summaries module's builder) to send another text
        self.digest_builder: DigestBuilder = self.default_digest
        #: the messages to post again after a reminder or the deadline went out (wired in ``bot/services.py``
        #: to the photo readings still waiting for 确认); None posts nothing
        self.reoffer_source: ReofferSource | None = None

    @property
    def cfg(self) -> ScheduleConfig:
        return self.config.schedule

    def now(self) -> datetime:
        return self.reports.now()

    # ------------------------------------------------------------------ schedules
    async def job_times(self) -> list[time]:
        """Every local time of day at which some nag may be due: one job per time covers all grids."""
        if not self.cfg.enabled:
            return []
        times = set(self.cfg.grid_defaults().times())
        for ov in (await self.nags.overrides()).values():
            times.update(apply_override(self.cfg.grid_defaults(), ov).times())
        if self.cfg.digest is not None and self.cfg.statisticians_chat_id is not None:
            times.add(self.cfg.digest)
        return sorted(times)

    # ------------------------------------------------------------------ what is due
    async def claim_due(self, now: datetime | None = None) -> list[Nag]:
        """Claim every nag due at ``now`` (default: the clock) and return those to send.

        A slot is due from its time until the grace period after it; a claimed one is never returned
        again. Grids need an active group binding; paused grids and inactive days get nothing. Who is
        missing is computed here, from the database, right before the send.
        """
        now = (now or self.now()).astimezone(self.config.tz)
        cfg, tz, cutoff = self.cfg, self.config.tz, self.config.day_cutoff
        today = self.reports.day_of(now)
        days = [today - timedelta(days=1), today]  # report days: a slot of yesterday may still be in grace
        grids = {g.id: g for g in await self.nags.bound_grids()}
        overrides = await self.nags.overrides()
        pauses = await self.nags.pauses()
        claimed = await self.nags.claimed_kinds([d.isoformat() for d in days])
        wanted: list[tuple[int, date, GridSchedule | None, Slot, bool]] = []
        for day in days:
            if not is_active_day(cfg, day):
                continue
            for gid in grids:
                pause = pauses.get(gid)
                if pause is not None and pause.covers(day):
                    continue
                gs = apply_override(cfg.grid_defaults(), overrides.get(gid))
                for d in decide(grid_plan(gs, day, tz, cutoff), now, cfg.grace, claimed.get((gid, day.isoformat()), ())):
                    wanted.append((gid, day, gs, d.slot, d.send))
            ds = digest_slot(cfg, day, tz, cutoff)
            if ds is not None:
                for d in decide([ds], now, cfg.grace, claimed.get((DIGEST_GRID, day.isoformat()), ())):
                    wanted.append((DIGEST_GRID, day, None, d.slot, d.send))
        if not wanted:
            return []
        won = await self.nags.claim(
            [Claim(gid, day.isoformat(), s.kind, _iso(s.at), "claimed" if send else "skipped")
             for gid, day, _, s, send in wanted],
            _iso(now),
        )
        won_keys = {(c.grid_id, c.day, c.kind) for c in won if c.status == "claimed"}
        skipped = [c for c in won if c.status == "skipped"]
        if skipped:
            log.info("skipped %d superseded nag(s)", len(skipped))
        todo = [w for w in wanted if (w[0], w[1].isoformat(), w[3].kind) in won_keys]
        return await self._build(todo, grids, now)

    async def _build(
        self, todo: Sequence[tuple[int, date, GridSchedule | None, Slot, bool]], grids: dict[int, BoundGrid], now: datetime
    ) -> list[Nag]:
        out: list[Nag] = []
        progress: dict[date, dict[int, list[MemberProgress]]] = {}
        leave: dict[date, set[int]] = {}
        for gid, report_day, gs, slot, _ in todo:
            day = report_day
            if gid == DIGEST_GRID:
                text = await self.digest_builder(report_day)
                chat = self.cfg.statisticians_chat_id
                if not text or chat is None:
                    await self.nags.finish(gid, day.isoformat(), slot.kind, "nothing", [], 0, _iso(now))
                    continue
                out.append(Nag(gid, "", report_day, slot.kind, slot.at, self.cfg.deadline, (chat,), text=text))
                continue
            assert gs is not None
            g = grids[gid].grid
            label = g.label
            chats = grids[gid].chat_ids
            base = slot.kind.split(":", 1)[0]
            if base == OPEN:
                text = self.cfg.open_text.format(deadline=hhmm(gs.deadline))
                out.append(Nag(gid, label, report_day, slot.kind, slot.at, gs.deadline, chats, text=text))
                continue
            if report_day not in progress:
                progress[report_day] = await self.progress(list(grids), report_day)
                leave[report_day] = await self.nags.on_leave(report_day.isoformat())
            missing = tuple(missing_members(progress[report_day].get(gid, []), leave[report_day]))
            if not missing:
                await self.nags.finish(gid, day.isoformat(), slot.kind, "nobody", [], 0, _iso(now))
                continue
            if base != ESCALATE:
                out.append(Nag(gid, label, report_day, slot.kind, slot.at, gs.deadline, chats, missing))
                continue
            leader_id = g.leader_user_id
            private = leader_id is not None and leader_id in await self.nags.private_active([leader_id])
            dest = leader_id if private else self.cfg.leaders_chat_id
            if dest is None:
                log.warning("grid %s: no chat for the escalation (leader has not started the bot)", gid)
                await self.nags.finish(gid, day.isoformat(), slot.kind, "no_recipient", [], 0, _iso(now))
                continue
            out.append(Nag(gid, label, report_day, slot.kind, slot.at, gs.deadline, (dest,), missing,
                           to_leader=private, leader_name=g.leader_name or "", leader_user_id=leader_id))
        return out

    async def progress(self, grid_ids: Sequence[int], day: date) -> dict[int, list[MemberProgress]]:
        out: dict[int, list[MemberProgress]] = {}
        for p in await self.nags.member_progress(grid_ids, day.isoformat()):
            out.setdefault(p.grid_id, []).append(p)
        return out

    async def finish(self, nag: Nag, status: str, chats: Sequence[str]) -> None:
        """Record how a claimed nag went: "sent" (to ``chats``), "failed", or "no_recipient"."""
        when = _iso(self.now())
        named = len(nag.missing) if status == "sent" and nag.base in NAMING_KINDS else 0
        await self.nags.finish(nag.grid_id, nag.day.isoformat(), nag.kind, status, chats, named, when)
        if named:
            await self.nags.record_named(nag.grid_id, nag.day.isoformat(), nag.base,
                                         [(m.member_id, m.missing) for m in nag.missing])

    async def release(self, nag: Nag) -> bool:
        """The nag could not be sent because the chat platform was unreachable: release its claim so that a
        later dispatch sends it, if that is still within the grace period."""
        return await self.nags.release(nag.grid_id, nag.day.isoformat(), nag.kind)

    async def release_unfinished(self) -> int:
        """Called once on start, before the catch-up: claims left unfinished by a run that was killed are
        released (sent again within the grace period, never lost)."""
        n = await self.nags.release_unfinished()
        if n:
            log.warning("%d nag(s) claimed but not sent by the previous run: sending them if still due", n)
        return n

    # ------------------------------------------------------------------ chats that went away
    async def chat_gone(self, chat_id: str) -> None:
        """The bot cannot post in a group any more (removed, or the group was deleted)."""
        await self.repo.deactivate_chat(chat_id)
        log.info("chat %s is gone; its bindings are inactive", chat_id)

    async def chat_migrated(self, old_chat_id: str, new_chat_id: str) -> None:
        await self.repo.migrate_chat(old_chat_id, new_chat_id)
        log.info("chat %s migrated to %s", old_chat_id, new_chat_id)

    async def private_seen(self, user_id: str) -> None:
        await self.nags.private_seen(user_id, _iso(self.now()))

    async def private_blocked(self, user_id: str) -> None:
        await self.nags.private_blocked(user_id)
        log.info("user %s blocked the bot; escalations go to the leaders' group", user_id)

    def leaders_chat(self) -> str | None:
        return self.cfg.leaders_chat_id

    # ------------------------------------------------------------------ after a late report
    async def followups(self, chat_id: str) -> FollowUps:
        """After a report in ``chat_id``: named members of its grids who are now complete get thanked once;
        a grid already escalated sends its leader one update per member."""
        out = FollowUps()
        grid_ids = await self.repo.bound_grid_ids(chat_id)
        if not grid_ids:
            return out
        day = self.reports.day_of(self.now())
        kinds = await self.nags.named_members(grid_ids, day.isoformat())
        if not kinds:
            return out
        grids = sorted({g for g, _ in kinds})
        progress = await self.progress(grids, day)
        leave = await self.nags.on_leave(day.isoformat())
        now = _iso(self.now())
        for gid in grids:
            done = [p for p in progress.get(gid, []) if (gid, p.member_id) in kinds and p.complete]
            if not done:
                continue
            if self.cfg.thanks:
                for p in done:
                    if await self.nags.claim_followup(gid, day.isoformat(), p.member_id, "thanks", now):
                        out.thanks.append(p.name)
            escalated = [p for p in done if ESCALATE in kinds[(gid, p.member_id)]]
            fresh = [p for p in escalated
                     if await self.nags.claim_followup(gid, day.isoformat(), p.member_id, "leader", now)]
            if not fresh:
                continue
            sent = await self.nags.sent_nag(gid, day.isoformat(), ESCALATE)
            dests = sent.chat_ids if sent is not None else ()
            if not dests:
                continue
            grid = await self.repo.grid(gid)
            out.leader_updates.append(LeaderUpdate(
                dests[0], grid.label if grid else "", [p.name for p in fresh],
                missing_members(progress.get(gid, []), leave),
            ))
        return out

    # ------------------------------------------------------------------ the digest
    async def reoffers(self, nag: Nag) -> list[Outgoing]:
        """What to post again in the grid's group once this nag went out: nothing but after a reminder or
        the deadline (a reading left unconfirmed is offered again; it is never stored silently)."""
        if self.reoffer_source is None or nag.base not in (REMIND, DEADLINE):
            return []
        return await self.reoffer_source(nag.grid_id, nag.day.isoformat())

    async def default_digest(self, day: date) -> str | None:
        """A short per-grid "reported x/y members" list for the statisticians."""
        grids = await self.nags.bound_grids()
        if not grids:
            return None
        progress = await self.progress([g.id for g in grids], day)
        leave = await self.nags.on_leave(day.isoformat())
        paused = await self.nags.pauses()
        lines = [texts.DIGEST_TITLE.format(day=day_text(day))]
        for g in grids:
            gid = g.id
            label = g.grid.label
            p = paused.get(gid)
            if p is not None and p.covers(day):
                lines.append(texts.DIGEST_PAUSED.format(grid=label))
                continue
            members = [m for m in progress.get(gid, []) if m.total > 0 and m.member_id not in leave]
            lines.append(texts.DIGEST_LINE.format(grid=label, done=sum(m.complete for m in members),
                                                  total=len(members)))
        return "\n".join(lines)

    # ------------------------------------------------------------------ leader commands
    async def _grids_for(self, chat_id: str, chat_type: str, sender: Sender) -> tuple[list[Grid], Reply | None]:
        """The grids a command from ``sender`` in this chat acts on, or the reply that refuses it."""
        if chat_type in ("group", "supergroup"):
            ids = await self.repo.bound_grid_ids(chat_id)
            if not ids:
                return [], Reply(texts.GROUP_NOT_BOUND)
        else:
            await self.reports.link_account(sender)
            ids = await self.repo.leader_grid_ids(sender.user_id)
            if not ids:
                return [], Reply(texts.SCHEDULE_NO_GRID)
        mine = [gid for gid in ids if await self.reports.can_manage_grid(sender, gid)]
        if not mine:
            return [], Reply(texts.SCHEDULE_NOT_ALLOWED)
        return [g for g in [await self.repo.grid(gid) for gid in mine] if g is not None], None

    def _times_text(self, gs: GridSchedule) -> str:
        off = texts.SCHEDULE_OFF
        return texts.SCHEDULE_TIMES.format(
            open=hhmm(gs.open) if gs.open else off,
            reminders="、".join(hhmm(t) for t in gs.reminders) or off,
            deadline=hhmm(gs.deadline),
            escalate=hhmm(gs.escalate) if gs.escalate else off,
        )

    async def managed_grid(self, sender: Sender, grid_id: int) -> tuple[list[Grid], Reply | None]:
        """One grid a command from ``sender`` acts on (the console's), with the chat's rule: an admin or the
        grid's leader; or the reply that refuses it."""
        grid = await self.repo.grid(grid_id)
        if grid is None or not grid.active or not await self.reports.can_manage_grid(sender, grid_id):
            return [], Reply(texts.SCHEDULE_NOT_ALLOWED)
        return [grid], None

    async def schedule_states(self, grids: Sequence[Grid]) -> list[ScheduleState]:
        """Each grid's times (its override applied to the defaults), its pause if one covers today, and the
        leaves of its members from today on."""
        pauses = await self.nags.pauses()
        today = self.reports.day_of(self.now())
        out = []
        for g in grids:
            ov = await self.nags.override(g.id)
            p = pauses.get(g.id)
            out.append(ScheduleState(g, apply_override(self.cfg.grid_defaults(), ov), ov is not None,
                                     p if p is not None and p.covers(today) else None,
                                     await self.nags.leaves_in_grids([g.id], today.isoformat())))
        return out

    async def show_schedule(self, chat_id: str, chat_type: str, sender: Sender) -> Reply:
        """Anyone in a bound group may look; in private, a leader sees their grids."""
        if not self.cfg.enabled:
            return Reply(texts.SCHEDULE_DISABLED)
        if chat_type in ("group", "supergroup"):
            ids = await self.repo.bound_grid_ids(chat_id)
            if not ids:
                return Reply(texts.GROUP_NOT_BOUND)
            grids = [g for g in [await self.repo.grid(i) for i in ids] if g is not None]
        else:
            grids, refusal = await self._grids_for(chat_id, chat_type, sender)
            if refusal is not None:
                return refusal
        parts = []
        for st in await self.schedule_states(grids):
            text = texts.SCHEDULE_SHOW.format(grid=st.grid.label, times=self._times_text(st.times))
            if st.custom:
                text += texts.SCHEDULE_CUSTOM
            p = st.pause
            if p is not None:
                until = f"，到{day_text(p.until)}" if p.until else ""
                reason = f"（{p.reason}）" if p.reason else ""
                text += "\n" + texts.SCHEDULE_PAUSED.format(until=until, reason=reason)
            parts.append(text)
        days = texts.SCHEDULE_DAYS_WEEKDAYS if self.cfg.days == "weekdays" else texts.SCHEDULE_DAYS_ALL
        tail = [texts.SCHEDULE_ACTIVE_DAYS.format(days=days)]
        if self.cfg.start_date or self.cfg.end_date:
            tail.append(texts.SCHEDULE_CAMPAIGN.format(
                start=day_text(self.cfg.start_date) if self.cfg.start_date else "",
                end=day_text(self.cfg.end_date) if self.cfg.end_date else ""))
        return Reply("\n\n".join(parts) + "\n" + "\n".join(tail))

    async def set_schedule(self, chat_id: str, chat_type: str, sender: Sender, args: Sequence[str]) -> tuple[Reply, bool]:
        """``/schedule`` with arguments. Returns the reply and whether any grid's times changed (then the
        adapter rebuilds its jobs)."""
        if not args:
            return await self.show_schedule(chat_id, chat_type, sender), False
        if not self.cfg.enabled:
            return Reply(texts.SCHEDULE_DISABLED), False
        grids, refusal = await self._grids_for(chat_id, chat_type, sender)
        if refusal is not None:
            return refusal, False
        return await self.schedule_grids(grids, sender, args)

    async def schedule_grids(self, grids: Sequence[Grid], sender: Sender, args: Sequence[str]) -> tuple[Reply, bool]:
        """``/schedule``'s change (``args`` not empty) for these grids, which the sender may manage."""
        if not self.cfg.enabled:
            return Reply(texts.SCHEDULE_DISABLED), False
        edit = parse_schedule_args(args)
        if edit.error is not None:
            return Reply(texts.SCHEDULE_BAD.format(why=edit.error)), False
        now = _iso(self.now())
        parts = []
        changed = False
        for g in grids:
            label = g.label
            if edit.reset:
                await self.nags.clear_override(g.id)
                parts.append(texts.SCHEDULE_RESET.format(grid=label, times=self._times_text(self.cfg.grid_defaults())))
                changed = True
                continue
            ov = merge_overrides(await self.nags.override(g.id), edit.override)
            gs = apply_override(self.cfg.grid_defaults(), ov)
            dropped = [r for r in gs.reminders if r >= gs.deadline]
            note = ""
            if dropped and edit.override.reminders is None:
                # a new, earlier deadline: reminders after it go, and the leader is told
                kept = tuple(r for r in gs.reminders if r < gs.deadline)
                ov = merge_overrides(ov, Override(reminders=kept))
                gs = apply_override(self.cfg.grid_defaults(), ov)
                note = "\n" + texts.SCHEDULE_DROPPED.format(times="、".join(hhmm(t) for t in dropped))
            why = validate(gs)
            if why is not None:
                return Reply(texts.SCHEDULE_INVALID.format(why=why)), changed
            await self.nags.set_override(g.id, ov, sender.user_id, now)
            changed = True
            parts.append(texts.SCHEDULE_SET.format(grid=label, times=self._times_text(gs)) + note)
            log.info("grid %s schedule changed by user %s", g.id, sender.user_id)
        return Reply("\n\n".join(parts)), changed

    async def pause(self, chat_id: str, chat_type: str, sender: Sender, args: Sequence[str]) -> Reply:
        """``/pause [到 日期] [原因]``: no nags for the grid through that day (inclusive), or until /resume."""
        grids, refusal = await self._grids_for(chat_id, chat_type, sender)
        if refusal is not None:
            return refusal
        return await self.pause_grids(grids, sender, args)

    async def pause_grids(self, grids: Sequence[Grid], sender: Sender, args: Sequence[str]) -> Reply:
        """``/pause``'s arguments for these grids, which the sender may manage."""
        tokens = [t for a in args for t in a.split() if t]
        today = self.reports.day_of(self.now())
        until: date | None = None
        if tokens and tokens[0].startswith("到"):
            rest = tokens[0][1:]
            date_text = rest if rest else (tokens[1] if len(tokens) > 1 else "")
            tokens = tokens[1:] if rest else tokens[2:]
            until = parse_day_ahead(date_text, today)
            if until is None:
                return Reply(texts.PAUSE_BAD_DATE.format(text=date_text))
        elif tokens and parse_day_ahead(tokens[0], today) is not None:
            until = parse_day_ahead(tokens[0], today)
            tokens = tokens[1:]
        if until is not None and until < today:
            return Reply(texts.PAUSE_PAST.format(day=day_text(until)))
        reason = " ".join(tokens)[:200]
        now = _iso(self.now())
        parts = []
        for g in grids:
            await self.nags.pause(g.id, until.isoformat() if until else None, reason, sender.user_id, now)
            why = texts.PAUSE_REASON.format(reason=reason) if reason else ""
            label = g.label
            if until is not None:
                parts.append(texts.PAUSE_OK_UNTIL.format(grid=label, until=day_text(until), reason=why).strip())
            else:
                parts.append(texts.PAUSE_OK.format(grid=label, reason=why).strip())
            log.info("grid %s paused by user %s", g.id, sender.user_id)
        return Reply("\n".join(parts))

    async def resume(self, chat_id: str, chat_type: str, sender: Sender) -> Reply:
        grids, refusal = await self._grids_for(chat_id, chat_type, sender)
        if refusal is not None:
            return refusal
        return await self.resume_grids(grids, sender)

    async def resume_grids(self, grids: Sequence[Grid], sender: Sender) -> Reply:
        """``/resume`` for these grids, which the sender may manage."""
        parts = []
        for g in grids:
            label = g.label
            if await self.nags.resume(g.id):
                parts.append(texts.RESUME_OK.format(grid=label))
                log.info("grid %s resumed by user %s", g.id, sender.user_id)
            else:
                parts.append(texts.RESUME_NOT_PAUSED.format(grid=label))
        return Reply("\n".join(parts))

    async def leave(self, chat_id: str, chat_type: str, sender: Sender, args: Sequence[str]) -> Reply:
        """``/leave 姓名 起止日期`` (or one day), ``/leave 姓名 取消``; ``/leave`` alone lists the leaves."""
        grids, refusal = await self._grids_for(chat_id, chat_type, sender)
        if refusal is not None:
            return refusal
        return await self.leave_grids(grids, sender, args)

    async def leave_grids(self, grids: Sequence[Grid], sender: Sender, args: Sequence[str]) -> Reply:
        """``/leave``'s arguments for the members of these grids, which the sender may manage."""
        grid_ids = [g.id for g in grids]
        today = self.reports.day_of(self.now())
        tokens = [t for a in args for t in a.split() if t]
        if not tokens:
            leaves = await self.nags.leaves_in_grids(grid_ids, today.isoformat())
            if not leaves:
                return Reply(texts.LEAVE_LIST_EMPTY + "\n" + texts.LEAVE_USAGE)
            lines = [texts.LEAVE_LIST_LINE.format(name=lv.name, start=day_text(lv.start), end=day_text(lv.end))
                     for lv in leaves]
            return Reply(texts.LEAVE_LIST.format(lines="\n".join(lines)))
        name, rest = tokens[0], " ".join(tokens[1:])
        members = await self.repo.members_in_grids(grid_ids, name)
        if not members:
            return Reply(texts.LEAVE_NOT_FOUND.format(name=name))
        member = members[0]
        if rest in ("取消", "撤销", "cancel"):
            n = await self.nags.cancel_leaves(member.id, today.isoformat())
            return Reply((texts.LEAVE_CANCELLED if n else texts.LEAVE_NONE_TO_CANCEL).format(name=name))
        span = parse_day_range(rest, today) if rest else None
        if span is None:
            return Reply(texts.LEAVE_BAD_DATES.format(text=rest) if rest else texts.LEAVE_USAGE)
        start, end = span
        await self.nags.add_leave(member.id, start.isoformat(), end.isoformat(), sender.user_id, _iso(self.now()))
        log.info("leave recorded for member %s by user %s (%d days)", member.id, sender.user_id,
                 (end - start).days + 1)
        if start == end:
            return Reply(texts.LEAVE_OK_ONE.format(name=name, start=day_text(start)))
        return Reply(texts.LEAVE_OK.format(name=name, start=day_text(start), end=day_text(end)))
