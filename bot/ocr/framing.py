"""Whether the whole table is in the photo: a part cut off by the photo's edge, or covered by a finger, is not
read as if it were blank; the member is asked for a retake (:class:`OcrError` "cut_off" or "covered").

- **A printed form** is located exactly (its markers give the page), so the part of its table that the photo
  holds is known: rows outside the photo are cut off.
- **A table** (ruled or not) is judged by the photo's edges: the table's ruling running into the frame (the
  column lines reach the edge with no closing line before it), or its writing cut by the frame, on paper.
- **A finger**: a solid skin-coloured area that comes in from the photo's edge and lies over the table (its
  ruling and writing, or the form's rows). A thumb on the paper's margin is no matter.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from bot.ocr import form as f
from bot.ocr.errors import OcrError
from bot.ocr.paper import background
from bot.ocr.ruling import directional, stroke_mask

#: the photo is judged at this size (longest side)
SIDE = 900
#: a border strip this share of the shorter side wide
STRIP = 0.012
#: lines this share of the photo's side long are ruling
LINE = 0.05
SLOPES = (-0.12, 0.0, 0.12)
#: a form's table may reach this share of the photo's side past its edge and count as in it
TOLERANCE = 0.01
#: strokes this close to the image's border are not looked at (the top-hat's border artefacts)
EDGE = 6


@dataclass
class Framing:
    """What the edges of the photo cut: the sides where the table runs out of the photo, and whether a finger
    lies over it."""

    cut: list[str]
    covered: bool

    def check(self) -> None:
        """Raise the retake error when a part of the table is missing."""
        if self.cut:
            raise OcrError("cut_off", "table runs out of the photo at the " + ", ".join(self.cut))
        if self.covered:
            raise OcrError("covered", "a finger over the table")


def _small(bgr: np.ndarray) -> tuple[np.ndarray, float]:
    s = min(1.0, SIDE / max(bgr.shape[:2]))
    if s < 1:
        bgr = cv2.resize(bgr, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return bgr, s


def skin_mask(bgr: np.ndarray) -> np.ndarray:
    """Solid skin-coloured areas (255): reddish for their brightness (paper under warm light is far less so),
    not red ink's or a seal's red, and wider than a stroke."""
    ycc = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb).astype(np.float32)
    y, cr, cb = ycc[:, :, 0], ycc[:, :, 1] - 128.0, ycc[:, :, 2] - 128.0
    m = ((cr >= 0.11 * np.maximum(y, 1)) & (cr <= 55) & (cb <= 4) & (cb >= -45) & (y >= 25)).astype(np.uint8) * 255
    k = max(5, min(bgr.shape[:2]) // 45) | 1
    return cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


def _border_blobs(mask: np.ndarray, min_area: float) -> np.ndarray:
    """The components of ``mask`` that touch the image's border and are at least ``min_area`` px."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = mask.shape
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if area >= min_area and (x <= 1 or y <= 1 or x + bw >= w - 1 or y + bh >= h - 1):
            keep[i] = True
    return (keep[labels] * 255).astype(np.uint8)


def check_form(bgr: np.ndarray, found: f.FoundForm, households: int) -> Framing:
    """The framing of a found form: the rows of its page that fall outside the photo, a finger over them."""
    hom = found.extra.get("homography")
    if hom is None:
        return Framing([], False)
    meta = found.meta
    page = meta.page if meta is not None else 1
    total = meta.households if meta is not None else households
    rows = max(1, min(f.ROWS_PER_PAGE, total - (page - 1) * f.ROWS_PER_PAGE))
    x0, y0 = f.X0 + 4, f.TABLE_TOP + 4
    x1, y1 = f.PAGE_W - f.X0 - 4, f.TABLE_TOP + f.HEADER_H + rows * f.ROW_H - 4
    area = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]).reshape(-1, 1, 2)
    inv = np.linalg.inv(hom)
    corners = cv2.perspectiveTransform(area, inv).reshape(-1, 2)  # the table's corners in the photo
    h, w = bgr.shape[:2]
    tol = TOLERANCE * max(h, w)  # the page's place is known to a few pixels (less well from the QR code alone)
    cut = []
    for side, outside in (("top", corners[:, 1] < -tol), ("bottom", corners[:, 1] > h - 1 + tol),
                          ("left", corners[:, 0] < -tol), ("right", corners[:, 0] > w - 1 + tol)):
        if outside.any():
            cut.append(side)
    if cut:
        return Framing(cut, False)
    small, s = _small(bgr)
    table = np.zeros(small.shape[:2], np.uint8)
    cv2.fillConvexPoly(table, np.int32(corners * s), 255)
    return Framing([], _finger_over(small, table))


