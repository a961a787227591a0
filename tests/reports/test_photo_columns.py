"""The confirmation shows every column that 确认 will store: a register's 发热 and 隔离 as well as the
usual ones, only the columns a free-hand table has, and a field given by a correction; through the real
photo path (photo → reading → confirmation → 确认 → stored)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from bot.core import texts
from bot.core.model import Member
from bot.core.template import default_template
from bot.sample.cast import DAY, GROUP1, WANG
from handlers.offline import foreign as draw
from handlers.offline.bot import buttons, replies
from tests.ocr.helpers import neat_hand, photo_of, rows_for, sample_roster, table_page

TPL = default_template()
LABEL = {f.label: f.key for f in TPL.fields}


@pytest.fixture(scope="module")
def wang() -> Member:
    return sample_roster().find_member("王艳")


def shown(text: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The confirmation's columns (field keys) and each household's shown cells (❓ dropped)."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("行｜户主｜"))
    keys = [LABEL[w] for w in lines[head].split("｜")[2:]]
    cells: dict[str, dict[str, str]] = {}
    for line in lines[head + 1:]:
        parts = line.split("｜")
        if len(parts) != len(keys) + 2:
            break
        cells[parts[1].replace(texts.OCR_UNSURE, "")] = {
            k: v.replace(texts.OCR_UNSURE, "") for k, v in zip(keys, parts[2:], strict=True)}
    return keys, cells


def as_shown(v: Any) -> str:
    if v is None:
        return "—"
    return {True: "是", False: "否"}.get(v, str(v)) if isinstance(v, bool) else str(v)


async def stored(bot: Any) -> dict[str, dict[str, Any]]:
    rows = await bot.services.db.fetchall(
        "SELECT h.name, r.data FROM reports r JOIN households h ON h.id = r.household_id "
        "JOIN members m ON m.id = r.member_id WHERE r.day = ? AND m.name = ?", (DAY.isoformat(), "王艳"))
    return {r[0]: json.loads(r[1]) for r in rows}


async def post(bot: Any, file_id: str, data: bytes) -> tuple[int, str, dict[str, str]]:
    bot.request.add_file(file_id, data)
    bot.clock.set(bot.at("09:00"))
    calls = await bot.feed(bot.updates.photo(GROUP1, WANG, file_id, bot.clock.now, file_size=len(data)))
    note = next(c for c in calls if c.method == "sendMessage")
    edit = [c for c in calls if c.method == "editMessageText"][-1]
    return note.result["message_id"], str(edit.params["text"]), dict(buttons([edit]))


def register_photo(member: Member) -> tuple[bytes, list[dict[str, Any]]]:
    rng = random.Random(21)
    rows: list[dict[str, Any]] = []
    for h in member.households[:6]:
        rows.append({"household": h.name, "people": rng.randint(1, 6), "temperature": None, "note": "",
                     **{k: rng.random() < 0.4 for k in ("out", "returned", "fever", "isolated")}})
    cols = ["index", "household", "people", "out", "returned", "fever", "isolated"]
    headers = {"index": "序号", "household": "户主姓名", "people": "家庭人口", "out": "是否外出",
               "returned": "是否返乡", "fever": "有无发热", "isolated": "是否隔离"}
    words = {k: ("有", "无") if k == "fever" else ("是", "否") for k in ("out", "returned", "fever", "isolated")}
    spec = draw.RegisterSpec(rows, cols, headers, "cell", words, title="东风村疫情防控排查登记表")
    return photo_of(draw.draw_register(spec, neat_hand(4)), seed=4, strength=0.5, max_side=1600), rows


async def test_a_registers_fever_and_isolation_are_shown_and_stored_as_shown(bot, wang) -> None:
    data, truth = register_photo(wang)
    note_id, text, btns = await post(bot, "register-cols", data)
    keys, cells = shown(text)
    assert keys == ["people", "fever", "out", "returned", "isolated"]  # the register's columns, no others
    assert set(cells) == {t["household"] for t in truth}
    calls = await bot.click(GROUP1, WANG, btns[texts.OCR_CONFIRM], note_id)
    assert replies(calls)[0].startswith("✅ 已记录 王艳")
    got = await stored(bot)
    assert set(got) == set(cells)
    for name, values in got.items():
        for k in TPL.keys():
            if values.get(k) is not None:  # everything stored was on the confirmation, as shown
                assert k in keys, (name, k)
                assert cells[name][k] == as_shown(values[k]), (name, k)


async def test_a_table_shows_only_its_columns_and_a_correction_adds_one(bot, wang) -> None:
    rows = rows_for(wang, 5)
    rows[1]["temperature"] = 38.6  # fever is derived from it: stored, but not a column read
    data = photo_of(table_page(rows, ["household", "people", "temperature"]))
    note_id, text, btns = await post(bot, "table-cols", data)
    keys, cells = shown(text)
    assert keys == ["people", "temperature"]
    assert set(cells) == {r["household"] for r in rows}

    _, calls = await bot.post(GROUP1, WANG, "2 隔离 是", "09:02", reply_to=note_id)
    [fixed] = replies(calls)
    keys, cells = shown(fixed)
    assert keys == ["people", "temperature", "isolated"]
    assert cells[rows[1]["household"]]["isolated"] == "1" and cells[rows[0]["household"]]["isolated"] == "—"
    confirm = next(d for label, d in buttons(calls) if label == texts.OCR_CONFIRM)
    calls = await bot.click(GROUP1, WANG, confirm, note_id)
    got = await stored(bot)
    second = got[rows[1]["household"]]
    assert second["isolated"] == 1 and second["temperature"] == 38.6 and second["fever"] is True
    assert all(got[r["household"]]["out"] is None for r in rows)  # no 外出 column: nothing stored for it
