"""Each stage of the photo pipeline on pictures drawn at test time: image loading and limits, the grid, the
header mapping, the marks, closed-set names and numbers, the CTC scoring, and the `gridbot ocr` contract."""

from __future__ import annotations

import io
import itertools
import json
import math
import random
import time

import numpy as np
import pytest
from PIL import Image

from bot.cli import main
from bot.model import Household, Member
from bot.ocr import decode, grid, synth
from bot.ocr.config import OcrConfig
from bot.ocr.engine import Reading, Scored, ctc_loglik, get_recognizer
from bot.ocr.errors import OcrError
from bot.ocr.image import load_image
from bot.ocr.reader import find_header, read_photo, read_table
from bot.template import default_template
from tests.ocr_helpers import neat_hand, photo_of, png, rows_for, sample_roster, table_page

TPL = default_template()


@pytest.fixture(scope="module")
def wang() -> Member:
    return sample_roster().find_member("王艳")


# ---------------------------------------------------------------------------------------- stage 1-2
def test_exif_orientation_applied() -> None:
    page = Image.new("RGB", (600, 900), "white")
    data = synth.to_jpeg(page, exif_orientation=6)  # stored sideways, tagged "rotate 90"
    assert Image.open(io.BytesIO(data)).size == (900, 600)
    assert load_image(data, OcrConfig()).shape[:2] == (900, 600)


