"""The 异常 page's service: the anomalies of a period by kind and grid, in the viewer's scope only."""

from __future__ import annotations

from datetime import timedelta

from bot.console.anomalies import anomaly_kinds
from bot.console.scope import Refused, parse_household_ref
from bot.core import texts
from bot.core.template import default_template
from bot.sample.cast import DAY, GROUP1, GROUP2, LIU, WANG, ZHAO
from tests.console.people import LEADER1, LEADER2, MEMBER, NOBODY, OPERATOR, STAT, ref_of


async def _day(bot) -> None:
    await bot.post(GROUP1, LIU, "除霍建军家外均正常。霍建军家儿子体温37.6", "09:00")
    await bot.post(GROUP1, WANG, "杜美玲家返乡1人，居家隔离1人", "09:05")
    await bot.post(GROUP2, ZHAO, "文大勇家4人，体温正常，外来人员2人", "09:10")


def test_kinds_are_the_templates_anomaly_fields() -> None:
    assert [(k.key, k.label) for k in anomaly_kinds(default_template())] == [
        ("fever", "发热"), ("symptoms", "症状"), ("returned", "返乡"), ("isolated", "隔离"), ("visitors", "外来人员")]


async def test_statistician_sees_every_grid_fever_first(bot) -> None:
    await _day(bot)
    page = await bot.services.console.anomalies(STAT, DAY, DAY)
    assert not isinstance(page, Refused)
    got = [(r.household, r.grid, r.kinds) for r in page.rows]
    assert got[0] == ("霍建军", "东风村第一网格", ("fever",))
    assert ("杜美玲", "东风村第一网格", ("returned", "isolated")) in got
    assert any(g == "东风村第二网格" for _, g, _ in got)
    assert page.rows[0].detail == "发热37.6℃"
    assert [g for _, g in page.grids] == ["东风村第一网格", "东风村第二网格", "东风村第三网格"]


async def test_filters_by_kind_and_grid(bot) -> None:
    await _day(bot)
    page = await bot.services.console.anomalies(STAT, DAY, DAY, kinds=["returned"])
    assert [r.household for r in page.rows] == ["杜美玲"]
    grid1 = page.grids[0][0]
    page = await bot.services.console.anomalies(STAT, DAY, DAY, grid_id=grid1)
    assert {r.grid for r in page.rows} == {"东风村第一网格"} and len(page.rows) == 2
    bad = await bot.services.console.anomalies(STAT, DAY, DAY, kinds=["nonsense"])
    assert bad == Refused(texts.CONSOLE_BAD_KIND.format(kind="nonsense"))


async def test_each_row_links_to_its_household_by_an_opaque_ref(bot) -> None:
    await _day(bot)
    page = await bot.services.console.anomalies(STAT, DAY, DAY)
    for r in page.rows:
        assert r.household not in r.household_ref and r.address not in r.household_ref
        assert r.household_ref == await ref_of(bot, r.household)
        assert parse_household_ref(r.household_ref) is not None


async def test_scope_leader_member_stranger(bot) -> None:
    await _day(bot)
    leader = await bot.services.console.anomalies(LEADER1, DAY, DAY)
    assert {r.grid for r in leader.rows} == {"东风村第一网格"} and len(leader.rows) == 2
    other = await bot.services.console.anomalies(LEADER2, DAY, DAY)
    assert {r.grid for r in other.rows} == {"东风村第二网格"}
    grid1 = leader.grids[0][0]
    assert await bot.services.console.anomalies(LEADER2, DAY, DAY, grid_id=grid1) == Refused(
        texts.CONSOLE_NOT_IN_SCOPE)
    mine = await bot.services.console.anomalies(MEMBER, DAY, DAY)
    assert [r.household for r in mine.rows] == ["杜美玲"]  # her own households only
    assert await bot.services.console.anomalies(NOBODY, DAY, DAY) == Refused(texts.CONSOLE_NO_ROLE)
    everything = await bot.services.console.anomalies(OPERATOR, DAY, DAY)
    assert len(everything.rows) == 3


async def test_period_limits(bot) -> None:
    await _day(bot)
    week = await bot.services.console.anomalies(STAT, DAY - timedelta(days=6), DAY)
    assert len(week.rows) == 3 and len(week.period.days) == 7
    assert await bot.services.console.anomalies(STAT, DAY, DAY - timedelta(days=1)) == Refused(
        texts.CONSOLE_BAD_PERIOD)
    too_long = await bot.services.console.anomalies(STAT, DAY - timedelta(days=400), DAY)
    assert isinstance(too_long, Refused)
    earlier = await bot.services.console.anomalies(STAT, DAY - timedelta(days=3), DAY - timedelta(days=1))
    assert earlier.rows == []
