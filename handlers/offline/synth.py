"""Synthetic handwriting and phone photos, for the tests, the demo and the benchmark (nothing is committed
as a binary: every picture is drawn at run time).

A :class:`Hand` writes text with a handwriting-like font, one character at a time with jitter in size,
baseline, angle and spacing, and draws ✓ and × as strokes. Given a bank of real handwritten digits
(:class:`handlers.offline.mnist.DigitBank`), it writes the digits of counts and temperatures with those instead
(:meth:`Hand.write_number`). :func:`freehand_table` rules a table by hand
(wobbly, sometimes broken or faint lines) and fills it; :func:`fill_form` fills a printed gridbot form;
:func:`photograph` puts a page in front of a phone camera (perspective, rotation, shadow, blur, noise, JPEG).
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from bot.ocr.fonts import FontFile
from handlers.offline.mnist import DigitBank

INKS = [(25, 30, 110), (20, 20, 25), (30, 35, 70), (10, 40, 140)]

#: header spellings a member might use, per column
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "index": ("序号",),
    "household": ("户主", "姓名"),
    "people": ("人数", "人口"),
    "temperature": ("体温", "温度"),
    "out": ("外出",),
    "returned": ("返乡",),
    "note": ("备注",),
}
NOTES = ("已隔离", "外地务工", "村医已看", "居家观察", "老人独居", "已通知")


@dataclass
class Hand:
    """One writer: a font and habits."""

    font: FontFile
    rng: random.Random
    ink: tuple[int, int, int] = (25, 30, 110)
    jitter: float = 1.0  # 0 = neat, 1 = normal, 2 = sloppy
    slant: float = 0.0  # degrees, the writer's habitual slant
    #: real handwritten digits for counts and temperatures (None: the font's digits)
    digits: DigitBank | None = None
    #: the numbers' own random stream (None: ``rng``); two pages drawn from the same seeds then differ only in
    #: their numbers, so font digits and real digits can be compared photo for photo
    nrng: random.Random | None = None

    @classmethod
    def random(cls, fonts: Sequence[FontFile], rng: random.Random, sloppiness: float = 1.0,
               digits: DigitBank | None = None, nrng: random.Random | None = None) -> Hand:
        return cls(rng.choice(list(fonts)), rng, rng.choice(INKS), sloppiness * rng.uniform(0.6, 1.3),
                   rng.uniform(-6, 6), digits, nrng)

    def write(self, img: Image.Image, x: float, y_mid: float, text: str, size: float, max_w: float | None = None) -> float:
        """Write ``text`` starting at ``x`` centred on ``y_mid``; returns the x after the last character."""
        return self._write(img, x, y_mid, text, size, max_w, self.rng)

    def write_number(self, img: Image.Image, x: float, y_mid: float, text: str, size: float,
                     max_w: float | None = None) -> float:
        """Write a count or a temperature: with the digit bank, each digit is a real handwritten sample
        (scaled to the writing, slanted, inked and placed with this writer's jitter) and the decimal point a pen
        dot or a short dash; without one, like :meth:`write`. Returns the x after the last character."""
        r = self.nrng or self.rng
        if self.digits is None or not self.digits.available:
            return self._write(img, x, y_mid, text, size, max_w, r)
        if not text:
            return x
        j = self.jitter
        size = size * r.uniform(0.92, 1.08)
        if max_w is not None:
            est = size * 0.95 * 0.62 * len(text)
            if est > max_w:
                size *= max_w / est
        dash = r.random() < 0.3  # this number's decimal point: a pen dot or a short dash
        base = y_mid + size * 0.36  # where the digits stand
        for ch in text:
            if ch.isdigit():
                x, base = self._real_digit(img, x, y_mid, int(ch), size, r)
            elif ch in ".·":
                x = self._point(img, x, base, size, dash, r)
            else:
                x = self._write(img, x, y_mid, ch, size, None, r)
            x += size * r.uniform(0.03, 0.12) * j
        return x

    def _real_digit(self, img: Image.Image, x: float, y_mid: float, d: int, size: float,
                    r: random.Random) -> tuple[float, float]:
        """One real digit written from ``x``; returns the x after it and its foot (the baseline)."""
        assert self.digits is not None
        j = self.jitter
        a = self.digits.sample(d, r).astype(np.float32) / 255.0
        ys, xs = np.nonzero(a > 0.2)
        if len(ys) == 0:  # pragma: no cover - every MNIST sample has ink
            return x + size * 0.5, y_mid + size * 0.36
        a = a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        h = size * r.uniform(0.64, 0.8) * r.uniform(1 - 0.05 * j, 1 + 0.05 * j)
        scale = h / a.shape[0]
        w = max(1, round(a.shape[1] * scale * r.uniform(0.9, 1.1)))
        tile = Image.fromarray((a * 255).astype(np.uint8)).resize((w, max(1, round(h))), Image.Resampling.BICUBIC)
        # the pen: MNIST strokes are blurred and thick; a threshold band makes them a pen's (thinner or bolder)
        lo = r.uniform(0.2, 0.55)
        alpha = r.uniform(0.85, 1.0)
        v = np.clip((np.asarray(tile, np.float32) / 255.0 - lo) / 0.25, 0.0, 1.0) * alpha
        pad = max(2, int(h * 0.3))
        v = np.pad(v, pad)
        tile = Image.fromarray((v * 255).astype(np.uint8))
        # per-digit slant (a shear, as handwriting leans) and a small turn
        shear = math.tan(math.radians(self.slant + r.gauss(0, 5.0 * j)))
        tw, th = tile.size
        tile = tile.transform((tw + int(abs(shear) * th), th), Image.Transform.AFFINE,
                              (1, shear, -max(0.0, shear) * th, 0, 1, 0), resample=Image.Resampling.BICUBIC)
        tile = tile.rotate(r.gauss(0, 2.5 * j), resample=Image.Resampling.BICUBIC, expand=True)
        dy = r.gauss(0, 0.05 * size * j)
        px = int(x - pad + r.gauss(0, 0.03 * size * j))
        py = int(y_mid - tile.size[1] / 2 + dy)
        img.paste(Image.new("RGB", tile.size, self._ink(r)), (px, py), tile)
        return x + w + abs(shear) * h * 0.5, y_mid + dy + h / 2

    def _point(self, img: Image.Image, x: float, base: float, size: float, dash: bool, r: random.Random) -> float:
        """The decimal point at the digits' foot: a pen dot, or a short dash; returns the x after it."""
        d = ImageDraw.Draw(img)
        x += size * r.uniform(0.02, 0.1)
        y = base - size * r.uniform(0.0, 0.06)
        if dash:
            length = size * r.uniform(0.1, 0.2)
            rise = length * r.uniform(-0.35, 0.15)
            d.line([(x, y), (x + length, y + rise)], fill=self._ink(r), width=max(2, int(size * r.uniform(0.05, 0.08))))
            return x + length
        rad = max(1.5, size * r.uniform(0.035, 0.065))
        d.ellipse([x, y - 2 * rad, x + 2 * rad * r.uniform(0.8, 1.3), y], fill=self._ink(r))
        return x + 2 * rad

    def _write(self, img: Image.Image, x: float, y_mid: float, text: str, size: float, max_w: float | None,
               r: random.Random) -> float:
        if not text:
            return x
        j = self.jitter
        size = size * r.uniform(0.92, 1.08)
        if max_w is not None:
            est = size * (0.95 * sum(1.0 if ord(c) > 255 else 0.62 for c in text))
            if est > max_w:
                size *= max_w / est
        for ch in text:
            s = max(8, int(size * r.uniform(1 - 0.06 * j, 1 + 0.06 * j)))
            font = self.font.get(s)
            bbox = font.getbbox(ch)
            w, h = max(1, bbox[2] - bbox[0]), max(1, bbox[3] - bbox[1])
            pad = s // 3
            tile = Image.new("L", (w + 2 * pad, h + 2 * pad), 0)
            ImageDraw.Draw(tile).text((pad - bbox[0], pad - bbox[1]), ch, font=font, fill=255)
            angle = self.slant + r.gauss(0, 3.0 * j)
            tile = tile.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
            alpha = r.uniform(0.85, 1.0)
            tile = tile.point(lambda v, a=alpha: int(v * a))
            dy = r.gauss(0, 0.05 * s * j)
            px = int(x - pad + r.gauss(0, 0.03 * s * j))
            py = int(y_mid - tile.size[1] / 2 + dy)
            img.paste(Image.new("RGB", tile.size, self._ink(r)), (px, py), tile)
            adv = w if ord(ch) > 255 else w
            x += adv + s * r.uniform(0.04, 0.16) * (1.0 if ord(ch) > 255 else 0.7)
        return x

    def _ink(self, r: random.Random | None = None) -> tuple[int, int, int]:
        r = r or self.rng
        return tuple(max(0, min(255, c + r.randint(-12, 12))) for c in self.ink)  # type: ignore[return-value]

    def stroke(self, draw: ImageDraw.ImageDraw, pts: Sequence[tuple[float, float]], width: int) -> None:
        """A hand stroke through ``pts``: a slightly curved polyline."""
        out = []
        for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
            bend = self.rng.gauss(0, 0.06 * self.jitter) * math.hypot(x1 - x0, y1 - y0)
            nx, ny = -(y1 - y0), x1 - x0
            n = math.hypot(nx, ny) or 1.0
            for k in range(9):
                t = k / 8
                b = bend * 4 * t * (1 - t)
                out.append((x0 + (x1 - x0) * t + nx / n * b, y0 + (y1 - y0) * t + ny / n * b))
        draw.line(out, fill=self._ink(), width=width, joint="curve")

    def mark(self, img: Image.Image, cx: float, cy: float, size: float, kind: str) -> None:
        """Draw ✓ (``kind="check"``) or × (``"cross"``) centred at (cx, cy)."""
        r = self.rng
        d = ImageDraw.Draw(img)
        s = size * r.uniform(0.85, 1.15)
        w = max(2, int(s / r.uniform(9, 13)))
        jx = lambda: r.gauss(0, 0.06 * s * self.jitter)  # noqa: E731
        if kind == "check":
            p0 = (cx - 0.45 * s + jx(), cy - 0.02 * s + jx())
            p1 = (cx - 0.12 * s + jx(), cy + 0.38 * s + jx())
            p2 = (cx + 0.5 * s + jx(), cy - 0.5 * s + jx())
            self.stroke(d, [p0, p1, p2], w)
        else:
            a = 0.4 * s
            self.stroke(d, [(cx - a + jx(), cy - a + jx()), (cx + a + jx(), cy + a + jx())], w)
            self.stroke(d, [(cx + a + jx(), cy - a + jx()), (cx - a + jx(), cy + a + jx())], w)

    def rule(self, img: Image.Image, p0: tuple[float, float], p1: tuple[float, float], *, width: int = 3,
             color: tuple[int, int, int] | None = None, gaps: int = 0, wobble: float = 1.5) -> None:
        """A hand-ruled line from p0 to p1, wobbly, with ``gaps`` breaks."""
        r = self.rng
        d = ImageDraw.Draw(img)
        length = math.hypot(p1[0] - p0[0], p1[1] - p0[1])
        n = max(2, int(length / 12))
        nx, ny = -(p1[1] - p0[1]) / (length or 1), (p1[0] - p0[0]) / (length or 1)
        off, pts = 0.0, []
        for k in range(n + 1):
            t = k / n
            off = 0.85 * off + r.gauss(0, wobble * 0.5)
            pts.append((p0[0] + (p1[0] - p0[0]) * t + nx * off, p0[1] + (p1[1] - p0[1]) * t + ny * off))
        holes = set()
        for _ in range(gaps):
            c = r.randint(1, n - 1)
            for k in range(c, min(n, c + r.randint(1, 3))):
                holes.add(k)
        col = color or self.ink
        for k in range(n):
            if k not in holes:
                d.line([pts[k], pts[k + 1]], fill=col, width=width)


def paper(w: int, h: int, rng: random.Random) -> Image.Image:
    """A sheet of slightly off-white paper."""
    base = rng.randint(232, 250)
    tint = (base, base - rng.randint(0, 6), base - rng.randint(2, 14))
    arr = np.empty((h, w, 3), np.float32)
    arr[:] = tint
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    arr += nrng.normal(0, 2.0, (h, w, 1))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


@dataclass
class TableSpec:
    """What to draw: the rows (values by key) and the columns in order."""

    rows: list[dict[str, Any]]
    columns: list[str]
    headers: dict[str, str] = field(default_factory=dict)  # key -> header word used
    mark_style: str = "check"  # "check" (✓/×) or "word" (是/否)
    title: str = ""


def random_spec(households: Sequence[str], rng: random.Random, *, shuffle_columns: bool = True,
                with_index: bool | None = None, blanks: float = 0.05, fever: float = 0.08) -> TableSpec:
    """A plausible day's table for these households, with a random column order and header words."""
    rows = []
    for name in households:
        t = round(rng.uniform(36.0, 37.2), 1) if rng.random() > fever else round(rng.uniform(37.3, 39.5), 1)
        row: dict[str, Any] = {
            "household": name,
            "people": rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 6]),
            "temperature": t,
            "out": rng.random() < 0.25,
            "returned": rng.random() < 0.12,
            "note": rng.choice(NOTES) if rng.random() < 0.15 else "",
        }
        for k in ("people", "temperature", "out", "returned"):
            if rng.random() < blanks:
                row[k] = None
        rows.append(row)
    cols = ["household", "people", "temperature", "out", "returned", "note"]
    if shuffle_columns:
        core = cols[1:5]
        rng.shuffle(core)
        cols = ["household", *core, "note"] if rng.random() < 0.7 else [*core[:2], "household", *core[2:], "note"]
    if with_index if with_index is not None else rng.random() < 0.6:
        cols = ["index", *cols]
    headers = {k: rng.choice(HEADER_WORDS[k]) for k in cols}
    return TableSpec(rows, cols, headers, rng.choice(["check", "check", "word"]),
                     rng.choice(["", "2月10日排查登记", "网格排查情况"]))


