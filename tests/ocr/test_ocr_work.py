"""How much work the photo path does (counted, never timed): each image's paper background is found once."""

from __future__ import annotations

import pytest

from bot.config.ocr import OcrConfig
from bot.ocr import framing, paper, ruling
from bot.ocr.image import load_image
from tests.ocr.helpers import photo_of, rows_for, sample_roster, table_page


@pytest.fixture(scope="module")
def photo() -> bytes:
    return photo_of(table_page(rows_for(sample_roster().find_member("王艳"), 8)))


def _counting(monkeypatch: pytest.MonkeyPatch, *modules: object) -> list[int]:
    """Replace ``background`` in ``modules`` by one that notes each image it is asked for (by its pixels)."""
    seen: list[int] = []
    real = paper.background

    def counted(gray):  # type: ignore[no-untyped-def]
        seen.append(hash(gray.tobytes()))
        return real(gray)

    for m in modules:
        monkeypatch.setattr(m, "background", counted)
    return seen


def test_the_ruled_table_finds_each_images_background_once(photo: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    img = load_image(photo, OcrConfig())
    seen = _counting(monkeypatch, ruling, paper)
    assert ruling.find_table(img) is not None
    # the photo (and the photo deskewed, when it is turned), each rectification round, the rectified table:
    # never the same image twice (the strokes and the normalised page share one)
    assert len(seen) <= 2 + 4 + 1
    assert len(set(seen)) == len(seen)


def test_the_framing_check_finds_the_background_once(photo: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _counting(monkeypatch, framing, ruling, paper)
    framing.check_table(load_image(photo, OcrConfig()))
    assert len(seen) == 1
