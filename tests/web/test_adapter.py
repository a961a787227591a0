"""The web console as an adapter: ``gridbot run`` makes it a guest of the chat adapter (one process, one set of
services), and as the Telegram Application's guest it serves while the bot runs and stops with it."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time
from pathlib import Path

import aiohttp
import pytest

from bot.config.settings import Config
from bot.config.web import WebConfig
from bot.sample.cast import DAY
from bot.services import plan_run
from handlers.feishu.adapter import FeishuAdapter
from handlers.offline.bot import OfflineBot
from handlers.telegram.adapter import TelegramAdapter
from handlers.web.adapter import WebAdapter


def test_gridbot_run_hosts_the_console_as_a_guest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDBOT_TOKEN", "123:abc")
    on = dataclasses.replace(Config(), web=WebConfig(enabled=True))
    adapters = [FeishuAdapter(), TelegramAdapter(), WebAdapter()]
    host, guests = plan_run(adapters, on)  # type: ignore[misc]
    assert host.name == "telegram" and [g.name for g in guests] == ["web"]
    monkeypatch.delenv("GRIDBOT_TOKEN")
    host, guests = plan_run(adapters, on)  # type: ignore[misc]
    assert host.name == "web" and guests == ()  # alone, it serves on services of its own
    assert isinstance(plan_run(adapters, Config()), str)  # nothing configured


async def test_the_console_serves_as_the_applications_guest(tmp_path: Path) -> None:
    config = dataclasses.replace(Config(), db_path=str(tmp_path / "g.db"), web=WebConfig(enabled=True, port=0))
    web = WebAdapter()
    bot = OfflineBot(config, datetime.combine(DAY, time(8, 0), config.tz), guests=(web,))
    async with bot:
        assert web.port
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{web.port}/") as r:
            assert r.status == 200 and "/web" in await r.text()
            assert r.headers["Cache-Control"] == "no-store"
    assert web.runner is None  # stopped with the Application
