"""A member's messages that are not reports of their own households, through the real PTB Application:
a number read as a room (never another member's household), and answers to the bot's questions."""

from __future__ import annotations

import json
from pathlib import Path

import bot.sample as bot_sample
from bot.core.roster import load_roster
from bot.core.template import default_template
from bot.parser import parse_rooms
from bot.sample.cast import DAY, GROUP1, WANG
from handlers.offline.bot import OfflineBot, replies


async def stored(bot: OfflineBot) -> dict[str, tuple[str, dict, str]]:
    """Today's rows: household → (credited member, data, via)."""
    got = await bot.services.db.fetchall(
        "SELECT h.name, m.name, r.data, r.via FROM reports r JOIN households h ON h.id = r.household_id "
        "JOIN members m ON m.id = r.member_id WHERE r.day = ?", (DAY.isoformat(),))
    return {r[0]: (r[1], json.loads(r[2]), r[3]) for r in got}


# ------------------------------------------------------------------ a member's number is no residents' chain


async def test_a_members_bare_number_credits_no_other_members_household(bot: OfflineBot) -> None:
    """东风村一组15号 is 白三虎's (刘志宇's household): 王艳 writing ``15`` or ``15 36.5`` reports nothing."""
    for text in ("15", "15 36.5", "15\n今天都在家吗", "15-3"):
        _, calls = await bot.post(GROUP1, WANG, text, "09:00")
        assert not any("住户接龙" in r for r in replies(calls)), (text, replies(calls))
    assert await stored(bot) == {}


async def test_a_clear_residents_chain_reposted_by_a_member_is_still_read(bot: OfflineBot) -> None:
    roster = await bot.services.reports.roster()
    chain = "#接龙 今日排查\n1. 15-6\n2. 42-1"
    assert parse_rooms(chain, roster, bot.services.config.template).clear
    _, calls = await bot.post(GROUP1, WANG, chain, "09:00")
    assert any("住户接龙" in r for r in replies(calls)), replies(calls)
    got = await stored(bot)
    assert got["白三虎"][0] == "刘志宇" and got["白三虎"][2] == "resident"
    assert got["白三虎"][1]["people"] == 6


def test_what_a_clear_chain_is() -> None:
    roster = load_roster(Path(bot_sample.__file__).parent / "roster.csv")
    tpl = default_template()
    assert not parse_rooms("15", roster, tpl).clear
    assert not parse_rooms("15 36.5\n今天都挺好的\n有事找我", roster, tpl).clear
    assert parse_rooms("15-6\n42-1", roster, tpl).clear
    assert parse_rooms("接龙\n15-6", roster, tpl).clear
    assert parse_rooms("1. 门牌号-人数\n2. 15-6", roster, tpl).clear
