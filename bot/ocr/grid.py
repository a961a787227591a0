"""Stages 3 and 4: find the table, undo the perspective, and find its cells.

The table is found from its ruling lines: the ink is binarised against the local background (which removes
shadows), long horizontal and vertical strokes are kept as the ruling, the outline of the ruling gives the
table's four corners, and the table is warped to a rectangle. There the row and column lines are the peaks
of the ruling's projections; lines broken by a faint pen still peak. When too few lines are found (a table
written without ruling, or ruling too faint to see), the cells come from the recogniser's text boxes
grouped into rows and columns instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass
class Table:
    """A rectified table: the image, its ink without ruling, and the cell boxes (rows of columns)."""

    image: np.ndarray  # gray, background-normalised
    ink: np.ndarray  # uint8 0/255 ink mask, ruling removed
    cells: list[list[Box]]
    method: str  # "lines" or "boxes"
    row_lines: list[int] = field(default_factory=list)
    col_lines: list[int] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.cells)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.cells), default=0)


def normalise(gray: np.ndarray) -> np.ndarray:
    """Divide out the paper's background (shadows, uneven light): paper ~255, ink dark."""
    k = max(15, (min(gray.shape[:2]) // 25) | 1)
    bg = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 4)
    out = cv2.divide(gray, np.maximum(bg, 1), scale=255)
    return out


def ink_mask(norm: np.ndarray) -> np.ndarray:
    """Ink pixels (255) of a background-normalised gray image."""
    # ink is clearly darker than paper; faint pencil ruling too, but less so
    _, m = cv2.threshold(norm, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    fixed = (norm < 200).astype(np.uint8) * 255
    m = cv2.bitwise_and(m, fixed) if m.mean() > 60 else cv2.bitwise_or(m, fixed)
    # keep strokes only: solid dark areas (the desk around the page, a thumb) are no ink
    k = max(13, min(norm.shape[:2]) // 60)
    solid = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    if solid.any():
        solid = cv2.dilate(solid, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
        m = cv2.bitwise_and(m, cv2.bitwise_not(solid))
    return m


def ruling(mask: np.ndarray, frac_h: float = 1 / 14, frac_v: float = 1 / 14) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling strokes of an ink mask (tolerant of wobble and small gaps)."""
    h, w = mask.shape
    kh = max(15, int(w * frac_h))
    kv = max(15, int(h * frac_v))
    hm = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    hm = cv2.morphologyEx(hm, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    hm = cv2.morphologyEx(hm, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kh, 1)))
    vm = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 1)))
    vm = cv2.morphologyEx(vm, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 9)))
    vm = cv2.morphologyEx(vm, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, kv)))
    return hm, vm


def skew_angle(mask: np.ndarray) -> float:
    """The dominant angle (degrees) of long near-horizontal strokes; 0 when unsure."""
    h, w = mask.shape
    lines = cv2.HoughLinesP(mask, 1, math.pi / 720, threshold=max(60, w // 8), minLineLength=w // 6,
                            maxLineGap=max(8, w // 80))
    if lines is None:
        return 0.0
    angles, weights = [], []
    for x0, y0, x1, y1 in np.asarray(lines).reshape(-1, 4):
        a = math.degrees(math.atan2(y1 - y0, x1 - x0))
        if a > 90:
            a -= 180
        if a < -90:
            a += 180
        if abs(a) <= 25:
            angles.append(a)
            weights.append(math.hypot(x1 - x0, y1 - y0))
    if len(angles) < 2:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cum, cum[-1] / 2)])


def rotate(img: np.ndarray, angle: float, border: int) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=border)


def order_quad(pts: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    pts = pts.reshape(-1, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = pts[:, 0] - pts[:, 1]
    return np.float32([pts[np.argmin(s)], pts[np.argmax(d)], pts[np.argmax(s)], pts[np.argmin(d)]])


def warp_quad(img: np.ndarray, quad: np.ndarray, pad: int = 0, border: int = 255) -> np.ndarray:
    tl, tr, br, bl = quad
    w = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    h = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    dst = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(img, m, (w + 2 * pad, h + 2 * pad), flags=cv2.INTER_LINEAR, borderValue=border)


def _line_fits(mask: np.ndarray, horizontal: bool, min_len: float) -> list[tuple[float, float, float, float]]:
    """Straight lines through the long strokes of a ruling mask: (slope, offset, start, end) with
    y = slope * x + offset for horizontal lines (x = slope * y + offset for vertical ones)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    pieces = []
    for i in range(1, n):
        length = stats[i, cv2.CC_STAT_WIDTH] if horizontal else stats[i, cv2.CC_STAT_HEIGHT]
        if length < min_len / 3:
            continue
        ys, xs = np.nonzero(labels[stats[i, 1] : stats[i, 1] + stats[i, 3], stats[i, 0] : stats[i, 0] + stats[i, 2]] == i)
        xs = xs + stats[i, 0]
        ys = ys + stats[i, 1]
        u, v = (xs, ys) if horizontal else (ys, xs)
        if len(u) < 10 or np.ptp(u) < 5:
            continue
        a, b = np.polyfit(u.astype(np.float64), v.astype(np.float64), 1)
        pieces.append([float(a), float(b), float(u.min()), float(u.max())])
    # join the pieces of a broken line
    pieces.sort(key=lambda p: p[1] + p[0] * (p[2] + p[3]) / 2)
    lines: list[list[float]] = []
    for p in pieces:
        for q in lines:
            mid = (p[2] + p[3]) / 2
            if abs((q[0] * mid + q[1]) - (p[0] * mid + p[1])) < 10 and abs(q[0] - p[0]) < 0.08:
                wq, wp = q[3] - q[2], p[3] - p[2]
                q[0] = (q[0] * wq + p[0] * wp) / (wq + wp)
                q[1] = (q[1] * wq + p[1] * wp) / (wq + wp)
                q[2], q[3] = min(q[2], p[2]), max(q[3], p[3])
                break
        else:
            lines.append(list(p))
    return [tuple(q) for q in lines if q[3] - q[2] >= min_len]  # type: ignore[misc]


def table_quad(hm: np.ndarray, vm: np.ndarray, gray: np.ndarray | None = None) -> np.ndarray | None:
    """The four corners of the ruled table: the intersections of its outermost long ruling lines (the
    paper's own edges, with the desk on one side, are not ruling)."""
    h, w = hm.shape
    hl = _line_fits(hm, True, 0.25 * w)
    vl = _line_fits(vm, False, 0.08 * h)
    if gray is not None:
        paper = float(np.percentile(gray, 90))
        hl = [q for q in hl if not _is_edge(gray, q, True, paper)]
        vl = [q for q in vl if not _is_edge(gray, q, False, paper)]
    if len(hl) < 2 or len(vl) < 2:
        return None
    # top and bottom: the outermost of the long horizontal lines (a table's rows span most of its width)
    longest = max(q[3] - q[2] for q in hl)
    rows = [q for q in hl if q[3] - q[2] >= 0.6 * longest]
    if len(rows) < 2:
        return None
    x_lo = float(np.median([q[2] for q in rows]))
    x_hi = float(np.median([q[3] for q in rows]))
    xm = (x_lo + x_hi) / 2
    top = min(rows, key=lambda q: q[0] * xm + q[1])
    bottom = max(rows, key=lambda q: q[0] * xm + q[1])
    y_top, y_bot = top[0] * xm + top[1], bottom[0] * xm + bottom[1]
    ym = (y_top + y_bot) / 2
    span = y_bot - y_top
    # left and right: the outermost vertical lines inside that band, long enough to be ruling
    cols = [q for q in vl
            if min(q[3], y_bot) - max(q[2], y_top) >= 0.3 * span
            and x_lo - 0.08 * w <= q[0] * ym + q[1] <= x_hi + 0.08 * w]
    if len(cols) < 2:
        return None
    left = min(cols, key=lambda q: q[0] * ym + q[1])
    right = max(cols, key=lambda q: q[0] * ym + q[1])
    corners = [_cross(top, left), _cross(top, right), _cross(bottom, right), _cross(bottom, left)]
    quad = np.float32(corners)
    tw = np.linalg.norm(quad[1] - quad[0])
    th = np.linalg.norm(quad[3] - quad[0])
    if tw < 0.25 * w or th < 0.1 * h or not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return None
    return quad


def _is_edge(gray: np.ndarray, line: tuple[float, ...], horizontal: bool, paper: float) -> bool:
    """Whether one side of the line is clearly darker than the other along most of it: the paper's own
    edge against the desk, not ruling (which has paper on both sides)."""
    a, b, lo, hi = line[0], line[1], line[2], line[3]
    h, w = gray.shape
    g = cv2.GaussianBlur(gray, (0, 0), 2)
    dark = 0
    ts = np.linspace(lo, hi, 24)
    for t in ts:
        c = a * t + b
        sides = []
        for off in (-12, 12):
            x, y = (t, c + off) if horizontal else (c + off, t)
            xi, yi = int(round(x)), int(round(y))
            sides.append(float(g[yi, xi]) if 0 <= xi < w and 0 <= yi < h else 0.0)
        if min(sides) < 0.78 * max(sides) or max(sides) < 0.5 * paper:
            dark += 1
    return dark > 0.6 * len(ts)


def _cross(hline: tuple[float, ...], vline: tuple[float, ...]) -> tuple[float, float]:
    """Intersection of y = a x + b and x = c y + d."""
    a, b = hline[0], hline[1]
    c, d = vline[0], vline[1]
    y = (a * d + b) / (1 - a * c)
    return (c * y + d, y)


def _quad_from_hull(hull: np.ndarray) -> np.ndarray:
    """Approximate a convex hull by a quadrilateral (or take its extreme points)."""
    peri = cv2.arcLength(hull.reshape(-1, 1, 2).astype(np.float32), True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull.reshape(-1, 1, 2).astype(np.float32), eps * peri, True)
        if len(approx) == 4:
            return approx.reshape(4, 2)
    s = hull.sum(axis=1)
    d = hull[:, 0] - hull[:, 1]
    return np.float32([hull[np.argmin(s)], hull[np.argmax(d)], hull[np.argmax(s)], hull[np.argmin(d)]])


def _peaks(profile: np.ndarray, thresh: float, min_gap: int) -> list[int]:
    """Centres of the runs where ``profile`` exceeds ``thresh``, merged when closer than ``min_gap``."""
    above = profile > thresh
    out: list[tuple[int, int, float]] = []  # start, end, weight
    i, n = 0, len(profile)
    while i < n:
        if above[i]:
            j = i
            while j < n and above[j]:
                j += 1
            seg = profile[i:j]
            c = int(round(i + float(np.average(np.arange(j - i), weights=seg))))
            out.append((c, j - i, float(seg.max())))
            i = j
        else:
            i += 1
    merged: list[tuple[int, float]] = []
    for c, _, wt in out:
        if merged and c - merged[-1][0] < min_gap:
            if wt > merged[-1][1]:
                merged[-1] = (c, wt)
        else:
            merged.append((c, wt))
    return [c for c, _ in merged]


def find_table(bgr: np.ndarray) -> Table | None:
    """The ruled table in a photo, rectified, with its cells; None when no ruled grid is found."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    scale = 1600 / max(gray.shape)
    if scale < 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    norm = normalise(gray)
    mask = ink_mask(norm)
    angle = skew_angle(mask)
    if abs(angle) > 0.3:
        norm = rotate(norm, angle, 255)
        gray = rotate(gray, angle, 0)
        mask = ink_mask(norm)
    hm, vm = ruling(mask)
    quad = table_quad(hm, vm, gray)
    if quad is None:
        return None
    rect = warp_quad(norm, quad, pad=12)
    if rect.shape[0] < 60 or rect.shape[1] < 120:
        return None
    return grid_from_rectified(rect)


def grid_from_rectified(rect: np.ndarray) -> Table | None:
    """Cells of a rectified (table-filling) image from its ruling's projections."""
    mask = ink_mask(rect)
    h, w = mask.shape
    hm, _ = ruling(mask, 1 / 12, 1 / 16)
    rows = _peaks(hm.sum(axis=1) / 255 / w, 0.3, max(12, h // 60))
    # vertical ruling crosses rows, writing stays within one: ask for strokes taller than 1.6 rows
    row_h = float(np.median(np.diff(rows))) if len(rows) >= 2 else h / 10
    _, vm = ruling(mask, 1 / 12, max(1 / 16, min(0.5, 1.6 * row_h / h)))
    # thicken vertical ruling across itself so that a slightly slanted hand-ruled line projects as one peak
    vp = cv2.dilate(vm, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    cols = _peaks(vp.sum(axis=0) / 255 / h, 0.22, max(12, w // 40))
    rows = _with_borders(rows, h)
    cols = _with_borders(cols, w)
    # drop slivers (double-drawn lines)
    rows = _drop_slivers(rows, max(14, h // 50))
    cols = _drop_slivers(cols, max(14, w // 40))
    if len(rows) < 3 or len(cols) < 3:
        return None
    lines = cv2.dilate(cv2.bitwise_or(hm, vm), cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    ink = cv2.bitwise_and(mask, cv2.bitwise_not(lines))
    cells = [[(cols[c], rows[r], cols[c + 1], rows[r + 1]) for c in range(len(cols) - 1)] for r in range(len(rows) - 1)]
    return Table(rect, ink, cells, "lines", rows, cols)


def _with_borders(lines: list[int], size: int) -> list[int]:
    edge = max(10, size // 40)
    out = list(lines)
    if not out or out[0] > edge + 12:
        out.insert(0, 12)
    if out[-1] < size - edge - 12:
        out.append(size - 12)
    return out


def _drop_slivers(lines: list[int], min_gap: int) -> list[int]:
    out: list[int] = []
    for v in lines:
        if out and v - out[-1] < min_gap:
            continue
        out.append(v)
    return out


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


def table_from_boxes(bgr: np.ndarray, boxes: list[tuple[np.ndarray, str, float]]) -> Table | None:
    """Fallback without ruling: the recogniser's text boxes, split at wide gaps, grouped into rows by height
    and into columns by clustering their centres."""
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
