"""Deadlines and reminders through the real PTB Application and its real JobQueue, offline.

Time is the injected clock: a test starts the JobQueue, looks up the scheduled job for a time of day in
``app.job_queue.jobs()``, sets the clock to that moment and runs the job's callback with ``job.run(app)``,
exactly what APScheduler would do when the moment comes. Nothing sleeps.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config.reminders import ScheduleConfig
from bot.config.settings import Config
from bot.core import texts
from bot.sample.cast import ADMIN, CHEN, DAY, GROUP1, GROUP2, LIU, LIUGL, WANG, ZHAO
from handlers.offline.bot import OFFLINE_TOKEN, OfflineBot, replies
from handlers.offline.fake import FakeChat, UpdateFactory
from handlers.offline.recording import Call, RecordingRequest
from handlers.telegram.app import build_application
from handlers.telegram.reminders import CATCH_UP_JOB, JOB_PREFIX
from tests.reminders.helpers import catch_up, nag_jobs, run_job, sends

LEADERS = FakeChat(-1005000, "网格长群")
STATS = FakeChat(-1006000, "统计员群")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    sched = dataclasses.replace(ScheduleConfig(), leaders_chat_id=LEADERS.qid)
    return dataclasses.replace(Config(), db_path=str(tmp_path / "test.db"), admins=(ADMIN.qid,), schedule=sched)


@pytest.fixture
async def nbot(bot: OfflineBot) -> AsyncIterator[OfflineBot]:
    """The conftest bot (sample roster, groups 1 and 2 bound) with its JobQueue started. The bot started at
    08:00 with nothing bound, so its start-up catch-up job has nothing to do: it is taken off the queue."""
    for job in bot.app.job_queue.get_jobs_by_name(CATCH_UP_JOB):
        job.schedule_removal()
    await bot.app.job_queue.start()
    yield bot


async def households(bot: OfflineBot, member: str) -> list[str]:
    m = (await bot.services.reports.roster()).find_member(member)
    assert m is not None
    return [h.name for h in m.households]


async def report_all(bot: OfflineBot, chat: FakeChat, user: Any, member: str, hhmm: str) -> list[Call]:
    n = len(await households(bot, member))
    _, calls = await bot.post(chat, user, f"包联{n}户，体温均正常，无返乡人员", hhmm)
    assert replies(calls)[0].startswith(f"✅ 已记录 {member}"), replies(calls)
    return calls


async def link_chen(bot: OfflineBot) -> None:
    """陈明 has no account in the roster and no username: link him with /iam and the leader's approval."""
    _, calls = await bot.post(GROUP1, CHEN, "/iam 陈明", bot.clock.now)
    data = next(b["callback_data"] for c in calls for row in (c.params.get("reply_markup") or {})
                .get("inline_keyboard", []) for b in row if b["callback_data"].startswith("iam:a:"))
    await bot.click(GROUP1, LIU, data, calls[0].result["message_id"])


async def nags_rows(bot: OfflineBot) -> list[dict[str, Any]]:
    return [dict(r) for r in await bot.services.db.fetchall("SELECT * FROM nags_sent ORDER BY grid_id, slot_at")]


# ---------------------------------------------------------------------------------------------- the jobs
async def test_jobs_are_daily_and_timezone_aware(nbot: OfflineBot) -> None:
    jobs = nag_jobs(nbot)
    assert sorted(jobs) == [JOB_PREFIX + t for t in ("08:00", "16:00", "17:30", "18:00", "18:30")]
    for name, job in jobs.items():
        assert job.job.trigger.timezone == ZoneInfo("Asia/Shanghai")
        nt = job.next_t
        assert nt is not None and nt.tzinfo is not None
        assert nt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M") == name.removeprefix(JOB_PREFIX)


async def test_open_message_and_nothing_fires_early(nbot: OfflineBot) -> None:
    calls = await run_job(nbot, "16:00", at=nbot.at("15:59"))
    assert sends(calls) == []
    assert await nags_rows(nbot) == []  # not even claimed
    calls = await run_job(nbot, "08:00", at=nbot.at("08:03"))  # a few minutes late is fine
    assert sends(calls, GROUP1) == ["今日排查开始，请于18:00前上报包联户情况"]
    assert sends(calls, GROUP2) == ["今日排查开始，请于18:00前上报包联户情况"]


