"""``gridbot demo``: a scripted day in a made-up village, played offline through the real Application.

The bundled roster (``bot/sample/roster.csv``) has one village with 3 grids, 10 members and about 150
households. Every message below goes through python-telegram-bot's ``Application.process_update`` and the
real handlers (see :class:`handlers.offline.OfflineBot`); the Bot API is the offline recording request, so
the demo needs no token and no network. It prints a transcript and the day's table.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from bot.config import Config
from bot.roster import read_roster_bytes
from bot.sample import roster_bytes
from handlers import nag_demo, photo_demo, stats_demo
from handlers.fake import FakeChat, FakeUser
from handlers.offline import OfflineBot, buttons
from handlers.recording import Call

DEMO_DAY = date(2020, 2, 10)

LIU = FakeUser(1001, "刘志宇", "liuzhiyu")
WANG = FakeUser(1002, "王艳", "wangyan_cn")
CHEN = FakeUser(1003, "陈明")
ZHAO = FakeUser(2001, "赵丽", "zhaoli2020")
LIUGL = FakeUser(2003, "刘桂兰", "liuguilan")
ZHANG = FakeUser(3001, "张建国", "zhangjg")
MA = FakeUser(3003, "马春生", "machunsheng")
STRANGER = FakeUser(9999, "路人甲")

GROUP1 = FakeChat(-1001001, "东风村第一网格群")
GROUP2 = FakeChat(-1001002, "东风村第二网格群")
GROUP3 = FakeChat(-1001003, "东风村第三网格群")


class Demo:
    """Plays the script and prints what everybody said."""

    def __init__(self, config: Config, out: TextIO):
        self.config = config
        self.out = out
        self.bot = OfflineBot(config, datetime.combine(DEMO_DAY, time(8, 0), config.tz))
        self.last_bot_message_id = 0

    def say(self, line: str = "") -> None:
        print(line, file=self.out)

    def _show(self, calls: list[Call]) -> None:
        for call in calls:
            if call.method in ("sendMessage", "editMessageText"):
                self.say("   🤖 " + str(call.params.get("text", "")).replace("\n", "\n" + " " * 6))
                markup = call.params.get("reply_markup")
                if markup:
                    self.say("      " + " ".join(f"[{b['text']}]" for row in markup["inline_keyboard"] for b in row))
                if call.method == "sendMessage":
                    self.last_bot_message_id = call.result["message_id"]
            elif call.method == "answerCallbackQuery" and call.params.get("text"):
                self.say(f"   🤖（提示）{call.params['text']}")
        self.say()

    async def post(self, hhmm: str, chat: FakeChat, user: FakeUser, text: str, **kw: Any) -> int:
        label = "（修改了消息）" if kw.get("edited_at") else ""
        self.say(f"[{hhmm} {chat.title}] {user.first_name}{label}：" + text.replace("\n", "\n" + " " * 6))
        mid, calls = await self.bot.post(chat, user, text, hhmm, **kw)
        self._show(calls)
        return mid

    async def click(self, hhmm: str, chat: FakeChat, user: FakeUser, prefix: str, label: str) -> None:
        self.bot.clock.set(self.bot.at(hhmm))
        data = next(d for _, d in buttons(self.bot.request.calls[::-1]) if d.startswith(prefix))
        self.say(f"[{hhmm} {chat.title}] {user.first_name} 点击【{label}】")
        self._show(await self.bot.click(chat, user, data, self.last_bot_message_id))

    async def run(self) -> int:
        async with self.bot:
            await self.script()
        return 0

    async def script(self) -> None:
        svc = self.bot.services.grid
        rf = read_roster_bytes(roster_bytes(), "roster.csv")
        stats = await svc.import_roster(rf.rows, "sample/roster.csv")
        self.say(f"== 网格通 演示：{DEMO_DAY:%Y-%m-%d} 青山镇东风村 ==")
        self.say(f"导入台账：{stats.grids}个网格，{stats.members}名网格员，{stats.added}户\n")
        for chat, user in ((GROUP1, LIU), (GROUP2, ZHAO), (GROUP3, ZHANG)):
            self.bot.request.member_status[(chat.id, user.id)] = "administrator"
        roster = await svc.roster()
        liu, chen = roster.find_member("刘志宇"), roster.find_member("陈明")
        zhao, liugl, zhang = roster.find_member("赵丽"), roster.find_member("刘桂兰"), roster.find_member("张建国")
        assert liu and chen and zhao and liugl and zhang

        self.say("—— 早上：网格长把各群绑定到网格 ——")
        await self.post("08:01", GROUP1, LIU, "/bind 第一网格")
        await self.post("08:02", GROUP2, ZHAO, "/bind 第二网格")
        await self.post("08:02", GROUP3, ZHANG, "/bind 第三网格")
        await self.post("08:03", GROUP1, STRANGER, "/bind 第一网格")

        self.say("—— 上午：网格员上报（各种写法）——")
        await self.post(
            "09:10", GROUP1, LIU,
            f"包联{len(liu.households)}户{liu.people}人，除霍建军家外均正常。霍建军家儿子体温37.6，已通知村医",
        )
        await self.post("09:30", GROUP1, WANG, "杜美玲家：3人，体温36.6\n高丽娟家返乡1人，已居家隔离\n其余均正常")
        await self.post("09:31", GROUP1, LIU, "收到")
        await self.post("09:40", GROUP1, CHEN, f"{len(chen.households)}户都正常")
        await self.post("09:41", GROUP1, CHEN, "/iam 陈明")
        await self.click("09:45", GROUP1, LIU, "iam:a:", "同意")
        names = [h.name for h in chen.households]
        await self.post(
            "09:50", GROUP1, CHEN,
            f"{names[0]} ３人 体温三十六度五\n{_misspell(names[1])}家 两口人 正常\n"
            f"其余{len(names) - 2}户 体温都正常 没有外来人",
        )
        await self.post("10:05", GROUP1, WANG, "更正：杜美玲家4人，体温36.6")
        await self.post("10:06", GROUP1, WANG, "@刘志宇 明天几点开会？")

        self.say("—— 第二网格：接龙 ——")
        chain1 = f"#接龙 2月10日第二网格排查\n1. 赵丽 {len(zhao.households)}户{zhao.people}人 均正常"
        await self.post("11:00", GROUP2, ZHAO, chain1)
        chain2 = chain1 + f"\n2. 刘桂兰 {len(liugl.households)}户{liugl.people}人，体温均正常，无返乡"
        await self.post("11:20", GROUP2, LIUGL, chain2)

        self.say("—— 第三网格：同昨日、修改消息、查询、撤回 ——")
        await self.post("12:00", GROUP3, ZHANG, "同昨日")
        first = zhang.households[0].name
        mid = await self.post("12:05", GROUP3, ZHANG, f"{first}家 5人 体温36.8 外出1人")
        await self.post(
            "12:07", GROUP3, ZHANG, f"{first}家 5人 体温36.8 外出1人，其余均正常",
            message_id=mid, edited_at=self.bot.at("12:07"),
        )
        await self.post("12:30", GROUP3, MA, "/mystatus")
        await self.post("12:31", GROUP1, WANG, "/mystatus")
        await self.post("12:40", GROUP1, WANG, "/undo")
        await self.post("12:41", GROUP1, WANG, "杜美玲家4人，体温36.6；高丽娟家返乡1人（已居家隔离）；其余均正常")
        await photo_demo.play(self)  # a photo of a handwritten table (13:10)
        await nag_demo.play(self)  # deadlines and reminders: the afternoon
        await self.print_table(svc)
        await stats_demo.play(self)  # summaries and exports: the evening

    async def print_table(self, svc: Any) -> None:
        rows = await svc.day_table(DEMO_DAY)
        tpl = self.config.template
        done = sum(1 for r in rows if r["data"])
        self.say(f"== {DEMO_DAY:%Y-%m-%d} 台账：已报 {done}/{len(rows)} 户 ==")
        by_member: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in rows:
            by_member.setdefault((r["grid"], r["member"]), []).append(r)
        for (grid, member), rs in by_member.items():
            got = [r for r in rs if r["data"]]
            self.say(f"{grid} {member}：已报 {len(got)}/{len(rs)} 户")
            for r in got:
                d = r["data"]
                if tpl.anomalies(d) or d.get("people") is not None or d.get("temperature") is not None:
                    cells = "，".join(
                        f"{f.label}{_cell(d.get(f.key))}" for f in tpl.fields if d.get(f.key) not in (None, "")
                    )
                    self.say(f"    {r['household']}：{cells}")


def _misspell(name: str) -> str:
    """The name with its last character swapped, as a hurried member would type it (杜美林 for 杜美玲)."""
    return name[:-1] + ("林" if name[-1] != "林" else "琳")


def _cell(v: Any) -> str:
    if v is True:
        return "是"
    if v is False:
        return "否"
    return str(v)


def run_demo(config: Config, out: TextIO) -> int:
    """Run the demo against a fresh temporary database (the configured one is not touched)."""
    with tempfile.TemporaryDirectory(prefix="gridbot-demo-") as tmp:
        cfg = dataclasses.replace(config, db_path=str(Path(tmp) / "demo.db"))
        return asyncio.run(Demo(cfg, out).run())
