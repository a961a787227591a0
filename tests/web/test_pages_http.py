"""The 异常, household and 更正 pages over HTTP (aiohttp's client against the console on 127.0.0.1): scopes as
the chat's, bad input answered in Chinese and never a 500, a correction outside the viewer's grids refused with
nothing changed, CSRF, no-store. The browser tests (test_pages_browser.py) do the rest through Chromium."""

from __future__ import annotations

import re

import pytest

from bot.config.settings import Config
from bot.console.scope import household_ref
from bot.core import texts
from bot.sample.cast import DAY, GROUP1, GROUP2, LIU, LIUGL, WANG
from handlers.offline.bot import OfflineBot
from tests.stored import households_of, stored
from tests.web.helpers import STAT, console, csrf_of, signed_in_client, web_config


@pytest.fixture
def config(config: Config) -> Config:
    return web_config(config)


async def ref(bot: OfflineBot, name: str) -> str:
    row = await bot.services.db.fetchone("SELECT id FROM households WHERE name = ?", (name,))
    return household_ref(int(row[0]))


async def grid_id(bot: OfflineBot, label: str) -> int:
    h = await bot.services.stats.hierarchy()
    return int(next(g for g in h.grids.values() if g.label == label).grid_id)


async def fevers(bot: OfflineBot) -> tuple[str, str]:
    """A fever in 第一网格 (王艳's first household) and a returnee in 第二网格 (刘桂兰's first)."""
    one = (await households_of(bot, "王艳"))[0]
    two = (await households_of(bot, "刘桂兰"))[0]
    await bot.post(GROUP1, WANG, f"{one}家4人 体温37.9 发热", "08:10")
    await bot.post(GROUP2, LIUGL, f"{two}家3人 体温36.5 返乡1人", "08:20")
    return one, two


def names_in(page: str) -> list[str]:
    return re.findall(r'<span class="name">([^<]+)家<small>', page)


async def test_anomalies_are_scoped_and_filtered(bot: OfflineBot) -> None:
    one, two = await fevers(bot)
    day = DAY.isoformat()
    async with console(bot) as base:
        async with await signed_in_client(bot, base, STAT) as http:
            async with http.get(f"/anomalies?start={day}&end={day}") as r:
                assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
                page = await r.text()
            assert names_in(page) == [one, two]  # fever first
            assert f'href="/household/{await ref(bot, one)}"' in page
            async with http.get(f"/anomalies?start={day}&end={day}&kind=returned") as r:
                assert names_in(await r.text()) == [two]
            async with http.get(f"/anomalies?start={day}&end={day}&grid={await grid_id(bot, '第一网格')}") as r:
                assert names_in(await r.text()) == [one]
            for query, message in (
                ("start=2020-02-31", texts.WEB_BAD_DATE.format(value="2020-02-31")),
                (f"start={day}&end=2020-02-01", texts.CONSOLE_BAD_PERIOD),
                (f"start={day}&kind=age", texts.CONSOLE_BAD_KIND.format(kind="age")),
                (f"start={day}&grid=x1", texts.WEB_BAD_GRID),
                ("start=2019-01-01&end=2020-02-10", "最多"),
            ):
                async with http.get(f"/anomalies?{query}") as r:
                    assert r.status == 400, query
                    page = await r.text()
                    assert message in page and one not in page, query
        async with await signed_in_client(bot, base, LIU) as http:  # the leader of 第一网格
            async with http.get(f"/anomalies?start={day}&end={day}") as r:
                assert names_in(await r.text()) == [one]
            async with http.get(f"/anomalies?start={day}&grid={await grid_id(bot, '第二网格')}") as r:
                assert r.status == 403 and two not in await r.text()
        async with await signed_in_client(bot, base, LIUGL) as http:  # a member of 第二网格: her own
            async with http.get(f"/anomalies?start={day}&end={day}") as r:
                assert names_in(await r.text()) == [two]


