"""/summary through the real PTB Application: the roll-up against figures worked out by hand, the role
matrix, where it may be sent, ranges, and long results split or attached, never cut."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update

from bot.core import texts
from bot.core.figures import ActiveGrid, ActiveMember
from bot.core.roster import RosterRow
from bot.stats.hierarchy import Hierarchy
from bot.stats.periods import Period, parse_period, split_args
from bot.stats.service import fit_plain
from bot.stats.summary import TELEGRAM_LIMIT, paginate, tg_len, to_plain
from handlers.offline.bot import OfflineBot
from handlers.offline.fake import FakeUser, chat_json, user_json
from tests.stats.data import (
    ADMIN,
    DAY,
    EXPECTED_DAY,
    FIGURE_KEYS,
    GRID_GROUP,
    HOUSEHOLDS,
    LIU,
    QIAN,
    STAT_TOWN,
    STAT_VILLAGE,
    STATS_CHAT,
    STRANGER,
    WANG,
    YESTERDAY,
    roster_rows,
    say,
    stats_bot,
    stats_config,
    texts_of,
)


@pytest.fixture
async def sbot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    async with stats_bot(stats_config(tmp_path)) as b:
        yield b


def only_text(calls) -> str:
    [text] = texts_of(calls)
    return text


# ---------------------------------------------------------------------------------------------- arithmetic
async def test_roll_up_matches_the_hand_computed_figures(sbot: OfflineBot) -> None:

    st = sbot.services.stats
    s = await st.summary_for(None, Period(DAY, DAY))
    got = {u["path"]: tuple(u[k] for k in FIGURE_KEYS) for u in s.to_json()["units"]}
    assert got == EXPECTED_DAY
    j = s.to_json()
    assert [(m["member"], m["grid"], m["village"], m["missing"], m["households"]) for m in j["missing"]] == [
        ("王艳", "第一网格", "东风村", 1, 2), ("赵丽", "第二网格", "东风村", 1, 2), ("钱七", "第一网格", "西河村", 2, 2)]
    assert [(a["household"], a["member"], a["detail"]) for a in j["anomalies"]] == [
        ("霍建军", "刘志宇", "发热37.6℃"), ("杜美玲", "王艳", "返乡1人、隔离1人"), ("孙红", "赵丽", "外来人员2人")]


async def test_summary_message_reads_the_figures(sbot: OfflineBot) -> None:
    text = only_text(await say(sbot, ADMIN, "/summary"))
    lines = text.split("\n")
    assert lines[0] == "📊 <b>全部</b> 2月10日 上报汇总"
    assert lines[1] == "<b>全部</b>　网格员 4/5 · 户 6/10"
    assert lines[2] == "　人数 20 · 发热 1 · 返乡 1 · 隔离 1 · 外来 2"
    assert lines[3] == "<b>青山镇</b>　网格员 3/4 · 户 5/9"
    assert lines[5] == "<b>绿水镇</b>　网格员 1/1 · 户 1/1"
    missing = lines[lines.index("⏳ <b>未报</b>（3名网格员，4户）") + 1:][:3]
    assert missing == ["• 王艳（第一网格）未报 1/2户", "• 赵丽（第二网格）未报 1/2户", "• 钱七（第一网格）未报 2/2户"]
    anomalies = lines[lines.index("⚠️ <b>异常</b>（3户）") + 1:]
    assert anomalies == ["• 🌡 霍建军家（刘志宇，第一网格）发热37.6℃", "• 杜美玲家（王艳，第一网格）返乡1人、隔离1人",
                         "• 孙红家（赵丽，第二网格）外来人员2人"]


async def test_grid_rows_are_members(sbot: OfflineBot) -> None:
    text = only_text(await say(sbot, ADMIN, "/summary 东风村/第一网格"))
    assert text.startswith("📊 <b>东风村第一网格</b> 2月10日 上报汇总\n<b>东风村第一网格</b>　网格员 2/2 · 户 4/5\n"
                           "　人数 14 · 发热 1 · 返乡 1 · 隔离 1 · 外来 0\n"
                           "✅ <b>刘志宇</b>　户 3/3\n　人数 10 · 发热 1 · 返乡 0 · 隔离 0 · 外来 0\n"
                           "⏳ <b>王艳</b>　户 1/2\n　人数 4 · 发热 0 · 返乡 1 · 隔离 1 · 外来 0\n")


async def test_yesterday_and_a_range(sbot: OfflineBot) -> None:
    text = only_text(await say(sbot, ADMIN, "/summary 昨天 东风村"))
    assert "📊 <b>东风村</b> 2月9日 上报汇总" in text
    assert "<b>东风村</b>　网格员 1/3 · 户 1/7\n　人数 9 · 发热 1 · " in text
    text = only_text(await say(sbot, ADMIN, "/summary 2020-02-09 2020-02-10 东风村"))
    assert "2月9日—2月10日（2天）" in text
    # member-days 6 (4 reported), household-days 14 (6 covered), people 9 + 17, fever 1 + 1
    assert "<b>东风村</b>　网格员 4/6人次 · 户次 6/14\n　人数 26 · 发热 2 · 返乡 1 · 隔离 1 · 外来 2" in text
    anomalies = text.split("⚠️ <b>异常</b>（4户次）\n")[1].split("\n")
    assert anomalies[:2] == ["• 2月9日 🌡 王建国家（刘志宇，第一网格）发热38.0℃",
                             "• 2月10日 🌡 霍建军家（刘志宇，第一网格）发热37.6℃"]  # fever first, then by day


async def test_values_are_html_escaped(tmp_path: Path) -> None:
    cfg = stats_config(tmp_path)
    async with stats_bot(cfg) as b:
        await b.services.reports.import_roster(
            [RosterRow(2, "青山镇", "<b>村</b>", "A&B组", "张<三>", None, "户<1>", "", 2)], "x")
        text = only_text(await say(b, ADMIN, "/summary A&B组"))
        assert "A&amp;B组" in text and "张&lt;三&gt;" in text and "<b>村</b>" not in text
        assert "&lt;b&gt;村&lt;/b&gt;A&amp;B组" in text


# ---------------------------------------------------------------------------------------------- roles
NO_DATA = texts.STATS_NO_ROLE


@pytest.mark.parametrize(
    ("user", "args", "expect"),
    [
        (ADMIN, "", "全部"),
        (ADMIN, "绿水镇", "绿水镇"),
        (ADMIN, "东风村/第一网格", "东风村第一网格"),
        (STAT_TOWN, "", "青山镇"),
        (STAT_TOWN, "东风村", "东风村"),
        (STAT_TOWN, "第二网格", "东风村第二网格"),
        (STAT_TOWN, "西河村/第一网格", "西河村第一网格"),
        (STAT_TOWN, "绿水镇", texts.STATS_UNIT_NOT_ALLOWED.format(scope="青山镇")),
        (STAT_TOWN, "全部", texts.STATS_UNIT_NOT_ALLOWED.format(scope="青山镇")),
        (STAT_VILLAGE, "", "西河村"),
        (STAT_VILLAGE, "东风村", texts.STATS_UNIT_NOT_ALLOWED.format(scope="西河村")),
        (LIU, "", "东风村第一网格"),
        (LIU, "第一网格", "东风村第一网格"),  # two grids have this name; he sees one
        (LIU, "东风村", texts.STATS_UNIT_NOT_ALLOWED.format(scope="东风村第一网格")),
        (LIU, "第二网格", texts.STATS_UNIT_NOT_ALLOWED.format(scope="东风村第一网格")),
        (QIAN, "", "西河村第一网格"),
        (QIAN, "东风村/第一网格", texts.STATS_UNIT_NOT_ALLOWED.format(scope="西河村第一网格")),
        (WANG, "", "第一网格 王艳"),
        (WANG, "第一网格", texts.STATS_UNIT_NOT_ALLOWED.format(scope="第一网格 王艳")),
        (STRANGER, "", NO_DATA),
        (STRANGER, "东风村", NO_DATA),
        (STRANGER, "全部", NO_DATA),
    ],
)
async def test_role_matrix(sbot: OfflineBot, user: FakeUser, args: str, expect: str) -> None:
    await say(sbot, ADMIN, "/statistician add @tongji_xh 西河村")
    text = only_text(await say(sbot, user, f"/summary {args}".strip()))
    if expect.startswith(("抱歉", "您只能")):
        assert text == expect
        assert not any(h in text for h in HOUSEHOLDS)
    else:
        assert text.startswith(f"📊 <b>{expect}</b> 2月10日 上报汇总")


async def test_what_each_role_sees_of_the_households(sbot: OfflineBot) -> None:
    def seen(text: str) -> set[str]:
        return {h for h in HOUSEHOLDS if f"{h}家" in text or h in text.split("：")[-1]}

    assert seen(only_text(await say(sbot, ADMIN, "/summary"))) == {"霍建军", "杜美玲", "孙红"}
    assert seen(only_text(await say(sbot, LIU, "/summary"))) == {"霍建军", "杜美玲"}
    # a member sees her own households, the missing ones by name
    mine = only_text(await say(sbot, WANG, "/summary"))
    assert "• 王艳（第一网格）未报 1/2户：高丽娟" in mine and "杜美玲家" in mine and "霍建军" not in mine
    assert seen(only_text(await say(sbot, QIAN, "/summary"))) == set()


async def test_ambiguous_and_unknown_names(sbot: OfflineBot) -> None:
    text = only_text(await say(sbot, ADMIN, "/summary 第一网格"))
    assert text == texts.STATS_UNIT_AMBIGUOUS.format(name="第一网格", examples="青山镇/东风村/第一网格、青山镇/西河村/第一网格")
    assert "没有找到“北山村”" in only_text(await say(sbot, ADMIN, "/summary 北山村"))


# ---------------------------------------------------------------------------------------------- where
async def test_grid_group_is_refused_even_for_an_admin(sbot: OfflineBot) -> None:
    for user in (ADMIN, LIU, STRANGER):
        assert only_text(await say(sbot, user, "/summary", GRID_GROUP)) == texts.STATS_GROUP_REFUSED.format(
            cmd="summary")
        assert only_text(await say(sbot, user, "/chart", GRID_GROUP)) == texts.STATS_GROUP_REFUSED.format(cmd="chart")


async def test_statisticians_chat_shows_its_scope_to_those_with_a_role(sbot: OfflineBot) -> None:
    await say(sbot, ADMIN, "/statistician add @tongji_xh 西河村")
    # the town statistician sees the chat's village, not the whole town
    assert only_text(await say(sbot, STAT_TOWN, "/summary", STATS_CHAT)).startswith("📊 <b>东风村</b> 2月10日")
    assert only_text(await say(sbot, STAT_TOWN, "/summary 西河村", STATS_CHAT)) == \
        texts.STATS_UNIT_NOT_ALLOWED.format(scope="东风村")
    assert only_text(await say(sbot, ADMIN, "/summary", STATS_CHAT)).startswith("📊 <b>东风村</b> 2月10日")
    assert only_text(await say(sbot, WANG, "/summary", STATS_CHAT)).startswith("📊 <b>第一网格 王艳</b>")
    assert only_text(await say(sbot, STAT_VILLAGE, "/summary", STATS_CHAT)) == \
        texts.STATS_NOT_IN_CHAT.format(scope="东风村")
    assert only_text(await say(sbot, STRANGER, "/summary", STATS_CHAT)) == texts.STATS_NO_ROLE


async def test_export_and_chart_refusals(sbot: OfflineBot) -> None:
    calls = await say(sbot, ADMIN, "/export", STATS_CHAT)
    assert texts_of(calls) == [texts.STATS_PRIVATE_ONLY.format(cmd="export")]
    assert not any(c.method == "sendDocument" for c in calls)
    calls = await say(sbot, STRANGER, "/export")
    assert texts_of(calls) == [texts.STATS_NO_ROLE] and not any(c.method == "sendDocument" for c in calls)
    calls = await say(sbot, STRANGER, "/chart 7")
    assert texts_of(calls) == [texts.STATS_NO_ROLE] and not any(c.method == "sendPhoto" for c in calls)


# ---------------------------------------------------------------------------------------------- /statistician
async def test_statistician_command(sbot: OfflineBot) -> None:
    assert only_text(await say(sbot, STAT_VILLAGE, "/summary")) == texts.STATS_NO_ROLE
    assert only_text(await say(sbot, LIU, "/statistician add @tongji_xh 西河村")) == texts.STRANGER
    assert only_text(await say(sbot, ADMIN, "/statistician add @tongji_xh 第一网格")) == \
        texts.STAT_SCOPE_BAD.format(scope="第一网格")
    assert only_text(await say(sbot, ADMIN, "/statistician add @tongji_xh 西河村")) == \
        texts.STAT_ADDED.format(user="@tongji_xh", scope="青山镇/西河村")
    assert only_text(await say(sbot, ADMIN, "/statistician add @tongji_xh 西河村")) == \
        texts.STAT_EXISTS.format(user="@tongji_xh", scope="青山镇/西河村")
    listing = only_text(await say(sbot, ADMIN, "/statistician"))
    assert "5001：青山镇（配置文件）" in listing and "@tongji_xh：青山镇/西河村" in listing
    assert only_text(await say(sbot, STAT_VILLAGE, "/summary")).startswith("📊 <b>西河村</b>")
    assert only_text(await say(sbot, ADMIN, "/statistician del @tongji_xh")) == \
        texts.STAT_REMOVED.format(user="@tongji_xh", n=1)
    assert only_text(await say(sbot, STAT_VILLAGE, "/summary")) == texts.STATS_NO_ROLE


async def test_statistician_by_replying_to_a_message(sbot: OfflineBot) -> None:
    when = int(sbot.clock.now.timestamp())
    update = Update.de_json({"update_id": 777, "message": {
        "message_id": 900, "date": when, "chat": chat_json(STATS_CHAT), "from": user_json(ADMIN),
        "text": "/statistician add 西河村", "entities": [{"type": "bot_command", "offset": 0, "length": 13}],
        "reply_to_message": {"message_id": 899, "date": when, "chat": chat_json(STATS_CHAT), "from": user_json(QIAN),
                             "text": "我来统计西河村"}}}, sbot.app.bot)
    calls = await sbot.feed(update)
    assert texts_of(calls) == [texts.STAT_ADDED.format(user="钱七", scope="青山镇/西河村")]
    assert only_text(await say(sbot, QIAN, "/summary")).startswith("📊 <b>西河村</b>")


# ---------------------------------------------------------------------------------------------- long results
def _crowd(n: int) -> list[RosterRow]:
    return [RosterRow(i + 2, "青山镇", "大村", "大网格", f"网格员{i:03d}号", None, f"住户{i:03d}", "", 1)
            for i in range(n)]


@pytest.mark.parametrize("max_messages", [20, 2])
async def test_long_summary_is_split_or_attached_never_cut(tmp_path: Path, max_messages: int) -> None:
    cfg = stats_config(tmp_path, max_messages=max_messages)
    async with stats_bot(cfg) as b:
        await b.services.reports.import_roster(_crowd(300), "crowd")
        calls = await say(b, ADMIN, "/summary 大网格")
        msgs = texts_of(calls)
        docs = [c for c in calls if c.method == "sendDocument"]
        assert all(tg_len(m) <= TELEGRAM_LIMIT for m in msgs)
        for m in msgs:  # every message is well-formed HTML on its own
            assert len(re.findall("<b>", m)) == len(re.findall("</b>", m))
        assert 1 <= len(msgs) <= max_messages
        if max_messages == 20:
            assert len(msgs) > 1 and not docs
            body = "\n".join(msgs)
        else:
            [doc] = docs
            name, data, _ = doc.file()
            assert name == "汇总_大村大网格_2020-02-10.txt"
            body = data.decode("utf-8")
            assert texts.SUMMARY_LONG_NOTE.format(missing=300, anomalies=0) in html.unescape(msgs[-1])
        for i in range(300):  # every member is there, as a row and as missing
            assert body.count(f"网格员{i:03d}号") == 2


def test_paginate_breaks_between_lines_and_cuts_only_an_overlong_line() -> None:
    lines = [f"<b>第{i}行</b> " + "字" * 50 for i in range(300)] + ["&amp;" * 3000]
    pages = paginate(lines, limit=1000)
    assert all(tg_len(p) <= 1000 for p in pages)
    normal = [p for p in pages if "&amp;" not in p]
    long_pieces = [p for p in pages if "&amp;" in p]
    assert "\n".join(normal).split("\n") == lines[:-1]  # in order, whole lines, nothing lost
    assert len(long_pieces) > 1 and all("<" not in p for p in long_pieces)
    assert html.unescape("".join(long_pieces)) == "&" * 3000  # the overlong line is cut, but all there


def test_digest_text_fits_one_message_and_says_what_it_left_out() -> None:
    lines = ["📊 <b>全部</b> 2月10日 上报汇总", "<b>全部</b>　网格员 1/500", "",
             "⏳ <b>未报</b>（500名网格员，500户）"] + [f"• 网格员{i}（网格）未报 1/1户" for i in range(500)] + \
            ["", "⚠️ <b>异常</b>（300户）"] + [f"• 🌡 住户{i}家（网格员，网格）发热38℃" for i in range(300)]
    text = fit_plain(lines, 3600)
    assert tg_len(text) <= 3600
    assert text.startswith("📊 全部 2月10日 上报汇总\n全部　网格员 1/500\n\n⏳ 未报（500名网格员，500户）")
    shown = text.count("未报 1/1户")
    assert f"……另有{500 - shown}条未列出" in text
    assert text.endswith(texts.DIGEST_TAIL)
    assert fit_plain(lines[:6], 3600) == to_plain(lines[:6])  # a short one is unchanged


# ---------------------------------------------------------------------------------------------- pure helpers
def test_periods() -> None:
    assert parse_period("昨天", DAY) == Period(YESTERDAY, YESTERDAY)
    assert parse_period("本周", DAY) == Period(DAY, DAY)  # 2020-02-10 is a Monday
    assert parse_period("本周", DAY.replace(day=13)) == Period(DAY, DAY.replace(day=13))
    assert parse_period("上周", DAY) == Period(DAY.replace(day=3), DAY.replace(day=9))
    assert parse_period("2月1日-2月10日", DAY) == Period(DAY.replace(day=1), DAY)
    assert parse_period("2020/2/1~2020-02-03", DAY) == Period(DAY.replace(day=1), DAY.replace(day=3))
    assert parse_period("12月30日", DAY) == Period(DAY.replace(year=2019, month=12, day=30),
                                                   DAY.replace(year=2019, month=12, day=30))
    assert parse_period("近7天", DAY) == Period(DAY.replace(day=4), DAY)
    assert parse_period("２０２０－０２－０８", DAY) == Period(DAY.replace(day=8), DAY.replace(day=8))
    assert parse_period("东风村", DAY) is None and parse_period("2月30日", DAY) is None
    a = split_args("2020-02-01 2020-02-05 东风村 csv", DAY, flags=("csv",))
    assert a.period == Period(DAY.replace(day=1), DAY.replace(day=5)) and a.name == "东风村" and a.flags == {"csv"}
    assert split_args("青山镇 东风村", DAY).name == "青山镇/东风村"


def test_hierarchy_lookup() -> None:
    grids = [ActiveGrid(1, "镇", "甲村", "一组", None, None), ActiveGrid(2, "镇", "乙村", "一组", None, None),
             ActiveGrid(3, "", "", "散户组", None, None)]
    h = Hierarchy(grids, [ActiveMember(10, 1, "张三", None, None), ActiveMember(11, 3, "李四", None, None)])
    assert [u.path for u in h.find("一组")] == ["镇/甲村/一组", "镇/乙村/一组"]
    assert [u.path for u in h.find("乙村/一组")] == ["镇/乙村/一组"]
    assert h.find_one("全部") is h.root
    assert h.members[11].path == "（未填镇）/（未填村）/散户组/李四"
    assert h.find_one("甲村").contains(h.members[10]) and not h.find_one("乙村").contains(h.members[10])


async def test_member_at_report_time_moves_with_the_household(tmp_path: Path) -> None:
    """A household handed to another member counts for its current member (today's roster decides)."""
    async with stats_bot(stats_config(tmp_path)) as b:

        rows = [dataclasses.replace(r, member="王艳", account="@wangyan_cn") if r.household == "霍建军" else r
                for r in roster_rows()]
        await b.services.reports.import_roster(rows, "moved")
        s = await b.services.stats.summary_for("东风村/第一网格", Period(DAY, DAY))
        j = {u["path"]: u for u in s.to_json()["units"]}
        assert j["青山镇/东风村/第一网格/王艳"]["households"] == 3
        assert j["青山镇/东风村/第一网格/王艳"]["households_covered"] == 2
        assert j["青山镇/东风村/第一网格/王艳"]["fever"] == 1
        assert j["青山镇/东风村/第一网格"]["households_covered"] == 4  # the grid's total is unchanged
