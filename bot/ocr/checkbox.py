"""The check boxes of a printed register (:mod:`bot.ocr.foreign`): where a column's printed boxes are, the
print to leave out of a cell's ink, and which option of a yes/no pair a column's rows marked.

Pure image arithmetic on a column's stacked print (a boolean mask of what nearly every row shares) and on
the ink each row left on the two options; no recogniser.
"""

from __future__ import annotations

import cv2
import numpy as np

from bot.ocr import decode
from bot.ocr.table import Box

#: a yes/no pair: the marked option has this much ink at least (in squares of the print's height)
MARK_MIN = 0.025
#: the other option has at most this share of the marked one's ink for a sure reading
MARK_CLEAR = 0.3
#: above this share both options are marked
MARK_BOTH = 0.6
#: a mark with this share of its ink near the border between the two options is across it
MARK_ACROSS = 0.5


def print_unit(pr: np.ndarray) -> float:
    """The height of a column's print (its words and boxes): the median height of its pieces."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(pr, connectivity=8)
    hs = [int(stats[i, cv2.CC_STAT_HEIGHT]) for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 10
          and stats[i, cv2.CC_STAT_HEIGHT] < 0.8 * pr.shape[0]]
    return float(np.median(hs)) if hs else 0.35 * pr.shape[0]


def find_boxes(sure: np.ndarray, unit: float) -> list[Box]:
    """The printed boxes in a column's print: squares of about the print's height whose outline is inked
    all round (a word's outline is not; a word printed close to its box may touch it), best first, not
    overlapping, at most one in each half of the cell."""
    h, w = sure.shape
    integral = cv2.integral(sure.astype(np.uint8)).astype(np.int64)

    def sums(x: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
        return integral[y + size, x + size] - integral[y, x + size] - integral[y + size, x] + integral[y, x]

    found: list[tuple[float, Box]] = []
    for size in range(max(6, int(0.6 * unit)), int(1.4 * unit) + 1):
        if size >= min(h, w):
            break
        t = max(1, int(round(0.12 * size)))
        ys, xs = np.mgrid[0 : h - size, 0 : w - size]
        outer = sums(xs, ys, size)
        inner = sums(xs + t, ys + t, size - 2 * t)
        cov = (outer - inner) / float(size * size - (size - 2 * t) ** 2)
        hollow = inner / float((size - 2 * t) ** 2)
        ok = (cov >= 0.88) & (hollow <= 0.6)
        for y, x in zip(*np.nonzero(ok), strict=True):
            found.append((float(cov[y, x]) + 0.01 * size / unit, (int(x), int(y), int(x) + size, int(y) + size)))
    out: list[Box] = []
    for _, bx in sorted(found, key=lambda f: -f[0]):
        if any(bx[0] < o[2] and o[0] < bx[2] and bx[1] < o[3] and o[1] < bx[3] for o in out):
            continue
        if any((bx[0] + bx[2]) / 2 < w / 2 and (o[0] + o[2]) / 2 < w / 2 or (bx[0] + bx[2]) / 2 >= w / 2
               and (o[0] + o[2]) / 2 >= w / 2 for o in out):
            continue
        out.append(bx)
        if len(out) == 2:
            break
    return out


def _ring(pr: np.ndarray, box: Box) -> float:
    """How much of a box's outline (an eighth of its side thick) is inked in ``pr``."""
    x0, y0, x1, y1 = box
    sub = pr[max(0, y0) : y1, max(0, x0) : x1]
    if sub.shape[0] < 4 or sub.shape[1] < 4:
        return 0.0
    t = max(1, int(0.12 * min(sub.shape)))
    return float(np.concatenate([sub[:t].ravel(), sub[-t:].ravel(), sub[:, :t].ravel(), sub[:, -t:].ravel()]).mean())


def _twin(pr: np.ndarray, box: Box, x_lo: int, x_hi: int) -> Box | None:
    """The other box of a pair (printed alike, on the same line) between ``x_lo`` and ``x_hi``: where an
    outline of ``box``'s size is best inked (when most rows mark that box, their marks fill it in)."""
    x0, y0, x1, y1 = box
    w = x1 - x0
    best, at = 0.0, None
    for x in range(max(0, x_lo), min(pr.shape[1], x_hi) - w + 1):
        for dy in (-2, -1, 0, 1, 2):
            f = _ring(pr, (x, y0 + dy, x + w, y1 + dy))
            if f > best:
                best, at = f, (x, y0 + dy, x + w, y1 + dy)
    return at if best >= 0.8 else None


def print_mask(sure: np.ndarray, unit: float, split: float | None) -> np.ndarray:
    """The print to leave out of a pair cell's ink: what nearly every row has, widened by a pixel, but not
    the inside of a printed box (when most rows mark one box the same way, their marks are part of that
    print; inside the box they still count). ``split``: a one-cell pair's border (a box found on one side
    has its twin on the other)."""
    mask = cv2.dilate(sure, np.ones((3, 3), np.uint8))
    boxes = find_boxes(sure, unit)
    if split is not None:
        s = int(round(split * sure.shape[1]))
        left = [b for b in boxes if b[2] <= s]
        right = [b for b in boxes if b[0] >= s]
        if left and not right and (twin := _twin(sure, left[0], s, sure.shape[1])) is not None:
            boxes.append(twin)
        elif right and not left and (twin := _twin(sure, right[0], 0, s)) is not None:
            boxes.append(twin)
    for x0, y0, x1, y1 in boxes:
        m = max(1, int(0.12 * min(x1 - x0, y1 - y0))) + 2
        mask[y0 + m : y1 - m, x0 + m : x1 - m] = 0
    return mask


#: a mark stands this many times the column's noise (how much the unmarked options' ink varies) above it,
#: and is sure at twice that
MARK_NOISE = 2.0


def decide_column(got: list[tuple[float, float, float]], yes_first: bool | None) -> list[decode.FieldDecision]:
    """One pair column's marks, from each row's ink on its first and second option and near their border
    (``bot.ocr.foreign``). An unmarked option still shows some ink (blur round its print, a neighbour's
    stroke): the least of the two, as low as in most rows, is taken off (a circle round one option may reach
    into the other), and a mark must stand clear of how much that ink varies from row to row."""
    lows = [min(a, b) for a, b, _ in got]
    floor = float(np.percentile(lows, 25)) if lows else 0.0
    noise = float(np.percentile(lows, 50)) - floor if lows else 0.0
    out = []
    for a, b, border in got:
        a, b = max(0.0, a - floor), max(0.0, b - floor)
        out.append(_decide_pair(*((b, a) if yes_first is False else (a, b)), border, MARK_NOISE * noise))
    return out


def _decide_pair(yes: float, no: float, border: float, noise: float = 0.0) -> decode.FieldDecision:
    hi, lo = max(yes, no), min(yes, no)
    value = yes > no
    if hi < max(MARK_MIN, noise):
        return decode.FieldDecision(None, 0.0, 0.0, 0.0, "", doubts=["no mark"])
    if lo >= MARK_BOTH * hi and lo >= MARK_MIN:
        return decode.FieldDecision(None, 0.0, 0.0, 0.0, "", doubts=["both marked"])
    if border > MARK_ACROSS * (yes + no):
        return decode.FieldDecision(value, 0.3, 0.5, 0.0, "", doubts=["mark across the border"])
    if lo <= MARK_CLEAR * hi and hi >= 2 * noise:
        return decode.FieldDecision(value, 0.99, 0.99, 0.0, "")
    if lo <= MARK_CLEAR * hi:
        return decode.FieldDecision(value, 0.6, 0.8, 0.0, "", doubts=["faint mark"])
    return decode.FieldDecision(value, 0.5, 0.6, 0.0, "", doubts=["unclear mark"])
