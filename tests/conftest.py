from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date, datetime, time
from pathlib import Path

import pytest

from bot.config import Config
from bot.roster import read_roster_bytes
from bot.sample import roster_bytes
from handlers.fake import FakeChat, FakeUser
from handlers.offline import OfflineBot

DAY = date(2020, 2, 10)

LIU = FakeUser(1001, "刘志宇", "liuzhiyu")  # leader of 第一网格, linked by @username in the roster
WANG = FakeUser(1002, "王艳", "wangyan_cn")  # member of 第一网格, linked by @username
CHEN = FakeUser(1003, "陈明")  # member of 第一网格 without an account
ZHAO = FakeUser(2001, "赵丽", "zhaoli2020")  # leader of 第二网格
LIUGL = FakeUser(2003, "刘桂兰", "liuguilan")  # member of 第二网格
STRANGER = FakeUser(9999, "路人甲")
ADMIN = FakeUser(4242, "管理员")

GROUP1 = FakeChat(-1001001, "东风村第一网格群")
GROUP2 = FakeChat(-1001002, "东风村第二网格群")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return dataclasses.replace(Config(), db_path=str(tmp_path / "test.db"), admins=(ADMIN.id,))


@pytest.fixture
def sample_rows():
    return read_roster_bytes(roster_bytes(), "roster.csv").rows


@pytest.fixture
async def bot(config: Config, sample_rows) -> AsyncIterator[OfflineBot]:
    """The real Application, offline, with the sample roster imported and groups 1 and 2 bound."""
    b = OfflineBot(config, datetime.combine(DAY, time(8, 0), config.tz))
    async with b:
        await b.services.grid.import_roster(sample_rows, "sample")
        b.request.member_status[(GROUP1.id, LIU.id)] = "administrator"
        b.request.member_status[(GROUP2.id, ZHAO.id)] = "administrator"
        await b.post(GROUP1, LIU, "/bind 第一网格", "08:01")
        await b.post(GROUP2, ZHAO, "/bind 第二网格", "08:02")
        yield b
