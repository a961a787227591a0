"""The pure part of deadlines and reminders: settings, active days, the plan, the grace rule, arguments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, load_config
from bot.config.reminders import GridSchedule, ScheduleConfig
from bot.config.settings import parse_config
from bot.config.values import parse_hhmm
from bot.core.reminders import OFF, MemberProgress, Override, Pause
from bot.reminders.args import parse_day_ahead, parse_day_range, parse_schedule_args
from bot.reminders.schedule import (
    apply_override,
    decide,
    grid_plan,
    is_active_day,
    missing_members,
    timing,
)
from storage.reminders import override_from_row, override_to_row

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2020, 2, 10)  # a Monday


def at(hhmm: str, day: date = DAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), TZ)


def test_example_config_documents_the_defaults() -> None:
    assert load_config(ROOT / "config.example.toml").schedule == ScheduleConfig()


def test_schedule_section_parsed() -> None:
    c = parse_config({"schedule": {
        "open": "", "reminders": ["17:30", "16:00"], "deadline": "18:00", "escalate": "19:00",
        "digest": "19:30", "statisticians_chat_id": -100123, "leaders_chat_id": -100456, "days": "weekdays",
        "start_date": date(2020, 2, 1), "end_date": "2020-03-31", "grace_minutes": 15, "thanks": "谢谢{name}",
    }})
    s = c.schedule
    assert s.open is None and s.reminders == (time(16, 0), time(17, 30)) and s.escalate == time(19, 0)
    assert s.digest == time(19, 30) and s.statisticians_chat_id == "tg:-100123" and s.leaders_chat_id == "tg:-100456"
    assert s.days == "weekdays" and s.start_date == date(2020, 2, 1) and s.end_date == date(2020, 3, 31)
    assert s.grace == timedelta(minutes=15) and s.thanks == "谢谢{name}"


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"deadline": "25:00"}, "schedule.deadline"),
        ({"reminders": "16:00"}, "schedule.reminders"),
        ({"reminders": ["18:30"]}, "schedule"),
        ({"escalate": "17:00"}, "schedule"),
        ({"days": "sundays"}, "schedule.days"),
        ({"grace_minutes": -1}, "schedule.grace_minutes"),
        ({"digest": "19:00"}, "schedule.statisticians_chat_id"),
        ({"start_date": "2020-03-01", "end_date": "2020-02-01"}, "schedule.end_date"),
        ({"thanks": "谢谢{who}"}, "schedule.thanks"),
        ({"send_rate": 100}, "schedule.send_rate"),
        ({"leaders_chat_id": "网格长群"}, "schedule.leaders_chat_id"),
        ({"nag": True}, "schedule.nag"),
    ],
)
def test_bad_schedule_names_the_key(section: dict, key: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({"schedule": section})
    assert e.value.key == key


def test_active_days() -> None:
    every = ScheduleConfig()
    weekdays = ScheduleConfig(days="weekdays")
    campaign = ScheduleConfig(start_date=date(2020, 2, 1), end_date=date(2020, 2, 14))
    saturday = date(2020, 2, 15)
    assert is_active_day(every, saturday) and not is_active_day(weekdays, saturday)
    assert is_active_day(weekdays, DAY)
    assert is_active_day(campaign, date(2020, 2, 1)) and is_active_day(campaign, date(2020, 2, 14))
    assert not is_active_day(campaign, date(2020, 1, 31)) and not is_active_day(campaign, saturday)
    assert not is_active_day(ScheduleConfig(enabled=False), DAY)


def test_pause_covers_through_its_day() -> None:
    p = Pause(until=date(2020, 2, 11))
    assert p.covers(DAY) and p.covers(date(2020, 2, 11)) and not p.covers(date(2020, 2, 12))
    assert Pause().covers(date(2030, 1, 1))


def test_plan_and_overrides() -> None:
    base = ScheduleConfig().grid_defaults()
    plan = grid_plan(base, DAY, TZ)
    assert [(s.kind, s.at.strftime("%H:%M")) for s in plan] == [
        ("open", "08:00"), ("remind:16:00", "16:00"), ("remind:17:30", "17:30"), ("deadline", "18:00"),
        ("escalate", "18:30"),
    ]
    assert all(s.at.tzinfo is TZ for s in plan)
    gs = apply_override(base, Override(open=OFF, reminders=(time(15, 0),), deadline=time(17, 0)))
    assert gs == GridSchedule(None, (time(15, 0),), time(17, 0), time(18, 30))
    ov = Override(open=OFF, reminders=(time(15, 0), time(16, 0)), escalate=time(19, 0))
    row = override_to_row(ov)
    assert row == {"open_at": "off", "reminders": "15:00,16:00", "deadline": None, "escalate_at": "19:00"}
    assert override_from_row(row) == ov


def test_plan_with_a_day_cutoff_puts_early_times_on_the_next_day() -> None:
    gs = GridSchedule(None, (time(23, 0),), time(1, 0), None)  # a night shift: the deadline is at 01:00
    plan = grid_plan(gs, DAY, TZ, cutoff=time(4, 0))
    assert [s.at for s in plan] == [at("23:00"), at("01:00", DAY + timedelta(days=1))]


def test_grace_rule() -> None:
    grace = timedelta(minutes=30)
    assert timing(at("18:00"), at("17:59"), grace) == "early"
    assert timing(at("18:00"), at("17:59:57"), grace) == "due"  # scheduler jitter
    assert timing(at("18:00"), at("18:00"), grace) == "due"
    assert timing(at("18:00"), at("18:30"), grace) == "due"
    assert timing(at("18:00"), at("18:31"), grace) == "missed"


def test_decide_sends_only_the_latest_group_message() -> None:
    plan = grid_plan(ScheduleConfig().grid_defaults(), DAY, TZ)
    grace = timedelta(minutes=60)
    got = {d.slot.kind: d.send for d in decide(plan, at("18:20"), grace, claimed=())}
    assert got == {"remind:17:30": False, "deadline": True}
    got = {d.slot.kind: d.send for d in decide(plan, at("18:25"), grace, claimed={"deadline"})}
    assert got == {"remind:17:30": False}  # never a reminder after the deadline went out
    got = {d.slot.kind: d.send for d in decide(plan, at("18:30"), grace, claimed={"deadline", "remind:17:30"})}
    assert got == {"escalate": True}
    assert decide(plan, at("18:40"), grace, claimed={"deadline", "escalate"}) == []


def test_missing_members() -> None:
    progress = [
        MemberProgress(1, 1, "刘志宇", 15, 15, 1001, "liuzhiyu"),
        MemberProgress(2, 1, "王艳", 17, 15, 1002, "wangyan_cn"),
        MemberProgress(3, 1, "陈明", 16, 0, 1003, None),
        MemberProgress(4, 1, "周强", 14, 0, None, "zhouqiang"),  # a roster username, not linked yet
        MemberProgress(5, 1, "李秀英", 15, 0),
        MemberProgress(6, 1, "空户", 0, 0),
    ]
    missing = missing_members(progress, on_leave={5})
    assert [(m.name, m.username, m.user_id, m.missing, m.partial) for m in missing] == [
        ("王艳", "wangyan_cn", 1002, 2, True),
        ("陈明", None, 1003, 16, False),
        ("周强", None, None, 14, False),
    ]


def test_parse_times_and_days() -> None:
    assert parse_hhmm("18:00") == time(18, 0) and parse_hhmm("18：30") == time(18, 30)
    assert parse_hhmm("18点") == time(18, 0) and parse_hhmm("25:00") is None and parse_hhmm("明天") is None
    assert parse_day_ahead("2月15日", DAY) == date(2020, 2, 15)
    assert parse_day_ahead("2月1日", DAY) == date(2020, 2, 1)  # the closest: this year's, in the past
    assert parse_day_ahead("1月3日", date(2020, 12, 28)) == date(2021, 1, 3)
    assert parse_day_ahead("2020-02-15", DAY) == date(2020, 2, 15) and parse_day_ahead("2/15", DAY) == date(2020, 2, 15)
    assert parse_day_ahead("15日", DAY) == date(2020, 2, 15) and parse_day_ahead("明天", DAY) == date(2020, 2, 11)
    assert parse_day_ahead("2月30日", DAY) is None and parse_day_ahead("下周", DAY) is None
    assert parse_day_range("2月10日-2月12日", DAY) == (date(2020, 2, 10), date(2020, 2, 12))
    assert parse_day_range("2月10日至12日", DAY) == (date(2020, 2, 10), date(2020, 2, 12))
    assert parse_day_range("2020-02-10 到 2020-02-12", DAY) == (date(2020, 2, 10), date(2020, 2, 12))
    assert parse_day_range("2月11日", DAY) == (date(2020, 2, 11), date(2020, 2, 11))
    assert parse_day_range("2月12日-2月10日", DAY) is None
    assert parse_day_range("请假", DAY) is None


def test_parse_schedule_args() -> None:
    e = parse_schedule_args(["截止", "17:00", "提醒", "15:00,16:30", "开始", "关"])
    assert e.error is None
    assert e.override == Override(open=OFF, reminders=(time(15, 0), time(16, 30)), deadline=time(17, 0))
    assert parse_schedule_args(["默认"]).reset
    assert parse_schedule_args(["提醒", "关"]).override.reminders == ()
    assert parse_schedule_args(["截止"]).error
    assert parse_schedule_args(["截止", "17:00", "18:00"]).error
    assert parse_schedule_args(["截止", "五点"]).error
    assert parse_schedule_args(["17:00"]).error
