"""Telegram and Feishu in one process on one set of services: the Telegram adapter hosts the Feishu adapter
(``gridbot run`` with both configured). Reports from both platforms land in one database; the nag jobs of the
host send each grid's reminder on every platform the grid is bound to, each naming the missing members as
that platform mentions them, and the escalation reaches the leader on the platform the leader is known on."""

from __future__ import annotations

import asyncio
import dataclasses
import time as _time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

import pytest

from bot.config.feishu import FeishuConfig
from bot.config.settings import Config
from bot.core.chat import Sender
from bot.core.roster import read_roster_bytes
from bot.sample import roster_bytes
from bot.sample.cast import CHEN, DAY, GROUP1, GROUP2, LIU, LIUGL, WANG, Group
from handlers.feishu.adapter import FeishuAdapter
from handlers.offline.bot import OfflineBot, replies
from handlers.offline.feishu import FeishuChat, FeishuStandIn, FeishuUser
from handlers.telegram import reminders
from tests.feishu.harness import KEY_ENV, SECRET_ENV, TOKEN_ENV, wait_until


@dataclass
class Both:
    b: OfflineBot
    feishu: FeishuAdapter
    standin: FeishuStandIn
    users: dict[str, FeishuUser]
    groups: dict[str, FeishuChat]

    async def feishu_says(self, chat: FeishuChat, who: str, text: str) -> str:
        fb = self.feishu.bot
        assert fb is not None and fb.intake is not None
        want = fb.intake.accepted + 1
        mid = self.standin.post_text(chat, self.users[who], text)
        await wait_until(lambda: fb.intake is not None and fb.intake.accepted >= want, 20, f"{text!r} committed")
        await fb.ordered.drain()
        return mid

    def tg_sent(self, chat: int) -> list[str]:
        return [str(c.params.get("text")) for c in self.b.request.calls
                if c.method == "sendMessage" and c.params.get("chat_id") == chat]


@asynccontextmanager
async def both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Both]:
    """第一网格's members on Telegram (the roster's @usernames) but 王艳, who is on Feishu; 第二网格's leader
    赵丽 on Feishu. 第一网格 is on Telegram only at first; 第二网格 is bound to a Feishu group by its leader."""
    tz = Config().tz
    holder: list[OfflineBot] = []
    since = _time.monotonic()

    def epoch() -> float:  # the stand-in's clock: the bot's, running on
        start = holder[0].clock.now if holder else datetime.combine(DAY, time(8, 0), tz)
        return start.timestamp() + (_time.monotonic() - since)

    standin = FeishuStandIn(clock=epoch).start()
    try:
        users = {n: standin.add_user(n) for n in ("赵丽", "周强", "王艳", "刘志宇", "陈明", "管理员")}
        groups = {"一": standin.add_chat("东风村第一网格飞书群", [users[n] for n in ("刘志宇", "王艳", "陈明")],
                                        owner=users["刘志宇"]),
                  "二": standin.add_chat("东风村第二网格群", [users["赵丽"], users["周强"]], owner=users["赵丽"])}
        standin.use_websocket()
        for env, value in ((SECRET_ENV, standin.app_secret), (KEY_ENV, standin.encrypt_key),
                           (TOKEN_ENV, standin.verification_token)):
            monkeypatch.setenv(env, value)
        fcfg = FeishuConfig(enabled=True, app_id=standin.app_id, app_secret_env=SECRET_ENV, encrypt_key_env=KEY_ENV,
                            verification_token_env=TOKEN_ENV, base_url=standin.base_url)
        config = dataclasses.replace(Config(), db_path=str(tmp_path / "both.db"), feishu=fcfg,
                                     admins=(f"feishu:{users['管理员'].open_id}",))  # type: ignore[arg-type]
        feishu = FeishuAdapter()
        b = OfflineBot(config, datetime.combine(DAY, time(8, 0), tz), guests=(feishu,))
        holder.append(b)
        async with b:
            assert feishu.bot is not None and feishu.bot.services is b.services  # one set of services
            roster = roster_bytes().decode("utf-8-sig").replace("@zhaoli2020", f"feishu:{users['赵丽'].open_id}")
            roster = roster.replace("@wangyan_cn", f"feishu:{users['王艳'].open_id}")
            await b.services.reports.import_roster(read_roster_bytes(roster.encode(), "roster.csv").rows, "sample")
            b.request.member_status[(GROUP1.id, LIU.id)] = "administrator"
            await b.post(GROUP1, LIU, "/bind 第一网格", "08:01")
            await asyncio.get_running_loop().run_in_executor(None, feishu.bot.connection.connected.wait, 20)
            t = Both(b, feishu, standin, users, groups)
            await t.feishu_says(groups["二"], "赵丽", "/bind 第二网格")
            assert "已绑定" in standin.texts(groups["二"])[-1]
            yield t
    finally:
        standin.stop()


