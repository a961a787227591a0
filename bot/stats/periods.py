"""Reading the dates that statisticians type: 今天, 昨天, 本周, 2020-02-10, 2月10日, 2.10, ranges.

Pure functions of the text and "today".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

_WORDS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_ISO = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})[日号]?$")
_LAST_N = re.compile(r"^(?:近|最近|过去)(\d{1,3})[天日]$")
#: range separators between two dates: 2020-02-01~2020-02-10, 2月1日至2月10日, 2月1日-2月10日
_RANGE_SEP = re.compile(r"\s*(?:~|至|到|—|–|--)\s*|(?<=[日号])-")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def single(self) -> bool:
        return self.start == self.end

    def label(self) -> str:
        if self.single:
            return day_label(self.start)
        return f"{day_label(self.start)}—{day_label(self.end)}（{len(self.days)}天）"


def day_label(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_day_back(token: str, today: date) -> date | None:
    """One day, or None if ``token`` is not a day. It leans back, as a report asked for has been made: the
    words are today and the days before (昨天, 前天), and a month and day without a year is the latest such
    day not after ``today`` (the leaders' /pause and /leave days lean ahead instead, see
    :func:`bot.reminders.args.parse_day_ahead`)."""
    t = _nfkc(token)
    if t in _WORDS:
        return today - timedelta(days=_WORDS[t])
    try:
        if m := _ISO.match(t) or _COMPACT.match(t):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _MONTH_DAY.match(t):
            d = date(today.year, int(m.group(1)), int(m.group(2)))
            return d if d <= today else date(today.year - 1, d.month, d.day)
    except ValueError:
        return None
    return None


def parse_period(token: str, today: date) -> Period | None:
    """A day, a week word (本周, 上周), 近N天, or a range ``A~B``; None if ``token`` is none of these."""
    t = _nfkc(token)
    if t in ("本周", "这周", "本星期"):
        return Period(today - timedelta(days=today.weekday()), today)
    if t in ("上周", "上星期"):
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(monday, monday + timedelta(days=6))
    if t in ("本月", "这个月"):
        return Period(today.replace(day=1), today)
    if m := _LAST_N.match(t):
        n = max(1, int(m.group(1)))
        return Period(today - timedelta(days=n - 1), today)
    parts = [p for p in _RANGE_SEP.split(t) if p]
    if len(parts) == 2:
        a, b = parse_day_back(parts[0], today), parse_day_back(parts[1], today)
        if a and b:
            return Period(min(a, b), max(a, b))
        return None
    d = parse_day_back(t, today)
    return Period(d, d) if d else None


@dataclass
class Args:
    """A command's arguments split into a period, a unit name and flags."""

    period: Period | None
    name: str
    flags: set[str]


def split_args(text: str, today: date, flags: tuple[str, ...] = ()) -> Args:
    """Split ``[日期|昨天|本周|起止日期] [名称] [flag]``. Two separate days make a range."""
    periods: list[Period] = []
    rest: list[str] = []
    found: set[str] = set()
    for tok in _nfkc(text).split():
        if tok.lower() in flags:
            found.add(tok.lower())
            continue
        p = parse_period(tok, today)
        if p is not None:
            periods.append(p)
        else:
            rest.append(tok)
    period: Period | None = None
    if len(periods) == 1:
        period = periods[0]
    elif len(periods) >= 2:
        period = Period(min(p.start for p in periods), max(p.end for p in periods))
    return Args(period, "/".join(rest), found)
