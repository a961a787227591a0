"""Load benchmark: ``gridbot run`` as its own process against the fake Bot API (handlers/offline/fakeapi.py).

1. **Burst**: N reports injected at once (members of many grids, each report a blanket statement over the
   member's households). Prints the throughput (reports per second, first injection to last reply) and the
   time from each update's injection to the bot's reply (p50/p95/p99; in a burst this includes the queue),
   then a **steady** run at half that rate, whose latencies are the service time. Every report must be
   answered and stored once. The bot runs with ``bot.rate_limiter = false``: against Telegram,
   AIORateLimiter caps replies at 30 per second (20 per minute per group), which is Telegram's limit, not
   gridbot's.
2. **Raw ingest**: the same household rows inserted with aiosqlite into the same schema, one transaction per
   report (as the bot commits), and in one transaction; the ratio bot / raw is printed.
3. **A simulated month**: the real Application in process (offline request object) with the clock injected:
   every day the members report, the reminder, deadline and escalation jobs run, the summary is asked for.
   The process's resident memory is sampled each day; it must stay bounded.

    .venv/bin/python -m bench.load                  # 10,000 reports, 30 days
    .venv/bin/python -m bench.load --quick          # 1,000 reports, 7 days
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from handlers.offline.botproc import BotProcess, RosterSpec, make_roster
from handlers.offline.fakeapi import FakeBotApi


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def _report_updates(api: FakeBotApi, spec: RosterSpec, n: int) -> list[dict[str, Any]]:
    members = [(g, m) for g in spec.grids for m in g.members]
    out = []
    for i in range(n):
        g, m = members[i % len(members)]
        k = len(g.households[m.name])
        out.append({"message": api.message_json(g.chat_id, m.json(), f"包联{k}户{k * 3}人，体温均正常，无返乡人员")})
    return out


def _latencies(api: FakeBotApi, updates: list[dict[str, Any]], ids: list[int]) -> tuple[list[float], float]:
    sent = {}
    for s in api.calls("sendMessage"):
        if s.ok and s.reply_to is not None and s.chat_id is not None:
            sent.setdefault((s.chat_id, s.reply_to), s.at)
    lat = []
    last = 0.0
    for u, uid in zip(updates, ids, strict=True):
        key = (u["message"]["chat"]["id"], u["message"]["message_id"])
        at = sent[key]
        lat.append(at - api.injected_at[uid])
        last = max(last, at)
    return lat, last


def run_burst(workdir: Path, reports: int, grids: int, members: int, households: int,
              steady: bool = True, steady_rate: float | None = None) -> dict[str, Any]:
    spec = make_roster(grids, members, households, unlinked_per_grid=0)
    api = FakeBotApi().start()
    # one reply per report (no merged acknowledgements: the benchmark counts the replies)
    bot = BotProcess(workdir, api, {"bot": {"rate_limiter": False}, "inbox": {"merge_acks_at": 0},
                                    "schedule": {"enabled": False},
                                    "logging": {"level": "WARNING"}})
    out: dict[str, Any] = {"reports": reports, "members": grids * members, "households": grids * members * households}
    try:
        bot.import_roster(spec)
        bot.start()
        for g in spec.grids:
            api.set_member_status(g.chat_id, g.leader.user_id, "administrator")
        binds = [{"message": api.message_json(g.chat_id, g.leader.json(), f"/bind {g.name}")} for g in spec.grids]
        api.inject_many(binds)
        api.wait_for(lambda: api.count("sendMessage") >= len(binds), 60, "the binds")
        out["rss_start_mb"] = (bot.rss_kb() or 0) / 1024
        api.clear()
        updates = _report_updates(api, spec, reports)
        t0 = time.monotonic()
        ids = api.inject_many(updates)
        api.wait_for(lambda: api.count("sendMessage") >= reports, 60 + reports / 20, "every reply")
        lat, last = _latencies(api, updates, ids)
        out.update(burst_seconds=last - t0, throughput=reports / (last - t0), p50_ms=percentile(lat, 50) * 1000,
                   p95_ms=percentile(lat, 95) * 1000, p99_ms=percentile(lat, 99) * 1000)
        commit = _commit_latencies(api, bot, ids)
        first = min(api.injected_wall[i] for i in ids)
        out.update(commit_seconds=max((api.injected_wall[u] + s for u, s in commit.items()), default=first) - first,
                   commit_p50_ms=percentile(list(commit.values()), 50) * 1000,
                   commit_p95_ms=percentile(list(commit.values()), 95) * 1000,
                   commit_p99_ms=percentile(list(commit.values()), 99) * 1000)
        out["rss_after_burst_mb"] = (bot.rss_kb() or 0) / 1024
        stored = bot.query("SELECT COUNT(*), COUNT(DISTINCT message_row_id) FROM member_reports")[0]
        out["member_reports_stored"] = stored[0]
        out["stored_once"] = stored[0] == stored[1] == reports
        # the household rows the bot wrote, for the raw comparison
        by_household = {r[0]: r for r in bot.query("SELECT household_id, day, member_id, data FROM reports")}
        of_member: dict[int, list[int]] = {}
        for mid, hid in bot.query("SELECT member_id, id FROM households ORDER BY position"):
            of_member.setdefault(mid, []).append(hid)
        out["_reports"] = [[by_household[h] for h in of_member[mid]] for (mid,) in
                           bot.query("SELECT member_id FROM member_reports ORDER BY id")]
        if steady:
            rate = steady_rate or out["throughput"] / 2
            n = max(50, min(reports // 5, 2000))
            api.clear()
            updates = _report_updates(api, spec, n)
            ids = []
            t0 = time.monotonic()
            for i, u in enumerate(updates):
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                ids += api.inject_many([u])
            api.wait_for(lambda: api.count("sendMessage") >= n, 60 + n / 10, "the steady replies")
            lat, _ = _latencies(api, updates, ids)
            commit = list(_commit_latencies(api, bot, ids).values())
            out.update(steady_rate=rate, steady_reports=n, steady_p50_ms=percentile(lat, 50) * 1000,
                       steady_p95_ms=percentile(lat, 95) * 1000, steady_p99_ms=percentile(lat, 99) * 1000,
                       steady_commit_p50_ms=percentile(commit, 50) * 1000,
                       steady_commit_p95_ms=percentile(commit, 95) * 1000,
                       steady_commit_p99_ms=percentile(commit, 99) * 1000)
        out["rss_end_mb"] = (bot.rss_kb() or 0) / 1024
        out["exit_code"] = bot.stop()
    finally:
        bot.stop()
        api.stop()
    return out


def _commit_latencies(api: FakeBotApi, bot: BotProcess, ids: list[int]) -> dict[int, float]:
    """Update id -> seconds from its injection into the stand-in to its commit in the bot's inbox."""
    wanted = set(ids)
    out = {}
    for key, received in bot.query("SELECT update_key, received_at FROM inbox"):
        uid = int(key.removeprefix("tg:"))
        if uid in wanted:
            out[uid] = max(0.0, datetime.fromisoformat(received).timestamp() - api.injected_wall[uid])
    return out


