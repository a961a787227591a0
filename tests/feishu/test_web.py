"""The web console's sign-in on Feishu against the stand-in: ``/web`` (or 网页) in a private chat sends the
one-time link through the same service and texts as Telegram; in a group it is refused plainly. The link
opens a session on the console served on the same services."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from bot.core import texts
from handlers.web.adapter import WebAdapter
from tests.feishu.harness import town


async def test_web_link_in_private_opens_the_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with town(tmp_path, monkeypatch, web=True) as t:
        mid = await t.say("一", "管理员", "/web")
        assert t.replies(mid) == [texts.WEB_PRIVATE_ONLY]
        t.groups["私"] = t.standin.private_chat(t.users["管理员"])
        mid = await t.say("私", "管理员", "网页")
        [reply] = t.replies(mid)
        link = re.search(r"/signin\?t=(\S+)", reply)
        assert link, reply
        t.groups["路"] = t.standin.private_chat(t.users["路人甲"])
        mid = await t.say("路", "路人甲", "/web")
        assert t.replies(mid) == [texts.STATS_NO_ROLE]
        web = WebAdapter()
        await web.start(t.services)
        try:
            base = f"http://127.0.0.1:{web.port}"
            async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(f"/signin?t={link.group(1)}") as r:
                    pre = re.search(r'name="pre" value="([^"]*)"', await r.text()).group(1)
                async with http.post("/signin", data={"t": link.group(1), "pre": pre}) as r:
                    assert str(r.url).endswith("/progress")
                    html = await r.text()
            assert "第一网格" in html and "第二网格" in html
        finally:
            await web.stop()
