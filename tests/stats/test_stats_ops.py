"""The statisticians' operations: the daily digest and the retention job through the JobQueue (injected
clock, no sleeping), the CLI (summary --json, export, backup), the migration, the config, and the demo."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import sqlite3
import stat
import sys
import zipfile
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli.main import main
from bot.config.settings import Config, ConfigError, load_config, parse_config
from bot.config.stats import StatisticianEntry, StatsChat
from bot.core.model import MemberReport
from bot.services import open_services
from handlers.offline.bot import OfflineBot
from handlers.telegram.stats import RETENTION_JOB
from storage.db import open_database
from storage.photos import PhotoRepo
from storage.stats import StatsRepo
from tests.stats.data import (
    DAY,
    EXPECTED_DAY,
    FIGURE_KEYS,
    LIU,
    STATS_CHAT,
    _write,
    seed,
    stats_bot,
    stats_config,
    values,
)

ROOT = Path(__file__).resolve().parents[2]


def job_named(bot: OfflineBot, name: str):
    [job] = [j for j in bot.app.job_queue.jobs() if j.name == name]
    return job


async def run(bot: OfflineBot, job, when: datetime) -> list:
    """What the scheduler does at ``when``: run the job's callback (on the injected clock)."""
    bot.clock.set(when)
    before = len(bot.request.calls)
    await job.run(bot.app)
    return bot.request.calls[before:]


# ---------------------------------------------------------------------------------------------- digest
async def test_daily_digest_is_the_summary_of_the_chat_scope(tmp_path: Path) -> None:
    cfg = stats_config(tmp_path)
    cfg = dataclasses.replace(cfg, schedule=dataclasses.replace(
        cfg.schedule, digest=time(20, 0), statisticians_chat_id=STATS_CHAT.qid))
    async with stats_bot(cfg, at="08:00") as b:
        await b.app.job_queue.start()
        job = job_named(b, "nag 20:00")
        assert job.next_t.astimezone(cfg.tz).time() == time(20, 0)
        calls = await run(b, job, datetime.combine(DAY, time(20, 0), cfg.tz))
        [digest] = [str(c.params["text"]) for c in calls
                    if c.method == "sendMessage" and int(c.params["chat_id"]) == STATS_CHAT.id]
        lines = digest.split("\n")
        assert lines[:3] == ["📊 东风村 2月10日 上报汇总", "东风村　网格员 3/3 · 户 5/7",
                             "　人数 17 · 发热 1 · 返乡 1 · 隔离 1 · 外来 2"]
        assert "• 王艳（第一网格）未报 1/2户" in lines and "• 🌡 霍建军家（刘志宇，第一网格）发热37.6℃" in lines
        assert "西河村" not in digest and "冯十" not in digest  # only the chat's scope
        assert await run(b, job, datetime.combine(DAY, time(20, 1), cfg.tz)) == []  # once a day


# ---------------------------------------------------------------------------------------------- retention
async def test_retention_job_purges_old_days(tmp_path: Path) -> None:
    cfg = stats_config(tmp_path, retention_days=30, retention_time=time(3, 30))
    old, older, kept = DAY - timedelta(days=30), DAY - timedelta(days=31), DAY - timedelta(days=40)
    async with stats_bot(cfg, at="08:00") as b:
        svc = b.services
        for n, d in enumerate((kept, older, old)):
            await _write(svc, d, "刘志宇", LIU.qid, "09:00", {"王建国": values(people=4)}, chat="tg:-1001001",
                         message_id=str(100 + n))
            await _write(svc, d, "刘志宇", LIU.qid, "09:10", {"王建国": values(people=5)}, chat="tg:-1001001",
                         message_id=str(200 + n))  # the first goes to the audit table
        member = await svc.db.fetchone("SELECT id, grid_id FROM members WHERE name = '刘志宇'")
        for n, d in enumerate((older, old)):  # a photo reading of each day, never confirmed
            await PhotoRepo(svc.db).create(
                nonce="n", chat_id="tg:-1001001", message_id=str(300 + n), sender_user_id=LIU.qid, member_id=member[0],
                grid_id=member[1], day=d.isoformat(), photo_file_id=f"p{n}", kind="table",
                report=MemberReport("刘志宇"), form_id=None, now="x")
        await b.app.job_queue.start()
        job = job_named(b, RETENTION_JOB)
        assert job.next_t.astimezone(cfg.tz).time() == time(3, 30)

        async def days(table: str) -> list[str]:
            return [r[0] for r in await svc.db.fetchall(f"SELECT DISTINCT day FROM {table} ORDER BY day")]  # noqa: S608

        assert await days("reports") == [kept.isoformat(), older.isoformat(), old.isoformat(),
                                         "2020-02-09", DAY.isoformat()]
        await run(b, job, datetime.combine(DAY, time(3, 30), cfg.tz))
        for table in ("reports", "report_audit", "member_reports", "messages", "ocr_pending"):
            assert all(d >= old.isoformat() for d in await days(table)), table
        assert await days("ocr_pending") == [old.isoformat()]
        assert await days("reports") == [old.isoformat(), "2020-02-09", DAY.isoformat()]
        assert await days("messages") == [old.isoformat()]
        assert len(await svc.report_repo.audit_rows(
            (await svc.db.fetchone("SELECT id FROM households WHERE name = '王建国'"))[0], old.isoformat())) == 1


