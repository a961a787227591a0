"""The photo pipeline: bytes in, a :class:`bot.model.MemberReport` out.

1-2. **Image** (:mod:`bot.ocr.image`): decoded safely, upright per EXIF, bounded in size.
3-4. **Table**: a printed gridbot form by its markers (:mod:`bot.ocr.form`); else the ruled table
     (:mod:`bot.ocr.ruling`), deskewed, rectified and cut into cells along its fitted lines; else (no
     ruling) the bands and gutters of the writing (:mod:`bot.ocr.unruled`).
5.   **Columns**: the header row is found by its words; every cell below is scored once against every closed
     set; each column's key is the best one-to-one assignment by header words *and* contents together (a
     column of temperatures is the temperature whatever its header says).
6.   **Values**: each cell is decided in its column's set by CTC over the candidates, with mild priors
     (usual temperatures, small households); ✓/× by their shape and the recogniser together; the names
     jointly, one row per household, the roster's order weighed by how well it explains the table.
7.   **Doubt**: a field is flagged (asked about, not stored silently) when its value is not sure enough —
     the posterior among the candidates, softened, times how well the best candidate explains the cell —
     or when a consistency check fails: a name out of roster order, a 序号 that is not the row's, an
     unusual temperature, a head count unlike the roster's without a clear reading, a column whose
     mapping is nearly a tie, a row whose geometry was guessed, ink too faint to call a blank.

:func:`read_photo` is pure and blocking (0.5-3 s); the chat adapter runs it in a worker thread.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import cv2
import numpy as np

from bot.config.ocr import OcrConfig
from bot.core.model import HouseholdReport, Member, MemberReport
from bot.core.template import Template
from bot.ocr import decode, ruling, unruled
from bot.ocr.engine import Recognizer, Scored, get_recognizer
from bot.ocr.errors import OcrError
from bot.ocr.image import load_image
from bot.ocr.table import Box, Table

log = logging.getLogger(__name__)

#: a name cell whose best roster name scores this far below the free reading matches no household
NAME_NO_MATCH = -40.0
#: the columns a table usually has: when one is not found while the table has unread columns, it is flagged
EXPECTED_COLUMNS = ("people", "temperature", "out", "returned")
#: a header word read with this posterior names a column that the table has
HEADED = 0.5
#: a table is the sender's when at least one row's name is read at least this surely
NAME_SURE = 0.5


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


@dataclass
class Cell:
    crop: np.ndarray | None  # None: blank
    ink: int
    need: int = 0  # the ink a cell needs to be read (less is blank)
    #: ink left out as a piece of ruling along the cell's edge (a stray line, or a "1" written against it)
    edge_ink: int = 0


def cell_crop(table: Table, box: Box, quad: np.ndarray | None = None) -> Cell:
    """The ink of one cell, cut out tight with a margin, ruling and neighbours' strokes whitened. With the
    cell's four corners (``quad``) a stroke belongs to the cell when its centre is inside them."""
    x0, y0, x1, y1 = box
    H, W = table.ink.shape
    w, h = x1 - x0, y1 - y0
    if w < 6 or h < 6:
        return Cell(None, 0)
    ex, ey = int(0.06 * w), int(0.18 * h)
    X0, Y0, X1, Y1 = max(0, x0 - ex), max(0, y0 - ey), min(W, x1 + ex), min(H, y1 + ey)
    sub = table.ink[Y0:Y1, X0:X1]
    n, labels, stats, cents = cv2.connectedComponentsWithStats(sub, connectivity=8)
    min_area = max(5, int(h * h * 0.0015))
    keep = np.zeros(n, bool)
    total = edge = 0
    ix0, iy0, ix1, iy1 = x0 - X0 + 2, y0 - Y0 + 2, x1 - X0 - 2, y1 - Y0 - 2
    poly = None if quad is None else (np.asarray(quad, np.float32) - np.float32([X0, Y0])).reshape(-1, 1, 2)
    for i in range(1, n):
        cx, cy = cents[i]
        bw, bh, area = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        if area < min_area:
            continue
        inside = (cv2.pointPolygonTest(poly, (float(cx), float(cy)), True) >= 2 if poly is not None
                  else ix0 <= cx <= ix1 and iy0 <= cy <= iy1)
        if not inside:
            continue
        if (bw > 0.85 * w and bh < 0.2 * h) or (bh > 0.95 * h and bw < 0.08 * w):
            continue  # what is left of a ruling line
        if table.method == "lines" and _along_edge(cx - ix0 + 2, cy - iy0 + 2, bw, bh, w, h):
            edge += int(area)  # a hand-ruled line that wanders off its fitted position, or a broken piece
            continue
        keep[i] = True
        total += int(area)
    need = max(18, int(0.004 * w * h))
    if total < need:
        return Cell(None, total, need, edge)
    km = keep[labels].astype(np.uint8) * 255
    ys, xs = np.nonzero(km)
    pad = max(4, int(0.12 * h))
    cy0, cy1 = max(0, ys.min() - pad), min(km.shape[0], ys.max() + pad + 1)
    cx0, cx1 = max(0, xs.min() - pad), min(km.shape[1], xs.max() + pad + 1)
    km = cv2.dilate(km, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    img = table.image[Y0:Y1, X0:X1]
    crop = np.where(km > 0, img, 255).astype(np.uint8)[cy0:cy1, cx0:cx1]
    return Cell(crop, total, need, edge)


def _along_edge(cx: float, cy: float, bw: int, bh: int, w: int, h: int) -> bool:
    """A thin straight stroke lying along one of the cell's sides (centre ``cx, cy`` relative to the cell's
    top left corner): a piece of its ruling, not writing."""
    if bw <= max(6, 0.08 * w) and bh >= 0.35 * h:
        return min(cx, w - cx) <= max(5.0, 0.06 * w)
    if bh <= max(6, 0.12 * h) and bw >= 0.35 * w:
        return min(cy, h - cy) <= max(4.0, 0.1 * h)
    return False


def _scored_cells(engine: Recognizer, jobs: list[tuple[np.ndarray, decode.CandidateSet]]) -> list[Scored]:
    if not jobs:
        return []
    return engine.score([c for c, _ in jobs], [cs.strings for _, cs in jobs])


def read_photo(data: bytes, member: Member, template: Template, cfg: OcrConfig | None = None,
               engine: Recognizer | None = None, attempt: int = 0) -> PhotoReading:
    """Read a photo of a handwritten table or a gridbot form for ``member``.

    ``attempt`` > 0 (the member pressed 重新识别) reads again another way: the text-box fallback instead of
    the ruling. Raises :class:`OcrError` for every photo that cannot be read.
    """
    from bot.ocr import form as forms

    cfg = cfg or OcrConfig()
    t0 = time.monotonic()
    img = load_image(data, cfg)
    engine = engine or get_recognizer(cfg.engine)
    found = forms.detect_form(img)
    if found is not None:
        reading = forms.read_form(img, found, member, template, cfg, engine)
    else:
        reading = _read_table_photo(img, member, template, cfg, engine, attempt)
    reading.seconds = time.monotonic() - t0
    if not reading.report.households:
        raise OcrError("no_households" if reading.unmatched_rows else "empty")
    return reading


def _read_table_photo(img: np.ndarray, member: Member, template: Template, cfg: OcrConfig, engine: Recognizer,
                      attempt: int) -> PhotoReading:
    """The table in a photo taken at any quarter turn (phones often send no EXIF orientation): its ruling
    first (``attempt`` 0), else the writing. A turn that is surely upright (its header reads clearly, or the
    photo as taken reads as text) is read at once; otherwise each turn is judged by its header (cheap: a few
    cells), and the best is read whole."""
    ruled = ruling.find_table(img) if attempt == 0 else None
    tried = False
    fallback: PhotoReading | None = None  # a table read, but none of its rows the sender's

    def final(table: Table, header: Header) -> PhotoReading | None:
        """The reading of this table when it is the answer: the sender's rows, or a clearly headed table of
        someone else's (no other turn helps); else None, and the reading is kept as the fallback."""
        nonlocal fallback
        reading = read_table(table, member, template, cfg, engine, header)
        if reading is not None and (reading.report.households or header.quality >= HEADER_CLEAR):
            return reading
        fallback = fallback or reading
        return None

    for source in (ruled, None) if ruled is not None else (None,):
        pending: list[tuple[Table, Header, int]] = []
        for table, header, turn, settled in _turned(img, source, template, engine):
            tried = True
            if not settled:
                pending.append((table, header, turn))
            elif (reading := final(table, header)) is not None:
                return reading
        # the most legible turn first, its header breaking near ties (a turned table may happen to read a
        # little like a header, but its strokes read poorly as text); a turn without a header row only
        # upright or upside down (a table may have none)
        ranked = sorted((c for c in pending if c[1].row >= 0 or c[2] in (0, 180)),
                        key=lambda c: -(4.0 * c[1].legible + min(c[1].quality, HEADER_CLEAR)))
        for table, header, _ in ranked:
            if (reading := final(table, header)) is not None:
                return reading
    if fallback is not None:
        return fallback
    if tried:
        raise OcrError("no_table", "no header row recognised")
    raise OcrError("no_table")


#: a table found with at least this many rows (and clearly more rows than columns) is upright or upside
#: down: turned a quarter it would be a table of that many columns
TALL_ROWS = 10


def _turned(img: np.ndarray, ruled: Table | None, template: Template,
            engine: Recognizer) -> Iterator[tuple[Table, Header, int, bool]]:
    """The table at each quarter turn, with its header and whether the turn is surely upright: from the
    ruled table's rectified image turned (the photo is not searched again), or else from the writing of the
    turned photo (the recogniser's text boxes last, upright or upside down only). A table usually has more
    rows than columns, so one that lies the other way is tried sideways first, and a long one is not tried
    sideways at all. Ends after a clear header."""

    def at(turn: int) -> Table | None:
        if ruled is not None:
            return ruled if turn == 0 else ruling.table_from_rectified(_rotate90(ruled.image, turn))
        view = _rotate90(img, turn)
        t = unruled.table_from_writing(view)
        if t is None and turn in (0, 180):
            t = unruled.table_from_boxes(view, engine.detect(view), writing=False)
        return t

    first = at(0)
    if first is not None and first.n_rows >= TALL_ROWS and first.n_rows >= first.n_cols + 3:
        turns: tuple[int, ...] = (0, 180)  # a long table: nobody writes one with that many columns
    elif first is not None and first.n_cols > first.n_rows:
        turns = (90, 270, 0, 180)  # most likely lying on its side (but a short table is wider than tall)
    else:
        turns = (0, 180, 90, 270)
    sideways = turns[0] == 90
    for turn in turns:
        t = first if turn == 0 else at(turn)
        if t is None:
            continue
        header = _header_row(t, template, engine)
        clear = header.quality >= HEADER_CLEAR
        yield t, header, turn, clear or (turn == 0 and not sideways and header.legible >= LEGIBLE)
        if clear:
            return


def _rotate90(img: np.ndarray, clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return img if clockwise == 0 else cv2.rotate(img, codes[clockwise])


def _header_posts(table: Table, template: Template, engine: Recognizer,
                  r: int) -> tuple[float, list[dict[str, float]], list[float]] | None:
    """How much row ``r`` looks like a header row, per column the header words' posteriors by key, and how
    surely the recogniser read each written cell as any text at all (low when the row is upside down)."""
    hs = decode.header_set(template)
    cells = [(c, cell_crop(table, box, _quad(table, r, c))) for c, box in enumerate(table.cells[r])]
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


#: how a column's cells are read, by key (template fields: see :func:`_key_kind`)
KEY_KINDS = {"household": "name", "index": "index"}
#: columns every table is expected to have; other template fields are less likely to be a column
COMMON_KEYS = ("household", "index", "people", "temperature", "out", "returned", "note")
#: weight of the header words against the cells' contents when columns are mapped
HEADER_WEIGHT = 3.0
#: a column whose mapping wins by less than this (log-odds) over the next best mapping is unsure
MAPPING_MARGIN = 4.0
#: the recogniser's likelihoods are overconfident: they are softened by this before posteriors are taken
SOFTEN = 1.5


def _key_kind(template: Template, key: str) -> str:
    if key in KEY_KINDS:
        return KEY_KINDS[key]
    kind = decode.field_kind(template, key)
    if kind != "mark":
        return kind
    f = template.get(key)
    return "count" if f is not None and f.type in ("int", "bool_int") and key not in ("out", "returned") else "mark"


@dataclass
class _Cell:
    r: int  # table row
    c: int
    cell: Cell
    shape: tuple[bool | None, float] = (None, 0.0)
    scored: Scored | None = None


def _quad(table: Table, r: int, c: int) -> np.ndarray | None:
    if table.quads is None or r >= len(table.quads) or c >= len(table.quads[r]):
        return None
    return table.quads[r][c]


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


def _cell_score(ms: decode.MultiSet, cell: _Cell, kind: str, row_no: int) -> float:
    """log P(cell | column kind), up to a constant: how well a closed set explains the writing (each value
    equally likely; against the free reading, bounded so that one illegible cell cannot decide), the shape
    of the ink, and the kind of characters read. Free text scores the reading with a per-character
    penalty. A blank cell scores how often the kind is left blank."""
    if cell.scored is None:
        return BLANK_LOGP.get(kind, -2.3)
    if kind == "count":
        return float(np.logaddexp(_cell_score(ms, cell, "people", row_no), _cell_score(ms, cell, "mark", row_no))) - 1.4
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


def map_columns(posts: list[dict[str, float]], body: dict[int, list[_Cell]], ms: decode.MultiSet,
                keys: list[str], template: Template, header_row: int) -> tuple[dict[str, int], set[str]]:
    """Each column's key, from its header word and its cells' contents together (a temperature column holds
    temperatures whatever its header says): the best one-to-one assignment of keys to columns (the
    Hungarian method; a column may take no key). Returns the mapping and the keys whose column is unsure
    (the next best mapping is nearly as good)."""
    cols = sorted(body)
    kinds = {k: _key_kind(template, k) for k in keys}
    n_c, n_k = len(cols), len(keys)
    score = np.zeros((n_c, n_k + n_c))
    for i, c in enumerate(cols):
        cells = body[c]
        content = {kind: sum(_cell_score(ms, cell, kind, cell.r - header_row) for cell in cells)
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


def _header_row(table: Table, template: Template, engine: Recognizer) -> Header:
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


def _read_cells(table: Table, first: int, ms: decode.MultiSet, engine: Recognizer) -> dict[int, list[_Cell]]:
    """Every cell from row ``first`` on, by column: cut out, its mark shape, and scored against every
    closed set at once (one recogniser pass per cell)."""
    body: dict[int, list[_Cell]] = {}
    inked: list[_Cell] = []
    for r in range(first, table.n_rows):
        for c, box in enumerate(table.cells[r]):
            cell = _Cell(r, c, cell_crop(table, box, _quad(table, r, c)))
            if cell.cell.crop is not None:
                cell.shape = decode.mark_shape(cell.cell.crop)
                inked.append(cell)
            body.setdefault(c, []).append(cell)
    if inked:
        scored = engine.score([x.cell.crop for x in inked], [ms.strings] * len(inked))  # type: ignore[misc]
        for x, sc in zip(inked, scored, strict=True):
            x.scored = sc
    return body


def _row_fit(ms: decode.MultiSet, body: dict[int, list[_Cell]], kinds: dict[int, str], r: int) -> float:
    """How well one table row's cells fit their columns' kinds (mean over its written cells)."""
    got = [_cell_score(ms, x, kinds[c], x.r + 1) for c, col in body.items() if c in kinds
           for x in col if x.r == r and x.scored is not None]
    return float(np.mean(got)) if got else 0.0


def read_table(table: Table, member: Member, template: Template, cfg: OcrConfig,
               engine: Recognizer, header: Header | None = None) -> PhotoReading | None:
    """Decode a found table; None when it has no column of names (no header row recognised, no names).

    The header row is found by its words; every cell below it is scored against every closed set (names,
    counts, temperatures, marks, 序号) in one recogniser pass; the columns are mapped by header words and
    contents together; then each cell is decided in its column's set, the names jointly (one row per
    household, the roster's order weighed), and the consistency checks flag what they doubt."""
    names = [h.name for h in member.households]
    header_row, posts, _, _ = header or _header_row(table, template, engine)
    n_body = table.n_rows - header_row - 1
    ms = decode.MultiSet.of({
        "name": decode.name_set(names),
        "people": decode.count_set(cfg.people_max),
        "temperature": decode.temperature_set(cfg.temperature_min, cfg.temperature_max),
        "mark": decode.mark_set(with_counts=0),
        "index": decode.index_set(max(n_body, len(names)) + 2),
    })
    body = _read_cells(table, header_row + 1, ms, engine)
    if not any(x.scored is not None for col in body.values() for x in col):
        return PhotoReading(MemberReport(member=member.name), "table", 0, table.method)
    keys = ["household", "index", *template.keys()]
    mapping, unsure_cols = map_columns(posts, body, ms, keys, template, header_row)
    if "household" not in mapping:
        return None
    if header_row < 0:
        # no header was read: the first row is the header still when its cells fit their columns far worse
        # than the other rows' do (words, not values)
        kinds = {c: _key_kind(template, k) for k, c in mapping.items()}
        others = [_row_fit(ms, body, kinds, r) for r in range(1, table.n_rows)]
        if others and _row_fit(ms, body, kinds, 0) < float(np.median(others)) - 6.0:
            header_row = 0
            body = {c: [x for x in col if x.r > 0] for c, col in body.items()}
            mapping, unsure_cols = map_columns([], body, ms, keys, template, header_row)
            if "household" not in mapping:
                return None
        elif not any(_cell_score(ms, x, "name", 0) > -4 for x in body[mapping["household"]]):
            return None  # no header and no names: not a table of this member's households
    # header words read clearly: a column the header names but the body does not hold was merged into another
    headed = {k for ps in posts for k, p in ps.items() if p >= HEADED}
    return _decide_table(table, member, template, cfg, ms, body, mapping, unsure_cols, header_row, headed)


def _decide_table(table: Table, member: Member, template: Template, cfg: OcrConfig, ms: decode.MultiSet,
                  body: dict[int, list[_Cell]], mapping: dict[str, int], unsure_cols: set[str],
                  header_row: int, headed: set[str]) -> PhotoReading:
    """Each cell's value in its column's set, the names jointly, the consistency checks, the report."""
    names = [h.name for h in member.households]
    name_col = mapping["household"]
    fields = [(k, c) for k, c in mapping.items() if k not in ("household", "index") and template.has(k)]
    priors = {"temperature": decode.temperature_prior(cfg.temperature_min, cfg.temperature_max),
              "people": decode.people_prior(cfg.people_max)}
    rows: list[int] = []
    blanks: dict[int, set[str]] = {}
    notes: dict[int, Any] = {}
    decisions: dict[tuple[int, str], decode.FieldDecision] = {}
    name_scores: dict[int, tuple[Scored, decode.CandidateSet, decode.FieldDecision]] = {}
    flags: dict[int, dict[str, str]] = {}
    index_of: dict[int, Any] = {}
    by_rc = {(x.r, x.c): x for col in body.values() for x in col}
    for r in range(header_row + 1, table.n_rows):
        row_no = r - header_row
        name_cell = by_rc.get((r, name_col))
        field_cells = {k: by_rc[(r, c)] for k, c in fields if (r, c) in by_rc}
        if (name_cell is None or name_cell.scored is None) and all(x.scored is None for x in field_cells.values()):
            continue  # an empty row
        rows.append(row_no)
        blanks[row_no] = set()
        flags[row_no] = {}
        if table.doubtful(r):
            flags[row_no]["*"] = "row geometry"
        if name_cell is not None and name_cell.scored is not None:
            sc, cs = ms.view(name_cell.scored, "name")
            d = decode.decide(sc, cs, temp=SOFTEN)
            decisions[(row_no, "household")] = d
            name_scores[row_no] = (sc, cs, d)
        index_cell = by_rc.get((r, mapping["index"])) if "index" in mapping else None
        if index_cell is not None and index_cell.scored is not None:
            di = decode.decide(*ms.view(index_cell.scored, "index"))
            index_of[row_no] = di.value if di.confidence >= 0.9 else None
        for k, x in field_cells.items():
            kind = _key_kind(template, k)
            if x.scored is None:
                blanks[row_no].add(k)
                if x.cell.ink > 0.5 * x.cell.need:
                    flags[row_no][k] = "faint blank"  # some ink, too little to read: say so
                elif x.cell.edge_ink >= x.cell.need:
                    flags[row_no][k] = "stroke along the ruling"  # most likely the line, but it may be a 1
                continue
            if kind == "text":
                notes[row_no] = x.scored.reading  # the free reading made with the scores
                continue
            if kind in ("mark", "count"):
                d = decode.decide_mark(x.shape[0], x.shape[1], decode.decide(*ms.view(x.scored, "mark"), temp=SOFTEN))
                if kind == "count":  # a yes/no or a number
                    dp = decode.decide(*ms.view(x.scored, "people"), temp=SOFTEN)
                    if dp.value not in (None, 0) and dp.fit > d.fit + 2:
                        d = dp
            else:
                d = decode.decide(*ms.view(x.scored, kind), temp=SOFTEN, prior=priors.get(kind),
                                  min_margin=decode.CLOSE_RUNNER_UP)
                if kind == "people" and d.value == 0:
                    d.confidence = min(d.confidence, 0.5)  # nobody at home: possible, but ask
            decisions[(row_no, k)] = d
    name_options = _name_options(name_scores, names)
    names_got = _names(name_options, decisions)
    _check_rows(rows, names_got, decisions, index_of, {h.name: h.people for h in member.households}, flags, member)
    for k in unsure_cols:
        for row_no in rows:
            flags[row_no].setdefault(k, "column mapping")
    reading = _build(member, template, cfg, rows, decisions, name_options, blanks, notes, fields, table.method,
                     "table", names=names_got, flags=flags)
    # a usual column that was not found while the table has unread columns, or whose header word was read,
    # or in a table without ruling (its writing may have run into a neighbour's column): its empty values
    # are not known
    unread = [k for k in EXPECTED_COLUMNS if template.has(k) and k not in mapping
              and (table.n_cols > len(mapping) or k in headed or table.method != "lines")]
    if unread:
        for hr in reading.report.households:
            for k in unread:
                hr.confidence[k] = 0.0
                if k not in hr.uncertain:
                    hr.uncertain.append(k)
                    reading.doubts[(hr.row or 0, k)] = "column not found"
    return reading


#: temperatures outside this range are possible but rare enough to ask about
TEMPERATURE_USUAL = (35.0, 41.0)
#: a head count that differs from the roster's is asked about unless it wins by this much (log-odds)
PEOPLE_MARGIN = 3.0


def _same_index(read: Any, row: int) -> bool:
    """Whether a 序号 read as ``read`` can be the row's own: "11" often reads "1" (the recogniser merges a
    doubled digit)."""
    return read == row or str(read) == "".join(k for k, _ in itertools.groupby(str(row)))


def _check_rows(rows: list[int], names: dict[int, tuple[Any, float, bool]],
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


def _ranked_names(sc: Scored, cs: decode.CandidateSet, d: decode.FieldDecision,
                  temp: float = 1.0) -> list[tuple[Any, float, float]]:
    """Names best first with a posterior and a confidence each (the decision's fit applied to every option)."""
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


def _name_options(name_scores: dict[int, tuple[Scored, decode.CandidateSet, decode.FieldDecision]],
                  names: list[str]) -> list[tuple[int, list[tuple[Any, float, float]]]]:
    """Each name cell's households, best first, with a posterior and a confidence each. The posteriors
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
            out.append((row_no, _ranked_names(sc, cs, d, SOFTEN)))  # no household's name: left out of the order
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


def _names(name_options: list[tuple[int, list[tuple[Any, float, float]]]],
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


def _build(member: Member, template: Template, cfg: OcrConfig, rows: list[int],
           decisions: dict[tuple[int, str], decode.FieldDecision], name_options: list[tuple[int, list[tuple[Any, float, float]]]],
           blanks: dict[int, set[str]], notes: dict[int, Any], fields: list[tuple[str, int]], method: str,
           kind: str, fixed_names: dict[int, str] | None = None, names: dict[int, tuple[Any, float, bool]] | None = None,
           flags: dict[int, dict[str, str]] | None = None) -> PhotoReading:
    """Turn per-cell decisions into the member report. ``flags`` are the fields (per row) that a consistency
    check doubts; ``"*"`` doubts the whole row (its geometry)."""
    if fixed_names is not None:
        names = {r: (n, 1.0, False) for r, n in fixed_names.items()}
    elif names is None:
        names = _names(name_options, decisions)
    flags = flags or {}
    report = MemberReport(member=member.name)
    unmatched_rows: list[int] = []
    doubts: dict[tuple[int, str], str] = {}
    keys = [k for k, _ in fields]
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
