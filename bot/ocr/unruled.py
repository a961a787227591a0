"""The fallback for a table written without ruling (or ruling too faint to find): its cells from the writing.

Rows are the bands of writing and columns the gutters that stay blank in most rows, on the page rectified
by its outline (or deskewed by its lines of writing); failing that, the recogniser's text boxes grouped
into rows and columns. Both make the same :class:`bot.ocr.table.Table` as the ruled path
(:mod:`bot.ocr.ruling`), with ``method`` "boxes".
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from bot.ocr.paper import background, ink_mask, normalise, order_quad, rotate, warp_quad, work_gray
from bot.ocr.table import Box, Table


def page_quad(gray: np.ndarray) -> np.ndarray | None:
    """The sheet of paper's four corners, where it lies on a darker desk (None: no clear sheet, e.g. the
    photo is cropped to the page)."""
    h, w = gray.shape
    bg = background(gray)
    _, m = cv2.threshold(bg, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright, dark = bg[m > 0], bg[m == 0]
    if dark.size < 0.03 * bg.size or bright.size < 0.25 * bg.size or float(bright.mean()) - float(dark.mean()) < 40:
        return None
    n, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=4)
    if n < 2:
        return None
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    comp = (labels == i).astype(np.uint8) * 255
    contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    peri = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            quad = order_quad(approx)
            if cv2.isContourConvex(quad.reshape(-1, 1, 2)) and cv2.contourArea(quad) >= 0.25 * h * w:
                return quad
            return None
    return None


def _text_skew(ink: np.ndarray, h_c: float) -> float:
    """The angle (degrees) that makes lines of writing horizontal: the rotation whose row profile of the
    (horizontally smeared) writing is most peaked."""
    f = min(1.0, 600 / max(ink.shape))
    small = cv2.resize(ink, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else ink
    small = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(h_c * f)), 1)))
    best, best_v = 0.0, -1.0
    for a in np.arange(-8.0, 8.01, 0.5):
        r = rotate(small, float(a), 0)
        v = float(np.var(r.sum(axis=1).astype(np.float64)))
        if v > best_v:
            best, best_v = float(a), v
    return best


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(on)))
    return out


def _writing(ink: np.ndarray, h_c: float) -> np.ndarray:
    """The ink that may be writing: not specks, nor strokes taller or longer than any character (the page's
    edge, a fold, a shadow's rim)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    drop = np.zeros(n, bool)
    drop[1:] = (stats[1:, cv2.CC_STAT_AREA] < 8) | (stats[1:, cv2.CC_STAT_HEIGHT] > 2.5 * h_c) \
        | (stats[1:, cv2.CC_STAT_WIDTH] > 12 * h_c)
    out = ink.copy()
    out[drop[labels]] = 0
    return out


def table_from_writing(bgr: np.ndarray) -> Table | None:
    """A table written without ruling: the page is rectified by its outline (or deskewed by its lines of
    writing), rows are the bands of writing (the row profile's valleys between them), and columns the
    vertical gutters that stay blank in most rows."""
    gray = work_gray(bgr)
    quad = page_quad(gray)
    if quad is not None:
        gray = warp_quad(gray, quad, pad=0, border=255)
    norm = normalise(gray)
    ink = ink_mask(norm)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    big = stats[1:, cv2.CC_STAT_AREA] >= 20
    if big.sum() < 10:
        return None
    h_c = float(np.median(stats[1:, cv2.CC_STAT_HEIGHT][big]))
    ink = _writing(ink, h_c)
    angle = _text_skew(ink, h_c)
    if abs(angle) > 0.3:
        norm = rotate(norm, angle, 255)
        ink = _writing(ink_mask(norm), h_c)
    H, W = ink.shape
    smear = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(0.5 * h_c)), 1)))
    prof = np.convolve(smear.sum(axis=1) / 255.0, np.ones(max(1, int(h_c / 4))) / max(1, int(h_c / 4)), "same")
    base = float(np.percentile(prof, 20))
    bands = [(a, b) for a, b in _runs(prof > base + 0.06 * (prof.max() - base)) if b - a >= 0.35 * h_c]
    merged: list[list[int]] = []
    for a, b in bands:
        if merged and a - merged[-1][1] < 0.2 * h_c:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    if len(merged) < 3:
        return None
    med = float(np.median([b - a for a, b in merged]))
    rows: list[tuple[int, int]] = []
    for a, b in merged:  # two lines of writing run together: split at the weakest row between them
        k = int(round((b - a) / med))
        if k >= 2 and b - a > 1.6 * med:
            cuts = [a]
            for j in range(1, k):
                c = int(a + j * (b - a) / k)
                lo, hi = max(a + 1, c - int(0.3 * med)), min(b - 1, c + int(0.3 * med))
                cuts.append(lo + int(np.argmin(prof[lo:hi])) if hi > lo else c)
            cuts.append(b)
            rows.extend(zip(cuts[:-1], cuts[1:], strict=False))
        else:
            rows.append((a, b))
    # columns: x ranges where most rows have no writing
    occ = np.zeros(W)
    for a, b in rows:
        occ += smear[a:b].any(axis=0)
    inked = np.nonzero(occ > 0)[0]
    x_lo, x_hi = int(inked.min()), int(inked.max()) + 1
    gutters = [(a, b) for a, b in _runs(occ[x_lo:x_hi] <= max(1.0, 0.15 * len(rows)))
               if b - a >= 0.35 * h_c]
    cols = [x_lo - int(0.3 * h_c)]
    for a, b in gutters:
        c = x_lo + (a + b) // 2
        if c - cols[-1] < 0.8 * h_c:  # a gutter broken by a stray stroke: one column boundary
            cols[-1] = (cols[-1] + c) // 2 if len(cols) > 1 else cols[-1]
            continue
        cols.append(c)
    if x_hi + int(0.3 * h_c) - cols[-1] < 0.8 * h_c:
        cols.pop()
    cols.append(x_hi + int(0.3 * h_c))
    if len(cols) < 4:
        return None
    bounds = [max(0, rows[0][0] - int(0.3 * med))]
    bounds += [(rows[i][1] + rows[i + 1][0]) // 2 for i in range(len(rows) - 1)]
    bounds.append(min(H, rows[-1][1] + int(0.3 * med)))
    cells = [[(max(0, cols[c]), bounds[r], min(W, cols[c + 1]), bounds[r + 1]) for c in range(len(cols) - 1)]
             for r in range(len(rows))]
    doubt = [not 0.6 * med <= b - a <= 1.5 * med for a, b in rows]
    return Table(norm, ink, cells, "boxes", bounds, cols, None, doubt)


def _split_box(mask: np.ndarray, r: Box, min_gap: float) -> list[Box]:
    """Split a text box at wide blank gaps (the detector joins neighbouring cells' words)."""
    x0, y0, x1, y1 = r
    sub = mask[max(0, y0) : y1, max(0, x0) : x1]
    if sub.size == 0:
        return [r]
    cols = sub.sum(axis=0) > 0
    out, start, gap = [], None, 0
    for i, on in enumerate(cols):
        if on:
            if start is None:
                start = i
            elif gap >= min_gap:
                out.append((x0 + start, y0, x0 + i - gap, y1))
                start = i
            gap = 0
        elif start is not None:
            gap += 1
    if start is not None:
        out.append((x0 + start, y0, x0 + len(cols) - gap, y1))
    return out or [r]


def table_from_boxes(bgr: np.ndarray, boxes: list[tuple[np.ndarray, str, float]],
                     writing: bool = True) -> Table | None:
    """Fallback without ruling: the bands and gutters of the writing (:func:`table_from_writing`, unless
    ``writing`` is False: already tried); failing that, the recogniser's text boxes, split at wide gaps,
    grouped into rows by height and into columns by clustering their centres."""
    table = table_from_writing(bgr) if writing else None
    if table is not None:
        return table
    if len(boxes) < 4:
        return None
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    norm = normalise(gray)
    # deskew by the boxes' own slant
    angles = []
    for quad, _, _ in boxes:
        (ax, ay), (bx, by) = quad[0], quad[1]
        if bx - ax > 10:
            angles.append(math.degrees(math.atan2(by - ay, bx - ax)))
    angle = float(np.median(angles)) if angles else 0.0
    m = None
    if abs(angle) > 0.5:
        h, w = norm.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        norm = cv2.warpAffine(norm, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    mask = ink_mask(norm)
    rects: list[Box] = []
    for quad, _, _ in boxes:
        q = quad if m is None else cv2.transform(quad.reshape(-1, 1, 2), m).reshape(-1, 2)
        x0, y0 = q.min(axis=0)
        x1, y1 = q.max(axis=0)
        rects.append((int(x0), int(y0), int(x1), int(y1)))
    heights = sorted(r[3] - r[1] for r in rects)
    med_h = heights[len(heights) // 2]
    split: list[Box] = []
    for r in rects:
        split.extend(_split_box(mask, r, 0.8 * med_h))
    split.sort(key=lambda r: (r[1] + r[3]) / 2)
    rows: list[list[Box]] = []
    for r in split:
        cy = (r[1] + r[3]) / 2
        if rows and abs(cy - np.mean([(b[1] + b[3]) / 2 for b in rows[-1]])) < 0.55 * med_h:
            rows[-1].append(r)
        else:
            rows.append([r])
    if max(len(r) for r in rows) < 3:
        return None
    centres = sorted((b[0] + b[2]) / 2 for r in rows for b in r)
    groups: list[list[float]] = [[centres[0]]]
    for c in centres[1:]:
        if c - groups[-1][-1] > 0.7 * med_h:
            groups.append([c])
        else:
            groups[-1].append(c)
    groups = [g for g in groups if len(g) >= 2]
    if len(groups) < 3:
        return None
    bounds = []
    for g in groups:
        xs = [b for r in rows for b in r if g[0] <= (b[0] + b[2]) / 2 <= g[-1]]
        bounds.append((min(b[0] for b in xs), max(b[2] for b in xs)))
    edges = [bounds[0][0] - 6] + [(bounds[i][1] + bounds[i + 1][0]) / 2 for i in range(len(bounds) - 1)]
    edges.append(bounds[-1][1] + 6)
    cells: list[list[Box]] = []
    for r in rows:
        y0 = min(b[1] for b in r) - 4
        y1 = max(b[3] for b in r) + 4
        cells.append([(int(edges[c]), int(y0), int(edges[c + 1]), int(y1)) for c in range(len(edges) - 1)])
    return Table(norm, mask, cells, "boxes")