# ---------------------------------------------------------------------------------------------- who is named
async def test_reminder_names_only_the_missing_with_partial_counts(nbot: OfflineBot) -> None:
    await report_all(nbot, GROUP1, WANG, "王艳", "10:00")
    liu = await households(nbot, "刘志宇")
    await nbot.post(GROUP1, LIU, f"{liu[0]}家4人 体温36.5\n{liu[1]}家1人 体温36.6", "10:05")
    calls = await run_job(nbot, "16:00")
    [g1] = sends(calls, GROUP1)
    assert g1.startswith("⏰ 温馨提醒：今天18:00前请上报")
    assert f"刘志宇 @liuzhiyu（还差{len(liu) - 2}户）" in g1
    assert "陈明" in g1 and "王艳" not in g1
    [g2] = sends(calls, GROUP2)
    for name in ("赵丽", "刘桂兰", "周强", "李秀英"):
        assert name in g2
    assert calls[0].params["parse_mode"] == "HTML"
    # the same job again (a repeated fire) sends nothing
    assert sends(await run_job(nbot, "16:00")) == []


async def test_deadline_mentions_and_a_report_just_before(nbot: OfflineBot) -> None:
    await link_chen(nbot)  # linked, no username: a text mention by user id
    await nbot.post(GROUP1, WANG, "收到", "09:00")  # 王艳 speaks once: her roster @username links her
    await report_all(nbot, GROUP1, WANG, "王艳", "17:59")  # at 17:59: not named at 18:00
    calls = await run_job(nbot, "18:00")
    [g1] = sends(calls, GROUP1)
    assert g1.startswith("⛔ 已到18:00截止时间")
    assert "刘志宇 @liuzhiyu" in g1
    assert f'<a href="tg://user?id={CHEN.id}">陈明</a>' in g1
    assert "王艳" not in g1
    [g2] = sends(calls, GROUP2)
    assert "赵丽 @zhaoli2020" in g2  # linked when she bound the group
    assert "周强" in g2 and "tg://user" not in g2 and "@" not in g2.split("赵丽 @zhaoli2020")[1]  # not linked
    rows = await nbot.services.db.fetchall("SELECT member_id FROM nag_named WHERE kind = 'deadline'")
    assert len(rows) == 2 + 4


async def test_unlinked_member_named_by_plain_name(nbot: OfflineBot) -> None:
    calls = await run_job(nbot, "18:00")
    [g1] = sends(calls, GROUP1)
    names = re.search(r"还没有上报：(.*)。请尽快", g1)
    assert names is not None
    assert names.group(1).split("、") == ["刘志宇 @liuzhiyu", "王艳", "陈明"]  # 王艳 and 陈明 are not linked


async def test_everyone_reported_means_no_message(nbot: OfflineBot) -> None:
    for user, name in ((LIU, "刘志宇"), (WANG, "王艳")):
        await report_all(nbot, GROUP1, user, name, "10:00")
    await link_chen(nbot)
    await report_all(nbot, GROUP1, CHEN, "陈明", "10:10")
    calls = await run_job(nbot, "16:00")
    assert sends(calls, GROUP1) == [] and len(sends(calls, GROUP2)) == 1
    status = {(r["grid_id"], r["kind"]): r["status"] for r in await nags_rows(nbot)}
    assert status[(1, "remind:16:00")] == "nobody" and status[(2, "remind:16:00")] == "sent"


async def test_escalation_to_the_leader_in_private_else_the_leaders_group(nbot: OfflineBot) -> None:
    await nbot.post(FakeChat(LIU.id), LIU, "/start", "09:00")  # 刘志宇 has started the bot in private
    await run_job(nbot, "18:00")
    calls = await run_job(nbot, "18:30")
    [private] = sends(calls, LIU.id)
    assert private.startswith("📣 东风村第一网格：今天（2月10日）18:00截止后仍未上报的有：")
    assert "刘志宇" in private and "王艳" in private and "陈明" in private
    [group] = sends(calls, LEADERS)  # 赵丽 has not: her grid goes to the leaders' group, naming her
    assert group.startswith(f'📣 <a href="tg://user?id={ZHAO.id}">赵丽</a>，东风村第二网格')
    assert sends(calls, GROUP1) == [] and sends(calls, GROUP2) == []


