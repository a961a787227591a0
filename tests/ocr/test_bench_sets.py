"""The OCR benchmark's photos (bench/ocr_bench.py, bench/ocr_sets.py): font and real digits in pairs, and
gridbot's form filled in the way people fill forms in (handlers/offline/synth.fill_form)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from bot.core.template import default_template
from bot.ocr.form import render_form
from handlers.offline import synth
from handlers.offline.mnist import DigitBank
from tests.ocr.helpers import fake_digits_package, neat_hand, sample_roster


def test_every_set_is_drawn_twice_alike_but_for_the_digits(tmp_path: Path) -> None:
    from bench import ocr_bench

    bank = DigitBank.load(fake_digits_package(tmp_path, {d: 10 for d in range(10)}), "dev")
    cases = ocr_bench.make_cases({"table": 1, "form": 1}, 3, bank)
    assert [(c["kind"], c["digits"]) for c in cases] == [("table", "font"), ("table", "real"), ("form", "font"),
                                                           ("form", "real")]
    for font, real in (cases[:2], cases[2:]):
        assert font["id"] == real["id"] and font["member"] == real["member"] and font["rows"] == real["rows"]
        assert font["font"] == real["font"] and font["data"] != real["data"]
        assert font["data"][:2] == b"\xff\xd8"  # JPEG
    assert ocr_bench.make_cases({"table": 1}, 3, None)[0]["digits"] == "font"
    assert len(ocr_bench.make_cases({"table": 1}, 3, None)) == 1  # no real digits: font digits only


def _ink(page: np.ndarray, box: list[float]) -> int:
    x0, y0, x1, y1 = (int(v) for v in box)
    return int((page[y0:y1, x0:x1] < 120).sum())


def test_forms_filled_in_like_people_cross_box_edges_and_keep_their_truth() -> None:
    member = next(m for m in sample_roster().members if len(m.households) >= 12)
    form = render_form(member, default_template(), date(2020, 2, 10))
    layout = form.layout["pages"][0]
    n = len(layout["rows"])
    across = ticks_outside = 0
    for seed in range(3):
        rows = [{"household": r["household"], "people": 3, "temperature": 36.5, "out": True, "returned": False,
                 "note": ""} for r in layout["rows"]]
        rows[0]["out"] = None  # a blank
        hand = neat_hand(seed)
        neat = np.asarray(synth.fill_form(form.pages[0], layout, rows, hand).convert("L"))
        hand = neat_hand(seed)
        page = np.asarray(synth.fill_form(form.pages[0], layout, rows, hand, like_people=True).convert("L"))
        blank = np.asarray(form.pages[0].convert("L"))
        out_box = layout["rows"][0]["fields"]["out"]
        assert _ink(page, out_box["field"]) == _ink(blank, out_box["field"])  # nothing written in a blank
        for r in layout["rows"]:
            d0, d1 = r["fields"]["people"]["digits"]
            gap = [d0[2], d0[1] + 8, d1[0], d0[3] - 8]  # between the two digit boxes
            across += _ink(page, gap) > _ink(blank, gap) + 20
            assert _ink(neat, gap) <= _ink(blank, gap) + 20  # the form's own way: one digit, one box
            yes = r["fields"]["out"]["yes"]
            above = [yes[0], yes[1] - 40, yes[2] + 40, yes[1] - 4]  # up and to the right of the 是 box
            ticks_outside += _ink(page, above) > _ink(blank, above) + 20
    assert 0.1 * 3 * n <= across <= 0.6 * 3 * n
    assert 0.15 * 3 * n <= ticks_outside <= 0.8 * 3 * n


def test_the_benchmark_measures_with_dev_digits_unless_asked_for_the_held_ones() -> None:
    from bench import ocr_bench

    assert ocr_bench.parse_args([]).digits == "dev"
    assert ocr_bench.parse_args(["--digits", "held"]).digits == "held"
    quick = ocr_bench.sizes_of(ocr_bench.parse_args(["--quick", "--only", "form"]))
    assert quick["form"] == 4 and quick["table"] == 0
    assert ocr_bench.sizes_of(ocr_bench.parse_args(["--photos", "3"]))["table"] == 3


def test_register_rows_are_paired_by_household_so_a_lost_row_costs_only_itself() -> None:
    from bench.ocr_sets import pair_rows

    truth = [{"row": i, "household": n} for i, n in enumerate(["甲", "乙", "丙", "丁", "戊"], start=1)]
    lost = [{"row": i, "household": n} for i, n in enumerate(["甲", "丙", "丁", "戊"], start=1)]  # 乙 lost
    assert [h and h["household"] for h in pair_rows(truth, lost, "household")] == ["甲", None, "丙", "丁", "戊"]
    by_row = [h and h["household"] for h in pair_rows(truth, lost, "row")]
    assert by_row == ["甲", "丙", "丁", "戊", None]  # the old way: every row after the lost one is another's
    # a name misread (or not the member's) is paired by its place between the rows matched
    misread = [{"row": 1, "household": "甲"}, {"row": 2, "household": None}, {"row": 3, "household": "丙"},
               {"row": 4, "household": "乙"}, {"row": 5, "household": "戊"}]
    assert [h and h["row"] for h in pair_rows(truth, misread, "household")] == [1, 2, 3, 4, 5]
    # an extra row read (a row split in two) is left out, not shifting the rest
    extra = [*lost[:1], {"row": 9, "household": None}, {"row": 10, "household": "乙"}, *lost[1:]]
    assert [h and h["household"] for h in pair_rows(truth, extra, "household")] == ["甲", "乙", "丙", "丁", "戊"]
