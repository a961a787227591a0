"""The 花名册 upload: the preview of what a file changes (its counts are the import's), and the apply in one
transaction as ``gridbot roster import`` does, only for those who may change what the file changes."""

from __future__ import annotations

import io

from openpyxl import Workbook

from bot.console.roster import RosterPreview
from bot.console.scope import Refused
from bot.core import texts
from bot.core.roster import read_roster_bytes
from bot.sample import roster_bytes
from tests.console.people import LEADER1, NOBODY, OPERATOR, STAT

NEW_ROW = "青山镇,东风村,第一网格,王艳,@wangyan_cn,新住户,东风村一组99号,3,刘志宇,@liuzhiyu,"
BAD_ROW = "青山镇,东风村,第一网格,王艳,@wangyan_cn,坏数据,东风村一组98号,很多,刘志宇,@liuzhiyu,"
OTHER_VILLAGE = "青山镇,西岭村,第一网格,孙悟,,外村户,西岭村1号,2,,,"


def edited(*extra: str, drop: str = "薛文斌", move: str = "王建国", people: tuple[str, str] = ("霍建军", "6")) -> bytes:
    """The sample roster with one household removed, one moved to 王艳, one's people changed, rows added."""
    lines = roster_bytes().decode("utf-8-sig").splitlines()
    out = []
    for line in lines:
        cells = line.split(",")
        if len(cells) > 5 and cells[5] == drop:
            continue
        if len(cells) > 5 and cells[5] == move:
            cells[3], cells[4] = "王艳", "@wangyan_cn"
        if len(cells) > 7 and cells[5] == people[0]:
            cells[7] = people[1]
        out.append(",".join(cells))
    return ("\n".join([*out, *extra]) + "\n").encode("utf-8")


