"""The console in a real browser (headless Chromium, tests/web/browser.py) against the real PTB Application
offline: a statistician signs in through the link the bot sent, progress updates while reports are posted in
the chat, drill-down grid → member → households, 未报; a leader sees only their grid; a stranger, an expired
link, a reused link and a forged cookie are refused. Screenshots at phone and desktop widths: out/web/."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bot.config.settings import Config
from bot.core import texts
from bot.sample.cast import GROUP1, GROUP2, LIU, LIUGL, STRANGER, WANG
from handlers.offline.bot import OfflineBot
from tests.web.browser import chromium, need_chromium, shoot
from tests.web.helpers import STAT, console, link_for, local, web_config

pytestmark = pytest.mark.usefixtures("browser_ok")


@pytest.fixture
def browser_ok() -> None:
    need_chromium()


@pytest.fixture
def config(config: Config) -> Config:
    c = web_config(config)
    return dataclasses.replace(c, web=dataclasses.replace(c.web, poll_seconds=1))


async def signed_in(browser: object, bot: OfflineBot, base: str, user: object) -> object:
    """A new browser page signed in as ``user`` through the link the bot sent them."""
    link, text = await link_for(bot, user)  # type: ignore[arg-type]
    assert link, text
    page = await browser.new_page()  # type: ignore[attr-defined]
    await page.goto(local(link, base))
    await page.click("button.primary")
    await page.wait_for_url(f"{base}/progress")
    return page


async def households_of(page: object, grid: str) -> str:
    row = page.locator("li.row", has_text=grid)  # type: ignore[attr-defined]
    return (await row.locator(".households").inner_text()).strip()


async def test_statistician_watches_progress_live_and_drills_down(bot: OfflineBot) -> None:
    async with console(bot) as base, chromium() as browser:
        page = await signed_in(browser, bot, base, STAT)
        assert await page.locator("li.row").count() == 3  # the village's three grids
        before = await households_of(page, "第一网格")
        assert before.startswith("户 0/")
        await shoot(page, "progress-empty")
        # a report posted in the chat shows up on the open page, without a reload
        await bot.post(GROUP1, WANG, "包联户均正常，体温正常", "08:11")
        await page.wait_for_function(
            "() => !document.querySelector('li.row .households').innerText.includes('户 0/')", timeout=15000)
        after = await households_of(page, "第一网格")
        assert after != before and not after.startswith("户 0/")
        await bot.post(GROUP2, LIUGL, "包联户均正常，体温正常", "08:12")
        await page.wait_for_function(
            "() => !document.querySelectorAll('li.row .households')[1].innerText.includes('户 0/')", timeout=15000)
        await shoot(page, "progress")
        # drill down: grid → members → households
        await page.click("li.row >> text=第一网格")
        await page.wait_for_url(f"{base}/grid/*")
        names = await page.locator("li.row .name").all_inner_texts()
        assert any("王艳" in n for n in names) and any("刘志宇" in n for n in names)
        await shoot(page, "grid")
        await page.click("li.row >> text=王艳")
        await page.wait_for_url(f"{base}/member/*")
        assert await page.locator("tr.ok").count() > 0 and await page.locator("tr.todo").count() == 0
        await shoot(page, "member")
        # 未报: the members still missing, with what is missing
        await page.click("nav >> text=未报")
        await page.wait_for_url(f"{base}/missing")
        body = await page.locator("#missing").inner_text()
        assert "刘志宇" in body and "王艳" not in body and "未报（" in body
        await shoot(page, "missing")


async def test_a_leader_sees_only_their_grid(bot: OfflineBot) -> None:
    async with console(bot) as base, chromium() as browser:
        page = await signed_in(browser, bot, base, LIU)
        rows = await page.locator("li.row .name").all_inner_texts()
        assert len(rows) == 1 and "第一网格" in rows[0]
        await shoot(page, "leader")
        # another grid's page, typed in by hand, is not there for them
        other = bot.services.stats
        h = await other.hierarchy()
        grid2 = next(g for g in h.grids.values() if g.label == "第二网格")
        resp = await page.goto(f"{base}/grid/{grid2.grid_id}")
        assert resp.status == 404
        assert "第二网格" not in await page.content()


async def test_strangers_expired_reused_and_forged_are_refused(bot: OfflineBot) -> None:
    _, text = await link_for(bot, STRANGER)
    assert text == texts.STATS_NO_ROLE
    async with console(bot) as base, chromium() as browser:
        page = await signed_in(browser, bot, base, STAT)
        used_link = page.url  # the page after signing in; the link itself:
        await page.close()
        link, _ = await link_for(bot, STAT)
        first = await browser.new_page()
        await first.goto(local(link, base))
        await first.click("button.primary")
        await first.wait_for_url(f"{base}/progress")
        # the same link again, in another browser context (no cookie): refused
        ctx = await browser.new_context()
        again = await ctx.new_page()
        await again.goto(local(link, base))
        await again.click("button.primary")
        assert "已经用过" in await again.locator("main").inner_text()
        await shoot(again, "refused-reused")
        # an expired link
        late, _ = await link_for(bot, STAT)
        bot.clock.set(bot.clock.now + timedelta(minutes=11))
        await again.goto(local(late, base))
        await again.click("button.primary")
        assert "已过期" in await again.locator("main").inner_text()
        # a forged session cookie: sent to the sign-in explanation, no data
        forged = await browser.new_context()
        await forged.add_cookies([{"name": "gb_session", "value": "x" * 43, "url": base}])
        fp = await forged.new_page()
        await fp.goto(f"{base}/progress")
        assert fp.url == f"{base}/"
        content = await fp.locator("main").inner_text()
        assert "/web" in content and "第一网格" not in content
        await shoot(fp, "signed-out")
        assert used_link.endswith("/progress")
