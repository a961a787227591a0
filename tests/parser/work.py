"""The work a call does, counted, for tests that must not depend on how busy the machine is.

A timed assertion flakes under load (speed targets are printed by the benchmarks, ``python -m
bench.parse_speed`` and ``bench.rooms_speed``, not asserted in timed tests). The number of Python and C
function calls a parse makes is the same on every run, so a test can assert on it instead: a chain four times
as long costs at most about four times the calls (no step is quadratic in the lines), a pathological input
costs no more per character than ordinary text. Work inside one C call (a regex's backtracking, a scan of a
list) is not counted: the benchmarks' times show it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def calls(fn: Callable[..., Any], *args: Any) -> int:
    """How many Python and C function calls ``fn(*args)`` makes (``sys.setprofile``). Run it once before, so
    that what is built once (the roster index, the compiled template, caches) is not counted."""
    count = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        fn(*args)
    finally:
        sys.setprofile(previous)
    return count
