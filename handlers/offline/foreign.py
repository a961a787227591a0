"""Synthetic registers that gridbot did not print: a village committee's own 登记表, printed in a word
processor and filled in by hand (for the tests and the benchmark's ``other`` set; drawn at run time).

A register has a printed title, often a village and date line, a ruled table with a printed header row, the
households' names printed in rows, a count column (printed, or left for the member to write in), and one
check-box pair per yes/no field: ``是□ 否□`` or ``□有 □无`` within one cell, or two sub-columns under a
merged header (``是否外出`` over ``是 | 否``). Columns come in any order, and some are of no interest to
gridbot (联系电话, 身份证号: the numbers drawn are random). The member marks one box of each pair with a
✓ (often larger than the box, off centre, its long stroke well outside), a ×, a scribbled-in box, or a
circle around the word; a few pairs are left blank. Some registers have spare rows below the households
(numbered, their boxes printed), and now and then a household the committee did not print is written into
the first of them by hand; a count left for the member is sometimes written in Chinese numerals (三, 两).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from bot.ocr.fonts import FontFile, print_font
from handlers.offline import synth

#: printed faces a word processor would use (Debian's fonts-noto-cjk and fonts-arphic-ukai), where present
_FACES = (
    FontFile("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    FontFile("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    FontFile("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
)
_BOLD = (
    FontFile("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    FontFile("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
)

#: yes/no fields and how registers head them
YES_NO_HEADERS: dict[str, tuple[str, ...]] = {
    "out": ("是否外出", "外出", "近期是否外出"),
    "returned": ("是否返乡", "返乡", "是否返村"),
    "fever": ("有无发热", "是否发热", "发热"),
    "isolated": ("是否隔离", "居家隔离"),
}
HEADERS: dict[str, tuple[str, ...]] = {
    "index": ("序号", "编号"),
    "household": ("户主姓名", "户主", "姓名"),
    "people": ("人数", "家庭人口", "在家人数", "人口"),
    "temperature": ("体温", "体温(℃)"),
    "phone": ("联系电话", "电话"),
    "idcard": ("身份证号", "身份证号码"),
    "address": ("住址", "家庭住址"),
    "note": ("备注",),
}
#: columns of no interest to gridbot (their contents must never be read into a report, nor logged)
OTHER_COLUMNS = ("phone", "idcard", "address")
TITLES = ("疫情防控排查登记表", "返乡人员排查登记表", "村民健康情况登记表", "居家观察登记表", "疫情防控入户排查表")
_WIDTH = {"index": 0.55, "household": 1.3, "people": 0.8, "temperature": 0.9, "phone": 1.5, "idcard": 2.1,
          "address": 1.5, "note": 1.1}
MARK_KINDS = ("check", "cross", "fill", "circle")
Rect = tuple[float, float, float, float]


@dataclass
class RegisterSpec:
    """What to draw: the rows (values by key, the truth), the columns in order, and the register's style."""

    rows: list[dict[str, Any]]
    columns: list[str]
    headers: dict[str, str]
    #: "cell": both boxes of a pair in one cell; "sub": two sub-columns under a merged header
    pairs: str = "cell"
    #: per yes/no key: the words of its pair, ("是", "否") or ("有", "无")
    words: dict[str, tuple[str, str]] = field(default_factory=dict)
    box_first: bool = False  # "□有 □无" rather than "有□ 无□"
    sub_boxes: bool = True  # in the "sub" layout, a □ printed in each sub-cell
    counts_printed: bool = True
    title: str = ""
    village_line: str = ""
    landscape: bool = False
    #: the writer's usual mark, and how often another one is used
    mark: str = "check"
    #: (row index, key) pairs marked in both boxes (for the tests)
    both: set[tuple[int, str]] = field(default_factory=set)
    line_width: int = 0  # the ruling's width in pixels (0: drawn at random)
    #: empty rows printed below the households (numbered, with their boxes), for households added by hand
    spare: int = 0
    #: counts written in as Chinese numerals (三, 两) rather than digits
    numerals: bool = False


