from __future__ import annotations

import json
import os
import stat

from bot.core.records import HouseholdWrite, MemberReportWrite, ReportSave
from storage.db import open_database
from storage.migrations import LATEST
from storage.reports import ReportRepo

NOW = "2020-02-10T09:00:00+08:00"
DAY = "2020-02-10"


async def _seed(repo: ReportRepo) -> tuple[int, list[int]]:
    rows = [
        {"town": "镇", "village": "村", "grid": "一", "member": "甲", "account": None, "household": h,
         "address": "", "people": 3, "leader": None, "leader_account": None}
        for h in ("张三", "李四", "王五")
    ]
    await repo.import_roster(rows, "t", NOW)
    member = await repo.db.fetchone("SELECT id FROM members")
    hh = [r[0] for r in await repo.db.fetchall("SELECT id FROM households ORDER BY id")]
    return member[0], hh


def _write(member_id: int, households: list[int], people: int, anomaly: bool = False) -> MemberReportWrite:
    return MemberReportWrite(member_id, False, False, None, None, [],
                             [HouseholdWrite(h, {"people": people}, anomaly) for h in households])


async def test_wal_private_file_and_version(tmp_path) -> None:
    path = str(tmp_path / "g.db")
    db = await open_database(path)
    try:
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert await db.version() == LATEST
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        await db.close()


async def test_old_database_opens_and_upgrades(tmp_path) -> None:
    path = str(tmp_path / "old.db")
    db = await open_database(path, target=1)
    repo = ReportRepo(db)
    assert await db.version() == 1
    await db.conn.execute("INSERT INTO grids (town, village, name) VALUES ('镇', '村', '一')")
    cols = [r[1] for r in await db.fetchall("PRAGMA table_info(reports)")]
    assert "photo_file_id" not in cols
    await db.close()
    db = await open_database(path)
    try:
        assert await db.version() == LATEST
        cols = [r[1] for r in await db.fetchall("PRAGMA table_info(reports)")]
        assert "photo_file_id" in cols
        assert (await db.fetchone("SELECT name FROM grids"))[0] == "一"  # data survived
        repo = ReportRepo(db)
        assert await repo.should_hint("tg:1", "tg:2", "x", NOW, "") is True  # the new table works
    finally:
        await db.close()


async def test_one_row_per_household_day_replacement_is_audited(tmp_path) -> None:
    db = await open_database(str(tmp_path / "g.db"))
    repo = ReportRepo(db)
    try:
        member, hh = await _seed(repo)
        await repo.save(ReportSave("tg:1", "tg:-1", "10", "tg:5", DAY, "a", NOW, items=[_write(member, hh, 3)]))
        await repo.save(ReportSave("tg:2", "tg:-1", "11", "tg:5", DAY, "b", NOW, items=[_write(member, hh[:1], 4)]))
        rows = await db.fetchall("SELECT household_id, data, source_message_id FROM reports ORDER BY household_id")
        assert len(rows) == 3
        assert json.loads(rows[0]["data"]) == {"people": 4} and rows[0]["source_message_id"] == "11"
        audit = await repo.audit_rows(hh[0], DAY)
        assert len(audit) == 1 and json.loads(audit[0]["data"]) == {"people": 3} and audit[0]["reason"] == "replaced"
    finally:
        await db.close()


async def test_redelivered_update_is_not_doubled(tmp_path) -> None:
    db = await open_database(str(tmp_path / "g.db"))
    repo = ReportRepo(db)
    try:
        member, hh = await _seed(repo)
        first = await repo.save(ReportSave("tg:7", "tg:-1", "10", "tg:5", DAY, "a", NOW, items=[_write(member, hh, 3)]))
        again = await repo.save(ReportSave("tg:7", "tg:-1", "10", "tg:5", DAY, "a", NOW, items=[_write(member, hh, 3)]))
        assert first and again is None
        assert (await db.fetchone("SELECT COUNT(*) FROM member_reports"))[0] == 1
        assert (await db.fetchone("SELECT COUNT(*) FROM report_audit"))[0] == 0
        assert await repo.update_seen("tg:7")
    finally:
        await db.close()


async def test_retire_restores_the_earlier_value(tmp_path) -> None:
    db = await open_database(str(tmp_path / "g.db"))
    repo = ReportRepo(db)
    try:
        member, hh = await _seed(repo)
        await repo.save(ReportSave("tg:1", "tg:-1", "10", "tg:5", DAY, "a", NOW, items=[_write(member, hh[:2], 3, anomaly=True)]))
        ids = await repo.save(ReportSave("tg:2", "tg:-1", "11", "tg:5", DAY, "b", NOW, items=[_write(member, hh[1:], 9)]))
        await repo.retire_member_report(ids[0], NOW, "undone")
        rows = {r["household_id"]: json.loads(r["data"]) for r in await db.fetchall("SELECT * FROM reports")}
        assert rows == {hh[0]: {"people": 3}, hh[1]: {"people": 3}}  # hh[2] had nothing before: gone
        flags = {r[0]: r[1] for r in await db.fetchall("SELECT household_id, anomaly FROM reports")}
        assert flags == {hh[0]: 1, hh[1]: 1}  # the restored row keeps its own anomaly flag
        assert (await db.fetchone("SELECT undone FROM member_reports WHERE id = ?", (ids[0],)))[0] == 1
    finally:
        await db.close()


async def test_failed_write_leaves_nothing_half_written(tmp_path) -> None:
    db = await open_database(str(tmp_path / "g.db"))
    repo = ReportRepo(db)
    try:
        member, hh = await _seed(repo)
        bad = _write(member, [hh[0], 999999], 3)  # the second household does not exist: FK violation
        try:
            await repo.save(ReportSave("tg:3", "tg:-1", "12", "tg:5", DAY, "x", NOW, items=[bad]))
        except Exception:
            pass
        assert (await db.fetchone("SELECT COUNT(*) FROM reports"))[0] == 0
        assert (await db.fetchone("SELECT COUNT(*) FROM member_reports"))[0] == 0
        assert not await repo.update_seen("tg:3")  # so a redelivery is processed again
    finally:
        await db.close()
