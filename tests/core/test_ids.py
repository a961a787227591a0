"""Platform-qualified ids (bot/core/ids.py), and how the config and the roster read them."""

from __future__ import annotations

import pytest

from bot.config.errors import ConfigError
from bot.config.settings import parse_config
from bot.core.ids import (
    FEISHU,
    TELEGRAM,
    is_platform,
    native,
    parse_id,
    platform_of,
    qualify,
    shown,
    telegram_native,
)
from bot.core.roster import account_user_id, normalize_account


def test_qualify_and_take_apart() -> None:
    assert qualify(TELEGRAM, -1001234) == "tg:-1001234" and qualify(TELEGRAM, "42") == "tg:42"
    assert qualify(FEISHU, "oc_5ad0") == "feishu:oc_5ad0"
    assert platform_of("feishu:ou_7d8") == FEISHU and native("feishu:ou_7d8") == "ou_7d8"
    assert native("feishu:a:b") == "a:b"  # the part after the first colon
    assert telegram_native("tg:-1001234") == -1001234
    with pytest.raises(ValueError):
        telegram_native("feishu:ou_7d8")
    for bad in ("42", "", "tg:", ":42"):
        with pytest.raises(ValueError):
            platform_of(bad)
    for platform, value in (("", "1"), ("a:b", "1"), (TELEGRAM, "")):
        with pytest.raises(ValueError):
            qualify(platform, value)
    assert is_platform("tg:1", TELEGRAM) and not is_platform("feishu:ou_1", TELEGRAM)
    assert not is_platform(None, TELEGRAM) and not is_platform("tg:", TELEGRAM)
    assert shown("tg:42") == "42" and shown("feishu:ou_1") == "ou_1" and shown("42") == "42"


def test_a_typed_id_bare_numbers_are_telegram() -> None:
    assert parse_id(42) == "tg:42" and parse_id(" -1001 ") == "tg:-1001"
    assert parse_id("feishu:ou_7d8") == "feishu:ou_7d8" and parse_id("tg:42") == "tg:42"
    for bad in ("alice", "4_2", "feishu:", "feishu:ou 7", True):
        with pytest.raises(ValueError):
            parse_id(bad)  # type: ignore[arg-type]


def test_config_ids() -> None:
    c = parse_config({"bot": {"admins": [4242, "feishu:ou_abc"]},
                      "schedule": {"leaders_chat_id": -100456, "statisticians_chat_id": "feishu:oc_x1"},
                      "summary": {"chats": [{"chat_id": -100123}, {"chat_id": "feishu:oc_y2"}]}})
    assert c.admins == ("tg:4242", "feishu:ou_abc")
    assert (c.schedule.leaders_chat_id, c.schedule.statisticians_chat_id) == ("tg:-100456", "feishu:oc_x1")
    assert [s.chat_id for s in c.summary.chats] == ["tg:-100123", "feishu:oc_y2"]
    assert parse_config({"schedule": {"leaders_chat_id": 0}}).schedule.leaders_chat_id is None
    for doc, key in (({"bot": {"admins": ["alice"]}}, "bot.admins[0]"),
                     ({"schedule": {"leaders_chat_id": "x"}}, "schedule.leaders_chat_id"),
                     ({"summary": {"chats": [{"chat_id": 5}]}}, "summary.chats[0].chat_id")):
        with pytest.raises(ConfigError) as e:
            parse_config(doc)
        assert e.value.key == key


def test_roster_accounts() -> None:
    assert account_user_id("1002") == "tg:1002" and account_user_id("feishu:ou_1") == "feishu:ou_1"
    assert account_user_id("@wangyan") is None and account_user_id(None) is None
    assert normalize_account("feishu:ou_AbC") == "feishu:ou_AbC" and normalize_account("WangYan") == "@wangyan"
