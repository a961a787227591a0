"""The answer window (``reporting.answer_window_minutes``): how long after the bot's question a member's plain
next message (not a reply) is taken as its answer, per deployment, through the real PTB Application."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.config.settings import Config, ConfigError, parse_config
from bot.sample.cast import ADMIN, DAY, GROUP1, WANG
from handlers.offline.bot import OfflineBot, replies


@pytest.fixture
def config(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    minutes = getattr(request, "param", 15)
    return dataclasses.replace(Config(), db_path=str(tmp_path / "test.db"), admins=(ADMIN.qid,),
                               answer_window_minutes=minutes)


async def people(bot: OfflineBot) -> tuple[object, list[str]]:
    r = await bot.services.db.fetchone(
        "SELECT r.data, r.uncertain FROM reports r JOIN households h ON h.id = r.household_id "
        "WHERE h.name = '杜美玲' AND r.day = ?", (DAY.isoformat(),))
    return json.loads(r[0])["people"], json.loads(r[1])


async def question(bot: OfflineBot, when: str) -> int:
    _, calls = await bot.post(GROUP1, WANG, "杜美玲家共人，体温36.5", when)
    [sent] = [c for c in calls if c.method == "sendMessage"]
    assert "❓ 杜美玲家的人数没看清" in sent.params["text"], sent.params["text"]
    return int(sent.result["message_id"])


@pytest.mark.parametrize("config", [5], indirect=True)
async def test_a_shorter_window_is_kept(bot: OfflineBot) -> None:
    await question(bot, "09:00")
    await bot.post(GROUP1, WANG, "4个人。", "09:06")  # 6 minutes later: no answer in this deployment
    assert await people(bot) == (None, ["people"])
    await question(bot, "09:10")
    _, calls = await bot.post(GROUP1, WANG, "4个人。", "09:14")
    assert replies(calls) == ["✅ 已补上 杜美玲家：人数4"]
    assert await people(bot) == (4, [])


@pytest.mark.parametrize("config", [60], indirect=True)
async def test_a_longer_window_is_kept(bot: OfflineBot) -> None:
    await question(bot, "09:00")
    _, calls = await bot.post(GROUP1, WANG, "四口人", "09:45")  # beyond the default 15, within 60
    assert replies(calls) == ["✅ 已补上 杜美玲家：人数4"]
    assert await people(bot) == (4, [])


@pytest.mark.parametrize("config", [0], indirect=True)
async def test_no_window_only_a_reply_answers(bot: OfflineBot) -> None:
    asked = await question(bot, "09:00")
    await bot.post(GROUP1, WANG, "4人", "09:00")
    assert await people(bot) == (None, ["people"])
    _, calls = await bot.post(GROUP1, WANG, "4人", "09:30", reply_to=asked)  # a reply: any time
    assert replies(calls) == ["✅ 已补上 杜美玲家：人数4"]
    assert await people(bot) == (4, [])


def test_the_window_is_read_from_the_config() -> None:
    assert Config().answer_window_minutes == 15
    assert parse_config({"reporting": {"answer_window_minutes": 30}}).answer_window_minutes == 30
    assert parse_config({"reporting": {"answer_window_minutes": 0}}).answer_window_minutes == 0


@pytest.mark.parametrize("value", [-1, 121, 15.5, "15", True])
def test_a_window_out_of_bounds_names_the_key(value: object) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({"reporting": {"answer_window_minutes": value}})
    assert e.value.key == "reporting.answer_window_minutes"
