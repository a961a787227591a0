"""``gridbot demo --platform feishu``: the demo day through the real Feishu adapter (``handlers/feishu``).

The same village and the same morning as the Telegram demo (``handlers/demo/day.py``), then a photo on an
interactive card, the afternoon's nags with ``<at>`` mentions and the escalation to the grid leader, the day's
table, and the statistician's summary and XLSX ledger in a private chat. The open platform is the local
stand-in (``handlers/offline/feishu``) on 127.0.0.1: the adapter and the real lark-oapi SDK talk to it by HTTP
and receive its events by the encrypted, signed callback (or the long connection), as they would Feishu's. The
clock is the demo's: a nag is dispatched when the scene sets the clock to its time; nothing waits for a timer.
Where Telegram changes a message, a Feishu member recalls it (撤回) and posts it again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import re
import tempfile
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Any, TextIO

from openpyxl import load_workbook

from bot.config.feishu import CALLBACK, FeishuConfig
from bot.config.settings import Config
from bot.core import texts
from bot.core.ids import FEISHU, qualify
from bot.reports.service import ReportService
from bot.sample import cast, roster_bytes
from bot.sample.cast import Group, Person
from bot.services import open_services
from handlers.demo.day import print_table
from handlers.demo.photos import table_photo
from handlers.demo.scenes import leaders_and_links, morning, opening
from handlers.demo.stage import DEMO_DAY
from handlers.demo.stats import SCOPE
from handlers.feishu.adapter import build_bot
from handlers.feishu.reminders import dispatch
from handlers.feishu.runtime import FeishuBot
from handlers.offline.feishu import FeishuChat, FeishuStandIn, FeishuUser, Message
from handlers.offline.feishu.clock import Clock
from handlers.offline.feishu.state import card_buttons, content_text

#: the demo's secrets, handed to the adapter through the environment as the config asks
SECRET_ENV, KEY_ENV, TOKEN_ENV = "GRIDBOT_DEMO_FEISHU_SECRET", "GRIDBOT_DEMO_FEISHU_KEY", "GRIDBOT_DEMO_FEISHU_TOKEN"
#: the groups and who is in them (the first is the group's owner, whom Feishu gives as its admin)
GROUPS = ((cast.GROUP1, (cast.LIU, cast.WANG, cast.CHEN, cast.STRANGER)),
          (cast.GROUP2, (cast.ZHAO, cast.ZHOU, cast.LIUGL)),
          (cast.GROUP3, (cast.ZHANG, cast.MA)))
PEOPLE = (cast.LIU, cast.WANG, cast.CHEN, cast.ZHAO, cast.ZHOU, cast.LIUGL, cast.ZHANG, cast.MA, cast.STRANGER,
          cast.STATISTICIAN, cast.STRANGER2)
_AT = re.compile(r'<at user_id="[^"]*">(.*?)</at>')


def shown(text: str) -> str:
    """A sent text as the transcript shows it: a Feishu mention ``<at user_id="ou_…">名字</at>`` is ``@名字``."""
    return _AT.sub(lambda m: "@" + m.group(1), text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def feishu_roster(accounts: dict[str, str]) -> bytes:
    """The sample roster with each Telegram @username in 账号 / 网格长账号 replaced by a Feishu user's
    qualified id (``accounts``: ``@liuzhiyu`` → ``feishu:ou_…``)."""
    text = roster_bytes().decode("utf-8-sig")
    for account, qid in accounts.items():
        text = text.replace(account, qid)
    return text.encode("utf-8")


@dataclasses.dataclass
class FeishuDemo:
    """The stand-in's tenant (the village's people and groups), the adapter on real services, and the
    transcript: each step is pushed as Feishu's event, and what the app sent or changed since is shown."""

    out: TextIO
    standin: FeishuStandIn
    bot: FeishuBot
    clock: Clock
    #: the stand-in's users and groups by the cast's ids
    users: dict[int, FeishuUser]
    chats: dict[int, FeishuChat]
    seen: int = 0  # events the adapter took

    def __post_init__(self) -> None:
        self.titles = {self.chats[g.id].chat_id: g.title for g, _ in GROUPS}
        self._shown: dict[str, int] = {}  # message id -> how many of its contents the transcript showed

    @property
    def reports(self) -> ReportService:
        return self.bot.services.reports

    def say(self, line: str = "") -> None:
        print(line, file=self.out)

    def chat(self, chat: Group) -> FeishuChat:
        """A group, or (a positive id) the person's private chat with the bot."""
        if chat.id > 0:
            p2p = self.standin.private_chat(self.users[chat.id])
            self.titles[p2p.chat_id] = "私聊 " + self.users[chat.id].name
            return p2p
        return self.chats[chat.id]

    async def settle(self) -> None:
        """Until the event just pushed is committed, and its handling (and the photo reading it started) done."""
        want = self.seen + 1
        await _until(lambda: self.bot.intake is not None and self.bot.intake.accepted >= want, "the event taken")
        self.seen = want
        await self.bot.ordered.drain()
        await self.bot.services.reader.join()
        await self.bot.ordered.drain()

    # ------------------------------------------------------------------------------------------ what people do
    async def post(self, hhmm: str, chat: Group, user: Person, text: str, *, reply_to: str | None = None) -> str:
        self.clock.set(hhmm)
        where = "私聊" if chat.id > 0 else chat.title
        self.say(f"[{hhmm} {where}] {user.first_name}：" + text.replace("\n", "\n" + " " * 6))
        target = self.chat(chat)
        mid = self.standin.post_text(target, self.users[user.id], text, reply_to=reply_to)
        await self.settle()
        self.show(target.chat_id)
        return mid

    async def edit(self, hhmm: str, chat: Group, user: Person, message_id: Any, text: str) -> None:
        """Feishu has no edit event the bot gets: the member recalls the message (撤回) and posts it again."""
        self.clock.set(hhmm)
        self.say(f"[{hhmm} {chat.title}] {user.first_name} 撤回了上一条消息")
        self.standin.recall(str(message_id))
        await self.settle()
        self.show(self.chats[chat.id].chat_id)
        await self.post(hhmm, chat, user, text)

    async def click(self, hhmm: str, chat: Group, user: Person, prefix: str, label: str) -> None:
        """``user`` clicks, on the newest card in the chat that has one, the button whose data starts so."""
        self.clock.set(hhmm)
        target = self.chat(chat)
        card, value = next((m, v) for m in reversed(self.standin.cards(target)) for _, v in m.buttons()
                           if str(v.get("data", "")).startswith(prefix))
        self.say(f"[{hhmm} {chat.title}] {user.first_name} 点击【{label}】")
        eid = self.standin.click(card.message_id, self.users[user.id], value=value)
        await self.settle()
        answer = (await _until(lambda: next((d for d in self.standin.deliveries(eid) if d.ok), None),
                               "the click answered")).response
        toast = answer.get("toast") if isinstance(answer, dict) else None
        if isinstance(toast, dict) and toast.get("type") != "success":
            self.say(f"   🤖（提示）{toast.get('content', '')}")
        self.show(target.chat_id)

    async def menu(self, hhmm: str, user: Person, key: str, label: str) -> None:
        """``user`` picks an item of the bot's custom menu in the private chat (``application.bot.menu_v6``)."""
        self.clock.set(hhmm)
        self.say(f"[{hhmm} 私聊] {user.first_name} 点击菜单【{label}】（event_key: {key}）")
        self.standin.click_menu(self.users[user.id], key)
        await self.settle()
        self.show(self.chat(Group(user.id, "私聊")).chat_id)

    async def tick(self, hhmm: str) -> None:
        """The clock reaches ``hhmm``: the due nags are claimed and sent, as the adapter's loop would."""
        self.clock.set(hhmm)
        await dispatch(self.bot)
        self.say(f"[{hhmm}] ⏰ 定时任务")
        self.show(None)

    # ------------------------------------------------------------------------------------------ what the app did
    def show(self, origin: str | None) -> None:
        """Every message the app sent, and every card it changed, since the last look; one sent elsewhere
        than ``origin`` (the chat the step happened in) says where it went."""
        for m in self.standin.sent():
            contents = [*m.history, m.content]
            for content in contents[self._shown.get(m.message_id, 0):]:
                where = "" if m.chat_id == origin else f"→ {self.titles.get(m.chat_id, m.chat_id)}："
                lead = f"   🤖 {where}"
                for line in self._lines(m, content):
                    self.say(lead + line)
                    lead = " " * 6
            self._shown[m.message_id] = len(contents)
        self.say()

    def _lines(self, m: Message, content: dict[str, Any]) -> Iterator[str]:
        if m.msg_type == "file":
            res = self.standin.state.resources[content["file_key"]]
            yield f"📎 {res.name}（{len(res.data) // 1024 + 1} KB，文件消息）"
            if res.name.endswith(".xlsx"):
                wb = load_workbook(io.BytesIO(res.data))
                yield "工作表：" + "，".join(f"{ws.title} {ws.max_row - 1}行" for ws in wb.worksheets)
                wb.close()
            return
        if m.msg_type == "image":
            yield "🖼（图片）"
            return
        if m.msg_type != "interactive":
            yield shown(content_text(m.msg_type, content)).replace("\n", "\n" + " " * 6)
            return
        for el in content.get("elements", []):
            if el.get("tag") == "div":
                yield "🗂 " + str(el["text"]["content"]).replace("\n", "\n" + " " * 6)  # a card
        buttons = card_buttons(content)
        if buttons:
            yield " ".join(f"[{b}]" for b, _ in buttons)