def random_register(households: Sequence[str], rng: random.Random, *, strangers: Sequence[str] = (),
                    blanks: float = 0.03, pairs: str | None = None) -> RegisterSpec:
    """A plausible register for these households: a random layout, column order and header words; now and
    then a household that is not the member's (from ``strangers``) printed among them."""
    names = list(households)
    if rng.random() < 0.3:
        rng.shuffle(names)
    truth: list[dict[str, Any]] = [{"household": n} for n in names]
    for s in rng.sample(list(strangers), min(len(strangers), rng.choice([0, 0, 1, 2]))):
        truth.insert(rng.randint(0, len(truth)), {"household": s, "stranger": True})
    yes_no = [k for k in YES_NO_HEADERS if k in ("out", "returned") or rng.random() < 0.5]
    cols: list[str] = ["household", "people", *yes_no]
    if rng.random() < 0.35:
        cols.append("temperature")
    rng.shuffle(cols)
    if rng.random() < 0.7:  # the names usually come first (not always)
        cols.remove("household")
        cols.insert(0, "household")
    for other in OTHER_COLUMNS:
        if rng.random() < 0.35:
            cols.insert(rng.randint(1, len(cols)), other)
    if rng.random() < 0.7:
        cols.insert(0, "index")
    if rng.random() < 0.4:
        cols.append("note")
    has_temp = "temperature" in cols
    for row in truth:
        row["people"] = rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 6])
        t = round(rng.uniform(36.0, 37.2), 1) if rng.random() > 0.06 else round(rng.uniform(37.3, 39.5), 1)
        row["temperature"] = t if has_temp else None
        for k in YES_NO_HEADERS:
            p = {"out": 0.25, "returned": 0.15, "fever": 0.05, "isolated": 0.1}[k]
            row[k] = (rng.random() < p) if k in cols else None
            if k in cols and rng.random() < blanks:
                row[k] = None
        if has_temp and rng.random() < blanks:
            row["temperature"] = None
        row["note"] = ""
    spare = rng.choice([0, 0, 1, 2, 3])
    if spare and len(truth) > 1 and rng.random() < 0.35:
        # a household the committee did not print, written in by hand in the first spare row
        written = next((i for i in range(len(truth) - 1, -1, -1) if not truth[i].get("stranger")), None)
        if written is not None:
            truth.append({**truth.pop(written), "written": True})
            spare -= 1
    layout = pairs or rng.choice(["cell", "cell", "sub"])
    youwu = rng.random() < 0.3  # every pair as 有/无, else 有/无 for 有无… headers only
    headers = {k: rng.choice(YES_NO_HEADERS[k] if k in YES_NO_HEADERS else HEADERS[k]) for k in cols}
    words = {k: ("有", "无") if youwu or headers[k].startswith("有无") else ("是", "否") for k in yes_no}
    counts_printed = rng.random() < 0.5
    if not counts_printed:
        for row in truth:
            if rng.random() < blanks:
                row["people"] = None
    return RegisterSpec(
        truth, cols, headers, layout, words, box_first=rng.random() < 0.4, sub_boxes=rng.random() < 0.5,
        counts_printed=counts_printed, title=rng.choice(("东风村", "青山镇东风村", "")) + rng.choice(TITLES),
        village_line=rng.choice(("", "村（社区）：东风村        日期：2020年2月10日", "填表日期：2020年2月10日",
                                 "网格：第一网格    排查人：")),
        landscape=len(cols) >= 8 and rng.random() < 0.6,
        mark=rng.choice(["check", "check", "check", "cross", "fill", "circle"]), spare=spare,
        numerals=not counts_printed and rng.random() < 0.3)


def _numeral(n: int, r: random.Random) -> str:
    """A head count as older members write it: 一 … 十, 两 for two (now and then 人 after it)."""
    word = "两" if n == 2 and r.random() < 0.6 else "零一二三四五六七八九十"[n] if n <= 10 else str(n)
    return word + ("人" if r.random() < 0.2 else "")


def _face(rng: random.Random, bold: bool = False) -> FontFile:
    faces = [f for f in (_BOLD if bold else _FACES) if Path(f.path).exists()]
    return rng.choice(faces) if faces else print_font()


def _text(d: ImageDraw.ImageDraw, face: FontFile, cx: float, cy: float, text: str, size: int,
          max_w: float | None = None, fill: tuple[int, int, int] = (25, 25, 25)) -> None:
    """Printed text centred at (cx, cy), shrunk to ``max_w``."""
    font = face.get(size)
    box = font.getbbox(text)
    w = box[2] - box[0]
    if max_w is not None and w > max_w and size > 10:
        _text(d, face, cx, cy, text, max(10, int(size * max_w / w)), None, fill)
        return
    h = box[3] - box[1]
    d.text((cx - w / 2 - box[0], cy - h / 2 - box[1]), text, font=font, fill=fill)


def _box(d: ImageDraw.ImageDraw, cx: float, cy: float, s: float, width: int) -> Rect:
    b = (cx - s / 2, cy - s / 2, cx + s / 2, cy + s / 2)
    d.rectangle(b, outline=(25, 25, 25), width=width)
    return b


