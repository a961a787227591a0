"""Deadlines and reminders, the pure part: settings, active days, the day's plan, and who is missing.

Nothing here touches the database or a chat platform. :mod:`bot.nagging` feeds it rows from storage and
turns its answers into messages; the Telegram adapter (``handlers/jobs.py``) schedules and sends them.

A day runs like this (every time is local, in ``reporting.timezone``):

* ``open``: the day's first message (optional);
* ``remind:HH:MM``: one or more reminders before the deadline, naming members who have not reported;
* ``deadline``: the group is told who is still missing, each named with a mention;
* ``escalate``: the grid leader gets the missing list (optional);
* ``digest``: one message to the statisticians' chat (optional; not per grid).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

OPEN = "open"
REMIND = "remind"
DEADLINE = "deadline"
ESCALATE = "escalate"
DIGEST = "digest"

#: grid id under which the (global) digest is recorded
DIGEST_GRID = 0

#: a job that fires this much before a slot still counts it as due (timer jitter); earlier is "early"
EARLY_TOLERANCE = timedelta(seconds=5)

DAYS_CHOICES = ("every_day", "weekdays")


@dataclass(frozen=True)
class ScheduleConfig:
    """The ``[schedule]`` section: defaults for every grid, and the global settings."""

    enabled: bool = True
    open: time | None = time(8, 0)
    reminders: tuple[time, ...] = (time(16, 0), time(17, 30))
    deadline: time = time(18, 0)
    escalate: time | None = time(18, 30)
    digest: time | None = None
    #: "every_day" or "weekdays" (Monday to Friday)
    days: str = "every_day"
    #: a campaign period: no nags before ``start_date`` or after ``end_date`` (both inclusive, optional)
    start_date: date | None = None
    end_date: date | None = None
    #: after a restart, a nag whose time passed at most this long ago is still sent (once); older ones are not
    grace_minutes: int = 30
    #: the leaders' group: escalations go here when the grid leader has not started the bot in private
    leaders_chat_id: int | None = None
    #: the statisticians' chat that gets the daily digest
    statisticians_chat_id: int | None = None
    open_text: str = "今日排查开始，请于{deadline}前上报包联户情况"
    #: said to a member who reports after being named ("" turns it off); ``{name}`` is the member
    thanks: str = "收到，谢谢{name}补报，辛苦了！"
    #: nag messages per second at most, over all chats (Telegram allows about 30)
    send_rate: float = 25.0

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.grace_minutes)

    def grid_defaults(self) -> GridSchedule:
        return GridSchedule(self.open, self.reminders, self.deadline, self.escalate)


@dataclass(frozen=True)
class GridSchedule:
    """The times one grid runs on: the config's defaults with the grid's stored overrides applied."""

    open: time | None
    reminders: tuple[time, ...]
    deadline: time
    escalate: time | None

    def times(self) -> list[time]:
        out = [t for t in (self.open, *self.reminders, self.deadline, self.escalate) if t is not None]
        return sorted(set(out))


@dataclass(frozen=True)
class Override:
    """A grid's stored overrides. ``None`` keeps the default; ``OFF`` (for open/escalate) turns it off."""

    open: time | None | str = None
    reminders: tuple[time, ...] | None = None
    deadline: time | None = None
    escalate: time | None | str = None

    def is_empty(self) -> bool:
        return self.open is None and self.reminders is None and self.deadline is None and self.escalate is None


OFF = "off"


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


def validate(gs: GridSchedule) -> str | None:
    """Why a grid schedule cannot work (a short Chinese reason), or None when it is fine."""
    if any(r >= gs.deadline for r in gs.reminders):
        return "提醒时间要早于截止时间"
    if gs.open is not None and gs.open >= gs.deadline:
        return "开始时间要早于截止时间"
    if gs.escalate is not None and gs.escalate <= gs.deadline:
        return "上报网格长的时间要晚于截止时间"
    return None


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


@dataclass(frozen=True)
class Pause:
    """A grid's pause: through ``until`` (inclusive), or until /resume when ``until`` is None."""

    until: date | None = None
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.until is None or day <= self.until


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
class Decision:
    slot: Slot
    send: bool  # False: record it as superseded by a later message and never send it


