"""A member's messages that are not reports of their own households, through the real PTB Application:
a number read as a room (never another member's household), and answers to the bot's questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bot.sample as bot_sample
from bot.core.roster import load_roster
from bot.core.template import default_template
from bot.parser import parse_rooms
from bot.reports.answers import NORMAL, UNCLEAR, bare_value
from bot.sample.cast import DAY, GROUP1, LIU, WANG
from handlers.offline.bot import OfflineBot, replies


async def stored(bot: OfflineBot) -> dict[str, tuple[str, dict, str]]:
    """Today's rows: household → (credited member, data, via)."""
    got = await bot.services.db.fetchall(
        "SELECT h.name, m.name, r.data, r.via FROM reports r JOIN households h ON h.id = r.household_id "
        "JOIN members m ON m.id = r.member_id WHERE r.day = ?", (DAY.isoformat(),))
    return {r[0]: (r[1], json.loads(r[2]), r[3]) for r in got}


# ------------------------------------------------------------------ a member's number is no residents' chain


async def test_a_members_bare_number_credits_no_other_members_household(bot: OfflineBot) -> None:
    """东风村一组15号 is 白三虎's (刘志宇's household): 王艳 writing ``15`` or ``15 36.5`` reports nothing."""
    for text in ("15", "15 36.5", "15\n今天都在家吗", "15-3"):
        _, calls = await bot.post(GROUP1, WANG, text, "09:00")
        assert not any("住户接龙" in r for r in replies(calls)), (text, replies(calls))
    assert await stored(bot) == {}


async def test_a_clear_residents_chain_reposted_by_a_member_is_still_read(bot: OfflineBot) -> None:
    roster = await bot.services.reports.roster()
    chain = "#接龙 今日排查\n1. 15-6\n2. 42-1"
    assert parse_rooms(chain, roster, bot.services.config.template).clear
    _, calls = await bot.post(GROUP1, WANG, chain, "09:00")
    assert any("住户接龙" in r for r in replies(calls)), replies(calls)
    got = await stored(bot)
    assert got["白三虎"][0] == "刘志宇" and got["白三虎"][2] == "resident"
    assert got["白三虎"][1]["people"] == 6


def test_what_a_clear_chain_is() -> None:
    roster = load_roster(Path(bot_sample.__file__).parent / "roster.csv")
    tpl = default_template()
    assert not parse_rooms("15", roster, tpl).clear
    assert not parse_rooms("15 36.5\n今天都挺好的\n有事找我", roster, tpl).clear
    assert parse_rooms("15-6\n42-1", roster, tpl).clear
    assert parse_rooms("接龙\n15-6", roster, tpl).clear
    assert parse_rooms("1. 门牌号-人数\n2. 15-6", roster, tpl).clear


# ------------------------------------------------------------------ answers to the bot's questions


async def ask(bot: OfflineBot, text: str, when: str = "09:00") -> int:
    """王艳 posts a report with a doubt; returns the message id of the bot's reply (with its question)."""
    _, calls = await bot.post(GROUP1, WANG, text, when)
    [sent] = [c for c in calls if c.method == "sendMessage"]
    assert "❓" in sent.params["text"], sent.params["text"]
    return int(sent.result["message_id"])


async def row(bot: OfflineBot, name: str = "杜美玲") -> tuple[dict, list[str]]:
    r = await bot.services.db.fetchone(
        "SELECT r.data, r.uncertain FROM reports r JOIN households h ON h.id = r.household_id "
        "WHERE h.name = ? AND r.day = ?", (name, DAY.isoformat()))
    return json.loads(r[0]), json.loads(r[1])


