"""From decided cells to the member's report: one household per row, the consistency checks, the doubts.

Shared by the two ways a photo is read, a free-hand table (:mod:`bot.ocr.reader`) and a printed form
(:mod:`bot.ocr.form`): both decide each cell in its closed set (:mod:`bot.ocr.decode`), then give the rows
distinct households here, flag what a consistency check doubts (a name out of roster order, a 序号 that is
not the row's, an unusual temperature, a head count unlike the roster's) and build the
:class:`bot.core.model.MemberReport`, every field with its confidence and the reason it is asked about.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.config.ocr import OcrConfig
from bot.core.model import HouseholdReport, Member, MemberReport
from bot.core.template import Template
from bot.ocr import decode
from bot.ocr.engine import Scored

#: a name cell whose best roster name scores this far below the free reading matches no household
NAME_NO_MATCH = -40.0
#: a table is the sender's when at least one row's name is read at least this surely
NAME_SURE = 0.5
#: the recogniser's likelihoods are overconfident: they are softened by this before posteriors are taken
SOFTEN = 1.5


@dataclass
class PhotoReading:
    """What a photo said, with how it was read."""

    report: MemberReport
    kind: str  # "table" (free-hand) or "form" (a printed gridbot form)
    rows_found: int
    method: str  # "lines", "boxes" or "markers"
    seconds: float = 0.0
    form_id: str | None = None
    #: table rows whose name matched none of the sender's households: row numbers
    unmatched_rows: list[int] = field(default_factory=list)
    #: (row, key) -> how each cell was decided (for the benchmark and debugging; holds no free text)
    decisions: dict[tuple[int, str], Any] = field(default_factory=dict)
    #: (row, key) -> why the field is flagged uncertain (for the benchmark and debugging)
    doubts: dict[tuple[int, str], str] = field(default_factory=dict)


#: temperatures outside this range are possible but rare enough to ask about
TEMPERATURE_USUAL = (35.0, 41.0)
#: a head count that differs from the roster's is asked about unless it wins by this much (log-odds)
PEOPLE_MARGIN = 3.0


def _same_index(read: Any, row: int) -> bool:
    """Whether a 序号 read as ``read`` can be the row's own: "11" often reads "1" (the recogniser merges a
    doubled digit)."""
    return read == row or str(read) == "".join(k for k, _ in itertools.groupby(str(row)))


def check_rows(rows: list[int], names: dict[int, tuple[Any, float, bool]],
               decisions: dict[tuple[int, str], decode.FieldDecision], index_of: dict[int, Any],
               people_of: dict[str, int | None], flags: dict[int, dict[str, str]], member: Member) -> None:
    """Consistency checks that flag fields: a name out of roster order, a row whose 序号 is not its place,
    an unusual temperature, a head count that differs from the roster's without a clear reading."""
    order = {h.name: i for i, h in enumerate(member.households)}
    named = [(r, order[names[r][0]]) for r in rows if r in names and names[r][0] in order]
    if len(named) >= 3:
        keep = decode.in_sequence([o for _, o in named])
        if sum(keep) >= 0.6 * len(keep):  # written in roster order, mostly: a name out of it is suspicious
            for (r, _), ok in zip(named, keep, strict=True):
                if not ok:
                    flags[r].setdefault("household", "name order")
    known = [r for r in rows if index_of.get(r) is not None]
    if len(known) >= 3 and sum(_same_index(index_of[r], r) for r in known) >= 0.6 * len(known):
        for r in known:
            if not _same_index(index_of[r], r):
                flags[r].setdefault("*", "index")  # the row's 序号 says it is another row: cut wrong?
    for r in rows:
        d = decisions.get((r, "temperature"))
        if d is not None and isinstance(d.value, float) and not TEMPERATURE_USUAL[0] <= d.value <= TEMPERATURE_USUAL[1]:
            flags[r].setdefault("temperature", "temperature range")
        d = decisions.get((r, "people"))
        name = names.get(r, (None, 0.0, True))[0]
        expect = people_of.get(name) if name is not None else None
        if d is not None and expect is not None and d.value != expect and d.margin < PEOPLE_MARGIN:
            flags[r].setdefault("people", "roster people")


