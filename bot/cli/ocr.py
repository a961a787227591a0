"""``gridbot ocr`` and ``gridbot form``: the photo pipeline and the printable form on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.config.settings import Config
from bot.core import texts
from bot.core.lazy import LazyModule
from bot.core.model import Member, ParseResult, Roster
from bot.core.roster import load_roster
from bot.ocr.errors import OcrError

COMMANDS = ("ocr", "form")
#: loaded only by these two commands (OpenCV and NumPy weigh about 45 MB; ``gridbot run`` does not need them)
OCR_READER = LazyModule("bot.ocr.reader")
OCR_FORM = LazyModule("bot.ocr.form")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ocr = sub.add_parser("ocr", help="read a photo of a handwritten table or form; print JSON like `gridbot parse`")
    ocr.add_argument("image")
    ocr.add_argument("--roster", required=True)
    ocr.add_argument("--sender", required=True)
    ocr.add_argument("--grid", help="the sender's grid, if the name is not unique")
    form = sub.add_parser("form", help="render a member's printable form (PDF or PNG) and its layout JSON, or a "
                          "print run: a whole grid's members and several days in one PDF")
    form.add_argument("--roster", required=True)
    form.add_argument("--member", help="one member (with --grid when the name is not unique)")
    form.add_argument("--grid", help="without --member: every member of this grid (村/网格 when not unique)")
    form.add_argument("--date", "--from", dest="date", type=date.fromisoformat,
                      help="the (first) form's date (default: today)")
    form.add_argument("--days", type=int, default=1, help="days from --date, one page per member and day (default 1)")
    form.add_argument("--out", required=True, help="form.pdf or form.png (the layout goes to form.json); a print "
                      "run of several pages is a PDF only")


def run(args: argparse.Namespace, config: Config) -> int:
    roster = load_roster(args.roster)
    if args.cmd == "form":
        return _form(args, config, roster)
    member = roster.find_member(args.sender, args.grid)
    if member is None:
        print(f"gridbot: no member named {args.sender!r} in the roster (use --grid if the name is not unique)",
              file=sys.stderr)
        return 1
    try:
        data = Path(args.image).read_bytes()
    except OSError as e:
        print(f"gridbot: cannot read {args.image}: {e.strerror}", file=sys.stderr)
        return 1
    try:
        reading = OCR_READER.read_photo(data, member, config.template, config.ocr)
    except OcrError as e:
        print(f"gridbot: {texts.OCR_ERRORS[e.code]}", file=sys.stderr)
        return 1
    print(json.dumps(ParseResult(reports=[reading.report]).to_json(), ensure_ascii=False, indent=2))
    return 0


def _form(args: argparse.Namespace, config: Config, roster: Roster) -> int:
    """``gridbot form``: one member's form (PDF or PNG, with its layout JSON), or a print run (PDF, with its
    page index JSON): every member of ``--grid``, ``--days`` days from ``--date``."""
    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".png"):
        print("gridbot: --out must end in .pdf or .png", file=sys.stderr)
        return 2
    if not args.member and not args.grid:
        print("gridbot: give --member (one member's form) or --grid (every member of a grid)", file=sys.stderr)
        return 2
    if not 1 <= args.days <= OCR_FORM.MAX_RUN_DAYS:
        print(f"gridbot: --days must be 1 to {OCR_FORM.MAX_RUN_DAYS}", file=sys.stderr)
        return 2
    if args.member:
        member = roster.find_member(args.member, args.grid)
        if member is None:
            print(f"gridbot: no member named {args.member!r} in the roster (use --grid if the name is not unique)",
                  file=sys.stderr)
            return 1
        members = [member]
    else:
        members = grid_members(roster, args.grid)
        if not members:
            print(f"gridbot: no grid named {args.grid!r} with members in the roster (村/网格 when not unique)",
                  file=sys.stderr)
            return 1
    first = args.date or date.today()
    days = [first + timedelta(days=i) for i in range(args.days)]
    members = [m for m in members if m.households]
    if not members:
        print("gridbot: no households to print", file=sys.stderr)
        return 1
    pages = OCR_FORM.run_pages(members, days)
    if len(members) == 1 and len(days) == 1:
        m = members[0]
        for p in OCR_FORM.render_form(m, config.template, first, f"{m.village}{m.grid}").save(out):
            print(p)
        return 0
    if out.suffix.lower() != ".pdf":
        print(f"gridbot: a print run of {pages} pages is written as one PDF (--out run.pdf)", file=sys.stderr)
        return 2
    if pages > OCR_FORM.MAX_RUN_PAGES:
        print(f"gridbot: {pages} pages is more than one run prints ({OCR_FORM.MAX_RUN_PAGES}): fewer days",
              file=sys.stderr)
        return 2
    with out.open("w+b") as f:
        index = OCR_FORM.render_run([(m, f"{m.village}{m.grid}") for m in members], config.template, days, f)
    layout = out.with_suffix(".json")
    layout.write_text(json.dumps(OCR_FORM.run_layout(index), ensure_ascii=False, indent=1), encoding="utf-8")
    print(out)
    print(layout)
    print(f"{len(index)} pages: {len(members)} members × {len(days)} days", file=sys.stderr)
    return 0


def grid_members(roster: Roster, grid: str) -> list[Member]:
    """The members of the grid named ``grid`` ("第一网格", or "东风村/第一网格" when several villages have
    one), in roster order; [] when none or when the name is not unique."""
    village, _, name = grid.rpartition("/")
    found = [m for m in roster.members if m.grid == name.strip() and (not village or m.village == village.strip())]
    if len({(m.village, m.grid) for m in found}) > 1:
        return []
    return found
