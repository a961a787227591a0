"""The OCR benchmark's sets: the registry that ``python -m bench.ocr_bench`` runs, and what a set's generator
is given.

A set is a :class:`BenchSet`: a name, a generator ``make(ctx, n, rng) -> cases`` and its targets. The
benchmark calls each generator twice with the same seed, once with font digits (``ctx.digits`` None) and
once with real handwritten digits (a :class:`handlers.offline.mnist.DigitBank`), and prints the two side by
side. A generator takes its writers from :meth:`Context.hand`: their numbers then have their own random
stream, so the two photos of a pair differ only in how the counts and temperatures are written (as long as
the generator writes them with ``Hand.write_number`` and draws nothing else from ``hand.nrng``).

A case is a dict: ``kind`` (the set's name), ``id``, ``member``, ``grid``, ``data`` (JPEG bytes), ``font``,
``rows`` (the truth: one dict per row written, ``row`` numbered from 1 in the photo's order, with
``household``, ``people``, ``temperature``, ``out``, ``returned``, ``note`` as :func:`synth.random_spec` makes
them; a row with ``stranger`` True is not the sender's). A set registers itself with :func:`register` when
its module is imported (``bench/ocr_bench.py`` imports them), e.g. in ``bench/ocr_foreign.py``::

    from bench.ocr_sets import BenchSet, Context, register

    def other_cases(ctx: Context, n: int, rng: random.Random) -> list[dict[str, Any]]:
        ...  # n photos: ctx.members, ctx.hand(rng), synth.photograph(page, rng), ctx.case("other", ...)

    register(BenchSet("other", "printed forms of another layout", other_cases, n=20, quick=4, right=0.95,
                      unflagged=0.005, order=30))

and one line in ``bench/ocr_bench.py``: ``import bench.ocr_foreign  # noqa: F401``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"


@lru_cache(maxsize=1)
def sample_roster() -> Any:
    """The bundled village's roster (bot/sample)."""
    from bot.core.roster import read_roster_bytes, roster_from_rows
    from bot.sample import roster_bytes

    return roster_from_rows(read_roster_bytes(roster_bytes(), "roster.csv").rows)


@dataclass
class Context:
    """What every generator shares: the roster's members with six households or more, the handwriting fonts,
    and the digits (None: the fonts' own)."""

    members: list[Any]
    fonts: list[Any]
    digits: Any = None  # handlers.offline.mnist.DigitBank | None

    @property
    def others(self) -> list[str]:
        """Every household name of the members (for rows of other households written in)."""
        return [h.name for m in self.members for h in m.households]

    def hand(self, rng: random.Random, sloppiness: float = 1.0) -> Any:
        """A random writer; its numbers have their own stream (seeded from ``rng``, so both digit kinds consume
        ``rng`` alike) and come from the real digits when the context has them."""
        from handlers.offline import synth

        nrng = random.Random(rng.getrandbits(64))
        return synth.Hand.random(self.fonts, rng, sloppiness=sloppiness, digits=self.digits, nrng=nrng)

    @staticmethod
    def case(kind: str, case_id: str, member: Any, data: bytes, hand: Any, rows: list[dict[str, Any]],
             **extra: Any) -> dict[str, Any]:
        """A case dict (see the module's doc); ``rows`` in the photo's order, numbered here."""
        return {"kind": kind, "id": case_id, "member": member.name, "grid": member.grid, "data": data,
                "font": Path(hand.font.path).name.split("-chinese")[0], "rows": truth_rows(rows), **extra}


def truth_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"row": i, **r} for i, r in enumerate(rows, start=1)]


def pair_rows(truth: list[dict[str, Any]], read: list[dict[str, Any]],
              by: str = "row") -> list[dict[str, Any] | None]:
    """The reading of each truth row (None: not found). ``by`` "row": the reading with the same row number;
    "household": the readings aligned to the truth in order, pairing the same household first (a
    register's printed names are its rows' identity, so a row the reader lost costs only that row, not the
    numbering of every row after it). A reading whose household is another's or unknown is paired by its
    place between the rows that were matched (a name misread costs that name, not its row's values)."""
    if by == "row":
        by_row = {h["row"]: h for h in read}
        return [by_row.get(t["row"]) for t in truth]
    n, m = len(truth), len(read)
    # the most pairs of the same household, then the most pairs (a global alignment; a gap costs nothing)
    best = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            same = int(read[j]["household"] is not None and read[j]["household"] == truth[i]["household"])
            take = best[i + 1][j + 1]
            best[i][j] = max((take[0] + same, take[1] + 1), best[i + 1][j], best[i][j + 1])
    out: list[dict[str, Any] | None] = [None] * n
    i = j = 0
    while i < n and j < m:
        same = int(read[j]["household"] is not None and read[j]["household"] == truth[i]["household"])
        take = best[i + 1][j + 1]
        if best[i][j] == (take[0] + same, take[1] + 1):
            out[i] = read[j]
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return out


@dataclass(frozen=True)
class BenchSet:
    """One set of photos and its targets (shares of fields; None: no target)."""

    name: str
    title: str
    make: Callable[[Context, int, random.Random], list[dict[str, Any]]]
    n: int  # photos by default (for a set of kinds: photos of each kind)
    quick: int  # photos with --quick
    right: float | None = None  # at least this share of fields right (real digits)
    unflagged: float | None = 0.005  # at most this share of fields wrong and not marked ❓
    option: str = ""  # the command-line option that sets n (default: --NAME)
    order: int = 50  # where it is printed (table 10, form 20, stress 90)


#: name -> set, in the order they are printed
SETS: dict[str, BenchSet] = {}


def register(s: BenchSet) -> BenchSet:
    SETS[s.name] = s
    return s


def ordered() -> list[BenchSet]:
    return sorted(SETS.values(), key=lambda s: s.order)
