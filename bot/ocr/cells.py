"""A table's cells cut out of its ink: each one's writing alone, so that the recogniser sees one value.

Ruling and the neighbours' strokes are whitened, a thin stroke along a ruled cell's side is left out (but
counted: it may be a "1" written against the line), and too little ink is a blank. :func:`read_cells` cuts
out every cell below the header, reads the shape of a drawn mark, and scores each written cell against all
the closed sets in one recogniser pass; the columns (:mod:`bot.ocr.columns`) and the reader
(:mod:`bot.ocr.reader`) decide from those scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from bot.ocr import decode
from bot.ocr.engine import Recognizer, Scored
from bot.ocr.table import Box, Table


@dataclass
class CellCrop:
    """One cell's writing, cut out (``crop`` None: blank), with how much ink it has and needs."""

    crop: np.ndarray | None  # None: blank
    ink: int
    need: int = 0  # the ink a cell needs to be read (less is blank)
    #: ink left out as a piece of ruling along the cell's edge (a stray line, or a "1" written against it)
    edge_ink: int = 0


def cell_crop(table: Table, box: Box, quad: np.ndarray | None = None) -> CellCrop:
    """The ink of one cell, cut out tight with a margin, ruling and neighbours' strokes whitened. With the
    cell's four corners (``quad``) a stroke belongs to the cell when its centre is inside them."""
    x0, y0, x1, y1 = box
    H, W = table.ink.shape
    w, h = x1 - x0, y1 - y0
    if w < 6 or h < 6:
        return CellCrop(None, 0)
    ex, ey = max(int(0.06 * w), int(0.3 * h)), int(0.18 * h)  # wide enough for a digit over the line
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
        return CellCrop(None, total, need, edge)
    km = keep[labels].astype(np.uint8) * 255
    img = table.image[Y0:Y1, X0:X1]
    if table.method == "lines":
        km = _across_the_line(km, labels, stats, keep, img, min_area)
    ys, xs = np.nonzero(km)
    pad = max(4, int(0.12 * h))
    cy0, cy1 = max(0, ys.min() - pad), min(km.shape[0], ys.max() + pad + 1)
    cx0, cx1 = max(0, xs.min() - pad), min(km.shape[1], xs.max() + pad + 1)
    km = cv2.dilate(km, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    crop = np.where(km > 0, img, 255).astype(np.uint8)[cy0:cy1, cx0:cx1]
    return CellCrop(crop, total, need, edge)


#: how wide (pixels) a gap the ruling's removal leaves in a stroke across it (see ruling._ruling_pixels)
RULING_GAP = 10


def _across_the_line(km: np.ndarray, labels: np.ndarray, stats: np.ndarray, keep: np.ndarray, img: np.ndarray,
                     min_area: int) -> np.ndarray:
    """The cell's writing with what of it runs over a ruling line: the piece beyond the line (its centre is
    outside the cell) that the kept writing reaches across the removed ruling, and the stroke across the line
    itself (dark there too), so that a 5 whose bowl crosses the line is read as a 5."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * RULING_GAP + 1, 2 * RULING_GAP + 1))
    near = cv2.dilate(km, k)
    out = km
    for i in np.nonzero(~keep)[0]:
        if i == 0 or stats[i, cv2.CC_STAT_AREA] < min_area:
            continue
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        piece = labels[y : y + bh, x : x + bw] == i
        if not (piece & (near[y : y + bh, x : x + bw] > 0)).any():
            continue
        mine = (labels == i).astype(np.uint8) * 255
        bridge = (cv2.dilate(mine, k) > 0) & (near > 0) & (img < 160)
        out = out | mine | (bridge.astype(np.uint8) * 255)
    return out


def _along_edge(cx: float, cy: float, bw: int, bh: int, w: int, h: int) -> bool:
    """A thin straight stroke lying along one of the cell's sides (centre ``cx, cy`` relative to the cell's
    top left corner): a piece of its ruling, not writing."""
    if bw <= max(6, 0.08 * w) and bh >= 0.35 * h:
        return min(cx, w - cx) <= max(5.0, 0.06 * w)
    if bh <= max(6, 0.12 * h) and bw >= 0.35 * w:
        return min(cy, h - cy) <= max(4.0, 0.1 * h)
    return False


@dataclass
class BodyCell:
    """A cell below the header, being read: where it is, its writing, the shape of a drawn mark in it, and
    its scores against every closed set (None: blank)."""

    r: int  # table row
    c: int
    cell: CellCrop
    shape: tuple[bool | None, float] = (None, 0.0)
    scored: Scored | None = None


#: a count's digit is read twice, as written and with its strokes thickened by this share of the crop's
#: height (the recogniser reads thin, hurried digits poorly: real handwritten 5s as 1, 3s and 2s as 4)
THICKEN = 0.1


def thickened(crop: np.ndarray) -> np.ndarray:
    """A digit crop with its strokes made bolder (in proportion to its height) and a margin above and below,
    as the recogniser's text lines have."""
    k = max(3, int(round(THICKEN * crop.shape[0])) | 1)
    bold = cv2.erode(crop, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    m = int(0.15 * crop.shape[0])
    return cv2.copyMakeBorder(bold, m, m, 0, 0, cv2.BORDER_CONSTANT, value=255)


#: a margined view's white border around a digit crop, as shares of its height: beside it and above and below
MARGIN_SIDE, MARGIN_TOP = 0.4, 0.2


def margined(crop: np.ndarray) -> np.ndarray:
    """A digit crop with a wide white margin around it (the recogniser reads a glyph cut tight to its ink
    poorly at times: an open-topped 4 as H or 工)."""
    h = crop.shape[0]
    side, top = int(MARGIN_SIDE * h), int(MARGIN_TOP * h)
    return cv2.copyMakeBorder(crop, top, top, side, side, cv2.BORDER_CONSTANT, value=255)


def score_digits(engine: Recognizer, crops: Sequence[np.ndarray], candidates: Sequence[Sequence[str]],
                 plain: Sequence[Scored] | None = None, with_margin: bool = False) -> list[Scored]:
    """Score crops of digits as written and thickened (:func:`thickened`), and with ``with_margin`` also
    margined (:func:`margined`), each candidate's likelihood the mean of the views': the readings are each
    wrong at times, rarely the same way. ``plain``: the crops' scores as written, when they were scored
    already against the same candidates (not scored again)."""
    if not crops:
        return []
    views = [list(plain) if plain is not None else engine.score(crops, candidates),
             engine.score([thickened(c) for c in crops], candidates)]
    if with_margin:
        views.append(engine.score([margined(c) for c in crops], candidates))
    n = math.log(len(views))
    out = []
    for each in zip(*views, strict=True):
        scores = np.logaddexp.reduce([np.asarray(v.scores, dtype=float) for v in each], axis=0) - n
        out.append(Scored(scores, each[0].reading, float(np.logaddexp.reduce([v.ref for v in each]) - n)))
    return out


def reread_counts(column: list[BodyCell], ms: decode.MultiSet, engine: Recognizer) -> None:
    """Score a column of counts again, as :func:`score_digits` does (after the columns are known: one more
    recogniser pass over this column's thickened crops; the crops as written were scored in
    :func:`read_cells` against the same strings)."""
    inked = [x for x in column if x.scored is not None and x.cell.crop is not None]
    plain = [x.scored for x in inked if x.scored is not None]
    for x, sc in zip(inked, score_digits(engine, [x.cell.crop for x in inked], [ms.strings] * len(inked), plain),
                     strict=True):
        x.scored = sc


def read_cells(table: Table, first: int, ms: decode.MultiSet, engine: Recognizer) -> dict[int, list[BodyCell]]:
    """Every cell from row ``first`` on, by column: cut out, its mark shape, and scored against every
    closed set at once (one recogniser pass per cell)."""
    body: dict[int, list[BodyCell]] = {}
    inked: list[BodyCell] = []
    for r in range(first, table.n_rows):
        for c, box in enumerate(table.cells[r]):
            cell = BodyCell(r, c, cell_crop(table, box, table.quad(r, c)))
            if cell.cell.crop is not None:
                cell.shape = decode.mark_shape(cell.cell.crop)
                inked.append(cell)
            body.setdefault(c, []).append(cell)
    if inked:
        scored = engine.score([x.cell.crop for x in inked], [ms.strings] * len(inked))  # type: ignore[misc]
        for x, sc in zip(inked, scored, strict=True):
            x.scored = sc
    return body
