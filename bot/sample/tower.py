"""An urban community whose roster addresses hold room numbers: residents' chains are tested and measured
against it (tests/parser/test_rooms.py, tests/telegram/test_rooms_chat.py, bench/rooms_speed.py).

幸福社区 (城关街道) has two grids:

* 第一网格: 3号楼 (30 floors, rooms 01–06, ``3号楼2105室``): floors 1–15 are covered by 王芳, floors 16–30 by
  李娜; 5号楼 (two units, 18 floors, rooms 01–02, ``5号楼2单元602室``) by 张磊. 王芳 leads the grid.
* 第二网格: 8号楼 (20 floors, rooms 01–04, written ``8-1504``) by 赵强, who leads it.

332 households. ``602`` fits 3号楼602室, 5号楼1单元602室 and 5号楼2单元602室; ``2105`` fits only 3号楼2105室;
``1504`` fits 3号楼1504室 (第一网格) and 8-1504 (第二网格).
"""

from __future__ import annotations

import csv
import io
import random
from itertools import count

from bot.core.model import Roster
from bot.core.roster import RosterRow, read_roster_bytes, roster_from_rows
from bot.sample.cast import Group, Person

TOWN, VILLAGE = "城关街道", "幸福社区"
GRID1, GRID2 = "第一网格", "第二网格"

WANGF = Person(6001, "王芳", "wangfang_wg")  # 第一网格's leader, 3号楼 floors 1–15
LINA = Person(6002, "李娜", "lina_wg")  # 3号楼 floors 16–30
ZHANGL = Person(6003, "张磊", "zhanglei_wg")  # 5号楼
ZHAOQ = Person(6004, "赵强", "zhaoqiang_wg")  # 第二网格's leader, 8号楼
RESIDENT = Person(7001, "3-2105业主")  # a resident of 3号楼2105室, not a member
RESIDENT2 = Person(7002, "小区住户")

GROUP_A = Group(-1006001, "幸福社区第一网格群")
GROUP_B = Group(-1006002, "幸福社区第二网格群")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "建国 秀英 桂英 志强 丽华 海燕 国庆 玉兰 春梅 永刚 红霞 晓东 文华 淑珍 振华 美玲 德明 凤英 立新 雪梅 宏伟 翠花 家豪 子涵".split()


def _names() -> list[str]:
    out = []
    for g in _GIVEN:
        for s in _SURNAMES:
            out.append(s + g)
    return out


def rows() -> list[RosterRow]:
    """The roster's rows, in roster order (every household head's name is unique)."""
    names = iter(_names())
    line = count(2)
    out: list[RosterRow] = []

    def add(grid: str, member: str, account: str, address: str, leader: str, leader_account: str) -> None:
        out.append(RosterRow(next(line), TOWN, VILLAGE, grid, member, account, next(names), address, 3,
                             leader, leader_account))

    for floor in range(1, 31):
        who, acct = (WANGF, "@wangfang_wg") if floor <= 15 else (LINA, "@lina_wg")
        for room in range(1, 7):
            add(GRID1, who.first_name, acct, f"幸福社区3号楼{floor}{room:02d}室", "王芳", "@wangfang_wg")
    for unit in (1, 2):
        for floor in range(1, 19):
            for room in (1, 2):
                add(GRID1, "张磊", "@zhanglei_wg", f"5号楼{unit}单元{floor}{room:02d}室", "王芳", "@wangfang_wg")
    for floor in range(1, 21):
        for room in range(1, 5):
            add(GRID2, "赵强", "@zhaoqiang_wg", f"8-{floor}{room:02d}", "赵强", "@zhaoqiang_wg")
    return out


def csv_bytes() -> bytes:
    """The roster as the statisticians' CSV file."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["镇", "村", "网格", "网格员", "账号", "户主", "住址", "人口", "网格长", "网格长账号"])
    for r in rows():
        w.writerow([r.town, r.village, r.grid, r.member, r.account, r.household, r.address, r.people, r.leader,
                    r.leader_account])
    return buf.getvalue().encode("utf-8")


def roster() -> Roster:
    """The whole roster, in memory."""
    parsed = read_roster_bytes(csv_bytes(), "building.csv")
    assert not parsed.errors
    return roster_from_rows(parsed.rows)


def grid_roster(grid: str) -> Roster:
    """The roster of one grid (what a group bound to it reads against)."""
    return Roster([m for m in roster().members if m.grid == grid])


_REMARKS = ("{k}人已做核酸，{j}人在公司", "体温36.{k}", "返乡{k}人", "已做核酸{k}人", "1人发烧37.{j}",
            "外出{k}人，其余在家", "全家在家，体温正常", "{k}人出差未做", "老人行动不便，{k}人待上门")


def chain(lines: int, seed: int = 12, *, remarks: bool = False) -> str:
    """A realistic residents' chain of 3号楼 with ``lines`` lines: the title, the organiser's hint, numbered
    lines with gaps, every way of writing the count, remarks, and a little chit-chat. ``remarks``: every
    line has a remark after its count (the slowest kind to read)."""
    rnd = random.Random(seed)
    shapes = ["{r}-{c}", "{r} - {c}", "{r}–{c}", "{r}—{c}", "{r}*{c}", "3-{r}-{c}", "3栋{r} {c}人", "{r}",
              "{r}-{c}，{k}人已做核酸", "{r}-{c} 体温正常", "{r}-{c}，1人在公司"]
    if remarks:
        shapes = ["{r}-{c}，" + x for x in _REMARKS]
    out = ["#接龙 3号楼核酸检测", "1. 室号-人数"]
    rooms = [f"{fl}{rm:02d}" for fl in range(1, 31) for rm in range(1, 7)]
    i = 1
    while len(out) < lines:
        i += rnd.choice((1, 1, 1, 2))
        if rnd.random() < 0.03:
            out.append(f"{i}. 收到，谢谢")
            continue
        room = rooms[(i * 7) % len(rooms)]
        out.append(f"{i}. " + rnd.choice(shapes).format(r=room, c=rnd.randint(0, 5), k=rnd.randint(1, 3),
                                                         j=rnd.randint(1, 9)))
    return "\n".join(out)


def head(address: str) -> str:
    """The household head living at ``address`` (as the roster writes it)."""
    return next(r.household for r in rows() if r.address == address)
