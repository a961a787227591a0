"""How fast a residents' chain keyed by room is read: ``python -m bench.rooms_speed [--lines 400]``.

Reads :func:`bot.sample.tower.chain` (3号楼's chain: hint, gaps, every count shape, remarks, chit-chat) against
the tower block's roster of 332 households with :func:`bot.parser.parse_rooms`, and prints the median and
the slowest of the runs (target: a 400-line chain in ≤ 50 ms), and the median CPU time.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bot.core.template import default_template
from bot.parser import parse_rooms
from bot.sample import tower


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.rooms_speed", description=__doc__.split("\n\n")[0])
    p.add_argument("--lines", type=int, default=400)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--remarks", action="store_true", help="a remark on every line (the slowest kind)")
    args = p.parse_args(argv)
    roster = tower.grid_roster(tower.GRID1)
    template = default_template()
    text = tower.chain(args.lines, remarks=args.remarks)
    t0 = time.perf_counter()
    chain = parse_rooms(text, roster, template)
    first = time.perf_counter() - t0
    times, cpu = [], []
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        parse_rooms(text, roster, template)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    kind = "with a remark on every line" if args.remarks else "as residents write them"
    print(f"residents' chain of {args.lines} lines ({kind}) against {sum(len(m.households) for m in roster.members)} "
          f"households: {len(chain.placed)} placed, {len(chain.unplaced)} asked about")
    print(f"first read (builds the address index) {first * 1000:.1f} ms; "
          f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms over {args.runs} runs "
          f"(target ≤ 50 ms); CPU time median {statistics.median(cpu) * 1000:.1f} ms (what a busy machine "
          f"does not inflate)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
