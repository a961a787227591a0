"""A small county for the summary tests, with figures worked out by hand.

Roster (town / village / grid / member: households with roster people)::

    青山镇 / 东风村 / 第一网格 (leader 刘志宇) / 刘志宇: 王建国 4, 薛文斌 1, 霍建军 5
                                             / 王艳:   杜美玲 3, 高丽娟 2
    青山镇 / 东风村 / 第二网格 (leader 赵丽)   / 赵丽:   孙红 3, 李强 4
    青山镇 / 西河村 / 第一网格 (leader 钱七)   / 钱七:   周一 2, 吴二 6
    绿水镇 / 南湾村 / 一组                      / 郑九:   冯十 3

Reports on 2020-02-10 (DAY):
    王建国 first 7 people, then replaced: 4 people, normal (photo, sent by 刘志宇)
    薛文斌 normal, people not stated (the roster's 1 counts)   霍建军 5 people, 37.6 fever (note)
    杜美玲 4 people, returned 1, isolated 1 (王艳's, sent by the leader 刘志宇)
    孙红 3 people, 2 visitors (赵丽's, taken by phone)         冯十 3 people, normal (郑九)
    not reported: 高丽娟, 李强, 周一, 吴二
On 2020-02-09: 王建国 9 people, 38.0 fever.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.config.settings import Config
from bot.config.stats import RolesConfig, StatisticianEntry, StatsChat
from bot.core.records import HouseholdWrite, MemberReportWrite, ReportSave
from bot.core.roster import RosterRow
from bot.core.template import default_template
from handlers.offline.bot import OfflineBot
from handlers.offline.fake import FakeChat, FakeUser
from handlers.offline.recording import Call

DAY = date(2020, 2, 10)
YESTERDAY = date(2020, 2, 9)

ADMIN = FakeUser(4242, "管理员")
STAT_TOWN = FakeUser(5001, "孙统计")  # statistician of 青山镇, from the config
STAT_VILLAGE = FakeUser(5002, "吴统计", "tongji_xh")  # statistician of 西河村, set by /statistician
LIU = FakeUser(1001, "刘志宇", "liuzhiyu")  # leader of 东风村第一网格, and a member
WANG = FakeUser(1002, "王艳", "wangyan_cn")  # a member
QIAN = FakeUser(3001, "钱七")  # leader of 西河村第一网格 (numeric account), and a member
STRANGER = FakeUser(9999, "路人甲")

STATS_CHAT = FakeChat(-1005000, "东风村统计员群")
GRID_GROUP = FakeChat(-1001001, "东风村第一网格群")

HOUSEHOLDS = ("王建国", "薛文斌", "霍建军", "杜美玲", "高丽娟", "孙红", "李强", "周一", "吴二", "冯十")

_ROSTER = [
    ("青山镇", "东风村", "第一网格", "刘志宇", "@liuzhiyu", "王建国", 4, "刘志宇", "@liuzhiyu"),
    ("青山镇", "东风村", "第一网格", "刘志宇", "@liuzhiyu", "薛文斌", 1, "刘志宇", "@liuzhiyu"),
    ("青山镇", "东风村", "第一网格", "刘志宇", "@liuzhiyu", "霍建军", 5, "刘志宇", "@liuzhiyu"),
    ("青山镇", "东风村", "第一网格", "王艳", "@wangyan_cn", "杜美玲", 3, "刘志宇", "@liuzhiyu"),
    ("青山镇", "东风村", "第一网格", "王艳", "@wangyan_cn", "高丽娟", 2, "刘志宇", "@liuzhiyu"),
    ("青山镇", "东风村", "第二网格", "赵丽", "@zhaoli2020", "孙红", 3, "赵丽", "@zhaoli2020"),
    ("青山镇", "东风村", "第二网格", "赵丽", "@zhaoli2020", "李强", 4, "赵丽", "@zhaoli2020"),
    ("青山镇", "西河村", "第一网格", "钱七", "3001", "周一", 2, "钱七", "3001"),
    ("青山镇", "西河村", "第一网格", "钱七", "3001", "吴二", 6, "钱七", "3001"),
    ("绿水镇", "南湾村", "一组", "郑九", "4001", "冯十", 3, None, None),
]

#: path -> (members reported, members, households covered, households, people, fever, returned, isolated,
#: visitors, anomalies) on DAY, worked out by hand from the docstring above
EXPECTED_DAY: dict[str, tuple[int, ...]] = {
    "全部": (4, 5, 6, 10, 20, 1, 1, 1, 2, 3),
    "青山镇": (3, 4, 5, 9, 17, 1, 1, 1, 2, 3),
    "青山镇/东风村": (3, 3, 5, 7, 17, 1, 1, 1, 2, 3),
    "青山镇/东风村/第一网格": (2, 2, 4, 5, 14, 1, 1, 1, 0, 2),
    "青山镇/东风村/第一网格/刘志宇": (1, 1, 3, 3, 10, 1, 0, 0, 0, 1),
    "青山镇/东风村/第一网格/王艳": (1, 1, 1, 2, 4, 0, 1, 1, 0, 1),
    "青山镇/东风村/第二网格": (1, 1, 1, 2, 3, 0, 0, 0, 2, 1),
    "青山镇/东风村/第二网格/赵丽": (1, 1, 1, 2, 3, 0, 0, 0, 2, 1),
    "青山镇/西河村": (0, 1, 0, 2, 0, 0, 0, 0, 0, 0),
    "青山镇/西河村/第一网格": (0, 1, 0, 2, 0, 0, 0, 0, 0, 0),
    "青山镇/西河村/第一网格/钱七": (0, 1, 0, 2, 0, 0, 0, 0, 0, 0),
    "绿水镇": (1, 1, 1, 1, 3, 0, 0, 0, 0, 0),
    "绿水镇/南湾村": (1, 1, 1, 1, 3, 0, 0, 0, 0, 0),
    "绿水镇/南湾村/一组": (1, 1, 1, 1, 3, 0, 0, 0, 0, 0),
    "绿水镇/南湾村/一组/郑九": (1, 1, 1, 1, 3, 0, 0, 0, 0, 0),
}
FIGURE_KEYS = ("members_reported", "members", "households_covered", "households", "people", "fever", "returned",
               "isolated", "visitors", "anomalies")


def stats_config(tmp_path: Path, **summary: Any) -> Config:
    base = Config()
    return dataclasses.replace(
        base,
        db_path=str(tmp_path / "stats.db"),
        admins=(ADMIN.qid,),
        roles=RolesConfig((StatisticianEntry("青山镇", STAT_TOWN.qid),)),
        summary=dataclasses.replace(base.summary, chats=(StatsChat(STATS_CHAT.qid, "东风村"),), **summary),
    )


def roster_rows() -> list[RosterRow]:
    return [RosterRow(i + 2, t, v, g, m, a, h, f"{v}{i + 1}号", p, ld, la)
            for i, (t, v, g, m, a, h, p, ld, la) in enumerate(_ROSTER)]


def values(**kw: Any) -> dict[str, Any]:
    """A household's report: every template field, normal unless given."""
    d: dict[str, Any] = {"people": None, "temperature": None, "fever": False, "out": 0, "returned": 0, "isolated": 0,
                         "visitors": 0, "note": ""}
    d.update(kw)
    return d


