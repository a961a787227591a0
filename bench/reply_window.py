"""The window in which a kill sends a report's reply twice: from the moment Telegram took the reply to the
commit of its record in the outbox (a process killed in between sends it again after the restart).

Runs the real Application offline (the recording request object answers at once, so the figure is
gridbot's own work; add the network's return trip for a real deployment). ``python -m bench.reply_window``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from bot.config.settings import Config
from bot.core.roster import read_roster_bytes
from bot.sample import roster_bytes
from bot.sample.cast import DAY, GROUP1, GROUP2, LIU, WANG, ZHAO
from handlers.offline.bot import OfflineBot
from handlers.offline.recording import RecordingRequest


class TimedRequest(RecordingRequest):
    """Notes when each sendMessage was answered (Telegram has sent it from then on)."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: list[float] = []

    async def do_request(self, url: str, method: str, *args: Any, **kw: Any) -> tuple[int, bytes]:
        out = await super().do_request(url, method, *args, **kw)
        if url.endswith("/sendMessage"):
            self.answered.append(time.perf_counter())
        return out


async def run(n: int, db_dir: str) -> list[float]:
    config = dataclasses.replace(Config(), db_path=str(Path(db_dir) / "bench.db"))
    request = TimedRequest()
    bot = OfflineBot(config, datetime.combine(DAY, dtime(8, 0), config.tz), request=request)
    windows: list[float] = []
    async with bot:
        svc = bot.services
        await svc.reports.import_roster(read_roster_bytes(roster_bytes(), "roster.csv").rows, "bench")
        bot.request.member_status[(GROUP1.id, LIU.id)] = "administrator"
        bot.request.member_status[(GROUP2.id, ZHAO.id)] = "administrator"
        await bot.post(GROUP1, LIU, "/bind 第一网格", "08:01")
        repo = svc.inbox.repo
        real = repo.reply_sent

        async def timed(reply_id: int, message_id: int | None, now: str) -> None:
            await real(reply_id, message_id, now)
            windows.append(time.perf_counter() - request.answered[-1])

        repo.reply_sent = timed  # type: ignore[method-assign]
        wang = (await svc.reports.roster()).find_member("王艳")
        assert wang is not None
        for i in range(n):
            await bot.post(GROUP1, WANG, f"包联{len(wang.households)}户，体温均正常", f"{9 + i // 60:02d}:{i % 60:02d}")
    return windows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.reply_window", description=__doc__.split("\n\n")[0])
    p.add_argument("--reports", type=int, default=300)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ws = sorted(w * 1000 for w in asyncio.run(run(args.reports, tmp)))
    print(f"reply duplicate window (Telegram took the reply → its outbox record committed), {len(ws)} replies: "
          f"p50 {ws[len(ws) // 2]:.2f} ms, p99 {ws[min(len(ws) - 1, int(len(ws) * 0.99))]:.2f} ms, max {ws[-1]:.2f} ms "
          f"(gridbot's own work; add the network's return trip)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
