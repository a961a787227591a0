"""``python -m bench.parse_eval``: the parser against the independent corpus (tests/parser/corpus/).

Every case runs through ``gridbot parse``'s JSON contract (the CLI's function, in this process) and is
checked against its expectations (see bench/parse_corpus.py). Printed per kind and overall:

- cases right: every expected field right, no household that must not appear, every other expectation met;
- fields right: expected (household, field) values read right (and asked about where the case says so);
- silent errors: a stored value that is wrong and whose key is not in the household's ``uncertain``,
  as a share of the fields compared (the issue's target: at most 1%); the summary also gives it for the
  fields the messages state for a household, without those a blanket statement spreads over all of a
  member's households (which are many and mostly easy);
- asked: fields compared whose key is in ``uncertain``; missed: nothing stored where a value was expected
  (a household not read at all counts all its fields here), not asked;
- created: households that appeared although the case says they must not (chit-chat read as a report,
  a room line placed on a guess, a household outside the message).

Exit code 0 always (this prints figures; tests/parser/test_corpus.py is the pass/fail side).
``--json`` prints the same figures as JSON; ``--show`` prints each wrong case and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from typing import Any

from bench import parse_corpus as pc


def _figures(outcomes: list[pc.Outcome]) -> dict[str, Any]:
    fields = [f for o in outcomes for f in o.fields]
    n = len(fields)
    count = {s: sum(1 for f in fields if f.status == s) for s in pc.STATUSES}
    asked = sum(1 for f in fields if f.asked)
    stated = [f for f in fields if not f.spread]
    stated_silent = sum(1 for f in stated if f.status == "silent")
    return {
        "cases": len(outcomes),
        "cases_right": sum(1 for o in outcomes if o.ok),
        "fields": n,
        "fields_right": count["right"],
        "silent_errors": count["silent"],
        "silent_error_share": count["silent"] / n if n else 0.0,
        "asked": asked,
        "asked_share": asked / n if n else 0.0,
        "missed": count["missed"] + count["unasked"],
        "households_wrongly_created": sum(len(o.wrongly_created) for o in outcomes),
        # the same without the fields a blanket statement spreads over a member's households
        "stated_fields": len(stated),
        "stated_fields_right": sum(1 for f in stated if f.status == "right"),
        "stated_silent_errors": stated_silent,
        "stated_silent_error_share": stated_silent / len(stated) if stated else 0.0,
        "errors": sum(1 for o in outcomes if o.error),
    }


def evaluate(kinds: list[str] | None = None) -> tuple[dict[str, Any], list[pc.Outcome]]:
    cases = [c for c in pc.load_cases() if not kinds or c.kind in kinds]
    outcomes = [pc.evaluate(c) for c in cases]
    by_kind: dict[str, list[pc.Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.case.kind].append(o)
    report = {
        "kinds": {k: _figures(v) for k, v in by_kind.items()},
        "overall": _figures(outcomes),
        "wrong": [o.case.id for o in outcomes if not o.ok],
    }
    return report, outcomes


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def print_table(report: dict[str, Any], out: Any = sys.stdout) -> None:
    head = f"{'kind':<16}{'cases right':>14}{'fields right':>16}{'silent':>12}{'asked':>12}{'missed':>8}{'created':>9}"
    print(head, file=out)
    print("-" * len(head), file=out)
    rows = list(report["kinds"].items()) + [("overall", report["overall"])]
    for i, (kind, f) in enumerate(rows):
        if i == len(rows) - 1:
            print("-" * len(head), file=out)
        cases = f"{f['cases_right']}/{f['cases']}"
        fields = f"{f['fields_right']}/{f['fields']}"
        silent = f"{f['silent_errors']} {_pct(f['silent_error_share'])}"
        asked = f"{f['asked']} {_pct(f['asked_share'])}"
        print(
            f"{kind:<16}{cases:>14}{fields:>16}{silent:>12}{asked:>12}{f['missed']:>8}"
            f"{f['households_wrongly_created']:>9}",
            file=out,
        )
    o = report["overall"]
    print(
        f"\ncases right {_pct(o['cases_right'] / o['cases'] if o['cases'] else 0)}, "
        f"fields right {_pct(o['fields_right'] / o['fields'] if o['fields'] else 0)}, "
        f"silent errors {_pct(o['silent_error_share'])} of fields (target <= 1%), "
        f"households wrongly created {o['households_wrongly_created']}"
        + (f", cases that raised {o['errors']}" if o["errors"] else ""),
        file=out,
    )
    print(
        f"fields the messages state for a household (blanket spreads left out): "
        f"{o['stated_fields_right']}/{o['stated_fields']} right, "
        f"silent errors {o['stated_silent_errors']} = {_pct(o['stated_silent_error_share'])}",
        file=out,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.parse_eval", description=__doc__.split("\n\n")[0])
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--show", action="store_true", help="print every wrong case and why")
    p.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    args = p.parse_args(argv)
    report, outcomes = evaluate(args.kind)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_table(report)
    if args.show:
        for o in outcomes:
            if not o.ok:
                print("\n" + o.explain())
    return 0


if __name__ == "__main__":
    sys.exit(main())
