from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from bot.core.roster import RosterFileError, read_roster_bytes, roster_from_rows
from storage.db import open_database
from storage.reports import ReportRepo

HEADER_CN = "镇,村,网格,网格员,账号,户主,住址,人口,备用\n"
ROWS = [
    "青山镇,东风村,第一网格,刘志宇,@LiuZhiyu,王建国,一组1号,4,x",
    "青山镇,东风村,第一网格,刘志宇,@LiuZhiyu,薛文斌,一组2号,3,",
    "青山镇,东风村,第一网格,王艳,,杜美玲,一组3号,2,",
    "青山镇,东风村,第二网格,赵丽,123456789,高丽娟,二组1号,5,",
]


def csv_bytes(header: str, rows: list[str], encoding: str = "utf-8") -> bytes:
    return (header + "\n".join(rows) + "\n").encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(encoding: str) -> None:
    rf = read_roster_bytes(csv_bytes(HEADER_CN, ROWS, encoding), "r.csv")
    assert rf.errors == []
    assert [r.household for r in rf.rows] == ["王建国", "薛文斌", "杜美玲", "高丽娟"]
    assert rf.rows[0].account == "@liuzhiyu"
    assert rf.rows[3].account == "123456789"
    assert rf.rows[0].people == 4
    assert rf.ignored_columns == ["备用"]


def test_english_headers_in_any_order() -> None:
    data = "household,member,grid,village,town,people,account\n王建国,刘志宇,第一网格,东风村,青山镇,4,\n"
    rf = read_roster_bytes(data.encode(), "r.csv")
    assert rf.errors == []
    r = rf.rows[0]
    assert (r.town, r.village, r.grid, r.member, r.household, r.people) == ("青山镇", "东风村", "第一网格", "刘志宇", "王建国", 4)


def test_xlsx_with_title_row() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["东风村网格化排查台账（2020年2月）"])
    ws.append(["镇", "村", "网格", "网格员", "户主", "人口"])
    ws.append(["青山镇", "东风村", "第一网格", "刘志宇", "王建国", 4])
    ws.append(["青山镇", "东风村", "第一网格", "刘志宇", "薛文斌", 3.0])
    buf = io.BytesIO()
    wb.save(buf)
    rf = read_roster_bytes(buf.getvalue(), "ledger.xlsx")
    assert rf.errors == []
    assert [(r.household, r.people) for r in rf.rows] == [("王建国", 4), ("薛文斌", 3)]


def test_every_bad_row_reported_with_number_and_reason() -> None:
    rows = ROWS + [
        "青山镇,东风村,第一网格,刘志宇,,,一组9号,2,",  # row 6: no household
        "青山镇,东风村,第一网格,刘志宇,,王建国,一组1号,4,",  # row 7: duplicate
        "青山镇,东风村,第一网格,王艳,,李四,一组5号,三口,",  # row 8: people not a number
        "青山镇,东风村,,王艳,,李五,一组6号,2,",  # row 9: no grid
        "青山镇,东风村,第一网格,王艳,not an id!,李六,一组7号,2,",  # row 10: bad account
    ]
    rf = read_roster_bytes(csv_bytes(HEADER_CN, rows), "r.csv")
    by_row = {e.row: e.reason for e in rf.errors}
    assert set(by_row) == {6, 7, 8, 9, 10}
    assert "户主" in by_row[6]
    assert "重复" in by_row[7] and "第2行" in by_row[7]
    assert "人口" in by_row[8]
    assert "网格" in by_row[9]
    assert "账号" in by_row[10]
    assert str(rf.errors[0]).startswith("第6行")


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe\x00garbage\x00", "姓名,电话\n张三,1\n".encode(), b"PK\x03\x04broken zip"],
)
def test_unreadable_files(data: bytes) -> None:
    with pytest.raises(RosterFileError):
        read_roster_bytes(data, "x.xlsx" if data.startswith(b"PK") else "x.csv")