async def test_one_process_two_platforms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with both(tmp_path, monkeypatch) as t:
        b, standin = t.b, t.standin
        _, calls = await b.post(GROUP1, LIU, "王建国家4人，体温36.5", "09:00")
        assert replies(calls)[0].startswith("✅ 已记录 刘志宇")
        await t.feishu_says(t.groups["二"], "赵丽", "包联全部户，均正常")
        rows = await b.services.db.fetchall(
            "SELECT DISTINCT m.name FROM reports r JOIN members m ON m.id = r.member_id")
        assert {r[0] for r in rows} == {"刘志宇", "赵丽"}

        b.clock.set(b.at("16:00"))
        b.request.calls.clear()
        await reminders.dispatch(b.app)
        assert any("温馨提醒" in x for x in t.tg_sent(GROUP1.id))  # Telegram's group
        assert any("温馨提醒" in x and "周强" in x for x in standin.texts(t.groups["二"]))  # Feishu's, by the guest


async def test_a_grid_on_both_platforms_is_nagged_on_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """第一网格 bound to its Telegram group and to a Feishu group: the reminder goes to both, each naming every
    missing member, with that platform's mention for those linked on it (王艳 on Feishu, 刘桂兰… on Telegram
    by @username) and the plain name for the others; the nag is recorded once, sent to both chats."""
    async with both(tmp_path, monkeypatch) as t:
        b, standin, svc = t.b, t.standin, t.b.services
        fs = t.groups["一"]
        admin = Sender(f"feishu:{t.users['管理员'].open_id}")
        reply = await svc.reports.bind(f"feishu:{fs.chat_id}", "group", admin, True, "第一网格")
        assert "已绑定" in reply.text, reply.text
        await t.feishu_says(fs, "王艳", "杜美玲家6人，体温36.5")  # one of her households: partial
        b.clock.set(b.at("16:00"))
        b.request.calls.clear()
        await reminders.dispatch(b.app)
        assert await reminders.dispatch(b.app) == 0  # claimed once
        [tg] = [x for x in t.tg_sent(GROUP1.id) if "温馨提醒" in x]
        [fm] = [m for m in standin.sent(fs) if "温馨提醒" in m.text]
        raw = fm.content["text"]
        wang = t.users["王艳"].open_id
        for name in ("刘志宇", "王艳", "陈明"):  # all missing (王艳 partly): named on both platforms
            assert name in tg and name in raw, name
        assert "@liuzhiyu" in tg and f'<at user_id="{wang}">王艳</at>' in raw  # each platform's own mention
        assert "<at" not in raw.replace(f'<at user_id="{wang}">', "")  # Telegram's members: plain on Feishu
        assert "tg://" not in tg.split("王艳")[1][:20]  # 王艳 is not mentionable on Telegram: plain there
        assert "还差" in tg and "还差" in raw
        [(chats,)] = await svc.db.fetchall("SELECT chat_ids FROM nags_sent WHERE kind LIKE 'remind:%' AND grid_id = 1")
        assert GROUP1.qid in chats and fs.chat_id in chats


