"""The schedules page: each grid's times, pause and leaves in the viewer's scope, changed with /schedule's
rules (a grid's leader or an admin), through the reminders' service, so the chat sees the change."""

from __future__ import annotations

from datetime import time, timedelta

from bot.console.scope import Refused
from bot.core import texts
from bot.sample.cast import DAY, GROUP1, STRANGER
from handlers.offline.bot import replies
from tests.console.people import LEADER1, LEADER2, MEMBER, NOBODY, OPERATOR, STAT


async def test_who_sees_which_grids_and_may_change_them(bot) -> None:
    console = bot.services.console
    stat = await console.schedules(STAT)
    assert [(s.state.grid.label, s.editable) for s in stat] == [
        ("东风村第一网格", False), ("东风村第二网格", False), ("东风村第三网格", False)]  # as in the chat
    assert [(s.state.grid.label, s.editable) for s in await console.schedules(LEADER1)] == [("东风村第一网格", True)]
    assert [(s.state.grid.label, s.editable) for s in await console.schedules(MEMBER)] == [("东风村第一网格", False)]
    assert all(s.editable for s in await console.schedules(OPERATOR))
    assert await console.schedules(NOBODY) == Refused(texts.CONSOLE_NO_ROLE)
    first = stat[0].state
    assert first.times.deadline == bot.services.config.schedule.grid_defaults().deadline and not first.custom


async def test_change_with_the_schedule_commands_rules(bot) -> None:
    console = bot.services.console
    grid1, grid2 = [s.grid_id for s in (await console.schedules(STAT))[:2]]
    reply, changed = await console.change_schedule(LEADER1, grid1, ["截止", "17:00"])
    assert changed and reply.text.startswith("✅ 已修改 东风村第一网格 的提醒时间")
    [st] = await console.schedules(LEADER1)
    assert st.state.custom and st.state.times.deadline == time(17, 0)
    assert all(r < time(17, 0) for r in st.state.times.reminders)  # later reminders dropped, as in the chat
    reply, changed = await console.change_schedule(LEADER1, grid1, ["截止", "25:00"])
    assert not changed and reply.text.startswith(texts.SCHEDULE_BAD.split("{")[0])
    reply, changed = await console.change_schedule(LEADER1, grid2, ["截止", "17:00"])  # not her grid
    assert (reply.text, changed) == (texts.SCHEDULE_NOT_ALLOWED, False)
    reply, changed = await console.change_schedule(STAT, grid1, ["截止", "18:00"])  # the chat lets no statistician
    assert (reply.text, changed) == (texts.SCHEDULE_NOT_ALLOWED, False)
    reply, changed = await console.change_schedule(LEADER2, grid2, [])  # nothing to change: the usage
    assert not changed and texts.CONSOLE_NO_ARGS in reply.text
    _, calls = await bot.post(GROUP1, STRANGER, "/schedule", "09:00")  # the group sees the console's change
    assert "截止：17:00" in replies(calls)[0]


async def test_pause_resume_and_leave(bot) -> None:
    console = bot.services.console
    grid1 = (await console.schedules(LEADER1))[0].grid_id
    reply = await console.pause(LEADER1, grid1, ["到", "2月12日", "春节"])
    assert reply.text.startswith("⏸ 已暂停 东风村第一网格")
    [st] = await console.schedules(LEADER1)
    assert st.state.pause is not None and st.state.pause.until == DAY + timedelta(days=2)
    assert (await console.resume(LEADER1, grid1)).text == texts.RESUME_OK.format(grid="东风村第一网格")
    assert (await console.schedules(LEADER1))[0].state.pause is None
    reply = await console.leave(LEADER1, grid1, ["王艳", "2月11日-2月13日"])
    assert reply.text == texts.LEAVE_OK.format(name="王艳", start="2月11日", end="2月13日")
    [lv] = (await console.schedules(STAT))[0].state.leaves
    assert (lv.name, lv.start, lv.end) == ("王艳", DAY + timedelta(days=1), DAY + timedelta(days=3))
    assert (await console.schedules(STAT))[1].state.leaves == []
    assert (await console.pause(LEADER2, grid1, [])).text == texts.SCHEDULE_NOT_ALLOWED
    assert (await console.leave(NOBODY, grid1, ["王艳", "明天"])).text == texts.SCHEDULE_NOT_ALLOWED
    assert (await console.resume(STAT, grid1)).text == texts.SCHEDULE_NOT_ALLOWED
