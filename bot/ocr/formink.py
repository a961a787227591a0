"""The member's writing on a gridbot form, told apart from the print and given to the fields it belongs to.

The photo is warped onto the form's layout, so what was printed is known: the page is rendered again (the
reference, :func:`bot.ocr.form.read_form` does it) and its print is taken out of the photo. The grey boxes
and ruling go where the photo is no darker than grey print is, the black labels (是, 否, the printed 3 and
point) wherever they are. What stays is the member's ink, grouped into strokes (connected across small gaps).

Each stroke is given to one field, by where its ink lies: every box has a zone, the box and the space around
it where a hurried hand's writing lands (a big tick's long stroke leaves its box up and to the right; a
digit runs over its box's edge). The stroke goes to the box whose zone holds most of it (a point of a zone
counts for the box it is nearest to); a stroke mostly outside every zone (a note running over, a stray line)
belongs to none, and one split nearly evenly between two boxes is doubted. So a tick is judged by all of its
ink, not just the part inside its box, and a neighbour's long stroke is not taken for a mark.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

Rect = Sequence[int]  # [x0, y0, x1, y1] in page pixels

#: the paper is ~255 on a normalised page; the member's ink is darker than this
INK = 205
#: on a printed grey line (~200-215 on a photo), ink must be this dark to be told from the line
ON_LINE = 150
#: in the reference, black print is darker than this, grey print (the dropout boxes, ruling) lighter
BLACK = 128
GREY = 245
#: strokes of fewer pixels are specks (JPEG, paper grain)
MIN_AREA = 10
#: a stroke with less of its ink inside the zones than this share belongs to no field
IN_ZONES = 0.5
#: a stroke with at least this share of its ink in another field's zone is split between the fields
SPLIT = 0.25


@dataclass
class Zone:
    """Where one field's writing may land: ``box`` the printed box (distances are measured to it), ``zone``
    the area around it."""

    key: Hashable
    box: Rect
    zone: Rect
    field: Hashable = None  # the field the box is part of (a 是 box and its 否 box are one field)


@dataclass
class Share:
    """The ink given to one zone (in dark-pixel equivalents), the share of it that lay nearer another box
    of the same field (0: none), and where it is: (stroke, zone) pairs, zone -1 for the whole stroke, else
    the part of the stroke in that zone's place (a stroke that runs into another field's writing is
    split between them)."""

    weight: float = 0.0
    elsewhere: float = 0.0
    parts: list[tuple[int, int]] = field(default_factory=list)

    @property
    def divided(self) -> float:
        return self.elsewhere / self.weight if self.weight > 0 else 0.0


@dataclass
class Strokes:
    """The member's ink on a part of a page (from ``origin``, in page pixels): the mask, each pixel's
    darkness, its stroke, and (once :func:`assign` ran) the zone each place belongs to."""

    page: np.ndarray  # the normalised page (gray), that part of it
    mask: np.ndarray  # the member's ink (bool)
    weight: np.ndarray  # darkness per pixel (float32, 0 outside the ink)
    labels: np.ndarray  # stroke id per pixel (0: none)
    n_strokes: int
    black: np.ndarray  # the black print, widened by the placement's tolerance (bool)
    origin: tuple[int, int] = (0, 0)
    owner: np.ndarray | None = None  # zone index per pixel (-1: none)

    def crop(self, share: Share, limit: Rect, keep_print: Rect | None = None, margin: int = 6) -> np.ndarray | None:
        """The share's ink alone on white paper, cut around it within ``limit`` (page pixels); with
        ``keep_print`` the black print inside that box is kept as photographed (a temperature's printed 3
        and point, which the recogniser reads with the writing). None: no ink there."""
        if not share.parts:
            return None
        ox, oy = self.origin
        H, W = self.mask.shape
        x0, y0 = max(0, int(limit[0]) - ox), max(0, int(limit[1]) - oy)
        x1, y1 = min(W, int(limit[2]) - ox), min(H, int(limit[3]) - oy)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return None
        lab = self.labels[y0:y1, x0:x1]
        whole = [s for s, z in share.parts if z < 0]
        mine = np.isin(lab, np.asarray(whole)) if whole else np.zeros(lab.shape, bool)
        if self.owner is not None:
            own = self.owner[y0:y1, x0:x1]
            for s, z in share.parts:
                if z >= 0:
                    mine |= (lab == s) & ((own == z) | (own < 0))
        mine &= self.mask[y0:y1, x0:x1]
        if not mine.any():
            return None
        ys, xs = np.nonzero(mine)
        cx0, cy0, cx1, cy1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        if keep_print is not None:
            px0, py0 = max(0, int(keep_print[0]) - ox - x0), max(0, int(keep_print[1]) - oy - y0)
            px1, py1 = max(0, int(keep_print[2]) - ox - x0), max(0, int(keep_print[3]) - oy - y0)
            printed = np.zeros_like(mine)
            printed[py0:py1, px0:px1] = True
            mine |= printed & self.black[y0:y1, x0:x1]
            cx0, cy0, cx1, cy1 = min(cx0, px0), min(cy0, py0), max(cx1, px1), max(cy1, py1)
        mine = cv2.dilate(mine.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))) > 0
        cx0, cy0 = max(0, cx0 - margin), max(0, cy0 - margin)
        cx1, cy1 = min(x1 - x0, cx1 + margin), min(y1 - y0, cy1 + margin)
        g = self.page[y0:y1, x0:x1]
        return np.where(mine, g, 255).astype(np.uint8)[cy0:cy1, cx0:cx1]


#: how far (pixels) the print may lie from where the warp puts it, at most (a curled page, a lens)
SHIFT = 6


def align(reference: np.ndarray, page: np.ndarray, bands: Sequence[tuple[int, int]], x0: int, x1: int) -> np.ndarray:
    """The reference with each horizontal band (a row of the form, page pixels) moved to where its print is
    in the photo: the warp by a few markers is off by a pixel or more in places (a curled page, a lens), and
    the print's edges would be taken for the member's ink."""
    out = reference.copy()
    H, W = page.shape
    x0, x1 = max(SHIFT, x0), min(W - SHIFT, x1)
    for y0, y1 in bands:
        if y0 - SHIFT < 0 or y1 + SHIFT > H or y1 - y0 < 8 or x1 - x0 < 8:
            continue
        tpl = reference[y0:y1, x0:x1].astype(np.float32)
        if float(tpl.min()) > BLACK:  # nothing printed to align by
            continue
        search = page[y0 - SHIFT : y1 + SHIFT, x0 - SHIFT : x1 + SHIFT].astype(np.float32)
        res = cv2.matchTemplate(search, tpl, cv2.TM_SQDIFF)
        _, _, (bx, by), _ = cv2.minMaxLoc(res)
        dx, dy = bx - SHIFT, by - SHIFT
        if dx or dy:
            out[y0:y1, x0:x1] = 255
            out[y0 + max(0, dy) : y1 + min(0, dy), x0 + max(0, dx) : x1 + min(0, dx)] = \
                reference[y0 + max(0, -dy) : y1 - max(0, dy), x0 + max(0, -dx) : x1 - max(0, dx)]
    return out


def member_ink(page: np.ndarray, reference: np.ndarray, area: Rect, tolerance: int = 2) -> Strokes:
    """The member's ink on a normalised, warped ``page`` within ``area``: what is darker than the paper and
    not the print of ``reference`` (the form as printed, gray, same size). ``tolerance`` is how far (pixels)
    the print may lie from where the layout puts it."""
    H, W = page.shape
    x0, y0, x1, y1 = max(0, area[0]), max(0, area[1]), min(W, area[2]), min(H, area[3])
    g = page[y0:y1, x0:x1]
    ref = reference[y0:y1, x0:x1]
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * tolerance + 1, 2 * tolerance + 1))
    black = cv2.dilate((ref < BLACK).astype(np.uint8), k) > 0
    grey = (cv2.dilate((ref < GREY).astype(np.uint8), k) > 0) & ~black
    mask = np.where(grey, g < ON_LINE, g < INK) & ~black
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] < MIN_AREA
    small[0] = True
    mask &= ~small[labels]
    # the pieces of one stroke cut apart by the print taken out (a tick across a printed line or label) are
    # one stroke again; strokes that merely come close on the paper stay apart
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                                                 (7, 7)))
    joined = (mask | ((closed > 0) & (black | grey))).astype(np.uint8)
    n, labels = cv2.connectedComponents(joined, connectivity=8)
    labels = np.where(mask, labels, 0).astype(np.int32)
    weight = np.where(mask, np.clip(215.0 - g.astype(np.float32), 0.0, None) / 100.0, 0.0).astype(np.float32)
    return Strokes(g, mask, weight, labels, int(n), black, (x0, y0))


def assign(strokes: Strokes, zones: Sequence[Zone]) -> dict[Hashable, Share]:
    """Give every stroke to the zone holding most of its ink (see the module's docstring)."""
    out = {z.key: Share() for z in zones}
    if not zones:
        return out
    H, W = strokes.mask.shape
    ox, oy = strokes.origin
    zones_here = [[int(v) - o for v, o in zip(z.zone, (ox, oy, ox, oy), strict=True)] for z in zones]
    boxes_here = [[float(v) - o for v, o in zip(z.box, (ox, oy, ox, oy), strict=True)] for z in zones]
    ax0 = max(0, min(z[0] for z in zones_here))
    ay0 = max(0, min(z[1] for z in zones_here))
    ax1 = min(W, max(z[2] for z in zones_here))
    ay1 = min(H, max(z[3] for z in zones_here))
    own_all = np.full((H, W), -1, np.int32)
    own = own_all[ay0:ay1, ax0:ax1]
    dist = np.full(own.shape, np.inf, np.float32)
    for i, (zr, br) in enumerate(zip(zones_here, boxes_here, strict=True)):
        zx0, zy0 = max(ax0, zr[0]), max(ay0, zr[1])
        zx1, zy1 = min(ax1, zr[2]), min(ay1, zr[3])
        if zx1 <= zx0 or zy1 <= zy0:
            continue
        xs = np.arange(zx0, zx1, dtype=np.float32)
        ys = np.arange(zy0, zy1, dtype=np.float32)
        bx0, by0, bx1, by1 = br
        dx = np.maximum(np.maximum(bx0 - xs, 0.0), xs - bx1)
        dy = np.maximum(np.maximum(by0 - ys, 0.0), ys - by1)
        d = np.hypot(dx[None, :], dy[:, None])
        sub_d = dist[zy0 - ay0 : zy1 - ay0, zx0 - ax0 : zx1 - ax0]
        sub_o = own[zy0 - ay0 : zy1 - ay0, zx0 - ax0 : zx1 - ax0]
        nearer = d < sub_d
        sub_d[nearer] = d[nearer]
        sub_o[nearer] = i
    strokes.owner = own_all
    lab_all = strokes.labels
    n_lab = strokes.n_strokes
    m = strokes.mask
    total = np.bincount(lab_all[m], weights=strokes.weight[m], minlength=n_lab)
    sub_m = m[ay0:ay1, ax0:ax1] & (own >= 0)
    lab = lab_all[ay0:ay1, ax0:ax1][sub_m].astype(np.int64)
    ow = own[sub_m].astype(np.int64)
    per = np.bincount(lab * len(zones) + ow, weights=strokes.weight[ay0:ay1, ax0:ax1][sub_m],
                      minlength=n_lab * len(zones)).reshape(n_lab, len(zones))
    inside = per.sum(axis=1)
    for s in np.nonzero(inside > 0)[0]:
        if s == 0 or inside[s] < IN_ZONES * total[s]:
            continue
        order = np.argsort(-per[s])
        best = int(order[0])
        field_of = zones[best].field
        others = [int(z) for z in order[1:] if per[s, z] >= SPLIT * inside[s] and zones[int(z)].field != field_of]
        if not others:  # one field's: all of it to the box holding most, doubted as far as the other box holds
            got = out[zones[best].key]
            got.weight += float(total[s])
            got.elsewhere += float(total[s]) * (1.0 - float(per[s, best] / inside[s]))
            got.parts.append((int(s), -1))
            continue
        # the writing of two fields run together (a big digit touching the next row's): split by place
        for z in (best, *others):
            got = out[zones[z].key]
            got.weight += float(per[s, z]) + (float(total[s] - inside[s]) if z == best else 0.0)
            got.parts.append((int(s), z))
    return out
