"""Each stage of the photo pipeline on pictures drawn at test time: image loading and limits, the table, the
header mapping, the marks, closed-set names and numbers, the CTC scoring, and the `gridbot ocr` contract."""

from __future__ import annotations

import io
import itertools
import json
import math
import random
import time

import cv2
import numpy as np
import pytest
from PIL import Image

from bot.cli.main import main
from bot.config.ocr import OcrConfig
from bot.core.model import Household, Member
from bot.core.template import default_template
from bot.ocr import decode, ruling, unruled
from bot.ocr.cells import cell_crop
from bot.ocr.columns import find_header
from bot.ocr.engine import LabelTrie, Reading, Scored, ctc_loglik, ctc_trie_loglik, get_recognizer
from bot.ocr.errors import OcrError
from bot.ocr.image import load_image
from bot.ocr.reader import read_photo, read_table
from bot.ocr.table import Table
from handlers.offline import synth
from tests.ocr.helpers import neat_hand, photo_of, png, rows_for, sample_roster, table_page

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
def test_table_found_from_ruling(wang, broken, camera) -> None:
    rows = rows_for(wang, 7)
    page = table_page(rows, broken=broken)
    data = photo_of(page, seed=5, strength=0.8) if camera else synth.to_jpeg(page)
    table = ruling.find_table(load_image(data, OcrConfig()))
    assert table is not None and table.method == "lines"
    assert (table.n_rows, table.n_cols) == (len(rows) + 1, 6)


def test_table_falls_back_to_text_boxes_without_ruling(wang) -> None:
    rows = rows_for(wang, 6)
    img = load_image(photo_of(table_page(rows, ruled=False)), OcrConfig())
    assert ruling.find_table(img) is None
    table = unruled.table_from_boxes(img, get_recognizer().detect(img))
    assert table is not None and table.method == "boxes"
    assert table.n_rows == len(rows) + 1 and table.n_cols >= 5
    # the rows are the bands of writing, the columns the gutters between: the values are read right
    reading = read_photo(photo_of(table_page(rows, ruled=False)), wang, TPL)
    assert reading.method == "boxes"
    got = {h.row: h for h in reading.report.households}
    for i, r in enumerate(rows, start=1):
        assert got[i].household == r["household"] and got[i].values["temperature"] == r["temperature"]
        assert got[i].values["people"] == r["people"]


def test_a_usual_column_missing_from_a_table_without_ruling_is_asked_about(wang) -> None:
    """Without ruling the columns are guessed from the gaps in the writing, so a usual column that was not
    found may have run into its neighbour: its empty values are asked about. With ruling the table simply
    does not have it, and nothing is asked."""
    rows = rows_for(wang, 5)
    cols = ["household", "people", "out", "returned"]
    for ruled in (False, True):
        reading = read_photo(photo_of(table_page(rows, cols, ruled=ruled)), wang, TPL)
        assert reading.method == ("lines" if ruled else "boxes")
        assert len(reading.report.households) == len(rows)
        for h in reading.report.households:
            assert h.values["temperature"] is None and h.values["people"] == rows[h.row - 1]["people"]
            assert ("temperature" in h.uncertain) is not ruled


def test_faint_tilted_and_broken_ruling_is_found() -> None:
    """The stroke mask keeps a faint pencil line and makes nothing of a grainy desk; a line tilted 5° survives
    the sheared opening (a level one does not); the pieces of a broken line are fitted as one line."""
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(235, 3, (1200, 1600)), 0, 255).astype(np.uint8)
    img[:, 1250:] = np.clip(rng.normal(90, 16, (1200, 350)), 0, 255).astype(np.uint8)  # a grainy desk
    slope = math.tan(math.radians(5))
    for x0, x1 in ((40, 400), (430, 900), (930, 1200)):  # faint, with two gaps
        cv2.line(img, (x0, int(300 + slope * x0)), (x1, int(300 + slope * x1)), 195, 2)
    mask = ruling.stroke_mask(img)
    assert mask[:, 1260:].mean() < 3
    assert ruling.directional(mask, True, 1600 / 14, (0.0,)).sum() == 0
    ruled = ruling.directional(mask, True, 1600 / 14, ruling.PHOTO_SLOPES)
    assert ruling.directional(mask, False, 1200 / 14, ruling.PHOTO_SLOPES)[:, 1255:].sum() == 0
    [line] = ruling.fit_lines(ruled, True, 400)
    assert line.slope == pytest.approx(slope, abs=0.01) and line.at(0) == pytest.approx(300, abs=3)
    assert line.lo < 60 and line.hi > 1180