def _finger_over(small: np.ndarray, table: np.ndarray) -> bool:
    """A skin-coloured area from the photo's edge that lies over the table area (``table``: 255) by more than
    a sliver."""
    side = min(small.shape[:2])
    skin = _border_blobs(skin_mask(small), (0.03 * side) ** 2)
    if not skin.any():
        return False
    over = int(np.count_nonzero(cv2.bitwise_and(skin, table)))
    return over >= (0.03 * side) ** 2


def check_table(bgr: np.ndarray) -> Framing:
    """The framing of a table photo (ruled or not), from the photo alone."""
    small, _ = _small(bgr)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    bg = background(gray)
    strokes = stroke_mask(gray, bg=bg)
    e = EDGE  # the top-hat's own artefacts along the image's border are no strokes
    strokes[:e], strokes[-e:], strokes[:, :e], strokes[:, -e:] = 0, 0, 0, 0
    skin = skin_mask(small)
    k = max(9, min(h, w) // 40)
    if skin.any():  # a finger's outline and shadow are no strokes of the table
        strokes[cv2.dilate(skin, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0] = 0
    vert = directional(strokes, False, LINE * h, SLOPES)
    horiz = directional(strokes, True, LINE * w, SLOPES)
    lines = cv2.bitwise_or(vert, horiz)
    writing = cv2.bitwise_and(strokes, cv2.bitwise_not(cv2.dilate(lines, np.ones((5, 5), np.uint8))))
    hull, ruled = _extent(vert, horiz, writing)
    paper = float(np.percentile(bg[::4, ::4], 90))
    cut = [side for side in ("bottom", "top", "left", "right")
           if _runs_out(side, vert, horiz, writing, bg, paper, hull, ruled)]
    on_paper = cv2.bitwise_and(skin, _paper(gray))  # a wooden desk around the sheet is no finger
    return Framing(cut, _finger_on_table(on_paper, hull, writing, ruled, k))


def _finger_on_table(skin: np.ndarray, hull: np.ndarray | None, writing: np.ndarray, ruled: bool, k: int) -> bool:
    """A skin-coloured area on the sheet that lies over the table: over its area (the hull of its ruling,
    which the lines beside the finger span), or, without ruling, where three pieces of its writing or more end.
    A thumb on the paper's margin is neither."""
    side = min(skin.shape)
    least = (0.03 * side) ** 2
    n, labels, stats, _ = cv2.connectedComponentsWithStats(skin, connectivity=8)
    blobs = np.isin(labels, [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= least])
    if not blobs.any() or hull is None:
        return False
    if np.count_nonzero(blobs & (hull > 0)) >= least:
        return True
    if ruled:
        return False
    near = cv2.dilate(blobs.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k + 8, k + 8))) > 0
    n, labels, stats, _ = cv2.connectedComponentsWithStats(writing, connectivity=8)
    ends = set(np.unique(labels[near & (writing > 0)]).tolist()) - {0}
    return len({i for i in ends if stats[i, cv2.CC_STAT_AREA] >= 20}) >= 3