async def _until(cond: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Wait for what the stand-in and the adapter do over 127.0.0.1 (no timer of the day waits here)."""
    deadline = _time.monotonic() + timeout
    while not (got := cond()):
        if _time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
    return got


# ---------------------------------------------------------------------------------------------- the scenes
async def photo(demo: FeishuDemo) -> None:
    """A phone photo of a handwritten table: a card with the reading, a correction replying to it, 确认."""
    roster = await demo.reports.roster()
    ma = roster.find_member("马春生")
    assert ma is not None and ma.households
    demo.say("—— 下午：手写表格拍照上报 ——")
    data, n = table_photo(ma.households)
    demo.clock.set("12:50")
    demo.say(f"[12:50 {cast.GROUP3.title}] {cast.MA.first_name}：📷（手写表格的照片，{n}户）")
    group = demo.chats[cast.GROUP3.id]
    mid = demo.standin.post_image(group, demo.users[cast.MA.id], data)
    await demo.settle()
    demo.show(group.chat_id)
    card = next(m for m in demo.standin.replies_to(mid) if m.msg_type == "interactive")
    await demo.post("12:52", cast.GROUP3, cast.MA, "2 人数 4", reply_to=card.message_id)
    await demo.click("12:53", cast.GROUP3, cast.MA, "ocr:c:", texts.OCR_CONFIRM)


async def afternoon(demo: FeishuDemo) -> None:
    """A reminder, the deadline with <at> mentions, late reporters thanked, and the escalation to the leaders
    who wrote to the bot (in their private chats)."""
    demo.say("—— 下午：提醒、截止、补报、上报网格长 ——")
    demo.say("（提及：在飞书上关联了的网格员用 <at> 提及，飞书会通知本人（这里显示为 @名字）；还没关联的只写名字）\n")
    await leaders_and_links(demo)
    roster = await demo.reports.roster()
    ma, me = roster.find_member("马春生"), roster.find_member("周强")
    assert ma is not None and me is not None
    await demo.post("15:00", cast.GROUP3, cast.MA, f"{ma.households[0].name}家3人 体温36.5")
    await demo.tick("16:00")
    await demo.tick("18:00")
    await demo.post("18:10", cast.GROUP3, cast.MA, f"包联{len(ma.households)}户，体温均正常，无返乡人员")
    await demo.tick("18:30")
    await demo.post("18:40", cast.GROUP2, cast.ZHOU, f"包联{len(me.households)}户，体温均正常")


async def evening(demo: FeishuDemo) -> None:
    """The village statistician's summary and ledger, in a private chat; a stranger is refused; a member picks
    「我的上报」 in the bot's menu."""
    demo.say("—— 傍晚：村统计员查看汇总、导出台账（私聊机器人）——")
    st = demo.bot.services.stats.stats
    await st.add_statistician(qualify(FEISHU, demo.users[cast.STATISTICIAN.id].open_id), None, SCOPE, None,
                              demo.clock().isoformat())
    demo.say(f"（管理员已设置 {cast.STATISTICIAN.first_name} 为 {SCOPE} 的统计员）\n")
    await demo.post("20:20", Group(cast.STRANGER2.id, "私聊"), cast.STRANGER2, "/summary")
    await demo.post("20:30", Group(cast.STATISTICIAN.id, "私聊"), cast.STATISTICIAN, "/summary")
    await demo.post("20:32", Group(cast.STATISTICIAN.id, "私聊"), cast.STATISTICIAN, "导出")
    await demo.menu("20:40", cast.WANG, "mystatus", "我的上报")  # the bot's menu: the command, in private


async def script(demo: FeishuDemo) -> None:
    accounts = {f"@{p.username}": qualify(FEISHU, demo.users[p.id].open_id) for p in PEOPLE if p.username}
    await opening(demo, feishu_roster(accounts))
    await morning(demo)
    await photo(demo)
    await afternoon(demo)
    await print_table(demo, demo.reports)
    await evening(demo)


# ---------------------------------------------------------------------------------------------- running it
@contextmanager
def _secrets(standin: FeishuStandIn) -> Iterator[None]:
    """The stand-in's app secret, encrypt key and verification token in the environment, for the run only."""
    values = {SECRET_ENV: standin.app_secret, KEY_ENV: standin.encrypt_key, TOKEN_ENV: standin.verification_token}
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


async def _no_wait(s: float) -> None:
    await asyncio.sleep(0)


async def play(config: Config, out: TextIO, mode: str = CALLBACK) -> FeishuStandIn:
    """Play the day against a fresh stand-in and the database ``config.db_path``; returns the stopped
    stand-in, which still holds everything the app sent (the tests read it)."""
    clock = Clock(datetime.combine(DEMO_DAY, time(8, 0), config.tz))
    standin = FeishuStandIn(clock=clock.epoch, seed=2020).start()
    try:
        users = {p.id: standin.add_user(p.first_name) for p in PEOPLE}
        chats = {g.id: standin.add_chat(g.title, [users[p.id] for p in people], owner=users[people[0].id])
                 for g, people in GROUPS}
        fcfg = FeishuConfig(enabled=True, app_id=standin.app_id, app_secret_env=SECRET_ENV, encrypt_key_env=KEY_ENV,
                            verification_token_env=TOKEN_ENV, mode=mode, base_url=standin.base_url,
                            listen="127.0.0.1", port=0)
        with _secrets(standin):
            services = await open_services(dataclasses.replace(config, feishu=fcfg), clock)
            try:
                bot = build_bot(services, sleep=_no_wait)
                if mode != CALLBACK:
                    standin.use_websocket()
                await bot.start()
                try:
                    if bot.callback is not None:
                        standin.use_callback(f"http://127.0.0.1:{bot.callback.port}{fcfg.path}")
                    elif bot.connection is not None:
                        await asyncio.get_running_loop().run_in_executor(None, bot.connection.connected.wait, 30)
                    await script(FeishuDemo(out, standin, bot, clock, users, chats))
                finally:
                    await bot.stop()
            finally:
                await services.close()
    finally:
        standin.stop()
    return standin


def run_demo(config: Config, out: TextIO) -> int:
    """Run the Feishu demo against a fresh temporary database (the configured one is not touched)."""
    with tempfile.TemporaryDirectory(prefix="gridbot-demo-") as tmp:
        asyncio.run(play(dataclasses.replace(config, db_path=str(Path(tmp) / "demo.db")), out))
    return 0
