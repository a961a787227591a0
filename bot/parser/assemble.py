"""Step 8, assemble: what was accumulated per target becomes one :class:`MemberReport`.

Members report by exception ("all normal except …"), so the report lists households the message never
named: a blanket statement covers every household of the member (roster order), named households keep
their own values, and counts that no household took become warnings asking which household was meant.
"""

from __future__ import annotations

from typing import Any

from bot.core.model import HouseholdReport, MemberReport
from bot.core.template import UNNAMED_SYMPTOM, Field
from bot.parser.accumulate import Acc, Accumulator, rank
from bot.parser.doubts import HOUSEHOLDS, household_doubts
from bot.parser.fieldwords import reading_as_written
from bot.parser.schema import Schema
from bot.parser.vocab import TEMP_MAX, TEMP_MIN


def _has_content(state: Accumulator) -> bool:
    # (loops, not any(...) of a generator: this runs for every line of a chain)
    if state.same:
        return True
    for v in state.totals.values():
        if v is not None:
            return True
    if state.blanket.has_values() or state.rest.has_values() or state.blanket.positives:
        return True
    for a in state.accs.values():
        if a.has_values():
            return True
    for r, a in state.sinks.values():
        if r.strong or a.has_values(with_notes=False):
            return True
    return False


def assemble(state: Accumulator) -> MemberReport | None:
    """The member's report from what the message said, or None when it said nothing."""
    if not _has_content(state):
        return None
    tpl = state.ctx.template
    schema = state.schema
    report = MemberReport(
        member=state.member.name, chain_index=state.chain_index, same_as_yesterday=state.same,
        totals=dict(state.totals),  # (given: the default's factory would make a dict only to drop it)
    )
    blanket_zero = _zero(state.blanket, schema)
    rest_zero = _zero(state.rest, schema)
    blanket_said = (
        state.blanket.normal
        or state.rest.normal
        or state.blanket.temp_normal
        or state.rest.temp_normal
        or blanket_zero
        or rest_zero
    )
    covers_all = bool(state.member.households) and bool(blanket_said) and not state.same
    report.covers_all = covers_all
    mentioned = [n for n in state.order if n in state.own] if state.order else []
    for n in state.exceptions:
        if n not in mentioned and n in state.own:
            mentioned.append(n)
    names = state.own_names.names if covers_all else mentioned
    # an enum option stated for every household (10户均绿码) is no "normal value": it is given to each
    stated_options = {
        k: v for k, v in {**blanket_zero, **rest_zero}.items() if schema.fields[k].type == "enum"
    } if blanket_zero or rest_zero else {}
    named = set(mentioned)
    # the values of a household only the blanket statement covers, and its one (empty) list when it has one
    spread, lists = _spread(schema, stated_options) if covers_all else ({}, ())
    one_list = lists[0] if len(lists) == 1 and not spread[lists[0]] else None
    doubted = bool(state.blanket.missing or state.rest.missing)  # (else nothing of such a household is)
    accs = state.accs
    if covers_all and not accs and not named and not doubted and one_list is not None:
        # all normal, and no household said anything of its own (the usual report): every household covered
        # (every field given, row, uncertain and confidence too: no default factory is called per household)
        report.households = [HouseholdReport(name, {**spread, one_list: []}, None, [], {}) for name in names]
        names = ()
    plain = covers_all and one_list is not None and not doubted  # a household the blanket alone covers
    households = report.households
    for name in names:
        acc = accs.get(name)
        if acc is None and covers_all and name not in named:
            if plain:
                households.append(HouseholdReport(name, {**spread, one_list: []}, None, [], {}))
                continue
            if one_list is not None:  # (the usual: one empty list, the symptoms)
                values = {**spread, one_list: []}
            else:
                values = spread.copy()
                for k in lists:
                    values[k] = list(spread[k])  # each household its own list
            hr = HouseholdReport(name, values)  # (positional: cheaper than keywords, for thousands)
            if doubted:
                hr.uncertain = _uncertain(state, name, None, values)
            report.households.append(hr)
            continue
        said = acc or Acc()  # what the message said of this household
        excluded = name in state.exceptions
        values = schema.empty.copy()
        if said.normal or (covers_all and state.blanket.normal and not excluded):
            values.update(schema.normal)
            for k in schema.normal_lists:
                values[k] = []  # (Template.normal_values: a list of its own)
        if covers_all:
            values.update(blanket_zero)
            if state.blanket.temp_normal and schema.fever and not excluded:
                values[schema.fever] = False
        for k, v in said.values.items():
            if k in values:
                values[k] = v
        if said.temps and schema.temperature:
            values[schema.temperature] = max(said.temps)
        elif said.temp_normal and schema.fever and values.get(schema.fever) is None:
            values[schema.fever] = False
        notes = _with_readings(said, state.ctx.original)
        if len(notes) > 1:  # (one note or none: nothing repeats, nothing holds another)
            notes = [n for n in dict.fromkeys(notes) if not any(n != m and n in m for m in notes)]
        if notes and schema.note:
            values[schema.note] = "；".join(notes)
        for key in acc.missing if acc is not None else ():
            if key in values:
                values[key] = None  # 共人 / 返乡：: unknown, not zero
        _derive_fever(values, schema, tpl.fever_threshold)
        _named_symptoms(values, schema)
        hr = HouseholdReport(name, values)  # (positional: cheaper than keywords, for thousands)
        hr.uncertain = _uncertain(state, name, acc, values)
        if acc is not None and acc.row is not None:
            hr.row = acc.row
        report.households.append(hr)
    for ref, acc in state.sinks.values():
        if not (ref.strong or acc.has_values(with_notes=False)):
            continue
        if ref.kind == "foreign":
            entry = {"household": ref.name, "member": ref.owner}
            if entry not in report.foreign:
                report.foreign.append(entry)
                report.warnings.append(f"“{ref.name}”是{ref.owner}包联的户，未记入您的报告")
        elif ref.kind == "unmatched":
            if ref.name not in report.unmatched:
                report.unmatched.append(ref.name)
                if ref.chain_no is not None:
                    report.warnings.append(
                        f"接龙第{ref.chain_no}条“{ref.name}”不是本网格的网格员，也不在您包联的户中"
                    )
                else:
                    report.warnings.append(f"“{ref.name}”不在您包联的户中，请核对户主姓名")
        elif ref.kind == "vague" and ref.warning:
            report.warnings.append(ref.warning)
    if state.warnings:
        report.warnings.extend(w for w in state.warnings if w not in report.warnings)
    _aggregate_warnings(state, report)
    _missing_warnings(state, report)
    return report