def test_size_limits_checked_from_the_header_first() -> None:
    cfg = OcrConfig()
    big = io.BytesIO()
    Image.new("1", (30000, 30000)).save(big, "PNG")
    t0 = time.monotonic()
    with pytest.raises(OcrError) as e:
        load_image(big.getvalue(), cfg)
    assert e.value.code == "too_large" and time.monotonic() - t0 < 1.0  # never decoded
    with pytest.raises(OcrError) as e:
        load_image(png(Image.new("RGB", (1, 1))), cfg)
    assert e.value.code == "too_small"
    with pytest.raises(OcrError) as e:
        load_image(b"%PDF-1.4 not an image", cfg)
    assert e.value.code == "not_image"
    jpeg = synth.to_jpeg(Image.new("RGB", (800, 600), (200, 100, 50)))
    with pytest.raises(OcrError) as e:
        load_image(jpeg[: len(jpeg) // 3], cfg)
    assert e.value.code == "truncated"
    assert max(load_image(synth.to_jpeg(Image.new("RGB", (4000, 3000), "white")), cfg).shape[:2]) == 2000


# ---------------------------------------------------------------------------------------- stage 3-4
@pytest.mark.parametrize(("broken", "camera"), [(False, False), (True, False), (False, True), (True, True)])
def test_grid_found_from_ruling(wang, broken, camera) -> None:
    rows = rows_for(wang, 7)
    page = table_page(rows, broken=broken)
    data = photo_of(page, seed=5, strength=0.8) if camera else synth.to_jpeg(page)
    table = grid.find_table(load_image(data, OcrConfig()))
    assert table is not None and table.method == "lines"
    assert (table.n_rows, table.n_cols) == (len(rows) + 1, 6)


def test_grid_falls_back_to_text_boxes_without_ruling(wang) -> None:
    rows = rows_for(wang, 6)
    img = load_image(photo_of(table_page(rows, ruled=False)), OcrConfig())
    assert grid.find_table(img) is None
    table = grid.table_from_boxes(img, get_recognizer().detect(img))
    assert table is not None and table.method == "boxes"
    assert table.n_rows == len(rows) + 1 and table.n_cols >= 5


# ---------------------------------------------------------------------------------------- stage 5
@pytest.mark.parametrize("seed", [1, 2])
def test_header_mapped_in_any_order_and_spelling(wang, seed) -> None:
    rng = random.Random(seed)
    cols = ["people", "temperature", "out", "returned"]
    rng.shuffle(cols)
    cols = ["index", *cols[:2], "household", *cols[2:], "note"]
    headers = {"household": rng.choice(["户主", "姓名"]), "people": rng.choice(["人数", "人口"]),
               "temperature": rng.choice(["体温", "温度"])}
    page = table_page(rows_for(wang, 4), cols, headers=headers, seed=seed)
    table = grid.find_table(load_image(synth.to_jpeg(page), OcrConfig()))
    head = find_header(table, TPL, get_recognizer())
    assert head is not None
    row, mapping = head
    assert row == 0
    for key in ("household", "people", "temperature", "out", "returned", "note", "index"):
        assert mapping[key] == cols.index(key), key


# ---------------------------------------------------------------------------------------- stage 6
def test_marks_told_apart_by_shape_and_ink(wang) -> None:
    rng = random.Random(3)
    hand = neat_hand(3)
    for kind, want in (("check", True), ("cross", False)):
        for _ in range(5):
            img = Image.new("RGB", (90, 70), "white")
            hand.mark(img, 45 + rng.gauss(0, 3), 35, 36, kind)
            assert decode.mark_shape(np.asarray(img.convert("L")))[0] is want
    img = Image.new("RGB", (90, 70), "white")
    hand.write(img, 20, 35, "是", 40)
    assert decode.mark_shape(np.asarray(img.convert("L")))[0] is None  # a written word goes to the recogniser
    # and in a table: ✓ × 是 否 and blank all read right
    rows = rows_for(wang, 4)
    rows[1]["out"] = None
    for style in ("check", "word"):
        data = synth.to_jpeg(table_page(rows, mark_style=style))
        got = {h.row: h for h in read_photo(data, wang, TPL).report.households}
        for i, r in enumerate(rows, start=1):
            assert got[i].values["out"] is r["out"] and got[i].values["returned"] is r["returned"], (style, i)


def test_ctc_scoring_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=5)  # 5 frames, blank + 3 symbols
    logp = np.log(p)

    def brute(label: list[int]) -> float:
        total = 0.0
        for path in itertools.product(range(4), repeat=5):
            collapsed = [k for k, _ in itertools.groupby(path) if k != 0]
            if collapsed == label:
                total += math.prod(p[t, s] for t, s in enumerate(path))
        return math.log(total)

    labels = [[1], [1, 2], [2, 2], [3, 1, 3], [1, 1, 1]]
    got = ctc_loglik(logp, labels)
    for lab, g in zip(labels, got, strict=True):
        assert g == pytest.approx(brute(lab), abs=1e-9)


def test_names_are_a_closed_set() -> None:
    cs = decode.name_set(["王建国", "杜美玲"])
    sure = decode.decide(Scored(np.array([-0.1, -3.0, -30.0, -33.0]), Reading("王建国", 0.99), -0.1), cs)
    assert sure.value == "王建国" and sure.confidence > 0.9
    # the cell holds something else: the best name scores far below the free reading
    off = decode.decide(Scored(np.array([-35.0, -38.0, -36.0, -39.0]), Reading("胡秋菊", 0.99), -0.5), cs)
    assert off.value in ("王建国", "杜美玲") and off.confidence < 0.1
    # two rows wanting one household: the less sure one takes its next choice and is flagged
    got = decode.assign_names([(1, [("王建国", 0.9, 0.9), ("杜美玲", 0.1, 0.1)]),
                               (2, [("王建国", 0.6, 0.6), ("杜美玲", 0.4, 0.4)])])
    assert got[1] == ("王建国", 0.9, False) and got[2] == ("杜美玲", 0.4, True)


def test_names_numbers_and_blanks_read_from_cells(wang) -> None:
    """A name never read as free text; numbers only within range; a blank cell gives None."""
    rows = rows_for(wang, 6)
    rows[2]["temperature"] = None
    rows[4]["people"] = None
    member = Member(wang.name, wang.grid, households=wang.households[:6] + (Household("不相干", "x", "y"),))
    table = grid.find_table(load_image(synth.to_jpeg(table_page(rows)), OcrConfig()))
    reading = read_table(table, member, TPL, OcrConfig(), get_recognizer())
    assert reading is not None
    names = {h.household for h in reading.report.households}
    assert names == {r["household"] for r in rows}
    for h in reading.report.households:
        r = rows[h.row - 1]
        assert h.household == r["household"]
        assert h.values["people"] == r["people"] and h.values["temperature"] == r["temperature"]
        assert h.confidence["people"] > 0 and h.confidence["household"] > 0


def test_temperature_and_count_candidates() -> None:
    t = decode.temperature_set()
    assert 34.0 in t.values and 42.9 in t.values and 43.0 not in t.values and 33.9 not in t.values
    assert "36·5" in t.strings and "365" in t.strings  # a dot read as ·, or dropped
    p = decode.people_set(12)
    assert set(p.values) == set(range(1, 13))


# ---------------------------------------------------------------------------------------- whole photo
def test_whole_photo_and_cli_contract(wang, tmp_path, capsys) -> None:
    rows = rows_for(wang, 8)
    rows[3]["out"] = None  # a blank yes/no cell
    data = photo_of(table_page(rows, mark_style="check"), seed=11, strength=0.7)
    (tmp_path / "photo.jpg").write_bytes(data)
    from bot.sample import roster_bytes

    (tmp_path / "roster.csv").write_bytes(roster_bytes())
    code = main(["ocr", str(tmp_path / "photo.jpg"), "--roster", str(tmp_path / "roster.csv"), "--sender", "王艳"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    [rep] = out["reports"]
    assert rep["member"] == "王艳"
    by_row = {h["row"]: h for h in rep["households"]}
    assert sorted(by_row) == list(range(1, len(rows) + 1))
    for i, r in enumerate(rows, start=1):
        h = by_row[i]
        assert isinstance(h["uncertain"], list)
        assert h["household"] == r["household"]
        assert h["people"] == r["people"] and h["temperature"] == r["temperature"]
        assert h["out"] is r["out"] and h["returned"] is r["returned"]  # booleans; blank is null
    assert by_row[4]["out"] is None


def test_cli_ocr_bad_input(tmp_path, capsys) -> None:
    from bot.sample import roster_bytes

    (tmp_path / "roster.csv").write_bytes(roster_bytes())
    (tmp_path / "x.jpg").write_bytes(b"nope")
    code = main(["ocr", str(tmp_path / "x.jpg"), "--roster", str(tmp_path / "roster.csv"), "--sender", "王艳"])
    assert code == 1 and "不是图片" in capsys.readouterr().err