def ranked_names(sc: Scored, cs: decode.CandidateSet, d: decode.FieldDecision,
                 temp: float = 1.0) -> list[tuple[Any, float, float]]:
    """One name cell's names best first, with a posterior and a confidence each (the decision's fit applied
    to every option): the cell alone, without the roster's order (:func:`ranked_names_jointly` weighs it)."""
    agg: dict[Any, float] = {}
    for s, v in zip(sc.scores, cs.values, strict=True):
        agg[v] = np.logaddexp(agg.get(v, -1e9), float(s))
    vals = list(agg)
    arr = np.array([agg[v] for v in vals]) / temp
    post = np.exp(arr - np.logaddexp.reduce(arr))
    factor = d.confidence / d.posterior if d.posterior > 0 else 0.0
    order = np.argsort(-post)
    return [(vals[i], float(post[i]), float(post[i] * factor)) for i in order[:6]]


#: how likely a member's table lists the households in roster order (some may be left out)
P_ROSTER_ORDER = 0.8


def ranked_names_jointly(name_scores: dict[int, tuple[Scored, decode.CandidateSet, decode.FieldDecision]],
                         names: list[str]) -> list[tuple[int, list[tuple[Any, float, float]]]]:
    """Every name cell's households, best first, with a posterior and a confidence each. The posteriors
    weigh the roster's order (see :func:`decode.name_posteriors`) over the rows that look like a name at
    all; the confidence applies the cell's fit (a reading unlike every household is unsure)."""
    order = list(dict.fromkeys(names))
    rows, lik = [], []
    out: list[tuple[int, list[tuple[Any, float, float]]]] = []
    for row_no, (sc, cs, d) in sorted(name_scores.items()):
        agg = dict.fromkeys(order, -1e9)
        for score, v in zip(np.asarray(sc.scores, dtype=float), cs.values, strict=True):
            agg[v] = float(np.logaddexp(agg[v], score))
        if d.fit < NAME_NO_MATCH or max(agg.values()) <= -1e8:
            out.append((row_no, ranked_names(sc, cs, d, SOFTEN)))  # no household's name: left out of the order
            continue
        rows.append(row_no)
        lik.append([agg[n] / SOFTEN for n in order])
    if rows:
        lik_a = np.asarray(lik)
        post, _ = decode.name_posteriors(lik_a, P_ROSTER_ORDER)
        alone = np.exp(lik_a - np.logaddexp.reduce(lik_a, axis=1, keepdims=True))  # each cell on its own
        for i, row_no in enumerate(rows):
            d = name_scores[row_no][2]
            best = np.argsort(-post[i])[:6]
            out.append((row_no, [(order[k], float(post[i, k]),
                                  float(post[i, k] * _name_fit(d, order[k], float(alone[i, k])))) for k in best]))
    return sorted(out)


