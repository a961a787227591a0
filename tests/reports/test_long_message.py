"""A message longer than the parser reads: the reply says plainly that only its first lines were read and
asks for the rest in parts (bot/reports/plan.py ``ask_rest``), through the pure plans and end to end."""

from __future__ import annotations

from bot.core import texts
from bot.core.model import Household, HouseholdReport, Member, MemberReport, ParseResult, Roster
from bot.core.records import MessageContext, ReportSave
from bot.core.template import default_template
from bot.parser import parse_rooms, textnorm
from bot.reports.plan import plan_message, plan_rooms
from bot.sample.cast import DAY, GROUP1, WANG
from handlers.offline.bot import OfflineBot, replies

TPL = default_template()
WANGYAN = Member("王艳", "第一网格", "东风村", id=1, grid_id=1, households=(
    Household("王建国", "王艳", "第一网格", "东风村", id=11, address="东风村一组10号"),))


def save() -> ReportSave:
    return ReportSave("tg:1", GROUP1.qid, "5", WANG.qid, DAY.isoformat(), "…", "2020-02-10T09:00:00+08:00")


def test_a_cut_message_asks_for_the_rest() -> None:
    report = MemberReport("王艳", households=[HouseholdReport("王建国", {**TPL.empty_values(), "people": 3, "temperature": 36.5, "fever": False})])
    context = MessageContext([1], roster=Roster([WANGYAN]))
    plan = plan_message(ParseResult(reports=[report], lines_read=512), save(), WANGYAN, context, is_leader=False,
                        history={}, template=TPL)
    assert plan.save is not None and plan.lines[0].startswith("✅ 已记录 王艳")
    assert plan.questions == [texts.MESSAGE_TOO_LONG.format(lines=512)]
    assert "只读了前512行" in plan.reply_text and "分几条发送" in plan.reply_text
    assert plan.merge_item is None  # never merged away in a busy group
    whole = plan_message(ParseResult(reports=[report]), save(), WANGYAN, context, is_leader=False, history={},
                         template=TPL)
    assert whole.questions == []


def test_a_cut_residents_chain_asks_for_the_rest() -> None:
    roster = Roster([WANGYAN])
    text = "\n".join(["#接龙 核酸", "1. 东风村一组10号-3"] + [f"{i}. 收到" for i in range(2, 3000)])
    chain = parse_rooms(text, roster, TPL)
    assert chain.lines_read is not None
    plan = plan_rooms(chain, save(), MessageContext([1], roster=roster), TPL)
    assert texts.MESSAGE_TOO_LONG.format(lines=chain.lines_read) in plan.questions


async def test_a_long_report_is_read_and_the_rest_asked_for(bot: OfflineBot) -> None:
    wang = (await bot.services.reports.roster()).find_member("王艳")
    assert wang is not None
    head = wang.households[0]
    filler = "\n".join(["今天天气不错，大家注意防暑"] * (textnorm.MAX_CHARS // 14 + 50))
    _, calls = await bot.post(GROUP1, WANG, f"{head.name}家3人，体温36.5\n{filler}", "09:00")
    [reply] = replies(calls)
    assert reply.startswith("✅ 已记录 王艳")
    assert "只读了前" in reply and "后面的内容没有读到" in reply