def test_rows_made_regular() -> None:
    """A row line that was not found is recovered from the spacing when two lines of writing lie in the gap
    (those rows are doubtful); a stroke that splits a row in two is no row line."""
    ink = np.zeros((420, 600), np.uint8)
    for y in (75, 125, 175, 225, 275, 325, 375):  # one line of writing per row
        ink[y - 8 : y + 8, 100:300] = 255
    lines = [ruling.Line(0.0, float(y), 0.0, 600.0, 600.0) for y in (50, 100, 150, 250, 300, 325, 350, 400)]
    rows, doubt = ruling.regular_rows(lines, 600, ink)
    assert [round(q.at(300)) for q in rows] == [50, 100, 150, 200, 250, 300, 350, 400]
    assert doubt == [False, False, True, True, False, False, False]
    # a tall row holding one line of writing (a two-line header, say) is not split
    ink[160:240] = 0
    ink[195:205, 100:300] = 255
    rows, _ = ruling.regular_rows(lines, 600, ink)
    assert 200 not in [round(q.at(300)) for q in rows]


@pytest.mark.parametrize("seed", [3, 4, 9])
def test_table_found_at_a_steep_angle_with_shadow(wang, seed) -> None:
    """Strong perspective and rotation, broken ruling, a deep shadow: the outline is refined in the
    rectified table and extended to where the ruling across it ends."""
    rows = rows_for(wang, 8)
    data = synth.photograph(table_page(rows, broken=True), random.Random(seed), strength=1.6, max_side=1280,
                            quality=80, crop_to_page=False)
    table = ruling.find_table(load_image(data, OcrConfig()))
    assert table is not None and (table.n_rows, table.n_cols) == (len(rows) + 1, 6)


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
    table = ruling.find_table(load_image(synth.to_jpeg(page), OcrConfig()))
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
    # all candidates at once over their prefix tree (what the recogniser uses): the same values
    assert ctc_trie_loglik(logp, LabelTrie.of(labels)) == pytest.approx(got, abs=1e-9)
    many = [list(rng.integers(1, 4, size=rng.integers(1, 4))) for _ in range(30)]
    assert ctc_trie_loglik(logp, LabelTrie.of(many)) == pytest.approx(ctc_loglik(logp, many), abs=1e-9)


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
    table = ruling.find_table(load_image(synth.to_jpeg(table_page(rows)), OcrConfig()))
    reading = read_table(table, member, TPL, OcrConfig(), get_recognizer())
    assert reading is not None
    names = {h.household for h in reading.report.households}
    assert names == {r["household"] for r in rows}
    for h in reading.report.households:
        r = rows[h.row - 1]
        assert h.household == r["household"]
        assert h.values["people"] == r["people"] and h.values["temperature"] == r["temperature"]
        assert h.confidence["people"] > 0 and h.confidence["household"] > 0


def test_a_stroke_along_the_ruling_is_not_read_as_a_one() -> None:
    """A hand-ruled line that wanders off its fitted position leaves a thin stroke along the cell's side: it
    is left out of the cell (so a blank cell stays blank, and is asked about); a 1 in the middle is read."""

    def cell(*strokes: tuple[int, int, int, int]):
        ink = np.zeros((200, 300), np.uint8)
        for x0, y0, x1, y1 in strokes:
            cv2.line(ink, (x0, y0), (x1, y1), 255, 3)
        table = Table(image=np.where(ink > 0, 0, 255).astype(np.uint8), ink=ink,
                           cells=[[(100, 60, 190, 122)]], method="lines")
        return cell_crop(table, (100, 60, 190, 122))

    remnant = (103, 75, 103, 110)
    blank = cell(remnant)
    assert blank.crop is None and blank.edge_ink >= blank.need  # blank, with a reason to ask
    one = cell((145, 78, 145, 102))
    assert one.crop is not None and one.edge_ink == 0
    both = cell(remnant, (145, 78, 145, 102))
    assert both.crop is not None and both.crop.shape[1] < 40  # the 1 alone: the remnant was cut off
    assert cell((115, 64, 175, 64)).crop is None  # a piece of the row's line along the top