def _name_fit(d: decode.FieldDecision, name: str, alone: float = 0.0) -> float:
    """How much a name cell's reading supports ``name`` at all (1: fully): the recogniser's reading of a
    hurried hand is often off by a character, and that still points at the name; a reading unlike it in
    most characters does not (a household not on the roster?). ``alone`` is the name's posterior from the
    cell alone (without the roster's order): when the cell by itself picks the name, a poorer fit is
    tolerated."""
    if d.fit >= -6.0:
        return 1.0
    if alone >= 0.9:
        return math.exp(min(0.0, d.fit + 15.0) / 10.0)
    from rapidfuzz.distance import Levenshtein

    text = "".join(ch for ch in d.text if "\u4e00" <= ch <= "\u9fff")
    if text and Levenshtein.distance(text, name) <= max(1, len(name) // 2):
        return 1.0
    return math.exp((d.fit + 6.0) / 6.0)


def row_households(name_options: list[tuple[int, list[tuple[Any, float, float]]]],
                   decisions: dict[tuple[int, str], decode.FieldDecision]) -> dict[int, tuple[Any, float, bool]]:
    """Each row's household (one row per household), or None where nothing on the roster looks like it."""
    names = decode.assign_names(name_options)
    for (row_no, key), d in decisions.items():
        if key != "household" or row_no not in names or names[row_no][0] is None:
            continue
        shared = len(set(d.text) & set(str(names[row_no][0])))
        if d.fit < NAME_NO_MATCH and shared <= 1:
            names[row_no] = (None, 0.0, True)  # nothing on the sender's roster looks like this
    return names


#: a field flagged by a consistency check keeps at most this confidence
FLAGGED_CONFIDENCE = 0.5


def build_reading(member: Member, template: Template, cfg: OcrConfig, rows: list[int],
                  decisions: dict[tuple[int, str], decode.FieldDecision],
                  name_options: list[tuple[int, list[tuple[Any, float, float]]]], blanks: dict[int, set[str]],
                  notes: dict[int, Any], fields: list[tuple[str, int]], method: str, kind: str,
                  fixed_names: dict[int, str] | None = None, names: dict[int, tuple[Any, float, bool]] | None = None,
                  flags: dict[int, dict[str, str]] | None = None) -> PhotoReading:
    """Turn per-cell decisions into the member report. ``flags`` are the fields (per row) that a consistency
    check doubts; ``"*"`` doubts the whole row (its geometry)."""
    if fixed_names is not None:
        names = {r: (n, 1.0, False) for r, n in fixed_names.items()}
    elif names is None:
        names = row_households(name_options, decisions)
    flags = flags or {}
    keys = [k for k, _ in fields]
    # the columns read, which the confirmation shows (a value derived from another, such as fever from the
    # temperature, is not one)
    report = MemberReport(member=member.name, columns=[k for k in template.keys() if k in keys])
    unmatched_rows: list[int] = []
    doubts: dict[tuple[int, str], str] = {}
    sure_name = 0.0
    for row_no in rows:
        name, name_conf, displaced = names.get(row_no, (None, 0.0, True))
        if name is None:
            unmatched_rows.append(row_no)
            continue
        values: dict[str, Any] = {k: None for k in template.keys()}
        confidence: dict[str, float] = {"household": round(name_conf * (0.5 if displaced else 1.0), 3)}
        sure_name = max(sure_name, confidence["household"])
        why: dict[str, str] = {}
        if displaced:
            why["household"] = "name taken by another row"
        elif confidence["household"] < cfg.min_confidence:
            why["household"] = "confidence"
        for k in keys:
            if k in blanks.get(row_no, set()):
                values[k] = None
                confidence[k] = 1.0
                continue
            f = template.get(k)
            if f is not None and f.type == "text":
                rd = notes.get(row_no)
                values[k] = rd.text if rd is not None and rd.text else None
                confidence[k] = round(float(rd.confidence), 3) if rd is not None else 0.0
                if confidence[k] < 0.97:
                    why[k] = "confidence"
                continue
            d = decisions.get((row_no, k))
            if d is None:
                continue
            v = d.value
            if k == "temperature" and v == decode.NORMAL:
                v = None
                values["fever"] = False if template.has("fever") else values.get("fever")
            values[k] = v
            confidence[k] = round(d.confidence, 3)
            if d.confidence < cfg.min_confidence:
                why[k] = d.doubts[0] if d.doubts else "confidence"
        t = values.get("temperature")
        if template.has("fever") and isinstance(t, float) and "fever" not in keys:
            values["fever"] = t >= template.fever_threshold
        doubted = flags.get(row_no, {})
        for k in (["household", *keys] if "*" in doubted else [k for k in doubted if k != "*"]):
            why.setdefault(k, doubted.get(k, doubted.get("*", "")))
            confidence[k] = round(min(confidence.get(k, 0.0), FLAGGED_CONFIDENCE), 3)
        uncertain = [k for k in ["household", *keys] if k in why]
        doubts.update({(row_no, k): r for k, r in why.items()})
        report.households.append(HouseholdReport(name, values, row=row_no, uncertain=uncertain, confidence=confidence))
    if fixed_names is None and report.households and sure_name < NAME_SURE:
        report.unmatched = [f"第{r}行" for r in rows]
        report.households = []  # not one row is surely the sender's: a table of someone else's households
        return PhotoReading(report, kind, len(rows), method, unmatched_rows=list(rows), decisions=decisions)
    report.totals["households"] = None
    if unmatched_rows:
        report.unmatched = [f"第{r}行" for r in unmatched_rows]
    return PhotoReading(report, kind, len(rows), method, unmatched_rows=unmatched_rows, decisions=decisions,
                        doubts=doubts)
