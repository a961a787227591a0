"""The statisticians' summary: figures rolled up the grid hierarchy, who is missing, the anomalies.

Pure: :func:`compute_summary` takes the units and the records that ``storage.stats`` returns
(:mod:`bot.core.figures`) and gives a :class:`Summary`; :func:`render_html` turns it into short Telegram-HTML
lines and :func:`paginate` into messages within Telegram's limit. Figures roll up member → grid → village →
town → all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.figures import FlaggedReport, MemberDayFigures, RosterCount
from bot.core.template import Template
from bot.stats.hierarchy import Unit, sort_key
from bot.stats.periods import Period, day_label

#: the figures of a summary row, in display order, with their labels
FIGURES: tuple[tuple[str, str], ...] = (
    ("people", "人数"), ("fever", "发热"), ("returned", "返乡"), ("isolated", "隔离"), ("visitors", "外来"),
)
#: a figure the stored reports' columns do not hold: the households with symptoms, counted from the anomalies
SYMPTOMS_FIGURE = ("symptoms", "症状")
#: Telegram's limit for one message, in UTF-16 code units of the text (we measure the HTML source, longer)
TELEGRAM_LIMIT = 4096


@dataclass
class Figures:
    members: int = 0
    members_reported: int = 0
    households: int = 0
    households_covered: int = 0
    people: int = 0
    fever: int = 0
    returned: int = 0
    isolated: int = 0
    visitors: int = 0
    anomalies: int = 0
    symptoms: int = 0  # households with symptoms (from the anomaly rows)

    def add(self, other: Figures) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def to_json(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @property
    def rate(self) -> float:
        """Households covered / households (0..1)."""
        return self.households_covered / self.households if self.households else 0.0


@dataclass
class Missing:
    day: date
    member: Unit
    missing: int
    households: int
    names: list[str] = field(default_factory=list)  # the missing households, for a member's own summary


@dataclass
class Anomaly:
    day: date
    member: Unit
    household: str
    address: str
    detail: str
    fever: bool
    data: dict[str, Any]
    reported_at: str | None = None
    via: str | None = None
    position: int = 0


@dataclass
class Summary:
    roots: list[Unit]
    period: Period
    figures: dict[Unit, Figures]
    total: Figures
    missing: list[Missing]
    anomalies: list[Anomaly]
    template: Template

    @property
    def title(self) -> str:
        if len(self.roots) == 1:
            return unit_title(self.roots[0])
        return "、".join(unit_title(r) for r in self.roots[:3]) + ("等" if len(self.roots) > 3 else "")

    def rows(self) -> list[tuple[Unit | None, Figures, int]]:
        """The message's rows: the whole (depth 0), then one row per unit below it (depth 1)."""
        if len(self.roots) == 1:
            root = self.roots[0]
            return [(root, self.total, 0)] + [(c, self.figures[c], 1) for c in root.children]
        return [(None, self.total, 0)] + [(r, self.figures[r], 1) for r in self.roots]

    def units(self) -> list[Unit]:
        """Every unit of the summary, depth first."""
        return [u for r in self.roots for u in r.walk()]

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": [r.path for r in self.roots],
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "days": len(self.period.days),
            "total": self.total.to_json(),
            "units": [
                {"level": u.level, "name": u.label, "path": u.path,
                 "parent": u.parent.path if u.parent is not None else None, **self.figures[u].to_json()}
                for u in self.units()
            ],
            "missing": [
                {"day": m.day.isoformat(), "member": m.member.label, **_place(m.member), "missing": m.missing,
                 "households": m.households, **({"names": m.names} if m.names else {})}
                for m in self.missing
            ],
            "anomalies": [
                {"day": a.day.isoformat(), "household": a.household, "address": a.address,
                 "member": a.member.label, **_place(a.member), "detail": a.detail, "fever": a.fever,
                 **{k: a.data.get(k) for k in ("temperature", "returned", "isolated", "visitors") if k in a.data},
                 **{f.key: a.data.get(f.key) for f in self.template.fields
                    if f.type in ("symptoms", "enum") and f.key in a.data}}
                for a in self.anomalies
            ],
        }


def _place(member: Unit) -> dict[str, str]:
    return {lvl: (u.label if (u := member.ancestor(lvl)) else "") for lvl in ("grid", "village", "town")}


def unit_title(u: Unit) -> str:
    """A short name that says which unit: 东风村第一网格, 第一网格 刘志宇, 青山镇."""
    if u.level == "grid" and u.parent is not None and u.parent.name:
        return f"{u.parent.label}{u.label}"
    if u.level == "member" and u.parent is not None:
        return f"{u.parent.label} {u.label}"
    return u.label


