"""``gridbot summary``, ``gridbot export`` and ``gridbot backup``: the statisticians' tools on the server.

The server operator sees everything (the CLI runs as an admin would).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from bot.config.settings import Config
from bot.services import open_services
from bot.stats.periods import Period, parse_period
from bot.stats.service import StatsService
from bot.stats.summary import render_html, to_plain
from storage.backup import BackupError, backup_database

COMMANDS = ("summary", "export", "backup")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("summary", help="print the summary (figures rolled up the hierarchy, missing, anomalies)")
    s.add_argument("--date", default="今天", help="a day (2020-02-10, 2月10日, 昨天) or 本周; default today")
    s.add_argument("--scope", help="a town, village or grid name (镇/村/网格); default everything")
    s.add_argument("--json", action="store_true", help="print JSON")

    e = sub.add_parser("export", help="write the XLSX ledger (or a ZIP of CSV files)")
    e.add_argument("--from", dest="start", required=True, help="first day, e.g. 2020-02-01")
    e.add_argument("--to", dest="end", help="last day (default: the first)")
    e.add_argument("--scope", help="a town, village or grid name; default everything")
    e.add_argument("--out", required=True, help="the file to write: .xlsx, or .zip for CSV")
    e.add_argument("--format", choices=("xlsx", "csv"), help="default: from the --out suffix")

    b = sub.add_parser("backup", help="a consistent online copy of the database (SQLite backup API)")
    b.add_argument("file")


async def run(args: argparse.Namespace, config: Config) -> int:
    if args.cmd == "backup":
        return cmd_backup(args, config)
    services = await open_services(config)
    try:
        st = services.stats
        if args.cmd == "summary":
            return await cmd_summary(st, args)
        return await cmd_export(st, args)
    finally:
        await services.close()


def _period(text: str, today: date, flag: str) -> Period | None:
    p = parse_period(text, today)
    if p is None:
        print(f"gridbot: {flag}: not a date: {text!r}", file=sys.stderr)
    return p


async def cmd_summary(st: StatsService, args: argparse.Namespace) -> int:
    period = _period(args.date, st.today(), "--date")
    if period is None:
        return 2
    s = await st.summary_for(args.scope, period)
    if isinstance(s, str):
        print(f"gridbot: {s}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(s.to_json(), ensure_ascii=False, indent=2))
    else:
        print(to_plain(render_html(s)))
    return 0


async def cmd_export(st: StatsService, args: argparse.Namespace) -> int:
    first = _period(args.start, st.today(), "--from")
    last = _period(args.end, st.today(), "--to") if args.end else first
    if first is None or last is None:
        return 2
    period = Period(min(first.start, last.start), max(first.end, last.end))
    fmt = args.format or ("csv" if args.out.lower().endswith((".zip", ".csv")) else "xlsx")
    job = await st.plan_export_cli(args.scope, period, fmt)
    if isinstance(job, str):
        print(f"gridbot: {job}", file=sys.stderr)
        return 1
    out = Path(args.out)
    last_pct = [-1]

    async def progress(done: int, total: int) -> None:
        pct = done * 100 // total if total else 100
        if pct // 10 != last_pct[0] // 10:
            last_pct[0] = pct
            print(f"\r{pct:3d}%", end="", file=sys.stderr, flush=True)

    fd, tmp = tempfile.mkstemp(prefix=".gridbot-export-", dir=str(out.parent.resolve()))
    try:
        with os.fdopen(fd, "wb") as f:
            counts = await st.write_export(job, f, progress)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(file=sys.stderr)
    print(f"台账已写入 {out}：明细{counts.detail}行，未报{counts.missing}户次，异常{counts.anomalies}户次。")
    return 0


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    try:
        pages = backup_database(config.db_path, args.file)
    except BackupError as e:
        print(f"gridbot: {e}", file=sys.stderr)
        return 1
    size = os.path.getsize(args.file)
    print(f"备份完成：{args.file}（{pages}页，{size / 1e6:.1f} MB）")
    return 0
