"""A value the parser read but was not sure of (``体温365`` → 36.5) is shown in the question for confirmation
(``❓ 杜美玲家的体温36.5℃，对吗？…``) and stored only when the member confirms or corrects it; through the real
PTB Application, with the wordings members use on their phones."""

from __future__ import annotations

import json

import pytest

from bot.core import texts
from bot.reports.answers import stance
from bot.sample.cast import DAY, GROUP1, LIU, WANG
from handlers.offline.bot import OfflineBot, replies

CONFIRM_365 = "❓ 杜美玲家的体温36.5℃，对吗？对的请回“是”，不对请写正确的。"


async def ask(bot: OfflineBot, text: str, question: str, when: str = "09:00") -> int:
    _, calls = await bot.post(GROUP1, WANG, text, when)
    [sent] = [c for c in calls if c.method == "sendMessage"]
    assert question in sent.params["text"], sent.params["text"]
    return int(sent.result["message_id"])


async def row(bot: OfflineBot, name: str = "杜美玲") -> tuple[dict, list[str], dict]:
    r = await bot.services.db.fetchone(
        "SELECT r.data, r.uncertain, r.read_values FROM reports r JOIN households h ON h.id = r.household_id "
        "WHERE h.name = ? AND r.day = ?", (name, DAY.isoformat()))
    return json.loads(r[0]), json.loads(r[1]), json.loads(r[2])


async def test_the_value_read_is_kept_aside_not_stored(bot: OfflineBot) -> None:
    await ask(bot, "杜美玲家体温365", CONFIRM_365)
    data, doubts, read = await row(bot)
    assert data["temperature"] is None and data["fever"] is None
    assert doubts == ["temperature", "fever"] and read == {"temperature": 36.5}


YES = ["是的", "对", "对的", "嗯", "嗯嗯", "没错", "是滴😊", "对！", "对对对", "嗯嗯，是的。", "是的是的", "没错的",
       "对的呀", "是的👍", "恩恩", "对，36.5", "是的 36.5度", "对头", "是嘞", "ok"]


@pytest.mark.parametrize("answer", YES)
async def test_a_yes_confirms_the_value_read(bot: OfflineBot, answer: str) -> None:
    question = await ask(bot, "杜美玲家体温365", CONFIRM_365)
    _, calls = await bot.post(GROUP1, WANG, answer, "09:03", reply_to=question)
    assert replies(calls) == ["✅ 已补上 杜美玲家：体温36.5"], answer
    data, doubts, read = await row(bot)
    assert (data["temperature"], data["fever"], doubts, read) == (36.5, False, [], {})


@pytest.mark.parametrize("answer", ["是的", "嗯嗯", "对的！"])
async def test_a_plain_yes_right_after_the_question_confirms(bot: OfflineBot, answer: str) -> None:
    await ask(bot, "杜美玲家体温365", CONFIRM_365, "09:00")
    _, calls = await bot.post(GROUP1, WANG, answer, "09:02")
    assert replies(calls) == ["✅ 已补上 杜美玲家：体温36.5"]
    assert (await row(bot))[0]["temperature"] == 36.5


@pytest.mark.parametrize(
    ("answer", "temperature"),
    [("不对，应该是36.8", 36.8), ("不是 是37度2", 37.2), ("写错了，36.8度", 36.8), ("错了 三十六度八", 36.8),
     ("不对。36.6", 36.6), ("不是的，是36.6", 36.6), ("打错了 应该36.7", 36.7), ("36.8", 36.8)],
)
async def test_a_no_with_the_right_value_corrects_it(bot: OfflineBot, answer: str, temperature: float) -> None:
    question = await ask(bot, "杜美玲家体温365", CONFIRM_365)
    _, calls = await bot.post(GROUP1, WANG, answer, "09:03", reply_to=question)
    assert replies(calls) == [f"✅ 已补上 杜美玲家：体温{temperature}"], answer
    data, doubts, read = await row(bot)
    assert (data["temperature"], doubts, read) == (temperature, [], {})


@pytest.mark.parametrize("answer", ["不对", "不是", "不对的。", "错了", "写错了😅"])
async def test_a_no_alone_asks_for_the_right_value(bot: OfflineBot, answer: str) -> None:
    question = await ask(bot, "杜美玲家体温365", CONFIRM_365)
    _, calls = await bot.post(GROUP1, WANG, answer, "09:03", reply_to=question)
    assert replies(calls) == [texts.ANSWER_CORRECT.format(household="杜美玲家", fields="体温", example="杜美玲家体温…")]
    assert await row(bot) == ((await row(bot))[0], ["temperature", "fever"], {"temperature": 36.5})
    assert (await row(bot))[0]["temperature"] is None
    _, calls = await bot.post(GROUP1, WANG, "36.9", "09:04", reply_to=question)
    assert replies(calls) == ["✅ 已补上 杜美玲家：体温36.9"]


