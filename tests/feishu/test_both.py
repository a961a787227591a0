"""Telegram and Feishu in one process on one set of services: the Telegram adapter hosts the Feishu adapter
(``gridbot run`` with both configured). Reports from both platforms land in one database; the nag jobs of the
host send each grid's reminder on its own platform."""

from __future__ import annotations

import asyncio
import dataclasses
import time as _time
from datetime import datetime, time
from pathlib import Path

import pytest

from bot.config.feishu import FeishuConfig
from bot.config.settings import Config
from bot.core.roster import read_roster_bytes
from bot.sample import roster_bytes
from bot.sample.cast import DAY, GROUP1, LIU, WANG
from handlers.feishu.adapter import FeishuAdapter
from handlers.offline.bot import OfflineBot, replies
from handlers.offline.feishu import FeishuStandIn
from handlers.telegram import reminders
from tests.feishu.harness import KEY_ENV, SECRET_ENV, TOKEN_ENV, wait_until


async def test_one_process_two_platforms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tz = Config().tz
    holder: list[OfflineBot] = []
    since = _time.monotonic()

    def epoch() -> float:  # the stand-in's clock: the bot's, running on
        start = holder[0].clock.now if holder else datetime.combine(DAY, time(8, 0), tz)
        return start.timestamp() + (_time.monotonic() - since)

    standin = FeishuStandIn(clock=epoch).start()
    try:
        zhao, zhou = standin.add_user("赵丽"), standin.add_user("周强")
        group2 = standin.add_chat("东风村第二网格群", [zhao, zhou], owner=zhao)
        standin.use_websocket()
        for env, value in ((SECRET_ENV, standin.app_secret), (KEY_ENV, standin.encrypt_key),
                           (TOKEN_ENV, standin.verification_token)):
            monkeypatch.setenv(env, value)
        fcfg = FeishuConfig(enabled=True, app_id=standin.app_id, app_secret_env=SECRET_ENV, encrypt_key_env=KEY_ENV,
                            verification_token_env=TOKEN_ENV, base_url=standin.base_url)
        config = dataclasses.replace(Config(), db_path=str(tmp_path / "both.db"), feishu=fcfg)
        feishu = FeishuAdapter()
        b = OfflineBot(config, datetime.combine(DAY, time(8, 0), tz), guests=(feishu,))
        holder.append(b)
        async with b:
            assert feishu.bot is not None and feishu.bot.services is b.services  # one set of services
            # 第一网格 on Telegram (roster @usernames), 第二网格 on Feishu (赵丽's account is her Feishu id)
            roster = roster_bytes().decode("utf-8-sig").replace("@zhaoli2020", f"feishu:{zhao.open_id}")
            await b.services.reports.import_roster(read_roster_bytes(roster.encode(), "roster.csv").rows, "sample")
            b.request.member_status[(GROUP1.id, LIU.id)] = "administrator"
            await b.post(GROUP1, LIU, "/bind 第一网格", "08:01")
            await asyncio.get_running_loop().run_in_executor(None, feishu.bot.connection.connected.wait, 20)
            fb = feishu.bot
            standin.post_text(group2, zhao, "/bind 第二网格")
            await wait_until(lambda: fb.intake is not None and fb.intake.accepted >= 1, 20, "the bind")
            await fb.ordered.drain()
            assert "已绑定" in standin.texts(group2)[-1]

            _, calls = await b.post(GROUP1, WANG, "杜美玲家6人，体温36.5", "09:00")
            assert replies(calls)[0].startswith("✅ 已记录 王艳")
            standin.post_text(group2, zhao, "包联全部户，均正常")
            await wait_until(lambda: fb.intake is not None and fb.intake.accepted >= 2, 20, "the report")
            await fb.ordered.drain()
            rows = await b.services.db.fetchall(
                "SELECT DISTINCT m.name FROM reports r JOIN members m ON m.id = r.member_id")
            assert {r[0] for r in rows} == {"王艳", "赵丽"}

            b.clock.set(b.at("16:00"))
            b.request.calls.clear()
            await reminders.dispatch(b.app)
            tg = [c for c in b.request.calls if c.method == "sendMessage"]
            assert any("温馨提醒" in str(c.params.get("text")) for c in tg)  # Telegram's group
            assert any("温馨提醒" in t and "周强" in t for t in standin.texts(group2))  # Feishu's, by the guest
    finally:
        standin.stop()
