"""gridbot's own form filled in the way people fill it: a count across both digit boxes or in the right one
only, digits over a box's edge, Chinese numerals, big ticks off centre whose long stroke leaves the box, ×
marks, boxes scribbled in, blanks; and the member's ink told apart from the print and given to its field."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bot.config.ocr import OcrConfig
from bot.core.template import default_template
from bot.ocr import formink
from bot.ocr.form import PAGE_W, X0, _printed, _table_area, _zones, detect_form, form_fields, render_form
from bot.ocr.image import load_image
from bot.ocr.reader import read_photo
from handlers.offline import synth
from tests.ocr.helpers import neat_hand, rows_for, sample_roster
from tests.ocr.people import draw_mark, write_people

TPL = default_template()
DAY = date(2020, 2, 10)
KEYS = ("people", "temperature", "out", "returned")

#: row -> (what the 人数 field holds, how it is written); the value read must be the number
PEOPLE: dict[int, tuple[int | str | None, str, int | None]] = {
    1: (3, "across", 3), 2: (5, "right", 5), 3: (4, "over", 4), 4: (2, "across", 2), 5: (12, "boxes", 12),
    6: ("三", "across", 3), 7: ("两", "across", 2), 8: ("四", "right", 4), 9: (None, "", None), 10: (6, "over", 6),
    11: (7, "across", 7),
}
#: row -> {field: (ticked box: True 是 / False 否 / None blank, how it is marked)}
MARKS: dict[int, dict[str, tuple[bool | None, str]]] = {
    1: {"out": (True, "big"), "returned": (False, "big")},
    2: {"out": (False, "big"), "returned": (True, "big")},
    3: {"out": (True, "cross"), "returned": (False, "cross")},
    4: {"out": (False, "scribble"), "returned": (True, "scribble")},
    5: {"out": (None, ""), "returned": (None, "")},
    6: {"out": (True, "big"), "returned": (None, "")},
    7: {"out": (True, "big"), "returned": (True, "big")},
}


@pytest.fixture(scope="module")
def wang() -> Any:
    return sample_roster().find_member("王艳")


@pytest.fixture(scope="module")
def filled(wang) -> tuple[list[dict[str, Any]], bytes]:
    form = render_form(wang, TPL, DAY, "东风村第一网格")
    lay = form.layout["pages"][0]
    rows = rows_for(wang, len(wang.households), seed=3)
    img = form.pages[0].copy()
    hand = neat_hand(4)
    for r, values in zip(lay["rows"], rows, strict=True):
        f = r["fields"]
        n, way, read = PEOPLE.get(r["row"], (values["people"], "boxes", values["people"]))
        values["people"] = read
        if n is not None:
            write_people(img, hand, f["people"], n, way)
        units, tenths = f"{values['temperature']:.1f}".replace(".", "")[1:3]
        for ch, b in zip((units, tenths), f["temperature"]["digits"], strict=True):
            hand.write(img, (b[0] + b[2]) / 2 - 11, (b[1] + b[3]) / 2, ch, 44)
        for k in ("out", "returned"):
            mark, how = MARKS.get(r["row"], {}).get(k, (values[k], "tick"))
            values[k] = mark
            if mark is not None:
                draw_mark(img, hand, f[k]["yes"] if mark else f[k]["no"], how)
    photo = synth.photograph(img, random.Random(5), strength=0.6, max_side=1600, quality=85, crop_to_page=False)
    return rows, photo


@pytest.fixture(scope="module")
def reading(filled, wang) -> dict[int, Any]:
    r = read_photo(filled[1], wang, TPL)
    assert r.kind == "form"
    return {h.row: h for h in r.report.households}


@pytest.mark.parametrize("row", sorted(PEOPLE))
def test_count_read_whole_however_written(filled, reading, row) -> None:
    """A count across both boxes, in the right one only, over a box's edge, or in Chinese numerals is read
    as the field's ink, not box by box; a blank stays blank."""
    rows, _ = filled
    assert reading[row].values["people"] == rows[row - 1]["people"]


@pytest.mark.parametrize("row", sorted(MARKS))
def test_marks_judged_by_the_ink_around_their_box(filled, reading, row) -> None:
    """A big tick off centre, its long stroke well outside the box, a ×, a box scribbled in: marked; a blank
    pair stays blank; the neighbours' long strokes are not taken for a mark."""
    rows, _ = filled
    for k in ("out", "returned"):
        assert reading[row].values[k] == rows[row - 1][k], k


def test_nothing_wrong_unasked(filled, reading) -> None:
    rows, _ = filled
    right = wrong_unasked = 0
    for i, truth in enumerate(rows, start=1):
        h = reading[i]
        for k in KEYS:
            ok = h.values[k] == truth[k]
            right += ok
            wrong_unasked += not ok and k not in h.uncertain
    assert wrong_unasked == 0
    assert right >= len(rows) * len(KEYS) - 1


def _marked_page(form: Any, draw: Any) -> np.ndarray:
    img: Image.Image = form.pages[0].copy()
    draw(img)
    return np.asarray(img.convert("L"))


def test_a_long_stroke_belongs_to_its_own_box(wang) -> None:
    """The member's ink with the print taken out, each stroke given to one field: a big tick whose long
    stroke runs past the 否 label and up into the row above is all the 是 box's, and the row above stays
    blank; the printed labels, boxes and ruling are nobody's ink."""
    form = render_form(wang, TPL, DAY)
    lay = form.layout["pages"][0]
    meta = detect_form(load_image(synth.to_jpeg(form.pages[0]), OcrConfig())).meta
    f2 = lay["rows"][1]["fields"]["out"]
    hand = neat_hand(2)

    def tick(img: Image.Image) -> None:
        x0, y0, x1, y1 = f2["yes"]
        vx, vy = x0 + 30, y1 - 4
        hand.stroke(ImageDraw.Draw(img), [(vx - 16, vy - 16), (vx, vy), (vx + 62, vy - 70)], 5)

    page = _marked_page(form, tick)
    reference = _printed(lay, meta, wang, TPL)
    strokes = formink.member_ink(page, reference, _table_area(lay))
    shares = formink.assign(strokes, _zones(lay, form_fields(TPL)))
    assert shares[(2, "out", "yes")].weight > 60 and shares[(2, "out", "yes")].divided < 0.3
    blank = [k for k, s in shares.items() if k != (2, "out", "yes") and s.weight > 0]
    assert blank == []  # not the 否 box, not the row above, not the print
    plain = formink.member_ink(np.asarray(form.pages[0].convert("L")), reference, _table_area(lay))
    assert not plain.mask.any()
    assert formink.align(reference, page, [(r["box"][1], r["box"][3]) for r in lay["rows"]], X0,
                         PAGE_W - X0).shape == reference.shape
