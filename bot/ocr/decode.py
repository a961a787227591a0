"""Stage 6 and 7: decoding cells against closed candidate sets, with a confidence for every field.

Nothing read here is free text except the note: a name is one of the sender's own households, a count is in
its valid range, a temperature is between 34.0 and 42.9, a mark is yes or no. Each candidate string is
scored by the recogniser; the value's posterior is its share of the likelihood among the candidates (the
likelihoods softened, and weighed by a mild prior where one is known), and the fit compares the best
candidate with what the recogniser reads freely, so that a cell holding something outside the set (a
misspelt name, a scribble) is not confidently forced onto it.

Across cells: :class:`MultiSet` scores a cell against all the sets at once (its column's kind is not known
yet); :func:`linear_assignment` (the Hungarian method) gives rows distinct households and columns distinct
keys; :func:`name_posteriors` weighs the roster's order; :func:`decide_mark` reads ✓/× by shape and
recogniser together.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cn2an
import numpy as np

from bot.core.template import Template
from bot.ocr.engine import Scored

NORMAL = "normal"  # a temperature cell reading 正常

YES_WORDS = ("是", "√", "v", "V", "对", "有", "<")  # the recogniser often reads a hand-drawn ✓ as "<"
NO_WORDS = ("否", "×", "x", "X", "无")
#: free readings that mean a drawn mark rather than a written word (for checking the shape classifier)
TICK_READINGS = frozenset("√vV<LlJj/レ")
CROSS_READINGS = frozenset("×xX+十ㄨメ乂")
MARK_READINGS = TICK_READINGS | CROSS_READINGS | frozenset("是否对有无")

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
class FieldDecision:
    """How one field (a table cell, a form box) was decided: the value, how sure, and why."""

    value: Any
    confidence: float
    posterior: float
    fit: float
    text: str  # the free reading (for debugging; never stored)
    margin: float = 99.0  # log-odds of the best value over the runner-up
    reading_conf: float = 0.0  # the free reading's mean character probability (how legible the cell is)
    runner_up: Any = None
    #: why the value is doubtful beyond its confidence (a failed consistency check), for debugging
    doubts: list[str] = field(default_factory=list)


def _key(v: Any) -> tuple[str, Any]:
    return (type(v).__name__, v)


#: a value whose runner-up is this close (log-odds) is not sure, whatever its posterior (see ``min_margin``)
CLOSE_RUNNER_UP = 3.0


def decide(scored: Scored, cs: CandidateSet, prior: dict[Any, float] | None = None, temp: float = 1.0,
           min_margin: float = 0.0) -> FieldDecision:
    """The most likely value of ``cs`` for a scored crop, with its posterior and fit.

    ``prior`` adds a log prior per value (values not in it get the smallest given); ``temp`` > 1 softens the
    recogniser's likelihoods (they are overconfident) before the posterior is taken; a value that beats its
    runner-up by less than ``min_margin`` (log-odds) keeps a confidence below 0.85."""
    s = np.asarray(scored.scores, dtype=float)
    if s.size == 0 or not np.isfinite(s).any() or s.max() <= -1e8:
        return FieldDecision(None, 0.0, 0.0, -99.0, scored.reading.text)
    by_value: dict[tuple[str, Any], list[float]] = {}
    first: dict[tuple[str, Any], Any] = {}
    for score, v in zip(s, cs.values, strict=True):
        k = _key(v)
        by_value.setdefault(k, []).append(float(score))
        first.setdefault(k, v)
    keys = list(by_value)
    lik = np.array([_logsumexp(by_value[k]) for k in keys])
    logp = lik / max(temp, 1e-6)
    if prior:
        low = min(prior.values())
        logp = logp + np.array([prior.get(first[k], low) for k in keys])
    best = int(np.argmax(logp))
    post = float(np.exp(logp[best] - _logsumexp(list(logp))))
    fit = float(lik[best] - scored.ref) if scored.ref else float(lik[best])
    fit_factor = 1.0 if fit >= -cs.slack else math.exp((fit + cs.slack) / cs.slack)
    d = FieldDecision(first[keys[best]], post * fit_factor, post, fit, scored.reading.text,
                 reading_conf=float(scored.reading.confidence))
    if len(keys) > 1:
        d.margin = float(logp[best] - np.max(np.delete(logp, best)))
        d.runner_up = first[keys[int(np.argsort(-logp)[1])]]
        if d.margin < min_margin and d.confidence > 0.85:
            d.confidence = 0.85
            d.doubts.append("close runner-up")
    return d


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


#: Chinese numerals as a count is written with them (older members often do: 三, 两, 十二)
NUMERALS = frozenset("零一二三四五六七八九十两俩")


def count_spellings(n: int) -> tuple[str, ...]:
    """The ways a head count is written: 3, 三, 3人, 三人 (and 两, 俩 for two)."""
    if n <= 0:
        return (str(n),)
    words = [str(n), cn2an.an2cn(n), *(("两", "俩") if n == 2 else ())]
    return (*words, *(w + "人" for w in words))


#: how much one writer keeps to one script in a column of counts (digits or Chinese numerals): the weight of
#: the log share of the other cells' script on each spelling (see :func:`one_script`)
SCRIPT_WEIGHT = 2.0


def is_digit_spelling(s: str) -> bool:
    """Whether a count's spelling is in digits (3, 3人), not in Chinese numerals (三, 三人)."""
    return s.removesuffix("人").isdigit()


