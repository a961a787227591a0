"""Stage 6 and 7: decoding cells against closed candidate sets, with a confidence for every field.

Nothing read here is free text except the note: a name is one of the sender's own households, a count is in
its valid range, a temperature is between 34.0 and 42.9, a mark is yes or no. Each candidate string is
scored by the recogniser; the value's posterior is its share of the likelihood among the candidates, and
the fit compares the best candidate with what the recogniser reads freely, so that a cell holding
something outside the set (a misspelt name, a scribble) is not confidently forced onto it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.ocr.engine import Scored
from bot.template import Template

NORMAL = "normal"  # a temperature cell reading 正常

YES_WORDS = ("是", "√", "v", "V", "对", "有")
NO_WORDS = ("否", "×", "x", "X", "无")

#: header words of the columns that are not template fields
HOUSEHOLD_WORDS = ("户主", "姓名", "户主姓名", "名字", "户名", "户主名")
INDEX_WORDS = ("序号", "编号", "序")


@dataclass(frozen=True)
class CandidateSet:
    strings: tuple[str, ...]
    values: tuple[Any, ...]
    #: how much below the free reading the best candidate may score before the field is uncertain
    slack: float = 4.0


@dataclass
class Decision:
    value: Any
    confidence: float
    posterior: float
    fit: float
    text: str  # the free reading (for debugging; never stored)


def _key(v: Any) -> tuple[str, Any]:
    return (type(v).__name__, v)


def decide(scored: Scored, cs: CandidateSet) -> Decision:
    """The most likely value of ``cs`` for a scored crop, with its posterior and fit."""
    s = np.asarray(scored.scores, dtype=float)
    if s.size == 0 or not np.isfinite(s).any() or s.max() <= -1e8:
        return Decision(None, 0.0, 0.0, -99.0, scored.reading.text)
    by_value: dict[tuple[str, Any], list[float]] = {}
    first: dict[tuple[str, Any], Any] = {}
    for score, v in zip(s, cs.values, strict=True):
        k = _key(v)
        by_value.setdefault(k, []).append(float(score))
        first.setdefault(k, v)
    keys = list(by_value)
    agg = np.array([_logsumexp(by_value[k]) for k in keys])
    best = int(np.argmax(agg))
    post = float(np.exp(agg[best] - _logsumexp(list(agg))))
    fit = float(agg[best] - scored.ref) if scored.ref else float(agg[best])
    fit_factor = 1.0 if fit >= -cs.slack else math.exp((fit + cs.slack) / cs.slack)
    return Decision(first[keys[best]], post * fit_factor, post, fit, scored.reading.text)


def value_posteriors(scored: Scored, cs: CandidateSet) -> dict[Any, float]:
    """The posterior of every distinct value (variants of one value summed)."""
    agg: dict[Any, float] = {}
    for score, v in zip(np.asarray(scored.scores, dtype=float), cs.values, strict=True):
        agg[v] = float(np.logaddexp(agg.get(v, -1e9), score))
    total = _logsumexp(list(agg.values()))
    return {v: math.exp(a - total) for v, a in agg.items()}


def _logsumexp(xs: Sequence[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def people_set(max_people: int) -> CandidateSet:
    strings, values = [], []
    for n in range(1, max_people + 1):
        for s in (str(n), f"{n}人"):
            strings.append(s)
            values.append(n)
    return CandidateSet(tuple(strings), tuple(values), slack=3.0)


def count_set(max_count: int) -> CandidateSet:
    strings = [str(n) for n in range(0, max_count + 1)] + [f"{n}人" for n in range(1, max_count + 1)]
    values = list(range(0, max_count + 1)) + list(range(1, max_count + 1))
    return CandidateSet(tuple(strings), tuple(values), slack=3.0)


def temperature_set(lo: float = 34.0, hi: float = 42.9) -> CandidateSet:
    strings, values = [], []
    for t in range(int(round(lo * 10)), int(round(hi * 10)) + 1):
        v = t / 10
        s = f"{v:.1f}"
        for var in (s, s.replace(".", "·"), s.replace(".", ""), s + "℃", s + "°", s + "度"):
            strings.append(var)
            values.append(v)
    strings.append("正常")
    values.append(NORMAL)
    return CandidateSet(tuple(strings), tuple(values), slack=3.0)


def mark_shape(crop: np.ndarray) -> tuple[bool | None, float]:
    """✓ or × by the shape of the ink: a cross has ink in all four corners of its box, a tick leaves the
    top-left and bottom-right empty. Returns (True for ✓ / False for ×, confidence), or (None, 0) when the
    ink is not one or two simple strokes (a written 是 or 否)."""
    import cv2

    ink = (crop < 150).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    big = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= max(6, ink.sum() * 0.08)]
    if not big or len(big) > 2:
        return None, 0.0
    ys, xs = np.nonzero(np.isin(labels, big))
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    w, h = x1 - x0, y1 - y0
    if w < 6 or h < 6:
        return None, 0.0
    box = ink[y0:y1, x0:x1] * np.isin(labels[y0:y1, x0:x1], big)
    density = box.sum() / (w * h)
    if density > 0.45:
        return None, 0.0  # a blot, not strokes
    cw, ch = max(1, int(w * 0.3)), max(1, int(h * 0.3))
    corners = [box[:ch, :cw], box[:ch, -cw:], box[-ch:, :cw], box[-ch:, -cw:]]  # TL, TR, BL, BR
    fill = [float(c.mean()) / max(density, 1e-6) for c in corners]
    tl, tr, bl, br = fill
    cross = min(tl, tr, bl, br)
    tick = tr - max(tl * 0.5 + br * 0.5, 0.0)
    if cross > 0.25:
        return False, min(0.99, 0.6 + cross)
    if tr > 0.25 and br < 0.15:
        return True, min(0.99, 0.6 + tick)
    return None, 0.0


def mark_set(with_counts: int = 0) -> CandidateSet:
    strings = list(YES_WORDS) + list(NO_WORDS)
    values: list[Any] = [True] * len(YES_WORDS) + [False] * len(NO_WORDS)
    for n in range(1, with_counts + 1):
        strings.append(str(n))
        values.append(n)
    return CandidateSet(tuple(strings), tuple(values), slack=5.0)


def name_set(names: Iterable[str]) -> CandidateSet:
    strings, values = [], []
    for n in dict.fromkeys(names):
        for s in (n, n + "家"):
            strings.append(s)
            values.append(n)
    return CandidateSet(tuple(strings), tuple(values), slack=6.0)


def header_set(template: Template) -> CandidateSet:
    """Header words -> column keys: the template's labels and aliases, plus 户主/姓名 and 序号."""
    pairs: dict[str, str] = {}
    for w in HOUSEHOLD_WORDS:
        pairs.setdefault(w, "household")
    for w in INDEX_WORDS:
        pairs.setdefault(w, "index")
    for f in template.fields:
        for w in (f.label, *f.aliases):
            pairs.setdefault(w, f.key)
    return CandidateSet(tuple(pairs), tuple(pairs.values()), slack=5.0)


def index_set(n: int) -> CandidateSet:
    strings = tuple(str(i) for i in range(1, n + 1))
    return CandidateSet(strings, tuple(range(1, n + 1)))


def field_kind(template: Template, key: str) -> str:
    """How a column is read: "people", "temperature", "text", or "mark" (yes/no, or a count)."""
    f = template.get(key)
    if f is None:
        return "mark"
    if key == "people":
        return "people"
    if f.type == "temperature":
        return "temperature"
    if f.type == "text":
        return "text"
    return "mark"


def assign_names(decisions: list[tuple[int, list[tuple[Any, float, float]]]]) -> dict[int, tuple[Any, float, bool]]:
    """Give each row a distinct household: rows are (row, [(name, posterior, confidence) best first]).
    Greedy by posterior; a row that loses its first choice takes its next one and is flagged (third item)."""
    order = sorted(decisions, key=lambda d: -(d[1][0][1] if d[1] else -1e9))
    taken: set[Any] = set()
    out: dict[int, tuple[Any, float, bool]] = {}
    for row, options in order:
        for k, (name, _, conf) in enumerate(options):
            if name not in taken:
                taken.add(name)
                out[row] = (name, conf, k > 0)
                break
        else:
            out[row] = (None, 0.0, True)
    return out
