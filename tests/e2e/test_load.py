"""Load, small enough for CI (``scripts/extended`` and ``python -m bench.load`` run the full 10,000 reports and a
30-day month): a burst through the running bot, the raw-insert comparison, and ten simulated days whose
memory must stay flat."""

from __future__ import annotations

import gc
from pathlib import Path

from bench.load import run_burst, run_month, run_raw
from bot.core.model import Roster
from bot.core.template import default_template
from bot.parser import parse_message
from bot.parser.rosterindex import INDEXES
from tests.parser.fixtures import ROSTER


def test_burst_answered_and_stored_once(tmp_path: Path) -> None:
    burst = run_burst(tmp_path / "burst", 400, grids=8, members=10, households=3, steady=False)
    assert burst["stored_once"] and burst["exit_code"] == 0
    raw = run_raw(tmp_path, burst)
    assert 0 < raw["ratio"] < 1
    print(f"\nburst of 400: {burst['throughput']:.0f} reports/s, p95 {burst['p95_ms']:.0f} ms; "
          f"raw {raw['raw_reports_per_s']:.0f} reports/s; ratio {raw['ratio']:.3f}")


def test_simulated_ten_days_memory_is_flat(tmp_path: Path) -> None:
    month = run_month(tmp_path, 10, grids=5, members=10)
    rss = month["rss_per_day"]
    assert month["reports_stored"] > 0 and month["nags_sent"] > 0
    # after the first days (caches warming), less than 0.5 MB a day; the parser's index leak was 2.6 MB a day
    assert (rss[-1] - rss[3]) / (len(rss) - 4) < 0.5, [round(x, 1) for x in rss]


def test_parser_index_does_not_keep_rosters_alive() -> None:
    members = list(ROSTER.members)
    gc.collect()
    before = len(INDEXES)
    for _ in range(50):  # the service builds a new Roster for every message
        roster = Roster(members)
        parse_message("包联10户均正常", members[0], roster, default_template(37.3))
    gc.collect()
    assert len(INDEXES) <= before + 1