_WIDTH = {"index": 0.6, "household": 1.6, "people": 0.8, "temperature": 1.1, "out": 0.8, "returned": 0.8, "note": 1.6}


def freehand_table(spec: TableSpec, hand: Hand, *, page: tuple[int, int] = (1240, 1754), faint: bool = False,
                   broken: bool = False, empty_rows: int = 0, ruled: bool = True) -> Image.Image:
    """A page with a hand-ruled table holding ``spec`` (``ruled=False``: the same table written without
    ruling)."""
    r = hand.rng
    W, H = page
    img = paper(W, H, r)
    margin_x = W * r.uniform(0.05, 0.09)
    top = H * r.uniform(0.07, 0.12)
    n = len(spec.rows) + 1 + empty_rows
    row_h = min(H * 0.82 / n, W * 0.075)
    widths = [_WIDTH[c] for c in spec.columns]
    tw = W - 2 * margin_x
    xs = [margin_x]
    for w in widths:
        xs.append(xs[-1] + tw * w / sum(widths) * r.uniform(0.93, 1.07))
    xs[-1] = W - margin_x
    ys = [top]
    for _ in range(n):
        ys.append(ys[-1] + row_h * r.uniform(0.96, 1.04))
    if spec.title:
        hand.write(img, margin_x + tw * 0.25, top - row_h * 0.75, spec.title, row_h * 0.55)
    color = (150, 150, 155) if faint else None
    width = 2 if faint else r.choice([2, 3, 3])
    gaps = 2 if broken else 0
    for y in ys if ruled else ():
        hand.rule(img, (xs[0] - r.uniform(0, 6), y), (xs[-1] + r.uniform(0, 6), y), width=width, color=color,
                  gaps=gaps if r.random() < 0.6 else 0)
    for x in xs if ruled else ():
        hand.rule(img, (x, ys[0] - r.uniform(0, 6)), (x, ys[-1] + r.uniform(0, 6)), width=width, color=color,
                  gaps=gaps if r.random() < 0.6 else 0)
    size = row_h * 0.56
    for c, key in enumerate(spec.columns):
        _cell_text(img, hand, xs[c], xs[c + 1], ys[0], ys[1], spec.headers.get(key, HEADER_WORDS[key][0]), size)
    for i, row in enumerate(spec.rows, start=1):
        for c, key in enumerate(spec.columns):
            x0, x1, y0, y1 = xs[c], xs[c + 1], ys[i], ys[i + 1]
            if key == "index":
                _cell_text(img, hand, x0, x1, y0, y1, str(i), size)
                continue
            v = row.get(key)
            if v is None or v == "":
                continue
            if key in ("out", "returned"):
                if spec.mark_style == "word":
                    _cell_text(img, hand, x0, x1, y0, y1, "是" if v else "否", size)
                else:
                    cx = (x0 + x1) / 2 + r.gauss(0, (x1 - x0) * 0.06)
                    hand.mark(img, cx, (y0 + y1) / 2, row_h * 0.5, "check" if v else "cross")
            elif key == "temperature":
                _cell_text(img, hand, x0, x1, y0, y1, f"{v:.1f}", size, number=True)
            elif key == "people":
                _cell_text(img, hand, x0, x1, y0, y1, str(v), size, number=True)
            else:
                _cell_text(img, hand, x0, x1, y0, y1, str(v), size)
    img.info["table_box"] = (xs[0], ys[0], xs[-1], ys[-1])
    return img


