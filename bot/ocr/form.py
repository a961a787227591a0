"""Printable forms: render a member's households on A4, recognise a photo of one, read it by its layout.

A form has four ArUco corner markers, a QR code holding its id (also printed as text), the households'
names pre-printed in roster order, digit boxes for the number of people, the temperature pre-printed as
``3_._`` with two digit boxes, and 是/否 check boxes for the yes/no fields. Boxes and ruling are printed in
a light grey "dropout" colour so that only the member's ink is read. A photo with at least three of the
markers is warped back onto the page, and every field is read at its known place.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw

from bot.config.ocr import OcrConfig
from bot.core.model import Member
from bot.core.template import Template
from bot.ocr import decode, formink, paper
from bot.ocr.assemble import SOFTEN, PhotoReading, build_reading, check_rows, ranked_names, row_households
from bot.ocr.cells import score_digits
from bot.ocr.engine import Recognizer, Scored, read_printed
from bot.ocr.fonts import print_font

DPI = 200
PAGE_W, PAGE_H = 1654, 2339  # A4 at 200 dpi
ROWS_PER_PAGE = 20
MARKER = 110
MARKER_POS = {0: (60, 60), 1: (PAGE_W - 60 - MARKER, 60), 2: (PAGE_W - 60 - MARKER, PAGE_H - 60 - MARKER),
              3: (60, PAGE_H - 60 - MARKER)}
DROPOUT = (180, 180, 180)
TABLE_TOP, HEADER_H, ROW_H = 340, 70, 86
X0 = 80
FORM_FIELDS = ("people", "temperature", "out", "returned", "note")
COL_W = {"index": 70, "household": 270, "people": 170, "temperature": 270, "out": 220, "returned": 220}
HEAD = {"index": "序号", "household": "户主", "people": "人数", "temperature": "体温", "out": "外出", "returned": "返乡",
        "note": "备注"}
QR_SIZE = 170
QR_XY = (PAGE_W - 300, 170)  # where the QR image is pasted
ID_RE = re.compile(r"GB1-(\d{8})-([0-9A-F]{6})-(\d{1,3})-(\d{1,2})/(\d{1,2})")

Rect = list[int]  # [x0, y0, x1, y1] in page pixels


@dataclass
class FormMeta:
    day: date
    member_hash: str
    households: int
    page: int
    pages: int

    @property
    def form_id(self) -> str:
        return f"GB1-{self.day:%Y%m%d}-{self.member_hash}-{self.households}-{self.page}/{self.pages}"

    @classmethod
    def parse(cls, text: str) -> FormMeta | None:
        m = ID_RE.search(text.replace(" ", "").upper())
        if not m:
            return None
        try:
            d = date(int(m[1][:4]), int(m[1][4:6]), int(m[1][6:]))
        except ValueError:
            return None
        page, pages = int(m[4]), int(m[5])
        if not 1 <= page <= pages:
            return None
        return cls(d, m[2], int(m[3]), page, pages)


def member_hash(member: Member) -> str:
    """Identifies the member and their households in roster order (6 hex digits)."""
    payload = "|".join([member.grid, member.name, *[h.name for h in member.households]])
    return hashlib.sha256(payload.encode()).hexdigest()[:6].upper()


def form_fields(template: Template) -> list[str]:
    return [k for k in FORM_FIELDS if template.has(k)]


def _columns(template: Template) -> list[tuple[str, int, int]]:
    """(key, x0, x1) of every column."""
    keys = ["index", "household", *form_fields(template)]
    out, x = [], X0
    for k in keys:
        w = COL_W.get(k, 0) or (PAGE_W - X0 - x)
        out.append((k, x, x + w))
        x += w
    return out


def page_layout(names: list[str], template: Template, meta: FormMeta) -> dict[str, Any]:
    """Every field's box on one page, in page pixels."""
    first = (meta.page - 1) * ROWS_PER_PAGE
    rows = []
    cols = _columns(template)
    for i, name in enumerate(names[first : first + ROWS_PER_PAGE]):
        y0 = TABLE_TOP + HEADER_H + i * ROW_H
        y1 = y0 + ROW_H
        cy = (y0 + y1) // 2
        boxes: dict[str, Any] = {}
        for k, x0, x1 in cols:
            if k == "index":
                continue
            if k == "household" or k == "note":
                boxes[k] = [x0 + 6, y0 + 6, x1 - 6, y1 - 6]
            elif k == "people":
                d0 = [x0 + 24, cy - 32, x0 + 80, cy + 32]
                d1 = [x0 + 90, cy - 32, x0 + 146, cy + 32]
                boxes[k] = {"field": [x0 + 14, cy - 38, x0 + 156, cy + 38], "digits": [d0, d1]}
            elif k == "temperature":
                d0 = [x0 + 70, cy - 32, x0 + 126, cy + 32]
                d1 = [x0 + 160, cy - 32, x0 + 216, cy + 32]
                boxes[k] = {"field": [x0 + 14, cy - 38, x0 + 230, cy + 38], "digits": [d0, d1],
                            "printed": {"3": [x0 + 28, cy - 30, x0 + 64, cy + 30], ".": [x0 + 132, cy, x0 + 154, cy + 30]}}
            else:  # yes / no boxes
                yes = [x0 + 56, cy - 22, x0 + 100, cy + 22]
                no = [x0 + 160, cy - 22, x0 + 204, cy + 22]
                boxes[k] = {"yes": yes, "no": no, "field": [x0 + 6, y0 + 6, x1 - 6, y1 - 6]}
        rows.append({"row": first + i + 1, "household": name, "box": [X0, y0, PAGE_W - X0, y1], "fields": boxes})
    return {
        "page": meta.page,
        "size": [PAGE_W, PAGE_H],
        "markers": {str(k): [x, y, x + MARKER, y + MARKER] for k, (x, y) in MARKER_POS.items()},
        "qr": [QR_XY[0], QR_XY[1], QR_XY[0] + QR_SIZE, QR_XY[1] + QR_SIZE],
        "id_text": [PAGE_W - 560, 150, PAGE_W - 180, 186],
        "rows": rows,
    }


