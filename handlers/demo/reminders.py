"""The afternoon of ``gridbot demo``: a reminder, the deadline with mentions, a late reporter thanked, and
the escalation to the grid leader, each job run by the real JobQueue's callback at its time on the demo
clock (:func:`play` is called from :func:`handlers.demo.day.script`)."""

from __future__ import annotations

import re
from typing import Any

from bot.sample.cast import GROUP1, GROUP2, GROUP3, MA, ZHANG, ZHAO, ZHOU
from handlers.demo.scenes import leaders_and_links
from handlers.demo.stage import Demo
from handlers.offline.fake import FakeChat
from handlers.telegram.reminders import CATCH_UP_JOB, JOB_PREFIX

_ANCHOR = re.compile(r'<a href="tg://user\?id=\d+">(.*?)</a>')


def shown(text: str) -> str:
    """A sent HTML text as the transcript shows it: a text mention (by user id) becomes ``@名字``."""
    return _ANCHOR.sub(lambda m: "@" + m.group(1), text).replace("&lt;", "<").replace("&gt;", ">")


async def tick(demo: Demo, hhmm: str, titles: dict[int, str]) -> None:
    """Set the clock to ``hhmm`` and run the nag job scheduled for that time, as the scheduler would."""
    bot = demo.bot
    job = next(j for j in bot.app.job_queue.jobs() if j.name == JOB_PREFIX + hhmm)
    bot.clock.set(bot.at(hhmm))
    before = len(bot.request.calls)
    await job.run(bot.app)
    demo.say(f"[{hhmm}] ⏰ 定时任务")
    for call in bot.request.calls[before:]:
        if call.method == "sendMessage":
            chat = int(call.params["chat_id"])
            demo.say(f"   🤖 → {titles.get(chat, chat)}：" + shown(str(call.params["text"])).replace("\n", "\n" + " " * 6))
    demo.say()


async def post(demo: Demo, hhmm: str, chat: FakeChat, user: Any, text: str, titles: dict[int, str]) -> None:
    """A member posts; the bot's answers are shown with where they went when not to the same chat."""
    demo.say(f"[{hhmm} {chat.title}] {user.first_name}：{text}")
    _, calls = await demo.bot.post(chat, user, text, hhmm)
    for call in calls:
        if call.method == "sendMessage":
            target = int(call.params["chat_id"])
            where = "" if target == chat.id else f"→ {titles.get(target, target)}："
            demo.say(f"   🤖 {where}" + shown(str(call.params["text"])))
    demo.say()


async def play(demo: Demo) -> None:
    bot = demo.bot
    for job in bot.app.job_queue.get_jobs_by_name(CATCH_UP_JOB):  # nothing to catch up on in the demo
        job.schedule_removal()
    await bot.app.job_queue.start()
    zhou = ZHOU  # no Telegram username
    titles = {c.id: c.title for c in (GROUP1, GROUP2, GROUP3)}
    titles |= {ZHAO.id: "私聊 赵丽", ZHANG.id: "私聊 张建国"}
    demo.say("—— 下午：提醒、截止、补报、上报网格长 ——")
    demo.say("（提及：有用户名的写“名字 @用户名”，没有用户名的用文字提及（这里显示为 @名字），还没关联的只写名字）\n")
    await leaders_and_links(demo)
    roster = await bot.services.reports.roster()
    ma, me = roster.find_member("马春生"), roster.find_member("周强")
    assert ma is not None and me is not None
    await post(demo, "15:00", GROUP3, MA, f"{ma.households[0].name}家3人 体温36.5", titles)
    await tick(demo, "16:00", titles)
    await tick(demo, "18:00", titles)
    await post(demo, "18:10", GROUP3, MA, f"包联{len(ma.households)}户，体温均正常，无返乡人员", titles)
    await tick(demo, "18:30", titles)
    await post(demo, "18:40", GROUP2, zhou, f"包联{len(me.households)}户，体温均正常", titles)
