"""The tower block's bot (bot/sample/tower.py), for the residents' chain tests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, time
from pathlib import Path

import pytest

from bot.config.settings import Config
from bot.core.roster import read_roster_bytes
from bot.sample import tower
from bot.sample.cast import ADMIN, DAY
from handlers.offline.bot import OfflineBot, replies

A = tower.GROUP_A


@pytest.fixture
async def tbot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    """The tower's roster imported; group A bound to 第一网格 (王芳 leads it), group B to 第二网格."""
    config = dataclasses.replace(Config(), db_path=str(tmp_path / "t.db"), admins=(ADMIN.qid,))
    b = OfflineBot(config, datetime.combine(DAY, time(8, 0), config.tz))
    async with b:
        await b.services.reports.import_roster(read_roster_bytes(tower.csv_bytes(), "t.csv").rows, "tower")
        b.request.member_status[(A.id, tower.WANGF.id)] = "administrator"
        b.request.member_status[(tower.GROUP_B.id, tower.ZHAOQ.id)] = "administrator"
        _, calls = await b.post(A, tower.WANGF, "/bind 第一网格", "08:01")
        assert replies(calls)[0].startswith("✅")
        _, calls = await b.post(tower.GROUP_B, tower.ZHAOQ, "/bind 第二网格", "08:02")
        assert replies(calls)[0].startswith("✅")
        yield b
