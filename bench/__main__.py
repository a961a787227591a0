"""``python -m bench``: every benchmark, with quick-but-meaningful arguments, one after the other; each prints
its figures. ``python -m bench --full`` runs them at full scale (long: the county summary alone generates
5.8 million rows). ``--only NAME`` runs one (nag_dispatch, reply_window, summary_scale, ocr_bench, load, rooms_speed,
parse_eval, parse_speed, web_progress)."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

#: module -> (quick arguments, full arguments)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "nag_dispatch": (["--groups", "120"], []),
    "reply_window": (["--reports", "200"], []),
    "summary_scale": (["--small", "--runs", "2"], []),
    "ocr_bench": (["--quick"], []),
    "load": (["--reports", "3000", "--days", "10"], []),
    "rooms_speed": ([], []),
    "parse_eval": ([], []),
    "parse_speed": (["--rounds", "5"], []),
    "web_progress": (["--small", "--runs", "3"], []),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--full", action="store_true", help="the benchmarks' own (full-scale) defaults")
    p.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only these")
    args = p.parse_args(argv)
    failed = []
    for name, (quick, full) in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        bargs = full if args.full else quick
        print(f"\n===== bench.{name} {' '.join(bargs)}", flush=True)
        t0 = time.monotonic()
        try:
            module = importlib.import_module(f"bench.{name}")
        except ImportError as e:  # a benchmark whose module is not there (yet)
            print(f"(skipped: {e})")
            continue
        try:
            rc = module.main(bargs)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        except Exception as e:  # one broken benchmark does not hide the others' figures
            print(f"bench.{name} failed: {type(e).__name__}: {e}")
            rc = 1
        print(f"===== bench.{name}: {'ok' if not rc else f'exit {rc}'} in {time.monotonic() - t0:.0f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
