"""Nags on Feishu against the stand-in: the reminder mentions the members linked on Feishu with <at>, names
the others plainly, is claimed once, and the escalation goes to the leaders' group mentioning the leader."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.feishu.reminders import dispatch
from tests.feishu.harness import town


async def test_the_reminder_mentions_who_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with town(tmp_path, monkeypatch) as t:
        s = t.standin
        await t.say("一", "刘志宇", "/bind 第一网格")
        liu = await t.households_of("刘志宇")
        await t.say("一", "刘志宇", f"包联{len(liu)}户，均正常")
        t.clock.set("16:00")
        assert await dispatch(t.bot) == 1
        assert await dispatch(t.bot) == 0  # claimed once
        [nag] = [m for m in s.sent(t.groups["一"]) if m.msg_type == "text" and "温馨提醒" in m.content["text"]]
        raw = nag.content["text"]
        wang = t.users["王艳"]
        assert f'<at user_id="{wang.open_id}">王艳</at>' in raw  # linked on Feishu (the roster's 账号)
        assert "陈明" in raw and "<at" not in raw.split("陈明")[0][-10:]  # not linked: named plainly
        assert "刘志宇" not in raw  # complete


async def test_the_escalation_goes_to_the_leaders_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with town(tmp_path, monkeypatch, leaders_group=True) as t:
        s = t.standin
        leaders = t.groups["长"]
        await t.say("一", "刘志宇", "/bind 第一网格")
        t.clock.set("18:30")
        await dispatch(t.bot)
        [esc] = [m.content["text"] for m in s.sent(leaders)]
        assert f'<at user_id="{t.users["刘志宇"].open_id}">' in esc and "王艳" in esc
