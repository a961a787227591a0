"""The real Feishu adapter against the local stand-in of the open platform (handlers/offline/feishu)."""

from __future__ import annotations

import asyncio
import dataclasses
import time as _time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.config.feishu import FeishuConfig
from bot.config.settings import Config
from bot.config.web import WebConfig
from bot.core.roster import read_roster_bytes
from bot.sample import roster_bytes
from bot.sample.cast import DAY
from bot.services import Services, open_services
from handlers.feishu.adapter import build_bot
from handlers.feishu.runtime import FeishuBot
from handlers.offline.feishu import FeishuChat, FeishuStandIn, FeishuUser
from handlers.offline.feishu.clock import Clock
from tests.stored import households_of, stored

SECRET_ENV = "TEST_FEISHU_APP_SECRET"
KEY_ENV = "TEST_FEISHU_ENCRYPT_KEY"
TOKEN_ENV = "TEST_FEISHU_VERIFICATION_TOKEN"


@dataclass
class Town:
    """The stand-in, the adapter on real services, and the people and groups of the sample village."""

    standin: FeishuStandIn
    bot: FeishuBot
    services: Services
    clock: Clock
    users: dict[str, FeishuUser] = field(default_factory=dict)
    groups: dict[str, FeishuChat] = field(default_factory=dict)

    async def settle(self, n: int = 1, timeout: float = 20.0) -> None:
        """Wait until ``n`` more events were committed, then until their handling (and any it started) is done."""
        want = self.seen + n
        await wait_until(lambda: self.bot.intake is not None and self.bot.intake.accepted >= want, timeout,
                         f"{want} events committed")
        self.seen = want
        await self.bot.ordered.drain()
        await self.bot.services.reader.join()
        await self.bot.ordered.drain()

    seen: int = 0

    async def say(self, group: str, who: str, text: str, **kw: Any) -> str:
        """A member posts a text; returns its message id once the adapter has handled it."""
        mid = self.standin.post_text(self.groups[group], self.users[who], text, **kw)
        await self.settle()
        return mid

    def replies(self, message_id: str) -> list[str]:
        return [m.text for m in self.standin.replies_to(message_id)]

    async def click(self, card_id: str, who: str, text: str) -> str:
        """``who`` clicks the card's button ``text``; returns the event id once it is handled."""
        eid = self.standin.click(card_id, self.users[who], text=text)
        await self.settle()
        return eid

    async def delivered(self, event_id: str, n: int = 1) -> Any:
        """The answer the adapter gave to the ``n``-th delivery of an event, once the stand-in has it."""
        got = await wait_until(lambda: [d for d in self.standin.deliveries(event_id) if d.ok][n - 1:], 20,
                               f"event {event_id} acknowledged {n} time(s)")
        return got[0].response

    async def stored(self, member: str | None = None) -> dict[str, dict]:
        return await stored(self, member)

    async def households_of(self, member: str) -> list[str]:
        return await households_of(self, member)


async def wait_until(cond: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = _time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if _time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def town(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, mode: str = "websocket",
               api_sleep: Callable[[float], Any] | None = None, before_start: Callable[..., Any] | None = None,
               leaders_group: bool = False, web: bool = False, sleep: Callable[[float], Any] | None = None,
               feishu: dict[str, Any] | None = None,
               **standin_kw: Any) -> AsyncIterator[Town]:
    """The sample village on Feishu. ``sleep``: what the held acknowledgements wait with (default: no wait);
    ``feishu``: ``[feishu]`` settings over the defaults (here ``ack_window_s = 0``: each reply at once)."""
    tz = Config().tz
    clock = Clock(datetime.combine(DAY, time(8, 0), tz))
    standin = FeishuStandIn(clock=clock.epoch, **standin_kw).start()
    try:
        users = {n: standin.add_user(n) for n in ("刘志宇", "王艳", "陈明", "赵丽", "周强", "管理员", "路人甲")}
        groups = {
            "一": standin.add_chat("东风村第一网格群", [users[n] for n in ("刘志宇", "王艳", "陈明", "路人甲")],
                                  owner=users["刘志宇"]),
            "二": standin.add_chat("东风村第二网格群", [users[n] for n in ("赵丽", "周强")], owner=users["赵丽"]),
        }
        if leaders_group:
            groups["长"] = standin.add_chat("网格长群", [users["刘志宇"], users["赵丽"]], owner=users["赵丽"])
        monkeypatch.setenv(SECRET_ENV, standin.app_secret)
        monkeypatch.setenv(KEY_ENV, standin.encrypt_key)
        monkeypatch.setenv(TOKEN_ENV, standin.verification_token)
        fcfg = FeishuConfig(enabled=True, app_id=standin.app_id, app_secret_env=SECRET_ENV, encrypt_key_env=KEY_ENV,
                            verification_token_env=TOKEN_ENV, mode=mode, base_url=standin.base_url,
                            listen="127.0.0.1", port=0)
        fcfg = dataclasses.replace(fcfg, **{"ack_window_s": 0, **(feishu or {})})
        config = dataclasses.replace(Config(), db_path=str(tmp_path / "feishu.db"), feishu=fcfg,
                                     admins=(f"feishu:{users['管理员'].open_id}",))  # type: ignore[arg-type]
        if web:  # the web console on (its sign-in links: /web)
            config = dataclasses.replace(config, web=WebConfig(enabled=True, port=0))
        if leaders_group:
            config = dataclasses.replace(config, schedule=dataclasses.replace(
                config.schedule, leaders_chat_id=f"feishu:{groups['长'].chat_id}"))
        services = await open_services(config, clock)
        await services.reports.import_roster(read_roster_bytes(feishu_roster(users), "roster.csv").rows, "sample")
        if before_start is not None:
            await before_start(services, standin, users, groups)
        bot = build_bot(services, sleep=sleep or _no_wait, api_sleep=api_sleep or asyncio.sleep)
        if mode == "websocket":
            standin.use_websocket()
        await bot.start()
        if mode == "callback":
            assert bot.callback is not None
            standin.use_callback(f"http://127.0.0.1:{bot.callback.port}{fcfg.path}")
        else:
            assert bot.connection is not None
            await asyncio.get_running_loop().run_in_executor(None, bot.connection.connected.wait, 20)
        t = Town(standin, bot, services, clock, users, groups)
        try:
            yield t
        finally:
            await bot.stop()
            await services.close()
    finally:
        standin.stop()


#: the sample roster's Telegram @usernames, and who they are on Feishu here
ACCOUNTS = {"@liuzhiyu": "刘志宇", "@wangyan_cn": "王艳", "@zhaoli2020": "赵丽"}


def feishu_roster(users: dict[str, FeishuUser]) -> bytes:
    """The sample roster with the Feishu users' qualified ids in 账号 / 网格长账号 instead of @usernames."""
    text = roster_bytes().decode("utf-8-sig")
    for account, name in ACCOUNTS.items():
        text = text.replace(account, f"feishu:{users[name].open_id}")
    return text.encode("utf-8")


async def _no_wait(s: float) -> None:
    await asyncio.sleep(0)
