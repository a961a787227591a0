"""Step 7, accumulate: statements are collected per *target* (a household, the whole grid, "the rest").

Binding says *what* a clause states; the builder says *about whom*. This module keeps the two apart: it
only stores statements into the target it is given (with the rules for stronger values, shared counts and
the member-level totals), so that :mod:`bot.parser.assemble` can later turn the targets into one report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.model import Household, Member
from bot.core.template import NEGATIVE_PREFIXES, POSITIVE_PREFIXES, UNNAMED_SYMPTOM, Field
from bot.parser.bind import Stmt
from bot.parser.context import Ctx
from bot.parser.names import Ref


def rank(v: Any) -> float:
    """How much a value says: unstated < no / 0 / no symptoms / an enum option < yes < a count."""
    if v is None:
        return -1
    if v is True:
        return 0.5
    if isinstance(v, list):
        return 1 if v else 0
    if isinstance(v, str):
        return 0
    if v is False or v == 0:
        return 0
    return float(v)


def merge(f: Field, old: Any, new: Any) -> Any:
    """Two statements of one symptoms or enum field: the symptoms together (in order of first mention);
    of two options the anomaly, else the one listed first in the template (阴性 over 已做)."""
    if old is None:
        return new
    if f.type == "symptoms" and isinstance(old, list) and isinstance(new, list):
        return list(dict.fromkeys([*old, *new]))
    if f.type == "enum":
        order = [o.value for o in f.options]

        def key(v: Any) -> tuple[bool, int]:
            return (not f.is_anomaly(v), order.index(v) if v in order else len(order))

        return min((old, new), key=key)
    return new if rank(new) > rank(old) else old


class Acc:
    """What the message says about one target (a household, the member's grid, or "the rest")."""

    # the plain values start as class attributes (a long chain makes thousands of targets)
    temp_normal = False
    normal = False
    reading_open = False  # the clause before was a reading: 上午36.3、36.5 (one time, several people)
    row: int | None = None

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.temps: list[float] = []
        self.notes: list[str] = []
        #: 上午36.5 / 下午36.8: temperatures taken at several times of the day, (time word, temperatures)
        self.readings: list[tuple[str, list[float]]] = []
        self.positives: dict[str, list[str]] = {}  # blanket: field → annotations (parentheses)
        self.counts: dict[str, int] = {}  # blanket: field → the count stated (发热1人)
        #: the fields the message leaves in doubt for this target (see :mod:`bot.parser.doubts`)
        self.doubts: list[str] = []
        #: of those, the counts written without their number (``共人``, ``人数：``)
        self.missing: list[str] = []
        self.hows: dict[str, str] = {}  # field → how its value was stated (count, presence, total …)
        self.people_seen: list[Any] = []  # every people count stated (4口人 … 在家3人)

    def doubt(self, key: str, missing: bool = False) -> None:
        if key not in self.doubts:
            self.doubts.append(key)
        if missing and key not in self.missing:
            self.missing.append(key)

    def set(self, key: str, value: Any, people_key: str | None, how: str = "") -> None:
        old = self.values.get(key)
        if key == people_key:
            if old is None or (how == "total" and self.hows.get(key) != "total"):
                self.values[key] = value
                self.hows[key] = how
            elif old != value and how != "part" and self.hows.get(key) != "part":
                self.doubt(key)  # 4人 … 3人: two different counts of the same household
            self.people_seen.append(value)
            return
        if old is not None and conflicts(old, self.hows.get(key, ""), value, how):
            self.doubt(key)
        if rank(value) > rank(old):
            self.values[key] = value
            self.hows[key] = how

    def put(self, f: Field, value: Any, people_key: str | None, how: str = "") -> None:
        """Store a statement's value of the field ``f`` (symptoms and enum options merge, see :func:`merge`)."""
        if f.type in ("symptoms", "enum"):
            self.values[f.key] = merge(f, self.values.get(f.key), value)
        else:
            self.set(f.key, value, people_key, how)

    def has_values(self, with_notes: bool = True) -> bool:
        return bool(
            self.values
            or self.temps
            or self.temp_normal
            or self.normal
            or any(d != "household" for d in self.doubts)
            or (with_notes and self.notes)
        )


def conflicts(old: Any, old_how: str, new: Any, new_how: str) -> bool:
    """Whether two statements of one field about one target contradict each other: a "no" and a "yes"
    (``无返乡`` … ``返乡1人``), or two different counts (``返乡1人`` … ``返乡2人``). A bare mention and a count
    (``儿子返乡`` … ``返乡2人``) do not: the count says how many."""
    if old == new:
        return False
    if rank(old) <= 0 or rank(new) <= 0:
        return (rank(old) <= 0) != (rank(new) <= 0)
    vague = ("presence", "yes")
    return old_how not in vague and new_how not in vague


@dataclass
class Target:
    """Where statements go: ``all`` (the member's grid), ``rest`` (all but the named ones) or ``hh``."""

    kind: str  # all | rest | hh
    accs: list[Acc] = field(default_factory=list)


def coerce(f: Field, how: str, n: Any, people_key: str | None) -> Any:
    """A statement's value in the field's type (None: nothing to store)."""
    if f.type == "text" or f.type == "temperature":
        return None
    if f.type in ("symptoms", "enum"):
        return _coerce_option(f, how, n)
    if how == "count":
        if not isinstance(n, int) or n < 0:
            return None
        return (n > 0) if f.type == "bool" else n
    if how in ("none", "normal"):
        if f.key == people_key:
            return None
        return False if f.type == "bool" else 0
    if how in ("yes", "presence"):
        if f.key == people_key:
            return None
        if f.type == "int":
            return 1
        return True
    return None


def _coerce_option(f: Field, how: str, n: Any) -> Any:
    """A symptoms field: the symptoms stated (``add``), [] when denied; an enum field: the option stated, or
    the option of a negative word for a negated field word (``未做核酸`` → 未做), of a positive one for a
    yes-word (``已做核酸``, ``有核酸``)."""
    if f.type == "symptoms":
        if how == "add" and isinstance(n, list):
            return list(n)
        if how in ("none", "normal") or (how == "count" and n == 0):
            return [] if how != "normal" or f.normal_zero else None
        if how == "yes":
            return [UNNAMED_SYMPTOM]  # 有症状: some symptom, not named (asked: see bot.parser.doubts)
        return None
    if how == "option" and isinstance(n, str):
        return n
    if how == "none":
        opt = f.option_by_prefix(NEGATIVE_PREFIXES)
        return opt.value if opt else None
    if how == "yes":
        opt = f.option_by_prefix(POSITIVE_PREFIXES)
        return opt.value if opt else None
    return None


class Accumulator:
    """Everything one member's message says, target by target (filled by :class:`bot.parser.builder.Builder`)."""

    def __init__(self, ctx: Ctx, member: Member) -> None:
        self.ctx = ctx
        self.schema = ctx.schema
        self.member = member
        self.own_names = ctx.index.own_names(member)
        self.own: dict[str, Household] = self.own_names.own  # (read-only)
        self.accs: dict[str, Acc] = {}
        self.order: list[str] = []
        self.blanket = Acc()
        self.rest = Acc()
        self.exceptions: list[str] = []
        self.sinks: dict[tuple[str, str], tuple[Ref, Acc]] = {}
        self.warnings: list[str] = []
        self.same = False
        self.totals: dict[str, int | None] = {"households": None, "people": None}
        self.chain_index: int | None = None
        self._last_count: tuple[tuple[Any, ...], str | None, int] | None = None

    def acc(self, name: str) -> Acc:
        a = self.accs.get(name)
        if a is None:
            a = self.accs[name] = Acc()
            self.order.append(name)
        return a

    def target_for(self, refs: list[Ref]) -> Target:
        accs = []
        for r in refs:
            if r.kind in ("own", "guess"):
                accs.append(self.acc(r.name))
                if r.kind == "guess" or r.fuzzy:
                    accs[-1].doubt("household")
                if r.warning and r.warning not in self.warnings:
                    self.warnings.append(r.warning)
            else:
                key = (r.kind, r.name)
                if key not in self.sinks:
                    self.sinks[key] = (r, Acc())
                elif r.strong:
                    self.sinks[key][0].strong = True
                accs.append(self.sinks[key][1])
        return Target("hh", accs)

    def _target_key(self, target: Target) -> tuple[Any, ...]:
        if target.kind == "hh":
            return ("hh", *map(id, target.accs))
        return (target.kind,)

    def _inherit(self, s: Stmt, target: Target) -> Stmt:
        """``返乡2人（均已隔离）``: a count-less statement of an anomaly count field right after another
        anomaly field's count on the same target takes that count (quietly: it is the same people)."""
        f = self.schema.fields.get(s.key or "")
        if f is None or not f.anomaly or f.type != "int":
            return s
        last = self._last_count
        if s.kind == "field" and s.how == "count" and isinstance(s.value, int) and s.value > 0:
            self._last_count = (self._target_key(target), s.key, s.value)
            return s
        if s.kind == "field" and s.how in ("presence", "yes") and last is not None:
            tkey, key, n = last
            if key != s.key and tkey == self._target_key(target):
                return Stmt("field", s.key, "count", n, quiet=True)
        return s

    def apply(self, stmts: list[Stmt], target: Target, annotation: str = "") -> None:
        people = self.schema.people
        fields = self.schema.fields
        if not stmts and target.kind != "hh":
            return  # (a household's target still takes the annotation, and ends a run of readings)
        for s in stmts:  # (most statements are of no field: no list made for them)
            if s.kind == "field":
                stmts = [self._inherit(s, target) if s.kind == "field" else s for s in stmts]
                break
        if target.kind in ("all", "rest"):
            acc = self.blanket if target.kind == "all" else self.rest
            for s in stmts:
                if s.kind == "people" and target.kind == "all":
                    if self.totals["people"] is None or s.how == "total":
                        self.totals["people"] = s.value
                elif s.kind == "doubt":
                    acc.doubt(s.key or "", missing=s.how == "missing")
                elif s.kind == "households" and target.kind == "all":
                    if self.totals["households"] is None:
                        self.totals["households"] = s.value
                elif s.kind == "temp":
                    acc.temps.append(s.value)
                    if s.how == "scaled" and self.schema.temperature:
                        acc.doubt(self.schema.temperature)  # 体温365: a temperature without its point
                elif s.kind == "normal":
                    acc.normal = True
                elif s.kind == "field":
                    f = fields[s.key]
                    if s.how == "normal" and f.type == "temperature":
                        acc.temp_normal = True
                        continue
                    value = coerce(f, s.how, s.value, people)
                    if value is None:
                        continue
                    acc.put(f, value, people)
                    if (rank(value) > 0 or f.is_anomaly(value)) and not s.quiet:
                        acc.positives.setdefault(s.key, [])
                        if s.how == "count" and isinstance(s.value, int):
                            acc.counts[s.key] = max(acc.counts.get(s.key, 0), s.value)
                        if annotation:
                            acc.positives[s.key].append(annotation)
            return
        accs = target.accs
        k = len(accs)
        reading = False
        only_temps = bool(stmts)
        for s in stmts:  # (a loop: this runs for every clause)
            if s.kind == "reading":
                reading = True
            elif s.kind not in ("temp", "temp3"):
                only_temps = False
        for acc in accs:
            for s in stmts:
                if s.kind == "people":
                    if people:
                        acc.set(people, s.value, people, s.how)
                        if k > 1 and not s.each:
                            acc.doubt(people)  # 王建国、李秀兰家5人: together or each?
                elif s.kind == "doubt":
                    acc.doubt(s.key or "", missing=s.how == "missing")
                elif s.kind in ("temp", "temp3"):
                    acc.temps.append(s.value)
                    if acc.reading_open and not reading:
                        acc.readings[-1][1].append(s.value)  # 上午36.3、36.5: the same time, another person
                    if (s.kind == "temp3" or s.how == "scaled") and self.schema.temperature:
                        acc.doubt(self.schema.temperature)  # 365: a temperature without its point
                elif s.kind == "normal":
                    acc.normal = True
                elif s.kind == "note":
                    acc.notes.append(s.value)
                elif s.kind == "reading":
                    acc.readings.append((s.how, [s.value]))
                elif s.kind == "field":
                    f = fields[s.key]
                    if s.how == "normal" and f.type == "temperature":
                        acc.temp_normal = True
                        continue
                    n = s.value
                    if s.how == "count" and k > 1 and isinstance(n, int) and n > 0 and not s.each:
                        if n != k:
                            acc.doubt(s.key or "")  # 王建国、李秀兰家返乡3人: who has how many?
                        n = 1
                    value = coerce(f, s.how, n, people)
                    if value is not None:
                        acc.put(f, value, people, s.how)
            acc.reading_open = only_temps and (reading or acc.reading_open)
            if annotation and not any(s.kind == "note" for s in stmts):
                acc.notes.append(annotation)

    def personal_checkin(self) -> None:
        """``1. 陈明 36.5``: in a health check-in chain the temperature is the member's own; it goes to the
        member's own household when the member heads one and the line names no other household."""
        name = self.member.name
        if self.blanket.temps and name in self.own and not self.accs and self.totals["households"] is None:
            self.acc(name).temps.extend(self.blanket.temps)
            self.blanket.temps.clear()
