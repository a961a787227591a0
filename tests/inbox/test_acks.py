"""Merged acknowledgements: the rule (bot/inbox/acks.py) and what a reply may be merged as."""

from __future__ import annotations

from bot.core import texts
from bot.core.model import HouseholdReport, Member, MemberReport, ParseResult, Roster
from bot.core.records import MessageContext, ReportSave
from bot.core.template import default_template
from bot.inbox.acks import AckMerger
from bot.reports.plan import plan_message
from tests.parser.fixtures import ROSTER


def test_a_group_is_busy_after_ten_messages_in_a_minute() -> None:
    m = AckMerger(busy_at=10, window_s=60, delay_s=4)
    for i in range(9):
        m.sent(-1, 100.0 + i)
    assert not m.busy(-1, 109.0)
    m.sent(-1, 109.0)
    assert m.busy(-1, 109.5) and not m.busy(-2, 109.5)  # per group
    assert not m.busy(-1, 170.0)  # a minute later it is quiet again


def test_held_acknowledgements_go_out_in_one_message() -> None:
    m = AckMerger(busy_at=1)
    m.sent(-1, 0.0)
    assert m.hold(-1, "刘志宇 15户44人", 7) is True  # the first: schedule the send
    assert m.hold(-1, "王艳 17户（异常：高丽娟家返乡1人）", 8) is False
    assert m.busy(-1, 500.0)  # something is held: the next one joins it
    text, ids = m.take(-1)  # type: ignore[misc]
    assert text == "✅ 已记录：刘志宇 15户44人、王艳 17户（异常：高丽娟家返乡1人）" and ids == [7, 8]
    assert m.take(-1) is None


def test_zero_never_merges() -> None:
    m = AckMerger(busy_at=0)
    for i in range(30):
        m.sent(-1, float(i))
    assert not m.busy(-1, 30.0)


def _plan(reports: list[MemberReport], sender: Member, roster: Roster, correction: bool = False):
    ctx = MessageContext([1], members=[], roster=roster)
    save = ReportSave(1, -1, 10, 5, "2020-02-10", "…", "2020-02-10T09:00:00+08:00")
    return plan_message(ParseResult(reports=reports, correction=correction), save, sender, ctx, is_leader=False,
                        history={}, template=default_template())


def _roster_with_ids() -> tuple[Member, Roster]:
    members = []
    hid = 1
    for mid, m in enumerate(ROSTER.members, start=1):
        hs = []
        for h in m.households:
            hs.append(type(h)(h.name, h.member, h.grid, h.village, h.town, h.address, h.people, hid))
            hid += 1
        members.append(Member(m.name, m.grid, m.village, m.town, m.account, tuple(hs), mid, 1))
    roster = Roster(members)
    return members[0], roster


def test_plain_acknowledgements_merge_questions_and_corrections_do_not() -> None:
    sender, roster = _roster_with_ids()
    names = [h.name for h in sender.households]
    ok = MemberReport(sender.name, covers_all=True,
                      households=[HouseholdReport(n, {"people": 3}) for n in names])
    plan = _plan([ok], sender, roster)
    assert plan.lines[0].startswith("✅ 已记录") and plan.merge_item == f"{sender.name} {len(names)}户{3 * len(names)}人"
    fever = MemberReport(sender.name, households=[HouseholdReport(names[0], {"temperature": 38.2, "fever": True})])
    item = _plan([fever], sender, roster).merge_item
    assert item is not None and item.startswith(f"{sender.name} 1户") and "（异常：" in item and "发热38.2℃" in item
    asking = MemberReport(sender.name, households=[HouseholdReport(names[0], {"people": 3})], unmatched=["不存在家"])
    plan = _plan([asking], sender, roster)
    assert plan.questions and plan.merge_item is None  # a question is never merged away
    assert _plan([ok], sender, roster, correction=True).merge_item is None
    assert texts.REPORT_MERGED.format(items="x") == "✅ 已记录：x"