def decide(plan: Sequence[Slot], now: datetime, grace: timedelta, claimed: Iterable[str]) -> list[Decision]:
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
        out.append(Decision(s, send=not superseded))
    return out


# ---------------------------------------------------------------------------------------------- who is missing
@dataclass(frozen=True)
class MemberProgress:
    """One member's day: how many of their households have a report."""

    member_id: int
    grid_id: int
    name: str
    total: int
    done: int
    user_id: int | None = None  # set once the member is linked to a chat account
    username: str | None = None

    @property
    def complete(self) -> bool:
        return self.done >= self.total


@dataclass(frozen=True)
class MissingMember:
    """A member to name, in a platform-free form: the adapter turns it into a mention.

    ``username`` is set for a linked member with a public username, ``user_id`` for any linked member;
    neither for a member who is not linked yet (named by plain name).
    """

    member_id: int
    name: str
    username: str | None
    user_id: int | None
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


# ---------------------------------------------------------------------------------------------- the config section
def parse_time_value(value: Any, key: str) -> time:
    from bot.config.settings import ConfigError

    if isinstance(value, time):
        return value.replace(tzinfo=None)
    t = parse_hhmm(value) if isinstance(value, str) else None
    if t is None:
        raise ConfigError(key, f'expected a time as "HH:MM", got {value!r}')
    return t


def _optional_time(value: Any, key: str) -> time | None:
    if value in ("", False):
        return None
    return parse_time_value(value, key)


def _date_value(value: Any, key: str) -> date | None:
    from bot.config.settings import ConfigError

    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(key, f'expected a date as "YYYY-MM-DD", got {value!r}')


def _chat_id(value: Any, key: str) -> int | None:
    from bot.config.settings import ConfigError

    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, "expected a numeric Telegram chat id (0 for none)")
    return value or None


_SCHEDULE_KEYS = {
    "enabled", "open", "reminders", "deadline", "escalate", "digest", "days", "start_date", "end_date",
    "grace_minutes", "leaders_chat_id", "statisticians_chat_id", "open_text", "thanks", "send_rate",
}


def parse_schedule_config(sec: Mapping[str, Any]) -> ScheduleConfig:
    """Validate the ``[schedule]`` table (already read from TOML) into a :class:`ScheduleConfig`.

    Raises :class:`bot.config.ConfigError` naming the key.
    """
    from bot.config.settings import ConfigError

    if not isinstance(sec, Mapping):
        raise ConfigError("schedule", "expected a table")
    for k in sec:
        if k not in _SCHEDULE_KEYS:
            raise ConfigError(f"schedule.{k}", "unknown key")
    kw: dict[str, Any] = {}
    if "enabled" in sec:
        if not isinstance(sec["enabled"], bool):
            raise ConfigError("schedule.enabled", "expected true or false")
        kw["enabled"] = sec["enabled"]
    if "open" in sec:
        kw["open"] = _optional_time(sec["open"], "schedule.open")
    if "reminders" in sec:
        rs = sec["reminders"]
        if not isinstance(rs, list):
            raise ConfigError("schedule.reminders", 'expected a list of times, e.g. ["16:00", "17:30"]')
        kw["reminders"] = tuple(sorted({parse_time_value(r, f"schedule.reminders[{i}]") for i, r in enumerate(rs)}))
    if "deadline" in sec:
        kw["deadline"] = parse_time_value(sec["deadline"], "schedule.deadline")
    if "escalate" in sec:
        kw["escalate"] = _optional_time(sec["escalate"], "schedule.escalate")
    if "digest" in sec:
        kw["digest"] = _optional_time(sec["digest"], "schedule.digest")
    if "days" in sec:
        if sec["days"] not in DAYS_CHOICES:
            raise ConfigError("schedule.days", f"must be one of {', '.join(DAYS_CHOICES)}")
        kw["days"] = sec["days"]
    for key in ("start_date", "end_date"):
        if key in sec:
            kw[key] = _date_value(sec[key], f"schedule.{key}")
    if "grace_minutes" in sec:
        g = sec["grace_minutes"]
        if isinstance(g, bool) or not isinstance(g, int) or not 0 <= g <= 24 * 60:
            raise ConfigError("schedule.grace_minutes", "expected minutes, 0-1440")
        kw["grace_minutes"] = g
    for key in ("leaders_chat_id", "statisticians_chat_id"):
        if key in sec:
            kw[key] = _chat_id(sec[key], f"schedule.{key}")
    for key in ("open_text", "thanks"):
        if key in sec:
            v = sec[key]
            if not isinstance(v, str):
                raise ConfigError(f"schedule.{key}", "expected a string")
            try:
                v.format(deadline="18:00", name="某某")
            except (KeyError, IndexError, ValueError):
                raise ConfigError(f"schedule.{key}", "only {deadline} and {name} may be used") from None
            kw[key] = v
    if "send_rate" in sec:
        r = sec["send_rate"]
        if isinstance(r, bool) or not isinstance(r, int | float) or not 0 < r <= 30:
            raise ConfigError("schedule.send_rate", "expected messages per second, more than 0 and at most 30")
        kw["send_rate"] = float(r)
    cfg = ScheduleConfig(**kw)
    why = validate(cfg.grid_defaults())
    if why is not None:
        raise ConfigError("schedule", {
            "提醒时间要早于截止时间": "every reminder must be before the deadline",
            "开始时间要早于截止时间": "open must be before the deadline",
            "上报网格长的时间要晚于截止时间": "escalate must be after the deadline",
        }[why])
    if cfg.start_date and cfg.end_date and cfg.start_date > cfg.end_date:
        raise ConfigError("schedule.end_date", "must not be before start_date")
    if cfg.digest is not None and cfg.statisticians_chat_id is None:
        raise ConfigError("schedule.statisticians_chat_id", "a digest time needs the statisticians' chat id")
    return cfg


