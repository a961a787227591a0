"""A resident answers the bot's question about a line of the residents' chain they posted, through the real
PTB Application (offline), against the tower block's roster: a reply to the question, or their next plain
message when the question asked one field of one line. What is filled in is the line's report."""

from __future__ import annotations

import pytest

from bot.core import texts
from bot.sample import tower
from bot.sample.cast import Person
from handlers.offline.bot import OfflineBot, replies
from tests.telegram.rooms import rows

A = tower.GROUP_A
R2105, R2106 = "幸福社区3号楼2105室", "幸福社区3号楼2106室"


async def chain(bot: OfflineBot, text: str, when: str = "09:00", who: Person = tower.RESIDENT) -> int:
    """A resident posts a chain with a doubt; returns the message id of the bot's reply with the question."""
    _, calls = await bot.post(A, who, text, when)
    [sent] = [c for c in calls if c.method == "sendMessage"]
    assert "❓" in sent.params["text"], sent.params["text"]
    return int(sent.result["message_id"])


@pytest.mark.parametrize(
    ("line", "answer", "expected"),
    [
        ("2105-", "2个人😊", {"people": 2}),
        ("2105-", "两口人。", {"people": 2}),
        ("2105-", "２人！", {"people": 2}),  # full-width digit and mark
        ("2105-", "俩", {"people": 2}),
        ("2105 共人", "就2人", {"people": 2}),
        ("2105 共人", "2还是3个", None),  # not a value the bot can take: asked again, nothing stored
        ("2105-2，体温365", "36.5", {"temperature": 36.5, "fever": False}),
        ("2105-2，体温365", "三十六度五", {"temperature": 36.5, "fever": False}),  # voice-typed
        ("2105-2，体温365", "体温36度5", {"temperature": 36.5, "fever": False}),
        ("2105-2，好像有人发烧", "没有没有", {"fever": False}),
        ("2105-2，好像有人发烧", "是有点发烧", {"fever": True}),
        ("2105-2，有点不舒服", "咳嗽", {"symptoms": ["咳嗽"]}),
    ],
)
async def test_a_residents_reply_fills_the_line(tbot: OfflineBot, line: str, answer: str, expected: dict | None
                                                ) -> None:
    question = await chain(tbot, f"#接龙 3号楼核酸\n1. 室号-人数\n2. {line}")
    before = (await rows(tbot))[R2105]
    _, calls = await tbot.post(A, tower.RESIDENT, answer, "09:03", reply_to=question)
    [reply] = replies(calls)
    member, data, via, sender = (await rows(tbot))[R2105]
    assert (member, via, sender) == ("李娜", "resident", tower.RESIDENT.qid)
    assert tower.head(R2105) not in reply  # household names never go to the group
    if expected is None:
        assert reply.startswith("❓"), reply
        assert data == before[1]
        return
    assert reply.startswith("✅ 已补上 3-2105："), reply
    assert {k: data[k] for k in expected} == expected
    doubts = (await tbot.services.db.fetchone(
        "SELECT r.uncertain FROM reports r JOIN households h ON h.id = r.household_id WHERE h.address = ?",
        (R2105,)))[0]
    assert doubts == "[]"


async def test_the_next_plain_message_answers_a_question_of_one_line(tbot: OfflineBot) -> None:
    await chain(tbot, "接龙\n1. 2105-", "09:00")
    _, calls = await tbot.post(A, tower.RESIDENT, "2人", "09:04")
    assert replies(calls) == ["✅ 已补上 3-2105：人数2"]
    assert (await rows(tbot))[R2105][1]["people"] == 2


async def test_a_plain_message_after_the_window_is_no_answer(tbot: OfflineBot) -> None:
    await chain(tbot, "接龙\n1. 2105-", "09:00")
    await tbot.post(A, tower.RESIDENT, "2人", "09:20")
    assert (await rows(tbot))[R2105][1]["people"] is None


async def test_a_plain_value_after_questions_of_two_lines_asks_which(tbot: OfflineBot) -> None:
    question = await chain(tbot, "接龙\n1. 2105-\n2. 2106-2，体温365", "09:00")
    _, calls = await tbot.post(A, tower.RESIDENT, "2个人", "09:01")
    assert replies(calls) == [texts.ROOM_ANSWER_WHICH]
    assert (await rows(tbot))[R2105][1]["people"] is None
    _, calls = await tbot.post(A, tower.RESIDENT, "2个人", "09:02", reply_to=question)  # a reply: one fits
    assert replies(calls) == ["✅ 已补上 3-2105：人数2"]
    _, calls = await tbot.post(A, tower.RESIDENT, "36度6", "09:03", reply_to=question)
    assert replies(calls) == ["✅ 已补上 3-2106：体温36.6"]
    got = await rows(tbot)
    assert got[R2105][1]["people"] == 2 and got[R2106][1]["temperature"] == 36.6
    assert got[R2106][1]["fever"] is False  # it follows from the reading