async def test_late_reporter_thanked_once_and_leader_updated(nbot: OfflineBot) -> None:
    await nbot.post(FakeChat(LIU.id), LIU, "/start", "09:00")
    await run_job(nbot, "18:00")
    _, calls = await nbot.post(GROUP1, WANG, "好的", "18:05")
    assert replies(calls) == []  # not a report: no thanks
    calls = await report_all(nbot, GROUP1, WANG, "王艳", "18:10")
    assert replies(calls)[1] == "收到，谢谢王艳补报，辛苦了！"
    assert sends(calls, LIU.id) == []  # not escalated yet
    await run_job(nbot, "18:30")
    calls = await report_all(nbot, GROUP1, LIU, "刘志宇", "18:40")
    assert replies(calls)[1] == "收到，谢谢刘志宇补报，辛苦了！"
    [update] = sends(calls, LIU.id)
    assert update == "📬 东风村第一网格更新：刘志宇已补报。仍未报：陈明"
    calls = await report_all(nbot, GROUP1, LIU, "刘志宇", "18:45")  # again: no second thanks or update
    assert len(replies(calls)) == 1


async def test_thanks_can_be_turned_off(config: Config, sample_rows) -> None:
    cfg = dataclasses.replace(config, schedule=dataclasses.replace(config.schedule, thanks=""))
    async with bound_bot(cfg, sample_rows, "08:00") as b:
        await b.app.job_queue.start()
        await run_job(b, "18:00")
        calls = await report_all(b, GROUP1, WANG, "王艳", "18:10")
        assert len(replies(calls)) == 1


# ---------------------------------------------------------------------------------------------- restarts
class bound_bot:
    """A fresh Application on the same database (a restart), the roster imported and groups bound once."""

    def __init__(self, config: Config, rows: Any, hhmm: str, day: date = DAY, request: RecordingRequest | None = None):
        self.bot = OfflineBot(config, datetime.combine(day, time.fromisoformat(hhmm), config.tz))
        if request is not None:  # the same Application, built on another offline request object
            self.bot.request = request
            self.bot.app = build_application(config, token=OFFLINE_TOKEN, request=request, clock=self.bot.clock, rate_limiter=False)
            self.bot.updates = UpdateFactory(self.bot.app.bot, start_update_id=1000)
        self.rows = rows

    async def __aenter__(self) -> OfflineBot:
        b = self.bot
        await b.start()
        await catch_up(b)  # what starting the JobQueue does first
        if not await b.services.report_repo.grids():
            await b.services.reports.import_roster(self.rows, "sample")
            b.request.member_status[(GROUP1.id, LIU.id)] = "administrator"
            b.request.member_status[(GROUP2.id, ZHAO.id)] = "administrator"
            await b.post(GROUP1, LIU, "/bind 第一网格", b.clock.now)
            await b.post(GROUP2, ZHAO, "/bind 第二网格", b.clock.now)
        return b

    async def __aexit__(self, *exc: Any) -> None:
        await self.bot.stop()


async def test_restart_never_sends_twice(config: Config, sample_rows) -> None:
    async with bound_bot(config, sample_rows, "08:00") as b:
        await b.app.job_queue.start()
        assert len(sends(await run_job(b, "18:00"))) == 2
    async with bound_bot(config, sample_rows, "18:05") as b:  # restarted within the grace period
        assert sends(b.request.calls) == []
        await b.app.job_queue.start()
        assert sends(await run_job(b, "18:00", at=b.at("18:06"))) == []
    rows = await _rows(config)
    assert [r["status"] for r in rows if r["kind"] == "deadline"] == ["sent", "sent"]


