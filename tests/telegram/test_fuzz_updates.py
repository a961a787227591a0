"""Fuzzing the Telegram side with hypothesis: malformed and unusual updates (no sender, channel posts, service
messages, messages in unbound groups, huge texts, odd callback data), and random bytes posted as photos and
image files. Through the real Application (offline): 0 errors and no stored garbage."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time as systime
from datetime import datetime, time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.config.settings import Config
from bot.core import texts
from bot.sample.cast import DAY, GROUP1, LIU, STRANGER, WANG
from handlers.offline.bot import OfflineBot
from handlers.offline.fake import user_json
from tests.parser.strategies import examples, messages


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Harness:
    """One offline bot (sample roster, 第一网格 bound to GROUP1) on its own loop, for a sync hypothesis test."""

    def __init__(self, tmp: Path, rows: Any):
        self.loop = asyncio.new_event_loop()
        config = dataclasses.replace(Config(), db_path=str(tmp / "fuzz.db"))
        self.bot = OfflineBot(config, datetime.combine(DAY, time(9, 0), config.tz))
        self.errors = Errors()
        logging.getLogger().addHandler(self.errors)

        async def setup() -> None:
            await self.bot.start()
            await self.bot.services.reports.import_roster(rows, "sample")
            self.bot.request.member_status[(GROUP1.id, LIU.id)] = "administrator"
            await self.bot.post(GROUP1, LIU, "/bind 第一网格", "08:01")

        self.loop.run_until_complete(setup())
        self.update_id = 10_000
        self.message_id = 10_000

    def feed(self, update: dict[str, Any]) -> list[Any]:
        self.update_id += 1
        u = Update.de_json({"update_id": self.update_id, **update}, self.bot.app.bot)
        return self.loop.run_until_complete(self.bot.feed(u))

    def next_mid(self) -> int:
        self.message_id += 1
        return self.message_id

    def query(self, sql: str) -> list[Any]:
        return self.loop.run_until_complete(self.bot.services.db.fetchall(sql))

    def close(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        self.loop.run_until_complete(self.bot.stop())
        self.loop.close()


MIGRATED_TO = -1009999999
USERS = [user_json(WANG), user_json(STRANGER), user_json(LIU), {"id": 777, "is_bot": True, "first_name": "其他机器人"}]
CHATS = [
    {"id": GROUP1.id, "type": "supergroup", "title": "g1"},
    {"id": -1009876, "type": "supergroup", "title": "未绑定的群"},
    {"id": -1009877, "type": "group", "title": "普通群"},
    {"id": -1001111, "type": "channel", "title": "频道"},
    {"id": WANG.id, "type": "private", "first_name": "王艳"},
]
SERVICE = [
    {"new_chat_members": [user_json(STRANGER)]},
    {"left_chat_member": user_json(STRANGER)},
    {"new_chat_title": "新名字"},
    {"group_chat_created": True},
    {"delete_chat_photo": True},
    {"migrate_to_chat_id": -1009999999},  # MIGRATED_TO
    {"pinned_message": {"message_id": 1, "date": 0, "chat": CHATS[0]}},
    {"new_chat_photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
]
texts_ = st.one_of(messages, st.text(max_size=200), st.sampled_from(["/", "/start@", "/bind", "/iam", "/undo x",
                                                                     "/summary 2020-13-45", "/export 上周 csv",
                                                                     "/schedule 截止 25:99", "/leave 王艳 2月30日",
                                                                     "/statistician del", "/chart 99999", "/form x"]),
                   messages.map(lambda m: (m or "正常") * 5000))  # huge texts


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["message", "edited_message", "channel_post", "edited_channel_post", "service",
                                 "callback", "no_from", "member_update"]))
    chat = draw(st.sampled_from(CHATS))
    user = draw(st.sampled_from(USERS))
    msg: dict[str, Any] = {"message_id": draw(st.integers(1, 10**6)), "date": int(systime.time()), "chat": chat}
    if kind in ("message", "edited_message", "no_from"):
        text = draw(texts_)
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0] or "/")}]
        if kind != "no_from":
            msg["from"] = user
        if kind == "edited_message":
            msg["edit_date"] = msg["date"]
        return {"edited_message" if kind == "edited_message" else "message": msg}
    if kind in ("channel_post", "edited_channel_post"):
        msg["chat"] = CHATS[3]
        msg["text"] = draw(texts_)
        msg["sender_chat"] = CHATS[3]
        return {kind: msg}
    if kind == "service":
        msg["from"] = user
        msg.update(draw(st.sampled_from(SERVICE)))
        return {"message": msg}
    if kind == "callback":
        data = draw(st.one_of(st.text(max_size=64), st.sampled_from(
            ["iam:a:1", "iam:r:999999", "iam:a:-1", "ocr:c:1:00000000", "ocr:x:99:deadbeef", "ocr:r:0:ffffffff",
             "iam:a:99999999999999999999", "ocr:c:1:zzzz"])))
        q: dict[str, Any] = {"id": str(draw(st.integers(1, 10**9))), "from": user, "chat_instance": "x"}
        if data:
            q["data"] = data
        if draw(st.booleans()):
            q["message"] = {**msg, "from": {"id": 7000000001, "is_bot": True, "first_name": "网格通"}, "text": "…"}
        else:
            q["inline_message_id"] = "inline-1"
        return {"callback_query": q}
    member = {"status": draw(st.sampled_from(["member", "left", "kicked", "administrator"])),
              "user": {"id": 7000000001, "is_bot": True, "first_name": "网格通"}}
    if member["status"] == "kicked":
        member["until_date"] = 0
    if member["status"] == "administrator":
        member.update({"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                       "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
                       "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
                       "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False})
    return {"my_chat_member": {"chat": chat, "from": user, "date": int(systime.time()),
                               "old_chat_member": {"status": "member", "user": member["user"]},
                               "new_chat_member": member}}


def _stored_ok(h: Harness) -> None:
    rows = h.query("SELECT r.source_chat_id, r.sender_user_id, h.member_id, r.member_id, r.household_id, r.day "
                   "FROM reports r JOIN households h ON h.id = r.household_id")
    assert len({(r[4], r[5]) for r in rows}) == len(rows)
    for chat, sender, owner, member, _, _ in rows:
        assert chat == GROUP1.id and sender in (WANG.id, LIU.id) and owner == member


def test_malformed_updates(tmp_path: Path, sample_rows) -> None:
    h = Harness(tmp_path, sample_rows)

    @settings(max_examples=examples(200, 0.1), deadline=None, derandomize=not examples(0),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(updates())
    def run(update: dict[str, Any]) -> None:
        h.feed(update)
        assert h.errors.records == [], [r.getMessage() for r in h.errors.records]

    try:
        run()
        _stored_ok(h)
        bound = h.query("SELECT chat_id FROM bindings WHERE active = 1")
        assert {r[0] for r in bound} <= {GROUP1.id, MIGRATED_TO}  # only a migration moves a binding
    finally:
        h.close()


def test_random_bytes_as_images(tmp_path: Path, sample_rows) -> None:
    h = Harness(tmp_path, sample_rows)
    errors = set(texts.OCR_ERRORS.values())

    @settings(max_examples=examples(25, 0.005), deadline=None, derandomize=not examples(0),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.one_of(st.binary(max_size=4096),
                     st.binary(max_size=600).map(lambda b: b"\xff\xd8\xff\xe0" + b),  # a JPEG header, then junk
                     st.binary(max_size=600).map(lambda b: b"\x89PNG\r\n\x1a\n" + b)),
           st.sampled_from(["photo", "document"]))
    def run(data: bytes, how: str) -> None:
        mid = h.next_mid()
        fid = h.bot.request.add_file(f"rnd{mid}", data)
        msg: dict[str, Any] = {"message_id": mid, "date": int(systime.time()), "chat": CHATS[0], "from": user_json(WANG)}
        if how == "photo":
            msg["photo"] = [{"file_id": fid, "file_unique_id": "u" + fid, "width": 1280, "height": 960,
                             "file_size": len(data)}]
        else:
            msg["document"] = {"file_id": fid, "file_unique_id": "u" + fid, "file_name": "表格.jpg",
                               "mime_type": "image/jpeg", "file_size": len(data)}
        calls = h.feed({"message": msg})
        said = [str(c.params.get("text")) for c in calls if c.method in ("sendMessage", "editMessageText")]
        assert said and said[-1] in errors, said
        assert h.errors.records == [], [r.getMessage() for r in h.errors.records]

    try:
        run()
        assert h.query("SELECT COUNT(*) FROM reports WHERE via = 'photo'")[0][0] == 0
        assert h.query("SELECT COUNT(*) FROM ocr_pending WHERE status = 'pending'")[0][0] == 0
    finally:
        h.close()
