"""Migration 8: a database of gridbot before platform-qualified ids (user_version 7, every id a Telegram int)
opens with the current code, keeps every row with its ids converted, and works: the day's reports and
summary, the sent nags, the inbox and outbox, the photo readings, the links and the statisticians."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

from bot.config.settings import Config
from bot.core.chat import IncomingMessage, Sender
from bot.core.records import InboxUpdate
from bot.services import open_services
from storage.db import open_database
from storage.inbox import InboxRepo
from storage.migrations import LATEST
from storage.photos import PhotoRepo
from storage.reminders import ReminderRepo
from storage.reports import ReportRepo
from storage.stats import StatsRepo

NOW = "2020-02-10T09:00:00+08:00"
DAY = "2020-02-10"
GROUP = -1001001
READING = {"member": "王艳", "kind": "table", "form_id": None, "unmatched": [], "columns": ["people"],
           "households": [{"household": "张三", "values": {"people": 3}, "row": 1, "uncertain": [],
                           "confidence": {}}]}

#: one v7 row (or more) in every table, as gridbot 7 stored them: Telegram ints
V7_ROWS: list[tuple[str, tuple]] = [
    ("INSERT INTO grids VALUES (1, '青山镇', '东风村', '第一网格', '刘志宇', '@liuzhiyu', 1001, 1)", ()),
    ("INSERT INTO grids VALUES (2, '青山镇', '东风村', '第二网格', '赵丽', '2001', 2001, 1)", ()),
    ("INSERT INTO members VALUES (1, 1, '王艳', '@wangyan_cn', 1002, 'wangyan_cn', 1)", ()),
    ("INSERT INTO members VALUES (2, 1, '陈明', NULL, 1003, NULL, 1)", ()),
    ("INSERT INTO members VALUES (3, 2, '周强', '@zhouqiang', NULL, NULL, 1)", ()),
    ("INSERT INTO households VALUES (1, '青山镇', '东风村', '张三', '', 1, 3, 1, 1)", ()),
    ("INSERT INTO households VALUES (2, '青山镇', '东风村', '李四', '', 1, 2, 2, 1)", ()),
    ("INSERT INTO households VALUES (3, '青山镇', '东风村', '王五', '', 2, 4, 1, 1)", ()),
    ("INSERT INTO households VALUES (4, '青山镇', '东风村', '赵六', '', 3, 5, 1, 1)", ()),
    ("INSERT INTO roster_imports VALUES (1, ?, 'roster.csv', 4, 0, 0, 0)", (NOW,)),
    ("INSERT INTO bindings VALUES (?, 1, 1, 4242, ?)", (GROUP, NOW)),
    ("INSERT INTO bindings VALUES (-1001002, 2, 1, 2001, ?)", (NOW,)),
    ("INSERT INTO link_requests VALUES (1, ?, 1003, NULL, '陈明', 2, 'approved', ?, 1001, ?)", (GROUP, NOW, NOW)),
    ("INSERT INTO messages VALUES (1, ?, 10, 1002, ?, '包联2户，李四人数待定', ?)", (GROUP, DAY, NOW)),
    ("INSERT INTO member_reports VALUES (1, 1, 1, ?, 0, 0, NULL, NULL, '[]', NULL, 'text', 1002, ?, 0)", (DAY, NOW)),
    ("INSERT INTO reports (id, household_id, day, member_id, member_report_id, data, anomaly, source_chat_id, "
     "source_message_id, sender_user_id, reported_at, via, photo_file_id, uncertain) "
     "VALUES (1, 1, ?, 1, 1, '{\"people\": 3}', 0, ?, 10, 1002, ?, 'text', NULL, '[]')", (DAY, GROUP, NOW)),
    ("INSERT INTO reports (id, household_id, day, member_id, member_report_id, data, anomaly, source_chat_id, "
     "source_message_id, sender_user_id, reported_at, via, photo_file_id, uncertain) "
     "VALUES (2, 2, ?, 1, 1, '{\"people\": null}', 0, ?, 10, 1002, ?, 'text', NULL, '[\"people\"]')",
     (DAY, GROUP, NOW)),
    ("INSERT INTO report_audit (id, household_id, day, member_id, member_report_id, data, anomaly, source_chat_id, "
     "source_message_id, sender_user_id, reported_at, via, replaced_at, reason, photo_file_id, uncertain) "
     "VALUES (1, 1, ?, 1, 1, '{\"people\": 4}', 0, ?, 9, 1002, ?, 'text', ?, 'replaced', NULL, '[]')",
     (DAY, GROUP, NOW, NOW)),
    ("INSERT INTO processed_updates VALUES (700, ?)", (NOW,)),
    ("INSERT INTO hints VALUES (1003, ?, 'not_linked', ?)", (GROUP, NOW)),
    ("INSERT INTO grid_schedules VALUES (1, '07:30', '10:00,14:00', '17:00', NULL, 1001, ?)", (NOW,)),
    ("INSERT INTO grid_pauses VALUES (2, '2020-02-12', '春节', 2001, ?)", (NOW,)),
    ("INSERT INTO member_leaves VALUES (1, 2, ?, ?, 1001, ?, 0)", (DAY, DAY, NOW)),
    ("INSERT INTO nags_sent VALUES (1, ?, 'remind@10:00', '10:00', 'sent', ?, ?, ?, 2)",
     (DAY, NOW, NOW, json.dumps([GROUP, 1001]))),
    ("INSERT INTO nags_sent VALUES (2, ?, 'open@07:30', '07:30', 'skipped', ?, NULL, '[]', 0)", (DAY, NOW)),
    ("INSERT INTO nag_named VALUES (1, ?, 'remind@10:00', 1, 1)", (DAY,)),
    ("INSERT INTO nag_followups VALUES (1, ?, 1, 'thanks', ?)", (DAY, NOW)),
    ("INSERT INTO private_chats VALUES (1001, 1, ?, ?)", (NOW, NOW)),
    ("INSERT INTO statisticians VALUES (1, 5001, 'likuaiji', '青山镇/东风村', 4242, ?, 1)", (NOW,)),
    ("INSERT INTO statisticians VALUES (2, NULL, 'qianjin', '青山镇', 4242, ?, 1)", (NOW,)),
    ("INSERT INTO ocr_pending VALUES (1, 'n0nce', ?, 77, 78, 1002, 1, 1, ?, 'file-77', 'table', ?, 1, 'pending', "
     "?, ?, NULL, NULL)", (GROUP, DAY, json.dumps(READING, ensure_ascii=False), NOW, NOW)),
    # the inbox: 701 and 702 not done (702 arrived first by time, but the inbox was ordered by update id)
    ("INSERT INTO inbox VALUES (702, ?, '{\"update_id\": 702}', ?, NULL)", (GROUP, NOW)),
    ("INSERT INTO inbox VALUES (700, ?, '{\"update_id\": 700}', ?, ?)", (GROUP, NOW, NOW)),
    ("INSERT INTO inbox VALUES (701, NULL, '{\"update_id\": 701}', ?, NULL)", (NOW,)),
    ("INSERT INTO outbox VALUES (1, 700, ?, 10, '✅ 已记录 王艳', ?, ?, 555, NULL)", (GROUP, NOW, NOW)),
    ("INSERT INTO outbox VALUES (2, 701, ?, 11, '⚠️ 待发送', ?, NULL, NULL, ?)", (GROUP, NOW, NOW)),
    ("INSERT INTO chain_questions VALUES (?, ?, 'line-1', ?)", (GROUP, DAY, NOW)),
]


async def _v7(path: str) -> dict[str, int]:
    """A database at version 7 with V7_ROWS; returns each table's row count."""
    db = await open_database(path, target=7)
    try:
        assert await db.version() == 7
        async with db.transaction() as c:
            for sql, params in V7_ROWS:
                await c.execute(sql, params)
        tables = [r[0] for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: (await db.fetchone(f"SELECT COUNT(*) FROM {t}"))[0] for t in tables}  # noqa: S608 - names
    finally:
        await db.close()


