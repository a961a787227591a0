"""Benchmark: 300 groups share one deadline minute. How long does the dispatch take, and does it stay within
Telegram's flood limits?

The Bot API here is a stand-in (a PTB request object, no network) that enforces the limits the way a strict
server would: at most 30 messages in any one-second window over all chats, and at most 20 in any 60-second
window per group. A send over a limit is answered ``429 Too Many Requests`` with ``retry_after``, which PTB
raises as ``RetryAfter``. Each call takes a simulated round trip (``--latency-ms``).

Two runs on the same stand-in:

1. **gridbot**: the real Application (``AIORateLimiter`` on, as in production) with its real JobQueue; the
   18:00 deadline job runs its callback with the clock at 18:00, exactly as the scheduler would.
2. **naive burst** (for comparison, shows that the stand-in bites): the same 300 messages sent all at
   once through the bot, i.e. through ``AIORateLimiter`` alone, without gridbot's pacing.

Run: ``.venv/bin/python -m bench.nag_dispatch [--groups 300] [--latency-ms 40]``
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import tempfile
import time as systime
from collections import deque
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from telegram.request import RequestData

from bot.config.settings import Config
from bot.core.roster import RosterRow
from handlers.offline.bot import OFFLINE_TOKEN, Clock
from handlers.offline.recording import RecordingRequest
from handlers.telegram.app import build_application
from handlers.telegram.context import app_services
from handlers.telegram.reminders import CATCH_UP_JOB

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
DAY = date(2020, 2, 10)


@dataclasses.dataclass
class Stats:
    accepted: list[tuple[float, int]] = dataclasses.field(default_factory=list)  # (time, chat id)
    flood_errors: int = 0


class LimitedBotApi(RecordingRequest):
    """An offline Bot API that answers 429 (with retry_after) when a send breaks a flood limit."""

    def __init__(self, latency_s: float):
        super().__init__()
        self.latency_s = latency_s
        self.stats = Stats()
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        #: chat id -> when the stand-in took the last message to it (Telegram has sent it from then on)
        self.taken_at: dict[int, float] = {}

    def reset(self) -> None:
        self.stats = Stats()
        self._overall.clear()
        self._groups.clear()
        self.calls.clear()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await asyncio.sleep(self.latency_s / 2)  # the request travels
        api = url.rsplit("/", 1)[-1]
        if api == "sendMessage" and request_data is not None:
            chat_id = int(request_data.parameters["chat_id"])
            wait = self._admit(systime.monotonic(), chat_id)
            if wait is not None:
                self.stats.flood_errors += 1
                await asyncio.sleep(self.latency_s / 2)
                return 429, json.dumps({"ok": False, "error_code": 429,
                                        "description": f"Too Many Requests: retry after {wait}",
                                        "parameters": {"retry_after": wait}}).encode()
        code, body = await super().do_request(url, method, request_data, *args, **kwargs)
        if api == "sendMessage" and request_data is not None and code == 200:
            self.taken_at[int(request_data.parameters["chat_id"])] = systime.perf_counter()
        await asyncio.sleep(self.latency_s / 2)  # the answer travels back
        return code, body

    def _admit(self, now: float, chat_id: int) -> int | None:
        """Record the send if within limits; else the seconds to wait (for retry_after)."""
        while self._overall and now - self._overall[0] >= 1.0:
            self._overall.popleft()
        if len(self._overall) >= OVERALL_PER_SECOND:
            return max(1, math.ceil(1.0 - (now - self._overall[0])))
        if chat_id < 0:
            g = self._groups.setdefault(chat_id, deque())
            while g and now - g[0] >= 60.0:
                g.popleft()
            if len(g) >= GROUP_PER_MINUTE:
                return max(1, math.ceil(60.0 - (now - g[0])))
            g.append(now)
        self._overall.append(now)
        self.stats.accepted.append((now, chat_id))
        return None


def max_in_window(times: list[float], window: float) -> int:
    best, lo = 0, 0
    ts = sorted(times)
    for hi in range(len(ts)):
        while ts[hi] - ts[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def figures(label: str, stats: Stats, elapsed: float) -> str:
    times = [t for t, _ in stats.accepted]
    per_group: dict[int, list[float]] = {}
    for t, c in stats.accepted:
        per_group.setdefault(c, []).append(t)
    group_max = max((max_in_window(v, 60.0) for v in per_group.values()), default=0)
    return (f"{label}: {len(times)} messages to {len(per_group)} chats in {elapsed:.2f} s; "
            f"flood-control errors (429 RetryAfter): {stats.flood_errors}; "
            f"max in any 1 s: {max_in_window(times, 1.0)} (limit {OVERALL_PER_SECOND}); "
            f"max per group in any 60 s: {group_max} (limit {GROUP_PER_MINUTE})")


def roster(groups: int, members: int, households: int) -> list[RosterRow]:
    rows = []
    n = 0
    for g in range(groups):
        grid = f"第{g + 1}网格"
        for m in range(members):
            for h in range(households):
                n += 1
                rows.append(RosterRow(n, "青山镇", "东风村", grid, f"网格员{g + 1}-{m + 1}", None,
                                      f"户主{g + 1}-{m + 1}-{h + 1}", f"{g + 1}组{m + 1}-{h + 1}号", 3,
                                      f"网格长{g + 1}", None))
    return rows


async def run(groups: int, latency_ms: float, db_dir: str) -> tuple[str, str]:
    config = dataclasses.replace(Config(), db_path=str(Path(db_dir) / "bench.db"))
    api = LimitedBotApi(latency_ms / 1000)
    clock = Clock(datetime.combine(DAY, time(7, 0), config.tz))
    app = build_application(config, token=OFFLINE_TOKEN, request=api, clock=clock, rate_limiter=True)
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    try:
        svc = app_services(app)
        await svc.reports.import_roster(roster(groups, 3, 10), "bench")
        for g in await svc.report_repo.grids():
            await svc.report_repo.bind(-1000000000 - g.id, g.id, 1, "2020-02-10T07:00:00+08:00")
        for j in app.job_queue.get_jobs_by_name(CATCH_UP_JOB):  # the start-up catch-up: nothing is due
            j.schedule_removal()
        await app.job_queue.start()
        job = next(j for j in app.job_queue.jobs() if j.name == "nag 18:00")
        clock.set(datetime.combine(DAY, time(18, 0), config.tz))
        api.reset()
        # the window in which a kill sends a nag twice: from the moment Telegram took it to the commit of
        # its "sent" record (a process killed in between finds the claim unfinished and sends it again)
        windows: list[float] = []
        repo = svc.reminders.nags
        real_finish = repo.finish

        async def timed_finish(grid_id: int, day: str, kind: str, status: str, chats: Any, *rest: Any) -> None:
            await real_finish(grid_id, day, kind, status, chats, *rest)
            done = systime.perf_counter()
            windows.extend(done - api.taken_at[c] for c in chats if c in api.taken_at)

        repo.finish = timed_finish  # type: ignore[method-assign]
        t0 = systime.monotonic()
        await job.run(app)  # what the scheduler does at 18:00
        repo.finish = real_finish  # type: ignore[method-assign]
        gridbot = figures("gridbot deadline job", api.stats, systime.monotonic() - t0)
        if windows:
            ws = sorted(w * 1000 for w in windows)
            gridbot += (f"; duplicate window (Telegram took the nag → its sent record committed): p50 "
                        f"{ws[len(ws) // 2]:.1f} ms, p99 {ws[min(len(ws) - 1, int(len(ws) * 0.99))]:.1f} ms, "
                        f"max {ws[-1]:.1f} ms (including {latency_ms / 2:.0f} ms for the answer to travel back)")
        sent = await svc.db.fetchone("SELECT COUNT(*) FROM nags_sent WHERE kind = 'deadline' AND status = 'sent'")
        gridbot += f"; nags recorded as sent: {sent[0]}/{groups}"

        # the comparison: the same messages at once through the bot (its AIORateLimiter), without pacing
        await asyncio.sleep(1.1)  # let the stand-in's one-second window empty
        api.reset()
        t0 = systime.monotonic()
        await asyncio.gather(*(app.bot.send_message(-1000000000 - i - 1, "⛔ 已到18:00截止时间")
                               for i in range(groups)), return_exceptions=True)
        naive = figures("naive burst (comparison)", api.stats, systime.monotonic() - t0)
        await app.job_queue.stop()
    finally:
        await app.post_shutdown(app)
        await app.shutdown()
    return gridbot, naive


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.nag_dispatch", description=__doc__.split("\n\n")[0])
    p.add_argument("--groups", type=int, default=300)
    p.add_argument("--latency-ms", type=float, default=40.0, help="simulated Bot API round trip")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gridbot-bench-") as tmp:
        gridbot, naive = asyncio.run(run(args.groups, args.latency_ms, tmp))
    print(f"{args.groups} groups, one deadline minute; stand-in Bot API: {OVERALL_PER_SECOND}/s overall, "
          f"{GROUP_PER_MINUTE}/min per group, {args.latency_ms:.0f} ms round trip")
    print(gridbot)
    print(naive)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
