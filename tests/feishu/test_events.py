"""Feishu events → the core's port types, and replies → Feishu content (handlers/feishu/events.py, render.py)."""

from __future__ import annotations

import pytest

from bot.core.chat import Button, Reply
from handlers.feishu import events, render
from tests.feishu.helpers import BOT, CHAT, OTHER, USER, header, mention, message


def test_a_text_becomes_an_incoming_message_with_qualified_ids() -> None:
    got = events.received(message("text", {"text": "王艳 17户 正常"}, event_id="e-42"))
    assert got is not None
    m = got.message
    assert (m.chat_id, m.chat_type, m.message_id, m.update_id) == (f"feishu:{CHAT}", "group", "om_1", "feishu:e-42")
    assert m.sender.user_id == f"feishu:{USER}"
    assert m.text == "王艳 17户 正常"
    assert m.date.tzinfo is not None and m.date.year == 2025
    assert got.photos == []


def test_the_bots_mention_is_dropped_and_others_become_names() -> None:
    ev = message("text", {"text": "@_user_1 @_user_2 17户 正常"},
                 mentions=[mention("@_user_1", BOT, "网格通"), mention("@_user_2", OTHER, "王艳")])
    got = events.received(ev, bot_open_id=BOT)
    assert got is not None and got.message.text == "@王艳 17户 正常"
    # the bot's open_id unknown: a leading mention addresses the bot
    ev = message("text", {"text": "@_user_1 /summary"}, mentions=[mention("@_user_1", BOT, "网格通")])
    got = events.received(ev)
    assert got is not None and got.message.text == "/summary"


def test_a_p2p_chat_is_private_and_a_reply_names_its_parent() -> None:
    got = events.received(message("text", {"text": "4人"}, chat_type="p2p", parent_id="om_bot"))
    assert got is not None
    assert got.message.chat_type == "private"
    assert got.message.reply_to_bot == "om_bot" and got.parent_id == "om_bot"


def test_a_post_gives_its_text_parts_and_images() -> None:
    content = {"zh_cn": {"title": "今日上报", "content": [
        [{"tag": "text", "text": "王艳 17户"}, {"tag": "at", "user_id": "@_user_1", "user_name": "李强"}],
        [{"tag": "img", "image_key": "img_v2_1"}],
        [{"tag": "text", "text": "均正常"}, {"tag": "a", "text": "链接", "href": "https://x"}],
    ]}}
    got = events.received(message("post", content))
    assert got is not None
    assert got.message.text == "今日上报\n王艳 17户@李强\n\n均正常链接"
    assert [p.file_id for p in got.photos] == ["image:img_v2_1"]
    assert not got.photos[0].is_document


def test_images_and_image_files_become_photos() -> None:
    got = events.received(message("image", {"image_key": "img_v2_9"}))
    assert got is not None and [p.file_id for p in got.photos] == ["image:img_v2_9"] and got.message.text == ""
    got = events.received(message("file", {"file_key": "file_v2_1", "file_name": "表格.JPG"}))
    assert got is not None and got.photos[0].file_id == "file:file_v2_1"
    assert got.photos[0].is_document and got.photos[0].mime_type == "image/jpeg"
    assert events.split_photo_key(got.photos[0].file_id) == ("file", "file_v2_1")
    got = events.received(message("file", {"file_key": "file_v2_2", "file_name": "名单.docx"}))
    assert got is not None and got.photos == [] and got.other_file


def test_messages_of_bots_are_ignored_and_broken_events_refused() -> None:
    assert events.received(message("text", {"text": "hi"}, sender_type="app")) is None
    broken = message("text", {"text": "x"})
    broken["event"]["message"]["content"] = "{not json"
    with pytest.raises(events.BadEvent):
        events.received(broken)
    with pytest.raises(events.BadEvent):
        events.header({"schema": "2.0"})
    with pytest.raises(events.BadEvent):
        events.received({"header": header("im.message.receive_v1"), "event": {"message": {}}})


def test_recall_and_card_click() -> None:
    r = events.recall({"schema": "2.0", "header": header(events.RECALLED, "e9"),
                       "event": {"message_id": "om_7", "chat_id": CHAT, "recall_time": "1764640000000"}})
    assert (r.chat_id, r.message_id, r.update_id) == (f"feishu:{CHAT}", "om_7", "feishu:e9")
    ev = {"schema": "2.0", "header": header(events.CARD_ACTION, "e10"),
          "event": {"operator": {"open_id": USER}, "action": {"tag": "button", "value": {"data": "ocr:c:3:ab12cd34"}},
                    "context": {"open_message_id": "om_card", "open_chat_id": CHAT}}}
    c = events.card_click(ev)
    assert (c.chat_id, c.message_id, c.user.user_id, c.data) == (f"feishu:{CHAT}", "om_card", f"feishu:{USER}",
                                                                 "ocr:c:3:ab12cd34")
    assert events.chat_of(ev) == f"feishu:{CHAT}"


@pytest.mark.parametrize(("text", "want"), [
    ("/summary 本周", events.Command("summary", "本周")),
    ("/Export", events.Command("export", "")),
    ("汇总", events.Command("summary", "")),
    ("汇总 第一网格 本周", events.Command("summary", "第一网格 本周")),
    ("我是 王艳", events.Command("iam", "王艳")),
    ("/绑定 第一网格", events.Command("bind", "第一网格")),
    ("/nonsense", events.Command("", "/nonsense")),
    ("汇总一下今天的情况", None),  # an alias is a word alone or followed by a space
    ("王艳 17户 正常", None),
])
def test_commands_and_chinese_aliases(text: str, want: events.Command | None) -> None:
    assert events.command(text) == want


def test_telegram_html_becomes_plain_text() -> None:
    html = '<b>第一网格</b> 已报 3/5\n未报：<a href="tg://user?id=5">王&amp;艳</a>、<i>李强</i>'
    assert render.plain(html, True) == "第一网格 已报 3/5\n未报：王&艳、李强"
    assert render.plain("a <b> b", False) == "a <b> b"
    msg_type, content = render.content(Reply(html, html=True))
    assert msg_type == "text" and "<" not in content["text"]


def test_a_reply_with_buttons_is_a_card_whose_buttons_carry_the_data() -> None:
    msg_type, card = render.content(Reply("识别结果", buttons=[[Button("确认", "ocr:c:1:ab"), Button("取消", "ocr:x:1:ab")]]))
    assert msg_type == "interactive"
    assert card["config"]["update_multi"] is True
    actions = card["elements"][1]["actions"]
    assert [a["value"]["data"] for a in actions] == ["ocr:c:1:ab", "ocr:x:1:ab"]
    assert [a["text"]["content"] for a in actions] == ["确认", "取消"]
    assert render.at("ou_1", "王<艳>") == '<at user_id="ou_1">王&lt;艳&gt;</at>'