def one_script(scored: Sequence[Scored], cs: CandidateSet, temp: float = 1.0) -> list[Scored]:
    """A column of counts by one writer, each cell's spellings weighed by the script the other cells are
    written in: one writer writes counts in digits or in numerals, seldom both, so in a column of digits an
    open-topped 4 that the recogniser reads as 工 (closest to 二) is taken as the 4 it is among digits. The
    other cells' share of digit-spelled readings (their posteriors, softened by ``temp``; Laplace-smoothed,
    so a mixed column or a lone cell weighs little) is each digit spelling's prior, the rest the numerals'."""
    digit = np.array([is_digit_spelling(s) for s in cs.strings])
    if not digit.any() or digit.all() or len(scored) < 2:
        return list(scored)
    mass = []
    for sc in scored:
        s = np.asarray(sc.scores, dtype=float) / max(temp, 1e-6)
        if s.size != digit.size or not np.isfinite(s).any() or s.max() <= -1e8:
            mass.append(None)
            continue
        p = np.exp(s - s.max())
        mass.append(float(p[digit].sum() / p.sum()))
    out = []
    for i, sc in enumerate(scored):
        others = [m for j, m in enumerate(mass) if j != i and m is not None]
        if mass[i] is None or not others:
            out.append(sc)
            continue
        share = (sum(others) + 1.0) / (len(others) + 2.0)
        bias = np.where(digit, math.log(share), math.log(1.0 - share)) * SCRIPT_WEIGHT * temp
        out.append(Scored(np.asarray(sc.scores, dtype=float) + bias, sc.reading, sc.ref))
    return out


def people_set(max_people: int) -> CandidateSet:
    strings, values = [], []
    for n in range(1, max_people + 1):
        for s in count_spellings(n):
            strings.append(s)
            values.append(n)
    return CandidateSet(tuple(strings), tuple(values), slack=3.0)