@dataclass
class RenderedForm:
    pages: list[Image.Image]
    layout: dict[str, Any]

    def pdf_bytes(self) -> bytes:
        out = io.BytesIO()
        self.pages[0].save(out, "PDF", resolution=DPI, save_all=True, append_images=self.pages[1:])
        return out.getvalue()

    def png_bytes(self, page: int = 1) -> bytes:
        out = io.BytesIO()
        self.pages[page - 1].save(out, "PNG", dpi=(DPI, DPI))
        return out.getvalue()

    def save(self, path: str | Path) -> list[Path]:
        """Write the form (``.pdf``: all pages; ``.png``: one file per page) and the layout JSON beside it."""
        p = Path(path)
        written: list[Path] = []
        if p.suffix.lower() == ".pdf":
            p.write_bytes(self.pdf_bytes())
            written.append(p)
        else:
            for i, img in enumerate(self.pages, start=1):
                q = p if i == 1 else p.with_name(f"{p.stem}-{i}{p.suffix}")
                img.save(q, "PNG", dpi=(DPI, DPI))
                written.append(q)
        lp = p.with_suffix(".json")
        lp.write_text(json.dumps(self.layout, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(lp)
        return written


def render_form(member: Member, template: Template, day: date, grid_label: str = "") -> RenderedForm:
    """The member's households on A4 pages, ready to print, with the layout of every field."""
    names = [h.name for h in member.households]
    pages_n = max(1, -(-len(names) // ROWS_PER_PAGE))
    font = print_font()
    pages, layouts = [], []
    for page in range(1, pages_n + 1):
        meta = FormMeta(day, member_hash(member), len(names), page, pages_n)
        lay = page_layout(names, template, meta)
        pages.append(_draw_page(lay, meta, member, template, grid_label or member.grid, font))
        layouts.append(lay)
    layout = {"form": "gridbot", "version": 1, "dpi": DPI, "member": member.name, "grid": member.grid,
              "date": day.isoformat(), "form_id": FormMeta(day, member_hash(member), len(names), 1, pages_n).form_id,
              "fields": form_fields(template), "pages": layouts}
    return RenderedForm(pages, layout)


#: a print run's bounds: days per run, and pages per PDF (each about 270 KB: Telegram takes documents up to
#: 50 MB)
MAX_RUN_DAYS = 7
MAX_RUN_PAGES = 150


@dataclass(frozen=True)
class RunPage:
    """One page of a print run: whose, which day, and its form id (every page has its own QR code)."""

    member: str
    grid: str
    day: date
    form_id: str
    page: int  # within the member's form of that day (a member with many households has several)
    pages: int


def run_pages(members: Sequence[Member], days: Sequence[date]) -> int:
    """How many pages a print run of ``members`` × ``days`` has (continuation pages included)."""
    return len(days) * sum(max(1, -(-len(m.households) // ROWS_PER_PAGE)) for m in members)


def render_run(members: Sequence[tuple[Member, str]], template: Template, days: Sequence[date],
               out: BinaryIO) -> list[RunPage]:
    """A print run in one PDF written to ``out`` (seekable, readable): for each member (with their grid's
    label) and each day, their form, one page per member and day plus continuation pages, member by
    member so that each one's stack of days lies together. Pages are written one at a time (a run of a
    hundred pages never holds a hundred images). Returns what each page is, in order."""
    index: list[RunPage] = []
    for member, label in members:
        for day in days:
            form = render_form(member, template, day, label)
            for page, lay in zip(form.pages, form.layout["pages"], strict=True):
                page.save(out, "PDF", resolution=DPI, append=bool(index))
                meta = FormMeta(day, member_hash(member), len(member.households), lay["page"], len(form.pages))
                index.append(RunPage(member.name, member.grid, day, meta.form_id, meta.page, meta.pages))
            del form
    return index


def run_layout(index: Sequence[RunPage]) -> dict[str, Any]:
    """The print run's index as JSON: each page's member, grid, day and form id."""
    return {"form": "gridbot-run", "version": 1, "dpi": DPI,
            "pages": [{"n": n, "member": p.member, "grid": p.grid, "date": p.day.isoformat(), "form_id": p.form_id,
                       "page": p.page, "pages": p.pages} for n, p in enumerate(index, start=1)]}


def _aruco_dict() -> Any:
    return cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)


def _draw_page(lay: dict[str, Any], meta: FormMeta, member: Member, template: Template, grid_label: str,
               font: Any) -> Image.Image:
    img = Image.new("RGB", (PAGE_W, PAGE_H), "white")
    d = ImageDraw.Draw(img)
    adict = _aruco_dict()
    for k, (x, y) in MARKER_POS.items():
        m = cv2.aruco.generateImageMarker(adict, k, MARKER)
        img.paste(Image.fromarray(m).convert("RGB"), (x, y))
    f_title, f_sub, f_small = font.get(46), font.get(30), font.get(24)
    d.text((PAGE_W // 2, 95), "网格通 · 每日排查登记表", font=f_title, fill="black", anchor="mm")
    d.text((X0 + 130, 160), f"网格员：{member.name}　　{grid_label}", font=f_sub, fill="black", anchor="lm")
    d.text((X0 + 130, 210), f"日期：{meta.day.year}年{meta.day.month}月{meta.day.day}日　　第{meta.page}/{meta.pages}页",
           font=f_sub, fill="black", anchor="lm")
    d.text((X0 + 130, 280), "人数、体温写在方框里，每格一个数字；外出、返乡在“是”或“否”的方框里打√。",
           font=f_small, fill=(60, 60, 60), anchor="lm")
    qimg = _qr(meta.form_id).make_image(fill_color="black", back_color="white").convert("RGB")
    img.paste(qimg.resize((QR_SIZE, QR_SIZE), Image.Resampling.NEAREST), QR_XY)
    d.text((PAGE_W - 190, 168), meta.form_id, font=font.get(22), fill="black", anchor="rm")
    cols = _columns(template)
    rows = lay["rows"]
    top = TABLE_TOP
    bottom = TABLE_TOP + HEADER_H + max(1, len(rows)) * ROW_H
    for k, x0, x1 in cols:
        d.text(((x0 + x1) // 2, top + HEADER_H // 2), HEAD.get(k, k), font=f_sub, fill="black", anchor="mm")
    line = DROPOUT
    d.rectangle([X0, top, PAGE_W - X0, bottom], outline=line, width=2)
    for _, x0, _ in cols[1:]:
        d.line([x0, top, x0, bottom], fill=line, width=2)
    for i in range(len(rows) + 1):
        y = top + HEADER_H + i * ROW_H
        d.line([X0, y, PAGE_W - X0, y], fill=line, width=2)
    f_name, f_digit = font.get(38), font.get(52)
    for r in rows:
        x0, y0, x1, y1 = r["box"]
        cy = (y0 + y1) // 2
        d.text((cols[0][1] + cols[0][2]) // 2 and ((cols[0][1] + cols[0][2]) // 2, cy), str(r["row"]), font=f_sub,
               fill="black", anchor="mm")
        hx0, _, hx1, _ = r["fields"]["household"]
        d.text((hx0 + 14, cy), r["household"], font=f_name, fill="black", anchor="lm")
        for k, box in r["fields"].items():
            if k in ("household", "note"):
                continue
            if "digits" in box:
                for b in box["digits"]:
                    d.rectangle(b, outline=DROPOUT, width=2)
                if "printed" in box:
                    bx = box["printed"]["3"]
                    d.text(((bx[0] + bx[2]) // 2, cy), "3", font=f_digit, fill="black", anchor="mm")
                    dot = box["printed"]["."]
                    d.ellipse([dot[0] + 6, cy + 18, dot[0] + 16, cy + 28], fill="black")
                continue
            for label, key in (("是", "yes"), ("否", "no")):
                b = box[key]
                d.rectangle(b, outline=DROPOUT, width=2)
                d.text((b[0] - 8, cy), label, font=f_sub, fill="black", anchor="rm")
    return img


# ---------------------------------------------------------------------------------------------- reading
@dataclass
class FoundForm:
    page: np.ndarray  # the photo warped onto the page (gray, PAGE_W x PAGE_H)
    markers: int
    meta: FormMeta | None = None
    id_text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _qr_symbol_box(form_id: str, paste_xy: tuple[int, int]) -> np.ndarray:
    """The four corners of the QR symbol (without its quiet zone) as printed for ``form_id``."""
    qr = _qr(form_id)
    n = qr.modules_count
    border = qr.border
    scale = QR_SIZE / (n + 2 * border)
    x0, y0 = paste_xy
    a, b = x0 + border * scale, y0 + border * scale
    c, d = x0 + (border + n) * scale, y0 + (border + n) * scale
    return np.float32([[a, b], [c, b], [c, d], [a, d]])


def _qr(form_id: str) -> Any:
    qr = qrcode.QRCode(border=2, box_size=6, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(form_id)
    qr.make(fit=True)
    return qr


def detect_form(bgr: np.ndarray) -> FoundForm | None:
    """A gridbot form in the photo, warped onto the page; else None.

    The page is located by its corner markers (three or four suffice), or by fewer markers together with the
    QR code when a corner is outside the photo."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    params = cv2.aruco.DetectorParameters()
    params.minDistanceToBorder = 0
    params.polygonalApproxAccuracyRate = 0.06
    params.adaptiveThreshWinSizeMax = 53
    params.errorCorrectionRate = 1.0
    detector = cv2.aruco.ArucoDetector(_aruco_dict(), params)
    corners, ids, _ = detector.detectMarkers(gray)
    src: list[list[float]] = []
    dst: list[list[float]] = []
    seen: set[int] = set()
    for c, i in zip(corners, [] if ids is None else np.asarray(ids).reshape(-1), strict=False):
        i = int(i)
        if i not in MARKER_POS or i in seen:
            continue
        seen.add(i)
        x, y = MARKER_POS[i]
        src.extend(np.asarray(c).reshape(4, 2).tolist())
        dst.extend([[x, y], [x + MARKER, y], [x + MARKER, y + MARKER], [x, y + MARKER]])
    meta: FormMeta | None = None
    id_text = ""
    if len(seen) < 3:
        if not seen and not _maybe_qr(gray):
            return None
        try:
            text, pts, _ = cv2.QRCodeDetector().detectAndDecode(gray)
        except cv2.error:
            text, pts = "", None
        meta = FormMeta.parse(text or "")
        if meta is None or pts is None:
            return None
        id_text = text
        src.extend(np.asarray(pts, dtype=np.float32).reshape(4, 2).tolist())
        dst.extend(_qr_symbol_box(meta.form_id, QR_XY).tolist())
        if len(src) < 8 and len(seen) == 0:
            pass  # the QR code alone: four points, still a homography
    h, _ = cv2.findHomography(np.float32(src), np.float32(dst), 0)
    if h is None:
        return None
    page = cv2.warpPerspective(gray, h, (PAGE_W, PAGE_H), flags=cv2.INTER_LINEAR, borderValue=255)
    found = FoundForm(paper.normalise(page), len(seen))
    found.extra["homography"] = h  # photo -> page (bot.ocr.framing: what part of the page the photo holds)
    if meta is None:
        meta, id_text = _form_id(page)
    found.meta, found.id_text = meta, id_text
    return found


def _maybe_qr(gray: np.ndarray) -> bool:
    """Whether a QR code may be in the image (cheap test before decoding)."""
    try:
        ok, _ = cv2.QRCodeDetector().detect(gray)
    except cv2.error:
        return False
    return bool(ok)


def _form_id(page: np.ndarray) -> tuple[FormMeta | None, str]:
    """The form id from the QR code, else from the printed id (Tesseract)."""
    det = cv2.QRCodeDetector()
    region = page[100:420, PAGE_W - 620 : PAGE_W - 60]
    for img in (region, cv2.resize(region, None, fx=1.5, fy=1.5)):
        try:
            text, _, _ = det.detectAndDecode(img)
        except cv2.error:
            text = ""
        meta = FormMeta.parse(text or "")
        if meta is not None:
            return meta, text
    strip = page[145:195, PAGE_W - 600 : PAGE_W - 170]
    text = read_printed(strip, whitelist="GB0123456789ABCDEF-/")
    return FormMeta.parse(text), text


def _darkness(page: np.ndarray, box: Rect, shrink: int = 6) -> float:
    """How much writing is in a box, in dark-pixel equivalents: a light or blurred stroke counts too, in
    proportion to how dark it is (a pale tick is not a blank)."""
    x0, y0, x1, y1 = box
    sub = page[y0 + shrink : y1 - shrink, x0 + shrink : x1 - shrink].astype(np.float32)
    return float(np.clip(215.0 - sub, 0.0, None).sum() / 100.0)


def _clean_crop(page: np.ndarray, box: Rect, pad: int = 4) -> np.ndarray:
    """The field with the dropout-grey boxes washed out (only dark ink stays), cut tight around the ink."""
    x0, y0, x1, y1 = box
    sub = page[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad].copy()
    sub[sub > 165] = 255
    ink = (sub < 155).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 6
            and not (stats[i, cv2.CC_STAT_WIDTH] > 0.7 * sub.shape[1] and stats[i, cv2.CC_STAT_HEIGHT] < 6)]
    if not keep:
        return sub
    xs0 = min(stats[i, 0] for i in keep)
    ys0 = min(stats[i, 1] for i in keep)
    xs1 = max(stats[i, 0] + stats[i, 2] for i in keep)
    ys1 = max(stats[i, 1] + stats[i, 3] for i in keep)
    m = max(6, (ys1 - ys0) // 6)
    return sub[max(0, ys0 - m) : ys1 + m, max(0, xs0 - m) : xs1 + m]


def placement_error(page: np.ndarray, lay: dict[str, Any], template: Template) -> float:
    """How far (pixels) the printed table's ruling lies from where the layout puts it, at its outer lines
    (its far corners are where a placement by few points goes wrong first)."""
    rows = lay["rows"]
    if not rows:
        return 99.0
    top, bottom = TABLE_TOP, rows[-1]["box"][3]
    cols = _columns(template)
    x_first, x_last = cols[0][1], PAGE_W - X0
    r = 10
    worst = 0.0
    for y in (top, bottom):
        strip = page[y - r : y + r + 1, x_first + 20 : x_last - 20].astype(np.float32)
        if strip.shape[0] == 2 * r + 1:
            worst = max(worst, abs(int(np.argmin(strip.mean(axis=1))) - r))
    for x in (x_first, x_last):
        strip = page[top + 10 : bottom - 10, x - r : x + r + 1].astype(np.float32)
        if strip.shape[1] == 2 * r + 1:
            worst = max(worst, abs(int(np.argmin(strip.mean(axis=0))) - r))
    return float(worst)


#: the member's ink (dark-pixel equivalents) that makes a field written: less is blank, and a blank with at
#: least the faint amount is asked about
DIGITS_INK, DIGITS_FAINT = 25.0, 10.0
MARK_INK, MARK_FAINT = 40.0, 15.0
NOTE_INK = 60.0
#: a mark whose strokes lie this much nearer the other box (a share of its ink) is not sure
MARK_DIVIDED = 0.3


def _grow(box: Rect, left: float, top: float, right: float, bottom: float) -> Rect:
    return [int(box[0] - left), int(box[1] - top), int(box[2] + right), int(box[3] + bottom)]


def _printed(lay: dict[str, Any], meta: FormMeta, member: Member, template: Template) -> np.ndarray:
    """The page as printed (gray): what the member's ink is told apart from."""
    return np.asarray(_draw_page(lay, meta, member, template, member.grid, print_font()).convert("L"))


def _table_area(lay: dict[str, Any]) -> Rect:
    bottom = lay["rows"][-1]["box"][3] if lay["rows"] else TABLE_TOP + HEADER_H
    return [X0 - 10, TABLE_TOP + HEADER_H - 40, PAGE_W - X0 + 10, bottom + 40]


def _zones(lay: dict[str, Any], keys: list[str]) -> list[formink.Zone]:
    """Where each field's writing may land: a digit field and a little around it (more to the right, where
    a hurried temperature runs on), a 是/否 box and the space up and to the right of it that a big tick's
    long stroke reaches, a note's cell."""
    zones = []
    for r in lay["rows"]:
        f = r["fields"]
        for k in keys:
            box = f[k]
            if k == "note":
                zones.append(formink.Zone((r["row"], k, ""), box, box, (r["row"], k)))
            elif "digits" in box:
                fb = box["field"]
                zones.append(formink.Zone((r["row"], k, ""), fb, _grow(fb, 12, 20, 30 if "printed" in box else 12, 20),
                                          (r["row"], k)))
            else:
                for part in ("yes", "no"):
                    b = box[part]
                    s = b[2] - b[0]
                    zones.append(formink.Zone((r["row"], k, part), b, _grow(b, 0.35 * s, 0.9 * s, 0.9 * s, 0.35 * s),
                                              (r["row"], k)))
    return zones


def _printed_digits(box: dict[str, Any]) -> Rect | None:
    """The printed part of a digit field that the recogniser reads with the writing (a temperature's 3 and
    point), or None."""
    if "printed" not in box:
        return None
    p3, dot = box["printed"]["3"], box["printed"]["."]
    return [min(p3[0], dot[0]), min(p3[1], dot[1]), max(p3[2], dot[2]), max(p3[3], dot[3])]


def _digits_limit(box: dict[str, Any]) -> Rect:
    """How far a digit field's cut may reach around it."""
    return _grow(box["field"], 14, 24, 36 if "printed" in box else 14, 24)


def _mark_decision(yes: formink.Share, no: formink.Share) -> decode.FieldDecision | None:
    """是 or 否 by the ink given to each box (a ✓, a ×, a box scribbled in: all marked); None: blank."""
    hi, lo = max(yes.weight, no.weight), min(yes.weight, no.weight)
    if hi < MARK_INK:
        return None
    conf = 0.99 if lo < 0.25 * hi else (0.6 if lo < 0.6 * hi else 0.3)
    chosen = yes if yes.weight >= no.weight else no
    d = decode.FieldDecision(yes.weight > no.weight, conf, conf, 0.0, "")
    if chosen.divided > MARK_DIVIDED:
        d.confidence = min(d.confidence, 0.6)
        d.doubts.append("mark between the boxes")
    return d



def _score_jobs(engine: Recognizer, jobs: list[tuple[np.ndarray, decode.CandidateSet]],
                digits: list[bool]) -> list[Scored]:
    """Every crop scored against its set; the counts' digits read three ways: as written, thickened and with a
    margin (:func:`bot.ocr.cells.score_digits`)."""
    out: list[Scored | None] = [None] * len(jobs)
    for want, score in ((False, engine.score), (True, lambda c, s: score_digits(engine, c, s, with_margin=True))):
        idx = [i for i, d in enumerate(digits) if d == want]
        if idx:
            for i, sc in zip(idx, score([jobs[i][0] for i in idx], [jobs[i][1].strings for i in idx]), strict=True):
                out[i] = sc
    return [sc for sc in out if sc is not None]


def read_form(bgr: np.ndarray, found: FoundForm, member: Member, template: Template, cfg: OcrConfig,
              engine: Recognizer) -> PhotoReading:
    """Read a form found in a photo, every field at its place in the layout: the names pre-printed (when
    the form's id is this member's and the roster unchanged, else read against the roster), the digit
    boxes and the 是/否 boxes; a row with nothing filled in is left out."""
    names = [h.name for h in member.households]
    meta = found.meta
    trusted = meta is not None and meta.member_hash == member_hash(member) and meta.households == len(names)
    if meta is None:
        meta = FormMeta(date.today(), "", len(names), 1, 1)
    lay = page_layout(names if trusted else [f"#{i}" for i in range(meta.households)], template, meta)
    page = found.page
    keys = form_fields(template)
    sets = {
        "people": decode.people_set(min(cfg.people_max, 99)),
        "temperature": decode.temperature_set(max(cfg.temperature_min, 34.0), min(cfg.temperature_max, 39.9)),
        "name": decode.name_set(names),
    }
    jobs: list[tuple[np.ndarray, decode.CandidateSet]] = []
    where: list[tuple[int, str]] = []
    rows: list[int] = []
    blanks: dict[int, set[str]] = {}
    decisions: dict[tuple[int, str], decode.FieldDecision] = {}
    notes: list[tuple[int, np.ndarray]] = []
    fixed: dict[int, str] = {}
    flags: dict[int, dict[str, str]] = {}
    bands = [(r["box"][1], r["box"][3]) for r in lay["rows"]]
    reference = formink.align(_printed(lay, meta, member, template), page, bands, X0, PAGE_W - X0)
    strokes = formink.member_ink(page, reference, _table_area(lay))
    shares = formink.assign(strokes, _zones(lay, keys))
    for r in lay["rows"]:
        row_no = r["row"]
        f = r["fields"]
        blanks[row_no] = set()
        if trusted:
            fixed[row_no] = r["household"]
        else:
            jobs.append((_clean_crop(page, f["household"]), sets["name"]))
            where.append((row_no, "household"))
        filled = False
        for k in keys:
            box = f[k]
            if k == "note":
                got = shares[(row_no, k, "")]
                crop = strokes.crop(got, _grow(box, 6, 6, 6, 6)) if got.weight >= NOTE_INK else None
                if crop is None:
                    blanks[row_no].add(k)
                else:
                    notes.append((row_no, crop))
                    filled = True
                continue
            if "digits" in box:
                got = shares[(row_no, k, "")]
                crop = None
                if got.weight >= DIGITS_INK:
                    printed = _printed_digits(box)
                    crop = strokes.crop(got, _digits_limit(box), keep_print=printed)
                if crop is None:
                    blanks[row_no].add(k)
                    if got.weight >= DIGITS_FAINT:
                        flags.setdefault(row_no, {})[k] = "faint blank"
                    continue
                filled = True
                jobs.append((crop, sets[k]))
                where.append((row_no, k))
                continue
            yes, no = shares[(row_no, k, "yes")], shares[(row_no, k, "no")]
            d = _mark_decision(yes, no)
            if d is None:
                blanks[row_no].add(k)
                if max(yes.weight, no.weight) >= MARK_FAINT:
                    flags.setdefault(row_no, {})[k] = "faint blank"
                continue
            filled = True
            decisions[(row_no, k)] = d
        if filled or trusted:
            rows.append(row_no)
    scored = _score_jobs(engine, jobs, [k == "people" for _, k in where])
    counts = [i for i, (_, k) in enumerate(where) if k == "people"]
    for i, sc in zip(counts, decode.one_script([scored[i] for i in counts], sets["people"], SOFTEN), strict=True):
        scored[i] = sc
    name_options = []
    priors = {"people": decode.people_prior(cfg.people_max),
              "temperature": decode.temperature_prior(max(cfg.temperature_min, 34.0), min(cfg.temperature_max, 39.9))}
    for (row_no, key), sc, (_, cs) in zip(where, scored, jobs, strict=True):
        d = decode.decide(sc, cs, prior=priors.get(key), temp=SOFTEN if key in priors else 1.0,
                          min_margin=decode.CLOSE_RUNNER_UP if key in priors else 0.0)
        decisions[(row_no, key)] = d
        if key == "household":
            name_options.append((row_no, ranked_names(sc, cs, d)))
    note_reads = engine.read([c for _, c in notes]) if notes else []
    if not trusted:
        rows = [r for r in rows if any(r == n for n, _ in name_options)]
    names = {r: (n, 1.0, False) for r, n in fixed.items()} if trusted else row_households(name_options, decisions)
    for r in rows:
        flags.setdefault(r, {})
    check_rows(rows, names, decisions, {}, {h.name: h.people for h in member.households}, flags, member)
    fields = [(k, 0) for k in keys]
    reading = build_reading(member, template, cfg, rows, decisions, name_options, blanks,
                            {r: rd for (r, _), rd in zip(notes, note_reads, strict=True)}, fields, "markers", "form",
                            fixed_names=fixed if trusted else None, names=names, flags=flags)
    reading.form_id = found.meta.form_id if found.meta else None
    if found.markers < 3 and placement_error(page, lay, template) > 4.0:
        # placed by the QR code and fewer markers, and the printed ruling is not where it should be: the far
        # rows may be off, check them all
        for hr in reading.report.households:
            for k in keys:
                hr.confidence[k] = round(hr.confidence.get(k, 0.0) * 0.5, 3)
                if k not in hr.uncertain:
                    hr.uncertain.append(k)
                    reading.doubts[(hr.row or 0, k)] = "form placement"
    # a row with nothing filled in is not reported
    reading.report.households = [h for h in reading.report.households
                                 if any(h.values.get(k) is not None for k in keys)]
    return reading
