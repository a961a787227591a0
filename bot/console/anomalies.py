"""The 异常 page: the anomalies of a period, by kind.

Pure. The kinds are the template's anomaly fields (the default template's 发热, 症状, 返乡, 隔离 and 外来人员),
decided by :meth:`bot.core.template.Field.is_anomaly` and written by :func:`bot.stats.summary.anomaly_detail`,
as in ``/summary`` and the ledger's 异常 sheet. The rows are :class:`bot.core.figures.FlaggedReport`s as
:meth:`storage.stats.StatsRepo.anomaly_rows` reads them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.console.scope import household_ref
from bot.core.figures import FlaggedReport
from bot.core.template import Field, Template
from bot.stats.hierarchy import Unit, sort_key
from bot.stats.summary import anomaly_detail, unit_title


@dataclass(frozen=True)
class AnomalyKind:
    key: str  # the field's key: fever, symptoms, returned, isolated, visitors
    label: str  # 发热, 症状, 返乡, ...


@dataclass(frozen=True)
class AnomalyRow:
    """One household's anomalous report of one day."""

    day: date
    household_ref: str  # for the household page's URL (bot.console.scope.household_ref)
    household: str  # the head of household, as the roster has it
    address: str
    member: str
    member_id: int
    grid: str  # 东风村第一网格
    grid_id: int
    kinds: tuple[str, ...]  # the anomaly fields set, fever first
    detail: str  # 发热37.6℃、返乡1人
    reported_at: str | None
    via: str | None


def _is_kind(f: Field) -> bool:
    if f.type == "enum":
        return any(o.anomaly for o in f.options)
    return f.anomaly


def anomaly_kinds(template: Template) -> list[AnomalyKind]:
    """The kinds a report's anomaly can be: the template's fields that can hold one, in template order."""
    return [AnomalyKind(f.key, f.label) for f in template.fields if _is_kind(f)]


def pick_anomalies(rows: Iterable[FlaggedReport], members: Mapping[int, Unit], template: Template,
                   kinds: Collection[str] = ()) -> list[AnomalyRow]:
    """The rows of households of ``members`` (member id → unit) whose report holds an anomaly of one of
    ``kinds`` (all kinds when empty), fever first, then by day and roster order (as ``/summary`` lists them).
    A row whose flag outlived its value (a withdrawn value) is left out, as the summary leaves it out."""
    out: list[tuple[tuple, AnomalyRow]] = []
    for rep in rows:
        member = members.get(rep.member_id)
        if member is None:
            continue
        found = template.anomalies(rep.data)
        found.sort(key=lambda k: k != "fever")
        if not found or (kinds and not any(k in kinds for k in found)):
            continue
        grid = member.ancestor("grid")
        row = AnomalyRow(
            date.fromisoformat(rep.day), household_ref(rep.household_id), rep.household, rep.address or "",
            member.label, int(member.member_id or 0), unit_title(grid) if grid else "",
            int(grid.grid_id or 0) if grid else 0, tuple(found), anomaly_detail(rep.data, template),
            rep.reported_at, rep.via,
        )
        out.append(((found[0] != "fever", row.day, sort_key(member), rep.position or 0, rep.household), row))
    out.sort(key=lambda p: p[0])
    return [row for _, row in out]