@pytest.mark.parametrize(
    ("report", "answer", "expected"),
    [
        ("杜美玲家共人，体温36.5", "4人", {"people": 4, "temperature": 36.5}),
        ("杜美玲家共人，体温36.5", "4", {"people": 4}),
        ("杜美玲家共人，体温36.5", "四口人。", {"people": 4}),
        ("杜美玲家共人，体温36.5", "是4个人哈", {"people": 4}),
        ("杜美玲家体温3.65", "36.5", {"temperature": 36.5, "fever": False}),
        ("杜美玲家体温3.65", "正常", {"temperature": None, "fever": False}),
        ("杜美玲家听说发烧了", "是的", {"fever": True}),
        ("杜美玲家听说发烧了", "没有", {"fever": False}),
        ("杜美玲家外出：", "都在家", {"out": 0}),
        ("杜美玲家人数：，返乡：", "人数4人，返乡0", {"people": 4, "returned": 0}),
        ("杜美玲家返乡：", "没得", {"returned": 0}),
    ],
)
async def test_a_reply_to_the_question_fills_the_field(
    bot: OfflineBot, report: str, answer: str, expected: dict
) -> None:
    question = await ask(bot, report)
    _, calls = await bot.post(GROUP1, WANG, answer, "09:03", reply_to=question)
    [reply] = replies(calls)
    assert reply.startswith("✅ 已补上 杜美玲家："), reply
    data, doubts = await row(bot)
    assert {k: data[k] for k in expected} == expected
    assert doubts == []


async def test_a_bare_number_for_two_fields_is_asked_again_plainly(bot: OfflineBot) -> None:
    question = await ask(bot, "杜美玲家人数：，返乡：")
    for answer in ("4", "没有"):  # 人数 or 返乡? (没有 cannot be 人数)
        _, calls = await bot.post(GROUP1, WANG, answer, "09:03", reply_to=question)
        [reply] = replies(calls)
        assert reply.startswith("❓ 没看明白是哪一项。杜美玲家的人数、返乡还没补上"), reply
        data, doubts = await row(bot)
        assert data["people"] is None and data["returned"] is None and doubts == ["people", "returned"]
    _, calls = await bot.post(GROUP1, WANG, "人数4人", "09:04", reply_to=question)  # one of the two
    [reply] = replies(calls)
    assert reply.startswith("✅ 已补上 杜美玲家：人数4") and "❓ 杜美玲家的返乡没看清" in reply, reply
    data, doubts = await row(bot)
    assert data["people"] == 4 and doubts == ["returned"]


async def test_the_next_plain_message_answers_a_question_of_one_field(bot: OfflineBot) -> None:
    await ask(bot, "杜美玲家共人，体温36.5", "09:00")
    _, calls = await bot.post(GROUP1, WANG, "4人", "09:05")
    assert replies(calls) == ["✅ 已补上 杜美玲家：人数4"]
    data, doubts = await row(bot)
    assert data["people"] == 4 and data["temperature"] == 36.5 and doubts == []


async def test_a_plain_message_long_after_the_question_is_no_answer(bot: OfflineBot) -> None:
    await ask(bot, "杜美玲家共人，体温36.5", "09:00")
    await bot.post(GROUP1, WANG, "4人", "09:40")
    data, doubts = await row(bot)
    assert data["people"] is None and doubts == ["people"]


async def test_a_plain_message_after_a_question_of_two_fields_is_no_answer(bot: OfflineBot) -> None:
    await ask(bot, "杜美玲家人数：，返乡：", "09:00")
    await bot.post(GROUP1, WANG, "4", "09:02")
    data, doubts = await row(bot)
    assert data["people"] is None and doubts == ["people", "returned"]


async def test_another_members_plain_message_answers_nothing(bot: OfflineBot) -> None:
    await ask(bot, "杜美玲家共人，体温36.5", "09:00")
    await bot.post(GROUP1, LIU, "4人", "09:02")
    data, doubts = await row(bot)
    assert data["people"] is None and doubts == ["people"]


async def test_a_reply_that_is_no_value_is_read_as_usual(bot: OfflineBot) -> None:
    question = await ask(bot, "杜美玲家共人，体温36.5")
    _, calls = await bot.post(GROUP1, WANG, "好的，我去问问", "09:03", reply_to=question)
    assert not any("已补上" in r or "没看明白" in r for r in replies(calls))
    _, calls = await bot.post(GROUP1, WANG, "杜美玲家5人", "09:04", reply_to=question)  # names the household
    [reply] = replies(calls)
    assert reply.startswith("✅ 已记录 王艳"), reply
    data, doubts = await row(bot)
    assert data["people"] == 5 and data["temperature"] == 36.5 and doubts == []