def anomaly_detail(data: Mapping[str, Any], template: Template) -> str:
    """``发热37.6℃、返乡1人``: the anomaly fields that are set, fever first."""
    bits = []
    keys = template.anomalies(dict(data))
    keys.sort(key=lambda k: k != "fever")
    for key in keys:
        f = template.get(key)
        v = data.get(key)
        if f is None:
            continue
        if key == "fever":
            t = data.get("temperature")
            bits.append(f"{f.label}{t}℃" if isinstance(t, int | float) and not isinstance(t, bool) else f.label)
        else:
            bits.append(f.anomaly_text(v))
    return "、".join(bits)


def _int(v: Any) -> int:
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        return 0


def compute_summary(
    roots: list[Unit],
    period: Period,
    roster_counts: Iterable[RosterCount],
    day_figures: Iterable[MemberDayFigures],
    anomaly_rows: Iterable[FlaggedReport],
    template: Template,
    missing_names: Mapping[tuple[int, str], list[str]] | None = None,
) -> Summary:
    """Roll the per-member, per-day rows up the tree under ``roots``.

    Over a range, member and household counts are member-days and household-days (人次, 户次)."""
    days = period.days
    members = {u.member_id: u for r in roots for u in r.members()}
    households: dict[int, int] = {}
    for count in roster_counts:
        if count.member_id in members:
            households[count.member_id] = count.households
    per_day: dict[tuple[int, str], MemberDayFigures] = {}
    for fig in day_figures:
        if fig.member_id in members:
            per_day[(fig.member_id, fig.day)] = fig
    anomalies: list[Anomaly] = []
    anomaly_count: dict[int, int] = {}
    symptom_count: dict[int, int] = {}
    symptom_fields = [f for f in template.fields if f.type == "symptoms"]
    for rep in anomaly_rows:
        member = members.get(rep.member_id)
        if member is None:
            continue
        data = rep.data
        if not template.anomalies(data):
            continue  # a flag left over from a withdrawn value
        anomalies.append(Anomaly(
            date.fromisoformat(rep.day), member, rep.household, rep.address or "",
            anomaly_detail(data, template), bool(data.get("fever")), data, rep.reported_at, rep.via,
            rep.position or 0,
        ))
        anomaly_count[rep.member_id] = anomaly_count.get(rep.member_id, 0) + 1
        if any(f.is_anomaly(data.get(f.key)) for f in symptom_fields):
            symptom_count[rep.member_id] = symptom_count.get(rep.member_id, 0) + 1
    anomalies.sort(key=lambda a: (not a.fever, a.day, sort_key(a.member), a.position, a.household))

    figures: dict[Unit, Figures] = {}
    missing: list[Missing] = []
    for mid, unit in members.items():
        n = households.get(mid, 0)
        f = Figures(anomalies=anomaly_count.get(mid, 0), symptoms=symptom_count.get(mid, 0))
        if n:
            f.members = len(days)
            f.households = n * len(days)
        for d in days:
            fig = per_day.get((mid, d.isoformat()))
            covered = _int(fig.households_covered) if fig else 0
            if fig:
                f.members_reported += 1
                f.households_covered += covered
                for key, _ in FIGURES:
                    setattr(f, key, getattr(f, key) + _int(getattr(fig, key)))
            if covered < n:
                names = list((missing_names or {}).get((mid, d.isoformat()), []))
                missing.append(Missing(d, unit, n - covered, n, names))
        figures[unit] = f
    total = Figures()
    for root in roots:
        _roll_up(root, figures)
        total.add(figures[root])
    missing.sort(key=lambda m: (m.day, sort_key(m.member)))
    return Summary(roots, period, figures, total, missing, anomalies, template)


def _roll_up(unit: Unit, figures: dict[Unit, Figures]) -> Figures:
    if unit.level == "member":
        return figures.setdefault(unit, Figures())
    f = Figures()
    for c in unit.children:
        f.add(_roll_up(c, figures))
    figures[unit] = f
    return f


# ---------------------------------------------------------------------- rendering
def esc(text: Any) -> str:
    return html.escape(str(text), quote=False)