def _spread(schema: Schema, stated_options: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The values of a household only a blanket statement covers (the normal values, the enum options
    stated for every household), and the keys of its lists. Without options they depend on the template
    only: worked out once per schema. Read-only: each household takes a copy (and its own lists)."""
    if not stated_options and schema.spread is not None:
        return schema.spread  # type: ignore[return-value]
    tpl = schema.template
    spread = tpl.normal_values()
    spread.update(stated_options)
    _derive_fever(spread, schema, tpl.fever_threshold)
    _named_symptoms(spread, schema)
    out = spread, tuple(k for k, v in spread.items() if isinstance(v, list))
    if not stated_options:
        schema.spread = out
    return out


def _zero(acc: Acc, schema: Schema) -> dict[str, Any]:
    """What a blanket statement says of every household: the "none" values (0, false, no symptoms, an enum
    option that is no anomaly), never an anomaly."""
    if not acc.values:
        return {}
    return {k: v for k, v in acc.values.items() if rank(v) == 0 and not schema.fields[k].is_anomaly(v)}


def _with_readings(acc: Acc, original: str) -> list[str]:
    """The notes, after the readings of a day when there are several (``上午36.5，下午36.8``), as written."""
    if len(acc.readings) < 2:
        return acc.notes
    used: set[int] = set()
    readings = [reading_as_written(time, values, original, used) for time, values in acc.readings]
    return ["，".join(dict.fromkeys(readings)), *acc.notes]


def _named(f: Field, v: Any) -> int:
    """How many of a field's anomalies a household's value holds (for the "which household?" question)."""
    if f.type in ("symptoms", "enum") or isinstance(v, list | str):
        return 1 if f.is_anomaly(v) else 0
    if v is True:
        return 1
    return v if isinstance(v, int) and not isinstance(v, bool) else 0
def _uncertain(state: Accumulator, name: str, acc: Acc | None, values: dict[str, Any]) -> list[str]:
    """The household's doubtful fields (see :mod:`bot.parser.doubts`), in template order, ``household``
    first. A count the blanket wrote without its number is in doubt (and unknown) for every household
    that says nothing of its own about it."""
    schema = state.schema
    if acc is None and not state.blanket.missing and not state.rest.missing:
        return []  # covered by a blanket statement only: nothing of its own to doubt
    doubts = list(acc.doubts) if acc is not None else []
    own = acc.values if acc is not None else {}
    if acc is not None and _people_explained(acc, schema):
        doubts.remove(schema.people or "")  # 4口人，在家3人，外出1人: the other one is out
        values[schema.people or ""] = max(acc.people_seen)
    for general in (state.blanket, state.rest):
        for key in general.missing:
            if key in values and key not in own and not (general is state.rest and name in state.exceptions):
                values[key] = None
                doubts.append(key)
    temp_normal = acc.temp_normal if acc is not None else False
    doubts += household_doubts(values, own, temp_normal, schema, state.ctx.template.fever_threshold)
    t_key, f_key = schema.temperature, schema.fever
    if t_key in doubts and f_key and f_key not in own and values.get(f_key) is not None:
        doubts.append(f_key)  # a fever derived from a doubtful temperature is doubtful too
    if not doubts:
        return []
    keys = set(doubts)
    return (["household"] if "household" in keys else []) + [k for k in values if k in keys]


def _people_explained(acc: Acc, schema: Schema) -> bool:
    """Two people counts of one household whose difference is another count of it (``4口人，在家3人，
    外出1人``): the household's size and who is at home, not a contradiction."""
    p_key = schema.people
    seen = set(acc.people_seen)
    if not p_key or p_key not in acc.doubts or p_key in acc.missing or len(seen) != 2:
        return False
    gap = max(seen) - min(seen)
    return any(
        k != p_key and type(v) is int and v == gap and schema.fields[k].type in ("int", "bool_int")
        for k, v in acc.values.items()
    )


def _missing_warnings(state: Accumulator, report: MemberReport) -> None:
    """Member-level counts written without their number (``包联10户共人``): ask for them."""
    if not state.blanket.missing and not state.rest.missing:
        return
    labels = {HOUSEHOLDS: "户数"}
    if state.schema.people:
        labels[state.schema.people] = "人数"
    for key in dict.fromkeys(state.blanket.missing + state.rest.missing):
        f = state.schema.fields.get(key)
        label = labels.get(key) or (f.label if f else key)
        text = f"{label}没有写数字，请补充"
        if text not in report.warnings:
            report.warnings.append(text)


def _aggregate_warnings(state: Accumulator, report: MemberReport) -> None:
    """Counts stated for the grid without a household: ask which household."""
    schema = state.schema
    for key, notes in state.blanket.positives.items():
        f = schema.fields[key]
        v = state.blanket.values.get(key)
        named = sum(_named(f, h.values.get(key)) for h in report.households)
        count = state.blanket.counts.get(key)
        if count is not None:
            need = count
        elif isinstance(v, list | str) or v is True:
            need = 1 if f.is_anomaly(v) or v is True else 0
        else:
            need = int(v or 0)
        if named >= need:
            continue
        extra = f"（{'，'.join(notes)}）" if notes else ""
        amount = f"{count}人" if count is not None else ""
        what = f.value_text(v) if f.type in ("symptoms", "enum") and v else f.label
        report.warnings.append(f"{what}{amount}{extra}未写明是哪一户，请补充户主姓名")
    if state.blanket.temps and schema.temperature:
        top = max(state.blanket.temps)
        if top >= state.ctx.template.fever_threshold:
            fever_named = any((schema.fever and h.values.get(schema.fever)) for h in report.households)
            if not fever_named:
                report.warnings.append(f"体温{top}℃已达发热标准，请写明是哪一户")


def _named_symptoms(values: dict[str, Any], schema: Schema) -> None:
    """``有点不舒服，咳嗽``: the symptom not named is the named one (["咳嗽"], not ["不适", "咳嗽"])."""
    for key in schema.symptom_keys:
        v = values.get(key)
        if isinstance(v, list) and len(v) > 1 and UNNAMED_SYMPTOM in v:
            values[key] = [s for s in v if s != UNNAMED_SYMPTOM]


def _derive_fever(values: dict[str, Any], schema: Schema, threshold: float) -> None:
    t = values.get(schema.temperature) if schema.temperature else None
    if isinstance(t, int | float) and not isinstance(t, bool):
        if not TEMP_MIN <= t <= TEMP_MAX:
            values[schema.temperature] = None
            return
        values[schema.temperature] = round(float(t), 1)
        if schema.fever:
            if t >= threshold:
                values[schema.fever] = True
            elif values.get(schema.fever) is None:
                values[schema.fever] = False
