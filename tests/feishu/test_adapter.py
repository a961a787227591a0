"""The real Feishu adapter against the stand-in of the open platform, in both receiving modes: binding, /iam
with its card, reports quoted in reply, a redelivered event, a recall, commands and their aliases, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import texts
from tests.feishu.harness import town


@pytest.mark.parametrize("mode", ["websocket", "callback"])
async def test_a_morning_in_a_grid_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    async with town(tmp_path, monkeypatch, mode=mode) as t:
        s = t.standin
        mid = await t.say("一", "路人甲", "/bind 第一网格")
        assert t.replies(mid) == [texts.BIND_NOT_ALLOWED]
        mid = await t.say("一", "刘志宇", "绑定 第一网格")  # the group's owner, the grid's leader; an alias
        assert t.replies(mid)[0].startswith("✅ 本群已绑定到 东风村第一网格")

        mine = await t.households_of("王艳")
        mid = await t.say("一", "王艳", f"包联{len(mine)}户，体温均正常，无返乡人员")
        [reply] = t.replies(mid)  # a reply to the member's message (im/v1/messages/:id/reply)
        assert reply.startswith(f"✅ 已记录 王艳 {len(mine)}户")
        assert set(await t.stored("王艳")) == set(mine)

        # Feishu delivers the event again (an answer it did not see): not doubled
        eid = s.deliveries()[-1].event_id
        s.redeliver(eid)
        await t.delivered(eid, 2)
        await t.bot.ordered.drain()
        assert t.bot.intake is not None and t.bot.intake.redelivered == 1
        assert len(t.replies(mid)) == 1

        # /iam: a card with buttons; a plain member's click is refused, the leader's approves
        mid = await t.say("一", "陈明", "/iam 陈明")
        [card] = [m for m in s.replies_to(mid)]
        assert card.msg_type == "interactive" and "申请关联为网格员 陈明" in card.text
        answer = await t.delivered(await t.click(card.message_id, "王艳", "同意"))
        assert answer["toast"]["content"] == texts.IAM_NOT_ALLOWED
        answer = await t.delivered(await t.click(card.message_id, "刘志宇", "同意"))
        assert "已关联" in answer["toast"]["content"]
        assert "已关联" in next(m for m in s.sent() if m.message_id == card.message_id).text
        chen = await t.households_of("陈明")
        mid = await t.say("一", "陈明", f"{len(chen)}户都正常")
        assert t.replies(mid)[0].startswith("✅ 已记录 陈明")

        # a recalled message withdraws its report, as an edit does on Telegram
        liu = await t.households_of("刘志宇")
        mid = await t.say("一", "刘志宇", "王建国家4人，体温36.5")
        assert (await t.stored("刘志宇"))["王建国"]["people"] == 4
        s.recall(mid)
        await t.settle()
        assert "王建国" not in await t.stored("刘志宇")
        assert any("刘志宇 撤回了消息，这条消息的上报已撤销" in m.text for m in s.sent())
        assert not any("修改后的消息" in m.text for m in s.sent())
        assert liu

        # rich text: its text parts are read
        mid = s.post_rich(t.groups["一"], t.users["刘志宇"], [["薛文斌家3人，"], ["体温36.6"]], title="")
        await t.settle()
        assert (await t.stored("刘志宇"))["薛文斌"]["people"] == 3

        # HTML replies are sent as plain text; a stranger's chit-chat gets silence
        mid = await t.say("一", "路人甲", "/help")
        assert t.replies(mid) and "<b>" not in t.replies(mid)[0] and "</" not in t.replies(mid)[0]
        mid = await t.say("一", "路人甲", "大家早上好")
        assert t.replies(mid) == []
        mid = await t.say("一", "王艳", "我的")
        assert t.replies(mid) and "王艳" in t.replies(mid)[0]