def draw_register(spec: RegisterSpec, hand: synth.Hand, rng: random.Random | None = None) -> Image.Image:
    """The printed register, filled in by ``hand``."""
    r = rng or hand.rng
    W, H = (1754, 1240) if spec.landscape else (1240, 1754)
    img = synth.paper(W, H, r)
    d = ImageDraw.Draw(img)
    face = _face(r)
    margin = W * r.uniform(0.05, 0.08)
    y = H * r.uniform(0.05, 0.08)
    if spec.title:
        _text(d, _face(r, bold=True), W / 2, y, spec.title, int(W * 0.028))
        y += W * 0.045
    if spec.village_line:
        f = face.get(int(W * 0.016))
        d.text((margin, y - W * 0.01), spec.village_line, font=f, fill=(25, 25, 25))
        y += W * 0.035
    sub = spec.pairs == "sub"
    n_head = 2 if sub else 1
    n = len(spec.rows) + spec.spare + n_head
    row_h = min((H - y - H * 0.06) / n, W * 0.06)
    # column widths: a pair needs room for two boxes
    parts: list[tuple[str, int]] = []  # (key, sub-column: -1 none, 0 yes, 1 no)
    widths: list[float] = []
    for k in spec.columns:
        if k in YES_NO_HEADERS:
            if sub:
                parts += [(k, 0), (k, 1)]
                widths += [0.6, 0.6]
            else:
                parts.append((k, -1))
                widths.append(1.45)
        else:
            parts.append((k, -1))
            widths.append(_WIDTH[k])
    tw = W - 2 * margin
    xs = [margin]
    for w in widths:
        xs.append(xs[-1] + tw * w / sum(widths))
    ys = [y + i * row_h for i in range(n + 1)]
    lw = spec.line_width or r.choice([1, 2, 2, 3])
    text_size = int(row_h * r.uniform(0.36, 0.46))
    box_s = row_h * r.uniform(0.32, 0.42)
    # ruling: the outline and the row lines; the sub-header line only under the merged headers
    for i, yy in enumerate(ys):
        if sub and i == 1:
            for j, (_, s) in enumerate(parts):
                if s >= 0:
                    d.line([(xs[j], yy), (xs[j + 1], yy)], fill=(25, 25, 25), width=lw)
            continue
        d.line([(xs[0], yy), (xs[-1], yy)], fill=(25, 25, 25), width=lw)
    for j, x in enumerate(xs):
        top = ys[1] if sub and 0 < j < len(parts) and parts[j][1] == 1 else ys[0]
        d.line([(x, top), (x, ys[-1])], fill=(25, 25, 25), width=lw)
    # the header
    j = 0
    while j < len(parts):
        k, s = parts[j]
        if s == 0:  # a merged header over its two sub-columns
            _text(d, face, (xs[j] + xs[j + 2]) / 2, (ys[0] + ys[1]) / 2, spec.headers[k], text_size,
                  max_w=xs[j + 2] - xs[j] - 8)
            for q in (0, 1):
                _text(d, face, (xs[j + q] + xs[j + q + 1]) / 2, (ys[1] + ys[2]) / 2, spec.words[k][q], text_size)
            j += 2
            continue
        _text(d, face, (xs[j] + xs[j + 1]) / 2, (ys[0] + ys[n_head]) / 2, spec.headers[k], text_size,
              max_w=xs[j + 1] - xs[j] - 8)
        j += 1
    # the body: the printed part, then the member's ink; the spare rows only printed
    blank: dict[str, Any] = {"household": None, "people": None, "temperature": None, "spare": True}
    for i, row in enumerate([*spec.rows, *[blank] * spec.spare]):
        y0, y1 = ys[n_head + i], ys[n_head + i + 1]
        cy = (y0 + y1) / 2
        for j, (k, s) in enumerate(parts):
            x0, x1 = xs[j], xs[j + 1]
            cx = (x0 + x1) / 2
            if k == "index":
                _text(d, face, cx, cy, str(i + 1), text_size)
            elif k == "household" and row.get("written"):
                synth._cell_text(img, hand, x0, x1, y0, y1, row["household"], row_h * 0.5)
            elif k == "household":
                if row["household"] is not None:
                    _text(d, face, cx, cy, row["household"], text_size, max_w=x1 - x0 - 8)
            elif row.get("spare") or row.get("written") and k in OTHER_COLUMNS:
                if k in YES_NO_HEADERS:
                    _pair(d, face, spec, k, s, x0, x1, cy, box_s, text_size, lw)
            elif k == "phone":
                _text(d, face, cx, cy, "1" + r.choice("3589") + "".join(r.choice("0123456789") for _ in range(9)),
                      int(text_size * 0.85), max_w=x1 - x0 - 8)
            elif k == "idcard":
                digits = "".join(r.choice("0123456789") for _ in range(17)) + r.choice("0123456789X")
                _text(d, face, cx, cy, digits, int(text_size * 0.8), max_w=x1 - x0 - 8)
            elif k == "address":
                _text(d, face, cx, cy, f"东风村一组{r.randint(1, 50)}号", int(text_size * 0.85), max_w=x1 - x0 - 8)
            elif k == "people":
                if row["people"] is not None:
                    if spec.counts_printed and not row.get("written"):
                        _text(d, face, cx, cy, str(row["people"]), text_size)
                    elif spec.numerals:
                        synth._cell_text(img, hand, x0, x1, y0, y1, _numeral(row["people"], r), row_h * 0.5)
                    else:
                        synth._cell_text(img, hand, x0, x1, y0, y1, str(row["people"]), row_h * 0.56, number=True)
            elif k == "temperature":
                if row["temperature"] is not None:
                    synth._cell_text(img, hand, x0, x1, y0, y1, f"{row['temperature']:.1f}", row_h * 0.5,
                                     number=True)
            elif k in YES_NO_HEADERS:
                options = _pair(d, face, spec, k, s, x0, x1, cy, box_s, text_size, lw)
                v = row.get(k)
                chosen = [0, 1] if (i, k) in spec.both else ([] if v is None else [0 if v else 1])
                for q in chosen:
                    if q in options:
                        _mark(img, hand, r, spec.mark, *options[q])
    return img


