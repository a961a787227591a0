"""The Feishu API calls of a simulated town month, against the free tenant's quota (10,000 calls a month).

    PYTHONPATH=$PWD .venv/bin/python -m bench.feishu_quota [--days 3] [--photos 2] [--window 300]

The town is 吴城镇 as /work/shared/seed/ describes it: 87 grids (大网格) in 16 villages, 296 grid members
(one per 小网格), each covering 10 to 20 households, 5,220 households in all. Each grid has its Feishu group
with its members (the first is the grid's leader) and the bot; the leaders share a leaders' group.

The real adapter (``handlers/feishu``: the lark-oapi client, the intake, the services, the parser, the OCR)
runs against the local stand-in of the open platform (``handlers/offline/feishu``), with an injected clock: the
held acknowledgements wait on it (no real sleeping), the tenant token and the member-name cache expire by it.
The stand-in's frequency limits are switched off and the adapter's pacing does not wait (neither changes the
number of calls; on Feishu a paced adapter meets no limit).

A day, by the default ``[schedule]`` (open 08:00, reminders 16:00 and 17:30, deadline 18:00, escalation
18:30), each nag dispatched at its time:

* every member reports once: 80% between 08:00 and 12:00, 12% after the 16:00 reminder, 5% after the 17:30
  one, 3% not at all (named in the reminders, the deadline and the escalation); one report in ten names an
  anomaly (a household's 返乡 or 体温);
* one member in twenty sends a correction of their report later the same day;
* ``--photos`` members post a photo of a written table instead (read by the OCR, shown on a card, confirmed
  by a click);
* one statistician asks for ``/summary`` in private every day, and ``/export`` every seventh day.

The days simulated (``--days``, default 3, starting on a Monday) are measured call by call. The month is their
mean day times 30 (a weekly export counted 30/7 times): the arithmetic is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import heapq
import logging
import os
import random
import sys
import tempfile
import time as _time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from bot.config.feishu import FeishuConfig
from bot.config.settings import Config
from bot.core.chat import Sender
from bot.core.roster import read_roster_bytes
from bot.ocr.fonts import hand_fonts
from bot.services import Services, open_services
from handlers.feishu.api import FeishuApi
from handlers.feishu.messages import handle
from handlers.feishu.reminders import dispatch
from handlers.feishu.runtime import PLATFORM, FeishuBot
from handlers.offline import synth
from handlers.offline.feishu import FeishuChat, FeishuStandIn, FeishuUser

VILLAGES = 16
GRIDS = 87
MEMBERS = 296
HOUSEHOLDS = 5220
QUOTA = 10_000
MONTH_DAYS = 30
START = date(2020, 2, 10)  # a Monday
NAG_TIMES = (dtime(8, 0), dtime(16, 0), dtime(17, 30), dtime(18, 0), dtime(18, 30))
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "建国华明丽艳军伟芳娟敏静强磊洋勇杰涛超秀英兰霞平刚桂红玉珍凤文斌辉鹏飞宇志海波燕萍琴云春梅"
SECRET_ENV = "BENCH_FEISHU_APP_SECRET"


@dataclasses.dataclass
class Member:
    name: str
    grid: int
    households: list[str]
    user: FeishuUser | None = None


class VirtualClock:
    """The bot's clock, the stand-in's and the API's: one moment, moved on by the simulation only."""

    def __init__(self, at: datetime):
        self.at = at
        self._since = _time.monotonic()

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = max(self.at, at)
        self._since = _time.monotonic()

    def monotonic(self) -> float:
        return self.at.timestamp()

    def epoch(self) -> float:  # the stand-in's: runs on in real time between two moves (its timeouts)
        return self.at.timestamp() + (_time.monotonic() - self._since)


