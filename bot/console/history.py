"""The household page: a household's reports over time, with the audit trail.

Pure. Every stored version of a day (:class:`bot.core.console.ReportVersion`: the live row and the audit
table's rows, which ``ReportRepo.save`` writes before a row is replaced or withdrawn) becomes an entry that
says who stored it, how (text, photo, phone, a residents' chain, the console), from which message or photo,
what it changed against the version before it, and, once replaced, when and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.config.stats import StatisticianEntry
from bot.core import texts
from bot.core.console import HouseholdInfo, ReportVersion
from bot.core.template import Template
from bot.stats.ledger import VIA_LABELS
from bot.stats.service import reporter_text

#: why a version was replaced, as the audit table says it
REPLACED_LABELS = {"replaced": "被新的上报替换", "corrected": "被更正", "edited": "原消息被编辑",
                   "undone": "已撤回"}


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    before: str  # "" when it was not stated
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """One version of a day's report."""

    version: ReportVersion
    live: bool  # the day's current value (the last entry of a day, unless it was withdrawn)
    who: str  # 刘志宇, 王艳（刘志宇）, 王艳（电话录入）
    via: str  # 文字, 照片, 电话, 住户接龙, 网页更正
    values: list[tuple[str, str]]  # (label, value) of the stated fields, in template order
    changes: list[FieldChange]  # against the day's version before it (all stated fields for the first)
    replaced: str | None  # why it is no longer live (None: live)


@dataclass(frozen=True)
class DayHistory:
    day: date
    entries: list[HistoryEntry]  # oldest first

    @property
    def live(self) -> HistoryEntry | None:
        return next((e for e in reversed(self.entries) if e.live), None)


@dataclass(frozen=True)
class HouseholdHistory:
    ref: str
    household: HouseholdInfo
    grid: str  # 东风村第一网格
    start: date
    end: date
    days: list[DayHistory]  # newest day first
    correctable: bool = False  # whether the viewer may correct its values (ConsoleService.household says)


def _text(template: Template, key: str, v: Any) -> str:
    if v is None or v == "":
        return ""
    f = template.get(key)
    return f.value_text(v) if f is not None else str(v)


def stated_values(data: Mapping[str, Any], template: Template) -> list[tuple[str, str]]:
    """The stated fields of a report, as ``(label, value)`` in template order."""
    out = []
    for f in template.fields:
        t = _text(template, f.key, data.get(f.key))
        if t:
            out.append((f.label, t))
    return out


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any], template: Template) -> list[FieldChange]:
    """The fields whose written value differs between two versions (every stated one when there is no
    ``before``)."""
    out = []
    for f in template.fields:
        a = _text(template, f.key, after.get(f.key))
        b = _text(template, f.key, before.get(f.key)) if before is not None else ""
        if a != b:
            out.append(FieldChange(f.key, f.label, b, a))
    return out


def staff_names(statisticians: Iterable[StatisticianEntry], admins: Iterable[str]) -> dict[str, str]:
    """User id → a role label for the statisticians (``东风村统计员``) and admins the config names by id: the
    editors of corrections whom no roster row names."""
    out: dict[str, str] = {}
    for a in admins:
        out[a] = texts.CONSOLE_ADMIN
    for s in statisticians:
        if s.user_id is not None:
            out.setdefault(s.user_id, texts.CONSOLE_STATISTICIAN.format(scope=s.scope.split("/")[-1] or s.scope))
    return out


def build_history(ref: str, household: HouseholdInfo, grid: str, start: date, end: date,
                  versions: Iterable[ReportVersion], template: Template, member_names: Mapping[int, str],
                  user_names: Mapping[str, str]) -> HouseholdHistory:
    """The history from the stored versions (per day, in the order they were stored), with the names of
    members (by id) and of chat users (by user id, ``StatsRepo.user_names``)."""
    by_day: dict[str, list[ReportVersion]] = {}
    for v in versions:
        by_day.setdefault(v.day, []).append(v)
    names = dict(user_names)
    days = []
    for day in sorted(by_day, reverse=True):
        entries = []
        before: Mapping[str, Any] | None = None
        for v in by_day[day]:
            who = reporter_text(member_names.get(v.member_id, ""), v.sender_user_id, v.via, names)
            entries.append(HistoryEntry(
                v, v.replaced_at is None, who, VIA_LABELS.get(v.via, v.via), stated_values(v.data, template),
                changes(before, v.data, template),
                None if v.replaced_at is None else REPLACED_LABELS.get(v.replaced_because or "",
                                                                       v.replaced_because or ""),
            ))
            before = v.data
        days.append(DayHistory(date.fromisoformat(day), entries))
    return HouseholdHistory(ref, household, grid, start, end, days)