async def _indexes(db) -> set[str]:
    return {r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'")}


async def test_a_version_7_database_keeps_every_row_with_qualified_ids(tmp_path: Path) -> None:
    path = str(tmp_path / "v7.db")
    counts = await _v7(path)
    old = await open_database(path, target=7)
    old_indexes = await _indexes(old)
    await old.close()
    db = await open_database(path, target=8)  # this migration's work alone (later ones add indexes of their own)
    try:
        assert await db.version() == 8
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # enforcement is back on after the rebuild
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        assert (await db.fetchone("PRAGMA integrity_check"))[0] == "ok"
        for table, n in counts.items():  # every row survived
            assert (await db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0] == n, table  # noqa: S608 - names
        assert await _indexes(db) - {"inbox_open"} == old_indexes - {"inbox_open"}  # every index is back
        assert "new_grids" not in {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master")}
        await db.close()
        db = await open_database(path)  # the rows and today's code below: through the later migrations too

        def rows(sql: str):
            return db.fetchall(sql)

        assert [tuple(r) for r in await rows("SELECT id, leader_user_id FROM grids ORDER BY id")] == [
            (1, "tg:1001"), (2, "tg:2001")]
        member_cols = [r[1] for r in await rows("PRAGMA table_info(members)")]
        assert "user_id" in member_cols and "username" in member_cols and "tg_user_id" not in member_cols
        assert [tuple(r) for r in await rows("SELECT id, account, user_id, username FROM members ORDER BY id")] == [
            (1, "@wangyan_cn", "tg:1002", "wangyan_cn"), (2, None, "tg:1003", None), (3, "@zhouqiang", None, None)]
        assert [tuple(r) for r in await rows("SELECT chat_id, grid_id, bound_by FROM bindings ORDER BY grid_id")] == [
            ("tg:-1001001", 1, "tg:4242"), ("tg:-1001002", 2, "tg:2001")]
        assert tuple(await db.fetchone("SELECT chat_id, user_id, decided_by FROM link_requests")) == (
            "tg:-1001001", "tg:1003", "tg:1001")
        assert tuple(await db.fetchone("SELECT chat_id, message_id, sender_user_id FROM messages")) == (
            "tg:-1001001", "10", "tg:1002")
        assert tuple(await db.fetchone("SELECT sender_user_id FROM member_reports")) == ("tg:1002",)
        assert [tuple(r) for r in await rows(
            "SELECT source_chat_id, source_message_id, sender_user_id, v_people, uncertain FROM reports "
            "ORDER BY id")] == [("tg:-1001001", "10", "tg:1002", 3, "[]"),
                                ("tg:-1001001", "10", "tg:1002", None, '["people"]')]
        assert tuple(await db.fetchone(
            "SELECT source_chat_id, source_message_id, sender_user_id FROM report_audit")) == (
            "tg:-1001001", "9", "tg:1002")
        assert [r[0] for r in await rows("SELECT update_id FROM processed_updates")] == ["tg:700"]
        assert tuple(await db.fetchone("SELECT user_id, chat_id FROM hints")) == ("tg:1003", "tg:-1001001")
        assert tuple(await db.fetchone("SELECT updated_by FROM grid_schedules")) == ("tg:1001",)
        assert tuple(await db.fetchone("SELECT paused_by FROM grid_pauses")) == ("tg:2001",)
        assert tuple(await db.fetchone("SELECT created_by FROM member_leaves")) == ("tg:1001",)
        assert [tuple(r) for r in await rows("SELECT user_id, added_by FROM statisticians ORDER BY id")] == [
            ("tg:5001", "tg:4242"), (None, "tg:4242")]
        assert tuple(await db.fetchone(
            "SELECT chat_id, message_id, reply_message_id, sender_user_id, decided_by FROM ocr_pending")) == (
            "tg:-1001001", "77", "78", "tg:1002", None)
        assert [tuple(r) for r in await rows("SELECT update_id, chat_id, reply_to, sent_message_id FROM outbox "
                                             "ORDER BY id")] == [("tg:700", "tg:-1001001", "10", "555"),
                                                                 ("tg:701", "tg:-1001001", "11", None)]
        assert [tuple(r) for r in await rows("SELECT chat_id, line_key FROM chain_questions")] == [
            ("tg:-1001001", "line-1")]
        # every id column is text now: a message id stored as "10" is found as "10", not as 10
        assert [r[0] for r in await rows("SELECT typeof(message_id) FROM messages")] == ["text"]

        # the inbox: in the order it had (by update id), under qualified keys
        assert [tuple(r) for r in await rows("SELECT seq, update_key, chat_id, done_at IS NULL FROM inbox "
                                             "ORDER BY seq")] == [
            (1, "tg:700", "tg:-1001001", 0), (2, "tg:701", None, 1), (3, "tg:702", "tg:-1001001", 1)]
        inbox = InboxRepo(db)
        assert [u.update_id for u in await inbox.open_updates()] == ["tg:701", "tg:702"]
        fresh = await inbox.accept_many([InboxUpdate("tg:702", "tg:-1001001", "{}"),  # redelivered: dropped
                                         InboxUpdate("tg:703", "tg:-1001001", "{}")], NOW)
        assert fresh == {"tg:703"}
        assert [u.update_id for u in await inbox.open_updates()] == ["tg:701", "tg:702", "tg:703"]
        await inbox.done("tg:701", NOW)
        assert [u.update_id for u in await inbox.open_updates()] == ["tg:702", "tg:703"]
        [unsent] = await inbox.unsent_replies()
        assert (unsent.chat_id, unsent.reply_to, unsent.reply.text) == ("tg:-1001001", "11", "⚠️ 待发送")

        # the nags
        reminders = ReminderRepo(db)
        sent = await reminders.sent_nag(1, DAY, "remind@10:00")
        assert sent is not None and sent.chat_ids == ("tg:-1001001", "tg:1001") and sent.named == 2
        skipped = await reminders.sent_nag(2, DAY, "open@07:30")
        assert skipped is not None and skipped.chat_ids == ()
        [bound1, bound2] = await reminders.bound_grids()
        assert bound1.chat_ids == ("tg:-1001001",) and bound1.grid.leader_user_id == "tg:1001"
        assert bound2.chat_ids == ("tg:-1001002",)
        assert await reminders.private_active(["tg:1001", "tg:2001"]) == {"tg:1001"}
        progress = {p.name: p for p in await reminders.member_progress([1], DAY)}
        assert progress["王艳"].user_id == "tg:1002" and progress["王艳"].username == "wangyan_cn"
        assert progress["王艳"].done == 2 and progress["王艳"].total == 2

        # the photo reading
        photos = PhotoRepo(db)
        reading = await photos.get(1)
        assert reading is not None and (reading.chat_id, reading.message_id, reading.sender_user_id) == (
            "tg:-1001001", "77", "tg:1002")
        assert reading.report.households[0].values == {"people": 3}
        assert (await photos.by_reply("tg:-1001001", "78")) is not None
        assert await photos.exists("tg:-1001001", "77")
        latest = await photos.latest_open("tg:-1001001", "tg:1002")
        assert latest is not None and latest.id == 1

        # the reports: the links, the day's context, the statisticians
        repo = ReportRepo(db)
        assert [m.name for m in await repo.members_of_user("tg:1002")] == ["王艳"]
        assert await repo.leader_grid_ids("tg:2001") == [2]  # a numeric roster account
        assert await repo.leader_grid_ids("tg:1001") == [1]  # linked by @username before
        request = await repo.link_request(1)
        assert request is not None and (request.chat_id, request.user_id) == ("tg:-1001001", "tg:1003")
        assert await repo.update_seen("tg:700") and not await repo.update_seen("tg:701")
        ctx = await repo.message_context("tg:-1001001", "tg:1002", "wangyan_cn", DAY, update_id="tg:704",
                                         edited_message_id="10", reply_to_bot="555")
        assert ctx.grid_ids == [1] and [m.name for m in ctx.members] == ["王艳"]
        assert ctx.edited_reports == [1] and [r.id for r in ctx.day_reports] == [1]
        assert set(ctx.pending) == {2} and ctx.pending[2].chat_id == "tg:-1001001"
        assert ctx.pending[2].message_id == "10" and ctx.pending[2].sender_user_id == "tg:1002"
        assert ctx.answering == "10" and ctx.last_message_id == "10" and ctx.asked == {"line-1"}
        stats = StatsRepo(db)
        assert [s.scope for s in await stats.statisticians_for("tg:5001", None)] == ["青山镇/东风村"]
        assert [s.scope for s in await stats.statisticians_for("tg:5002", "qianjin")] == ["青山镇"]  # by username
        assert await stats.user_names() == {"tg:1001": "刘志宇", "tg:2001": "赵丽", "tg:1002": "王艳",
                                            "tg:1003": "陈明"}
    finally:
        await db.close()


async def test_a_version_7_database_serves_the_day(tmp_path: Path) -> None:
    """Through the services: the day's summary, an open photo reading confirmed, and an edit of a message
    stored before the migration replacing what it stored."""
    path = str(tmp_path / "v7.db")
    await _v7(path)
    config = dataclasses.replace(Config(), db_path=path, admins=("tg:4242",))
    tz = config.tz
    svc = await open_services(config, clock=lambda: datetime(2020, 2, 10, 18, 0, tzinfo=tz))
    try:
        assert await svc.db.version() == LATEST
        wang = Sender("tg:1002", "wangyan_cn", "王艳")
        mine = "\n".join((await svc.stats.summary("tg:1002", "private", wang, "")).texts)
        assert "<b>第一网格 王艳</b>\u3000户 2/2" in mine  # a member linked before the migration sees her day
        admin = "\n".join((await svc.stats.summary("tg:4242", "private", Sender("tg:4242", None, "管理员"),
                                                   "")).texts)
        assert "网格员 1/3 · 户 2/4" in admin and "周强（第二网格）未报 1/1户" in admin
        done, text = await svc.photos.confirm(wang, 1, "n0nce")  # the reading waiting from before the migration
        assert done and text.startswith("✅ 已记录 王艳 1户3人")
        photo_row = await svc.db.fetchone("SELECT m.chat_id, m.message_id, mr.via FROM member_reports mr "
                                          "JOIN messages m ON m.id = mr.message_row_id WHERE mr.id = 2")
        assert tuple(photo_row) == ("tg:-1001001", "77", "photo")
        edit = IncomingMessage("tg:-1001001", "supergroup", "10", wang, "包联2户，张三3人李四2人，体温均正常",
                               datetime(2020, 2, 10, 18, 0, tzinfo=tz), update_id="tg:705", edited=True)
        assert await svc.reports.handle_message(edit) is not None
        undone = await svc.db.fetchone("SELECT undone FROM member_reports WHERE id = 1")
        assert undone[0] == 1  # the edit retired what message 10 stored before the migration
        people = {r[0]: (json.loads(r[1])["people"], r[2], r[3]) for r in await svc.db.fetchall(
            "SELECT h.name, r.data, r.source_message_id, r.uncertain FROM reports r "
            "JOIN households h ON h.id = r.household_id")}
        assert people == {"张三": (3, "10", "[]"), "李四": (2, "10", "[]")}  # the doubt is answered
    finally:
        await svc.close()