def test_assignment_and_roster_order() -> None:
    """The Hungarian method finds the best one-to-one assignment; the names' posteriors weigh the roster's
    order by how well it explains the table: an illegible row between two read ones takes the household
    between theirs, and a table written in another order is read cell by cell."""
    rng = np.random.default_rng(3)
    for n, m in ((4, 4), (3, 6), (6, 3)):
        cost = rng.normal(size=(n, m))
        got = sum(cost[i, j] for i, j in decode.linear_assignment(cost))
        if n <= m:
            best = min(sum(cost[i, p[i]] for i in range(n)) for p in itertools.permutations(range(m), n))
        else:
            best = min(sum(cost[p[j], j] for j in range(m)) for p in itertools.permutations(range(n), m))
        assert got == pytest.approx(best)
    loglik = np.full((3, 5), -12.0)
    loglik[0, 0] = loglik[2, 2] = 0.0
    loglik[1] = -5.0  # illegible
    post, w = decode.name_posteriors(loglik, 0.8)
    assert w > 0.9 and int(post[1].argmax()) == 1 and post[1, 1] > 0.9
    # brute force: the in-order model's posterior is the average over increasing assignments
    lik = rng.normal(size=(3, 5)) * 2
    post, w = decode.name_posteriors(lik, 0.5)
    seqs = list(itertools.combinations(range(5), 3))
    weights = np.array([math.exp(sum(lik[r, q[r]] for r in range(3))) for q in seqs])
    ordered = np.zeros((3, 5))
    for q, wt in zip(seqs, weights, strict=True):
        for r in range(3):
            ordered[r, q[r]] += wt / weights.sum()
    free = np.exp(lik) / np.exp(lik).sum(axis=1, keepdims=True)
    m_ord, m_free = weights.mean(), np.prod(np.exp(lik).sum(axis=1) / 5)
    w_exp = m_ord / (m_ord + m_free)
    assert w == pytest.approx(w_exp) and post == pytest.approx(w_exp * ordered + (1 - w_exp) * free)
    shuffled = np.full((5, 5), -15.0)
    for r, k in enumerate([3, 0, 4, 1, 2]):
        shuffled[r, k] = 0.0
    post, w = decode.name_posteriors(shuffled, 0.8)
    assert w < 0.01 and [int(p.argmax()) for p in post] == [3, 0, 4, 1, 2]
    assert decode.in_sequence([0, 1, 6, 2, 3]) == [True, True, False, True, True]


def test_marks_read_by_shape_and_recogniser_together() -> None:
    def d(value, text, conf):
        return decode.FieldDecision(value, conf, conf, 0.0, text)

    assert decode.decide_mark(True, 0.99, d(False, "否", 0.98)).value is False  # a word, not a tick
    sure = decode.decide_mark(False, 0.9, d(False, "x", 0.7))
    assert sure.value is False and sure.confidence >= 0.9
    assert decode.decide_mark(True, 0.99, d(False, "x", 0.99)).confidence < 0.9  # they disagree: ask
    assert decode.decide_mark(None, 0.0, d(True, "V", 0.99)).confidence < 0.9  # "V": a cross short of a stroke?
    assert decode.decide_mark(None, 0.0, d(False, "X", 0.99)).confidence >= 0.9
    assert decode.decide_mark(None, 0.0, d(True, "y", 0.95)).confidence < 0.9  # neither mark nor word


def test_priors_break_ties_but_not_clear_readings() -> None:
    t = decode.temperature_set()
    prior = decode.temperature_prior()

    def scored(best: dict[str, float]) -> Scored:
        return Scored(np.array([best.get(s, -30.0) for s in t.strings]), Reading("", 0.9), max(best.values()))

    fever = decode.decide(scored({"38.5": -0.1, "36.5": -5.0}), t, prior=prior, temp=1.5)
    assert fever.value == 38.5 and fever.confidence > 0.9  # a clear fever stays a fever
    tie = decode.decide(scored({"38.5": -1.0, "36.5": -1.0}), t, prior=prior, temp=1.5)
    assert tie.value == 36.5 and tie.confidence < 0.9  # a tie goes to the usual value, and is asked about
    # a 6 read a little more like a 4 is still 36.5 (asked about); a clear 34.5 stays what it says
    cold = decode.decide(scored({"34.5": -1.0, "36.5": -4.0}), t, prior=prior, temp=1.5)
    assert cold.value == 36.5 and cold.confidence < 0.9
    assert decode.decide(scored({"34.5": -0.1, "36.5": -9.0}), t, prior=prior, temp=1.5).value == 34.5


def test_temperature_and_count_candidates() -> None:
    t = decode.temperature_set()
    assert 34.0 in t.values and 42.9 in t.values and 43.0 not in t.values and 33.9 not in t.values
    assert "36·5" in t.strings and "365" in t.strings  # a dot read as ·, or dropped
    p = decode.people_set(12)
    assert set(p.values) == set(range(1, 13))