def _cell_text(img: Image.Image, hand: Hand, x0: float, x1: float, y0: float, y1: float, text: str, size: float,
               number: bool = False) -> None:
    r = hand.rng
    w = x1 - x0
    est = size * sum(1.0 if ord(c) > 255 else 0.6 for c in text)
    start = x0 + max(w * 0.08, (w - est) / 2 + r.gauss(0, w * 0.05))
    write = hand.write_number if number else hand.write
    write(img, start, (y0 + y1) / 2 + r.gauss(0, (y1 - y0) * 0.04), text, size, max_w=w * 0.86)


#: what :func:`photograph` can do to a photo besides its usual camera: low light, a strong hard shadow, the paper
#: curled, a finger over a part of the table ("finger") or only on the paper's margin ("thumb"), a part of the
#: table outside the photo ("cut")
CONDITIONS = ("dark", "shadow", "curled", "finger", "thumb", "cut")
#: the conditions under which a part of the table cannot be seen: the reader must ask for a retake
HIDING = ("finger", "cut")
SKIN = [(224, 178, 148), (212, 160, 128), (196, 142, 108), (168, 118, 86), (128, 86, 62)]  # RGB


def table_box(page: Image.Image) -> tuple[float, float, float, float]:
    """Where the table is on a page drawn here (x0, y0, x1, y1 in page pixels; the whole page when unknown)."""
    box = page.info.get("table_box")
    return tuple(box) if box else (0.0, 0.0, float(page.size[0]), float(page.size[1]))  # type: ignore[return-value]