@pytest.mark.parametrize("answer", ["对，36.8", "是的，37度"])
async def test_a_yes_with_another_value_is_asked_again(bot: OfflineBot, answer: str) -> None:
    question = await ask(bot, "杜美玲家体温365", CONFIRM_365)
    _, calls = await bot.post(GROUP1, WANG, answer, "09:03", reply_to=question)
    [reply] = replies(calls)
    assert reply.startswith("❓ 没看明白是哪一项"), reply
    assert (await row(bot))[0]["temperature"] is None


@pytest.mark.parametrize("answer", ["好的", "收到👌", "我再量一下", "稍等，我问问她家", "谢谢"])
async def test_anything_else_is_not_taken(bot: OfflineBot, answer: str) -> None:
    question = await ask(bot, "杜美玲家体温365", CONFIRM_365)
    _, calls = await bot.post(GROUP1, WANG, answer, "09:03", reply_to=question)
    assert not any(r.startswith("✅ 已补上") for r in replies(calls)), replies(calls)
    data, doubts, _ = await row(bot)
    assert data["temperature"] is None and doubts == ["temperature", "fever"]


async def test_someone_elses_yes_confirms_nothing(bot: OfflineBot) -> None:
    await ask(bot, "杜美玲家体温365", CONFIRM_365)
    await bot.post(GROUP1, LIU, "是的", "09:01")
    assert (await row(bot))[0]["temperature"] is None


@pytest.mark.parametrize(("answer", "fever"), [("是的", True), ("对，发烧了", True), ("嗯", True), ("不是", False),
                                              ("没有", False), ("不对，没发烧", False)])
async def test_a_yes_or_no_to_a_fever_shown(bot: OfflineBot, answer: str, fever: bool) -> None:
    question = await ask(bot, "杜美玲家好像有人发烧", "❓ 杜美玲家的发热：是，对吗？")
    _, calls = await bot.post(GROUP1, WANG, answer, "09:03", reply_to=question)
    [reply] = replies(calls)
    assert reply.startswith("✅ 已补上 杜美玲家：发热"), (answer, reply)
    data, doubts, _ = await row(bot)
    assert (data["fever"], doubts) == (fever, [])


async def test_a_yes_confirms_the_value_shown_and_leaves_the_open_question(bot: OfflineBot) -> None:
    question = await ask(bot, "杜美玲家体温好像37.5，共人", "❓ 杜美玲家的体温37.5℃，对吗？")
    _, calls = await bot.post(GROUP1, WANG, "对的", "09:03", reply_to=question)
    assert replies(calls) == ["✅ 已补上 杜美玲家：体温37.5\n❓ 杜美玲家的人数没看清，请补一下。"]
    data, doubts, _ = await row(bot)
    assert (data["temperature"], data["fever"], data["people"], doubts) == (37.5, True, None, ["people"])
    _, calls = await bot.post(GROUP1, WANG, "5口人", "09:04")  # the one question left: a plain answer
    assert replies(calls) == ["✅ 已补上 杜美玲家：人数5"]


async def test_a_yes_to_two_households_values_is_asked_again(bot: OfflineBot) -> None:
    question = await ask(bot, "杜美玲家体温365，高丽娟家体温366", CONFIRM_365)
    _, calls = await bot.post(GROUP1, WANG, "是的", "09:03", reply_to=question)
    [reply] = replies(calls)
    assert reply.startswith("❓ 没看明白是哪一项"), reply
    assert (await row(bot))[0]["temperature"] is None and (await row(bot, "高丽娟"))[0]["temperature"] is None
    _, calls = await bot.post(GROUP1, WANG, "杜美玲家体温36.5", "09:04")  # naming the household is a report
    assert (await row(bot))[0]["temperature"] == 36.5


async def test_a_later_report_keeps_the_value_to_confirm(bot: OfflineBot) -> None:
    await ask(bot, "杜美玲家体温365", CONFIRM_365)
    await bot.post(GROUP1, WANG, "杜美玲家返乡1人", "09:02")  # restates another field only
    data, doubts, read = await row(bot)
    assert data["returned"] == 1 and doubts == ["temperature", "fever"] and read == {"temperature": 36.5}
    _, calls = await bot.post(GROUP1, WANG, "是的", "09:03")
    assert any(r.startswith("✅ 已补上 杜美玲家：体温36.5") for r in replies(calls)), replies(calls)


@pytest.mark.parametrize(
    ("answer", "said"),
    [("是的", ("yes", "")), ("嗯嗯，是的。", ("yes", "")), ("是3个人", (None, "是3个人")), ("不烧", (None, "不烧")),
     ("不对，应该是36.8", ("no", "36.8")), ("没有", (None, "没有")), ("对，发烧了", ("yes", "发烧")),
     ("ＯＫ", ("yes", "")), ("好的", (None, "好的")), ("对，对的，36.5", ("yes", "36.5")),
     ("对了，我家来了亲戚", (None, "对了，我家来了亲戚")), ("不知道", (None, "不知道"))],
)
def test_how_a_yes_or_a_no_is_heard(answer: str, said: tuple) -> None:
    assert stance(answer) == said