async def test_grace_period_after_downtime(config: Config, sample_rows) -> None:
    config = dataclasses.replace(config, schedule=dataclasses.replace(config.schedule, grace_minutes=60))
    async with bound_bot(config, sample_rows, "08:00") as b:
        await b.app.job_queue.start()
        await run_job(b, "16:00")
    # down from 16:01 to 18:20: the 17:30 reminder and the 18:00 deadline are both within the 60 minutes;
    # only the deadline goes out, once; the reminder is recorded as superseded
    async with bound_bot(config, sample_rows, "18:20") as b:
        texts_sent = sends(b.request.calls)
        assert len(texts_sent) == 2 and all(t.startswith("⛔ 已到18:00截止时间") for t in texts_sent)
    async with bound_bot(config, sample_rows, "18:25") as b:
        assert sends(b.request.calls) == []
    status = {(r["grid_id"], r["kind"]): r["status"] for r in await _rows(config)}
    assert status[(1, "remind:17:30")] == "skipped" and status[(1, "deadline")] == "sent"


async def test_missed_beyond_grace_is_skipped(config: Config, sample_rows) -> None:
    async with bound_bot(config, sample_rows, "08:00"):
        pass
    # back at 18:45: the deadline (45 min ago) is past the grace period; the escalation (15 min) is not
    async with bound_bot(config, sample_rows, "18:45") as b:
        sent = b.request.sent("sendMessage")
        assert {int(c.params["chat_id"]) for c in sent} == {LEADERS.id}
        assert len(sent) == 2 and all("截止后仍未上报" in str(c.params["text"]) for c in sent)
    kinds = {r["kind"] for r in await _rows(config)}
    assert kinds == {"escalate"}


async def test_concurrent_dispatches_send_once(nbot: OfflineBot) -> None:
    job = nag_jobs(nbot)[JOB_PREFIX + "18:00"]
    nbot.clock.set(nbot.at("18:00"))
    await asyncio.gather(job.run(nbot.app), job.run(nbot.app), job.run(nbot.app))
    nags = [t for t in sends(nbot.request.calls) if t.startswith("⛔")]
    assert len(nags) == 2


async def _rows(config: Config) -> list[dict[str, Any]]:
    from storage.db import open_database

    db = await open_database(config.db_path)
    try:
        return [dict(r) for r in await db.fetchall("SELECT * FROM nags_sent ORDER BY grid_id, slot_at")]
    finally:
        await db.close()


# ---------------------------------------------------------------------------------------------- pause, resume, leave
async def test_pause_and_resume(nbot: OfflineBot) -> None:
    _, calls = await nbot.post(GROUP1, WANG, "/pause", "09:00")
    assert replies(calls) == [texts.SCHEDULE_NOT_ALLOWED]
    _, calls = await nbot.post(GROUP1, LIU, "/pause 村里开会", "09:00")
    assert replies(calls) == ["⏸ 已暂停 东风村第一网格 的提醒，发送 /resume 恢复。原因：村里开会"]
    calls = await run_job(nbot, "16:00")
    assert sends(calls, GROUP1) == [] and len(sends(calls, GROUP2)) == 1
    _, calls = await nbot.post(GROUP1, LIU, "/schedule", "16:10")
    assert "⏸ 已暂停（村里开会）" in replies(calls)[0]
    _, calls = await nbot.post(GROUP1, LIU, "/resume", "16:20")
    assert replies(calls) == ["▶️ 已恢复 东风村第一网格 的提醒。"]
    calls = await run_job(nbot, "17:30")
    assert len(sends(calls, GROUP1)) == 1
    _, calls = await nbot.post(GROUP1, LIU, "/resume", "17:40")
    assert replies(calls) == ["东风村第一网格 的提醒没有暂停。"]


async def test_pause_until_a_day(nbot: OfflineBot) -> None:
    _, calls = await nbot.post(GROUP2, ZHAO, "/pause 到 2月11日 防汛值班", "09:00")
    assert replies(calls) == ["⏸ 已暂停 东风村第二网格 的提醒，到2月11日（含）为止，之后自动恢复。原因：防汛值班"]
    _, calls = await nbot.post(GROUP2, ZHAO, "/pause 到2月1日", "09:01")
    assert replies(calls) == ["❓ 2月1日 已经过去了，请写今天或以后的日期。"]
    for day in (DAY, DAY + timedelta(days=1)):
        calls = await run_job(nbot, "18:00", day=day)
        assert sends(calls, GROUP2) == [] and len(sends(calls, GROUP1)) == 1, day
    calls = await run_job(nbot, "18:00", day=DAY + timedelta(days=2))
    assert len(sends(calls, GROUP2)) == 1