async def _raw_insert(path: Path, reports: list[list[tuple[Any, ...]]]) -> tuple[float, float]:
    """Seconds to insert the household rows of ``reports`` into a ``reports``-shaped table: committing once per
    report (as gridbot does), and all in one transaction."""
    import aiosqlite

    ddl = ("CREATE TABLE reports (id INTEGER PRIMARY KEY, household_id INTEGER NOT NULL, day TEXT NOT NULL, "
           "member_id INTEGER, data TEXT NOT NULL, UNIQUE (household_id, day, id))")
    times = []
    for mode in ("per_report", "one"):
        db = path.with_name(f"raw-{mode}.db")
        async with aiosqlite.connect(db, isolation_level=None) as conn:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute(ddl)
            sql = "INSERT INTO reports (household_id, day, member_id, data) VALUES (?, ?, ?, ?)"
            t0 = time.perf_counter()
            if mode == "one":
                await conn.execute("BEGIN")
                await conn.executemany(sql, [r for rep in reports for r in rep])
                await conn.execute("COMMIT")
            else:
                for rep in reports:
                    await conn.execute("BEGIN IMMEDIATE")
                    for r in rep:
                        await conn.execute(sql, r)
                    await conn.execute("COMMIT")
            times.append(time.perf_counter() - t0)
    return times[0], times[1]


