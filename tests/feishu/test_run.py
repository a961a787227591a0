"""``gridbot run`` starts the adapters that are configured, one or both (bot/services.plan_run)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config.feishu import FeishuConfig
from bot.config.settings import Config
from bot.services import plan_run
from handlers.feishu.adapter import FeishuAdapter
from handlers.telegram.adapter import TelegramAdapter

FEISHU = FeishuConfig(enabled=True, app_id="cli_x", app_secret_env="T_RUN_SECRET")


@pytest.fixture
def adapters() -> list:
    return [FeishuAdapter(), TelegramAdapter()]


def test_nothing_configured_is_refused(adapters, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRIDBOT_TOKEN", raising=False)
    assert isinstance(plan_run(adapters, Config()), str)


def test_telegram_alone_and_feishu_alone(adapters, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDBOT_TOKEN", "1:abc")
    host, guests = plan_run(adapters, Config())
    assert (host.name, guests) == ("telegram", ())
    monkeypatch.delenv("GRIDBOT_TOKEN")
    config = dataclasses.replace(Config(), feishu=FEISHU)
    monkeypatch.delenv("T_RUN_SECRET", raising=False)
    assert "T_RUN_SECRET" in plan_run(adapters, config)  # the secret is missing: named, not started
    monkeypatch.setenv("T_RUN_SECRET", "s")
    host, guests = plan_run(adapters, config)
    assert (host.name, guests) == ("feishu", ())


def test_both_share_one_process_telegram_hosting(adapters, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDBOT_TOKEN", "1:abc")
    monkeypatch.setenv("T_RUN_SECRET", "s")
    host, guests = plan_run(adapters, dataclasses.replace(Config(), feishu=FEISHU))
    assert host.name == "telegram" and [g.name for g in guests] == ["feishu"]
