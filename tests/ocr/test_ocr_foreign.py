"""Registers that gridbot did not print (a village committee's own 登记表): each layout read right, a pair
marked twice asked about, names that are not the member's not taken, columns of no interest ignored, and a
photo of one through the real photo path."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from bot.config.ocr import OcrConfig
from bot.core import texts
from bot.core.model import Member
from bot.core.template import default_template
from bot.ocr import decode, foreign, ruling
from bot.ocr.image import load_image
from bot.ocr.reader import read_photo
from bot.sample.cast import GROUP1, WANG
from handlers.offline import foreign as draw
from handlers.offline import synth
from handlers.offline.bot import buttons
from tests.ocr.helpers import neat_hand, photo_of, rows_for, sample_roster, table_page

TPL = default_template()
KEYS = ("people", "out", "returned", "fever", "isolated")


@pytest.fixture(scope="module")
def wang() -> Member:
    return sample_roster().find_member("王艳")


def register(member: Member, seed: int, *, pairs: str, box_first: bool = False, youwu: bool = False,
             sub_boxes: bool = True, mark: str = "check", columns: list[str] | None = None,
             strangers: tuple[str, ...] = (), n: int = 10) -> draw.RegisterSpec:
    """A register of the member's first ``n`` households (and ``strangers`` printed among them), laid out as
    asked, its values random but fixed by ``seed``."""
    rng = random.Random(seed)
    names = [h.name for h in member.households[:n]]
    rows: list[dict[str, Any]] = [{"household": x} for x in names]
    for i, s in enumerate(strangers):
        rows.insert(2 + 3 * i, {"household": s, "stranger": True})
    cols = columns or ["index", "household", "people", "out", "returned", "fever", "isolated"]
    for row in rows:
        row.update(people=rng.randint(1, 6), temperature=None, note="")
        for k in ("out", "returned", "fever", "isolated"):
            row[k] = rng.random() < 0.4 if k in cols else None
    headers = {"index": "序号", "household": "户主姓名", "people": "家庭人口", "out": "是否外出",
               "returned": "是否返乡", "fever": "有无发热", "isolated": "是否隔离", "phone": "联系电话",
               "idcard": "身份证号"}
    words = {k: ("有", "无") if youwu or k == "fever" else ("是", "否") for k in ("out", "returned", "fever", "isolated")}
    return draw.RegisterSpec(rows, cols, headers, pairs, words, box_first=box_first, sub_boxes=sub_boxes,
                             counts_printed=True, title="东风村疫情防控排查登记表",
                             village_line="村（社区）：东风村        日期：2020年2月10日", mark=mark)


def photo(spec: draw.RegisterSpec, seed: int = 3) -> bytes:
    return photo_of(draw.draw_register(spec, neat_hand(seed)), seed=seed, strength=0.5, max_side=1600)


def check(reading: Any, spec: draw.RegisterSpec, keys: tuple[str, ...] = KEYS) -> tuple[int, int, int]:
    """(fields right, fields, wrong and not asked about) of a reading against the register's truth."""
    got = {h.row: h for h in reading.report.households}
    right = total = wrong_unasked = 0
    for i, t in enumerate(spec.rows, start=1):
        if t.get("stranger"):
            assert i not in got, f"row {i} ({t['household']}) is not the member's"
            continue
        h = got[i]
        assert h.household == t["household"]
        for k in keys:
            if k not in spec.columns:
                continue
            total += 1
            right += h.values[k] == t[k]
            wrong_unasked += h.values[k] != t[k] and k not in h.uncertain
    return right, total, wrong_unasked


@pytest.mark.parametrize(("pairs", "box_first", "youwu", "sub_boxes", "mark", "least"), [
    ("cell", False, False, True, "check", 0.95),  # 是□ 否□
    ("cell", True, True, True, "cross", 0.95),  # □有 □无
    ("sub", False, False, True, "fill", 0.95),  # 是 | 否 sub-columns, a □ in each, scribbled in
    ("sub", False, True, False, "check", 0.95),  # 有 | 无 sub-columns without boxes
])
def test_each_layout_is_read(wang, pairs, box_first, youwu, sub_boxes, mark, least) -> None:
    spec = register(wang, 11, pairs=pairs, box_first=box_first, youwu=youwu, sub_boxes=sub_boxes, mark=mark)
    reading = read_photo(photo(spec, seed=6), wang, TPL)
    assert reading.method == "register" and reading.kind == "form"
    right, total, wrong_unasked = check(reading, spec)
    assert wrong_unasked == 0 and right >= least * total


def test_thin_pale_ruling_keeps_every_row(wang) -> None:
    """A register ruled with one-pixel lines, photographed small: its lines are pale dips (about 210 on white),
    still ruling; no row is merged into the next and lost."""
    spec = register(wang, 16, pairs="cell", n=12)
    spec.line_width = 1
    for seed in (2, 5):
        page = draw.draw_register(spec, neat_hand(seed))
        reading = read_photo(synth.photograph(page, random.Random(seed), strength=0.9, max_side=1280), wang, TPL)
        assert sorted(h.row for h in reading.report.households) == list(range(1, 13))
        right, total, wrong_unasked = check(reading, spec)
        assert wrong_unasked == 0 and right >= 0.95 * total


