"""The printable form round trip: render, fill in by hand, photograph, recognise as a form, read."""

from __future__ import annotations

import json
import random
from datetime import date

import cv2
import numpy as np
import pytest

from bot.cli.main import main
from bot.config.ocr import OcrConfig
from bot.core.template import default_template
from bot.ocr.form import FormMeta, _darkness, detect_form, member_hash, placement_error, render_form
from bot.ocr.image import load_image
from bot.ocr.reader import read_photo
from handlers.offline import synth
from tests.ocr.helpers import neat_hand, rows_for, sample_roster

TPL = default_template()
DAY = date(2020, 2, 10)


@pytest.fixture(scope="module")
def wang():
    return sample_roster().find_member("王艳")


@pytest.fixture(scope="module")
def form(wang):
    return render_form(wang, TPL, DAY, "东风村第一网格")


def test_form_layout_and_markings(form, wang) -> None:
    lay = form.layout
    assert lay["member"] == "王艳" and lay["date"] == "2020-02-10" and lay["fields"] == ["people", "temperature", "out",
                                                                                           "returned", "note"]
    rows = lay["pages"][0]["rows"]
    assert [r["household"] for r in rows] == [h.name for h in wang.households]  # pre-printed in roster order
    f = rows[0]["fields"]
    assert len(f["people"]["digits"]) == 2 and len(f["temperature"]["digits"]) == 2  # digit boxes, 3_._
    assert set(f["out"]) >= {"yes", "no"} and set(f["returned"]) >= {"yes", "no"}
    page = np.asarray(form.pages[0].convert("L"))
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(page)
    meta = FormMeta.parse(text)
    assert meta is not None and meta.member_hash == member_hash(wang) and meta.households == len(wang.households)
    assert lay["form_id"] == meta.form_id
    ids = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)).detectMarkers(page)[1]
    assert sorted(np.asarray(ids).ravel().tolist()) == [0, 1, 2, 3]  # the four corner markers
    assert form.pdf_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("seed", [1, 2])
def test_form_round_trip(form, wang, seed) -> None:
    rows = rows_for(wang, len(wang.households), seed=seed)
    rows[1]["temperature"] = None  # left blank
    rows[2]["note"] = "已隔离"
    page = synth.fill_form(form.pages[0], form.layout["pages"][0], rows, neat_hand(seed))
    photo = synth.photograph(page, random.Random(seed), strength=0.7, max_side=1600, quality=85, crop_to_page=False)
    found = detect_form(load_image(photo, OcrConfig()))
    assert found is not None and found.markers >= 3 and found.meta is not None
    reading = read_photo(photo, wang, TPL)
    assert reading.kind == "form" and reading.form_id == form.layout["form_id"]
    got = {h.row: h for h in reading.report.households}
    assert sorted(got) == list(range(1, len(rows) + 1))
    wrong_unflagged = 0
    for i, r in enumerate(rows, start=1):
        h = got[i]
        assert h.household == r["household"]
        for k in ("people", "temperature", "out", "returned"):
            if h.values[k] != r[k]:
                wrong_unflagged += k not in h.uncertain
    assert wrong_unflagged == 0
    right = sum(got[i].values[k] == r[k] for i, r in enumerate(rows, start=1) for k in ("people", "temperature", "out",
                                                                                          "returned"))
    assert right >= 0.95 * 4 * len(rows)
    assert got[2].values["temperature"] is None


def test_form_placement_is_checked(form) -> None:
    """A form placed by fewer than three markers is trusted only when its printed ruling lies where the
    layout puts it."""
    page = np.asarray(form.pages[0].convert("L"))
    lay = form.layout["pages"][0]
    assert placement_error(page, lay, TPL) <= 2
    assert placement_error(np.roll(page, 9, axis=0), lay, TPL) >= 6
    assert placement_error(np.roll(page, -7, axis=1), lay, TPL) >= 5


def test_pale_writing_in_a_form_is_not_blank(form, wang) -> None:
    """A light, blurred tick or digit counts as written (by how dark it is, not by a fixed threshold)."""
    lay = form.layout["pages"][0]
    box = lay["rows"][0]["fields"]["out"]["yes"]
    img = form.pages[0].copy()
    hand = neat_hand(1)
    hand.ink = (150, 150, 155)  # a pale pen
    hand.mark(img, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, box[2] - box[0], "check")
    page = cv2.GaussianBlur(np.asarray(img.convert("L")), (0, 0), 1.2)
    assert _darkness(page, box) >= 40 > _darkness(page, lay["rows"][0]["fields"]["out"]["no"])
    x0, y0, x1, y1 = box
    assert (page[y0 + 6 : y1 - 6, x0 + 6 : x1 - 6] < 155).sum() < 40  # a fixed threshold would call it blank


def test_cli_form_writes_image_and_layout(tmp_path, capsys) -> None:
    from bot.sample import roster_bytes

    (tmp_path / "roster.csv").write_bytes(roster_bytes())
    out = tmp_path / "form.png"
    assert main(["form", "--roster", str(tmp_path / "roster.csv"), "--member", "王艳", "--date", "2020-02-10",
                 "--out", str(out)]) == 0
    layout = json.loads((tmp_path / "form.json").read_text(encoding="utf-8"))
    assert out.exists() and layout["pages"][0]["size"] == [1654, 2339]
    box = layout["pages"][0]["rows"][0]["fields"]["people"]["digits"][0]
    assert all(isinstance(v, int) for v in box) and box[0] < box[2] and box[1] < box[3]  # page pixels
    assert main(["form", "--roster", str(tmp_path / "roster.csv"), "--member", "王艳", "--out",
                 str(tmp_path / "form.pdf")]) == 0
    assert (tmp_path / "form.pdf").read_bytes().startswith(b"%PDF")