async def test_an_answer_that_fits_two_lines_is_asked_again(tbot: OfflineBot) -> None:
    question = await chain(tbot, "接龙\n1. 2105-\n2. 2106 共人", "09:00")
    _, calls = await tbot.post(A, tower.RESIDENT, "3", "09:01", reply_to=question)
    [reply] = replies(calls)
    assert reply.startswith("❓ 没看明白是哪一项。3-2105的人数；3-2106的人数还没补上"), reply
    got = await rows(tbot)
    assert got[R2105][1]["people"] is None and got[R2106][1]["people"] is None


async def test_another_resident_cannot_answer_for_a_line(tbot: OfflineBot) -> None:
    question = await chain(tbot, "接龙\n1. 2105-", "09:00")
    _, calls = await tbot.post(A, tower.RESIDENT2, "3人", "09:01", reply_to=question)
    assert not any("已补上" in r for r in replies(calls))
    _, calls = await tbot.post(A, tower.RESIDENT2, "3人", "09:02")
    assert not any("已补上" in r for r in replies(calls))
    assert (await rows(tbot))[R2105][1]["people"] is None


async def test_a_repost_of_the_chain_keeps_the_answer(tbot: OfflineBot) -> None:
    text = "接龙\n1. 2105-\n2. 2106-3"
    await chain(tbot, text, "09:00")
    await tbot.post(A, tower.RESIDENT, "2人", "09:01")
    _, calls = await tbot.post(A, tower.RESIDENT2, text + "\n3. 2103-1", "09:05")  # reposted with a new line
    assert replies(calls) == ["✅ 住户接龙已记录：李娜 1户"]
    got = await rows(tbot)
    assert got[R2105][1]["people"] == 2 and got[R2106][1]["people"] == 3


async def test_a_chit_chat_reply_is_not_taken(tbot: OfflineBot) -> None:
    question = await chain(tbot, "接龙\n1. 2105-", "09:00")
    for text in ("好的谢谢🙏", "收到", "我问问我家老头"):
        _, calls = await tbot.post(A, tower.RESIDENT, text, "09:01", reply_to=question)
        assert not any("已补上" in r or "没看明白" in r for r in replies(calls)), (text, replies(calls))
    assert (await rows(tbot))[R2105][1]["people"] is None


@pytest.mark.parametrize(("answer", "temperature"), [("是的", 36.5), ("嗯嗯👍", 36.5), ("对的！", 36.5),
                                                    ("不对，是36.8", 36.8), ("写错了 三十六度六", 36.6)])
async def test_a_resident_confirms_or_corrects_a_value_shown(tbot: OfflineBot, answer: str, temperature: float
                                                             ) -> None:
    question = await chain(tbot, "接龙\n1. 2105-2，体温365")
    before = (await rows(tbot))[R2105][1]
    assert before["temperature"] is None
    _, calls = await tbot.post(A, tower.RESIDENT, answer, "09:02", reply_to=question)
    assert replies(calls) == [f"✅ 已补上 3-2105：体温{temperature}"], answer
    assert (await rows(tbot))[R2105][1]["temperature"] == temperature


async def test_a_residents_chain_shows_the_value_read(tbot: OfflineBot) -> None:
    _, calls = await tbot.post(A, tower.RESIDENT, "接龙\n1. 2105-2，体温365", "09:00")
    [reply] = replies(calls)
    assert texts.ROOM_CONFIRM.format(line="接龙第1条“2105-2,体温365”", items="体温36.5℃") in reply, reply
    _, calls = await tbot.post(A, tower.RESIDENT, "不对", "09:01")  # plain, right after: the right value, please
    assert replies(calls) == [texts.ANSWER_CORRECT.format(household="3-2105", fields="体温", example="体温…")]
    _, calls = await tbot.post(A, tower.RESIDENT, "36.7", "09:02")
    assert replies(calls) == ["✅ 已补上 3-2105：体温36.7"]