async def test_leave(nbot: OfflineBot) -> None:
    _, calls = await nbot.post(GROUP1, WANG, "/leave 陈明 2月10日-2月11日", "09:00")
    assert replies(calls) == [texts.SCHEDULE_NOT_ALLOWED]
    _, calls = await nbot.post(GROUP1, LIU, "/leave 陈明 2月10日-2月11日", "09:00")
    assert replies(calls) == ["✅ 已登记 陈明 请假：2月10日至2月11日，期间不提醒。"]
    _, calls = await nbot.post(GROUP1, LIU, "/leave 不存在 2月10日", "09:01")
    assert "没有叫“不存在”" in replies(calls)[0]
    _, calls = await nbot.post(GROUP1, LIU, "/leave 王艳 明天", "09:02")
    assert replies(calls) == ["✅ 已登记 王艳 请假：2月11日，当天不提醒。"]
    _, calls = await nbot.post(GROUP1, LIU, "/leave", "09:03")
    assert "陈明：2月10日至2月11日" in replies(calls)[0] and "王艳：2月11日至2月11日" in replies(calls)[0]
    [today] = sends(await run_job(nbot, "18:00"), GROUP1)
    assert "陈明" not in today and "王艳" in today
    [tomorrow] = sends(await run_job(nbot, "18:00", day=DAY + timedelta(days=1)), GROUP1)
    assert "陈明" not in tomorrow and "王艳" not in tomorrow and "刘志宇" in tomorrow
    [after] = sends(await run_job(nbot, "18:00", day=DAY + timedelta(days=2)), GROUP1)
    assert "陈明" in after and "王艳" in after
    _, calls = await nbot.post(GROUP1, LIU, "/leave 陈明 取消", "19:00")
    assert replies(calls) == ["陈明 没有需要撤销的请假。"]


async def test_leave_cancelled(nbot: OfflineBot) -> None:
    await nbot.post(GROUP1, LIU, "/leave 陈明 2月10日至2月12日", "09:00")
    _, calls = await nbot.post(GROUP1, LIU, "/leave 陈明 取消", "09:05")
    assert replies(calls) == ["✅ 已撤销 陈明 的请假。"]
    [g1] = sends(await run_job(nbot, "18:00"), GROUP1)
    assert "陈明" in g1


# ---------------------------------------------------------------------------------------------- chats that went away
async def test_group_that_removed_the_bot_is_deactivated(nbot: OfflineBot) -> None:
    nbot.request.kicked_chats.add(GROUP2.id)
    calls = await run_job(nbot, "16:00")
    assert len(sends(calls, GROUP1)) == 1
    assert await nbot.services.report_repo.bound_grid_ids(GROUP2.qid) == []
    status = {(r["grid_id"], r["kind"]): r["status"] for r in await nags_rows(nbot)}
    assert status[(2, "remind:16:00")] == "failed"
    calls = await run_job(nbot, "18:00")  # not tried again
    assert [int(c.params["chat_id"]) for c in calls if c.method == "sendMessage"] == [GROUP1.id]


class MigratingRequest(RecordingRequest):
    """Answers sends to one chat with "group chat was upgraded to a supergroup chat"."""

    def __init__(self, old: int, new: int):
        super().__init__()
        self.old, self.new = old, new

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kw: Any):
        params = dict(request_data.parameters) if request_data else {}
        if url.endswith("/sendMessage") and int(params.get("chat_id", 0)) == self.old:
            self.calls.append(Call("sendMessage", params))
            return 400, json.dumps({"ok": False, "error_code": 400,
                                    "description": "Bad Request: group chat was upgraded to a supergroup chat",
                                    "parameters": {"migrate_to_chat_id": self.new}}).encode()
        return await super().do_request(url, method, request_data, *args, **kw)