async def test_a_leader_cannot_see_or_correct_outside_their_grids(bot: OfflineBot) -> None:
    _, two = await fevers(bot)
    other = await ref(bot, two)
    before = await stored(bot)
    async with console(bot) as base, await signed_in_client(bot, base, LIU) as http:
        async with http.get(f"/household/{other}") as r:
            assert r.status == 404 and two not in await r.text()
        async with http.get("/anomalies") as r:  # a page of theirs, for a valid CSRF token
            token = csrf_of(await r.text())
        form = {"csrf": token, "day": DAY.isoformat(), "field": "people", "value": "5", "reason": "上门核实"}
        async with http.post(f"/household/{other}/correct", data=form) as r:
            assert r.status == 404 and two not in await r.text()
        async with http.post(f"/household/{household_ref(99999)}/correct", data=form) as r:
            assert r.status == 404
    assert await stored(bot) == before
    assert await bot.services.report_repo.audit_rows(int(other[1:]), DAY.isoformat()) == []


async def test_bad_corrections_get_a_chinese_message_and_store_nothing(bot: OfflineBot) -> None:
    one, _ = await fevers(bot)
    mine = await ref(bot, one)
    before = await stored(bot)
    async with console(bot) as base, await signed_in_client(bot, base, STAT) as http:
        async with http.get(f"/household/{mine}") as r:
            assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
            page = await r.text()
        assert 'action="/household/' in page and "保存更正" in page
        token = csrf_of(page)
        good = {"csrf": token, "day": DAY.isoformat(), "field": "temperature", "value": "37.2", "reason": "电话核实"}
        for change, message in (
            ({"value": ""}, texts.WEB_CORRECT_NO_VALUE),
            ({"value": "99"}, texts.OCR_FIX_BAD_VALUE.format(field="体温", value="99")),
            ({"reason": " "}, texts.CONSOLE_CORRECT_NO_REASON),
            ({"day": "2020-02-30"}, texts.WEB_BAD_DATE.format(value="2020-02-30")),
            ({"day": "2020-02-11"}, texts.CONSOLE_CORRECT_FUTURE.format(day="2020-02-11")),
            ({"field": "age"}, texts.CONSOLE_CORRECT_BAD_FIELD.format(field="age")),
            ({"value": "3" * 61}, texts.WEB_TOO_LONG.format(what="数值", n=60)),
            ({"value": "37.9"}, texts.CONSOLE_CORRECT_SAME),
        ):
            async with http.post(f"/household/{mine}/correct", data={**good, **change}) as r:
                assert r.status == 400, change
                assert message in await r.text(), change
        async with http.post(f"/household/{mine}/correct", data={**good, "csrf": "forged"}) as r:
            assert r.status == 403
        async with http.post(f"/household/{mine}/correct", data=good, headers={"Origin": "http://evil.example"}) as r:
            assert r.status == 403
        assert await stored(bot) == before
        async with http.post(f"/household/{mine}/correct", data=good, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == f"/household/{mine}?done={DAY.isoformat()}"
    assert (await stored(bot))[one]["temperature"] == 37.2


async def test_a_member_sees_her_household_and_cannot_correct_it(bot: OfflineBot) -> None:
    one, _ = await fevers(bot)
    mine = await ref(bot, one)
    async with console(bot) as base, await signed_in_client(bot, base, WANG) as http:
        async with http.get(f"/household/{mine}") as r:
            assert r.status == 200
            page = await r.text()
        assert "<span>体温 37.9</span><span>发热 是</span>" in page and "王艳" in page
        assert "保存更正" not in page
        form = {"csrf": csrf_of(page), "day": DAY.isoformat(), "field": "people", "value": "5", "reason": "x"}
        async with http.post(f"/household/{mine}/correct", data=form) as r:
            assert r.status == 403 and texts.CONSOLE_CORRECT_NOT_ALLOWED in await r.text()
    assert (await stored(bot))[one]["people"] == 4