def photograph(page: Image.Image, rng: random.Random, *, strength: float = 1.0, max_side: int = 1280,
               quality: int | None = None, crop_to_page: bool | None = None, condition: str = "") -> bytes:
    """The page as a phone would photograph it: on a desk, in perspective, rotated, shadowed, blurred, JPEG.

    ``condition`` (one of :data:`CONDITIONS`) adds a harder circumstance; "finger" and "cut" hide a part of the
    table (its place on the page is ``page.info["table_box"]``, which :func:`freehand_table` and
    :func:`fill_form` set)."""
    if condition and condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}")
    r = rng
    src = np.ascontiguousarray(np.asarray(page.convert("RGB"))[:, :, ::-1])
    h, w = src.shape[:2]
    page_mask = np.full((h, w), 255, np.uint8)
    if condition == "curled":
        src, page_mask = _curl(src, r)
    tight = crop_to_page if crop_to_page is not None else r.random() < 0.3
    if condition in ("cut", "finger", "thumb"):
        tight = False
    margin = 0.02 if tight else r.uniform(0.06, 0.16)
    cw, ch = int(w * (1 + 2 * margin)), int(h * (1 + 2 * margin))
    desk = np.empty((ch, cw, 3), np.float32)
    desk[:] = r.choice([(70, 90, 120), (40, 60, 90), (120, 130, 140), (60, 60, 60), (90, 110, 150)])
    nrng = np.random.default_rng(r.randint(0, 2**31))
    desk += nrng.normal(0, 8, (ch, cw, 1))
    jit = 0.06 * strength
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    ox, oy = w * margin, h * margin
    dst = np.float32([[x + ox + r.uniform(-jit, jit) * w, y + oy + r.uniform(-jit, jit) * h] for x, y in corners])
    ang = math.radians(r.uniform(-7, 7) * strength)
    cx, cy = cw / 2, ch / 2
    rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]], np.float32)
    dst = (dst - [cx, cy]) @ rot.T + [cx, cy]
    dst = np.clip(dst, 2, [cw - 3, ch - 3])  # the whole page in the picture (a "cut" is made on purpose, below)
    m = cv2.getPerspectiveTransform(corners, dst.astype(np.float32))
    warped = cv2.warpPerspective(src, m, (cw, ch), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                 borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(page_mask, m, (cw, ch))
    out = np.where(mask[:, :, None] > 127, warped.astype(np.float32), desk)
    # shadow: a soft dark region from one side, and uneven light
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    a = r.uniform(0, 2 * math.pi)
    proj = (xx * math.cos(a) + yy * math.sin(a)) / max(cw, ch)
    proj = (proj - proj.min()) / (proj.max() - proj.min() + 1e-6)
    shade = 1.0 - strength * r.uniform(0.05, 0.35) * np.clip((proj - r.uniform(0.3, 0.7)) * 4, 0, 1)
    light = 1.0 - strength * r.uniform(0.0, 0.12) * proj
    out *= (shade * light)[:, :, None]
    box = table_box(page)
    if condition == "shadow":
        out *= _hard_shadow(xx, yy, r)[:, :, None]
    elif condition in ("finger", "thumb"):
        _finger(out, m, (w, h), box, r, cover=condition == "finger")
    sigma = r.uniform(0.0, 1.3) * strength
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    noise = 3.0 * strength
    if condition == "dark":  # low light: under-exposed, warm, noisy, shaken
        out = out * r.uniform(0.28, 0.5) * np.float32([r.uniform(0.7, 0.9), r.uniform(0.88, 1.0), 1.0])
        k = r.choice([3, 5, 7])
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        kernel = cv2.warpAffine(kernel, cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), r.uniform(0, 180), 1.0),
                                (k, k))
        out = cv2.filter2D(out, -1, kernel / max(kernel.sum(), 1e-6))
        noise = r.uniform(6.0, 11.0)
    out += nrng.normal(0, noise, out.shape)
    img = np.clip(out, 0, 255).astype(np.uint8)
    if tight:  # the member framed the page: crop to it
        ys, xs = np.where(mask > 127)
        img = img[max(0, ys.min() - 6) : ys.max() + 6, max(0, xs.min() - 6) : xs.max() + 6]
    elif condition == "cut":
        img = _cut(img, m, box, r)
    hh, ww = img.shape[:2]
    s = max_side / max(hh, ww)
    if s < 1:
        img = cv2.resize(img, (int(ww * s), int(hh * s)), interpolation=cv2.INTER_AREA)
    q = quality if quality is not None else r.randint(55, 88)
    if condition == "dark":
        q = min(q, 70)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid array
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def _curl(src: np.ndarray, r: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """The page curled: bowed across (the rows bend), and one edge rolling up towards the camera, the paper
    darker where it turns away from the light. Returns the page and its mask (where the paper is)."""
    h, w = src.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bow = r.uniform(0.012, 0.035) * h * r.choice([-1, 1])
    map_x = xx.copy()
    map_y = yy - bow * 4 * (xx / w - 0.5) ** 2
    side = r.choice(["right", "bottom", "left"])
    c = r.uniform(0.1, 0.2)  # the share of the page that rolls
    size = h if side == "bottom" else w
    radius = c * size / r.uniform(1.2, 1.8)
    pos = yy if side == "bottom" else xx
    flip = side == "left"
    if side == "bottom":
        map_y = _unroll(map_y, pos, size, 1 - c, radius, flip)
    else:
        map_x = _unroll(map_x, pos, size, 1 - c, radius, flip)
    d = ((size - 1 - pos) if flip else pos) - (1 - c) * size
    shade = 1.0 - 0.45 * np.clip(d / radius, 0, 1)
    out = cv2.remap(src, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    mask = cv2.remap(np.full((h, w), 255, np.uint8), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=0)
    out = np.clip(out.astype(np.float32) * shade[:, :, None], 0, 255).astype(np.uint8)
    return out, mask


def _unroll(base: np.ndarray, pos: np.ndarray, size: int, start: float, radius: float, flip: bool) -> np.ndarray:
    """Source coordinates (along ``pos``'s axis) of a page rolled from ``start`` (a share of ``size``) with
    ``radius``: a position beyond the start shows the flat page at the arc length whose projection it is; past
    the roll's top the paper has turned out of sight."""
    p = (size - 1 - pos) if flip else pos
    s0 = start * size
    d = p - s0
    src = np.where(d < radius, s0 + radius * np.arcsin(np.clip(d / radius, 0, 1)), size + 10.0)
    src = (size - 1 - src) if flip else src
    return np.where(d > 0, src, base).astype(np.float32)


def _hard_shadow(xx: np.ndarray, yy: np.ndarray, r: random.Random) -> np.ndarray:
    """A strong shadow with a fairly sharp edge (the phone's, or the photographer's arm) over a part of the
    photo: the light factor everywhere."""
    ch, cw = xx.shape
    a = r.uniform(0, 2 * math.pi)
    proj = (xx - cw / 2) * math.cos(a) + (yy - ch / 2) * math.sin(a)
    edge = r.uniform(-0.25, 0.25) * max(cw, ch)
    soft = r.uniform(0.005, 0.04) * max(cw, ch)
    # a slightly curved edge
    bend = r.uniform(-0.2, 0.2) * ((xx - cw / 2) * -math.sin(a) + (yy - ch / 2) * math.cos(a)) ** 2 / max(cw, ch)
    inside = np.clip(((proj + bend) - edge) / soft + 0.5, 0, 1)
    depth = r.uniform(0.45, 0.65)
    return (1.0 - depth * inside).astype(np.float32)


def _finger(out: np.ndarray, m: np.ndarray, size: tuple[int, int], box: tuple[float, float, float, float],
            r: random.Random, cover: bool) -> None:
    """A finger (a thumb holding the paper) entering from the left or right: over a part of the table
    (``cover``), or on the paper's margin only. Drawn in place on the photo ``out`` (BGR float)."""
    w, h = size
    left = r.random() < 0.5
    x0, y0, x1, y1 = box
    y = y0 + (y1 - y0) * r.uniform(0.15, 0.75)
    if cover:  # the tip well into the table
        depth = (x0 if left else w - x1) + (x1 - x0) * r.uniform(0.07, 0.16)
    else:  # the tip on the margin, short of the ruling
        depth = (x0 if left else w - x1) * r.uniform(0.25, 0.6)
    edge_x = 0.0 if left else float(w)
    tip_page = (edge_x + depth if left else edge_x - depth, y)

    def to_photo(p: tuple[float, float]) -> tuple[float, float]:
        v = m @ np.array([p[0], p[1], 1.0])
        return float(v[0] / v[2]), float(v[1] / v[2])

    tip = np.array(to_photo(tip_page))
    inward = np.array(to_photo((edge_x + (1 if left else -1) * (depth + 50), y))) - np.array(
        to_photo((edge_x + (1 if left else -1) * depth, y)))
    direction = inward / (np.linalg.norm(inward) or 1.0)
    turn = math.radians(r.uniform(-25, 25))
    direction = np.array([direction[0] * math.cos(turn) - direction[1] * math.sin(turn),
                          direction[0] * math.sin(turn) + direction[1] * math.cos(turn)])
    ch, cw = out.shape[:2]
    width = r.uniform(0.07, 0.1) * w  # a thumb is about 2 cm wide on a 21 cm page (the photo keeps the page's scale)
    rad = width / 2
    tip = tip - direction * rad  # the rounded end reaches the tip
    base = tip - direction * (cw + ch)  # far outside the photo
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    # distance from the segment base..tip; across-coordinate for the shading
    seg = tip - base
    t = np.clip(((xx - base[0]) * seg[0] + (yy - base[1]) * seg[1]) / float(seg @ seg), 0, 1)
    px, py = base[0] + t * seg[0], base[1] + t * seg[1]
    dist = np.sqrt((xx - px) ** 2 + (yy - py) ** 2)
    shadow = np.clip(1 - np.clip(dist - rad, 0, None) / (rad * 0.6), 0, 1) * 0.35
    out *= (1 - shadow)[:, :, None]
    inside = np.clip((rad - dist) / 2.0, 0, 1)
    across = np.clip(dist / rad, 0, 1)
    light = (0.62 + 0.38 * np.sqrt(1 - across**2)).astype(np.float32)
    skin = np.float32(r.choice(SKIN)[::-1]) * r.uniform(0.85, 1.05)
    finger = skin[None, None, :] * light[:, :, None]
    # the nail near the tip: a little lighter
    nail = np.clip(1 - np.sqrt((xx - (tip[0] - direction[0] * rad * 0.9)) ** 2
                               + (yy - (tip[1] - direction[1] * rad * 0.9)) ** 2) / (rad * 0.6), 0, 1)
    finger = finger * (1 + 0.15 * nail[:, :, None])
    out[:] = out * (1 - inside[:, :, None]) + finger * inside[:, :, None]


def _cut(img: np.ndarray, m: np.ndarray, box: tuple[float, float, float, float], r: random.Random) -> np.ndarray:
    """The photo framed so that a part of the table is outside it: the bottom rows (most often), or a side."""
    x0, y0, x1, y1 = box

    def to_photo(p: tuple[float, float]) -> tuple[float, float]:
        v = m @ np.array([p[0], p[1], 1.0])
        return float(v[0] / v[2]), float(v[1] / v[2])

    side = r.choices(["bottom", "right", "left", "top"], weights=[55, 25, 10, 10])[0]
    f = r.uniform(0.55, 0.85)
    hh, ww = img.shape[:2]
    if side in ("bottom", "top"):
        yc = y0 + (y1 - y0) * (f if side == "bottom" else 1 - f)
        ys = [to_photo((x, yc))[1] for x in (x0, (x0 + x1) / 2, x1)]
        cut = int(min(ys) if side == "bottom" else max(ys))
        return img[: max(60, cut)] if side == "bottom" else img[min(hh - 60, cut) :]
    xc = x0 + (x1 - x0) * (f if side == "right" else 1 - f)
    xs = [to_photo((xc, y))[0] for y in (y0, (y0 + y1) / 2, y1)]
    cut = int(min(xs) if side == "right" else max(xs))
    return img[:, : max(60, cut)] if side == "right" else img[:, min(ww - 60, cut) :]


def to_jpeg(img: Image.Image, quality: int = 90, exif_orientation: int | None = None) -> bytes:
    """Encode a page as JPEG, optionally stored rotated with an EXIF orientation tag that undoes it."""
    out = io.BytesIO()
    im = img.convert("RGB")
    if exif_orientation is None:
        im.save(out, "JPEG", quality=quality)
        return out.getvalue()
    undo = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}
    stored = im.transpose(undo[exif_orientation])
    exif = Image.Exif()
    exif[0x0112] = exif_orientation
    stored.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def fill_form(page: Image.Image, layout: dict[str, Any], rows: Sequence[dict[str, Any]], hand: Hand, *,
              like_people: bool = False) -> Image.Image:
    """A printed form page filled in by ``hand``: digits in the boxes, ✓ (or ×) in the 是/否 boxes, notes.

    ``rows`` are values by key in the page's row order (as :func:`random_spec` makes them); a value of None is
    left blank. ``like_people``: filled in the way people fill forms in, not the way the form asks: a one-digit
    count written across both 人数 boxes (or in the right one, or the left), digits bigger than their box or
    off its centre so that they run over its edge, ticks 1-1.6× the box and off centre with the long stroke
    well outside it (up and to the right), × marks, boxes scribbled in."""
    img = page.copy()
    r = hand.rng
    if layout["rows"]:  # the table: its rows and the header above them
        first, last = layout["rows"][0]["box"], layout["rows"][-1]["box"]
        img.info["table_box"] = (first[0], first[1] - (first[3] - first[1]), last[2], last[3])
    for row, values in zip(layout["rows"], rows, strict=False):
        f = row["fields"]
        for key, box in f.items():
            v = values.get(key)
            if key == "household" or v is None or v == "":
                continue
            if key == "note":
                x0, y0, x1, y1 = box
                hand.write(img, x0 + 8, (y0 + y1) / 2, str(v), (y1 - y0) * 0.5, max_w=(x1 - x0) * 0.9)
            elif key == "people":
                digits = str(int(v))
                boxes = box["digits"]
                if len(digits) == 1 and like_people and r.random() < 0.3:  # across both boxes
                    (a0, a1, _, a3), (_, _, b2, _) = boxes
                    boxes = [[(a0 + b2) / 2 - (a3 - a1) / 2, a1, (a0 + b2) / 2 + (a3 - a1) / 2, a3]]
                elif len(digits) == 1:
                    boxes = [boxes[r.choice([0, 1, 1])]]
                for d, b in zip(digits, boxes, strict=False):
                    _digit(img, hand, b, d, like_people)
            elif key == "temperature":
                units, tenths = f"{float(v):.1f}".replace(".", "")[1:3]
                _digit(img, hand, box["digits"][0], units, like_people)
                _digit(img, hand, box["digits"][1], tenths, like_people)
            elif "yes" in box:
                b = box["yes"] if v else box["no"]
                if like_people:
                    _people_mark(img, hand, b)
                    continue
                cx, cy = (b[0] + b[2]) / 2 + r.gauss(0, 2), (b[1] + b[3]) / 2 + r.gauss(0, 2)
                hand.mark(img, cx, cy, (b[2] - b[0]) * r.uniform(0.8, 1.1), "check" if r.random() < 0.85 else "cross")
    return img


def _digit(img: Image.Image, hand: Hand, box: Sequence[float], d: str, like_people: bool = False) -> None:
    x0, y0, x1, y1 = box
    r = hand.rng
    if not like_people:
        size = (y1 - y0) * r.uniform(0.62, 0.8)
        hand.write_number(img, (x0 + x1) / 2 - size * 0.3 + r.gauss(0, 2), (y0 + y1) / 2 + r.gauss(0, 2), d, size)
        return
    over = r.random() < 0.3  # this digit runs over the box's edge: too big, or off its centre
    size = (y1 - y0) * (r.uniform(1.0, 1.35) if over and r.random() < 0.5 else r.uniform(0.62, 0.95))
    off = (x1 - x0) * (r.choice([-1, 1]) * r.uniform(0.2, 0.4) if over else r.gauss(0, 0.06))
    dy = (y1 - y0) * (r.choice([-1, 1]) * r.uniform(0.15, 0.3) if over and r.random() < 0.5 else r.gauss(0, 0.05))
    hand.write_number(img, (x0 + x1) / 2 - size * 0.28 + off, (y0 + y1) / 2 + dy, d, size)


def _people_mark(img: Image.Image, hand: Hand, b: Sequence[float]) -> None:
    """The mark in the chosen 是/否 box as people make it: mostly a tick, often large, off centre, its long
    stroke leaving the box up and to the right; sometimes a ×, or the box scribbled in."""
    r = hand.rng
    x0, y0, x1, y1 = b
    bw, bh = x1 - x0, y1 - y0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    kind = r.choices(["tick", "big", "cross", "scribble"], weights=[35, 40, 15, 10])[0]
    if kind == "tick":
        hand.mark(img, cx + r.gauss(0, 0.1 * bw), cy + r.gauss(0, 0.1 * bh), bw * r.uniform(0.8, 1.1), "check")
    elif kind == "cross":
        hand.mark(img, cx + r.gauss(0, 0.12 * bw), cy + r.gauss(0, 0.12 * bh), bw * r.uniform(0.8, 1.3), "cross")
    elif kind == "big":  # 1-1.6× the box; the vertex in the box, the long stroke well outside it
        s = bw * r.uniform(1.0, 1.6)
        vx, vy = cx + r.uniform(-0.3, 0.15) * bw, cy + r.uniform(0.0, 0.4) * bh
        short = s * r.uniform(0.3, 0.45)
        a_short = math.radians(r.uniform(120, 150))  # up and to the left
        a_long = math.radians(r.uniform(45, 70))  # up and to the right
        p0 = (vx + short * math.cos(a_short), vy - short * math.sin(a_short))
        p2 = (vx + s * 1.05 * math.cos(a_long), vy - s * 1.05 * math.sin(a_long))
        hand.stroke(ImageDraw.Draw(img), [p0, (vx, vy), p2], max(2, int(bw / r.uniform(8, 12))))
    else:  # scribbled in: a zigzag filling most of the box, a little over its edges
        d = ImageDraw.Draw(img)
        m = r.uniform(-0.1, 0.15)
        left, right, top, bottom = x0 + m * bw, x1 - m * bw, y0 + m * bh, y1 - m * bh
        n = r.randint(5, 9)
        pts = [(left + (right - left) * (k % 2) + r.gauss(0, 2), top + (bottom - top) * k / n + r.gauss(0, 2))
               for k in range(n + 1)]
        hand.stroke(d, pts, max(2, int(bw / r.uniform(9, 14))))
