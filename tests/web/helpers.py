"""The web console's test helpers: the real Application offline (the conftest bot) with the console started on
it, on 127.0.0.1 and a free port, and the sign-in link the bot sent in a private chat."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from bot.config.settings import Config
from bot.config.stats import parse_roles
from bot.config.web import WebConfig
from handlers.offline.bot import OfflineBot, replies
from handlers.offline.fake import FakeChat, FakeUser
from handlers.web.adapter import WebAdapter

STAT = FakeUser(5151, "统计员", "tongji_dfc")
LINK = re.compile(r"(https?://\S+/signin\?t=\S+)")


def web_config(config: Config) -> Config:
    """The conftest config with the console on and a statistician of 东风村."""
    return dataclasses.replace(
        config, web=WebConfig(enabled=True, port=0),
        roles=parse_roles({"statisticians": [{"user": STAT.id, "scope": "东风村"}]}))


def private(user: FakeUser) -> FakeChat:
    return FakeChat(user.id, user.first_name)


async def link_for(bot: OfflineBot, user: FakeUser, chat: FakeChat | None = None) -> tuple[str | None, str]:
    """``/web`` from ``user`` (in their private chat by default): the link in the reply (or None), and the reply."""
    _, calls = await bot.post(chat or private(user), user, "/web")
    [text] = replies(calls)
    m = LINK.search(text)
    return (m.group(1) if m else None), text


@asynccontextmanager
async def console(bot: OfflineBot) -> AsyncIterator[str]:
    """The console served on the bot's services; yields its base URL. The sign-in links say the configured
    base URL, so tests take their path and query and open them here."""
    adapter = WebAdapter()
    await adapter.start(bot.services)
    try:
        yield f"http://127.0.0.1:{adapter.port}"
    finally:
        await adapter.stop()


def local(link: str, base: str) -> str:
    """A sign-in link pointed at the console under test."""
    return base + link[link.index("/signin"):]


def client(base: str, cookies: dict[str, str] | None = None) -> aiohttp.ClientSession:
    """A client that keeps cookies of 127.0.0.1 (aiohttp's jar refuses an IP address's by default)."""
    return aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True), cookies=cookies)


async def sign_in(http: aiohttp.ClientSession, url: str) -> aiohttp.ClientResponse:
    """Open the link's page and press its button, as a browser would."""
    async with http.get(url) as r:
        assert r.status == 200
        page = await r.text()
    token = re.search(r'name="t" value="([^"]*)"', page).group(1)
    pre = re.search(r'name="pre" value="([^"]*)"', page).group(1)
    return await http.post(url.split("?")[0], data={"t": token, "pre": pre}, allow_redirects=False)


async def signed_in_client(bot: OfflineBot, base: str, user: FakeUser) -> aiohttp.ClientSession:
    """A client signed in as ``user`` through the link the bot sent them (close it when done)."""
    link, text = await link_for(bot, user)
    assert link, text
    http = client(base)
    r = await sign_in(http, local(link, base))
    assert r.status == 303, await r.text()
    return http


def csrf_of(page: str) -> str:
    """The CSRF token of a page's forms."""
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)
