"""The ``[schedule]`` section: deadlines and reminders, the defaults for every grid and the global settings.

:class:`GridSchedule` (the times one grid runs on) and :func:`validate` live here too: the section's
defaults are one, and a grid's ``/schedule`` edit is checked by the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.config.errors import ConfigError
from bot.config.values import no_unknown, parse_chat_user_id, parse_time

DAYS_CHOICES = ("every_day", "weekdays")


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


def validate(gs: GridSchedule) -> str | None:
    """Why a grid schedule cannot work (a short Chinese reason), or None when it is fine."""
    if any(r >= gs.deadline for r in gs.reminders):
        return "提醒时间要早于截止时间"
    if gs.open is not None and gs.open >= gs.deadline:
        return "开始时间要早于截止时间"
    if gs.escalate is not None and gs.escalate <= gs.deadline:
        return "上报网格长的时间要晚于截止时间"
    return None


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
    leaders_chat_id: str | None = None
    #: the statisticians' chat that gets the daily digest
    statisticians_chat_id: str | None = None
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


def _optional_time(value: Any, key: str) -> time | None:
    if value in ("", False):
        return None
    return parse_time(value, key)


def _date_value(value: Any, key: str) -> date | None:
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


def _chat_id(value: Any, key: str) -> str | None:
    if value == 0 and not isinstance(value, bool):
        return None
    return parse_chat_user_id(value, key, "a chat id (0 for none)")


_SCHEDULE_KEYS = {
    "enabled", "open", "reminders", "deadline", "escalate", "digest", "days", "start_date", "end_date",
    "grace_minutes", "leaders_chat_id", "statisticians_chat_id", "open_text", "thanks", "send_rate",
}

#: the config's words for :func:`validate`'s reasons
_WHY = {
    "提醒时间要早于截止时间": "every reminder must be before the deadline",
    "开始时间要早于截止时间": "open must be before the deadline",
    "上报网格长的时间要晚于截止时间": "escalate must be after the deadline",
}


def parse_schedule_config(sec: Mapping[str, Any]) -> ScheduleConfig:
    """Validate the ``[schedule]`` table (already read from TOML) into a :class:`ScheduleConfig`.

    Raises :class:`ConfigError` naming the key.
    """
    if not isinstance(sec, Mapping):
        raise ConfigError("schedule", "expected a table")
    no_unknown(sec, _SCHEDULE_KEYS, "schedule")
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
        kw["reminders"] = tuple(sorted({parse_time(r, f"schedule.reminders[{i}]") for i, r in enumerate(rs)}))
    if "deadline" in sec:
        kw["deadline"] = parse_time(sec["deadline"], "schedule.deadline")
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
        raise ConfigError("schedule", _WHY[why])
    if cfg.start_date and cfg.end_date and cfg.start_date > cfg.end_date:
        raise ConfigError("schedule.end_date", "must not be before start_date")
    if cfg.digest is not None and cfg.statisticians_chat_id is None:
        raise ConfigError("schedule.statisticians_chat_id", "a digest time needs the statisticians' chat id")
    return cfg
