"""Digits in free-hand tables as people write them: over the ruling, thin and hurried, in Chinese numerals."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bot.core.template import default_template
from bot.ocr import cells
from bot.ocr.reader import read_photo
from bot.ocr.table import Table
from tests.ocr.helpers import photo_of, rows_for, sample_roster, table_page

TPL = default_template()


def _five_over_the_line() -> tuple[Table, tuple[int, int, int, int]]:
    """A cell (0..150) whose "5" runs over its right-hand ruling line (x 150), the ruling removed from the
    ink as the ruled path removes it (a band of 8 px)."""
    img = np.full((100, 240), 255, np.uint8)
    cv2.line(img, (150, 0), (150, 99), 170, 3)
    cv2.putText(img, "36.5", (40, 72), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 30, 6)
    ink = ((img < 160) * 255).astype(np.uint8)
    ink[:, 146:154] = 0
    return Table(img, ink, [[(0, 0, 150, 100), (150, 0, 240, 100)]], "lines"), (0, 0, 150, 100)


def test_a_digit_over_the_ruling_is_cut_out_whole() -> None:
    table, box = _five_over_the_line()
    crop = cells.cell_crop(table, box).crop
    assert crop is not None
    # the 5's bowl beyond the line is in the crop, and so is its stroke across the line
    _, xs = np.nonzero(crop < 160)
    assert xs.max() - xs.min() >= 120  # all of "36.5" (127 px), not cut at the line (110)
    line = (np.abs(np.arange(crop.shape[1]) - (xs.min() + 150 - 40 - 2)) <= 4)
    assert (crop[:, line] < 160).any()  # the 5's stroke across the removed ruling is there too


def test_thickened_digits_are_bolder_with_a_margin() -> None:
    img = np.full((40, 24), 255, np.uint8)
    cv2.line(img, (12, 4), (12, 36), 0, 2)
    bold = cells.thickened(img)
    assert bold.shape == (40 + 2 * 6, 24)
    assert (bold < 128).sum() > 1.5 * (img < 128).sum()


def test_margined_digits_keep_their_ink_in_a_wide_white_border() -> None:
    img = np.full((40, 24), 255, np.uint8)
    cv2.line(img, (12, 4), (12, 36), 0, 2)
    wide = cells.margined(img)
    assert wide.shape == (40 + 2 * 8, 24 + 2 * 16)
    assert (wide < 128).sum() == (img < 128).sum()
    assert (wide[:, :16] == 255).all() and (wide[:8] == 255).all()


@pytest.mark.parametrize("numerals", [("三", "两", "五", "四", "二", "六", "一")])
def test_counts_in_chinese_numerals(numerals) -> None:
    """Older members write counts as 三, 两: read as numbers, nothing wrong unasked."""
    wang = sample_roster().find_member("王艳")
    rows = rows_for(wang, len(numerals))
    value = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
    for r, n in zip(rows, numerals, strict=True):
        r["people"] = n
    reading = read_photo(photo_of(table_page(rows, seed=2), seed=4), wang, TPL)
    got = {h.household: h for h in reading.report.households}
    right = 0
    for r, n in zip(rows, numerals, strict=True):
        h = got[r["household"]]
        right += h.values["people"] == value[n]
        assert h.values["people"] == value[n] or "people" in h.uncertain
    assert right >= len(numerals) - 1
