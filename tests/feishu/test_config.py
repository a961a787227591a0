"""The ``[feishu]`` config section (bot/config/feishu.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.feishu import CALLBACK, WEBSOCKET
from bot.config.settings import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_holds_the_defaults() -> None:
    c = load_config(ROOT / "config.example.toml")
    assert c.feishu == parse_config({}).feishu
    assert not c.feishu.enabled
    assert c.feishu.mode == WEBSOCKET
    assert c.feishu.base_url == "https://open.feishu.cn"


def test_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    c = parse_config({"feishu": {"enabled": True, "app_id": "cli_a1", "mode": "callback",
                                 "app_secret_env": "X_SECRET", "verification_token_env": "X_TOKEN",
                                 "encrypt_key_env": "X_KEY"}}).feishu
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.delenv("X_TOKEN", raising=False)
    monkeypatch.delenv("X_KEY", raising=False)
    assert c.mode == CALLBACK
    assert c.missing() == ["X_SECRET", "X_TOKEN"]
    monkeypatch.setenv("X_SECRET", "s3cret")
    monkeypatch.setenv("X_TOKEN", "tok")
    monkeypatch.setenv("X_KEY", "k")
    assert c.missing() == []
    assert (c.app_secret(), c.verification_token(), c.encrypt_key()) == ("s3cret", "tok", "k")


def test_websocket_mode_needs_no_verification_token(monkeypatch: pytest.MonkeyPatch) -> None:
    c = parse_config({"feishu": {"enabled": True, "app_id": "cli_a1"}}).feishu
    monkeypatch.setenv(c.app_secret_env, "s")
    monkeypatch.delenv(c.verification_token_env, raising=False)
    assert c.missing() == []


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"enabled": True}, "feishu.app_id"),
        ({"mode": "polling"}, "feishu.mode"),
        ({"base_url": "open.feishu.cn"}, "feishu.base_url"),
        ({"port": 70000}, "feishu.port"),
        ({"path": "events"}, "feishu.path"),
        ({"chat_rate": 6}, "feishu.chat_rate"),
        ({"app_rate": 0}, "feishu.app_rate"),
        ({"max_retries": -1}, "feishu.max_retries"),
        ({"app_secret": "inline"}, "feishu.app_secret"),  # a secret in the file is refused: unknown key
        ({"app_secret_env": ""}, "feishu.app_secret_env"),
        ({"enabled": "yes"}, "feishu.enabled"),
    ],
)
def test_invalid_values_name_the_key(section: dict, key: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({"feishu": section})
    assert e.value.key == key
