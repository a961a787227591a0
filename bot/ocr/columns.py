"""Which column holds what: the header row found by its words, each column's key by words and contents.

A table's header may be missing, misspelt or turned; its columns may come in any order. The header row is
the first row whose cells read as header words; each column's key is then the best one-to-one assignment
by the header words *and* the cells below together (a column of temperatures is the temperature whatever
its header says), and a column whose mapping is nearly a tie is unsure.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from bot.core.template import Template
from bot.ocr import decode
from bot.ocr.cells import BodyCell, cell_crop
from bot.ocr.engine import Recognizer, Scored
from bot.ocr.table import Table


def _scored_cells(engine: Recognizer, jobs: list[tuple[np.ndarray, decode.CandidateSet]]) -> list[Scored]:
    if not jobs:
        return []
    return engine.score([c for c, _ in jobs], [cs.strings for _, cs in jobs])


def _header_posts(table: Table, template: Template, engine: Recognizer,
                  r: int) -> tuple[float, list[dict[str, float]], list[float]] | None:
    """How much row ``r`` looks like a header row, per column the header words' posteriors by key, and how
    surely the recogniser read each written cell as any text at all (low when the row is upside down)."""
    hs = decode.header_set(template)
    cells = [(c, cell_crop(table, box, table.quad(r, c))) for c, box in enumerate(table.cells[r])]
    jobs = [(c, cell.crop) for c, cell in cells if cell.crop is not None]
    if len(jobs) < 2:
        return None
    scored = _scored_cells(engine, [(crop, hs) for _, crop in jobs])
    posts: list[dict[str, float]] = [{} for _ in table.cells[r]]
    for (c, _), sc in zip(jobs, scored, strict=True):
        d = decode.decide(sc, hs)
        factor = d.confidence / d.posterior if d.posterior > 0 else 0.0
        posts[c] = {k: p * factor for k, p in decode.value_posteriors(sc, hs).items()}
    # the header's quality: its best distinct keys, one per column
    pairs = sorted(((p, c, k) for c, ps in enumerate(posts) for k, p in ps.items() if p >= 0.02), reverse=True)
    used_c: set[int] = set()
    used_k: set[str] = set()
    quality = 0.0
    for p, c, k in pairs:
        if c in used_c or k in used_k:
            continue
        used_c.add(c)
        used_k.add(k)
        quality += p
    return quality, posts, [sc.reading.confidence for sc in scored]


def find_header(table: Table, template: Template, engine: Recognizer) -> tuple[int, dict[str, int]] | None:
    """The header row among the first rows and the column of each key (``household``, template keys), by the
    header words alone."""
    best: tuple[float, int, dict[str, int]] | None = None
    for r in range(min(3, table.n_rows - 1)):
        got = _header_posts(table, template, engine, r)
        if got is None:
            continue
        posts = got[1]
        pairs = sorted(((p, c, k) for c, ps in enumerate(posts) for k, p in ps.items() if p >= 0.02), reverse=True)
        cols: dict[str, tuple[int, float]] = {}
        used: set[int] = set()
        for conf, c, key in pairs:  # best pairs first, each column and key once
            if c in used or key in cols:
                continue
            cols[key] = (c, conf)
            used.add(c)
        if "household" not in cols or len(cols) < 2:
            continue
        quality = sum(conf for _, conf in cols.values())
        if best is None or quality > best[0]:
            best = (quality, r, {k: c for k, (c, _) in cols.items()})
    if best is None:
        return None
    return best[1], best[2]


#: a header row this good (the sum of its columns' header-word posteriors) is read as the header at once
HEADER_CLEAR = 2.5
#: below this no row is taken for the header
HEADER_MIN = 0.8

#: the first rows of an upright table are read this surely as text (turned, its strokes read as little)
LEGIBLE = 0.8


class Header(NamedTuple):
    """A table's header row as read from its first rows."""

    row: int  # -1: no row reads like a header
    posts: list[dict[str, float]]  # per column, the header words' posteriors by key
    quality: float  # how well the best row reads as a header (the sum of its columns' best posteriors)
    legible: float  # how surely those rows were read as any text at all (low for a turned table)