def test_a_blank_pair_is_not_read_from_the_columns_noise() -> None:
    """A column whose unmarked options show a little ink that varies from row to row (blur, a neighbour's
    stroke): a row with no mark stands no clearer of that than the others and is asked about, never read."""
    rng = random.Random(5)
    got = []
    for i in range(14):
        low, mark = 0.15 + 0.13 * rng.random(), 2.8 + 4 * rng.random()
        got.append((low, mark, 0.0) if i % 3 else (mark, low, 0.0))
    got.append((0.212, 0.235, 0.0))  # the blank: no more ink than the others' unmarked options
    ds = foreign.decide_column(got, yes_first=True)
    assert [d.value for d in ds[:-1]] == [i % 3 == 0 for i in range(14)]
    assert all(d.confidence >= 0.9 for d in ds[:-1])
    assert ds[-1].value is None and "no mark" in ds[-1].doubts
    flipped = foreign.decide_column(got, yes_first=False)  # 否 printed first
    assert [d.value for d in flipped[:-1]] == [i % 3 != 0 for i in range(14)]


def test_both_boxes_marked_is_asked(wang) -> None:
    spec = register(wang, 12, pairs="cell")
    spec.both = {(1, "out"), (4, "returned")}
    reading = read_photo(photo(spec), wang, TPL)
    got = {h.row: h for h in reading.report.households}
    for i, k in spec.both:
        h = got[i + 1]
        assert k in h.uncertain
    assert check(reading, spec)[2] == 0


def test_a_name_not_the_members_is_not_taken(wang) -> None:
    """A name on nobody's roster and another member's household printed among the member's: neither row is
    taken for one of the member's households; both are listed as not recognised."""
    other = sample_roster().find_member("刘志宇").households[0].name
    spec = register(wang, 13, pairs="cell", strangers=("李四海", other))
    reading = read_photo(photo(spec), wang, TPL)
    right, total, wrong_unasked = check(reading, spec)
    assert wrong_unasked == 0 and right >= 0.95 * total
    stranger_rows = [f"第{i}行" for i, t in enumerate(spec.rows, start=1) if t.get("stranger")]
    assert set(stranger_rows) <= set(reading.report.unmatched)


def test_unknown_columns_are_ignored(wang) -> None:
    """联系电话 and 身份证号 columns between the known ones name no field: the known columns are read as
    usual, and nothing of the numbers is read into the report."""
    cols = ["household", "phone", "out", "idcard", "people", "returned"]
    spec = register(wang, 14, pairs="cell", columns=cols)
    vocab = dict(zip(decode.header_set(TPL).strings, decode.header_set(TPL).values, strict=True))
    assert foreign.header_key("联系电话", vocab) is None and foreign.header_key("身份证号", vocab) is None
    assert foreign.header_key("是否外出", vocab) == "out" and foreign.header_key("户主姓名", vocab) == "household"
    reading = read_photo(photo(spec), wang, TPL)
    right, total, wrong_unasked = check(reading, spec, ("people", "out", "returned"))
    assert wrong_unasked == 0 and right >= 0.95 * total
    for h in reading.report.households:
        assert set(h.values) == set(TPL.keys())
        assert not any(isinstance(v, str) and any(ch.isdigit() for ch in v) for v in h.values.values())


def test_a_handwritten_table_is_no_register(wang) -> None:
    """The cheap test that runs before every free-hand reading: a hand-ruled, handwritten table shares no
    print between its rows."""
    for seed in (1, 2):
        img = load_image(synth.to_jpeg(table_page(rows_for(wang, 8), seed=seed)), OcrConfig())
        table = ruling.find_table(img)
        assert table is not None and foreign.find_pairs(table) is None


async def test_a_register_photo_through_the_photo_path(bot, wang) -> None:
    """A member posts a photo of the village's register: it is read as a 登记表, shown for confirmation
    with the three buttons, and nothing is stored before 确认."""
    spec = register(wang, 15, pairs="cell")
    bot.request.add_file("register-1", photo(spec))
    bot.clock.set(bot.at("09:00"))
    calls = await bot.feed(bot.updates.photo(GROUP1, WANG, "register-1", bot.clock.now, file_size=1000))
    edit = [c for c in calls if c.method == "editMessageText"][-1]
    text = str(edit.params["text"])
    assert texts.OCR_KIND_FORM in text.splitlines()[0]
    for i, t in enumerate(spec.rows, start=1):
        assert any(line.startswith(f"{i}｜{t['household']}") for line in text.splitlines())
    assert [b for b, _ in buttons([edit])] == [texts.OCR_CONFIRM, texts.OCR_REREAD, texts.OCR_CANCEL]
    rows = await bot.services.db.fetchall("SELECT 1 FROM reports")
    assert not rows


