"""``gridbot ocr`` and ``gridbot form``: the photo pipeline and the printable form on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from bot.config.settings import Config
from bot.core import texts
from bot.core.lazy import LazyModule
from bot.core.model import ParseResult
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
    form = sub.add_parser("form", help="render a member's printable form (PDF or PNG) and its layout JSON")
    form.add_argument("--roster", required=True)
    form.add_argument("--member", required=True)
    form.add_argument("--grid")
    form.add_argument("--date", type=date.fromisoformat, help="the form's date (default: today)")
    form.add_argument("--out", required=True, help="form.pdf or form.png (the layout goes to form.json)")


def run(args: argparse.Namespace, config: Config) -> int:
    roster = load_roster(args.roster)
    name = args.sender if args.cmd == "ocr" else args.member
    member = roster.find_member(name, args.grid)
    if member is None:
        print(f"gridbot: no member named {name!r} in the roster (use --grid if the name is not unique)",
              file=sys.stderr)
        return 1
    if args.cmd == "form":
        day = args.date or date.today()
        rendered = OCR_FORM.render_form(member, config.template, day, f"{member.village}{member.grid}")
        out = Path(args.out)
        if out.suffix.lower() not in (".pdf", ".png"):
            print("gridbot: --out must end in .pdf or .png", file=sys.stderr)
            return 2
        for p in rendered.save(out):
            print(p)
        return 0
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
