"""The paper and the ink on it, whatever the light, and the plain warps of a page.

Shared by every way a page is read: the ruled table (:mod:`bot.ocr.ruling`), the unruled fallback
(:mod:`bot.ocr.unruled`) and the printed form (:mod:`bot.ocr.form`). The paper's brightness is divided out
(shadows, uneven light), ink is what stays clearly darker, and a photo is worked on at one size.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

#: photos are searched for their table at this size (longest side)
WORK_SIDE = 1600


def background(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness everywhere: a closing wider than any stroke, smoothed (done at a quarter of the
    size: the background varies slowly)."""
    h, w = gray.shape[:2]
    k = max(15, (min(h, w) // 25) | 1)
    f = 4 if min(h, w) >= 400 else 1
    small = cv2.resize(gray, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA) if f > 1 else gray
    ks = max(3, (k // f) | 1)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (ks, ks)))
    bg = cv2.GaussianBlur(bg, (0, 0), ks / 4)
    return cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR) if f > 1 else bg


def normalise(gray: np.ndarray, bg: np.ndarray | None = None) -> np.ndarray:
    """Divide out the paper's background (shadows, uneven light): paper ~255, ink dark. ``bg``: the image's
    :func:`background` when the caller has it already."""
    bg = background(gray) if bg is None else bg
    return cv2.divide(gray, np.maximum(bg, 1), scale=255)


def ink_mask(norm: np.ndarray) -> np.ndarray:
    """Ink pixels (255) of a background-normalised gray image."""
    # ink is clearly darker than paper; faint pencil ruling too, but less so
    _, m = cv2.threshold(norm, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    fixed = (norm < 200).astype(np.uint8) * 255
    m = cv2.bitwise_and(m, fixed) if m.mean() > 60 else cv2.bitwise_or(m, fixed)
    # keep strokes only: solid dark areas (the desk around the page, a thumb) are no ink
    k = max(13, min(norm.shape[:2]) // 60)
    solid = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    if solid.any():  # but not the blot where a bold pen turns (a digit's loop filled in): that is small
        n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
        solid = np.where((stats[:, cv2.CC_STAT_AREA] >= 4 * k * k)[labels] & (labels > 0), 255, 0).astype(np.uint8)
    if solid.any():
        solid = cv2.dilate(solid, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
        m = cv2.bitwise_and(m, cv2.bitwise_not(solid))
    return m


def rotate(img: np.ndarray, angle: float, border: int) -> np.ndarray:
    return cv2.warpAffine(img, _rotation(img.shape[:2], angle), _rotated_size(img.shape[:2], angle),
                          flags=cv2.INTER_LINEAR, borderValue=border)


def _rotated_size(shape: tuple[int, ...], angle: float) -> tuple[int, int]:
    h, w = shape[:2]
    a = math.radians(angle)
    cos, sin = abs(math.cos(a)), abs(math.sin(a))
    return int(h * sin + w * cos), int(h * cos + w * sin)


def _rotation(shape: tuple[int, ...], angle: float) -> np.ndarray:
    h, w = shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    nw, nh = _rotated_size(shape, angle)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return m


def order_quad(pts: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    pts = pts.reshape(-1, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = pts[:, 0] - pts[:, 1]
    return np.float32([pts[np.argmin(s)], pts[np.argmax(d)], pts[np.argmax(s)], pts[np.argmin(d)]])


def quad_homography(quad: np.ndarray, pad: int = 0) -> tuple[np.ndarray, tuple[int, int]]:
    """The homography taking ``quad`` to an upright rectangle with ``pad`` around it, and the output size."""
    tl, tr, br, bl = quad
    w = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    h = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    dst = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    return cv2.getPerspectiveTransform(quad.astype(np.float32), dst), (w + 2 * pad, h + 2 * pad)


def warp_quad(img: np.ndarray, quad: np.ndarray, pad: int = 0, border: int = 255) -> np.ndarray:
    m, size = quad_homography(quad, pad)
    return cv2.warpPerspective(img, m, size, flags=cv2.INTER_LINEAR, borderValue=border)


def work_gray(bgr: np.ndarray) -> np.ndarray:
    """The photo in gray at the working size: a large photo scaled down, a small one up (the strokes and
    kernels are sized for it: a one-pixel line in a small photo is too thin to find)."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    scale = min(2.0, WORK_SIDE / max(gray.shape))
    if scale < 1:
        return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if scale > 1.1:
        return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return gray
