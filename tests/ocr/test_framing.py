"""A part of the table missing from the photo (bot/ocr/framing.py): cut off by the photo's edge or under a
finger, it is answered with a retake request, never read as blanks; a complete photo reads as before."""

from __future__ import annotations

import random
from datetime import date

import cv2
import numpy as np
import pytest

from bot.core.template import default_template
from bot.ocr import framing
from bot.ocr.errors import OcrError
from bot.ocr.form import render_form
from bot.ocr.reader import read_photo
from handlers.offline import synth
from tests.ocr.helpers import cut_off, neat_hand, photo_of, rows_for, sample_roster, table_page


def decoded(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


@pytest.fixture(scope="module")
def wang_table() -> tuple[bytes, list[dict]]:
    wang = sample_roster().find_member("王艳")
    rows = rows_for(wang, 12)
    return photo_of(table_page(rows)), rows


def test_a_table_with_its_bottom_rows_cut_off_asks_for_a_retake_and_the_whole_photo_reads(wang_table) -> None:
    data, rows = wang_table
    wang = sample_roster().find_member("王艳")
    assert framing.check_table(decoded(cut_off(data))).cut == ["bottom"]
    with pytest.raises(OcrError) as e:
        read_photo(cut_off(data), wang, default_template())
    assert e.value.code == "cut_off"
    assert framing.check_table(decoded(data)) == framing.Framing([], False)
    reading = read_photo(data, wang, default_template())
    assert len(reading.report.households) == len(rows)


@pytest.mark.parametrize("seed", range(4))
def test_a_finger_over_the_table_is_seen_and_a_thumb_on_the_margin_is_not(seed: int) -> None:
    page = table_page(rows_for(sample_roster().find_member("王艳"), 10), seed=seed)
    over = synth.photograph(page, random.Random(seed), strength=0.6, quality=85, condition="finger")
    margin = synth.photograph(page, random.Random(seed), strength=0.6, quality=85, condition="thumb")
    assert framing.check_table(decoded(over)).covered
    assert framing.check_table(decoded(margin)) == framing.Framing([], False)


def _form_photo(seed: int, condition: str = "") -> tuple[bytes, object]:
    member = sample_roster().find_member("王艳")
    form = render_form(member, default_template(), date(2020, 2, 10))
    layout = form.layout["pages"][0]
    page = synth.fill_form(form.pages[0], layout, rows_for(member), neat_hand(seed))
    return synth.photograph(page, random.Random(seed), strength=0.6, max_side=1600, quality=85, crop_to_page=False,
                            condition=condition), member


def test_a_form_cut_off_or_under_a_finger_asks_for_a_retake() -> None:
    data, member = _form_photo(2)
    with pytest.raises(OcrError) as e:
        read_photo(cut_off(data, 0.7), member, default_template())
    assert e.value.code == "cut_off"
    for seed in range(2):
        with pytest.raises(OcrError) as e:
            read_photo(_form_photo(seed, "finger")[0], member, default_template())
        assert e.value.code == "covered"
    assert read_photo(data, member, default_template()).report.households  # the whole form reads


def test_the_photos_conditions_are_drawn() -> None:
    page = table_page(rows_for(sample_roster().find_member("王艳"), 6))
    plain = decoded(synth.photograph(page, random.Random(1), quality=90, crop_to_page=False))
    dark = decoded(synth.photograph(page, random.Random(1), quality=90, crop_to_page=False, condition="dark"))
    assert dark.mean() < 0.6 * plain.mean()
    for condition in synth.CONDITIONS:
        assert decoded(synth.photograph(page, random.Random(2), condition=condition)).shape[0] > 100
    with pytest.raises(ValueError):
        synth.photograph(page, random.Random(2), condition="rain")
