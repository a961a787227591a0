"""The Feishu quota: the API calls stored per day and kind (migration 11, storage/quota.py), ``gridbot status``,
the group's plain acknowledgements held over a window and sent as one message naming each member (questions
at once), nothing lost when the process stops in the window, the longer window and the one notice when the
month runs tight."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import main
from bot.config.settings import load_config
from bot.core import texts
from bot.quota.service import OK, OVER, TIGHT, level
from storage.db import open_database
from storage.migrations import LATEST
from storage.quota import QuotaRepo
from tests.feishu.harness import town, wait_until

WINDOW = 300


class Timer:
    """The held acknowledgements' injected sleep: each wait is recorded and ends when the test says so."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self._go = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self._go.wait()

    async def elapse(self, t: Any) -> None:
        """The windows end: wait until every held reply is sent (none of the outbox left unsent)."""
        self._go.set()
        await wait_until(lambda: unsent(t) == 0, 20, "the held replies sent")
        self._go = asyncio.Event()


def unsent(t: Any) -> int:
    with sqlite3.connect(t.services.config.db_path) as db:
        return int(db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])


async def test_migration_11_keeps_the_data_and_adds_the_counts(tmp_path: Path) -> None:
    path = str(tmp_path / "v10.db")
    db = await open_database(path, target=10)
    async with db.transaction() as c:
        await c.execute("INSERT INTO outbox (chat_id, reply_to, text, created_at) VALUES ('feishu:oc_1', 'om_1', "
                        "'✅ 已记录', '2026-12-01T09:00:00+08:00')")
    await db.close()
    db = await open_database(path)
    try:
        assert await db.version() == LATEST >= 11
        assert [tuple(r) for r in await db.fetchall("SELECT chat_id, reply_to, text FROM outbox")] == [
            ("feishu:oc_1", "om_1", "✅ 已记录")]
        repo = QuotaRepo(db)
        await repo.add("feishu", {("2026-12-01", "reply"): 3, ("2026-12-01", "token"): 1})
        await repo.add("feishu", {("2026-12-01", "reply"): 2, ("2026-12-02", "send"): 4})
        await repo.add("telegram", {("2026-12-01", "send"): 9})
        assert await repo.per_day("feishu", "2026-12-01", "2026-12-31") == {
            "2026-12-01": {"reply": 5, "token": 1}, "2026-12-02": {"send": 4}}
        assert await repo.per_day("feishu", "2026-12-02", "2026-12-02") == {"2026-12-02": {"send": 4}}
        assert await repo.claim_notice("feishu", "2026-12", "tight", "now")
        assert not await repo.claim_notice("feishu", "2026-12", "tight", "later")
        assert await repo.claim_notice("feishu", "2027-01", "tight", "now")
    finally:
        await db.close()


def test_the_month_level() -> None:
    d = date(2026, 12, 10)  # 10 of 31 days
    assert level(3000, 10000, d) == OK  # 9,300 at this pace
    assert level(3300, 10000, d) == TIGHT  # 10,230 at this pace
    assert level(8000, 10000, date(2026, 12, 31)) == TIGHT  # 80% used
    assert level(10000, 10000, d) == OVER
    assert level(10**6, 0, d) == OK  # no quota watched


async def test_calls_stored_in_batches_and_shown_by_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    async with town(tmp_path, monkeypatch) as t:
        await t.say("一", "刘志宇", "/bind 第一网格")
        mine = await t.households_of("王艳")
        await t.say("一", "王艳", f"包联{len(mine)}户，体温均正常，无返乡人员")
        calls = t.bot.api.calls
        today = calls.today()
        counted = calls.on(today)
        assert counted["reply"] >= 2 and counted["token"] >= 1 and counted["members"] >= 1
        db = sqlite3.connect(tmp_path / "feishu.db")
        assert db.execute("SELECT COUNT(*) FROM api_calls").fetchone()[0] == 0  # not one write a call
        assert await t.bot.flush_calls() == sum(counted.values())
        stored = dict(db.execute("SELECT kind, calls FROM api_calls WHERE platform = 'feishu' AND day = ?",
                                 (today.isoformat(),)).fetchall())
        assert stored == counted
        assert await t.bot.flush_calls() == 0  # nothing counted since
    # stopping stores what was counted after the last batch; a second run loads the month
    stored = dict(db.execute("SELECT kind, calls FROM api_calls").fetchall())
    assert sum(stored.values()) >= sum(counted.values())
    cfg = tmp_path / "status.toml"
    cfg.write_text(f'[storage]\ndb_path = "{tmp_path / "feishu.db"}"\n[feishu]\nmonthly_quota = 500\n',
                   encoding="utf-8")
    assert await asyncio.to_thread(main, ["-c", str(cfg), "status", "--date", today.isoformat()]) == 0
    out = capsys.readouterr().out
    total = sum(stored.values())
    assert f"[feishu] api calls today ({today.isoformat()}): {total} (" in out
    assert f"reply {stored['reply']}" in out
    assert f"this month ({today.strftime('%Y-%m')}, 1 day(s) counted): {total} of the monthly quota 500" in out
    assert load_config(str(cfg)).feishu.monthly_quota == 500


