"""The bot's custom menu on Feishu (``application.bot.menu_v6``, pushed by the stand-in over either receiving
mode): an item's ``event_key`` is a command, answered in the member's private chat exactly as the command typed
there, with the same authorisation; a key that names no command is acknowledged and dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import texts
from handlers.feishu import events
from handlers.feishu.render import plain
from tests.feishu.harness import town

KEYS = (("summary", "/summary"), ("mystatus", "/mystatus"), ("export", "/export"), ("汇总", "/summary"))


@pytest.mark.parametrize("mode", ["websocket", "callback"])
async def test_a_menu_item_is_its_command_typed_in_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           mode: str) -> None:
    async with town(tmp_path, monkeypatch, mode=mode) as t:
        s = t.standin
        await t.say("一", "刘志宇", "/bind 第一网格")
        mine = await t.households_of("王艳")
        await t.say("一", "王艳", f"包联{len(mine)}户，体温均正常，无返乡人员")
        answers: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for who in ("管理员", "路人甲", "王艳"):
            private = s.private_chat(t.users[who])
            t.groups[who] = private
            for key, typed in KEYS:
                before = len(s.sent(private))
                eid = s.click_menu(t.users[who], key)
                await t.settle()
                await t.delivered(eid)  # acknowledged (it waits for the answer)
                by_menu = s.sent(private)[before:]
                before = len(s.sent(private))
                await t.say(who, who, typed)
                by_typing = s.sent(private)[before:]
                assert by_menu, (who, key)
                assert [(m.msg_type, m.text) for m in by_menu] == [(m.msg_type, m.text) for m in by_typing], (who, key)
                assert all(m.parent_id is None for m in by_menu)  # nothing to quote: sent into the private chat
                answers[(who, key)] = [(m.msg_type, m.text) for m in by_menu]
        assert "第一网格" in answers[("管理员", "summary")][0][1]
        assert answers[("管理员", "汇总")] == answers[("管理员", "summary")]
        assert any(kind == "file" for kind, _ in answers[("管理员", "export")])  # the ledger, as a file
        assert "权限" in answers[("路人甲", "summary")][0][1]  # refused, as when typed
        assert not any(kind == "file" for kind, _ in answers[("路人甲", "export")])
        assert "王艳" in answers[("王艳", "mystatus")][0][1] and "17/17" in answers[("王艳", "mystatus")][0][1]
        menu_sends = [c for c in s.calls("message.create") if c.query.get("receive_id_type") == "open_id"]
        assert menu_sends  # the event names no chat: the answers go by the member's open_id


async def test_help_and_an_unknown_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with town(tmp_path, monkeypatch) as t:
        s = t.standin
        private = s.private_chat(t.users["王艳"])
        s.click_menu(t.users["王艳"], "help")
        await t.settle()
        [help_text] = s.texts(private)
        assert help_text == plain(texts.HELP, True)
        eid = s.click_menu(t.users["王艳"], "no_such_item")
        await t.settle()
        await t.delivered(eid)  # acknowledged
        assert len(s.texts(private)) == 1  # and not answered


def test_menu_keys_are_commands_or_aliases() -> None:
    def event(key: str, ts: int = 1581300000) -> dict:
        return {"schema": "2.0", "header": {"event_id": "e1", "event_type": events.BOT_MENU, "token": "t"},
                "event": {"operator": {"operator_name": "王艳", "operator_id": {"open_id": "ou_1", "user_id": "u"}},
                          "event_key": key, "timestamp": ts}}

    got = events.menu_click(event("summary"))
    m = got.message
    assert (m.text, m.chat_id, m.chat_type, m.sender.user_id, m.sender.display_name) == \
        ("/summary", "feishu:ou_1", "private", "feishu:ou_1", "王艳")
    assert m.date.timestamp() == 1581300000 and events.chat_of(event("summary")) == "feishu:ou_1"
    assert events.command(events.menu_click(event("汇总 本周")).message.text) == events.Command("summary", "本周")
    assert events.menu_click(event("/mystatus", 1581300000123)).message.date.timestamp() == 1581300000.123
    for bad in ("no_such_item", "", "/"):
        with pytest.raises(events.BadEvent):
            events.menu_click(event(bad))