def count_set(max_count: int) -> CandidateSet:
    strings, values = [], []
    for n in range(0, max_count + 1):
        for s in count_spellings(n):
            strings.append(s)
            values.append(n)
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
    # a tick starts at the left middle: its top-left corner is empty, and so is its bottom-right one; a
    # cross reaches at least three corners, the top-left among them (one stroke may fall short)
    inked = sorted(fill)
    by, bx = np.nonzero(box)
    u, v = bx / max(w - 1, 1), by / max(h - 1, 1)
    on_diagonals = float((np.minimum(np.abs(u - v), np.abs(u + v - 1)) < 0.18).mean())
    if tl >= 0.15 and inked[1] >= 0.15 and on_diagonals >= 0.78:  # and its ink lies along the diagonals
        return False, min(0.99, 0.6 + min(tl, inked[1]))
    if tl < 0.15 and br < 0.15 and tr > 0.25 and density < 0.2:  # and two thin strokes, not a character
        return True, min(0.99, 0.6 + tr - max(tl, br))
    return None, 0.0


def _mark_seen(text: str) -> bool | None:
    """What a free reading says of a drawn mark: True for a tick ("√", "V", "<"...), False for a cross."""
    if text and all(ch in TICK_READINGS for ch in text):
        return True
    if text and all(ch in CROSS_READINGS for ch in text):
        return False
    return None


def decide_mark(shape: bool | None, shape_conf: float, d: FieldDecision | None) -> FieldDecision:
    """A yes/no cell read two ways: by the shape of its ink (✓ or ×) and by the recogniser (是/否, or the
    marks as it reads them). Agreement is sure; a written word beats the shape classifier (a 否 in a brush
    hand can look like a tick); anything else is left unsure. A tick read by the recogniser alone is unsure
    too ("V" is also a cross with one stroke short), a cross so read is not."""
    if d is None or d.value is None:
        if shape is None:
            return FieldDecision(None, 0.0, 0.0, -99.0, "")
        return FieldDecision(shape, min(shape_conf, 0.85), shape_conf, 0.0, "", doubts=["shape only"])
    text = d.text.strip()
    seen = _mark_seen(text)
    word = any(ch in text for ch in (*YES_WORDS[:1], *NO_WORDS[:1], "对", "有", "无"))
    if shape is None:
        if seen is True:
            return FieldDecision(True, min(d.confidence, 0.85), d.posterior, d.fit, d.text,
                                 doubts=["tick by reading only"])
        if seen is None and not any("\u4e00" <= ch <= "\u9fff" for ch in text):
            # neither a mark nor a written character (a letter, a scribble): the closest candidate is a guess
            return FieldDecision(d.value, min(d.confidence, 0.85), d.posterior, d.fit, d.text,
                                 doubts=["reading unclear"])
        return d
    if seen is not None:
        if seen == shape:
            return FieldDecision(shape, max(shape_conf, d.confidence), max(shape_conf, d.posterior), d.fit,
                                 d.text)
        return FieldDecision(shape, 0.3, 0.5, d.fit, d.text, doubts=["shape and reading disagree"])
    if isinstance(d.value, bool) and word:
        if d.value == shape or d.confidence >= 0.95:  # a word: the shape classifier does not apply
            return d
        return FieldDecision(d.value, min(d.confidence, 0.5), d.posterior, d.fit, d.text,
                        doubts=["a written word, shaped like a mark"])
    # read as something else (a letter, a scribble): as sure as the less sure of the two
    if d.value == shape:
        return FieldDecision(shape, min(shape_conf, d.confidence), d.posterior, d.fit, d.text)
    return FieldDecision(shape, min(shape_conf, 0.6), shape_conf, d.fit, d.text, doubts=["reading unclear"])


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