def test_roster_model_from_rows() -> None:
    rf = read_roster_bytes(csv_bytes(HEADER_CN, ROWS), "r.csv")
    roster = roster_from_rows(rf.rows)
    liu = roster.find_member("刘志宇")
    assert liu is not None and [h.name for h in liu.households] == ["王建国", "薛文斌"]
    assert liu.people == 7
    assert roster.grids() == ["第一网格", "第二网格"]


async def _import(repo: ReportRepo, rows: list[str]):
    rf = read_roster_bytes(csv_bytes(HEADER_CN, rows), "r.csv")
    assert rf.errors == []
    return await repo.import_roster([r.__dict__ for r in rf.rows], "r.csv", "2020-02-10T08:00:00+08:00")


async def test_reimport_updates_in_place_and_keeps_history(tmp_path) -> None:
    db = await open_database(str(tmp_path / "r.db"))
    repo = ReportRepo(db)
    try:
        st = await _import(repo, ROWS)
        assert (st.added, st.grids, st.members) == (4, 2, 3)
        hid = (await db.fetchone("SELECT id FROM households WHERE name = '杜美玲'"))["id"]
        mr = await db.fetchone("SELECT id FROM members WHERE name = '王艳'")
        await db.conn.execute(
            "INSERT INTO member_reports (member_id, day, created_at) VALUES (?, '2020-02-10', 'x')", (mr["id"],)
        )
        await db.conn.execute(
            "INSERT INTO reports (household_id, day, member_id, member_report_id, data, reported_at) "
            "VALUES (?, '2020-02-10', ?, 1, ?, 'x')",
            (hid, mr["id"], json.dumps({"people": 2})),
        )
        # 杜美玲 moves to 刘志宇, 薛文斌 leaves the ledger, a new household arrives; people changes
        moved = [
            ROWS[0].replace(",4,", ",5,"),
            "青山镇,东风村,第一网格,刘志宇,@LiuZhiyu,杜美玲,一组3号,2,",
            ROWS[3],
            "青山镇,东风村,第二网格,赵丽,123456789,新住户,二组9号,1,",
        ]
        st = await _import(repo, moved)
        assert (st.added, st.updated, st.moved, st.deactivated) == (1, 1, 1, 1)
        assert (await db.fetchone("SELECT COUNT(*) FROM households"))[0] == 5  # never duplicated
        row = await db.fetchone("SELECT h.id, m.name FROM households h JOIN members m ON m.id = h.member_id "
                                "WHERE h.name = '杜美玲'")
        assert row["id"] == hid and row["name"] == "刘志宇"
        assert (await db.fetchone("SELECT COUNT(*) FROM reports WHERE household_id = ?", (hid,)))[0] == 1
        assert (await db.fetchone("SELECT active FROM households WHERE name = '薛文斌'"))[0] == 0
        assert (await db.fetchone("SELECT active FROM members WHERE name = '王艳'"))[0] == 0
        # a third import of the same file changes nothing
        st = await _import(repo, moved)
        assert (st.added, st.updated, st.moved, st.deactivated, st.unchanged) == (0, 0, 0, 0, 4)
    finally:
        await db.close()


async def test_import_is_one_transaction(tmp_path) -> None:
    db = await open_database(str(tmp_path / "r.db"))
    repo = ReportRepo(db)
    try:
        await _import(repo, ROWS)
        rf = read_roster_bytes(csv_bytes(HEADER_CN, ROWS), "r.csv")
        rows = [r.__dict__ for r in rf.rows] + [{"town": "x"}]  # the last row breaks mid-import
        with pytest.raises(KeyError):
            await repo.import_roster(rows, "bad", "now")
        assert (await db.fetchone("SELECT COUNT(*) FROM roster_imports"))[0] == 1
        assert (await db.fetchone("SELECT COUNT(*) FROM households WHERE active = 1"))[0] == 4
    finally:
        await db.close()