# ---------------------------------------------------------------------------------------------- command arguments
_TIME = re.compile(r"^(\d{1,2})[:：点](\d{1,2})?分?$")


def parse_hhmm(text: str) -> time | None:
    """``18:00``, ``18：00``, ``18点``, ``18点30`` → a time; anything else → None."""
    m = _TIME.match(text.strip())
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if not (0 <= h <= 23 and 0 <= mi <= 59):
        return None
    return time(h, mi)


_DATE_FULL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$")
_DATE_MD = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})[日号]?$")
_DATE_D = re.compile(r"^(\d{1,2})[日号]$")


def _closest(candidates: Iterable[tuple[int, int, int]], today: date) -> date | None:
    days = []
    for y, mo, d in candidates:
        try:
            days.append(date(y, mo, d))
        except ValueError:
            continue
    return min(days, key=lambda x: abs((x - today).days)) if days else None


def parse_day(text: str, today: date) -> date | None:
    """A day as people write it: ``2020-02-15``, ``2020/2/15``, ``2月15日``, ``2/15``, ``15日``, ``今天``,
    ``明天``. Without a year (or month) it is the such day closest to ``today`` (so 1月3日 written in late
    December is next year's)."""
    s = text.strip()
    words = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}
    if s in words:
        return today + timedelta(days=words[s])
    m = _DATE_FULL.match(s)
    if m:
        return _closest([(int(m.group(1)), int(m.group(2)), int(m.group(3)))], today)
    m = _DATE_MD.match(s)
    if m:
        mo, d = int(m.group(1)), int(m.group(2))
        return _closest([(today.year + k, mo, d) for k in (-1, 0, 1)], today)
    m = _DATE_D.match(s)
    if m:
        d = int(m.group(1))
        months = [(today.year + (today.month - 1 + k) // 12, (today.month - 1 + k) % 12 + 1) for k in (-1, 0, 1)]
        return _closest([(y, mo, d) for y, mo in months], today)
    return None


_RANGE_SEP = re.compile(r"\s*(?:至|到|~|～|—|－)\s*|\s+-\s+|\s+")


def parse_day_range(text: str, today: date) -> tuple[date, date] | None:
    """``2月10日-2月12日``, ``2月10日至12日``, ``2020-02-10 到 2020-02-12`` or one day → (start, end)."""
    s = text.strip()
    if not s:
        return None
    one = parse_day(s, today)
    if one is not None:
        return one, one
    parts = [p for p in _RANGE_SEP.split(s) if p]
    if len(parts) != 2:
        # "2月10日-2月12日": a hyphen between two days without spaces
        m = re.match(r"^(.+?[日号])-(.+)$", s)
        if not m:
            return None
        parts = [m.group(1), m.group(2)]
    start = parse_day(parts[0], today)
    if start is None:
        return None
    end = parse_day(parts[1], start)
    if end is None:
        return None
    return (start, end) if start <= end else None


@dataclass
class ScheduleEdit:
    """What ``/schedule`` arguments ask for."""

    override: Override = field(default_factory=Override)
    reset: bool = False
    error: str | None = None


_KEYWORDS = {
    "开始": OPEN, "开放": OPEN, "open": OPEN,
    "提醒": REMIND, "remind": REMIND, "reminders": REMIND,
    "截止": DEADLINE, "deadline": DEADLINE,
    "升级": ESCALATE, "网格长": ESCALATE, "上报网格长": ESCALATE, "escalate": ESCALATE,
}
_OFF_WORDS = {"关", "关闭", "无", "不要", "off", "none"}
_RESET_WORDS = {"默认", "恢复默认", "reset", "default"}


def parse_schedule_args(args: Sequence[str]) -> ScheduleEdit:
    """``截止 18:00``, ``提醒 16:00 17:30``, ``开始 关``, ``升级 18:30``, ``默认`` (several may be combined)."""
    tokens = [t for a in args for t in re.split(r"[,，、;；\s]+", a) if t]
    edit = ScheduleEdit()
    if len(tokens) == 1 and tokens[0].lower() in _RESET_WORDS:
        edit.reset = True
        return edit
    values: dict[str, list[str]] = {}
    current: str | None = None
    for tok in tokens:
        key = _KEYWORDS.get(tok.lower())
        if key is not None:
            current = key
            values.setdefault(key, [])
        elif current is None:
            edit.error = f"看不懂“{tok}”"
            return edit
        else:
            values[current].append(tok)
    ov: dict[str, Any] = {}
    for key, vals in values.items():
        if not vals:
            edit.error = "请在关键词后写时间，例如 截止 18:00"
            return edit
        if key in (OPEN, ESCALATE) and len(vals) == 1 and vals[0].lower() in _OFF_WORDS:
            ov[key] = OFF
            continue
        if key == REMIND and len(vals) == 1 and vals[0].lower() in _OFF_WORDS:
            ov["reminders"] = ()
            continue
        times = [parse_hhmm(v) for v in vals]
        if any(t is None for t in times):
            bad = next(v for v, t in zip(vals, times, strict=True) if t is None)
            edit.error = f"时间“{bad}”看不懂，请写成 18:00 这样"
            return edit
        if key == REMIND:
            ov["reminders"] = tuple(sorted(set(t for t in times if t is not None)))
        elif len(times) != 1:
            edit.error = "开始、截止和上报网格长只能各写一个时间"
            return edit
        else:
            ov[key] = times[0]
    edit.override = Override(**ov)
    return edit


def override_to_row(ov: Override) -> dict[str, str | None]:
    """Storage form: "HH:MM", "off", a JSON-free comma list for reminders, or None for "default"."""

    def one(v: time | str | None) -> str | None:
        if v is None:
            return None
        return OFF if v == OFF else hhmm(v)  # type: ignore[arg-type]

    return {
        "open_at": one(ov.open),
        "reminders": None if ov.reminders is None else ",".join(hhmm(t) for t in ov.reminders),
        "deadline": one(ov.deadline),
        "escalate_at": one(ov.escalate),
    }


def override_from_row(row: Mapping[str, Any] | None) -> Override | None:
    if row is None:
        return None

    def one(v: str | None) -> time | str | None:
        if v is None:
            return None
        return OFF if v == OFF else parse_hhmm(v)

    rem = row["reminders"]
    return Override(
        open=one(row["open_at"]),
        reminders=None if rem is None else tuple(t for t in (parse_hhmm(x) for x in rem.split(",") if x) if t),
        deadline=one(row["deadline"]),  # type: ignore[arg-type]
        escalate=one(row["escalate_at"]),
    )


def merge_overrides(old: Override | None, new: Override) -> Override:
    """Apply a /schedule edit on top of what the grid stored before."""
    base = old or Override()
    return Override(
        open=new.open if new.open is not None else base.open,
        reminders=new.reminders if new.reminders is not None else base.reminders,
        deadline=new.deadline if new.deadline is not None else base.deadline,
        escalate=new.escalate if new.escalate is not None else base.escalate,
    )