def linear_assignment(cost: np.ndarray) -> list[tuple[int, int]]:
    """Minimum-cost assignment (the Hungarian method, O(n² m)): pairs (row, column), every row of a matrix
    with no more rows than columns assigned to a distinct column. A taller matrix is solved transposed."""
    cost = np.asarray(cost, dtype=float)
    n, m = cost.shape
    if n == 0 or m == 0:
        return []
    if n > m:
        return sorted((r, c) for c, r in linear_assignment(cost.T))
    INF = float("inf")
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=int)  # p[j]: the row (1-based) holding column j
    way = np.zeros(m + 1, dtype=int)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, INF)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            cur = cost[i0 - 1] - u[i0] - v[1:]
            free = ~used[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            cand = np.where(free, minv[1:], INF)
            j1 = int(np.argmin(cand)) + 1
            delta = cand[j1 - 1]
            used_idx = np.nonzero(used)[0]
            u[p[used_idx]] += delta
            v[used_idx] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    return sorted((int(p[j]) - 1, j - 1) for j in range(1, m + 1) if p[j] != 0)


def assign_names(decisions: list[tuple[int, list[tuple[Any, float, float]]]]) -> dict[int, tuple[Any, float, bool]]:
    """Give each row a distinct household: rows are (row, [(name, posterior, confidence) best first]).

    The assignment maximises the product of the rows' posteriors (the Hungarian method, with a "no
    household" option per row); a row that does not get its first choice is flagged (third item)."""
    rows = [(row, opts) for row, opts in decisions if opts]
    out: dict[int, tuple[Any, float, bool]] = {row: (None, 0.0, True) for row, opts in decisions if not opts}
    if not rows:
        return out
    names = list(dict.fromkeys(n for _, opts in rows for n, _, _ in opts))
    big = 1e6
    cost = np.full((len(rows), len(names) + len(rows)), big)
    for i, (_, opts) in enumerate(rows):
        for name, post, _ in opts:
            cost[i, names.index(name)] = -math.log(max(post, 1e-9))
        cost[i, len(names) + i] = -math.log(1e-9) + 1.0  # no household: worse than any listed option
    for i, j in linear_assignment(cost):
        row, opts = rows[i]
        if j >= len(names):
            out[row] = (None, 0.0, True)
            continue
        k = next(k for k, (n, _, _) in enumerate(opts) if n == names[j])
        out[row] = (names[j], opts[k][2], k > 0)
    return out


def name_posteriors(loglik: np.ndarray, p_order: float = 0.8) -> tuple[np.ndarray, float]:
    """Each row's posterior over the roster's households, from its cell's log-likelihood per household
    (rows x households), under two explanations of the table: its rows follow the roster's order (a member
    copies the list, perhaps skipping some), or they are in any order. The order is not assumed: its weight
    is its posterior probability given the cells, from the prior ``p_order``. Returns the posteriors (the
    two models mixed) and that weight."""
    L = np.asarray(loglik, dtype=float)
    R, N = L.shape
    norm = np.array([_logsumexp(list(row)) for row in L])
    free = np.exp(L - norm[:, None])
    log_free = float(norm.sum() - R * math.log(N))
    if R > N or R == 0:
        return free, 0.0
    alpha = np.full((R, N), -1e18)
    alpha[0] = L[0]
    for r in range(1, R):
        prev = np.logaddexp.accumulate(alpha[r - 1])  # prev[k]: all ways to end at or before k
        alpha[r, 1:] = L[r, 1:] + prev[:-1]
    beta = np.zeros((R, N))
    for r in range(R - 2, -1, -1):
        nxt = L[r + 1] + beta[r + 1]
        suffix = np.logaddexp.accumulate(nxt[::-1])[::-1]  # suffix[k]: all ways to go on from k or after
        beta[r, :-1] = suffix[1:]
        beta[r, -1] = -1e18
    log_z = _logsumexp(list(alpha[-1]))
    if log_z < -1e17:
        return free, 0.0
    ordered = np.exp(np.clip(alpha + beta - log_z, -700, 0))
    log_order = log_z - (math.lgamma(N + 1) - math.lgamma(R + 1) - math.lgamma(N - R + 1))
    a = math.log(p_order) + log_order
    b = math.log(1 - p_order) + log_free
    w = 1.0 / (1.0 + math.exp(min(700.0, b - a)))
    return w * ordered + (1 - w) * free, w


def in_sequence(order: Sequence[int]) -> list[bool]:
    """Which items of ``order`` lie on its longest increasing subsequence (rows written in roster order)."""
    n = len(order)
    if n == 0:
        return []
    best = [1] * n
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if order[j] < order[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    i = int(np.argmax(best))
    keep = [False] * n
    while i >= 0:
        keep[i] = True
        i = prev[i]
    return keep


def temperature_prior(lo: float = 34.0, hi: float = 42.9) -> dict[Any, float]:
    """Log prior of a body temperature: mild, so that a clear reading always wins: the usual 35.8-37.5 a
    little likelier than a fever, the ends of the range (a misreading, mostly) less likely, and below 35.0
    least (a hurried 6 read as 4: 34.5 for 36.5; a body that cold is hardly ever measured at home, and it is
    asked about whenever it is read)."""
    out: dict[Any, float] = {NORMAL: math.log(0.3)}
    for t in range(int(round(lo * 10)), int(round(hi * 10)) + 1):
        v = t / 10
        p = 1.0 if 35.8 <= v <= 37.5 else (0.5 if 35.0 <= v <= 40.5 else (0.05 if v < 35.0 else 0.15))
        out[v] = math.log(p)
    return out


def people_prior(max_people: int, roster: int | None = None) -> dict[Any, float]:
    """Log prior of a household's head count: small households are common, large ones rare; the roster's
    count for the household is likelier than the others (people rarely change from day to day)."""
    out: dict[Any, float] = {}
    for n in range(0, max_people + 1):
        p = 1.0 if 1 <= n <= 6 else (0.35 if n <= 9 else 0.15)
        if roster is not None and n == roster:
            p *= 2.0
        out[n] = math.log(p)
    return out


@dataclass
class MultiSet:
    """Several candidate sets scored together: every distinct string once, each set a view on it."""

    strings: tuple[str, ...]
    sets: dict[str, tuple[CandidateSet, np.ndarray]]  # kind -> (the set, indices of its strings)
    n_values: dict[str, int] = field(default_factory=dict)  # kind -> how many distinct values

    @classmethod
    def of(cls, sets: dict[str, CandidateSet]) -> MultiSet:
        index: dict[str, int] = {}
        views: dict[str, tuple[CandidateSet, np.ndarray]] = {}
        for kind, cs in sets.items():
            idx = [index.setdefault(s, len(index)) for s in cs.strings]
            views[kind] = (cs, np.asarray(idx, dtype=int))
        return cls(tuple(index), views, {k: len({_key(v) for v in cs.values}) for k, cs in sets.items()})

    def view(self, scored: Scored, kind: str) -> tuple[Scored, CandidateSet]:
        cs, idx = self.sets[kind]
        return Scored(np.asarray(scored.scores)[idx], scored.reading, scored.ref), cs

    def fit(self, scored: Scored, kind: str, value: Any = None) -> float:
        """How well the best string of one set (or of one value) explains the crop, against the free
        reading (0: as well as the free reading; very negative: not at all)."""
        cs, idx = self.sets[kind]
        sc = np.asarray(scored.scores)[idx]
        if value is not None:
            sc = np.where([v == value and type(v) is type(value) for v in cs.values], sc, -1e9)
        best = float(np.max(sc)) if sc.size else -1e9
        return best - scored.ref if scored.ref else best

    def mixture(self, scored: Scored, kind: str) -> float:
        """log P(crop | a value of this set, all values equally likely) against the free reading."""
        cs, idx = self.sets[kind]
        sc = np.asarray(scored.scores)[idx]
        if sc.size == 0 or sc.max() <= -1e8:
            return -1e9
        # the values' likelihoods (each summed over its spellings), averaged: all spellings summed, over n
        m = float(sc.max())
        total = m + math.log(float(np.exp(sc - m).sum())) - math.log(self.n_values[kind])
        return total - scored.ref if scored.ref else total
