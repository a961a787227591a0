"""The ``gridbot`` command line.

Exit codes: 0 success, 1 failure (bad input such as a roster with bad rows), 2 invalid configuration or usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli import ocr as ocr_cli
from bot.cli import stats as stats_cli
from bot.config.settings import Config, ConfigError, load_config
from bot.core import texts
from bot.core.model import Roster
from bot.core.roster import RosterFileError, load_roster, read_roster_file
from bot.core.template import Template
from bot.parser import parse_message, parse_rooms
from bot.services import Services, load_adapters, load_demo, open_services, plan_run

log = logging.getLogger("gridbot")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gridbot", description="网格通 gridbot: grid reporting in group chats")
    p.add_argument("--config", "-c", help="config TOML (default: $GRIDBOT_CONFIG, else ./config.toml if present)")
    sub = p.add_subparsers(dest="cmd", required=True)

    sub.add_parser("run", help="run the bot (long polling, or a webhook if configured)")
    demo = sub.add_parser("demo", help="play a scripted day offline and print the transcript")
    demo.add_argument("--platform", default="telegram",
                      help="the chat platform whose adapter plays the day: telegram (default) or feishu (against "
                           "a local stand-in of the Feishu open platform on 127.0.0.1)")
    demo.add_argument("--web", action="store_true",
                      help="then keep the demo database and serve the web console on 127.0.0.1 (prints a sign-in link)")
    demo.add_argument("--port", type=int, default=8080, help="the web console's port with --web (default 8080)")
    status = sub.add_parser("status", help="the chat platforms' API calls today and this month, against the quota")
    status.add_argument("--date", type=date.fromisoformat, help="the day to show (default today)")

    roster = sub.add_parser("roster", help="import or show the roster").add_subparsers(dest="roster_cmd", required=True)
    imp = roster.add_parser("import", help="import the roster from a CSV/XLSX file (one transaction)")
    imp.add_argument("file")
    show = roster.add_parser("show", help="print the roster")
    show.add_argument("--grid", help="only this grid (name, or 村/网格)")

    parse = sub.add_parser("parse", help="parse one message from stdin and print JSON (no database)")
    parse.add_argument("--roster", required=True)
    parse.add_argument("--sender", required=True)
    parse.add_argument("--grid", action="append",
                       help="the sender's grid, if the name is not unique; for a sender who is no member (a "
                            "resident), the grid(s) the group is bound to (repeatable; default: every grid)")
    parse.add_argument("--config", dest="template_config", metavar="FILE",
                       help="read the report template from FILE's [template] section (e.g. bot/sample/campaign.toml)")

    report = sub.add_parser("report", help="reports taken outside the chat").add_subparsers(
        dest="report_cmd", required=True
    )
    add = report.add_parser("add", help="store a report from stdin as if the member had posted it")
    add.add_argument("--sender", required=True)
    add.add_argument("--date", type=date.fromisoformat)
    add.add_argument("--grid")
    stats_cli.add_parsers(sub)  # summary, export, backup
    ocr_cli.add_parsers(sub)  # ocr IMAGE, form
    return p


def _config_path(arg: str | None) -> str | None:
    if arg:
        return arg
    env = os.environ.get("GRIDBOT_CONFIG")
    if env:
        return env
    return "config.toml" if Path("config.toml").exists() else None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(_config_path(args.config))
    except ConfigError as e:
        print(f"gridbot: {e}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, config.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return _dispatch(args, config)
    except RosterFileError as e:
        print(f"gridbot: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.cmd == "parse":
        return cmd_parse(args, config)
    if args.cmd == "demo":
        logging.getLogger().setLevel(logging.WARNING)
        try:
            run_demo = load_demo(args.platform)
        except LookupError as e:
            print(f"gridbot: {e}", file=sys.stderr)
            return 2
        if args.web:
            if args.platform != "telegram":
                print("gridbot: demo --web plays the Telegram demo (no --platform)", file=sys.stderr)
                return 2
            logging.getLogger("handlers.web").setLevel(logging.INFO)
            return run_demo(config, sys.stdout, web=True, port=args.port)
        return run_demo(config, sys.stdout)
    if args.cmd == "run":
        plan = plan_run(load_adapters(), config)
        if isinstance(plan, str):
            print(f"gridbot: {plan}", file=sys.stderr)
            return 2
        host, guests = plan
        host.run(config, guests)
        return 0
    if args.cmd == "roster":
        return asyncio.run(cmd_roster(args, config))
    if args.cmd == "report":
        return asyncio.run(cmd_report_add(args, config))
    if args.cmd == "status":
        return asyncio.run(cmd_status(args, config))
    if args.cmd in stats_cli.COMMANDS:
        return asyncio.run(stats_cli.run(args, config))
    if args.cmd in ocr_cli.COMMANDS:
        return ocr_cli.run(args, config)
    return 2


def cmd_parse(args: argparse.Namespace, config: Config) -> int:
    roster = load_roster(args.roster)
    text = sys.stdin.read()
    grids = args.grid or []
    sender: Any = roster.find_member(args.sender, grids[0] if grids else None) or args.sender
    template = config.template
    if getattr(args, "template_config", None):
        try:
            template = load_config(args.template_config).template
        except ConfigError as e:
            print(f"gridbot: {e}", file=sys.stderr)
            return 2
    out = _resident_chain(text, sender, roster, grids, template) if isinstance(sender, str) else None
    if out is None:
        out = parse_message(text, sender, roster, template).to_json()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _resident_chain(text: str, sender: str, roster: Roster, grids: list[str], template: Template) -> dict | None:
    """A sender who is no member is a resident in a group bound to ``grids`` (all when none): their chain by
    room or address, or None when the text is no such chain."""
    if not roster.find_member(sender) and not any(m.account and m.account.lower() == sender.lower()
                                                   for m in roster.members):
        inside = Roster([m for m in roster.members if not grids or m.grid in grids])
        outside = Roster([m for m in roster.members if grids and m.grid not in grids])
        chain = parse_rooms(text, inside, template, outside=outside)
        if chain.is_chain:
            return chain.to_json()
    return None


async def _services(config: Config) -> Services:
    return await open_services(config)


async def cmd_roster(args: argparse.Namespace, config: Config) -> int:
    if args.roster_cmd == "import":
        rf = read_roster_file(args.file)
        if rf.errors:
            print(texts.ROSTER_IMPORT_FAILED.format(n=len(rf.errors)), file=sys.stderr)
            for e in rf.errors:
                print(f"  {e}", file=sys.stderr)
            return 1
        svc = await _services(config)
        try:
            st = await svc.reports.import_roster(rf.rows, os.path.basename(args.file))
        finally:
            await svc.close()
        print(st.text())
        if rf.ignored_columns:
            print(texts.ROSTER_IGNORED_COLUMNS.format(columns="、".join(rf.ignored_columns)))
        return 0
    svc = await _services(config)
    try:
        grid_ids = None
        if args.grid:
            grids = await svc.report_repo.find_grids(args.grid)
            if not grids:
                print(f"gridbot: no grid named {args.grid!r}", file=sys.stderr)
                return 1
            grid_ids = [g.id for g in grids]
        roster = await svc.reports.roster(grid_ids)
    finally:
        await svc.close()
    if not roster.members:
        print("（台账为空，请先 gridbot roster import 文件）")
        return 0
    current = None
    for m in roster.members:
        unit = (m.town, m.village, m.grid)
        if unit != current:
            current = unit
            print(f"{m.town} {m.village} {m.grid}")
        acct = f" {m.account}" if m.account else ""
        print(f"  网格员 {m.name}{acct}：{len(m.households)}户 {m.people}人")
        for h in m.households:
            people = f"{h.people}人" if h.people is not None else "-"
            print(f"    {h.name}\t{h.address}\t{people}")
    return 0


async def cmd_report_add(args: argparse.Namespace, config: Config) -> int:
    text = sys.stdin.read()
    svc = await _services(config)
    try:
        reply = await svc.reports.add_report(args.sender, text, args.date, args.grid)
    finally:
        await svc.close()
    print(reply.text)
    return 0 if reply.text.startswith("✅") else 1


async def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """The stored API calls of Feishu (its free tenant has a monthly quota): today per kind, and the month."""
    svc = await _services(config)
    try:
        usage = await svc.quota.usage("feishu", config.feishu.monthly_quota, args.date)
    finally:
        await svc.close()
    print(f"database {config.db_path}")
    for line in usage.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
