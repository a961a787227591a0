"""Pacing and counting of Feishu API calls (handlers/feishu/api.py), with an injected clock."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from handlers.feishu.api import MAX_WAIT_S, ApiCalls, Pacer, _retry_wait
from handlers.feishu.runtime import seconds_until


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, s: float) -> None:
        self.slept.append(round(s, 6))
        self.now += s


async def test_a_pacer_spaces_passes_evenly() -> None:
    t = FakeTime()
    p = Pacer(5.0, t.clock, t.sleep)
    for _ in range(6):
        await p.wait()
    assert t.slept == [0.2] * 5  # six sends to one chat take a second: five a second
    t.now += 10
    await p.wait()
    assert len(t.slept) == 5  # after a pause, at once


def test_calls_are_counted_per_day_and_kind() -> None:
    day = [date(2026, 12, 1)]
    calls = ApiCalls(lambda: day[0])
    for kind in ("send", "send", "token", "reply"):
        calls.count(kind)
    day[0] = date(2026, 12, 2)
    calls.count("send")
    assert calls.on(date(2026, 12, 1)) == {"send": 2, "token": 1, "reply": 1}
    assert calls.on(date(2026, 12, 2)) == {"send": 1}
    assert calls.month(date(2026, 12, 15)) == 5
    assert calls.line(date(2026, 12, 1)) == "4 (reply 1, send 2, token 1)"


def test_the_retry_waits_what_feishu_names_or_backs_off() -> None:
    def resp(headers: dict[str, str]) -> SimpleNamespace:
        return SimpleNamespace(raw=SimpleNamespace(headers=headers))

    assert _retry_wait(resp({"x-ogw-ratelimit-reset": "3"}), 0) == 3.0
    assert _retry_wait(resp({"X-Ogw-Ratelimit-Reset": "999"}), 0) == MAX_WAIT_S
    assert [_retry_wait(resp({}), n) for n in range(3)] == [0.5, 1.0, 2.0]


def test_the_daily_jobs_wait_for_the_next_time_of_day() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    assert seconds_until(datetime(2026, 12, 2, 3, 0, tzinfo=tz), time(3, 45)) == 45 * 60
    assert seconds_until(datetime(2026, 12, 2, 3, 45, tzinfo=tz), time(3, 45)) == 24 * 3600
