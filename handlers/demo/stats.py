"""The evening of ``gridbot demo``: the village statistician asks for the day's summary and the ledger file,
in a private chat, through the real Application (:func:`play` is called at the end of
:func:`handlers.demo.day.script`). A stranger asking the same gets a polite refusal and no data."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.sample.cast import STATISTICIAN, STRANGER2
from bot.stats.summary import to_plain
from handlers.demo.stage import Demo
from handlers.offline.fake import FakeChat, FakeUser
from handlers.offline.recording import Call

STRANGER = STRANGER2
SCOPE = "青山镇/东风村"


async def play(demo: Demo) -> None:
    bot = demo.bot
    st = bot.services.stats
    demo.say("—— 傍晚：村统计员查看汇总、导出台账（私聊机器人）——")
    # what an admin does with "/statistician add @likuaiji 青山镇/东风村"
    await st.stats.add_statistician(None, STATISTICIAN.username, SCOPE, None, bot.clock.now.isoformat())
    demo.say(f"（管理员已设置 @{STATISTICIAN.username} 为 {SCOPE} 的统计员）\n")
    await _post(demo, "20:20", FakeChat(STRANGER.id, STRANGER.first_name), STRANGER, "/summary")
    await _post(demo, "20:30", FakeChat(STATISTICIAN.id, STATISTICIAN.first_name), STATISTICIAN, "/summary")
    await _post(demo, "20:32", FakeChat(STATISTICIAN.id, STATISTICIAN.first_name), STATISTICIAN, "/export")


async def _post(demo: Demo, hhmm: str, chat: FakeChat, user: FakeUser, text: str) -> None:
    demo.say(f"[{hhmm} 私聊] {user.first_name}：{text}")
    _, calls = await demo.bot.post(chat, user, text, hhmm)
    for call in calls:
        _show(demo, call)
    demo.say()


def _show(demo: Demo, call: Call) -> None:
    if call.method in ("sendMessage", "editMessageText"):
        demo.say("   🤖 " + to_plain([str(call.params.get("text", ""))]).replace("\n", "\n" + " " * 6))
    elif call.method == "sendChatAction":
        demo.say("   🤖（正在发送文件……）")
    elif call.method == "sendDocument" and call.file() is not None:
        name, data, _ = call.file()  # type: ignore[misc]
        demo.say(f"   🤖 📎 {name}（{len(data) // 1024 + 1} KB）")
        demo.say("      " + str(call.params.get("caption", "")).replace("\n", "\n      "))
        if name and name.endswith(".xlsx"):
            wb = load_workbook(io.BytesIO(data))
            sheets = "，".join(f"{ws.title} {ws.max_row - 1}行" for ws in wb.worksheets)
            demo.say(f"      工作表：{sheets}")
            wb.close()