def read_header(table: Table, template: Template, engine: Recognizer) -> Header:
    """The header row among the first rows (the best read, if any reads like one; -1: none does), its
    columns' header-word posteriors, how well it reads as a header, and how legible those rows are."""
    header_row, posts, best_q = -1, [], 0.0
    confs: list[float] = []
    for r in range(min(3, table.n_rows - 1)):
        if best_q >= HEADER_CLEAR:
            break  # a header row read clearly: the rows below it are data
        got = _header_posts(table, template, engine, r)
        if got is None:
            continue
        confs += got[2]
        if got[0] > best_q + 0.3:
            header_row, posts, best_q = r, got[1], got[0]
    legible = float(np.mean(confs)) if confs else 0.0
    if best_q < HEADER_MIN:
        return Header(-1, [], best_q, legible)
    return Header(header_row, posts, best_q, legible)


#: how a column's cells are read, by key (template fields: see :func:`key_kind`)
KEY_KINDS = {"household": "name", "index": "index"}
#: columns every table is expected to have; other template fields are less likely to be a column
COMMON_KEYS = ("household", "index", "people", "temperature", "out", "returned", "note")
#: weight of the header words against the cells' contents when columns are mapped
HEADER_WEIGHT = 3.0
#: a column whose mapping wins by less than this (log-odds) over the next best mapping is unsure
MAPPING_MARGIN = 4.0


def key_kind(template: Template, key: str) -> str:
    """How a column's cells are read: "name", "index", "people", "temperature", "text", "mark" (yes/no), or
    "count" (a yes/no or a number)."""
    if key in KEY_KINDS:
        return KEY_KINDS[key]
    kind = decode.field_kind(template, key)
    if kind != "mark":
        return kind
    f = template.get(key)
    return "count" if f is not None and f.type in ("int", "bool_int") and key not in ("out", "returned") else "mark"


#: log-likelihood per character of free text (writing that is none of the closed sets): about one of the
#: recogniser's 6,600 characters
TEXT_PER_CHAR = -8.8
#: log P(blank cell | column kind): names and 序号 are nearly always written, values sometimes left out,
#: notes mostly empty
BLANK_LOGP = {"name": -4.0, "index": -4.0, "text": -0.2}


#: the shape of a cell's writing by column kind: centre and spread of log(width / height) of its ink (a
#: digit is narrow, a name two to four characters wide)
ASPECT = {"name": (math.log(2.3), 0.35), "people": (math.log(0.85), 0.4), "index": (math.log(0.9), 0.45),
          "mark": (math.log(1.0), 0.35), "temperature": (math.log(2.0), 0.35), "text": (math.log(3.0), 0.6)}


def _looks(text: str, kind: str) -> float:
    """log P(the free reading's kind of characters | column kind): names and notes read as Chinese
    characters, numbers as digits, marks as one sign, whatever the recogniser made of them exactly."""
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    n = len(text)
    if kind in ("people", "index") and digits == 0 and text and all(ch in decode.NUMERALS or ch == "人" for ch in text):
        digits, cjk = 1, 0  # a count in Chinese numerals (三, 十二, 两人)
    if kind in ("name", "text"):
        p = 0.85 if cjk >= 2 else (0.1 if cjk == 1 else 0.05)
    elif kind in ("people", "index"):
        p = 0.8 if digits >= 1 and cjk <= 1 and n <= 3 else (0.1 if n <= 2 else 0.03)
    elif kind == "temperature":
        p = 0.85 if digits >= 2 or text == "正常" else (0.1 if digits == 1 else 0.03)
    elif kind == "mark":
        p = 0.85 if n == 1 and text in decode.MARK_READINGS else (0.1 if n <= 2 else 0.03)
    else:
        p = 0.5
    return math.log(p)