def as_xlsx(csv_bytes: bytes) -> bytes:
    wb = Workbook()
    ws = wb.active
    for line in csv_bytes.decode("utf-8").splitlines():
        ws.append([int(c) if c.isdigit() else (c or None) for c in line.split(",")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def names(changes) -> list[str]:
    return [c.household for c in changes]


async def test_the_same_roster_changes_nothing(bot) -> None:
    p = await bot.services.console.roster_preview(STAT, roster_bytes(), "roster.csv")
    assert isinstance(p, RosterPreview)
    assert (p.added, p.moved, p.updated, p.removed, p.accounts, p.errors) == ([], [], [], [], [], [])
    assert p.unchanged == p.rows == 147 and p.grids == 3 and p.can_apply


async def test_preview_lists_changes_and_bad_rows_and_apply_matches_it(bot) -> None:
    console = bot.services.console
    data = edited(NEW_ROW, BAD_ROW)
    p = await console.roster_preview(STAT, data, "new.csv")
    assert names(p.added) == ["新住户"] and p.added[0].row == 148 and p.added[0].member == "王艳"
    assert names(p.moved) == ["王建国"] and (p.moved[0].before_member, p.moved[0].member) == ("刘志宇", "王艳")
    assert names(p.removed) == ["薛文斌"] and p.removed[0].row is None
    huo = next(c for c in p.updated if c.household == "霍建军")
    assert (huo.before_people, huo.people) == (5, 6)
    assert [(e.row, "人口" in e.reason) for e in p.errors] == [(149, True)]
    assert not p.can_apply
    refused = await console.roster_apply(STAT, data, "new.csv", p.token)
    assert refused == Refused(texts.ROSTER_IMPORT_FAILED.format(n=1))
    assert len((await bot.services.reports.roster()).members) == 10  # nothing changed

    data = edited(NEW_ROW)
    p = await console.roster_preview(STAT, data, "new.csv")
    assert p.can_apply and p.errors == []
    applied = await console.roster_apply(STAT, data, "new.csv", p.token)
    assert not isinstance(applied, Refused)
    st = applied.stats
    assert (st.added, st.moved, st.updated, st.deactivated, st.unchanged) == (
        len(p.added), len(p.moved), len(p.updated), len(p.removed), p.unchanged)
    assert applied.text == st.text() and applied.text.startswith("导入完成：3个网格")
    roster = await bot.services.reports.roster()
    wang = roster.find_member("王艳")
    assert {"新住户", "王建国"} <= {h.name for h in wang.households}
    assert not any(h.name == "薛文斌" for m in roster.members for h in m.households)
    again = await console.roster_preview(STAT, data, "new.csv")  # applied: the same file changes nothing now
    assert (again.added, again.moved, again.updated, again.removed) == ([], [], [], [])


async def test_xlsx_previews_as_the_csv(bot) -> None:
    data = edited(NEW_ROW)
    a = await bot.services.console.roster_preview(STAT, data, "new.csv")
    b = await bot.services.console.roster_preview(STAT, as_xlsx(data), "new.xlsx")
    assert [names(x) for x in (a.added, a.moved, a.updated, a.removed)] == [
        names(x) for x in (b.added, b.moved, b.updated, b.removed)]
    assert read_roster_bytes(as_xlsx(data), "new.xlsx").rows[0].household == "王建国"


async def test_who_may_upload(bot) -> None:
    console = bot.services.console
    data = edited(NEW_ROW, OTHER_VILLAGE)
    assert await console.roster_preview(NOBODY, data, "x.csv") == Refused(texts.CONSOLE_NO_ROLE)
    assert await console.roster_preview(LEADER1, data, "x.csv") == Refused(texts.CONSOLE_ROSTER_NOT_ALLOWED)
    p = await console.roster_preview(STAT, data, "x.csv")  # 东风村's statistician: not 西岭村
    assert p.outside == ["青山镇/西岭村"] and not p.can_apply
    assert await console.roster_apply(STAT, data, "x.csv", p.token) == Refused(
        texts.CONSOLE_ROSTER_OUTSIDE.format(places="青山镇/西岭村"))
    only_ours = b"\n".join(roster_bytes().decode("utf-8-sig").encode().splitlines()[:20]) + b"\n"
    p = await console.roster_preview(STAT, only_ours, "part.csv")  # a part of the village removes the rest
    assert p.removed and p.outside == []
    admin = await console.roster_preview(OPERATOR, data, "x.csv")
    assert admin.outside == [] and admin.can_apply
    applied = await console.roster_apply(OPERATOR, data, "x.csv", admin.token)
    assert not isinstance(applied, Refused) and applied.stats.added == 2


async def test_confirmation_must_match_the_preview(bot) -> None:
    console = bot.services.console
    data = edited(NEW_ROW)
    p = await console.roster_preview(STAT, data, "new.csv")
    assert await console.roster_apply(STAT, edited(), "new.csv", p.token) == Refused(texts.CONSOLE_ROSTER_CHANGED)
    other = await console.roster_preview(STAT, edited(), "other.csv")
    assert not isinstance(await console.roster_apply(STAT, edited(), "other.csv", other.token), Refused)
    # the stored roster changed since the first preview: its token no longer holds
    assert await console.roster_apply(STAT, data, "new.csv", p.token) == Refused(texts.CONSOLE_ROSTER_CHANGED)


async def test_unreadable_file_is_refused_with_the_readers_reason(bot) -> None:
    got = await bot.services.console.roster_preview(STAT, "网格,户主\n".encode(), "x.csv")
    assert isinstance(got, Refused) and "缺少必需的列" in got.text


async def test_account_and_leader_changes_are_shown(bot) -> None:
    lines = roster_bytes().decode("utf-8-sig").replace(",陈明,,", ",陈明,@chenming,").splitlines()
    for i, line in enumerate(lines):  # 第一网格's new leader; its first row says 赵丽: the last row wins, as in
        cells = line.split(",")       # the import
        if i and cells[2] == "第一网格":
            cells[8:10] = ["赵丽", ""] if i == 1 else ["王艳", "@wangyan_cn"]
            lines[i] = ",".join(cells)
    p = await bot.services.console.roster_preview(STAT, "\n".join(lines).encode(), "x.csv")
    got = [(a.role, a.who, a.before, a.after) for a in p.accounts]
    assert got == [("leader", "王艳", "刘志宇（@liuzhiyu）", "王艳（@wangyan_cn）"), ("member", "陈明", None, "@chenming")]
    assert p.added == p.moved == p.removed == [] and p.places() == [("青山镇", "东风村")]
