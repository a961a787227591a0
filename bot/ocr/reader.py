"""The photo pipeline: bytes in, a :class:`bot.model.MemberReport` out (stages 1-7; see the package doc).

:func:`read_photo` is pure and blocking (0.5-3 s); the chat adapter runs it in a worker thread.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from bot.model import HouseholdReport, Member, MemberReport
from bot.ocr import decode, grid
from bot.ocr.config import OcrConfig
from bot.ocr.engine import Recognizer, Scored, get_recognizer, page_rotation
from bot.ocr.errors import OcrError
from bot.ocr.image import load_image
from bot.template import Template

log = logging.getLogger(__name__)

#: a name cell whose best roster name scores this far below the free reading matches no household
NAME_NO_MATCH = -40.0
#: the columns a table usually has: when one is not found while the table has unread columns, it is flagged
EXPECTED_COLUMNS = ("people", "temperature", "out", "returned")
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


@dataclass
class Cell:
    crop: np.ndarray | None  # None: blank
    ink: int


def cell_crop(table: grid.Table, box: grid.Box) -> Cell:
    """The ink of one cell, cut out tight with a margin, ruling and neighbours' strokes whitened."""
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
    total = 0
    ix0, iy0, ix1, iy1 = x0 - X0 + 2, y0 - Y0 + 2, x1 - X0 - 2, y1 - Y0 - 2
    for i in range(1, n):
        cx, cy = cents[i]
        bw, bh, area = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        if area < min_area or not (ix0 <= cx <= ix1 and iy0 <= cy <= iy1):
            continue
        if (bw > 0.85 * w and bh < 0.2 * h) or (bh > 0.95 * h and bw < 0.08 * w):
            continue  # what is left of a ruling line
        keep[i] = True
        total += int(area)
    if total < max(18, int(0.004 * w * h)):
        return Cell(None, total)
    km = keep[labels].astype(np.uint8) * 255
    ys, xs = np.nonzero(km)
    pad = max(4, int(0.12 * h))
    cy0, cy1 = max(0, ys.min() - pad), min(km.shape[0], ys.max() + pad + 1)
    cx0, cx1 = max(0, xs.min() - pad), min(km.shape[1], xs.max() + pad + 1)
    km = cv2.dilate(km, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    img = table.image[Y0:Y1, X0:X1]
    crop = np.where(km > 0, img, 255).astype(np.uint8)[cy0:cy1, cx0:cx1]
    return Cell(crop, total)


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
        raise OcrError("no_households")
    return reading


def _read_table_photo(img: np.ndarray, member: Member, template: Template, cfg: OcrConfig, engine: Recognizer,
                      attempt: int) -> PhotoReading:
    tried: list[str] = []
    for rotation in _rotations(img):
        view = _rotate90(img, rotation)
        tables: list[grid.Table] = []
        if attempt == 0:
            t = grid.find_table(view)
            if t is not None:
                tables.append(t)
        if not tables or attempt > 0:
            t = grid.table_from_boxes(view, engine.detect(view))
            if t is not None:
                tables.append(t)
        for table in tables:
            tried.append(table.method)
            reading = read_table(table, member, template, cfg, engine)
            if reading is not None:
                return reading
    if tried:
        raise OcrError("no_table", "no header row recognised")
    raise OcrError("no_table")


def _rotations(img: np.ndarray):
    """0 first; then what Tesseract's orientation detection suggests; then upside down."""
    yield 0
    osd = page_rotation(img)
    if osd:
        yield osd
    if osd != 180:
        yield 180


def _rotate90(img: np.ndarray, clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return img if clockwise == 0 else cv2.rotate(img, codes[clockwise])


def find_header(table: grid.Table, template: Template, engine: Recognizer) -> tuple[int, dict[str, int]] | None:
    """The header row among the first rows and the column of each key (``household``, template keys)."""
    hs = decode.header_set(template)
    best: tuple[float, int, dict[str, int]] | None = None
    for r in range(min(3, table.n_rows - 1)):
        cells = [(c, cell_crop(table, box)) for c, box in enumerate(table.cells[r])]
        jobs = [(c, cell.crop) for c, cell in cells if cell.crop is not None]
        if len(jobs) < 2:
            continue
        scored = _scored_cells(engine, [(crop, hs) for _, crop in jobs])
        pairs: list[tuple[float, int, str]] = []
        for (c, _), sc in zip(jobs, scored, strict=True):
            d = decode.decide(sc, hs)
            factor = d.confidence / d.posterior if d.posterior > 0 else 0.0
            for key, post in decode.value_posteriors(sc, hs).items():
                if post * factor >= 0.02:
                    pairs.append((post * factor, c, key))
        cols: dict[str, tuple[int, float]] = {}
        used: set[int] = set()
        for conf, c, key in sorted(pairs, reverse=True):  # best pairs first, each column and key once
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


def read_table(table: grid.Table, member: Member, template: Template, cfg: OcrConfig,
               engine: Recognizer) -> PhotoReading | None:
    """Decode a found table; None when no header row is recognised."""
    head = find_header(table, template, engine)
    if head is None:
        return None
    header_row, columns = head
    names = [h.name for h in member.households]
    sets = {
        "people": decode.people_set(cfg.people_max),
        "temperature": decode.temperature_set(cfg.temperature_min, cfg.temperature_max),
        "mark": decode.mark_set(with_counts=0),
        "count": decode.mark_set(with_counts=cfg.people_max),
        "name": decode.name_set(names),
    }
    fields = [(k, c) for k, c in columns.items() if k not in ("household", "index") and template.has(k)]
    jobs: list[tuple[np.ndarray, decode.CandidateSet]] = []
    where: list[tuple[int, str]] = []  # (row number, key) per job
    notes: list[tuple[int, np.ndarray]] = []
    rows: list[int] = []
    blanks: dict[int, set[str]] = {}
    shape_marks: dict[tuple[int, str], decode.Decision] = {}
    for r in range(header_row + 1, table.n_rows):
        row_no = r - header_row
        name_cell = cell_crop(table, table.cells[r][columns["household"]])
        field_cells = {k: cell_crop(table, table.cells[r][c]) for k, c in fields if c < len(table.cells[r])}
        if name_cell.crop is None and all(fc.crop is None for fc in field_cells.values()):
            continue  # an empty row
        rows.append(row_no)
        blanks[row_no] = set()
        if name_cell.crop is not None:
            jobs.append((name_cell.crop, sets["name"]))
            where.append((row_no, "household"))
        for k, fc in field_cells.items():
            kind = decode.field_kind(template, k)
            if fc.crop is None:
                blanks[row_no].add(k)
                continue
            if kind == "text":
                notes.append((row_no, fc.crop))
                continue
            if kind == "mark":
                shape, conf = decode.mark_shape(fc.crop)
                if shape is not None:  # a ✓ or ×: told apart by its shape, no recogniser needed
                    shape_marks[(row_no, k)] = decode.Decision(shape, conf, conf, 0.0, "")
                    continue
                f = template.get(k)
                cs = sets["count"] if f is not None and f.type in ("int", "bool_int") and k != "out" and k != "returned" else sets["mark"]
            else:
                cs = sets[kind]
            jobs.append((fc.crop, cs))
            where.append((row_no, k))
    if not rows:
        return PhotoReading(MemberReport(member=member.name), "table", 0, table.method)
    scored = _scored_cells(engine, jobs)
    note_reads = engine.read([c for _, c in notes]) if notes else []
    decisions: dict[tuple[int, str], decode.Decision] = dict(shape_marks)
    name_options: list[tuple[int, list[tuple[Any, float, float]]]] = []
    for (row_no, key), sc, (_, cs) in zip(where, scored, jobs, strict=True):
        d = decode.decide(sc, cs)
        decisions[(row_no, key)] = d
        if key == "household":
            name_options.append((row_no, _ranked_names(sc, cs, d)))
    reading = _build(member, template, cfg, rows, decisions, name_options, blanks,
                     {r: rd for (r, _), rd in zip(notes, note_reads, strict=True)}, fields, table.method, "table")
    # a usual column whose header was not read: its empty values are not known to be empty, say so
    unread = [k for k in EXPECTED_COLUMNS if template.has(k) and k not in columns]
    if unread and len(table.cells[header_row]) > len(columns):
        for hr in reading.report.households:
            for k in unread:
                hr.confidence[k] = 0.0
                if k not in hr.uncertain:
                    hr.uncertain.append(k)
    return reading


def _ranked_names(sc: Scored, cs: decode.CandidateSet, d: decode.Decision) -> list[tuple[Any, float, float]]:
    """Names best first with a confidence each (the decision's fit applied to every option)."""
    agg: dict[Any, float] = {}
    for s, v in zip(sc.scores, cs.values, strict=True):
        agg[v] = np.logaddexp(agg.get(v, -1e9), float(s))
    vals = list(agg)
    arr = np.array([agg[v] for v in vals])
    post = np.exp(arr - np.logaddexp.reduce(arr))
    factor = d.confidence / d.posterior if d.posterior > 0 else 0.0
    order = np.argsort(-post)
    return [(vals[i], float(post[i]), float(post[i] * factor)) for i in order[:4]]


def _build(member: Member, template: Template, cfg: OcrConfig, rows: list[int],
           decisions: dict[tuple[int, str], decode.Decision], name_options: list[tuple[int, list[tuple[Any, float, float]]]],
           blanks: dict[int, set[str]], notes: dict[int, Any], fields: list[tuple[str, int]], method: str,
           kind: str, fixed_names: dict[int, str] | None = None) -> PhotoReading:
    """Turn per-cell decisions into the member report."""
    names = decode.assign_names(name_options) if fixed_names is None else {
        r: (n, 1.0, False) for r, n in fixed_names.items()
    }
    for (row_no, key), d in decisions.items():
        if key != "household" or row_no not in names or names[row_no][0] is None:
            continue
        shared = len(set(d.text) & set(str(names[row_no][0])))
        if d.fit < NAME_NO_MATCH and shared <= 1:
            names[row_no] = (None, 0.0, True)  # nothing on the sender's roster looks like this
    report = MemberReport(member=member.name)
    unmatched_rows: list[int] = []
    keys = [k for k, _ in fields]
    for row_no in rows:
        name, name_conf, displaced = names.get(row_no, (None, 0.0, True))
        if name is None:
            unmatched_rows.append(row_no)
            continue
        values: dict[str, Any] = {k: None for k in template.keys()}
        confidence: dict[str, float] = {"household": round(name_conf * (0.5 if displaced else 1.0), 3)}
        uncertain: list[str] = []
        if displaced or confidence["household"] < cfg.min_confidence:
            uncertain.append("household")
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
                    uncertain.append(k)
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
                uncertain.append(k)
        t = values.get("temperature")
        if template.has("fever") and isinstance(t, float) and "fever" not in keys:
            values["fever"] = t >= template.fever_threshold
        report.households.append(HouseholdReport(name, values, row=row_no, uncertain=uncertain, confidence=confidence))
    if fixed_names is None and report.households and max(
            h.confidence.get("household", 0.0) for h in report.households) < NAME_SURE:
        report.unmatched = [f"第{r}行" for r in rows]
        report.households = []  # not one row is surely the sender's: a table of someone else's households
        return PhotoReading(report, kind, len(rows), method, unmatched_rows=list(rows), decisions=decisions)
    report.totals["households"] = None
    if unmatched_rows:
        report.unmatched = [f"第{r}行" for r in unmatched_rows]
    return PhotoReading(report, kind, len(rows), method, unmatched_rows=unmatched_rows, decisions=decisions)
