"""Stages 3 and 4 for a ruled table: find it, undo the perspective, and find its cells.

The table is found from its ruling lines, in three steps:

1. **Strokes.** Thin dark strokes are taken from the black top-hat of the gray image divided by the local
   paper level: shadows, uneven light and the desk around the page drop out, and faint or pencil ruling stays.
2. **Lines.** The photo is deskewed by the dominant angle of its long strokes. Ruling is what survives an
   opening with a long thin kernel; because perspective tilts the lines of one table differently, the
   opening is done at several shears and the results are joined. Every piece of ruling is fitted by least
   squares on its own pixels (with outliers dropped), and the pieces of one broken line are joined by
   collinearity. The outermost long lines give the table's four corners; the table is warped to a rectangle
   with a margin, its outline is found again there (now nearly axis-aligned) and the warp is refined.
3. **Cells.** In the rectified table every row and column line is fitted on its own (hand-ruled lines are
   not parallel), spurious lines that split a row are dropped, and a row line that was not found is
   recovered from the regular row spacing when the ink shows two rows of writing in the gap (such rows are
   marked doubtful). A cell is the quadrilateral between its four lines.


When too few lines are found (a table written without ruling, or ruling too faint to see), the cells come
from the writing instead (:mod:`bot.ocr.unruled`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from bot.ocr.paper import background, ink_mask, normalise, quad_homography, rotate, warp_quad, work_gray
from bot.ocr.table import Box, Table, quad_box

#: shears (slopes) tried for the ruling of a whole photo, and of a rectified table
PHOTO_SLOPES = tuple(math.tan(math.radians(a)) for a in (-6, -4.5, -3, -1.5, 0, 1.5, 3, 4.5, 6))
RECT_SLOPES = tuple(math.tan(math.radians(a)) for a in (-2, -1, 0, 1, 2))


@dataclass
class Line:
    """A fitted ruling line: ``v = slope * u + offset`` with u along the line (x for a horizontal line, y for
    a vertical one), seen from ``lo`` to ``hi``; ``cover`` is how much of that span has ruling."""

    slope: float
    offset: float
    lo: float
    hi: float
    cover: float
    us: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    vs: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    def at(self, u: float) -> float:
        return self.slope * u + self.offset

    @property
    def span(self) -> float:
        return self.hi - self.lo


def stroke_mask(gray: np.ndarray, k: int = 11, bg: np.ndarray | None = None) -> np.ndarray:
    """Thin dark strokes (255), however faint: the black top-hat, relative to the local paper level. A dark
    desk is not amplified (the level has a floor), and a step from paper to desk is no stroke. ``bg``: the
    image's :func:`background` when the caller has it already."""
    bg = (background(gray) if bg is None else bg).astype(np.float32)
    floor = 0.6 * float(np.percentile(bg[::4, ::4], 95))
    smooth = cv2.GaussianBlur(gray, (0, 0), 1.0)  # sensor and JPEG noise is no stroke
    bh = cv2.morphologyEx(smooth, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    gain = 255.0 / np.maximum(bg, max(floor, 1.0))
    rel = bh.astype(np.float32) * gain
    t = float(np.clip(3.0 * np.percentile(rel[::4, ::4], 75), 14.0, 30.0))
    # where the image is grainy (a textured desk, a dark corner's noise) a stroke must stand out of the grain:
    # the local level of the top-hat, each pixel's part bounded so that strokes themselves hardly raise it
    grain = cv2.blur(np.minimum(rel, 30.0), (31, 31))
    return (rel > np.maximum(t, 3.0 * grain)).astype(np.uint8) * 255


def directional(mask: np.ndarray, horizontal: bool, length: float,
                slopes: Sequence[float] = (0.0,)) -> np.ndarray:
    """The strokes of ``mask`` at least ``length`` long in one direction, at any of the given slopes: the
    mask is sheared so that each slope becomes straight, opened with a long thin kernel, and sheared back."""
    h, w = mask.shape
    length = max(15, int(length))
    if horizontal:
        close = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1))
        thick = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3))
        kern = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    else:
        close = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 9))
        thick = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 1))
        kern = cv2.getStructuringElement(cv2.MORPH_RECT, (1, length))
    pre = cv2.dilate(mask, thick)
    out = np.zeros_like(mask)
    for s in slopes:
        if abs(s) < 1e-6:
            m = cv2.morphologyEx(cv2.morphologyEx(pre, cv2.MORPH_CLOSE, close), cv2.MORPH_OPEN, kern)
            out = cv2.bitwise_or(out, m)
            continue
        if horizontal:  # y' = y - s (x - w/2) + pad
            pad = int(abs(s) * w / 2) + 2
            M = np.float32([[1, 0, 0], [-s, 1, s * w / 2 + pad]])
            size = (w, h + 2 * pad)
        else:  # x' = x - s (y - h/2) + pad
            pad = int(abs(s) * h / 2) + 2
            M = np.float32([[1, -s, s * h / 2 + pad], [0, 1, 0]])
            size = (w + 2 * pad, h)
        sh = cv2.warpAffine(pre, M, size, flags=cv2.INTER_NEAREST, borderValue=0)
        sh = cv2.morphologyEx(cv2.morphologyEx(sh, cv2.MORPH_CLOSE, close), cv2.MORPH_OPEN, kern)
        back = cv2.warpAffine(sh, M, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderValue=0)
        out = cv2.bitwise_or(out, back)
    return cv2.bitwise_and(out, cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))))


