"""Sign-in and the pages over HTTP (aiohttp's client against the console on 127.0.0.1): links, sessions,
cookies, CSRF, headers. The browser tests (test_browser.py) do the same through Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.config.settings import Config
from bot.core import texts
from bot.sample.cast import GROUP1, LIU, STRANGER, WANG
from handlers.offline.bot import OfflineBot
from tests.web.helpers import STAT, client, console, link_for, local, sign_in, web_config


@pytest.fixture
def config(config: Config) -> Config:
    return web_config(config)


async def test_a_statistician_signs_in_and_sees_the_village(bot: OfflineBot) -> None:
    await bot.post(GROUP1, WANG, "包联户均正常，体温正常", "08:11")
    link, text = await link_for(bot, STAT)
    assert link and link.startswith("http://127.0.0.1:8080/signin?t=")
    async with console(bot) as base, client(base) as http:
        r = await sign_in(http, local(link, base))
        assert r.status == 303 and r.headers["Location"] == "/progress"
        cookie = r.cookies["gb_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
        async with http.get("/progress") as p:
            assert p.status == 200
            assert p.headers["Cache-Control"] == "no-store"
            assert "frame-ancestors 'none'" in p.headers["Content-Security-Policy"]
            html = await p.text()
        for grid in ("第一网格", "第二网格", "第三网格"):
            assert grid in html
        assert "东风村" in html


async def test_a_link_works_once_and_not_in_a_group(bot: OfflineBot) -> None:
    link, _ = await link_for(bot, STAT)
    async with console(bot) as base:
        async with client(base) as http:
            assert (await sign_in(http, local(link, base))).status == 303
        async with client(base) as http:
            r = await sign_in(http, local(link, base))
            assert r.status == 403 and "已经用过" in await r.text()
            async with http.get("/progress", allow_redirects=False) as p:
                assert p.status == 303 and p.headers["Location"] == "/"
    _, text = await link_for(bot, LIU, GROUP1)
    assert text == texts.WEB_PRIVATE_ONLY


async def test_expired_forged_and_stranger(bot: OfflineBot) -> None:
    _, text = await link_for(bot, STRANGER)
    assert text == texts.STATS_NO_ROLE
    link, _ = await link_for(bot, STAT)
    async with console(bot) as base:
        forged = local(link, base)[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
        async with client(base) as http:
            r = await sign_in(http, forged)
            assert r.status == 403 and "无效" in await r.text()
        bot.clock.set(bot.clock.now + timedelta(minutes=11))
        async with client(base) as http:
            r = await sign_in(http, local(link, base))
            assert r.status == 403 and "过期" in await r.text()
        async with client(base, {"gb_session": "forged-value"}) as http:
            async with http.get("/progress", allow_redirects=False) as p:
                assert p.status == 303


async def test_post_needs_the_csrf_token_and_the_idle_timeout_ends_a_session(bot: OfflineBot) -> None:
    link, _ = await link_for(bot, LIU)
    async with console(bot) as base, client(base) as http:
        await sign_in(http, local(link, base))
        async with http.post("/signout", data={"csrf": "nope"}, allow_redirects=False) as r:
            assert r.status == 403
        async with http.get("/progress") as p:
            html = await p.text()
            assert p.status == 200
        assert "第一网格" in html and "第二网格" not in html  # a leader sees their grid only
        csrf = re.search(r'name="csrf" value="([^"]*)"', html).group(1)
        async with http.post("/signout", data={"csrf": csrf}, headers={"Origin": "https://evil.example"},
                             allow_redirects=False) as r:
            assert r.status == 403
        bot.clock.set(bot.clock.now + timedelta(minutes=31))
        async with http.get("/progress", allow_redirects=False) as p:
            assert p.status == 303


async def test_rate_limit_of_links(bot: OfflineBot) -> None:
    for _ in range(5):
        link, _ = await link_for(bot, STAT)
        assert link
    link, text = await link_for(bot, STAT)
    assert link is None and text == texts.WEB_TOO_MANY
    bot.clock.set(bot.clock.now + timedelta(minutes=61))
    link, _ = await link_for(bot, STAT)
    assert link


async def test_an_unchanged_page_is_answered_204_and_a_report_changes_it(bot: OfflineBot) -> None:
    link, _ = await link_for(bot, STAT)
    async with console(bot) as base, client(base) as http:
        await sign_in(http, local(link, base))
        async with http.get("/progress") as p:
            html = await p.text()
        version = re.search(r'data-version="([^"]+)"', html).group(1)
        poll = {"HX-Request": "true", "X-Board-Version": version}
        async with http.get("/progress", headers=poll) as p:
            assert p.status == 204
        await bot.post(GROUP1, WANG, "包联户均正常，体温正常", "08:11")
        async with http.get("/progress", headers=poll) as p:
            assert p.status == 200
            fragment = await p.text()
        assert "<html" not in fragment and 'id="board"' in fragment
        assert re.search(r'data-version="([^"]+)"', fragment).group(1) != version
        # 未报 names who is missing and how much; 王艳 reported all, so she is not there
        async with http.get("/missing") as p:
            body = await p.text()
        assert "刘志宇" in body and "王艳" not in body
        await bot.post(GROUP1, LIU, "霍建军家4人体温36.5", "08:20")
        await bot.post(GROUP1, LIU, "/leave 陈明 今天", "08:21")
        async with http.get("/missing") as p:
            body = await p.text()
        assert re.search(r"刘志宇.*?还差\d+户", body, re.S)
        assert re.search(r"陈明.*?请假 02-10至02-10", body, re.S)
        assert "下次提醒 16:00" in body  # 第一网格 is bound; the default reminder
        assert "未绑定网格群" in body  # 第三网格 has no group


async def test_a_member_sees_only_their_own_households(bot: OfflineBot) -> None:
    link, _ = await link_for(bot, WANG)
    async with console(bot) as base, client(base) as http:
        await sign_in(http, local(link, base))
        async with http.get("/progress") as p:
            html = await p.text()
        assert html.count('<li class="row') == 1 and "网格员 0/1" in html
        h = await bot.services.stats.hierarchy()
        liu = next(m for m in h.members.values() if m.label == "刘志宇")
        async with http.get(f"/member/{liu.member_id}") as p:
            assert p.status == 404
            assert "霍建军" not in await p.text()
