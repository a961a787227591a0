from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, time
from pathlib import Path

import pytest

from bot.config.settings import Config
from bot.core.roster import read_roster_bytes
from bot.sample import roster_bytes
from bot.sample.cast import ADMIN, DAY, GROUP1, GROUP2, LIU, ZHAO
from handlers.offline.bot import OfflineBot


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return dataclasses.replace(Config(), db_path=str(tmp_path / "test.db"), admins=(ADMIN.qid,))


@pytest.fixture
def sample_rows():
    return read_roster_bytes(roster_bytes(), "roster.csv").rows


@pytest.fixture
async def bot(config: Config, sample_rows) -> AsyncIterator[OfflineBot]:
    """The real Application, offline, with the sample roster imported and groups 1 and 2 bound."""
    b = OfflineBot(config, datetime.combine(DAY, time(8, 0), config.tz))
    async with b:
        await b.services.reports.import_roster(sample_rows, "sample")
        b.request.member_status[(GROUP1.id, LIU.id)] = "administrator"
        b.request.member_status[(GROUP2.id, ZHAO.id)] = "administrator"
        await b.post(GROUP1, LIU, "/bind 第一网格", "08:01")
        await b.post(GROUP2, ZHAO, "/bind 第二网格", "08:02")
        yield b