async def test_migrated_group_is_followed(config: Config, sample_rows) -> None:
    new_id = -1009001001
    async with bound_bot(config, sample_rows, "08:00") as b:
        pass
    req = MigratingRequest(GROUP1.id, new_id)
    async with bound_bot(config, sample_rows, "15:00", request=req) as b:
        await b.app.job_queue.start()
        calls = await run_job(b, "16:00")
        [moved] = sends(calls, new_id)
        assert moved.startswith("⏰")
        assert await b.services.report_repo.bound_grid_ids(f"tg:{new_id}") == [1]
        assert await b.services.report_repo.bound_grid_ids(GROUP1.qid) == []
        calls = await run_job(b, "17:30")
        assert [int(c.params["chat_id"]) for c in calls if c.method == "sendMessage"] == [new_id, GROUP2.id]


# ---------------------------------------------------------------------------------------------- schedule changes
async def test_schedule_change_takes_effect(nbot: OfflineBot) -> None:
    _, calls = await nbot.post(GROUP1, LIU, "/schedule", "09:00")
    assert "截止：18:00" in replies(calls)[0] and "提醒：16:00、17:30" in replies(calls)[0]
    _, calls = await nbot.post(GROUP1, WANG, "/schedule 截止 17:00", "09:01")
    assert replies(calls) == [texts.SCHEDULE_NOT_ALLOWED]
    _, calls = await nbot.post(GROUP1, LIU, "/schedule 截止 17:00 升级 17:20", "09:02")
    [reply] = replies(calls)
    assert reply.startswith("✅ 已修改 东风村第一网格 的提醒时间") and "截止：17:00" in reply
    assert "（17:30 的提醒晚于截止时间，已取消）" in reply
    assert set(nag_jobs(nbot)) >= {JOB_PREFIX + "17:00", JOB_PREFIX + "17:20", JOB_PREFIX + "18:00"}
    calls = await run_job(nbot, "17:00")
    [g1] = sends(calls, GROUP1)
    assert g1.startswith("⛔ 已到17:00截止时间") and sends(calls, GROUP2) == []
    calls = await run_job(nbot, "18:00")  # grid 2 keeps the default
    assert sends(calls, GROUP1) == [] and len(sends(calls, GROUP2)) == 1
    _, calls = await nbot.post(GROUP1, LIU, "/schedule 截止 16:00 升级 15:00", "19:00")
    assert replies(calls) == ["❓ 上报网格长的时间要晚于截止时间，没有修改。"]
    _, calls = await nbot.post(GROUP1, LIU, "/schedule 明天", "19:01")
    assert replies(calls)[0].startswith("❓ 看不懂“明天”")
    _, calls = await nbot.post(GROUP1, LIU, "/schedule 默认", "19:02")
    assert replies(calls)[0].startswith("✅ 东风村第一网格 已恢复默认提醒时间")
    assert sorted(nag_jobs(nbot)) == [JOB_PREFIX + t for t in ("08:00", "16:00", "17:30", "18:00", "18:30")]


async def test_schedule_change_survives_restart(config: Config, sample_rows) -> None:
    async with bound_bot(config, sample_rows, "08:00") as b:
        await b.post(GROUP1, LIU, "/schedule 提醒 15:00 开始 关", "08:10")
    async with bound_bot(config, sample_rows, "09:00") as b:
        await b.app.job_queue.start()
        assert JOB_PREFIX + "15:00" in nag_jobs(b)
        calls = await run_job(b, "15:00")
        assert len(sends(calls, GROUP1)) == 1 and sends(calls, GROUP2) == []
        assert sends(await run_job(b, "16:00"), GROUP1) == []  # its default reminders are replaced


async def test_weekdays_only(config: Config, sample_rows) -> None:
    cfg = dataclasses.replace(config, schedule=dataclasses.replace(config.schedule, days="weekdays"))
    saturday = date(2020, 2, 15)
    async with bound_bot(cfg, sample_rows, "08:00") as b:
        await b.app.job_queue.start()
        assert sends(await run_job(b, "18:00", day=saturday)) == []
        assert len(sends(await run_job(b, "18:00", day=saturday + timedelta(days=2)))) == 2