def test_ruling_joined_into_one_blob_by_dense_print_is_split_into_its_lines() -> None:
    """A register's boxes, stacked row over row along its column lines, join the ruling into one blob in the
    photo's vertical strokes: it is fitted as the lines in it (the table's left edge among them), not as one
    line through its middle (which cut the register's left columns off)."""
    mask = np.zeros((400, 300), np.uint8)
    xs = (40, 70, 95, 130, 160)
    for i, x in enumerate(xs):  # slightly leaning lines, as in a photo
        for y in range(20, 380):
            xi = int(round(x + 0.05 * (y - 20)))
            mask[y, xi : xi + 3 if i else xi + 2] = 255
    for y in range(30, 370, 28):  # the boxes' tops and the row lines join them
        mask[y : y + 3, 40:180] = 255
    lines = ruling.fit_lines(mask, False, 0.5 * 400)
    at = sorted(q.at(200) for q in lines)
    for x in xs:
        assert any(abs(a - (x + 0.05 * 180 + 1)) <= 3 for a in at), (x, at)
    assert min(at) < xs[0] + 0.05 * 180 + 4


def _print_row(parts: list[tuple[str, int]], h: int = 40) -> np.ndarray:
    """A pair cell's print, left to right: ("box", width) outlines, ("word", width) solid blocks, ("gap",
    width) paper; each piece touches the next when no gap is between them."""
    cols = []
    for kind, width in parts:
        piece = np.zeros((h, width), np.uint8)
        if kind == "box":
            piece[8:32, :] = 1
            piece[11:29, 3:-3] = 0
        elif kind == "word":
            piece[9:31, 1:-1] = 1
        cols.append(piece)
    return np.hstack(cols)


def test_a_pair_in_a_narrow_cell_parts_between_the_options_not_inside_one() -> None:
    """In a narrow cell the words touch their boxes (有□无□ with no gap): the options part right after the
    first box when the words come first, right before the second box when the boxes do."""
    words_first = _print_row([("gap", 4), ("word", 22), ("box", 24), ("word", 22), ("box", 24), ("gap", 4)])
    at = foreign._split(words_first) * words_first.shape[1]
    assert 48 <= at <= 52  # the first box ends at 50
    boxes_first = _print_row([("gap", 4), ("box", 24), ("word", 22), ("box", 24), ("word", 22), ("gap", 4)])
    at = foreign._split(boxes_first) * boxes_first.shape[1]
    assert 48 <= at <= 52  # the second box starts at 50
    spaced = _print_row([("gap", 4), ("word", 22), ("gap", 2), ("box", 24), ("gap", 12), ("word", 22), ("gap", 2),
                         ("box", 24), ("gap", 4)])
    at = foreign._split(spaced) * spaced.shape[1]
    assert 52 <= at <= 64  # in the space between the options


def test_a_household_written_in_by_hand_and_counts_in_numerals_are_read_or_asked(wang) -> None:
    """A household the committee did not print, written by hand into a spare row, is that household (asked
    about, never silently another's); counts written in Chinese numerals are read in their closed set."""
    spec = register(wang, 17, pairs="cell", n=8)
    spec.rows.append({**spec.rows.pop(3), "written": True})
    spec.spare, spec.counts_printed, spec.numerals = 2, False, True
    reading = read_photo(photo(spec, seed=8), wang, TPL)
    got = {h.row: h for h in reading.report.households}
    written = got.get(len(spec.rows))
    assert written is not None and written.household == spec.rows[-1]["household"]
    right, total, wrong_unasked = check(reading, spec)
    assert wrong_unasked == 0 and right >= 0.9 * total


def test_a_count_written_unlike_the_rest_of_its_column_is_asked() -> None:
    """One writer fills a register's counts one way: in a column of Chinese numerals, a count read as a digit
    (a cursive 五 reads as 4) is asked about; a column of one kind is left alone."""
    def dec(text: str, value: int) -> decode.FieldDecision:
        return decode.FieldDecision(value, 0.99, 0.99, 0.0, text)

    mixed = {(1, "people"): dec("三", 3), (2, "people"): dec("4", 4), (3, "people"): dec("两人", 2),
             (4, "people"): dec("六", 6)}
    foreign._same_hand([1, 2, 3, 4], mixed)
    assert [mixed[(r, "people")].confidence < 0.9 for r in (1, 2, 3, 4)] == [False, True, False, False]
    digits = {(r, "people"): dec(str(r), r) for r in (1, 2, 3)}
    foreign._same_hand([1, 2, 3], digits)
    assert all(d.confidence == 0.99 for d in digits.values())


def test_a_name_read_unsurely_is_taken_as_handwriting_and_asked_but_a_clean_print_of_another_is_not() -> None:
    names = ["谭新民", "方润生", "高丽娟"]
    written = decode.FieldDecision("谭新民", 0.99, 1.0, -4.5, "潭新氏", reading_conf=0.8)
    got = foreign._name_options("潭新氏", written, names)
    assert [g[0] for g in got] == ["谭新民"] and got[0][2] < 0.9  # that household, asked
    printed = decode.FieldDecision("方润生", 0.99, 1.0, -27.6, "常润生", reading_conf=1.0)
    assert foreign._name_options("常润生", printed, names) == []  # another's household, printed clearly
