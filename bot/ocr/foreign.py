"""Registers that gridbot did not print: a village committee's own 登记表, read from its ruled table.

Such a register has a printed header, the households' names printed in rows, a count column (printed or
written in) and a check-box pair per yes/no field: ``是□ 否□`` or ``□有 □无`` in one cell, or two
sub-columns under a merged header (``是否外出`` over ``是 | 否``), in any column order, with columns of no
interest to gridbot among them (联系电话, 身份证号: never read into the report, never logged).

1. **Print.** Whatever every body row of a column shares is print: the cells of one column, aligned to one
   size, are stacked, and a pixel inked in most of them is the column's print (the boxes and their words);
   the members' marks lie elsewhere in every row. A column whose print holds two boxes side by side is a
   pair in one cell; one box per column under a merged header, or a merged header over two columns whose
   sub-headers read 是/否, is a pair of sub-columns. No pair found: not such a register (:func:`find_pairs`,
   cheap, run on every ruled table before the free-hand reading).
2. **Header.** The header cells (merged ones whole) are read freely by the recogniser (printed text reads
   almost perfectly) and mapped to the template's fields by the header vocabulary the free-hand path uses
   (:func:`bot.ocr.decode.header_set`): the longest known word inside the header's text. A column whose
   header names no field is left out.
3. **Names** are scored against the member's households (closed set) and read freely: a name read exactly
   as one of them is that household; one a character away is taken and asked about; anything else is not
   the member's (another member's household on the village's register, or a name not on the roster).
4. **Marks.** In each row, the ink of each option's half of the pair that is not print; the option with
   clearly more is marked. Ink in neither, in both, or split across the border between the two is asked
   about (❓), never guessed.
5. Counts and temperatures are decided in their closed sets as in a free-hand table; the rows, checks and
   doubts are built by :mod:`bot.ocr.assemble`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from bot.config.ocr import OcrConfig
from bot.core.model import Member
from bot.core.template import Template
from bot.ocr import decode
from bot.ocr.assemble import SOFTEN, PhotoReading, build_reading, check_rows
from bot.ocr.checkbox import decide_column, find_boxes, print_mask, print_unit
from bot.ocr.engine import Recognizer
from bot.ocr.table import Box, Table, quad_box

#: a pixel inked (within a pixel) in this share of a column's body cells is the column's print
PRINT_SHARE = 0.6
#: usual columns: one not found while some header could not be read is asked about
EXPECTED = ("people", "out", "returned")
#: the yes/no fields a register may hold
YES_NO = ("out", "returned", "fever", "isolated")
#: the print left out of a row's marks: what nearly every row has (marks that most rows make in one place
#: are not)
PRINT_SURE = 0.85
#: a column whose print covers this share of its cells' inside holds printed words or boxes
PRINT_MIN = 0.05
#: cells are cut this far inside their ruling (pixels)
INSET = 3
#: gray below this is print (thin printed lines in a small photo are pale), and below MARK_LEVEL a mark
INK_LEVEL = 200
MARK_LEVEL = 170
#: fewest body rows for the print to be told from the marks
MIN_ROWS = 4


@dataclass
class Pair:
    """Where one yes/no field's two options are: in one cell of column ``cols[0]`` (left of ``split`` and
    right of it, relative to the cell's width), or in two sub-columns ``cols``."""

    cols: tuple[int, int]
    split: float = 0.5
    yes_first: bool | None = True  # None: the words were not read (the left is taken for yes, asked)


@dataclass
class Register:
    """A register's geometry: its header rows, each column's print, the candidate pairs."""

    table: Table  # the table as read (a column line that is no ruling removed)
    body: int  # the first body row
    #: row 0 is twice as tall as the others: its lower half holds the sub-headers
    split_header: bool
    prints: dict[int, np.ndarray]  # column -> its print (0/1, at the column's aligned cell size)
    sure: dict[int, np.ndarray]  # column -> the print nearly every row has (left out of the marks)
    looks: dict[int, np.ndarray]  # column -> the median of its cells (gray): the print as printed
    spans: list[tuple[int, int]]  # the header's cells: (first column, last column)
    printed: list[int] = field(default_factory=list)  # single columns with print: maybe a pair in one cell
    pairs: dict[int, Pair] = field(default_factory=dict)  # keyed by the pair's first column
    masks: dict[int, np.ndarray] = field(default_factory=dict)  # column -> the print left out of its marks