def render_html(s: Summary) -> list[str]:
    """The summary as lines of Telegram HTML: the unit rows, who is missing, the anomalies (fever first)."""
    multi = not s.period.single
    hh_unit = "户次" if multi else "户"
    lines = [f"📊 <b>{esc(s.title)}</b> {esc(s.period.label())} 上报汇总"]
    shown = shown_figures(s.template, s.total.symptoms > 0)
    for unit, f, depth in s.rows():
        name = "合计" if unit is None else (unit.label if depth else unit_title(unit))
        if unit is not None and unit.level == "member":
            mark = "✅" if f.households and f.households_covered >= f.households else "⏳"
            head = f"{mark} <b>{esc(name)}</b>　户 {f.households_covered}/{f.households}"
        else:
            who = "人次" if multi else "人"
            head = (f"<b>{esc(name)}</b>　网格员 {f.members_reported}/{f.members}{who if multi else ''} · "
                    f"{hh_unit} {f.households_covered}/{f.households}")
        lines.append(head)
        if shown and (unit is None or unit.level != "member" or f.households_covered):
            lines.append("　" + " · ".join(f"{lbl} {getattr(f, k)}" for k, lbl in shown))
    lines.append("")
    lines.extend(_missing_lines(s))
    lines.append("")
    lines.extend(_anomaly_lines(s))
    return lines


def shown_figures(template: Template, symptoms: bool) -> list[tuple[str, str]]:
    """The figures a summary row shows: those of :data:`FIGURES` the template has, and, when some household
    of the summary has ``symptoms``, the households with symptoms after fever."""
    shown = [(k, lbl) for k, lbl in FIGURES if template.has(k)]
    if symptoms and any(f.type == "symptoms" for f in template.fields):
        at = next((i + 1 for i, (k, _) in enumerate(shown) if k == "fever"), len(shown))
        shown.insert(at, SYMPTOMS_FIGURE)
    return shown


def _missing_lines(s: Summary) -> list[str]:
    if not s.missing:
        return ["✅ <b>全部已报</b>"]
    members: dict[Unit, list[Missing]] = {}
    for m in s.missing:
        members.setdefault(m.member, []).append(m)
    hh = sum(m.missing for m in s.missing)
    if s.period.single:
        out = [f"⏳ <b>未报</b>（{len(members)}名网格员，{hh}户）"]
        for unit, (m, *_) in members.items():
            grid = unit.parent.label if unit.parent else ""
            line = f"• {esc(unit.label)}（{esc(grid)}）未报 {m.missing}/{m.households}户"
            if m.names:
                line += "：" + esc("、".join(m.names))
            out.append(line)
        return out
    out = [f"⏳ <b>未报</b>（{len(members)}名网格员，共{hh}户次）"]
    for unit, ms in members.items():
        grid = unit.parent.label if unit.parent else ""
        out.append(f"• {esc(unit.label)}（{esc(grid)}）{len(ms)}天未报齐，缺 {sum(m.missing for m in ms)}户次")
    return out


def _anomaly_lines(s: Summary) -> list[str]:
    if not s.anomalies:
        return ["🟢 无异常"]
    out = [f"⚠️ <b>异常</b>（{len(s.anomalies)}{'户次' if not s.period.single else '户'}）"]
    for a in s.anomalies:
        when = "" if s.period.single else f"{day_label(a.day)} "
        mark = "🌡 " if a.fever else ""
        grid = a.member.parent.label if a.member.parent else ""
        out.append(f"• {when}{mark}{esc(a.household)}家（{esc(a.member.label)}，{esc(grid)}）{esc(a.detail)}")
    return out


_TAG = re.compile(r"<[^>]+>")


def to_plain(lines: Iterable[str]) -> str:
    """The HTML lines as plain text (for a file or a terminal)."""
    return "\n".join(html.unescape(_TAG.sub("", line)) for line in lines)


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def paginate(lines: list[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Join lines into messages of at most ``limit``, breaking only between lines; nothing is dropped.

    A single line longer than the limit (it never holds a tag pair across the cut in our output, but to
    be safe it is sent as escaped plain text) is cut into pieces."""
    pages: list[str] = []
    cur: list[str] = []
    size = 0
    for line in lines:
        n = tg_len(line) + 1
        if n - 1 > limit:
            if cur:
                pages.append("\n".join(cur).strip("\n"))
                cur, size = [], 0
            plain = to_plain([line])
            step = limit // 5  # escaping makes a character at most 5 code units long
            pages.extend(esc(plain[i:i + step]) for i in range(0, len(plain), step))
            continue
        if cur and size + n > limit:
            pages.append("\n".join(cur).strip("\n"))
            cur, size = [], 0
        cur.append(line)
        size += n
    if cur and "\n".join(cur).strip():
        pages.append("\n".join(cur).strip("\n"))
    return [p for p in pages if p.strip()]
