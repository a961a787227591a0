"""Photos on Feishu against the stand-in: an image message and an image file are downloaded by key, read,
shown on an interactive card whose buttons are checked against the stored reading; a broken image gets a clear
Chinese reply."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import texts
from tests.feishu.harness import town
from tests.ocr.helpers import photo_of, rows_for, sample_roster, table_page


@pytest.fixture(scope="module")
def wang_photo() -> tuple[bytes, list[dict]]:
    wang = sample_roster().find_member("王艳")
    rows = rows_for(wang, 6)
    return photo_of(table_page(rows)), rows


async def test_a_photo_is_read_corrected_confirmed_and_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              wang_photo) -> None:
    data, rows = wang_photo
    async with town(tmp_path, monkeypatch) as t:
        s = t.standin
        await t.say("一", "刘志宇", "/bind 第一网格")
        mid = s.post_image(t.groups["一"], t.users["王艳"], data)
        await t.settle()
        [card] = s.replies_to(mid)
        assert card.msg_type == "interactive" and card.history  # "正在识别…", then the reading
        assert texts.OCR_READING in str(card.history[0])
        for r in rows:
            assert r["household"] in card.text
        assert [b[0] for b in card.buttons()] == [texts.OCR_CONFIRM, texts.OCR_REREAD, texts.OCR_CANCEL]
        assert await t.stored("王艳") == {}
        assert any(c.kind == "resource.get" for c in s.calls())  # downloaded through the message-resource API

        # a correction replying to the card; a stranger's click is refused; the member's confirms
        fix = await t.say("一", "王艳", "3 体温 36.8", reply_to=card.message_id)
        [fixed] = s.replies_to(fix)
        assert fixed.text.startswith("✏️") and fixed.msg_type == "interactive"
        answer = await t.delivered(await t.click(fixed.message_id, "路人甲", texts.OCR_CONFIRM))
        assert answer["toast"]["content"] == texts.OCR_NOT_ALLOWED
        answer = await t.delivered(await t.click(fixed.message_id, "王艳", texts.OCR_CONFIRM))
        assert answer["toast"]["type"] == "success"
        got = await t.stored("王艳")
        assert set(got) == {r["household"] for r in rows}
        assert got[rows[2]["household"]]["temperature"] == 36.8

        # an image sent as a file attachment is read too; a broken image is answered plainly
        mid = s.post_file(t.groups["一"], t.users["刘志宇"], b"not an image at all", "表格.jpg")
        await t.settle()
        [note] = s.replies_to(mid)
        assert note.text in texts.OCR_ERRORS.values()