# ---------------------------------------------------------------------------------------- columns, rows, flags
def test_columns_mapped_by_their_contents(wang) -> None:
    """Header words the reader does not know: temperatures, counts, names and the 序号 are still found by
    what their cells hold; the two yes/no columns cannot be told apart, and are asked about."""
    rows = rows_for(wang, 7)
    cols = ["index", "household", "people", "temperature", "out", "returned", "note"]
    page = table_page(rows, cols, headers=dict(zip(cols, "甲乙丙丁戊己庚", strict=True)))
    reading = read_photo(synth.to_jpeg(page), wang, TPL)
    got = {h.row: h for h in reading.report.households}
    assert sorted(got) == list(range(1, len(rows) + 1))
    for i, r in enumerate(rows, start=1):
        h = got[i]
        assert h.household == r["household"] and h.values["people"] == r["people"]
        assert h.values["temperature"] == r["temperature"]
        assert {"out", "returned"} <= set(h.uncertain)


def test_name_out_of_roster_order_is_asked_about(wang) -> None:
    rows = rows_for(wang, 8)
    rows.insert(2, rows.pop(6))  # the 7th household written third
    reading = read_photo(synth.to_jpeg(table_page(rows)), wang, TPL)
    got = {h.row: h for h in reading.report.households}
    assert [got[i].household for i in range(1, 9)] == [r["household"] for r in rows]
    assert "household" in got[3].uncertain and reading.doubts[(3, "household")] == "name order"
    assert sum("household" in h.uncertain for h in got.values()) <= 2


def test_wrong_values_are_flagged(wang) -> None:
    """Photos drawn as the benchmark draws them (shuffled columns, marks or words, camera effects): no value
    is wrong without being flagged, and most values are not flagged."""
    from bot.ocr.fonts import hand_fonts

    fonts = hand_fonts(None)
    fields = wrong_unflagged = flagged = 0
    for seed in (21, 22, 23):
        rng = random.Random(seed)
        spec = synth.random_spec([h.name for h in wang.households], rng)
        hand = synth.Hand.random(fonts, rng, sloppiness=1.1)
        page = synth.freehand_table(spec, hand, broken=seed == 22, faint=seed == 23, empty_rows=1)
        data = synth.photograph(page, rng, strength=1.0, max_side=1600, quality=75)
        got = {h.row: h for h in read_photo(data, wang, TPL).report.households}
        for i, r in enumerate(spec.rows, start=1):
            h = got.get(i)
            if h is None:
                continue
            for k in ("household", "people", "temperature", "out", "returned"):
                value = h.household if k == "household" else h.values[k]
                fields += 1
                flagged += k in h.uncertain
                wrong_unflagged += value != r[k] and k not in h.uncertain
    assert fields >= 100 and wrong_unflagged == 0 and flagged <= 0.25 * fields


@pytest.mark.parametrize("turn", [90, 180, 270])
@pytest.mark.parametrize("ruled", [True, False])
def test_sideways_or_upside_down_photo_without_exif(wang, turn, ruled) -> None:
    """A photo turned without an EXIF tag: the table is found as it lies (the ruled one's rectified image,
    or the turned photo's writing) and turned until its header reads; every value is read as upright."""
    rows = rows_for(wang, 6)
    upright = Image.open(io.BytesIO(photo_of(table_page(rows, ruled=ruled), seed=5, strength=0.6)))
    data = synth.to_jpeg(upright.rotate(turn, expand=True))
    reading = read_photo(data, wang, TPL)
    assert reading.method == ("lines" if ruled else "boxes")
    got = {h.row: h for h in reading.report.households}
    assert sorted(got) == list(range(1, len(rows) + 1))
    for i, r in enumerate(rows, start=1):
        assert got[i].household == r["household"]
        assert (got[i].values["people"], got[i].values["temperature"]) == (r["people"], r["temperature"])


@pytest.mark.parametrize("turn", [0, 90, 180])
def test_a_short_table_is_wider_than_tall(wang, turn) -> None:
    """Two households under a header of six columns: the table is wider than tall, upright or turned."""
    rows = rows_for(wang, 2)
    upright = Image.open(io.BytesIO(photo_of(table_page(rows), seed=6, strength=0.5)))
    reading = read_photo(synth.to_jpeg(upright.rotate(turn, expand=True)), wang, TPL)
    got = {h.row: h for h in reading.report.households}
    assert sorted(got) == [1, 2]
    for i, r in enumerate(rows, start=1):
        assert (got[i].household, got[i].values["people"], got[i].values["temperature"]) == (
            r["household"], r["people"], r["temperature"])


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