async def test_digest_default_and_pluggable(config: Config, sample_rows) -> None:
    cfg = dataclasses.replace(config, schedule=dataclasses.replace(
        config.schedule, digest=time(18, 40), statisticians_chat_id=STATS.qid))
    async with bound_bot(cfg, sample_rows, "08:00") as b:
        await b.app.job_queue.start()
        nags = b.services.reminders
        nags.digest_builder = nags.default_digest  # the summaries module may have plugged in its own
        await report_all(b, GROUP1, WANG, "王艳", "10:00")
        [digest] = sends(await run_job(b, "18:40"), STATS)
        assert digest == "📊 2月10日 上报情况\n东风村第一网格：已报 1/3 人\n东风村第二网格：已报 0/4 人"

        async def custom(day: date) -> str:
            return f"{day:%m-%d} 自定义汇总 <b>"

        nags.digest_builder = custom
        assert sends(await run_job(b, "18:40", day=DAY + timedelta(days=1)), STATS) == ["02-11 自定义汇总 &lt;b&gt;"]


async def test_command_menu_includes_schedule_commands(nbot: OfflineBot) -> None:
    [menu] = nbot.request.sent("setMyCommands")
    names = [c["command"] for c in menu.params["commands"]]
    assert {"schedule", "pause", "resume", "leave"} <= set(names)


async def test_private_leader_blocked_falls_back_to_leaders_group(nbot: OfflineBot) -> None:
    await nbot.post(FakeChat(LIU.id), LIU, "/start", "09:00")
    nbot.request.kicked_chats.add(LIU.id)  # 刘志宇 blocked the bot since
    calls = await run_job(nbot, "18:30")
    assert len(sends(calls, LEADERS)) == 2
    assert any(str(c.params["text"]).startswith("📣 刘志宇") or "东风村第一网格" in str(c.params["text"])
               for c in calls if int(c.params.get("chat_id", 0)) == LEADERS.id)


async def test_chain_report_by_another_member_thanks_the_named(nbot: OfflineBot) -> None:
    await run_job(nbot, "18:00")
    zhao = await households(nbot, "赵丽")
    liugl = await households(nbot, "刘桂兰")
    chain = f"#接龙 第二网格排查\n1. 赵丽 {len(zhao)}户 均正常\n2. 刘桂兰 {len(liugl)}户 均正常"
    _, calls = await nbot.post(GROUP2, LIUGL, chain, "18:20")
    assert replies(calls)[-1] == "收到，谢谢赵丽、刘桂兰补报，辛苦了！"


async def test_catch_up_job_waits_for_the_job_queue(bot: OfflineBot) -> None:
    [job] = bot.app.job_queue.get_jobs_by_name(CATCH_UP_JOB)  # added on start, runs when the queue starts
    assert job.job.misfire_grace_time is None and job.job.trigger.__class__.__name__ == "DateTrigger"


async def test_admin_manages_any_grid_and_leader_in_private(nbot: OfflineBot) -> None:
    _, calls = await nbot.post(GROUP2, ADMIN, "/pause 到 明天", "09:00")
    assert replies(calls)[0].startswith("⏸ 已暂停 东风村第二网格 的提醒，到2月11日（含）为止")
    _, calls = await nbot.post(FakeChat(LIU.id), LIU, "/schedule", "09:01")
    [reply] = replies(calls)
    assert reply.startswith("⏰ 东风村第一网格 的提醒时间") and "提醒日：每天" in reply
    _, calls = await nbot.post(FakeChat(WANG.id), WANG, "/schedule 截止 17:00", "09:02")
    assert replies(calls) == [texts.SCHEDULE_NO_GRID]


async def test_escalation_without_a_recipient_is_recorded(config: Config, sample_rows) -> None:
    cfg = dataclasses.replace(config, schedule=dataclasses.replace(config.schedule, leaders_chat_id=None))
    async with bound_bot(cfg, sample_rows, "08:00") as b:
        await b.app.job_queue.start()
        await run_job(b, "18:00")
        assert sends(await run_job(b, "18:30")) == []
        status = {(r["grid_id"], r["kind"]): r["status"] for r in await nags_rows(b)}
        assert status[(1, "escalate")] == status[(2, "escalate")] == "no_recipient"