def _angles(mask: np.ndarray) -> tuple[float, float]:
    """The dominant angle (degrees) of long near-horizontal strokes, and of near-vertical ones measured from
    the vertical (positive: the top leans right... as atan(dx/dy)); 0 when unsure."""
    f = min(1.0, 800 / max(mask.shape))
    if f < 1:  # angles are as clear at half size, and the transform four times faster
        mask = cv2.resize(mask, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        mask = (mask > 60).astype(np.uint8) * 255
    h, w = mask.shape
    side = max(h, w)
    lines = cv2.HoughLinesP(mask, 1, math.pi / 720, threshold=max(50, side // 10), minLineLength=side // 8,
                            maxLineGap=max(6, side // 80))
    if lines is None:
        return 0.0, 0.0
    hs: list[tuple[float, float]] = []
    vs: list[tuple[float, float]] = []
    for x0, y0, x1, y1 in np.asarray(lines).reshape(-1, 4):
        dx, dy = float(x1 - x0), float(y1 - y0)
        length = math.hypot(dx, dy)
        if abs(dy) <= abs(dx) * math.tan(math.radians(25)):
            if dx < 0:
                dx, dy = -dx, -dy
            hs.append((math.degrees(math.atan2(dy, dx)), length))
        elif abs(dx) <= abs(dy) * math.tan(math.radians(25)):
            if dy < 0:
                dx, dy = -dx, -dy
            vs.append((math.degrees(math.atan2(dx, dy)), length))

    def wmedian(pairs: list[tuple[float, float]]) -> float:
        if len(pairs) < 2:
            return 0.0
        pairs.sort()
        cum = np.cumsum([p[1] for p in pairs])
        return float(pairs[int(np.searchsorted(cum, cum[-1] / 2))][0])

    return wmedian(hs), wmedian(vs)


def fit_lines(mask: np.ndarray, horizontal: bool, min_len: float, min_piece: float | None = None,
              tol: float = 7.0) -> list[Line]:
    """Straight lines through the ruling strokes of ``mask``: each piece (connected component) is fitted by
    least squares on its own pixels, dropping outliers (a touching stroke of writing), and the pieces of one
    broken line are joined when they lie on one line. Lines spanning less than ``min_len`` are dropped."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    min_piece = min_len / 3 if min_piece is None else min_piece
    pieces: list[Line] = []
    for i in range(1, n):
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        length = bw if horizontal else bh
        if length < min_piece:
            continue
        ys, xs = np.nonzero(labels[y : y + bh, x : x + bw] == i)
        u, v = (xs + x, ys + y) if horizontal else (ys + y, xs + x)
        if len(u) < 10 or np.ptp(u) < 5:
            continue
        for pu, pv in _strands(u.astype(np.float64), v.astype(np.float64), min_piece):
            if len(pu) > 3000:
                idx = np.linspace(0, len(pu) - 1, 3000).astype(int)
                pu, pv = pu[idx], pv[idx]
            line = _fit(pu, pv)
            if line is not None:
                pieces.append(line)
    pieces.sort(key=lambda p: -p.span)
    lines: list[Line] = []
    for p in pieces:
        mid = (p.lo + p.hi) / 2
        best, best_d = None, tol
        for q in lines:
            # where the line is predicted at the piece's ends (extrapolating the longer one)
            d = max(abs(q.at(p.lo) - p.at(p.lo)), abs(q.at(p.hi) - p.at(p.hi)), abs(q.at(mid) - p.at(mid)))
            overlap = min(q.hi, p.hi) - max(q.lo, p.lo)
            if d < best_d and overlap < 0.5 * p.span:
                best, best_d = q, d
        if best is None:
            lines.append(p)
            continue
        us, vs = np.concatenate([best.us, p.us]), np.concatenate([best.vs, p.vs])
        merged = _fit(us, vs, refine=False) or best
        merged.lo, merged.hi = min(best.lo, p.lo), max(best.hi, p.hi)
        merged.cover = best.cover + p.cover
        lines[lines.index(best)] = merged
    return [q for q in lines if q.span >= min_len]


#: a piece whose pixels spread this far across its fitted line (pixels, or this share of its length) is not
#: one line but several joined by what lies between them
THICK, THICK_SHARE = 8.0, 0.04
#: the slopes (relative to the piece's fit) at which a thick piece is searched for its lines
_STRAND_SLOPES = np.linspace(-0.12, 0.12, 49)


def _strands(u: np.ndarray, v: np.ndarray, min_piece: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """A piece's pixels as one line, or, when the piece is thick (the ruling of dense print, such as the
    boxes of a register's rows stacked along its column lines, joins into one blob with it), as the lines
    in it: the densest strands of pixels at the slope where they are sharpest, each at least ``min_piece``
    long."""
    a, b = _line_fit(u, v)
    r = v - (a * u + b)
    length = float(np.ptp(u))
    lo, hi = _percentiles(r, 5.0, 95.0)
    if hi - lo <= max(THICK, THICK_SHARE * length):
        return [(u, v)]
    um = float(np.mean(u))
    best: tuple[float, float, np.ndarray] | None = None
    for ds in _STRAND_SLOPES:
        o = v - (a + ds) * (u - um)
        hist = np.bincount(((o - o.min()) / 2).astype(np.int64))
        sharp = float((hist.astype(np.float64) ** 2).sum())
        if best is None or sharp > best[0]:
            best = (sharp, float(a + ds), hist)
    assert best is not None
    _, slope, hist = best
    o = v - slope * (u - um)
    o0 = float(o.min())
    out = []
    smooth = np.convolve(hist, np.ones(3), mode="same")
    for k in range(len(smooth)):
        # a strand: a local peak of pixels along at least half the length it must have
        if smooth[k] < 0.5 * min_piece or smooth[k] < smooth[max(0, k - 1)] or smooth[k] < smooth[min(len(smooth) - 1, k + 1)]:
            continue
        if k > 0 and smooth[k] == smooth[k - 1]:
            continue  # a flat peak counts once
        c = o0 + 2 * k + 1
        near = np.abs(o - c) <= 3
        if near.sum() >= 10 and np.ptp(u[near]) >= min_piece:
            out.append((u[near], v[near]))
    return out or [(u, v)]


def _line_fit(u: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """The least-squares line ``v = a u + b`` in closed form (what ``np.polyfit(u, v, 1)`` gives, to rounding,
    at a fraction of its cost: a photo's ruling is hundreds of pieces, each fitted two or three times)."""
    um, vm = float(u.mean()), float(v.mean())
    du = u - um
    suu = float(np.dot(du, du))
    a = float(np.dot(du, v - vm)) / suu if suu > 0 else 0.0
    return a, vm - a * um


def _percentiles(x: np.ndarray, *qs: float) -> list[float]:
    """``np.percentile(x, qs)`` (linear interpolation) by one partition, without its overhead per call."""
    n = len(x)
    pos = [q / 100.0 * (n - 1) for q in qs]
    ks = sorted({min(n - 1, int(p) + d) for p in pos for d in (0, 1)})
    part = np.partition(x, ks)
    out = []
    for p in pos:
        k = int(p)
        lo, hi = float(part[k]), float(part[min(n - 1, k + 1)])
        out.append(lo + (hi - lo) * (p - k))
    return out


def _fit(u: np.ndarray, v: np.ndarray, refine: bool = True) -> Line | None:
    if len(u) < 2 or np.ptp(u) < 1:
        return None
    a, b = _line_fit(u, v)
    if refine:
        r = np.abs(v - (a * u + b))
        keep = r <= max(2.5, 2.0 * float(np.median(r)) + 1.0)
        if keep.sum() >= max(10, 0.5 * len(u)) and np.ptp(u[keep]) > 5:
            u, v = u[keep], v[keep]
            a, b = _line_fit(u, v)
    return Line(float(a), float(b), float(u.min()), float(u.max()), float(np.ptp(u)), u, v)


def table_quad(hm: np.ndarray, vm: np.ndarray, gray: np.ndarray | None = None) -> np.ndarray | None:
    """The four corners of the ruled table: the intersections of its outermost long ruling lines (the
    paper's own edges, with the desk on one side, are not ruling)."""
    h, w = hm.shape
    hl = fit_lines(hm, True, 0.25 * w)
    vl = fit_lines(vm, False, 0.08 * h)
    if gray is not None:
        paper = float(np.percentile(gray, 90))
        g = cv2.GaussianBlur(gray, (0, 0), 2)
        hl = [q for q in hl if not _is_edge(g, q, True, paper)]
        vl = [q for q in vl if not _is_edge(g, q, False, paper)]
    if len(hl) < 2 or len(vl) < 2:
        return None
    # top and bottom: the outermost of the long horizontal lines (a table's rows span most of its width)
    longest = max(q.span for q in hl)
    rows = [q for q in hl if q.span >= 0.6 * longest]
    if len(rows) < 2:
        return None
    x_lo = float(np.median([q.lo for q in rows]))
    x_hi = float(np.median([q.hi for q in rows]))
    xm = (x_lo + x_hi) / 2
    top = min(rows, key=lambda q: q.at(xm))
    bottom = max(rows, key=lambda q: q.at(xm))
    y_top, y_bot = top.at(xm), bottom.at(xm)
    ym = (y_top + y_bot) / 2
    span = y_bot - y_top
    # left and right: the outermost vertical lines inside that band, long enough to be ruling
    cols = [q for q in vl
            if min(q.hi, y_bot) - max(q.lo, y_top) >= 0.3 * span
            and x_lo - 0.08 * w <= q.at(ym) <= x_hi + 0.08 * w]
    if len(cols) < 2:
        return None
    left = min(cols, key=lambda q: q.at(ym))
    right = max(cols, key=lambda q: q.at(ym))
    gap = float(np.median(np.diff(sorted(q.at(xm) for q in rows)))) if len(rows) >= 3 else 0.0
    top, bottom = _outline_ends(top, bottom, cols, gap)
    left, right = _outline_ends(left, right, rows, gap, most=5.0)  # a column may be wide
    corners = [_cross(top, left), _cross(top, right), _cross(bottom, right), _cross(bottom, left)]
    quad = np.float32(corners)
    tw = np.linalg.norm(quad[1] - quad[0])
    th = np.linalg.norm(quad[3] - quad[0])
    if tw < 0.25 * w or th < 0.1 * h or not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return None
    return quad


def _outline_ends(first: Line, last: Line, across: list[Line], gap: float,
                  most: float = 1.5) -> tuple[Line, Line]:
    """The table's outer lines (first and last of one direction), moved out to where the lines across them
    end, when most of those run on by most of a row: an outer line that was too faint or too steep to be
    found still closes the table's last row or column (``most``: how far, in row heights ``gap``)."""
    if gap <= 0 or len(across) < 3:
        return first, last

    def moved(edge: Line, ends: list[tuple[float, float]], sign: float) -> Line:
        past = [sign * (v - edge.at(u)) for u, v in ends]
        far = [p for p in past if p > 0.6 * gap]
        if len(far) < max(3, 0.6 * len(past)):
            return edge
        shift = float(np.median(far))
        if shift > most * gap:  # farther than a row (a column) can be: not this table's ruling
            return edge
        return Line(edge.slope, edge.offset + sign * shift, edge.lo, edge.hi, 0.0)

    # an across line ends at (u along the edge, v across it) = (its position there, its lo or hi)
    lows = [(q.at(q.lo), q.lo) for q in across]
    highs = [(q.at(q.hi), q.hi) for q in across]
    return moved(first, lows, -1.0), moved(last, highs, 1.0)


def _is_edge(g: np.ndarray, line: Line, horizontal: bool, paper: float) -> bool:
    """Whether one side of the line is clearly darker than the other along most of it in the (blurred) gray
    image: the paper's own edge against the desk, not ruling (which has paper on both sides)."""
    h, w = g.shape
    dark = 0
    ts = np.linspace(line.lo, line.hi, 24)
    for t in ts:
        c = line.at(t)
        sides = []
        for off in (-12, 12):
            x, y = (t, c + off) if horizontal else (c + off, t)
            xi, yi = int(round(x)), int(round(y))
            sides.append(float(g[yi, xi]) if 0 <= xi < w and 0 <= yi < h else 0.0)
        if min(sides) < 0.78 * max(sides) or max(sides) < 0.3 * paper:  # (a shadow is not that dark)
            dark += 1
    return dark > 0.6 * len(ts)


def _cross(hline: Line, vline: Line) -> tuple[float, float]:
    """Intersection of y = a x + b and x = c y + d."""
    a, b = hline.slope, hline.offset
    c, d = vline.slope, vline.offset
    y = (a * d + b) / (1 - a * c)
    return (c * y + d, y)


def find_table(bgr: np.ndarray) -> Table | None:
    """The ruled table in a photo, rectified, with its cells; None when no ruled table is found."""
    gray = work_gray(bgr)
    bg = background(gray)  # once per image: the strokes and the normalised page both divide it out
    mask = stroke_mask(gray, bg=bg)
    angle, vangle = _angles(mask)
    if abs(angle) > 0.3:
        gray = rotate(gray, angle, 0)
        bg = background(gray)
        mask = stroke_mask(gray, bg=bg)
        vangle += angle  # the column lines turn with the photo
    quad = _photo_quad(gray, mask, vangle)
    if quad is None:
        return None
    quad = _refine_quad(gray, quad)
    rect = warp_quad(normalise(gray, bg), quad, pad=12)
    if rect.shape[0] < 60 or rect.shape[1] < 120:
        return None
    return table_from_rectified(rect)


def _half(img: np.ndarray, mask: bool = False) -> np.ndarray:
    small = cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)
    return (small > 0).astype(np.uint8) * 255 if mask else small


def _outline(gray: np.ndarray, mask: np.ndarray, hslopes: Sequence[float],
             vslopes: Sequence[float]) -> np.ndarray | None:
    """The table's corners from its ruling at the given shears, found at half size (the outline needs no
    more, and the shears cost a quarter)."""
    small = _half(mask, mask=True)
    hm = directional(small, True, small.shape[1] / 14, hslopes)
    vm = directional(small, False, small.shape[0] / 14, vslopes)
    quad = table_quad(hm, vm, _half(gray))
    return None if quad is None else quad * 2.0


def _photo_quad(gray: np.ndarray, mask: np.ndarray, vangle: float) -> np.ndarray | None:
    """The table's corners in a deskewed photo: its ruling at the shears around the rows' (level) and the
    columns' (``vangle``: perspective leans them) directions."""
    v0 = math.tan(math.radians(vangle)) if abs(vangle) < 15 else 0.0
    return _outline(gray, mask, PHOTO_SLOPES, tuple(v0 + s for s in PHOTO_SLOPES))


def _refine_quad(gray: np.ndarray, quad: np.ndarray, rounds: int = 4) -> np.ndarray:
    """Warp the table found to a rectangle with a margin, find its outline again there (the lines are now
    nearly straight, so ones missed at a steep tilt are found), and map the new corners back."""
    for _ in range(rounds):
        tw = float(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])))
        th = float(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
        pad = int(0.15 * max(tw, th)) + 8
        m, size = quad_homography(quad, pad)
        rg = cv2.warpPerspective(gray, m, size, flags=cv2.INTER_LINEAR, borderValue=0)
        q2 = _outline(rg, stroke_mask(rg), RECT_SLOPES, RECT_SLOPES)
        if q2 is None:
            return quad
        area = cv2.contourArea(q2.reshape(-1, 1, 2))
        if not 0.5 * tw * th <= area <= 2.5 * tw * th:
            return quad
        new = cv2.perspectiveTransform(q2.reshape(-1, 1, 2).astype(np.float64), np.linalg.inv(m)).reshape(4, 2)
        new = new.astype(np.float32)
        moved = float(np.abs(new - quad).max())
        quad = new
        if moved < 3:  # the outline stays put: it is whole
            break
    return quad


def table_from_rectified(rect: np.ndarray) -> Table | None:
    """Cells of a rectified (table-filling) image: its row and column lines, each fitted on its own."""
    mask = ink_mask(rect)
    thin = cv2.bitwise_or(stroke_mask(rect), mask)
    h, w = mask.shape
    hm = directional(thin, True, w / 12, RECT_SLOPES)
    hl = [q for q in fit_lines(hm, True, 0.4 * w, w / 40) if q.cover >= 0.3 * w]
    rows = _dedupe(hl, w / 2, max(12, h // 60))
    rows = _with_border_lines(rows, h, w, horizontal=True)
    gaps = np.diff([q.at(w / 2) for q in rows])
    row_h = float(np.median(gaps)) if len(gaps) else h / 10
    # vertical ruling crosses rows, writing stays within one: ask for strokes taller than 1.6 rows
    vm = directional(thin, False, max(h / 16, min(0.5 * h, 1.6 * row_h)), RECT_SLOPES)
    vl = [q for q in fit_lines(vm, False, 0.4 * h, h / 40) if q.cover >= 0.3 * h]
    cols = _dedupe(vl, h / 2, max(14, w // 40))
    cols = _with_border_lines(cols, w, h, horizontal=False)
    ink = cv2.bitwise_and(mask, cv2.bitwise_not(_ruling_pixels(hm, vm, rows, cols)))
    rows, doubt = regular_rows(rows, w, ink)
    if len(rows) < 3 or len(cols) < 3:
        return None
    cells: list[list[Box]] = []
    quads: list[list[np.ndarray]] = []
    for r in range(len(rows) - 1):
        crow, qrow = [], []
        for c in range(len(cols) - 1):
            q = np.float32([_cross(rows[r], cols[c]), _cross(rows[r], cols[c + 1]),
                            _cross(rows[r + 1], cols[c + 1]), _cross(rows[r + 1], cols[c])])
            crow.append(quad_box(q))
            qrow.append(q)
        cells.append(crow)
        quads.append(qrow)
    row_pos = [int(round(q.at(w / 2))) for q in rows]
    col_pos = [int(round(q.at(h / 2))) for q in cols]
    return Table(rect, ink, cells, "lines", row_pos, col_pos, quads, doubt)


def _ruling_pixels(hm: np.ndarray, vm: np.ndarray, rows: list[Line], cols: list[Line]) -> np.ndarray:
    """The pixels of the table's ruling (to whiten before cells are read): the long strokes that lie on a
    fitted row or column line. Strokes of writing that merely line up (the tops of "36.5") are not ruling."""
    h, w = hm.shape
    near = np.zeros((h, w), np.uint8)
    for q in rows:
        cv2.line(near, (0, int(round(q.at(0)))), (w - 1, int(round(q.at(w - 1)))), 255, 9)
    for q in cols:
        cv2.line(near, (int(round(q.at(0))), 0), (int(round(q.at(h - 1))), h - 1), 255, 9)
    ruled = cv2.bitwise_and(cv2.bitwise_or(hm, vm), near)
    return cv2.dilate(ruled, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))


def _dedupe(lines: list[Line], mid: float, min_gap: float) -> list[Line]:
    """Lines in order; of two closer than ``min_gap`` (a line drawn twice) the better covered one stays."""
    out: list[Line] = []
    for q in sorted(lines, key=lambda q: q.at(mid)):
        if out and q.at(mid) - out[-1].at(mid) < min_gap:
            if q.cover > out[-1].cover:
                out[-1] = q
            continue
        out.append(q)
    return out


def _with_border_lines(lines: list[Line], size: int, other: int, horizontal: bool) -> list[Line]:
    """The table's outline is its first and last line: add them at the rectified edge when not found."""
    edge = max(10, size // 40)
    mid = other / 2
    out = list(lines)
    if not out or out[0].at(mid) > edge + 12:
        out.insert(0, Line(0.0, 12.0, 0.0, float(other), 0.0))
    if out[-1].at(mid) < size - edge - 12:
        out.append(Line(0.0, float(size - 12), 0.0, float(other), 0.0))
    return out


def _text_bands(ink: np.ndarray, y0: float, y1: float, x0: int, x1: int, min_h: float) -> int:
    """How many lines of writing lie between y0 and y1: runs of inked rows, at least ``min_h`` tall."""
    a, b = max(0, int(y0) + 3), min(ink.shape[0], int(y1) - 2)
    if b - a < 4:
        return 0
    prof = (ink[a:b, x0:x1] > 0).sum(axis=1).astype(np.float32)
    if prof.max() <= 0:
        return 0
    prof = np.convolve(prof, np.ones(3) / 3, mode="same")
    on = prof > max(2.0, 0.08 * prof.max())
    bands, run = 0, 0
    for v in on:
        if v:
            run += 1
        else:
            bands += run >= min_h
            run = 0
    bands += run >= min_h
    return bands


def regular_rows(rows: list[Line], w: int, ink: np.ndarray) -> tuple[list[Line], list[bool]]:
    """Make the row lines regular: drop a line that splits a row in two (an underline, a long stroke), and
    recover a line that was not found from the regular row spacing when the gap holds two lines of writing.
    Returns the lines and, per row, whether its geometry is doubtful (recovered, or of an odd height)."""
    mid = w / 2
    rows = list(rows)
    if len(rows) < 4:
        return rows, [False] * max(0, len(rows) - 1)
    ys = [q.at(mid) for q in rows]
    g = float(np.median(np.diff(ys)))
    i = 1
    while i < len(rows) - 1 and len(rows) > 4:
        a, b = ys[i] - ys[i - 1], ys[i + 1] - ys[i]
        if min(a, b) < 0.6 * g and abs(a + b - g) < 0.35 * g:
            del rows[i], ys[i]
            continue
        i += 1
    gaps = np.diff(ys)
    g = float(np.median(gaps))
    out: list[Line] = [rows[0]]
    doubt: list[bool] = []
    for i in range(1, len(rows)):
        gap = ys[i] - ys[i - 1]
        k = int(round(gap / g))
        if gap > 1.6 * g and k >= 2 and abs(gap - k * g) < 0.3 * g * k \
                and _text_bands(ink, ys[i - 1], ys[i], int(0.02 * w), int(0.98 * w), 0.18 * g) >= 2:
            a, b = rows[i - 1], rows[i]
            for j in range(1, k):
                t = j / k
                out.append(Line(a.slope * (1 - t) + b.slope * t, a.offset * (1 - t) + b.offset * t,
                                min(a.lo, b.lo), max(a.hi, b.hi), 0.0))
            doubt.extend([True] * k)
        else:
            doubt.append(not 0.7 * g <= gap <= 1.45 * g)
        out.append(rows[i])
    return out, doubt
