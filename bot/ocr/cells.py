"""A table's cells cut out of its ink: each one's writing alone, so that the recogniser sees one value.

Ruling and the neighbours' strokes are whitened, a thin stroke along a ruled cell's side is left out (but
counted: it may be a "1" written against the line), and too little ink is a blank. :func:`read_cells` cuts
out every cell below the header, reads the shape of a drawn mark, and scores each written cell against all
the closed sets in one recogniser pass; the columns (:mod:`bot.ocr.columns`) and the reader
(:mod:`bot.ocr.reader`) decide from those scores.
"""

from __future__ import annotations

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
        return CellCrop(None, total, need, edge)
    km = keep[labels].astype(np.uint8) * 255
    ys, xs = np.nonzero(km)
    pad = max(4, int(0.12 * h))
    cy0, cy1 = max(0, ys.min() - pad), min(km.shape[0], ys.max() + pad + 1)
    cx0, cx1 = max(0, xs.min() - pad), min(km.shape[1], xs.max() + pad + 1)
    km = cv2.dilate(km, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    img = table.image[Y0:Y1, X0:X1]
    crop = np.where(km > 0, img, 255).astype(np.uint8)[cy0:cy1, cx0:cx1]
    return CellCrop(crop, total, need, edge)


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
