"""Forms filled in the way people fill them, drawn at test time: a count written across both digit boxes or
in the right one only, digits too big for their boxes, big ticks off centre whose long stroke leaves the box,
crosses, boxes scribbled in, Chinese numerals."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw

from handlers.offline import synth

#: how each kind of entry is drawn (the test cases and the experiment script pick among them)
PEOPLE_WAYS = ("boxes", "across", "right", "over")
MARK_WAYS = ("tick", "big", "cross", "scribble")
CHINESE = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}


def write_people(img: Image.Image, hand: synth.Hand, box: dict[str, Any], n: int | str, way: str) -> None:
    """Write a head count (a number, or a numeral such as "三" or "两") into a form's 人数 field."""
    (a0, ay0, a1, ay1), (b0, _, b1, _) = box["digits"]
    h = ay1 - ay0
    r = hand.rng
    text = str(n)
    cy = (ay0 + ay1) / 2 + r.gauss(0, 2)
    if way == "boxes" and len(text) == 2:
        for ch, (x0, x1) in zip(text, ((a0, a1), (b0, b1)), strict=True):
            _centred(img, hand, (x0 + x1) / 2, cy, ch, h * r.uniform(0.62, 0.8))
    elif way == "across" or (way == "boxes" and len(text) == 1 and not text.isdigit()):
        _centred(img, hand, (a1 + b0) / 2 + r.gauss(0, 3), cy, text, h * r.uniform(0.9, 1.2))
    elif way == "over":  # too big for the boxes, running over their edges
        x = (b0 + b1) / 2 if len(text) == 1 else (a1 + b0) / 2
        _centred(img, hand, x + r.uniform(-6, 10), cy + r.uniform(-8, 8), text, h * r.uniform(1.15, 1.45))
    else:  # one digit in the right box (or, for "boxes", in the first)
        x0, x1 = (b0, b1) if way == "right" or len(text) > 1 else (a0, a1)
        _centred(img, hand, (x0 + x1) / 2, cy, text, h * r.uniform(0.62, 0.8))


def _centred(img: Image.Image, hand: synth.Hand, cx: float, cy: float, text: str, size: float) -> None:
    est = size * sum(0.95 if ord(c) > 255 else 0.58 for c in text)
    hand.write(img, cx - est / 2, cy, text, size)


def draw_mark(img: Image.Image, hand: synth.Hand, box: Sequence[int], way: str) -> None:
    """Mark a 是/否 box: a neat tick, a big tick (1-1.6x the box, off centre, its long stroke well outside the
    box, up and to the right), a cross, or the box scribbled in."""
    r = hand.rng
    x0, y0, x1, y1 = box
    s = x1 - x0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    d = ImageDraw.Draw(img)
    w = max(2, int(s / r.uniform(9, 12)))
    if way == "tick":
        hand.mark(img, cx + r.gauss(0, 2), cy + r.gauss(0, 2), s * r.uniform(0.8, 1.1), "check")
    elif way == "big":
        k = s * r.uniform(1.0, 1.6)
        vx, vy = cx + r.uniform(-0.3, 0.35) * s, cy + r.uniform(0.0, 0.55) * s  # the vertex: low, off centre
        a = math.radians(r.uniform(35, 60))
        hand.stroke(d, [(vx - 0.3 * k, vy - 0.3 * k), (vx, vy),
                        (vx + k * math.cos(a), vy - k * math.sin(a))], w)
    elif way == "cross":
        hand.mark(img, cx + r.gauss(0, 2), cy + r.gauss(0, 2), s * r.uniform(0.8, 1.2), "cross")
    else:  # scribbled in: a zigzag over the box
        pts = []
        for i in range(r.randint(5, 8)):
            pts.append((x0 + 4 + (s - 8) * (i % 2) + r.gauss(0, 2), y0 + 6 + i * (y1 - y0 - 12) / 7 + r.gauss(0, 2)))
        hand.stroke(d, pts, w)


def fill_like_people(page: Image.Image, layout: dict[str, Any], rows: Sequence[dict[str, Any]], hand: synth.Hand,
                     rng: random.Random, chinese: float = 0.0) -> list[dict[str, Any]]:
    """Fill a printed form the way people do; returns what each row says (the truth) with how it was
    written (``people_way``, ``out_way``, ``returned_way``)."""
    img = page
    truth = []
    for row, values in zip(layout["rows"], rows, strict=False):
        f = row["fields"]
        t = dict(values)
        n = values.get("people")
        if n is not None:
            way = rng.choice(PEOPLE_WAYS)
            text: int | str = CHINESE.get(int(n), n) if rng.random() < chinese else n
            if text == "二" and rng.random() < 0.5:
                text = "两"
            write_people(img, hand, f["people"], text, way)
            t["people_way"] = way if text == n else f"{way} {text}"
        v = values.get("temperature")
        if v is not None:
            units, tenths = f"{float(v):.1f}".replace(".", "")[1:3]
            for ch, b in zip((units, tenths), f["temperature"]["digits"], strict=True):
                _centred(img, hand, (b[0] + b[2]) / 2 + rng.gauss(0, 2), (b[1] + b[3]) / 2 + rng.gauss(0, 2), ch,
                         (b[3] - b[1]) * rng.uniform(0.62, 0.85))
        for k in ("out", "returned"):
            v = values.get(k)
            if v is None:
                continue
            way = rng.choice(MARK_WAYS)
            draw_mark(img, hand, f[k]["yes"] if v else f[k]["no"], way)
            t[f"{k}_way"] = way
        truth.append(t)
    return truth