def _aligned(img: np.ndarray, table: Table, c: int, rows: range) -> list[np.ndarray]:
    """Column ``c``'s cells in ``rows`` cut from ``img`` (inside their ruling), each resized to the
    column's median cell size."""
    boxes = [table.cells[r][c] for r in rows if c < len(table.cells[r])]
    if not boxes:
        return []
    w = max(8, int(np.median([b[2] - b[0] for b in boxes])) - 2 * INSET)
    h = max(8, int(np.median([b[3] - b[1] for b in boxes])) - 2 * INSET)
    return [_cut(img, b, (w, h)) for b in boxes]


def _cut(img: np.ndarray, box: Box, size: tuple[int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    sub = img[max(0, y0 + INSET) : max(0, y1 - INSET), max(0, x0 + INSET) : max(0, x1 - INSET)]
    if sub.size == 0:
        return np.full((size[1], size[0]), 255, np.uint8)
    return cv2.resize(sub, size, interpolation=cv2.INTER_AREA)


def _inked(gray: np.ndarray, level: int = INK_LEVEL) -> np.ndarray:
    """Ink (1) in a background-normalised gray cell: print, writing, and a box filled in (which the table's
    ink mask leaves out as a solid area)."""
    return (gray < level).astype(np.uint8)


def _print_of(cells: list[np.ndarray], share: float = PRINT_SHARE) -> np.ndarray:
    """The pixels inked (within a pixel) in ``share`` of the cells at least: the print every row shares."""
    k = np.ones((3, 3), np.uint8)
    frac = np.mean([cv2.dilate(_inked(x), k) for x in cells], axis=0)
    return (frac >= share).astype(np.uint8)


#: a strip across a line is ruled when its darkest pixel is this much darker than its lightest (a thin
#: printed line in a small photo is blurred to a pale dip, 210 on white paper), or darker than INK_LEVEL
LINE_CONTRAST = 30


def _ruled(strip: np.ndarray) -> bool:
    """Whether a short strip of the gray image across a line's place crosses the line."""
    return strip.size > 0 and int(strip.min()) < max(INK_LEVEL + 5, int(strip.max()) - LINE_CONTRAST)


def _line_present(table: Table, c: int, r: int, top_only: bool = False) -> float:
    """How much of the column line left of column ``c`` is ruled within row ``r`` (0..1), on the rectified
    image (the ink has its ruling removed)."""
    q = table.quad(r, c)
    if q is None:
        x0, y0, _, y1 = table.cells[r][c]
        xa = xb = float(x0)
    else:
        (xa, y0), (xb, y1) = q[0], q[3]
    y0f, y1f = float(y0), float(y1)
    if top_only:
        y1f = y0f + 0.45 * (y1f - y0f)
    ys = np.linspace(y0f + 0.15 * (y1f - y0f), y1f - 0.15 * (y1f - y0f), 16)
    img = table.image
    hits = 0
    for y in ys:
        t = (y - y0f) / max(1.0, float(y1) - y0f)
        x = int(round(float(xa) + (float(xb) - float(xa)) * t))
        yi = int(round(y))
        strip = img[yi, max(0, x - 4) : x + 5] if 0 <= yi < img.shape[0] else np.zeros(0)
        hits += _ruled(strip)
    return hits / len(ys)


def find_pairs(table: Table) -> Register | None:
    """The register's geometry when ``table`` may be a printed register with check-box pairs (columns whose
    every row holds the same print, or a merged header over two sub-columns), else None. Cheap: no
    recogniser; a handwritten table has no print shared by its rows."""
    if table.n_rows < MIN_ROWS + 1 or table.n_cols < 2 or table.method != "lines":
        return None
    table = _without_false_columns(_without_false_rows(table))
    if table.n_rows < MIN_ROWS + 1:
        return None
    heights = [row[0][3] - row[0][1] for row in table.cells]
    row_h = float(np.median(heights))
    split_header = heights[0] >= 1.6 * row_h
    # columns merged in the header (a line that does not reach row 0's top)
    merged_left = {c for c in range(1, table.n_cols)
                   if _line_present(table, c, 0, top_only=True) < 0.8
                   and np.mean([_line_present(table, c, r) for r in range(2, min(table.n_rows, 6))]) > 0.7}
    spans: list[tuple[int, int]] = []
    for c in range(table.n_cols):
        if c in merged_left and spans:
            spans[-1] = (spans[-1][0], c)
        else:
            spans.append((c, c))
    sub_header = any(b - a == 1 for a, b in spans) and not split_header
    body = 2 if sub_header else 1
    rows = range(body, table.n_rows)
    if len(rows) < MIN_ROWS:
        return None
    prints: dict[int, np.ndarray] = {}
    sure: dict[int, np.ndarray] = {}
    printed: list[int] = []
    for c in range(table.n_cols):
        cells = _aligned(table.image, table, c, rows)
        if not cells:
            continue
        prints[c] = _print_of(cells)
        sure[c] = _print_of(cells, PRINT_SURE)
        # whether there is print: from the ink without the ruling (hand-ruled lines wander into a cell), or,
        # where the ink lost it (boxes lined up across a row are taken for ruling), from the gray without
        # what is shaped like ruling
        pr = _print_of([255 - x for x in _aligned(table.ink, table, c, rows)], PRINT_SURE)
        if _inside_share(pr) >= PRINT_MIN or _inside_share(_without_rules(sure[c])) >= PRINT_MIN:
            printed.append(c)
    reg = Register(table, body, split_header, prints, sure, {}, spans)
    in_span = {c for a, b in spans if b > a for c in range(a, b + 1)}
    reg.printed = [c for c in printed if c not in in_span]
    for a, b in spans:
        if b - a == 1:  # a merged header over two sub-columns
            reg.pairs[a] = Pair((a, b))
    if not reg.printed and not reg.pairs:
        return None
    for c in reg.printed:
        reg.looks[c] = np.median(np.stack(_aligned(table.image, table, c, rows)), axis=0).astype(np.uint8)
    return reg


def _inside_share(pr: np.ndarray) -> float:
    """The share of a column's print inside its cells' margins."""
    h, w = pr.shape
    inside = pr[int(0.12 * h) : h - int(0.12 * h), int(0.08 * w) : w - int(0.08 * w)]
    return float(inside.mean()) if inside.size else 0.0


def _without_rules(pr: np.ndarray) -> np.ndarray:
    """A column's print without the pieces shaped like ruling (long and thin across the cell)."""
    h, w = pr.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(pr, connectivity=8)
    out = pr.copy()
    for i in range(1, n):
        bw, bh = int(stats[i, cv2.CC_STAT_WIDTH]), int(stats[i, cv2.CC_STAT_HEIGHT])
        if bw > 0.8 * w and bh < 0.15 * h or bh > 0.8 * h and bw < 0.15 * w:
            out[labels == i] = 0
    return out


#: a column line is ruling when it is seen in this share of the body rows (marks that line up, circles
#: round the same word in most rows, make a line that some rows lack)
RULED_ROWS = 0.95


def _row_line_cover(table: Table, r: int, c: int) -> float:
    """How much of the row line above row ``r`` is ruled across column ``c`` (0..1)."""
    q = table.quad(r, c)
    if q is None:
        return 1.0
    (xa, ya), (xb, yb) = q[0], q[1]
    img = table.image
    xs = np.linspace(float(xa) + 4, float(xb) - 4, 24)
    hits = 0
    for x in xs:
        y = int(round(float(ya) + (float(yb) - float(ya)) * (x - float(xa)) / max(1.0, float(xb) - float(xa))))
        xi = int(round(x))
        strip = img[max(0, y - 3) : y + 4, xi] if 0 <= xi < img.shape[1] else np.zeros(0)
        hits += _ruled(strip)
    return hits / len(xs)


#: the line under merged headers is ruled this fully across two columns side by side at least (a header's
#: words at one height in several columns make a line that is not)
UNDER_MERGED = 0.95


def _without_false_rows(table: Table) -> Table:
    """The table without row lines that are no printed ruling: the tops and bottoms of check boxes that
    line up across a row (ruled across part of each cell only; a real line, even one ruled under merged
    headers only, crosses each cell it is in whole)."""
    false = []
    for r in range(1, table.n_rows):
        cover = [_row_line_cover(table, r, c) for c in range(table.n_cols)]
        if r == 1 and any(a >= UNDER_MERGED and b >= UNDER_MERGED for a, b in itertools.pairwise(cover)):
            continue  # the line under merged headers (the header's words may cross it elsewhere)
        if max(cover) < 0.85 or any(0.15 < v < 0.7 for v in cover):
            false.append(r)
    if not false or table.quads is None:
        return table
    keep = [r for r in range(table.n_rows) if r not in false]
    spans = [(r, (keep[i + 1] if i + 1 < len(keep) else table.n_rows) - 1) for i, r in enumerate(keep)]
    heights = [float(table.quads[last][0][3][1] - table.quads[r][0][0][1]) for r, last in spans]
    row_h = float(np.median(heights[1:])) if len(heights) > 2 else 0.0
    cells: list[list[Box]] = []
    quads: list[list[np.ndarray]] = []
    doubt: list[bool] = []
    row_lines: list[int] = []
    for (r, last), height in zip(spans, heights, strict=True):
        # rows merged to twice (k times) a row's height: a real line was taken for a false one nearby (the
        # tops of circles drawn round words in most columns): the rows are cut at the regular spacing
        k = int(round(height / row_h)) if row_h > 0 and r > 0 and last > r else 1
        k = k if k >= 2 and abs(height - k * row_h) < 0.3 * row_h else 1
        for j in range(k):
            crow, qrow = [], []
            for c in range(table.n_cols):
                a, b = table.quads[r][c], table.quads[last][c]
                t0, t1 = j / k, (j + 1) / k
                q = np.float32([a[0] + (b[3] - a[0]) * t0, a[1] + (b[2] - a[1]) * t0,
                                a[1] + (b[2] - a[1]) * t1, a[0] + (b[3] - a[0]) * t1])
                crow.append(quad_box(q))
                qrow.append(q)
            cells.append(crow)
            quads.append(qrow)
            doubt.append(any(table.doubtful(x) for x in range(r, last + 1)))
            row_lines.append(int(round(float(qrow[0][0][1]))))
    row_lines.append(table.row_lines[-1])
    return Table(table.image, table.ink, cells, table.method, row_lines, table.col_lines, quads, doubt)


def _without_false_columns(table: Table) -> Table:
    """The table without column lines that are not printed ruling: their two columns made one."""
    rows = range(1, table.n_rows)
    if len(rows) < MIN_ROWS:
        return table
    false = [c for c in range(1, table.n_cols)
             if np.mean([_line_present(table, c, r) >= 0.8 for r in rows]) < RULED_ROWS]
    if not false or table.quads is None:
        return table
    keep = [c for c in range(table.n_cols) if c not in false]  # each kept column runs to the next kept one
    cells: list[list[Box]] = []
    quads: list[list[np.ndarray]] = []
    for r in range(table.n_rows):
        crow, qrow = [], []
        for i, c in enumerate(keep):
            last = (keep[i + 1] if i + 1 < len(keep) else table.n_cols) - 1
            a, b = table.quads[r][c], table.quads[r][last]
            q = np.float32([a[0], b[1], b[2], a[3]])
            crow.append(quad_box(q))
            qrow.append(q)
        cells.append(crow)
        quads.append(qrow)
    col_lines = [x for i, x in enumerate(table.col_lines) if i not in false]
    return Table(table.image, table.ink, cells, table.method, table.row_lines, col_lines, quads, table.row_doubt)


def _halves(look: np.ndarray, split: float) -> tuple[np.ndarray, np.ndarray]:
    s = int(round(split * look.shape[1]))
    return look[:, :s], look[:, s:]


def _split(pr: np.ndarray) -> float | None:
    """Where a one-cell pair's two options part: the middle of the widest gap in the print's columns
    between its two printed boxes when both are found (each option is a word and its box, on either side),
    else within the middle of the print (relative to the cell's width); None when there is none."""
    w = pr.shape[1]
    on = pr.any(axis=0)
    xs = np.nonzero(on)[0]
    if len(xs) < 2:
        return None
    lo, hi = xs.min(), xs.max()
    unit = print_unit(pr)
    boxes = sorted(find_boxes(pr, unit))
    if len(boxes) == 2 and _twins(*boxes, pr.shape[0]):
        (b0, _, b1, _), (c0, _, _, _) = boxes
        runs = _empty_runs(on, b1, c0)
        if b0 - lo > 0.3 * unit:  # 有□ 无□: the options part just after the first box
            return float((sum(runs[0]) / 2 if runs else b1) / w)
        return float((sum(runs[-1]) / 2 if runs else c0) / w)  # □有 □无: just before the second box
    at = _widest_gap(on, int(lo), int(hi), 0.25, 0.75)
    return None if at is None else float(at / w)


def _twins(a: Box, b: Box, cell_h: int) -> bool:
    """Whether two boxes found in a pair's print are its two printed boxes: side by side, alike in size, on
    one line, and of a box's size (not the 口 inside 否 or 是)."""
    sa, sb = a[2] - a[0], b[2] - b[0]
    return (a[2] < b[0] and min(sa, sb) >= 0.8 * max(sa, sb) and abs(a[1] - b[1]) <= 0.25 * max(sa, sb)
            and min(sa, sb) >= 0.22 * cell_h)


def _empty_runs(on: np.ndarray, lo: int, hi: int) -> list[tuple[int, int]]:
    """The runs of empty columns of ``on`` in [lo, hi): (first, last)."""
    runs: list[tuple[int, int]] = []
    for x in range(max(0, lo), min(len(on), hi)):
        if on[x]:
            continue
        if runs and runs[-1][1] == x - 1:
            runs[-1] = (runs[-1][0], x)
        else:
            runs.append((x, x))
    return runs


def _widest_gap(on: np.ndarray, lo: int, hi: int, a: float, b: float) -> float | None:
    """The middle of the widest run of empty columns of ``on`` between ``lo`` and ``hi`` whose middle lies
    between the shares ``a`` and ``b`` of that span."""
    best, at = 0, None
    run_start = None
    for x in range(lo, hi + 1):
        if not on[x]:
            run_start = x if run_start is None else run_start
            continue
        if run_start is not None:
            mid = (run_start + x) / 2
            if x - run_start > best and lo + a * (hi - lo) <= mid <= lo + b * (hi - lo):
                best, at = x - run_start, mid
            run_start = None
    return at


# ------------------------------------------------------------------------------------------ the header
_PUNCT = re.compile(r"[^\u4e00-\u9fff]")


def header_key(text: str, vocab: dict[str, str]) -> str | None:
    """The field a printed header names: the longest header word of the vocabulary inside its text
    (是否外出 → out, 户主姓名 → household, 联系电话 → None)."""
    t = _PUNCT.sub("", text)
    best: tuple[int, str] | None = None
    for word, key in vocab.items():
        if word and word in t and (best is None or len(word) > best[0]):
            best = (len(word), key)
    return best[1] if best else None


def _span_box(table: Table, a: int, b: int, r0: int, r1: int, half: str = "") -> Box:
    """The box of header cells (rows r0..r1, columns a..b); ``half``: "top"/"bottom" of a split row 0."""
    x0, y0 = table.cells[r0][a][0], table.cells[r0][a][1]
    x1, y1 = table.cells[r1][b][2], table.cells[r1][b][3]
    if half == "top":
        y1 = (y0 + y1) // 2
    elif half == "bottom":
        y0 = (y0 + y1) // 2
    return (x0, y0, x1, y1)


def _order(left: bool | None, right: bool | None) -> bool | None:
    """Whether a pair puts yes first, from what its two options' words read as (True: yes, False: no,
    None: unread); None when they are not one yes and one no, or neither was read."""
    if left is not None and right is not None:
        return left if left != right else None
    if left is not None:  # the other option's words hidden by the marks most rows make on them
        return left
    return None if right is None else not right


#: the words of a pair's options, alone or with their box (read as 口)
LABELS = tuple(v for w in ("是", "否", "有", "无") for v in (w, w + "口", "口" + w))


def _yes_no(scored: Any) -> bool | None:
    """True when an option's print reads 是/有, False for 否/无, None when unsure."""
    s = np.asarray(scored.scores, dtype=float)
    if s.size != len(LABELS) or s.max() <= -1e8:
        return None
    yes = float(np.logaddexp.reduce(np.concatenate([s[0:3], s[6:9]])))
    no = float(np.logaddexp.reduce(np.concatenate([s[3:6], s[9:12]])))
    if abs(yes - no) < 2.0 or max(yes, no) - scored.ref < -5.0:
        return None
    return yes > no


@overload
def _gray(table: Table, box: Box, blank_none: Literal[False] = False, whiten: bool = False) -> np.ndarray: ...
@overload
def _gray(table: Table, box: Box, blank_none: Literal[True], whiten: bool = False) -> np.ndarray | None: ...
def _gray(table: Table, box: Box, blank_none: bool = False, whiten: bool = False) -> np.ndarray | None:
    """A cell of the rectified image inside its ruling, cut tight around its ink and stretched to full
    contrast (thin print in a small photo is pale; the table's ink mask may have lost strokes along a line
    that is no ruling). ``whiten``: only the ink's strokes kept (handwriting reads best so). A cell
    without ink: None with ``blank_none``, else the whole cell."""
    x0, y0, x1, y1 = box
    sub = table.image[max(0, y0 + INSET) : max(0, y1 - INSET), max(0, x0 + INSET) : max(0, x1 - INSET)]
    if sub.size == 0:
        return None if blank_none else np.full((16, 16), 255, np.uint8)
    h, w = sub.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(_inked(sub), connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= max(4, 0.0008 * h * w)
            and not (stats[i, cv2.CC_STAT_WIDTH] > 0.8 * w and stats[i, cv2.CC_STAT_HEIGHT] < 0.15 * h)
            and not (stats[i, cv2.CC_STAT_HEIGHT] > 0.8 * h and stats[i, cv2.CC_STAT_WIDTH] < 0.15 * w)]
    if sum(int(stats[i, cv2.CC_STAT_AREA]) for i in keep) < max(12, 0.002 * h * w):
        return None if blank_none else sub
    xa = min(int(stats[i, 0]) for i in keep)
    ya = min(int(stats[i, 1]) for i in keep)
    xb = max(int(stats[i, 0] + stats[i, 2]) for i in keep)
    yb = max(int(stats[i, 1] + stats[i, 3]) for i in keep)
    pad = max(3, (yb - ya) // 5)
    if whiten:
        keep_px = np.isin(labels, keep)
        sub = np.where(cv2.dilate(keep_px.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0, sub, 255).astype(np.uint8)
    tight = sub[max(0, ya - pad) : yb + pad, max(0, xa - pad) : xb + pad]
    return cv2.normalize(tight, None, 0, 255, cv2.NORM_MINMAX)


# ------------------------------------------------------------------------------------------ reading
def read_register(table: Table, member: Member, template: Template, cfg: OcrConfig, engine: Recognizer,
                  reg: Register | None = None) -> PhotoReading | None:
    """Read a printed register (``reg``: its geometry from :func:`find_pairs`); None when ``table`` is not
    one: no check-box pair is found, or its header names no column of household names."""
    reg = reg or find_pairs(table)
    if reg is None:
        return None
    table = reg.table
    hs = decode.header_set(template)
    vocab = dict(zip(hs.strings, hs.values, strict=True))
    crops: list[np.ndarray] = []
    cands: list[tuple[str, ...]] = []
    what: list[tuple[str, int, int]] = []  # ("header", first, last column), ("sub", pair, option), ("half", c, side)
    head_rows = (0, 0) if reg.split_header or reg.body == 1 else (0, 1)
    for a, b in reg.spans:
        half = "top" if reg.split_header else ""
        box = _span_box(table, a, b, 0, 0, half) if b > a else _span_box(table, a, b, *head_rows, half)
        crops.append(_gray(table, box))
        cands.append(())
        what.append(("header", a, b))
        if b > a and a in reg.pairs:
            for q, c in enumerate(reg.pairs[a].cols):
                sub = _span_box(table, c, c, 0, 0, "bottom") if reg.split_header else _span_box(table, c, c, 1, 1)
                crops.append(_gray(table, sub))
                cands.append(LABELS)
                what.append(("sub", a, q))
    scored = engine.score(crops, cands) if crops else []
    heads: dict[int, str] = {}
    words: dict[tuple[str, int, int], bool | None] = {}
    for (kind, a, b), sc in zip(what, scored, strict=True):
        if kind == "header":
            heads[a] = sc.reading.text
        else:
            words[(kind, a, b)] = _yes_no(sc)
    keys: dict[int, str] = {}  # column (a pair's first) -> key
    pairs: dict[int, Pair] = {}
    lost: set[str] = set()
    for a, _ in reg.spans:
        key = header_key(heads.get(a, ""), vocab)
        if key is None or key in keys.values():
            continue
        is_mark = key not in ("household", "index", "people") and template.has(key) \
            and decode.field_kind(template, key) == "mark"
        if is_mark:  # a yes/no field: its pair of sub-columns, or its cell of two options
            if a in reg.pairs:
                pairs[a] = Pair(reg.pairs[a].cols, yes_first=_order(words.get(("sub", a, 0)),
                                                                     words.get(("sub", a, 1))))
            elif a in reg.printed and (split := _split(reg.sure[a])) is not None:
                pairs[a] = Pair((a, a), split, None)  # which side is yes: read with the body
            else:
                lost.add(key)  # a yes/no word over a column without boxes (返乡日期?), or boxes not found
                continue
        keys[a] = key
    if not pairs or "household" not in keys.values():
        return None
    reg.pairs = pairs
    # a usual column not found while a header could not be read at all, or a yes/no field not found while
    # a pair of boxes is under a header that names nothing: those values are not known
    if any(not _PUNCT.sub("", heads.get(a, "")) for a, _ in reg.spans):
        lost |= {k for k in EXPECTED if template.has(k) and k not in keys.values()}
    if any(a not in keys and (b > a or a in reg.printed and _split(reg.sure[a]) is not None) for a, b in reg.spans):
        lost |= {k for k in YES_NO if template.has(k) and k not in keys.values()}
    reading = _read_body(table, reg, keys, member, template, cfg, engine)
    for hr in reading.report.households:
        for k in sorted(lost - set(keys.values())):
            hr.confidence[k] = 0.0
            if k not in hr.uncertain:
                hr.uncertain.append(k)
                reading.doubts[(hr.row or 0, k)] = "column not read"
    return reading


def _mark_ink(table: Table, reg: Register, p: Pair, r: int) -> tuple[float, float, float]:
    """The ink of a row's marks on the first and the second option of a pair, and how much of it lies near
    the border between them, in squares of the print's height (the print left out)."""
    inks = []
    unit = 0.0
    for c in dict.fromkeys(p.cols):
        pr = reg.prints[c]
        h, w = pr.shape
        unit = max(unit, print_unit(reg.sure[c]))
        gray = _cut(table.image, table.cells[r][c], (w, h)).astype(np.float32)
        if c not in reg.masks:
            reg.masks[c] = print_mask(reg.sure[c], unit, p.split if p.cols[0] == p.cols[1] else None)
        # how dark, not just whether: a pale or blurred stroke counts in proportion
        inks.append(np.clip((MARK_LEVEL + 40.0 - gray) / 100.0, 0.0, 1.0) * (1 - reg.masks[c]))
    area = max(1.0, unit * unit)
    if p.cols[0] == p.cols[1]:
        ink = inks[0]
        w = ink.shape[1]
        s = int(round(p.split * w))
        a, b = float(ink[:, :s].sum()), float(ink[:, s:].sum())
        band = max(2, int(0.05 * w))
        border = float(ink[:, max(0, s - band) : s + band].sum())
    else:
        a, b = float(inks[0].sum()), float(inks[1].sum())
        border = 0.0
    return a / area, b / area, border / area


def _read_body(table: Table, reg: Register, keys: dict[int, str], member: Member, template: Template,
               cfg: OcrConfig, engine: Recognizer) -> PhotoReading:
    names = [h.name for h in member.households]
    name_col = next(c for c, k in keys.items() if k == "household")
    sets = {
        "household": decode.name_set(names),
        "people": decode.count_set(cfg.people_max),
        "temperature": decode.temperature_set(cfg.temperature_min, cfg.temperature_max),
    }
    priors = {"temperature": decode.temperature_prior(cfg.temperature_min, cfg.temperature_max),
              "people": decode.people_prior(cfg.people_max)}
    fields = [(k, c) for c, k in keys.items() if k not in ("household", "index") and template.has(k)]
    jobs: list[tuple[int, str, np.ndarray]] = []
    notes_jobs: list[tuple[int, np.ndarray]] = []
    rows: list[int] = []
    blanks: dict[int, set[str]] = {}
    flags: dict[int, dict[str, str]] = {}
    decisions: dict[tuple[int, str], decode.FieldDecision] = {}
    inks: dict[str, list[tuple[int, tuple[float, float, float]]]] = {}
    for r in range(reg.body, table.n_rows):
        row_no = r - reg.body + 1
        name = _gray(table, table.cells[r][name_col], blank_none=True)  # printed: the gray reads best
        if name is None:
            continue  # an empty row
        rows.append(row_no)
        blanks[row_no] = set()
        flags[row_no] = {}
        if table.doubtful(r):
            flags[row_no]["*"] = "row geometry"
        jobs.append((row_no, "household", name))
        for k, c in fields:
            if c in reg.pairs:
                inks.setdefault(k, []).append((row_no, _mark_ink(table, reg, reg.pairs[c], r)))
                continue
            crop = _gray(table, table.cells[r][c], blank_none=True, whiten=True)
            if crop is None:
                blanks[row_no].add(k)
                continue
            kind = decode.field_kind(template, k)
            if kind == "text":
                notes_jobs.append((row_no, crop))
            elif kind in sets:
                jobs.append((row_no, kind, crop))
    labels = [(c, q, cv2.normalize(part, None, 0, 255, cv2.NORM_MINMAX)) for c, p in reg.pairs.items()
              if p.cols[0] == p.cols[1] for q, part in enumerate(_halves(reg.looks[c], p.split))]
    scored = engine.score([c for _, _, c in jobs] + [x for _, _, x in labels],
                          [sets[k].strings for _, k, _ in jobs] + [LABELS] * len(labels))
    said: dict[tuple[int, int], bool | None] = {(c, q): _yes_no(sc) for (c, q, _), sc
                                                 in zip(labels, scored[len(jobs):], strict=True)}
    for c, p in reg.pairs.items():
        if p.cols[0] == p.cols[1]:
            p.yes_first = _order(said.get((c, 0)), said.get((c, 1)))
    scored = scored[: len(jobs)]
    col_of = {k: c for k, c in fields}
    for k, got in inks.items():
        p = reg.pairs[col_of[k]]
        for (row_no, _), d in zip(got, decide_column([v for _, v in got], p.yes_first), strict=True):
            if p.yes_first is None and d.value is not None:  # which box is yes was not read: asked
                d.confidence = min(d.confidence, 0.5)
                d.doubts.insert(0, "words unread")
            decisions[(row_no, k)] = d
    got_names: dict[int, tuple[Any, float, bool]] = {}
    name_options: list[tuple[int, list[tuple[Any, float, float]]]] = []
    for (row_no, k, _), sc in zip(jobs, scored, strict=True):
        cs = sets[k]
        if k == "household":
            d = decode.decide(sc, cs)
            decisions[(row_no, "household")] = d
            name_options.append((row_no, _name_options(sc.reading.text, d, names)))
            continue
        d = decode.decide(sc, cs, prior=priors.get(k), temp=SOFTEN, min_margin=decode.CLOSE_RUNNER_UP)
        if k == "people" and d.value == 0:
            d.confidence = min(d.confidence, 0.5)
        key = "people" if k == "people" else next(kk for kk, c in fields if decode.field_kind(template, kk) == k)
        decisions[(row_no, key)] = d
    _same_hand(rows, decisions)
    got_names = decode.assign_names(name_options)
    for r in rows:
        if got_names.get(r, (None,))[0] is None:
            got_names[r] = (None, 0.0, True)
    check_rows(rows, got_names, decisions, {}, {h.name: h.people for h in member.households}, flags, member)
    for r in rows:  # a register lists its households in its own order
        if flags[r].get("household") == "name order":
            del flags[r]["household"]
    note_reads = engine.read([c for _, c in notes_jobs]) if notes_jobs else []
    notes = {r: rd for (r, _), rd in zip(notes_jobs, note_reads, strict=True)}
    reading = build_reading(member, template, cfg, rows, decisions, name_options, blanks, notes, fields,
                            "register", "form", names=got_names, flags=flags)
    return reading


_NUMERALS = re.compile("[一二两俩三四五六七八九十]")


def _same_hand(rows: list[int], decisions: dict[tuple[int, str], decode.FieldDecision]) -> None:
    """One writer fills a register's counts one way, in digits or in Chinese numerals: when a column reads
    mostly as numerals, a count that reads as a digit is doubted (a 五 written cursively reads as 4), and
    the other way round."""
    kinds = {r: bool(_NUMERALS.search(d.text)) for r in rows if (d := decisions.get((r, "people"))) is not None
             and d.value is not None and d.text}
    numerals = sum(kinds.values())
    if not numerals or numerals == len(kinds):
        return
    usual = numerals > len(kinds) - numerals
    for r, kind in kinds.items():
        if kind != usual or 2 * numerals == len(kinds):
            d = decisions[(r, "people")]
            d.confidence = min(d.confidence, 0.6)
            d.doubts.append("written unlike the column")


#: a printed name read this many characters off a household's is still taken for it (and asked about)
NAME_OFF_BY = 1
#: a name read less surely than this is handwriting (print reads at 0.99 and more): taken for a household up
#: to WRITTEN_OFF_BY characters off (and asked about)
WRITTEN_CONF, WRITTEN_OFF_BY = 0.9, 2


def _name_options(text: str, d: decode.FieldDecision, names: list[str]) -> list[tuple[Any, float, float]]:
    """A printed name cell's households: the one read exactly (sure), else the closed set's best when the
    free reading is a character off it (asked), else none (not the member's household)."""
    read = _PUNCT.sub("", text)
    if read in names:
        return [(read, 1.0, 0.99)]
    if d.value is None or not read:
        return []
    dist = Levenshtein.distance(read, str(d.value))
    if dist <= NAME_OFF_BY and len(str(d.value)) >= 2 and d.fit > -12.0:
        # a character the free reading was unsure of, and the household's name explains the print nearly as
        # well: that household; else it may be another household's name, one character apart: asked
        sure = d.fit >= -3.0 and d.reading_conf < 0.95
        return [(d.value, d.posterior, d.confidence if sure else min(0.6, d.confidence))]
    if d.reading_conf < WRITTEN_CONF and dist <= WRITTEN_OFF_BY and len(str(d.value)) >= 2 and d.fit > -30.0:
        # a name the recogniser reads unsurely (written in by hand, not printed) that the household's name
        # explains fairly well: that household, asked
        return [(d.value, d.posterior, min(0.6, d.confidence))]
    return []