async def _write(services: Any, day: date, member: str, sender: str | None, at: str, items: dict[str, dict],
                 via: str = "text", chat: str | None = None, message_id: str | None = None) -> None:
    ids = {r[1]: r[0] for r in await services.db.fetchall("SELECT id, name FROM households")}
    mid = (await services.db.fetchone("SELECT id FROM members WHERE name = ?", (member,)))[0]
    tpl = default_template()
    writes = [HouseholdWrite(ids[h], d, bool(tpl.anomalies(d))) for h, d in items.items()]
    await services.report_repo.save(ReportSave(
        None, chat, message_id, sender, day.isoformat(), "…",
        datetime.combine(day, time.fromisoformat(at), services.config.tz).isoformat(timespec="seconds"),
        items=[MemberReportWrite(mid, False, False, None, None, [], writes, via=via)],
    ))


async def seed(services: Any) -> None:
    """Import the roster and store the reports of the docstring (straight into the repository: the figures
    must not depend on how the parser reads a message)."""
    await services.reports.import_roster(roster_rows(), "stats-test")
    for user in (LIU, WANG):  # they have posted in their group: linked by their roster @username
        await services.report_repo.link_username(user.qid, user.username)
    await _write(services, YESTERDAY, "刘志宇", LIU.qid, "09:00",
                 {"王建国": values(people=9, temperature=38.0, fever=True)})
    await _write(services, DAY, "刘志宇", LIU.qid, "09:00", {"王建国": values(people=7, temperature=36.5)})
    await _write(services, DAY, "刘志宇", LIU.qid, "09:30", {
        "王建国": values(people=4, temperature=36.5),
        "薛文斌": values(),
        "霍建军": values(people=5, temperature=37.6, fever=True, note="儿子发烧，已通知村医"),
    }, via="photo")
    await _write(services, DAY, "王艳", LIU.qid, "10:00",
                 {"杜美玲": values(people=4, temperature=36.6, returned=1, isolated=1)})
    await _write(services, DAY, "赵丽", None, "11:00", {"孙红": values(people=3, visitors=2)}, via="phone")
    await _write(services, DAY, "郑九", "tg:4001", "12:00", {"冯十": values(people=3)})


@asynccontextmanager
async def stats_bot(config: Config, at: str = "18:00") -> AsyncIterator[OfflineBot]:
    """The real Application, offline, with the county above seeded."""
    b = OfflineBot(config, datetime.combine(DAY, time.fromisoformat(at), config.tz))
    async with b:
        await seed(b.services)
        yield b


async def say(bot: OfflineBot, user: FakeUser, text: str, chat: FakeChat | None = None) -> list[Call]:
    """``user`` sends ``text`` (in a private chat unless ``chat`` is given); the Bot API calls it caused."""
    _, calls = await bot.post(chat or FakeChat(user.id, user.first_name), user, text)
    return calls


def texts_of(calls: list[Call]) -> list[str]:
    return [str(c.params["text"]) for c in calls if c.method == "sendMessage"]