class VirtualSleep:
    """What the held acknowledgements wait with: each wait ends when the simulation's clock reaches it."""

    def __init__(self, clock: VirtualClock):
        self.clock = clock
        self._due: list[tuple[float, int, asyncio.Future[None]]] = []
        self._n = 0

    async def __call__(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._n += 1
        heapq.heappush(self._due, (self.clock.monotonic() + seconds, self._n, fut))
        await fut

    def next_due(self) -> float | None:
        return self._due[0][0] if self._due else None

    def release_one(self) -> None:
        _, _, fut = heapq.heappop(self._due)
        if not fut.done():
            fut.set_result(None)


async def _no_wait(_: float) -> None:
    await asyncio.sleep(0)


def build_town(rng: random.Random) -> list[Member]:
    """296 members in 87 grids (3 or 4 each), 5,220 households (10 to 20 each), unique names."""
    names = iter(dict.fromkeys(s + a + b for s in SURNAMES for a in GIVEN for b in GIVEN if a != b))
    pool = [next(names) for _ in range(MEMBERS + HOUSEHOLDS + 50)]
    rng.shuffle(pool)
    sizes = [17] * MEMBERS
    for i in rng.sample(range(MEMBERS), HOUSEHOLDS - 17 * MEMBERS):
        sizes[i] += 1
    for _ in range(400):  # spread the sizes over 10..20, keeping the total
        a, b = rng.randrange(MEMBERS), rng.randrange(MEMBERS)
        if sizes[a] < 20 and sizes[b] > 10:
            sizes[a] += 1
            sizes[b] -= 1
    per_grid = [3] * GRIDS
    for g in rng.sample(range(GRIDS), MEMBERS - 3 * GRIDS):
        per_grid[g] += 1
    members: list[Member] = []
    heads = iter(pool[MEMBERS:])
    k = 0
    for g, n in enumerate(per_grid):
        for _ in range(n):
            members.append(Member(pool[k], g, [next(heads) for _ in range(sizes[k])]))
            k += 1
    assert len(members) == MEMBERS and sum(len(m.households) for m in members) == HOUSEHOLDS
    return members


def roster_csv(members: list[Member]) -> bytes:
    lines = ["镇,村,网格,网格员,账号,户主,住址,人口,网格长,网格长账号,备注"]
    leaders: dict[int, Member] = {}
    for m in members:
        leaders.setdefault(m.grid, m)
    for m in members:
        village = f"第{m.grid % VILLAGES + 1}村"
        lead = leaders[m.grid]
        for i, h in enumerate(m.households):
            assert m.user is not None and lead.user is not None
            lines.append(f"吴城镇,{village},第{m.grid + 1}网格,{m.name},feishu:{m.user.open_id},{h},{village}{i + 1}号,"
                         f"{1 + i % 5},{lead.name},feishu:{lead.user.open_id},")
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclasses.dataclass
class Sim:
    standin: FeishuStandIn
    bot: FeishuBot
    services: Services
    clock: VirtualClock
    sleep: VirtualSleep
    seen: int = 0

    async def settle(self) -> None:
        self.seen += 1
        deadline = _time.monotonic() + 60
        while self.bot.intake is None or self.bot.intake.accepted < self.seen:
            if _time.monotonic() > deadline:
                raise RuntimeError("an event was not committed in 60 s")
            await asyncio.sleep(0.002)
        await self.bot.ordered.drain()
        await self.services.reader.join()
        await self.bot.ordered.drain()

    async def unsent(self) -> int:
        row = await self.services.db.fetchone("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        return int(row[0]) if row else 0

    async def advance(self, to: datetime) -> None:
        """Move the clock to ``to``, ending each held window on the way at its own moment."""
        while (due := self.sleep.next_due()) is not None and due <= to.timestamp():
            self.clock.set(datetime.fromtimestamp(due, to.tzinfo))
            self.sleep.release_one()
            for _ in range(5000):  # until what the window held is sent (the rest of the outbox is held elsewhere)
                await asyncio.sleep(0.002)
                if await self.unsent() == self.bot.acks.held_replies():
                    break
        self.clock.set(to)

    async def post(self, chat: FeishuChat, user: FeishuUser, text: str) -> str:
        mid = self.standin.post_text(chat, user, text)
        await self.settle()
        return mid


def report_text(m: Member, rng: random.Random) -> str:
    n = len(m.households)
    if rng.random() < 0.1:
        h = rng.choice(m.households)
        return rng.choice([f"包联{n}户，{h}家返乡1人，其余均正常", f"包联{n}户，{h}家体温37.6，其余正常"])
    return rng.choice([f"包联{n}户，体温均正常，无返乡人员", f"{n}户都正常", f"包联{n}户，均正常"])


def photo_bytes(m: Member, rng: random.Random) -> bytes:
    rows = [{"household": h, "people": 1 + i % 5, "temperature": 36.5, "out": False, "returned": False, "note": ""}
            for i, h in enumerate(m.households[:8])]
    cols = ["household", "people", "temperature", "out", "returned", "note"]
    spec = synth.TableSpec(rows, cols, {k: synth.HEADER_WORDS[k][0] for k in cols}, "check")
    hand = synth.Hand(hand_fonts(None)[0], random.Random(rng.random()), ink=(25, 30, 110), jitter=0.5, slant=0.0)
    page = synth.freehand_table(spec, hand, page=(1000, 1300))
    return synth.photograph(page, random.Random(3), strength=0.5, max_side=1280, quality=85, crop_to_page=False)


async def play_day(sim: Sim, day: date, members: list[Member], groups: dict[int, FeishuChat], stat: FeishuUser,
                   rng: random.Random, photos: int, export: bool) -> int:
    """One day of the town; returns the calls the export made (0 without one)."""
    tz = sim.clock.at.tzinfo
    at = lambda h, m=0, s=0: datetime.combine(day, dtime(h, m, s), tz)  # noqa: E731
    plan: list[tuple[datetime, int, str, Member]] = []
    photo_members = set(rng.sample(range(len(members)), photos))
    for i, m in enumerate(members):
        r = rng.random()
        if r < 0.80:
            when = at(8) + timedelta(seconds=rng.uniform(60, 4 * 3600))
        elif r < 0.92:
            when = at(16) + timedelta(seconds=rng.uniform(60, 85 * 60))
        elif r < 0.97:
            when = at(17, 30) + timedelta(seconds=rng.uniform(60, 29 * 60))
        else:
            continue
        plan.append((when, i, "photo" if i in photo_members else "text", m))
        if rng.random() < 0.05:
            plan.append((min(when + timedelta(seconds=rng.uniform(600, 3 * 3600)), at(17, 59)), i, "fix", m))
    for t in NAG_TIMES:
        plan.append((at(t.hour, t.minute), -1, "nag", members[0]))
    plan.append((at(19, 0), -2, "summary", members[0]))
    if export:
        plan.append((at(19, 5), -3, "export", members[0]))
    plan.sort(key=lambda p: (p[0], p[1]))
    export_calls = 0
    await sim.advance(at(7, 59))
    for when, _, kind, m in plan:
        await sim.advance(when)
        assert m.user is not None
        if kind == "nag":
            await dispatch(sim.bot)
        elif kind == "summary":
            await sim.post(sim.standin.private_chat(stat), stat, "/summary")
        elif kind == "export":
            before = sum(sim.bot.api.calls.on(day).values())
            await sim.post(sim.standin.private_chat(stat), stat, "/export 本周")
            export_calls = sum(sim.bot.api.calls.on(day).values()) - before
        elif kind == "fix":
            await sim.post(groups[m.grid], m.user, f"更正：{m.households[0]}家体温36.8")
        elif kind == "photo":
            mid = sim.standin.post_image(groups[m.grid], m.user, photo_bytes(m, rng))
            await sim.settle()
            cards = [c for c in sim.standin.replies_to(mid) if c.msg_type == "interactive"]
            if cards and any(b[0] == "确认" for b in cards[-1].buttons()):
                sim.standin.click(cards[-1].message_id, m.user, text="确认")
                await sim.settle()
        else:
            await sim.post(groups[m.grid], m.user, report_text(m, rng))
    await sim.advance(at(23, 59))
    return export_calls


async def run(days: int, photos: int, window: int, seed: int, out: Any) -> tuple[dict[date, dict[str, int]], int]:
    """Simulate ``days`` days; returns the calls per day and kind, and the calls the one export made."""
    rng = random.Random(seed)
    members = build_town(rng)
    tz = Config().tz
    clock = VirtualClock(datetime.combine(START, dtime(7, 0), tz))
    standin = FeishuStandIn(clock=clock.epoch, seed=seed).start()
    tmp = tempfile.TemporaryDirectory(prefix="feishu-quota-")
    try:
        standin.set_rate_limits(None)
        for m in members:
            m.user = standin.add_user(m.name)
        stat = standin.add_user("统计员")
        groups: dict[int, FeishuChat] = {}
        for g in range(GRIDS):
            people = [m.user for m in members if m.grid == g and m.user is not None]
            groups[g] = standin.add_chat(f"第{g + 1}网格群", people, owner=people[0])
        leaders = [next(m for m in members if m.grid == g).user for g in range(GRIDS)]
        lead_chat = standin.add_chat("网格长群", [u for u in leaders if u is not None], owner=leaders[0])
        os.environ[SECRET_ENV] = standin.app_secret
        fcfg = FeishuConfig(enabled=True, app_id=standin.app_id, app_secret_env=SECRET_ENV, base_url=standin.base_url,
                            ack_window_s=window, monthly_quota=QUOTA)
        config = dataclasses.replace(Config(), db_path=str(Path(tmp.name) / "town.db"), feishu=fcfg,
                                     admins=(f"feishu:{stat.open_id}",))  # type: ignore[arg-type]
        config = dataclasses.replace(config, schedule=dataclasses.replace(
            config.schedule, leaders_chat_id=f"feishu:{lead_chat.chat_id}"))
        services = await open_services(config, clock)
        await services.reports.import_roster(read_roster_bytes(roster_csv(members), "roster.csv").rows, "吴城镇")
        for g, chat in groups.items():  # set-up, once: not part of a day
            lead = leaders[g]
            assert lead is not None
            await services.reports.bind(f"feishu:{chat.chat_id}", "group", Sender(f"feishu:{lead.open_id}"), True,
                                        f"第{g + 1}网格")
        api = FeishuApi(fcfg, standin.app_secret, clock=clock.monotonic, sleep=_no_wait,
                        today=lambda: services.clock.now().date())
        vsleep = VirtualSleep(clock)
        bot = FeishuBot(services, api, handle, sleep=vsleep, monotonic=clock.monotonic)
        standin.use_websocket()
        await bot.start()
        assert bot.connection is not None
        await asyncio.get_running_loop().run_in_executor(None, bot.connection.connected.wait, 30)
        sim = Sim(standin, bot, services, clock, vsleep)
        t0 = _time.monotonic()
        export_calls = 0
        for d in range(days):
            day = START + timedelta(days=d)
            export_calls += await play_day(sim, day, members, groups, stat, rng, photos, export=d == days - 1)
            await bot.flush_calls()
            print(f"day {day.isoformat()} simulated ({_time.monotonic() - t0:.0f} s): "
                  f"{bot.api.calls.line(day)}", file=out, flush=True)
        counts = {d: dict(v) for d, v in bot.api.calls.counts.items()}
        usage = await services.quota.usage(PLATFORM, QUOTA, START + timedelta(days=days - 1))
        await bot.stop()
        for line in usage.lines():
            print("stored (gridbot status): " + line, file=out)
        await services.close()
        return counts, export_calls
    finally:
        standin.stop()
        tmp.cleanup()


def report(counts: dict[date, dict[str, int]], export_calls: int, days: int, window: int, out: Any) -> int:
    """Print the calls per day and kind, and the month's arithmetic. Returns the month's estimate."""
    sim_days = sorted(counts)[:days]
    kinds = sorted({k for d in sim_days for k in counts[d]})
    print(f"\nFeishu API calls, 296 members in 87 grid groups, ack window {window} s", file=out)
    print("day         " + " ".join(f"{k:>12}" for k in kinds) + f" {'total':>8}", file=out)
    for d in sim_days:
        print(f"{d.isoformat()}  " + " ".join(f"{counts[d].get(k, 0):>12}" for k in kinds)
              + f" {sum(counts[d].values()):>8}", file=out)
    per_kind = {k: sum(counts[d].get(k, 0) for d in sim_days) for k in kinds}
    # the export (its caption, the upload, the file message) is weekly: measured once, counted 30/7 times
    daily = (sum(per_kind.values()) - export_calls) / len(sim_days)
    month = round(daily * MONTH_DAYS + export_calls * MONTH_DAYS / 7)
    print(f"\nmean day (without the weekly export): ({sum(per_kind.values())} - {export_calls}) / {len(sim_days)} "
          f"= {daily:.1f} calls", file=out)
    print(f"month: {daily:.1f} x {MONTH_DAYS} + {export_calls} x {MONTH_DAYS}/7 (weekly export) = {month} calls "
          f"against the quota {QUOTA} ({100 * month / QUOTA:.0f}%)", file=out)
    for k in kinds:
        print(f"  {k:>12}: {per_kind[k] / len(sim_days):7.1f} a day", file=out)
    return month


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.feishu_quota", description=__doc__.split("\n")[0])
    p.add_argument("--days", type=int, default=3, help="days simulated (the month is scaled from them)")
    p.add_argument("--photos", type=int, default=2, help="members a day who post a photo (read by the OCR)")
    p.add_argument("--window", type=int, default=FeishuConfig().ack_window_s,
                   help="[feishu] ack_window_s (0: each acknowledgement at once)")
    p.add_argument("--seed", type=int, default=20200210)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("Lark").setLevel(logging.CRITICAL)
    t0 = _time.monotonic()
    counts, export_calls = asyncio.run(run(args.days, args.photos, args.window, args.seed, sys.stdout))
    report(counts, export_calls, args.days, args.window, sys.stdout)
    print(f"\n{_time.monotonic() - t0:.0f} s", file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