async def test_acks_held_over_the_window_and_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    timer = Timer()
    async with town(tmp_path, monkeypatch, sleep=timer, feishu={"ack_window_s": WINDOW}) as t:
        s = t.standin
        await t.say("一", "刘志宇", "/bind 第一网格")  # a command's answer: at once
        assert timer.asked == []
        wang, liu = await t.households_of("王艳"), await t.households_of("刘志宇")
        a = await t.say("一", "王艳", f"包联{len(wang)}户，体温均正常，无返乡人员")
        b = await t.say("一", "刘志宇", f"包联{len(liu)}户，均正常")
        assert t.replies(a) == [] and t.replies(b) == []  # held
        assert timer.asked == [WINDOW]  # one window for the group
        before = len(s.sent(t.groups["一"]))
        assert unsent(t) == 2  # committed: a restart in the window sends them (FeishuBot.start)
        await timer.elapse(t)
        new = s.sent(t.groups["一"])[before:]
        [merged] = new
        assert merged.text.startswith("✅ 已记录：") and "王艳" in merged.text and "刘志宇" in merged.text
        assert f"{len(wang)}户" in merged.text

        # one report in a window: its own reply, quoting the member's message
        c = await t.say("一", "王艳", f"包联{len(wang)}户，体温均正常")
        await timer.elapse(t)
        [reply] = t.replies(c)
        assert reply.startswith(f"✅ 已记录 王艳 {len(wang)}户")

        # a question goes at once, quoting the member
        d = await t.say("一", "王艳", f"包联{len(wang) + 5}户，均正常")  # a count that disagrees
        assert t.replies(d), "a question is not held"
        assert len(timer.asked) == 2


async def test_held_acks_go_when_the_adapter_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    timer = Timer()  # never elapses
    async with town(tmp_path, monkeypatch, sleep=timer, feishu={"ack_window_s": WINDOW}) as t:
        await t.say("一", "刘志宇", "/bind 第一网格")
        wang = await t.households_of("王艳")
        a = await t.say("一", "王艳", f"包联{len(wang)}户，均正常")
        assert t.replies(a) == []
        standin = t.standin
    assert len(standin.replies_to(a)) == 1  # sent at stop, quoting the member
    assert sqlite3.connect(tmp_path / "feishu.db").execute(
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0] == 0


async def test_a_tight_month_lengthens_the_window_and_tells_once(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    async def spent(services: Any, *_: Any) -> None:  # 9,000 calls of the month stored by earlier runs
        day = services.clock.now().date()
        await services.quota.record("feishu", {(day.replace(day=1).isoformat(), "reply"): 9000})

    timer = Timer()
    async with town(tmp_path, monkeypatch, sleep=timer, before_start=spent,
                    feishu={"ack_window_s": WINDOW, "monthly_quota": 10000, "tight_factor": 3}) as t:
        assert t.bot.quota_level() == TIGHT
        await t.say("一", "刘志宇", "/bind 第一网格")
        wang, liu = await t.households_of("王艳"), await t.households_of("刘志宇")
        await t.say("一", "王艳", f"包联{len(wang)}户，均正常")
        await asyncio.sleep(0.1)
        assert timer.asked == [3 * WINDOW]
        admin = t.standin.private_chat(t.users["管理员"])
        notices = [m.text for m in t.standin.sent(admin)]
        assert len(notices) == 1 and "9" in notices[0] and "10000" in notices[0] and "15 分钟" in notices[0]
        await timer.elapse(t)
        await t.say("一", "刘志宇", f"包联{len(liu)}户，均正常")
        await timer.elapse(t)
        assert len(t.standin.sent(admin)) == 1  # once a month
    assert texts.FEISHU_QUOTA_NOTICE.count("{") == 3


async def test_names_fetched_once_a_week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with town(tmp_path, monkeypatch) as t:
        now = [1000.0]
        t.bot.monotonic = lambda: now[0]
        await t.say("一", "刘志宇", "/bind 第一网格")
        await t.say("一", "王艳", "你好")
        fetched = t.bot.api.calls.on(t.bot.api.calls.today()).get("members", 0)
        now[0] += 6 * 24 * 3600  # six days on: the cached names
        await t.say("一", "王艳", "你好")
        assert t.bot.api.calls.on(t.bot.api.calls.today()).get("members", 0) == fetched
        now[0] += 2 * 24 * 3600  # past the week: fetched again
        await t.say("一", "王艳", "你好")
        assert t.bot.api.calls.on(t.bot.api.calls.today()).get("members", 0) == fetched + 1
