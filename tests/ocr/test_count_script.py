"""One writer, one script: a column of counts weighs each cell's spellings by the other cells' script."""

from __future__ import annotations

import numpy as np

from bot.ocr import decode
from bot.ocr.engine import Reading, Scored

CS = decode.people_set(9)


def _cell(best: dict[str, float]) -> Scored:
    """A cell whose listed spellings score as given, every other one far below."""
    scores = np.array([best.get(s, -30.0) for s in CS.strings])
    return Scored(scores, Reading("", 0.5), 0.0)


def _value(sc: Scored) -> object:
    return decode.decide(sc, CS, prior=decode.people_prior(9), temp=1.5).value


def test_among_digits_a_cell_read_nearest_a_numeral_takes_the_digit() -> None:
    # an open-topped 4 read as 工: closest to 二, then 4; the writer's other counts are clear digits
    odd = _cell({"二": -8.0, "4": -9.5, "1": -10.0})
    column = [_cell({"3": -1.0}), _cell({"2": -1.0}), _cell({"5": -1.0}), _cell({"6": -1.5}), odd]
    assert _value(odd) == 2
    assert _value(decode.one_script(column, CS, 1.5)[-1]) == 4


def test_among_numerals_a_numeral_keeps_its_value() -> None:
    odd = _cell({"二": -8.0, "4": -9.5})
    column = [_cell({"三": -1.0}), _cell({"五": -1.0}), _cell({"四": -1.0}), odd]
    assert _value(decode.one_script(column, CS, 1.5)[-1]) == 2


def test_a_clear_numeral_among_digits_is_still_read() -> None:
    clear = _cell({"三": -0.5, "2": -14.0})
    column = [_cell({"3": -1.0}), _cell({"2": -1.0}), _cell({"5": -1.0}), clear]
    assert _value(decode.one_script(column, CS, 1.5)[-1]) == 3


def test_a_lone_cell_is_left_as_read() -> None:
    one = [_cell({"二": -8.0, "4": -9.5})]
    assert decode.one_script(one, CS, 1.5)[0] is one[0]