def _pair(d: ImageDraw.ImageDraw, face: FontFile, spec: RegisterSpec, key: str, s: int, x0: float, x1: float,
          cy: float, box_s: float, text_size: int,
          lw: int) -> dict[int, tuple[Rect | None, Rect]]:
    """Print one cell of a pair; returns the options in it (0 yes, 1 no): its box (None: a sub-cell without
    one) and the box with its word, where the marks go."""
    width = max(1, min(2, lw))
    if s >= 0:  # a sub-column: one option per cell
        cx = (x0 + x1) / 2
        if spec.sub_boxes:
            b = _box(d, cx, cy, box_s, width)
            return {s: (b, b)}
        area = (cx - box_s / 2, cy - box_s / 2, cx + box_s / 2, cy + box_s / 2)
        return {s: (None, area)}
    out: dict[int, tuple[Rect | None, Rect]] = {}
    w = x1 - x0
    for q, word in enumerate(spec.words[key]):
        ox = x0 + w * (0.27 + 0.46 * q)  # each option's centre
        gap = 0.1 * text_size
        if spec.box_first:
            bx, tx = ox - gap / 2 - box_s / 2, ox + gap / 2 + text_size / 2
        else:
            tx, bx = ox - gap / 2 - text_size / 2, ox + gap / 2 + box_s / 2
        b = _box(d, bx, cy, box_s, width)
        _text(d, face, tx, cy, word, text_size)
        lo, hi = min(b[0], tx - text_size / 2), max(b[2], tx + text_size / 2)
        out[q] = (b, (lo, cy - text_size / 2, hi, cy + text_size / 2))
    return out


def _mark(img: Image.Image, hand: synth.Hand, r: random.Random, usual: str, box: Rect | None, option: Rect) -> None:
    """The member's mark on one option: a ✓ (1-1.6 times the box, off centre, its long stroke running up and
    to the right out of the box), a ×, the box scribbled in, or a circle around the word and box."""
    kind = usual if r.random() < 0.85 else r.choice(MARK_KINDS)
    if box is None:
        box = option
    if kind == "circle" and option == box:  # no word beside the box to circle
        kind = "check"
    x0, y0, x1, y1 = box
    s = x1 - x0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if kind == "check":
        size = s * r.uniform(1.0, 1.6)
        hand.mark(img, cx + r.gauss(0.15, 0.15) * s, cy - r.uniform(0.0, 0.3) * s, size, "check")
    elif kind == "cross":
        hand.mark(img, cx + r.gauss(0, 0.1) * s, cy + r.gauss(0, 0.1) * s, s * r.uniform(0.9, 1.3), "cross")
    elif kind == "fill":
        d = ImageDraw.Draw(img)
        pts = []
        for k in range(int(r.uniform(5, 9))):
            yy = y0 + (k + 0.5) / 8 * s + r.gauss(0, 1)
            pts += [(x0 + r.uniform(0, 3), yy), (x1 - r.uniform(0, 3), yy + r.gauss(0, 2))]
        d.line(pts, fill=hand._ink(), width=max(3, int(s / 5)), joint="curve")
    else:
        d = ImageDraw.Draw(img)
        ox0, oy0, ox1, oy1 = option
        px, py = 0.25 * (ox1 - ox0) + 4, 0.45 * (oy1 - oy0) + 4
        e = [ox0 - px + r.gauss(0, 2), oy0 - py + r.gauss(0, 2), ox1 + px + r.gauss(0, 2), oy1 + py + r.gauss(0, 2)]
        d.ellipse(e, outline=hand._ink(), width=max(2, int(s / 9)))
