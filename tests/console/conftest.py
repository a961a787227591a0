"""The console's tests run on the real PTB Application offline (``bot``, tests/conftest.py), with the sample
village's statistician configured, so that what the console changes can be checked in the chat."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config.settings import Config
from bot.config.stats import RolesConfig, StatisticianEntry
from bot.sample.cast import ADMIN, STATISTICIAN


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return dataclasses.replace(Config(), db_path=str(tmp_path / "console.db"), admins=(ADMIN.qid,),
                               roles=RolesConfig((StatisticianEntry("东风村", STATISTICIAN.qid),)))
