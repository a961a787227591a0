"""Ask, don't guess: what the parser was unsure of is asked about and stored as unknown until answered
(bot/reports/plan.py), through the pure plan and once end to end."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.core import texts
from bot.core.model import Household, HouseholdReport, Member, MemberReport, ParseResult, Roster
from bot.core.records import MessageContext, PendingDoubt, ReportSave
from bot.core.template import default_template
from bot.parser import parse_rooms
from bot.reports import service as report_service
from bot.reports.plan import plan_message, plan_rooms
from bot.sample.cast import DAY, GROUP1, WANG
from handlers.offline.bot import OfflineBot, replies

TPL = default_template()
H1 = Household("王建国", "王艳", "第一网格", "东风村", id=11, address="东风村一组10号")
H2 = Household("李秀兰", "王艳", "第一网格", "东风村", id=12, address="东风村一组12号")
WANGYAN = Member("王艳", "第一网格", "东风村", households=(H1, H2), id=1, grid_id=1)


def values(**kw: Any) -> dict[str, Any]:
    out = TPL.empty_values()
    out.update(kw)
    return out


def ctx(**kw: Any) -> MessageContext:
    return MessageContext([1], roster=Roster([WANGYAN]), **kw)


def save() -> ReportSave:
    return ReportSave("tg:1", GROUP1.qid, "5", WANG.qid, DAY.isoformat(), "…", "2020-02-10T09:00:00+08:00")


def plan_of(*households: HouseholdReport, context: MessageContext | None = None):
    result = ParseResult(reports=[MemberReport("王艳", households=list(households))])
    return plan_message(result, save(), WANGYAN, context or ctx(), is_leader=False, history={}, template=TPL)


def test_a_doubtful_field_is_asked_about_and_stored_as_unknown() -> None:
    plan = plan_of(HouseholdReport("王建国", values(people=None, temperature=36.5, fever=False), uncertain=["people"]),
                   HouseholdReport("李秀兰", values(people=2, temperature=36.6, fever=False)))
    assert plan.save is not None
    [item] = plan.save.items
    first, second = item.households
    assert first.data["people"] is None and first.data["temperature"] == 36.5 and first.uncertain == ["people"]
    assert second.data["people"] == 2 and second.uncertain == []
    assert plan.questions == [texts.REPORT_DOUBT.format(household="王建国", fields="人数")]
    assert plan.questions[0] == "❓ 王建国家的人数没看清，请补一下。"
    assert plan.merge_item is None  # a question is never merged away in a busy group
    assert plan.lines and plan.lines[0].startswith("✅ 已记录 王艳")


def test_several_doubtful_fields_are_named_in_one_question() -> None:
    plan = plan_of(HouseholdReport("王建国", values(people=None, temperature=None, fever=None),
                                   uncertain=["temperature", "fever", "people"]))
    assert plan.questions == ["❓ 王建国家的体温、发热、人数没看清，请补一下。"]
    [hw] = plan.save.items[0].households
    assert hw.data["temperature"] is None and hw.data["fever"] is None and hw.anomaly is False


def test_values_read_but_doubtful_are_shown_for_confirmation_and_stored_as_unknown() -> None:
    plan = plan_of(HouseholdReport("王建国", values(people=5, temperature=38.5, fever=True, returned=None),
                                   uncertain=["temperature", "fever", "people", "returned"]))
    assert plan.questions == ["❓ 王建国家的返乡没看清，请补一下。",  # nothing read: asked open
                              "❓ 王建国家的体温38.5℃，人数5，对吗？对的请回“是”，不对请写正确的。"]  # the fever follows
    [hw] = plan.save.items[0].households
    assert hw.data["temperature"] is None and hw.data["fever"] is None and hw.data["people"] is None
    assert hw.anomaly is False and hw.read == {"temperature": 38.5, "people": 5}
    assert hw.uncertain == ["temperature", "fever", "people", "returned"]


def test_a_placeholder_is_not_shown_for_confirmation() -> None:
    plan = plan_of(HouseholdReport("王建国", values(symptoms=["不适"], note="好像"), uncertain=["symptoms", "note"]))
    assert plan.questions == ["❓ 王建国家的症状、备注没看清，请补一下。"]
    assert plan.save.items[0].households[0].read == {}


def test_a_doubtful_household_is_not_stored_at_all() -> None:
    plan = plan_of(HouseholdReport("王建国", values(people=5), uncertain=["household"]),
                   HouseholdReport("李秀兰", values(people=2)))
    assert [hw.household_id for hw in plan.save.items[0].households] == [12]
    assert plan.questions == [texts.REPORT_DOUBT_HOUSEHOLD.format(household="王建国")]
    only = plan_of(HouseholdReport("王建国", values(people=5), uncertain=["household"]))
    assert only.save is None and only.questions == [texts.REPORT_DOUBT_HOUSEHOLD.format(household="王建国")]


def test_unknown_keys_in_uncertain_are_ignored() -> None:
    plan = plan_of(HouseholdReport("王建国", values(people=5), uncertain=["no_such_field"]))
    assert plan.questions == [] and plan.save.items[0].households[0].data["people"] == 5


def test_a_later_report_fills_what_was_unknown_and_keeps_the_rest() -> None:
    pending = {11: PendingDoubt(values(people=None, temperature=36.5, fever=False, note="在家"), ["people"])}
    plan = plan_of(HouseholdReport("王建国", values(people=4)), context=ctx(pending=pending))
    [hw] = plan.save.items[0].households
    assert hw.data["people"] == 4 and hw.data["temperature"] == 36.5 and hw.data["note"] == "在家"
    assert hw.uncertain == [] and plan.questions == []
    still = plan_of(HouseholdReport("王建国", values(returned=1)), context=ctx(pending=pending))
    [hw] = still.save.items[0].households
    assert hw.data["returned"] == 1 and hw.anomaly and hw.uncertain == ["people"]  # still waiting for 人数


def test_a_doubtful_room_line_is_asked_about() -> None:
    room = Household("王建国", "王艳", "第一网格", "东风村", id=11, address="3号楼2105室")
    member = Member("王艳", "第一网格", "东风村", households=(room,), id=1, grid_id=1)
    roster = Roster([member])
    chain = parse_rooms("接龙\n1. 2105-2\n2. 2106-1", roster, TPL)
    [ln] = chain.placed
    ln.report.uncertain = ["people"]
    plan = plan_rooms(chain, save(), MessageContext([1], roster=roster), TPL)
    [item] = plan.save.items
    assert item.households[0].data["people"] is None and item.via == "resident"
    assert plan.questions[0] == "❓ 接龙第1条“2105-2”的人数2，对吗？对的请回“是”，不对请写正确的。"
    assert plan.questions[1] == texts.ROOM_UNKNOWN.format(line="接龙第2条“2106-1”")
    assert plan.merge_item is None


@pytest.fixture
def doubtful_people(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real parser, with "people" marked doubtful where a message writes ``共人`` (until the parser's own
    doubts land, this stands in for them)."""
    real = report_service.parse_message

    def parse(text: str, *args: Any, **kw: Any) -> ParseResult:
        result = real(text, *args, **kw)
        if "共人" in text:
            for rep in result.reports:
                for hr in rep.households:
                    hr.uncertain = [*hr.uncertain, "people"]
        return result

    monkeypatch.setattr(report_service, "parse_message", parse)


async def test_asked_then_answered_through_the_application(bot: OfflineBot, doubtful_people: None) -> None:
    wang = (await bot.services.reports.roster()).find_member("王艳")
    assert wang is not None
    head = wang.households[0]
    _, calls = await bot.post(GROUP1, WANG, f"{head.name}家共人，体温36.5", "09:00")
    [reply] = replies(calls)
    assert texts.REPORT_DOUBT.format(household=head.name, fields="人数") in reply

    async def row() -> tuple[dict, list[str]]:
        r = await bot.services.db.fetchone("SELECT data, uncertain FROM reports WHERE household_id = ? AND day = ?",
                                           (head.id, DAY.isoformat()))
        return json.loads(r[0]), json.loads(r[1])

    data, doubts = await row()
    assert data["people"] is None and data["temperature"] == 36.5 and doubts == ["people"]
    _, calls = await bot.post(GROUP1, WANG, f"{head.name}家4人", "09:05")  # the member answers
    [reply] = replies(calls)
    assert reply.startswith("✅ 已记录 王艳") and "❓" not in reply
    data, doubts = await row()
    assert data["people"] == 4 and data["temperature"] == 36.5 and doubts == []
