"""A test roster for the parser tests (built here, not in conftest, because conftest is shared)."""

from __future__ import annotations

from bot.core.model import Household, Member, Roster
from bot.core.template import default_template

VILLAGE = "东风村"

#: member name, grid, village, household names (some with addresses)
_LAYOUT: list[tuple[str, str, str, list[str | tuple[str, str]]]] = [
    (
        "刘志宇",
        "第三网格",
        VILLAGE,
        [
            ("王建国", "3号楼"),
            "李秀兰",
            "薛文斌",
            "霍建军",
            "杜美玲",
            "张三虎",
            "陈立新",
            "赵春花",
            "孙福贵",
            "周玉梅",
        ],
    ),
    (
        "王艳",
        "第三网格",
        VILLAGE,
        [
            ("马德胜", "2号楼"),
            ("马秀英", "5号楼"),
            "郭长青",
            "何小平",
            "胡桂芝",
            "高建华",
            "林凤仙",
            "罗永福",
        ],
    ),
    ("陈明", "第三网格", VILLAGE, ["陈明", "韩玉兰", "冯志刚"]),
    ("赵丽", "第三网格", VILLAGE, ["唐德才", "许金莲"]),
    ("周强", "第三网格", VILLAGE, ["宋大海", "邓秀珍"]),
    ("刘桂兰", "5网格", VILLAGE, ["钱进宝", "彭丽娟", "曾国梁", "吕三妹", "蒋卫东", "蔡淑芬"]),
    ("李德福", "第七网格", VILLAGE, [("王二柱", "3号楼"), "田有福", "董翠兰", "袁志强", "潘美华"]),
    ("王德福", "第七网格", VILLAGE, ["于海涛", "丁香兰", "任长贵"]),
    ("张建国", "第一网格", "西河村", ["沈秀云", "姚文华", "卢国庆", "王建国"]),
]


def make_roster() -> Roster:
    members = []
    for name, grid, village, households in _LAYOUT:
        hs = []
        for i, h in enumerate(households):
            hname, addr = (h, "") if isinstance(h, str) else h
            hs.append(
                Household(name=hname, member=name, grid=grid, village=village, address=addr, people=2 + i % 4)
            )
        members.append(Member(name=name, grid=grid, village=village, households=tuple(hs)))
    return Roster(members)


ROSTER = make_roster()
TEMPLATE = default_template()


def member(name: str) -> Member:
    m = ROSTER.find_member(name)
    assert m is not None, name
    return m


def households_of(name: str) -> list[str]:
    return [h.name for h in member(name).households]