def _long_lines(mask: np.ndarray, horizontal: bool) -> tuple[np.ndarray, list[int]]:
    """The labels of ``mask``'s lines and which of them are long (at least 2.5 × :data:`LINE` of the side)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = mask.shape
    size = stats[:, cv2.CC_STAT_WIDTH] / w if horizontal else stats[:, cv2.CC_STAT_HEIGHT] / h
    return labels, [i for i in range(1, n) if size[i] >= 2.5 * LINE]


def _extent(vert: np.ndarray, horiz: np.ndarray, writing: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """The table's area (255): the convex hull of its long ruling lines, or else of its writing (specks left
    out); and whether it is ruled (three long lines one way or more)."""
    vl, vlong = _long_lines(vert, False)
    hl, hlong = _long_lines(horiz, True)
    ruled = len(vlong) >= 3 or len(hlong) >= 3
    if ruled:
        keep = np.isin(vl, vlong) | np.isin(hl, hlong)
    else:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(writing, connectivity=8)
        keep = np.isin(labels, [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 20])
    if not keep.any():
        return None, ruled
    pts = np.column_stack(np.nonzero(keep)[::-1]).astype(np.int32)
    out = np.zeros(writing.shape, np.uint8)
    cv2.fillConvexPoly(out, cv2.convexHull(pts), 255)
    return out, ruled


def _paper(gray: np.ndarray) -> np.ndarray:
    """The sheet (255): the convex hull of the largest bright area."""
    level = float(np.percentile(gray[::4, ::4], 90))
    bright = (gray >= 0.72 * level).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    out = np.zeros(gray.shape, np.uint8)
    if n > 1:
        big = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        pts = np.column_stack(np.nonzero(labels == big)[::-1]).astype(np.int32)
        cv2.fillConvexPoly(out, cv2.convexHull(pts), 255)
    return out


def _runs_out(side: str, vert: np.ndarray, horiz: np.ndarray, writing: np.ndarray, bg: np.ndarray,
              paper: float, hull: np.ndarray | None, ruled: bool) -> bool:
    """Whether the table runs out of the photo at ``side``: two or more of its lines reach that edge with no
    closing line just before it, or its writing is cut by the edge on paper, between its lines."""
    h, w = vert.shape
    flip = side in ("bottom", "right")
    along_vertical = side in ("top", "bottom")  # the edge is horizontal: the column lines run into it
    perp, par = (vert, horiz) if along_vertical else (horiz, vert)
    if not along_vertical:  # work as if the edge were the top or bottom
        perp, par, writing, bg = perp.T, par.T, writing.T, bg.T
        hull = None if hull is None else hull.T
        h, w = w, h
    if flip:
        perp, par, writing, bg = perp[::-1], par[::-1], writing[::-1], bg[::-1]
        hull = None if hull is None else hull[::-1]
    # now the edge is row 0 of the arrays
    strip = max(EDGE + 4, int(STRIP * min(h, w)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(perp, connectivity=8)
    touching = sorted(float(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] / 2) for i in range(1, n)
                      if stats[i, cv2.CC_STAT_TOP] <= strip and stats[i, cv2.CC_STAT_HEIGHT] >= 1.2 * LINE * h)
    distinct = [x for k, x in enumerate(touching) if k == 0 or x - touching[k - 1] > 0.02 * w]
    n, _, pstats, _ = cv2.connectedComponentsWithStats(par, connectivity=8)
    closing = [int(pstats[i, cv2.CC_STAT_TOP]) for i in range(1, n)
               if pstats[i, cv2.CC_STAT_WIDTH] >= 0.25 * w and pstats[i, cv2.CC_STAT_TOP] > strip]
    gap = min(closing, default=h)
    if len(distinct) >= 2 and gap > 0.03 * h:
        return True
    # the writing cut by the edge, on paper (a desk at the edge holds no writing), inside the table's span:
    # between the column lines that run into the edge (a ruled table cut just past a row's line), or for a
    # table without ruling within its writing's
    if (ruled and len(distinct) < 2) or float(np.median(bg[:strip])) < 0.7 * paper:
        return False
    n, _, wstats, _ = cv2.connectedComponentsWithStats(writing[: int(0.06 * h)], connectivity=8)
    span = (min(distinct), max(distinct)) if len(distinct) >= 2 else None
    if span is None and hull is not None and hull[:strip].any():
        xs = np.nonzero(hull[:strip].any(axis=0))[0]
        span = (float(xs.min()), float(xs.max()))
    if span is None:
        return False
    cut = [i for i in range(1, n) if wstats[i, cv2.CC_STAT_TOP] <= EDGE + 1 and wstats[i, cv2.CC_STAT_HEIGHT] >= 0.015 * h
           and wstats[i, cv2.CC_STAT_AREA] >= 30
           and span[0] - 0.02 * w <= wstats[i, cv2.CC_STAT_LEFT] + wstats[i, cv2.CC_STAT_WIDTH] / 2 <= span[1] + 0.02 * w]
    return len(cut) >= (2 if ruled else 3) and gap > 0.015 * h