async def test_no_retention_job_when_kept_forever(tmp_path: Path) -> None:
    async with stats_bot(stats_config(tmp_path, retention_days=0)) as b:
        assert [j for j in b.app.job_queue.jobs() if j.name == RETENTION_JOB] == []


# ---------------------------------------------------------------------------------------------- CLI
@pytest.fixture
def cli_db(tmp_path: Path) -> Path:
    """A seeded database and a config file that points at it."""
    cfg = stats_config(tmp_path)

    async def go() -> None:
        services = await open_services(cfg)
        try:
            await seed(services)
        finally:
            await services.close()

    asyncio.run(go())
    path = tmp_path / "config.toml"
    path.write_text('[storage]\ndb_path = "stats.db"\n', encoding="utf-8")
    return path


def test_cli_summary_json(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(cli_db), "summary", "--date", "2020-02-10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scope"] == ["全部"] and out["from"] == out["to"] == "2020-02-10"
    assert {u["path"]: tuple(u[k] for k in FIGURE_KEYS) for u in out["units"]} == EXPECTED_DAY
    assert [u["level"] for u in out["units"][:5]] == ["all", "town", "village", "grid", "member"]
    assert [(m["member"], m["grid"], m["missing"]) for m in out["missing"]] == [
        ("王艳", "第一网格", 1), ("赵丽", "第二网格", 1), ("钱七", "第一网格", 2)]
    assert out["anomalies"][0] == {
        "day": "2020-02-10", "household": "霍建军", "address": "东风村3号", "member": "刘志宇", "grid": "第一网格",
        "village": "东风村", "town": "青山镇", "detail": "发热37.6℃", "fever": True, "temperature": 37.6,
        "returned": 0, "isolated": 0, "visitors": 0}
    assert main(["--config", str(cli_db), "summary", "--date", "2020-02-10", "--scope", "东风村/第二网格",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [u["path"] for u in out["units"]] == ["青山镇/东风村/第二网格", "青山镇/东风村/第二网格/赵丽"]
    assert main(["--config", str(cli_db), "summary", "--date", "2020-02-10", "--scope", "东风村"]) == 0
    assert capsys.readouterr().out.startswith("📊 东风村 2月10日 上报汇总\n东风村　网格员 3/3 · 户 5/7\n")
    assert main(["--config", str(cli_db), "summary", "--scope", "第一网格"]) == 1  # two grids have this name
    assert main(["--config", str(cli_db), "summary", "--date", "明年"]) == 2


def test_cli_export(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cli_db.parent / "台账.xlsx"
    assert main(["--config", str(cli_db), "export", "--from", "2020-02-09", "--to", "2020-02-10", "--scope", "东风村",
                 "--out", str(out)]) == 0
    assert "明细14行，未报8户次，异常4户次" in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "明细", "未报", "异常"] and wb["明细"].max_row == 15
    zipped = cli_db.parent / "台账.zip"
    assert main(["--config", str(cli_db), "export", "--from", "2020-02-10", "--out", str(zipped)]) == 0
    assert zipfile.ZipFile(zipped).namelist() == ["汇总.csv", "明细.csv", "未报.csv", "异常.csv"]
    assert not [p for p in cli_db.parent.iterdir() if p.name.startswith(".gridbot-export-")]


def test_cli_backup_is_consistent_while_the_database_is_in_use(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = cli_db.parent / "stats.db"
    live = sqlite3.connect(db)  # the running bot: a committed write still in the WAL
    live.execute("UPDATE households SET people = 99 WHERE name = '冯十'")
    live.commit()
    assert (db.parent / "stats.db-wal").stat().st_size > 0
    target = cli_db.parent / "backup.db"
    assert main(["--config", str(cli_db), "backup", str(target)]) == 0
    assert "备份完成" in capsys.readouterr().out
    live.close()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("SELECT people FROM households WHERE name = '冯十'").fetchone()[0] == 99
        assert copy.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 7
    finally:
        copy.close()
    assert main(["--config", str(cli_db), "backup", str(cli_db.parent / "nowhere" / "b.db")]) == 1


# ---------------------------------------------------------------------------------------------- storage
async def test_migration_4_indexes_the_figures_of_existing_reports(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    db = await open_database(path, target=3)
    c = db.conn
    await c.execute("INSERT INTO grids (id, town, village, name) VALUES (1, '镇', '村', '一组')")
    await c.execute("INSERT INTO members (id, grid_id, name) VALUES (1, 1, '甲')")
    await c.execute("INSERT INTO households (id, name, member_id, people) VALUES (1, '张三', 1, 3)")
    await c.execute("INSERT INTO member_reports (id, member_id, day, created_at) VALUES (1, 1, '2020-02-10', 'x')")
    await c.execute("INSERT INTO reports (household_id, day, member_id, member_report_id, data, anomaly, reported_at) "
                    "VALUES (1, '2020-02-10', 1, 1, ?, 1, 'x')",
                    (json.dumps({"people": 4, "fever": True, "returned": 2, "isolated": 1, "visitors": 0}),))
    await db.close()
    db = await open_database(path)
    try:
        row = await db.fetchone("SELECT v_people, v_fever, v_returned, v_isolated, v_visitors FROM reports")
        assert tuple(row) == (4, 1, 2, 1, 0)
        names = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"reports_household_figures", "reports_day_figures", "households_member_cover"} <= names
        stats = StatsRepo(db)
        for wide in (False, True):
            [fig] = await stats.day_figures([1], "2020-02-10", "2020-02-10", wide=wide)
            assert (fig.households_covered, fig.people, fig.fever, fig.returned, fig.isolated) == (1, 4, 1, 2, 1)
    finally:
        await db.close()


async def test_both_query_plans_agree(tmp_path: Path) -> None:
    async with stats_bot(stats_config(tmp_path)) as b:
        stats = StatsRepo(b.services.db)
        ids = [int(r[0]) for r in await b.services.db.fetchall("SELECT id FROM members")]
        for start in ("2020-02-09", "2020-02-10"):
            narrow = [tuple(r) for r in await stats.day_figures(ids, start, "2020-02-10", wide=False)]
            wide = [tuple(r) for r in await stats.day_figures(ids, start, "2020-02-10", wide=True)]
            assert sorted(narrow) == sorted(wide) and narrow
            a = sorted(tuple(r) for r in await stats.anomaly_rows(ids[:2], start, "2020-02-10", wide=False))
            assert a == sorted(tuple(r) for r in await stats.anomaly_rows(ids[:2], start, "2020-02-10", wide=True))
        # without the figure indexes (a database from before they existed) the same answers, just slower
        await b.services.db.conn.execute("DROP INDEX reports_day_figures")
        await b.services.db.conn.execute("DROP INDEX reports_household_figures")
        plain = StatsRepo(b.services.db)
        for wide_plan in (False, True):
            got = [tuple(r) for r in await plain.day_figures(ids, "2020-02-10", "2020-02-10", wide=wide_plan)]
            assert sorted(got) == sorted(narrow)


# ---------------------------------------------------------------------------------------------- config
def test_roles_and_summary_config() -> None:
    c = parse_config({
        "roles": {"statisticians": [{"user": 123, "scope": "青山镇"}, {"user": "@TongJi_01", "scope": "青山镇/东风村"}]},
        "summary": {"chats": [{"chat_id": -100123, "scope": "东风村"}, {"chat_id": -100124}], "retention_days": 90,
                    "retention_time": "04:15", "max_messages": 3},
    })
    assert c.roles.statisticians == (StatisticianEntry("青山镇", "tg:123"),
                                     StatisticianEntry("青山镇/东风村", None, "tongji_01"))
    assert c.roles.statisticians[1].matches("tg:555", "tongji_01")
    assert not c.roles.statisticians[1].matches("tg:555", None)
    assert c.summary.chats == (StatsChat("tg:-100123", "东风村"), StatsChat("tg:-100124", ""))
    assert (c.summary.retention_days, c.summary.retention_time, c.summary.max_messages) == (90, time(4, 15), 3)
    assert Config().summary.retention_days == 180 and Config().roles.statisticians == ()
    example = load_config(Path(__file__).resolve().parents[2] / "config.example.toml")
    assert example.summary == Config().summary and example.roles == Config().roles  # it shows the defaults


@pytest.mark.parametrize(("doc", "key"), [
    ({"roles": {"statisticians": [{"user": 1}]}}, "roles.statisticians[0].scope"),
    ({"roles": {"statisticians": [{"user": "not a name!", "scope": "镇"}]}}, "roles.statisticians[0].user"),
    ({"roles": {"statistician": []}}, "roles.statistician"),
    ({"summary": {"chats": [{"chat_id": 123}]}}, "summary.chats[0].chat_id"),
    ({"summary": {"retention_days": "long"}}, "summary.retention_days"),
    ({"summary": {"retention_time": "25:00"}}, "summary.retention_time"),
    ({"summary": {"max_messages": 0}}, "summary.max_messages"),
    ({"summary": {"digest": "20:00"}}, "summary.digest"),
])
def test_bad_roles_and_summary_config(doc: dict, key: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(doc)
    assert e.value.key == key


# ---------------------------------------------------------------------------------------------- demo
def test_demo_ends_with_a_statisticians_summary_and_export() -> None:
    from handlers.demo import run_demo

    out = io.StringIO()
    assert run_demo(Config(), out) == 0
    text = out.getvalue()
    tail = text[text.index("—— 傍晚：村统计员查看汇总、导出台账"):]
    commands = [line for line in tail.split("\n") if line.startswith("[")]
    assert commands == ["[20:20 私聊] 路人乙：/summary", "[20:30 私聊] 李会计：/summary", "[20:32 私聊] 李会计：/export"]
    assert "抱歉，您没有查看汇总的权限" in tail
    summary = tail[tail.index("李会计：/summary"):tail.index("李会计：/export")]
    assert "📊 东风村 2月10日 上报汇总" in summary and "⏳ 未报" in summary and "发热" in summary
    export = tail[tail.index("李会计：/export"):]
    assert "台账_东风村_2020-02-10.xlsx" in export and "工作表：汇总" in export and "明细 147行" in export


# ---------------------------------------------------------------------------------------------- benchmark
async def test_benchmark_generator_and_measurement_on_a_tiny_county(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The county-scale benchmark's own code, on a tiny county (the full run is bench/summary_scale.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("summary_scale", ROOT / "bench" / "summary_scale.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "summary_scale", bench)
    spec.loader.exec_module(bench)
    scale = bench.Scale(towns=1, villages=2, grids=2, members=20, households=400, days=5)
    path = tmp_path / "bench.db"
    await asyncio.to_thread(bench.generate, path, scale)
    assert bench.is_current(path, scale) and not bench.is_current(path, bench.SMALL)
    db = sqlite3.connect(path)
    try:
        per_day = db.execute("SELECT day, COUNT(*), SUM(anomaly) FROM reports GROUP BY day").fetchall()
        assert len(per_day) == 5 and all(300 < n < 400 for _, n, _ in per_day)  # ~96% of 400 reported
        assert sum(a for _, _, a in per_day) > 0
        assert db.execute("SELECT COUNT(*) FROM member_reports").fetchone()[0] <= 100
    finally:
        db.close()
    m = await bench._measure(str(path), 1)
    assert m["town_households"] == 400 and m["export_bytes"] > 0
    assert all(isinstance(m[k], list) and len(m[k]) == 1 for k in ("summary_town", "summary_county",
                                                                   "export_town_day", "chart_county_7d"))
    assert m["export_caption"].startswith("📒 青山镇 3月31日 台账：明细400行")
