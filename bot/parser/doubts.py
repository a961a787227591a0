"""The parser's doubts: the fields of a household that a message leaves uncertain.

The parser never guesses silently. When a message states a field in a way that cannot be trusted, the
field's key goes into :attr:`bot.core.model.HouseholdReport.uncertain` (the value is kept as read, or
None), so that the member is asked before the value counts. The kinds of doubt:

* **a count written without its number**: ``共人``, ``共计 人``, ``人数：``, ``在家人``, ``返乡：`` (the
  form's label with nothing after it). The value is None: unknown is not zero, and not "present" either.
* **a contradiction** within one household: ``无返乡 … 返乡1人``, ``4人 … 3人``, ``无发热`` with 37.8℃,
  ``体温正常`` with 37.8℃ (see :func:`bot.parser.accumulate.conflicts`).
* **an implausible value**: a temperature written without its point (``365``), one that cannot be read
  (``3.65``), one far from a body's (below 35 or above 41 ℃); more people in a household than a household
  holds; more people in a count (外出, 返乡 …) than the household's people.
* **a hedged statement**: hearsay, a guess or a plan (``听说霍建军家儿子要回来``, ``体温好像37.5``,
  ``准备居家隔离``): the field is stated, but not as a fact.
* **a symptom not named**: ``有症状``, ``有点不舒服``, ``身体不适`` (the value is ``["不适"]``): the member has
  not said what it is.
* **a doubtful household**: a name one character off, the given name alone (``建国家``), or ``王家``
  taken for the one 王 household (``"household"``).
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.template import UNNAMED_SYMPTOM
from bot.parser.schema import Schema
from bot.parser.tokens import Tok

#: Body temperatures outside this band (℃) are asked about, though they can be read.
PLAUSIBLE_TEMP = (35.0, 41.0)
#: More people than this in one household is asked about.
MAX_HOUSEHOLD_PEOPLE = 20
#: Pseudo-key of the member's household count (``共 户``) in a blanket's doubts.
HOUSEHOLDS = "households"

#: Words that open a total (``共计3人``); a count after one of them is the household's whole count.
TOTAL_WORDS = ("共", "共计", "合计", "总计", "一共", "总共", "共有", "计")
#: What a total word counts (``共户``, ``共人``, ``共户人``).
_TOTAL_OF_RE = re.compile(r"户?人|户")
#: ``共 人`` / ``共计 户 人``: spaces where the number was left out are closed, so the clause keeps the gap.
_GAP_RE = re.compile(r"(共计|合计|总计|共有|共|包联|包户|在家)\s+(?=[户人口])|(?<=[户])\s+(?=人)")


#: Hearsay, guesses and plans: what they state is not (yet) a fact.
_HEDGE_RE = re.compile(
    r"听说|据说|好像|可能|也许|大概|估计|似乎|不确定|不清楚|不知道|待核实|待确认|待定|(?<![主重需只])要(?!求)|将要|"
    r"准备|打算|计划|预计|明天|后天|过几天|过两天|下周|下个月"
)


#: The first characters of the hedge words: most clauses have none, and skip the regex.
_HEDGE_FIRST = frozenset("听据好可也大估似不待要将准打计预明后过下")


def hedged(clause: str) -> bool:
    """Whether a clause states its facts as hearsay, a guess or a plan (``听说…要回来``)."""
    return not _HEDGE_FIRST.isdisjoint(clause) and bool(_HEDGE_RE.search(clause))


def close_gaps(unit: str) -> str:
    """``共 户 人`` → ``共户人``: a blank left for a number must not split the clause in two."""
    if "共" not in unit and "计" not in unit and "包" not in unit and "在家" not in unit:
        return unit
    return _GAP_RE.sub(lambda m: m.group(1) or "", unit)


def _count_field(schema: Schema, key: str | None) -> bool:
    f = schema.fields.get(key or "")
    return f is not None and f.type in ("int", "bool_int")


def missing_counts(toks: list[Tok], schema: Schema) -> list[str]:
    """The keys of the counts a clause writes without their number (``households`` for the household
    count); their tokens are marked used.

    ``共人`` / ``共户人`` (a total word, then the unit), ``人数：`` / ``返乡：`` (a label and nothing after it),
    ``在家人`` (a count word and the unit, at the end of the clause).
    """
    out: list[str] = []
    n = len(toks)
    for i, t in enumerate(toks):
        if t.used:
            continue
        nxt = toks[i + 1] if i + 1 < n else None
        if t.kind == "fill" and t.text in TOTAL_WORDS and nxt is not None and nxt.kind == "other":
            m = _TOTAL_OF_RE.match(nxt.text)
            if m:
                if "户" in m.group(0):
                    out.append(HOUSEHOLDS)
                if "人" in m.group(0) and schema.people:
                    out.append(schema.people)
                t.used = nxt.used = True
            continue
        if t.kind != "alias" or not _count_field(schema, t.key):
            continue
        prev = toks[i - 1] if i > 0 else None
        if prev is not None and prev.kind in ("neg", "yes", "num"):
            continue
        rest = [x for x in toks[i + 1 :] if x.kind != "paren"]
        # 人数： / 返乡：外来人员： — a form's label with nothing after it (or only the next label)
        label_only = (
            bool(rest)
            and rest[0].kind == "fill"
            and rest[0].text == ":"
            and (len(rest) == 1 or _next_label(rest[1:], t.key))
        )
        if rest and rest[0].kind == "fill" and rest[0].text == ":" and len(rest) == 2:
            rest = rest[1:]  # 外来人员：  人
        unit_only = (
            len(rest) == 1 and rest[0].kind == "other" and rest[0].text in ("人", "口", "口人", "个人", "户", "名")
        )
        if label_only:
            rest = rest[:1]
        if label_only or unit_only:
            out.append(t.key or "")
            t.used = True
            for x in rest:
                x.used = True
    return out


def _next_label(rest: list[Tok], key: str | None) -> bool:
    """``返乡：外来人员：`` — what follows a label is the next field's label, not this one's value."""
    return (
        rest[0].kind == "alias"
        and rest[0].key != key
        and (len(rest) == 1 or (rest[1].kind == "fill" and rest[1].text == ":"))
    )


def household_doubts(
    values: dict[str, Any], own: dict[str, Any], temp_normal: bool, schema: Schema, threshold: float
) -> list[str]:
    """Doubts found in a household's final values: implausible values and contradictions.

    ``values`` are the household's assembled values, ``own`` what the message said of this household
    itself (not through a blanket statement), ``temp_normal`` whether it said 体温正常 of it.
    """
    out: list[str] = []
    if own:  # (a loop, and list.count: this runs for every household a message names)
        for key in schema.symptom_keys:
            v = own.get(key)
            if isinstance(v, list) and v and v.count(UNNAMED_SYMPTOM) == len(v):
                out.append(key)
    t_key, f_key, p_key = schema.temperature, schema.fever, schema.people
    t = values.get(t_key) if t_key else None
    people = values.get(p_key) if p_key else None
    if t is None and people is None:
        return out
    if isinstance(t, float) and t_key:
        if not PLAUSIBLE_TEMP[0] <= t <= PLAUSIBLE_TEMP[1]:
            out.append(t_key)
        elif t >= threshold and (temp_normal or (f_key and own.get(f_key) is False)):
            out.append(t_key)  # 体温正常 / 无发热, and 37.8℃
            if f_key and own.get(f_key) is False:
                out.append(f_key)
    if isinstance(people, int) and p_key:
        if people > MAX_HOUSEHOLD_PEOPLE:
            out.append(p_key)
        for key in schema.count_keys:
            v = own.get(key)
            if key != p_key and isinstance(v, int) and not isinstance(v, bool):
                if v > people:
                    out.append(key)  # 2人 … 外出3人
    return out
