"""The leaders' command arguments, as people type them: the days of ``/pause`` and ``/leave``, and the times
of ``/schedule``.

Pure functions of the text (and "today"). The days lean ahead: a pause or a leave is for days to come (the
statisticians' ``/summary`` days lean back, see :func:`bot.stats.periods.parse_day_back`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.config.values import parse_hhmm
from bot.core.reminders import OFF, Override
from bot.reminders.schedule import DEADLINE, ESCALATE, OPEN, REMIND

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


def parse_day_ahead(text: str, today: date) -> date | None:
    """A day as people write it, for a pause or a leave: ``2020-02-15``, ``2020/2/15``, ``2月15日``, ``2/15``,
    ``15日``, ``今天``, ``明天``, ``后天``. Without a year (or month) it is the such day closest to ``today`` (so
    1月3日 written in late December is next year's)."""
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
    one = parse_day_ahead(s, today)
    if one is not None:
        return one, one
    parts = [p for p in _RANGE_SEP.split(s) if p]
    if len(parts) != 2:
        # "2月10日-2月12日": a hyphen between two days without spaces
        m = re.match(r"^(.+?[日号])-(.+)$", s)
        if not m:
            return None
        parts = [m.group(1), m.group(2)]
    start = parse_day_ahead(parts[0], today)
    if start is None:
        return None
    end = parse_day_ahead(parts[1], start)
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