@pytest.mark.parametrize(
    ("key", "answer", "value"),
    [
        ("people", "4人。", 4), ("people", "4个人👌", 4), ("people", "两个", 2), ("people", "俩", 2),
        ("people", "没有", UNCLEAR), ("people", "是的", UNCLEAR),
        ("temperature", "36度5", 36.5), ("temperature", "三十六度五", 36.5), ("temperature", "365", UNCLEAR),
        ("temperature", "正常的", NORMAL), ("temperature", "4", UNCLEAR),
        ("fever", "对的", True), ("fever", "没得", False), ("fever", "没有没有", False), ("fever", "36.5", UNCLEAR),
        ("returned", "没得", 0), ("returned", "1个", 1), ("returned", "有", UNCLEAR),
        ("out", "都在家哈", 0), ("out", "是", True), ("out", "2", 2),
        ("symptoms", "无", []), ("symptoms", "有", UNCLEAR),
    ],
)
def test_how_a_bare_answer_is_read(key: str, answer: str, value: object) -> None:
    tpl = default_template()
    field = tpl.get(key)
    assert field is not None
    assert bare_value(answer, field, tpl) == value if value not in (UNCLEAR, NORMAL) else (
        bare_value(answer, field, tpl) is value)


async def test_a_reading_answers_a_question_about_the_fever(bot: OfflineBot) -> None:
    question = await ask(bot, "杜美玲家听说发烧了")
    _, calls = await bot.post(GROUP1, WANG, "36.8", "09:03", reply_to=question)
    assert replies(calls) == ["✅ 已补上 杜美玲家：体温36.8"]
    data, doubts = await row(bot)
    assert data["temperature"] == 36.8 and data["fever"] is False and doubts == []


# ------------------------------------------------------------------ a resident's answer, pure


def test_a_residents_room_is_named_as_residents_write_it() -> None:
    from bot.core.model import Household
    from bot.reports.answers import room_label

    assert room_label(Household("某某", "李娜", "第一网格", address="幸福社区3号楼2105室")) == "3-2105"
    assert room_label(Household("某某", "张磊", "第一网格", address="5号楼1单元602室")) == "5-1-602"
    assert room_label(Household("某某", "王艳", "第一网格", address="东风村一组")) == "东风村一组"  # no room: the address as it is


def test_only_the_lines_a_resident_posted_are_theirs_to_answer() -> None:
    from datetime import datetime, timedelta

    from bot.core.model import Household, Member, Roster
    from bot.core.records import MessageContext, PendingDoubt
    from bot.reports.answers import resident_rows

    h1 = Household("甲", "李娜", "第一网格", address="3号楼2105室", id=1)
    h2 = Household("乙", "李娜", "第一网格", address="3号楼2106室", id=2)
    roster = Roster([Member("李娜", "第一网格", "幸福社区", "城关街道", None, (h1, h2), id=9)])
    at = datetime(2026, 3, 2, 9, 0).astimezone()
    ctx = MessageContext([1], roster=roster, last_message_id="50", pending={
        1: PendingDoubt({"people": None}, ["people"], False, 1, 9, "tg:-1", "50", "tg:7001", at.isoformat()),
        2: PendingDoubt({"people": None}, ["people"], False, 2, 9, "tg:-1", "51", "tg:7002", at.isoformat())})
    [mine] = resident_rows(ctx, "tg:7001", "tg:-1", at + timedelta(minutes=3), 15 * 60)
    assert mine.household is h1 and mine.named == "3-2105" and mine.fields == ["people"]
    assert resident_rows(ctx, "tg:7001", "tg:-1", at + timedelta(minutes=16), 15 * 60) == []  # past the window
    assert resident_rows(ctx, "tg:7001", "tg:-2", at + timedelta(minutes=3), 15 * 60) == []  # another chat
    assert resident_rows(ctx, "tg:7003", "tg:-1", at + timedelta(minutes=3), 15 * 60) == []  # posted nothing
