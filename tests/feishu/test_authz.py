"""The authorisation matrix's Feishu row: a stranger (in the grid's group and in private) sends every command,
in its /form and its Chinese alias, and as an item of the bot's menu, and clicks every kind of card button. Nothing of the grid's data reaches
them, nothing changes, nothing is uploaded; the answers are Chinese refusals or silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import texts
from handlers.feishu import events, messages
from tests.feishu.harness import town

SECRET = "霍建军"  # a household of 第一网格 (刘志宇's) with a fever today


def test_every_command_has_a_handler_and_every_alias_a_command() -> None:
    assert set(messages.COMMANDS) == set(events.COMMANDS)
    assert set(texts.COMMAND_ALIASES.values()) <= set(events.COMMANDS)


async def test_a_stranger_gets_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with town(tmp_path, monkeypatch) as t:
        s = t.standin
        await t.say("一", "刘志宇", "/bind 第一网格")
        await t.say("一", "刘志宇", f"除{SECRET}家外均正常。{SECRET}家儿子体温37.9")
        iam = await t.say("一", "陈明", "/iam 陈明")
        [iam_card] = s.replies_to(iam)
        state = await _state(t)
        t.groups["私"] = s.private_chat(t.users["路人甲"])
        uploads = len(s.uploads())
        aliases = {v: k for k, v in texts.COMMAND_ALIASES.items()}
        for where in ("一", "私"):
            for name in events.COMMANDS:
                for text in (f"/{name} 第一网格", f"{aliases[name]} 第一网格" if name in aliases else None):
                    if text is None:
                        continue
                    mid = await t.say(where, "路人甲", text)
                    for reply in t.replies(mid):
                        assert "37.9" not in reply, (text, reply)  # the fever of 第一网格 today
        sent = len(s.sent(t.groups["私"]))
        for name in events.COMMANDS:  # the bot's menu, an item per command
            s.click_menu(t.users["路人甲"], f"{name} 第一网格")
            await t.settle()
        menu = [m.text for m in s.sent(t.groups["私"])[sent:]]
        assert menu and not [x for x in menu if "37.9" in x]
        assert len(s.uploads()) == uploads  # no ledger, chart or form for a stranger
        answer = await t.delivered(await t.click(iam_card.message_id, "路人甲", texts.IAM_APPROVE))
        assert answer["toast"]["content"] == texts.IAM_NOT_ALLOWED
        answer = await t.delivered(await t.click(iam_card.message_id, "路人甲", texts.IAM_REJECT))
        assert answer["toast"]["content"] == texts.IAM_NOT_ALLOWED
        assert await _state(t) == state


async def _state(t) -> tuple:
    db = t.services.db
    return (await db.fetchall("SELECT * FROM bindings ORDER BY 1"),
            await db.fetchall("SELECT id, user_id FROM members ORDER BY id"),
            await db.fetchall("SELECT id, data FROM reports ORDER BY id"),
            await db.fetchall("SELECT status FROM link_requests ORDER BY id"))
