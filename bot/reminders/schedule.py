"""Deadlines and reminders, the pure part: a grid's overrides, active days, the day's plan, who is missing.

Nothing here touches the database or a chat platform. :mod:`bot.reminders.service` feeds it rows from
storage and turns its answers into messages; the Telegram adapter (``handlers/telegram/reminders.py``)
schedules and sends them.

A day runs like this (every time is local, in ``reporting.timezone``):

* ``open``: the day's first message (optional);
* ``remind:HH:MM``: one or more reminders before the deadline, naming members who have not reported;
* ``deadline``: the group is told who is still missing, each named with a mention;
* ``escalate``: the grid leader gets the missing list (optional);
* ``digest``: one message to the statisticians' chat (optional; not per grid).

The ``[schedule]`` settings are :mod:`bot.config.reminders`; the leaders' command arguments (``/schedule``,
``/pause``, ``/leave``) are read by :mod:`bot.reminders.args`; the stored values (a grid's
:class:`~bot.core.reminders.Override`, a pause, a member's progress) are :mod:`bot.core.reminders`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from bot.config.reminders import GridSchedule, ScheduleConfig
from bot.core.reminders import OFF, MemberProgress, Override

OPEN = "open"
REMIND = "remind"
DEADLINE = "deadline"
ESCALATE = "escalate"
DIGEST = "digest"

#: grid id under which the (global) digest is recorded
DIGEST_GRID = 0

#: a job that fires this much before a slot still counts it as due (timer jitter); earlier is "early"
EARLY_TOLERANCE = timedelta(seconds=5)


def apply_override(base: GridSchedule, ov: Override | None) -> GridSchedule:
    if ov is None:
        return base
    out = base
    if ov.open is not None:
        out = replace(out, open=None if ov.open == OFF else ov.open)  # type: ignore[arg-type]
    if ov.reminders is not None:
        out = replace(out, reminders=ov.reminders)
    if ov.deadline is not None:
        out = replace(out, deadline=ov.deadline)
    if ov.escalate is not None:
        out = replace(out, escalate=None if ov.escalate == OFF else ov.escalate)  # type: ignore[arg-type]
    return out


# ---------------------------------------------------------------------------------------------- active days
def is_active_day(cfg: ScheduleConfig, day: date) -> bool:
    """Whether nags run on ``day``: the schedule is enabled, the day is in the campaign, and on a weekday
    when ``days = "weekdays"``."""
    if not cfg.enabled:
        return False
    if cfg.start_date is not None and day < cfg.start_date:
        return False
    if cfg.end_date is not None and day > cfg.end_date:
        return False
    if cfg.days == "weekdays" and day.weekday() >= 5:
        return False
    return True


# ---------------------------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Slot:
    kind: str  # "open", "remind:16:00", "deadline", "escalate", "digest"
    at: datetime  # aware

    @property
    def base(self) -> str:
        return self.kind.split(":", 1)[0]

    @property
    def in_group(self) -> bool:
        """Sent to the grid's group (open, reminders, deadline), as opposed to the leader or the digest chat."""
        return self.base in (OPEN, REMIND, DEADLINE)


def hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def slot_time(day: date, t: time, tz: tzinfo, cutoff: time = time(0, 0)) -> datetime:
    """When time of day ``t`` falls for report day ``day``: a report day runs from its cutoff to the next
    day's, so a time before the cutoff is on the next calendar day."""
    return datetime.combine(day + timedelta(days=1) if t < cutoff else day, t, tz)


def grid_plan(gs: GridSchedule, day: date, tz: tzinfo, cutoff: time = time(0, 0)) -> list[Slot]:
    """A grid's slots for report day ``day``, in time order (no checks for active days or pauses)."""

    def at(t: time) -> datetime:
        return slot_time(day, t, tz, cutoff)

    slots = []
    if gs.open is not None:
        slots.append(Slot(OPEN, at(gs.open)))
    for r in gs.reminders:
        slots.append(Slot(f"{REMIND}:{hhmm(r)}", at(r)))
    slots.append(Slot(DEADLINE, at(gs.deadline)))
    if gs.escalate is not None:
        slots.append(Slot(ESCALATE, at(gs.escalate)))
    return sorted(slots, key=lambda s: s.at)


def digest_slot(cfg: ScheduleConfig, day: date, tz: tzinfo, cutoff: time = time(0, 0)) -> Slot | None:
    if cfg.digest is None or cfg.statisticians_chat_id is None:
        return None
    return Slot(DIGEST, slot_time(day, cfg.digest, tz, cutoff))


def timing(slot_at: datetime, now: datetime, grace: timedelta) -> str:
    """``"early"`` before the slot, ``"due"`` from the slot until ``grace`` after it, ``"missed"`` later."""
    if slot_at > now + EARLY_TOLERANCE:
        return "early"
    if now - slot_at > grace:
        return "missed"
    return "due"


@dataclass(frozen=True)
class SlotDecision:
    slot: Slot
    send: bool  # False: record it as superseded by a later message and never send it


def decide(plan: Sequence[Slot], now: datetime, grace: timedelta, claimed: Iterable[str]) -> list[SlotDecision]:
    """What to do with one grid's slots of one day, given the kinds already claimed (sent or skipped).

    Only due, unclaimed slots come back. Of the group messages (open, reminders, deadline) only the latest
    due one is sent: after a restart the deadline is not preceded by a stale reminder, and a reminder is
    never sent after a later group message went out. The leader's escalation stands on its own.
    """
    done = set(claimed)
    due = [s for s in plan if s.kind not in done and timing(s.at, now, grace) == "due"]
    out = []
    for s in due:
        superseded = s.in_group and any(
            t.in_group and t.at > s.at and (t.kind in done or t in due) for t in plan
        )
        out.append(SlotDecision(s, send=not superseded))
    return out


# ---------------------------------------------------------------------------------------------- who is missing
@dataclass(frozen=True)
class MissingMember:
    """A member to name, in a platform-free form: the adapter turns it into a mention.

    ``username`` is set for a linked member with a public username, ``user_id`` for any linked member;
    neither for a member who is not linked yet (named by plain name).
    """

    member_id: int
    name: str
    username: str | None
    user_id: str | None
    missing: int
    total: int

    @property
    def partial(self) -> bool:
        """Reported some households but not all (named with how many are missing)."""
        return 0 < self.missing < self.total


def missing_members(progress: Iterable[MemberProgress], on_leave: Iterable[int] = ()) -> list[MissingMember]:
    """Members who have not covered all their households, in the given order; members on leave and members
    without households are never named."""
    leave = set(on_leave)
    out = []
    for p in progress:
        if p.total <= 0 or p.complete or p.member_id in leave:
            continue
        out.append(MissingMember(p.member_id, p.name, p.username if p.user_id else None, p.user_id,
                                 p.total - p.done, p.total))
    return out


def merge_overrides(old: Override | None, new: Override) -> Override:
    """Apply a /schedule edit on top of what the grid stored before."""
    base = old or Override()
    return Override(
        open=new.open if new.open is not None else base.open,
        reminders=new.reminders if new.reminders is not None else base.reminders,
        deadline=new.deadline if new.deadline is not None else base.deadline,
        escalate=new.escalate if new.escalate is not None else base.escalate,
    )