def cell_score(ms: decode.MultiSet, cell: BodyCell, kind: str, row_no: int) -> float:
    """log P(cell | column kind), up to a constant: how well a closed set explains the writing (each value
    equally likely; against the free reading, bounded so that one illegible cell cannot decide), the shape
    of the ink, and the kind of characters read. Free text scores the reading with a per-character
    penalty. A blank cell scores how often the kind is left blank."""
    if cell.scored is None:
        return BLANK_LOGP.get(kind, -2.3)
    if kind == "count":
        return float(np.logaddexp(cell_score(ms, cell, "people", row_no), cell_score(ms, cell, "mark", row_no))) - 1.4
    text = cell.scored.reading.text
    if kind == "text":
        fit = max(-15.0, TEXT_PER_CHAR * max(1, len(text)) / 2)
    elif kind == "index":
        fit = max(-15.0, min(0.0, ms.fit(cell.scored, "index", row_no)))
    else:
        fit = max(-15.0, min(0.0, ms.mixture(cell.scored, kind)))
    if kind == "mark" and cell.shape[0] is not None and not any(ch.isalnum() and ch not in decode.MARK_READINGS
                                                                 for ch in text):
        fit = max(fit, -1.0)  # drawn as a ✓ or ×, and not read as a digit or a letter
    crop = cell.cell.crop
    mu, sd = ASPECT[kind]
    z = (math.log(max(crop.shape[1], 1) / max(crop.shape[0], 1)) - mu) / sd if crop is not None else 0.0
    return fit + max(-8.0, -0.5 * z * z - math.log(sd)) + _looks(text, kind)


def map_columns(posts: list[dict[str, float]], body: dict[int, list[BodyCell]], ms: decode.MultiSet,
                keys: list[str], template: Template, header_row: int) -> tuple[dict[str, int], set[str]]:
    """Each column's key, from its header word and its cells' contents together (a temperature column holds
    temperatures whatever its header says): the best one-to-one assignment of keys to columns (the
    Hungarian method; a column may take no key). Returns the mapping and the keys whose column is unsure
    (the next best mapping is nearly as good)."""
    cols = sorted(body)
    kinds = {k: key_kind(template, k) for k in keys}
    n_c, n_k = len(cols), len(keys)
    score = np.zeros((n_c, n_k + n_c))
    for i, c in enumerate(cols):
        cells = body[c]
        content = {kind: sum(cell_score(ms, cell, kind, cell.r - header_row) for cell in cells)
                   for kind in set(kinds.values()) | {"text"}}
        hp = posts[c] if c < len(posts) else {}
        for j, k in enumerate(keys):
            prior = 0.0 if k in COMMON_KEYS else -10.0
            if k == "household":
                prior += 1000.0  # every table has the names: the column that looks most like them holds them
            score[i, j] = content[kinds[k]] + HEADER_WEIGHT * math.log(hp.get(k, 0.0) + 0.02) + prior
        score[i, n_k:] = -1e6
        score[i, n_k + i] = content["text"] + HEADER_WEIGHT * math.log(0.02) - 2.0  # no key
    if not keys or not cols:
        return {}, set()
    pairs = decode.linear_assignment(-score)
    total = sum(score[i, j] for i, j in pairs)
    mapping = {keys[j]: cols[i] for i, j in pairs if j < n_k}
    unsure: set[str] = set()
    for i, j in pairs:
        if j >= n_k:
            continue
        alt = score.copy()
        alt[i, j] = -1e6
        other = sum(alt[a, b] for a, b in decode.linear_assignment(-alt))
        if total - other < MAPPING_MARGIN:
            unsure.add(keys[j])
    return mapping, unsure


def row_fit(ms: decode.MultiSet, body: dict[int, list[BodyCell]], kinds: dict[int, str], r: int) -> float:
    """How well one table row's cells fit their columns' kinds (mean over its written cells)."""
    got = [cell_score(ms, x, kinds[c], x.r + 1) for c, col in body.items() if c in kinds
           for x in col if x.r == r and x.scored is not None]
    return float(np.mean(got)) if got else 0.0
