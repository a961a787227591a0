"""The scenes of the demo day that are the same on every platform, played on a :class:`Stage` (Telegram's
``handlers/demo/stage.Demo``, Feishu's ``handlers/demo/feishu.FeishuDemo``)."""

from __future__ import annotations

from typing import Any, Protocol

from bot.core.roster import read_roster_bytes
from bot.reports.service import ReportService
from bot.sample.cast import (
    CHEN,
    GROUP1,
    GROUP2,
    GROUP3,
    LIU,
    LIUGL,
    MA,
    STRANGER,
    WANG,
    ZHANG,
    ZHAO,
    ZHOU,
    Group,
    Person,
)
from bot.sample.cast import DAY as DEMO_DAY


class Stage(Protocol):
    """What the morning needs of a platform's demo stage (Telegram's :class:`Demo`, Feishu's
    ``handlers/demo/feishu.FeishuDemo``): everybody's messages and clicks, through the platform's adapter."""

    @property
    def reports(self) -> ReportService: ...

    def say(self, line: str = "") -> None: ...

    async def post(self, hhmm: str, chat: Group, user: Person, text: str) -> str | int: ...

    async def edit(self, hhmm: str, chat: Group, user: Person, message_id: Any, text: str) -> None: ...

    async def click(self, hhmm: str, chat: Group, user: Person, prefix: str, label: str) -> None: ...


async def opening(stage: Stage, roster: bytes) -> None:
    """The title and the roster import (on Feishu, the roster's 账号 are its users' ids, not @usernames)."""
    rf = read_roster_bytes(roster, "roster.csv")
    imported = await stage.reports.import_roster(rf.rows, "sample/roster.csv")
    stage.say(f"== 网格通 演示：{DEMO_DAY:%Y-%m-%d} 青山镇东风村 ==")
    stage.say(f"导入台账：{imported.grids}个网格，{imported.members}名网格员，{imported.added}户\n")


async def morning(stage: Stage) -> None:
    """The morning, the same on every platform: bindings, reports in many wordings, /iam, a correction, a
    接龙 chain, 同昨日, a changed message, /mystatus and /undo."""
    roster = await stage.reports.roster()
    liu, chen = roster.find_member("刘志宇"), roster.find_member("陈明")
    zhao, liugl, zhang = roster.find_member("赵丽"), roster.find_member("刘桂兰"), roster.find_member("张建国")
    assert liu and chen and zhao and liugl and zhang

    stage.say("—— 早上：网格长把各群绑定到网格 ——")
    await stage.post("08:01", GROUP1, LIU, "/bind 第一网格")
    await stage.post("08:02", GROUP2, ZHAO, "/bind 第二网格")
    await stage.post("08:02", GROUP3, ZHANG, "/bind 第三网格")
    await stage.post("08:03", GROUP1, STRANGER, "/bind 第一网格")

    stage.say("—— 上午：网格员上报（各种写法）——")
    await stage.post(
        "09:10", GROUP1, LIU,
        f"包联{len(liu.households)}户{liu.people}人，除霍建军家外均正常。霍建军家儿子体温37.6，已通知村医",
    )
    await stage.post("09:30", GROUP1, WANG, "杜美玲家：3人，体温36.6\n高丽娟家返乡1人，已居家隔离\n其余均正常")
    await stage.post("09:31", GROUP1, LIU, "收到")
    await stage.post("09:40", GROUP1, CHEN, f"{len(chen.households)}户都正常")
    await stage.post("09:41", GROUP1, CHEN, "/iam 陈明")
    await stage.click("09:45", GROUP1, LIU, "iam:a:", "同意")
    names = [h.name for h in chen.households]
    await stage.post(
        "09:50", GROUP1, CHEN,
        f"{names[0]} ３人 体温三十六度五\n{_misspell(names[1])}家 两口人 正常\n"
        f"其余{len(names) - 2}户 体温都正常 没有外来人",
    )
    await stage.post("10:05", GROUP1, WANG, "更正：杜美玲家4人，体温36.6")
    await stage.post("10:06", GROUP1, WANG, "@刘志宇 明天几点开会？")

    stage.say("—— 第二网格：接龙 ——")
    chain1 = f"#接龙 2月10日第二网格排查\n1. 赵丽 {len(zhao.households)}户{zhao.people}人 均正常"
    await stage.post("11:00", GROUP2, ZHAO, chain1)
    chain2 = chain1 + f"\n2. 刘桂兰 {len(liugl.households)}户{liugl.people}人，体温均正常，无返乡"
    await stage.post("11:20", GROUP2, LIUGL, chain2)

    stage.say("—— 第三网格：同昨日、修改消息、查询、撤回 ——")
    await stage.post("12:00", GROUP3, ZHANG, "同昨日")
    first = zhang.households[0].name
    mid = await stage.post("12:05", GROUP3, ZHANG, f"{first}家 5人 体温36.8 外出1人")
    await stage.edit("12:07", GROUP3, ZHANG, mid, f"{first}家 5人 体温36.8 外出1人，其余均正常")
    await stage.post("12:30", GROUP3, MA, "/mystatus")
    await stage.post("12:31", GROUP1, WANG, "/mystatus")
    await stage.post("12:40", GROUP1, WANG, "/undo")
    await stage.post("12:41", GROUP1, WANG, "杜美玲家4人，体温36.6；高丽娟家返乡1人（已居家隔离）；其余均正常")


async def leaders_and_links(stage: Stage) -> None:
    """The afternoon's start: the leaders write to the bot in private (so that the escalation reaches them
    there), and 周强, who has no account in the roster, links himself with /iam."""
    await stage.post("13:00", Group(ZHAO.id, "私聊"), ZHAO, "/start")
    await stage.post("13:01", Group(ZHANG.id, "私聊"), ZHANG, "/start")
    await stage.post("13:05", GROUP2, ZHOU, "/iam 周强")
    await stage.click("13:06", GROUP2, ZHAO, "iam:a:", "同意")


def _misspell(name: str) -> str:
    """The name with its last character swapped, as a hurried member would type it (杜美林 for 杜美玲)."""
    return name[:-1] + ("林" if name[-1] != "林" else "琳")