async def test_the_escalation_reaches_the_leader_where_known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """刘志宇 (第一网格) is known on Telegram, 赵丽 (第二网格) on Feishu: each gets the escalation in private on
    their own platform, from the host's one dispatch; a late report is then told to the leader there."""
    async with both(tmp_path, monkeypatch) as t:
        b, standin = t.b, t.standin
        await b.post(Group(LIU.id), LIU, "/start", "08:05")
        await t.feishu_says(standin.private_chat(t.users["赵丽"]), "赵丽", "/start")
        b.clock.set(b.at("18:30"))
        b.request.calls.clear()
        await reminders.dispatch(b.app)
        [tg] = [x for x in t.tg_sent(LIU.id) if x.startswith("📣")]
        assert "第一网格" in tg and WANG.first_name in tg and CHEN.first_name in tg
        zhao = standin.private_chat(t.users["赵丽"])
        [fm] = [m.text for m in standin.sent(zhao) if m.text.startswith("📣")]
        assert "第二网格" in fm and "周强" in fm
        # a late report in 第二网格's Feishu group: 赵丽 is told in her Feishu private chat
        await t.feishu_says(t.groups["二"], "赵丽", "包联全部户，均正常")
        await wait_until(lambda: [m for m in standin.sent(zhao) if m.text.startswith("📬")], 20, "the update")
        # and a late report on Telegram for 第一网格: 刘志宇 is told on Telegram
        await b.post(GROUP1, LIU, "包联全部户，均正常", "18:40")
        assert any(x.startswith("📬") and LIU.first_name in x for x in t.tg_sent(LIU.id))


async def test_schedule_in_a_feishu_group_rebuilds_the_hosts_jobs(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``/schedule`` by 赵丽 in her Feishu group changes 第二网格's times: the host (Telegram) rebuilds its nag
    jobs at once, and the reminder moved into the recent past is sent now, in the Feishu group."""
    async with both(tmp_path, monkeypatch) as t:
        b, standin = t.b, t.standin
        b.clock.set(b.at("10:00"))
        assert b.app.job_queue is not None
        before = {j.name for j in b.app.job_queue.jobs()}
        await t.feishu_says(t.groups["二"], "赵丽", "/schedule 提醒 09:59")
        await wait_until(lambda: [x for x in standin.texts(t.groups["二"]) if "温馨提醒" in x], 20, "the reminder")
        assert "nag 09:59" in {j.name for j in b.app.job_queue.jobs()} - before
        assert not [c for c in b.request.calls if c.method == "sendMessage" and "温馨提醒" in str(c.params)]


async def test_a_late_report_is_told_to_the_leader_on_the_leaders_platform(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the escalation, a late report on one platform is told to the grid's leader on the other: 刘桂兰
    reports in 第二网格's Telegram group, and 赵丽 (on Feishu) hears it in her Feishu private chat; 王艳 reports
    in 第一网格's Feishu group, and 刘志宇 (on Telegram) hears it on Telegram."""
    async with both(tmp_path, monkeypatch) as t:
        b, standin, svc = t.b, t.standin, t.b.services
        admin = Sender(f"feishu:{t.users['管理员'].open_id}")
        for chat, grid in ((f"feishu:{t.groups['一'].chat_id}", "第一网格"), (GROUP2.qid, "第二网格")):
            assert "已绑定" in (await svc.reports.bind(chat, "group", admin, True, grid)).text
        await b.post(Group(LIU.id), LIU, "/start", "08:05")
        zhao = standin.private_chat(t.users["赵丽"])
        await t.feishu_says(zhao, "赵丽", "/start")
        b.clock.set(b.at("18:30"))
        await reminders.dispatch(b.app)
        assert [m for m in standin.sent(zhao) if m.text.startswith("📣")]
        assert [x for x in t.tg_sent(LIU.id) if x.startswith("📣")]
        b.request.calls.clear()
        await b.post(GROUP2, LIUGL, "包联全部户，均正常", "18:40")
        [up] = [m.text for m in standin.sent(zhao) if m.text.startswith("📬")]
        assert LIUGL.first_name in up and "第二网格" in up
        await t.feishu_says(t.groups["一"], "王艳", "包联全部户，均正常")
        [up] = [x for x in t.tg_sent(LIU.id) if x.startswith("📬")]
        assert WANG.first_name in up and "第一网格" in up