def run_raw(workdir: Path, burst: dict[str, Any]) -> dict[str, Any]:
    reports = [[tuple(r) for r in rep] for rep in burst["_reports"]]
    per, one = asyncio.run(_raw_insert(workdir / "raw.db", reports))
    rows = sum(len(rep) for rep in reports)
    raw_rate = len(reports) / per
    return {"raw_reports_per_s": raw_rate, "raw_rows": rows, "raw_one_tx_rows_per_s": rows / one,
            "ratio": burst["throughput"] / raw_rate}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _month(workdir: Path, days: int, grids: int, members: int) -> dict[str, Any]:
    from bot.config.reminders import parse_schedule_config
    from bot.config.settings import Config
    from bot.core.roster import RosterRow
    from handlers.offline.bot import OfflineBot
    from handlers.offline.fake import FakeChat, FakeUser
    from handlers.telegram.reminders import dispatch

    logging.getLogger().setLevel(logging.ERROR)  # escalations without a leader chat warn every day
    spec = make_roster(grids, members, 3, unlinked_per_grid=0)
    sched = parse_schedule_config({"enabled": True, "open": "08:00", "reminders": ["16:00"], "deadline": "18:00",
                                   "escalate": "18:30", "grace_minutes": 30})
    config = dataclasses.replace(Config(), db_path=str(workdir / "month.db"), admins=("tg:4242",), schedule=sched)
    start = date(2020, 2, 1)
    bot = OfflineBot(config, datetime.combine(start, dtime(7, 0), config.tz))
    rss: list[float] = []
    replies = 0
    async with bot:
        rows = [RosterRow(i + 2, r["镇"], r["村"], r["网格"], r["网格员"], r["账号"] or None, r["户主"], r["住址"],
                          r["人口"], r["网格长"], r["网格长账号"]) for i, r in enumerate(spec.rows)]
        await bot.services.reports.import_roster(rows, "month")
        chats = {g.index: FakeChat(g.chat_id, g.label) for g in spec.grids}
        users = {m.user_id: FakeUser(m.user_id, m.name, m.username) for g in spec.grids for m in g.members}
        for g in spec.grids:
            bot.request.member_status[(g.chat_id, g.leader.user_id)] = "administrator"
            await bot.post(chats[g.index], users[g.leader.user_id], f"/bind {g.name}", bot.at("07:05", start))
        admin = FakeUser(4242, "管理员")
        for d in range(days):
            day = start + timedelta(days=d)
            for hhmm in ("08:00",):
                bot.clock.set(bot.at(hhmm, day))
                await dispatch(bot.app)
            for i, (g, m) in enumerate([(gr, mb) for gr in spec.grids for mb in gr.members]):
                if (i + d) % 7 == 0:
                    continue  # some members are late every day
                _, calls = await bot.post(chats[g.index], users[m.user_id], "包联3户9人，体温均正常",
                                          bot.at("09:00", day) + timedelta(seconds=i))
                replies += len(calls)
            for hhmm in ("16:00", "18:00", "18:30"):
                bot.clock.set(bot.at(hhmm, day))
                await dispatch(bot.app)
            await bot.post(FakeChat(admin.id), admin, "/summary", bot.at("19:00", day))
            bot.request.calls.clear()  # the offline recorder keeps calls; a server would not
            gc.collect()
            rss.append(_rss_mb())
        nags = await bot.services.db.fetchone("SELECT COUNT(*) FROM nags_sent WHERE status = 'sent'")
        reports = await bot.services.db.fetchone("SELECT COUNT(*) FROM reports")
    first = statistics.mean(rss[: max(1, days // 4)])
    last = statistics.mean(rss[-max(1, days // 4):])
    return {"days": days, "members": grids * members, "rss_first_mb": first, "rss_last_mb": last,
            "rss_peak_mb": max(rss), "rss_growth_mb": last - first, "nags_sent": int(nags[0]),
            "reports_stored": int(reports[0]), "rss_per_day": rss}


def run_month(workdir: Path, days: int, grids: int = 10, members: int = 10) -> dict[str, Any]:
    return asyncio.run(_month(workdir, days, grids, members))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--reports", type=int, default=10_000)
    p.add_argument("--grids", type=int, default=300, help="grids, each with its own group chat")
    p.add_argument("--members", type=int, default=5, help="members per grid")
    p.add_argument("--households", type=int, default=1, help="households per member")
    p.add_argument("--days", type=int, default=30, help="days of the simulated month")
    p.add_argument("--quick", action="store_true", help="1,000 reports, 7 days")
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--steady-rate", type=float, default=200.0,
                   help="reports a second of the steady run (default 200, the inbox's target; 0: half the burst's)")
    args = p.parse_args(argv)
    if args.quick:
        args.reports, args.days = 1000, 7
    with tempfile.TemporaryDirectory(prefix="gridbot-load-") as tmp:
        work = Path(tmp)
        burst = run_burst(work / "burst", args.reports, args.grids, args.members, args.households,
                          steady_rate=args.steady_rate or None)
        raw = run_raw(work, burst)
        month = run_month(work, args.days)
    print(f"burst: {burst['reports']} reports from {burst['members']} members through `gridbot run` "
          f"(a separate process) and the fake Bot API")
    print(f"  throughput {burst['throughput']:.0f} reports/s ({burst['burst_seconds']:.1f} s); update→reply "
          f"p50 {burst['p50_ms']:.0f} ms, p95 {burst['p95_ms']:.0f} ms, p99 {burst['p99_ms']:.0f} ms "
          f"(queueing included); every report answered and stored once: {burst['stored_once']}")
    print(f"  burst committed to the inbox in {burst['commit_seconds']:.1f} s; update→commit p50 "
          f"{burst['commit_p50_ms']:.0f} ms, p95 {burst['commit_p95_ms']:.0f} ms, p99 {burst['commit_p99_ms']:.0f} ms")
    if "steady_rate" in burst:
        print(f"  steady {burst['steady_rate']:.0f} reports/s ({burst['steady_reports']} reports): update→reply "
              f"p50 {burst['steady_p50_ms']:.1f} ms, p95 {burst['steady_p95_ms']:.1f} ms, "
              f"p99 {burst['steady_p99_ms']:.1f} ms; update→commit "
              f"p50 {burst['steady_commit_p50_ms']:.1f} ms, p95 {burst['steady_commit_p95_ms']:.1f} ms, "
              f"p99 {burst['steady_commit_p99_ms']:.1f} ms")
    print(f"  bot memory (RSS): {burst['rss_start_mb']:.0f} MB at start, {burst['rss_after_burst_mb']:.0f} MB "
          f"after the burst, {burst['rss_end_mb']:.0f} MB at the end")
    print(f"raw aiosqlite insert of the same rows ({raw['raw_rows']} rows): {raw['raw_reports_per_s']:.0f} reports/s "
          f"committing per report, {raw['raw_one_tx_rows_per_s']:.0f} rows/s in one transaction; "
          f"gridbot end to end / raw per-report insert = {raw['ratio']:.3f} "
          f"(1 : {1 / raw['ratio']:.1f})")
    print(f"simulated month: {month['days']} days, {month['members']} members, {month['reports_stored']} report rows, "
          f"{month['nags_sent']} nags; RSS first quarter {month['rss_first_mb']:.1f} MB, last quarter "
          f"{month['rss_last_mb']:.1f} MB (growth {month['rss_growth_mb']:+.1f} MB), peak {month['rss_peak_mb']:.1f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps({"burst": {k: v for k, v in burst.items() if not k.startswith("_")},
                                               "raw": raw, "month": month}, indent=2))
    ok = burst["stored_once"] and burst.get("exit_code") == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
