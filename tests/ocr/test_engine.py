"""The recogniser: the PP-OCRv6 models shipped in the rapidocr wheel, run through onnxruntime directly."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
from PIL import Image, ImageDraw

from bot.ocr import decode
from bot.ocr.engine import (
    DET_DEFAULT,
    DET_MODELS,
    MAX_THREADS,
    REC_DEFAULT,
    REC_MODELS,
    get_recognizer,
    usable_cores,
)
from bot.ocr.fonts import print_font


def _line(text: str, height: int = 64, size: int = 44) -> np.ndarray:
    font = print_font().get(size)
    w = int(font.getlength(text)) + 40
    img = Image.new("L", (w, height), 255)
    ImageDraw.Draw(img).text((20, height // 2), text, font=font, fill=0, anchor="lm")
    return np.asarray(img)


def test_the_models_ship_in_the_wheel() -> None:
    rec, det = REC_MODELS[REC_DEFAULT].path(), DET_MODELS[DET_DEFAULT].path()
    assert "PP-OCRv6" in rec.name and rec.stat().st_size > 5_000_000
    assert "PP-OCRv6" in det.name and det.stat().st_size > 2_000_000


def test_the_models_own_dictionary_has_what_gridbot_reads() -> None:
    eng = get_recognizer()
    assert eng.chars[0] == "blank" and eng.chars[-1] == " "  # as rapidocr's CTCLabelDecode has it
    for ch in "0123456789.·℃°√×是否有无人家度正常":
        assert ch in eng.charset, ch
    for s in (*decode.mark_set().strings, *decode.temperature_set().strings, *decode.count_set(20).strings):
        assert eng.encode(s) is not None, s


def test_crops_of_every_width_keep_their_own_scores() -> None:
    """Crops are batched by width and given back in their own order: each is decided as what it shows."""
    texts = ["7", "36.8", "12", "张三家", "39.5", "3", "王建国", "20", "36.5℃", "否"] * 3
    cands = sorted(set(texts))
    eng = get_recognizer()
    scored = eng.score([_line(t) for t in texts], [cands] * len(texts))
    assert [cands[int(np.argmax(s.scores))] for s in scored] == texts
    plain = [t for t in texts[:10] if t.isalnum() or "." in t and "℃" not in t]  # a free reading may say "°℃"
    assert [r.text for r in eng.read([_line(t) for t in plain])] == plain


def test_reading_does_not_import_rapidocr() -> None:
    """The models are found in the wheel, not loaded through it (importing rapidocr costs about 1 s and 30 MB);
    only the detector's pre- and post-processing come from it, when a table without ruling needs them."""
    code = ("import sys, numpy as np; from bot.ocr.engine import RapidRecognizer; e = RapidRecognizer(threads=1); "
            "e.score([np.full((48, 96), 255, np.uint8)], [['1']]); print('rapidocr' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_detection_finds_the_lines_of_a_page() -> None:
    page = np.full((700, 900), 255, np.uint8)
    lines = ["户主 人数 体温", "王建国 4 36.5", "李秀英 3 36.8", "张伟 2 37.0"]
    for i, t in enumerate(lines):
        img = _line(t)
        page[100 + i * 140 : 100 + i * 140 + img.shape[0], 80 : 80 + img.shape[1]] = img
    boxes = get_recognizer().detect(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR))
    rows = {int((b[:, 1].mean() - 100) // 140) for b, _, _ in boxes}
    assert rows == {0, 1, 2, 3}
    for b, _, _ in boxes:
        assert b.shape == (4, 2) and 60 <= b[:, 0].min() and b[:, 0].max() <= 900


def test_as_many_threads_as_cores_to_run_on() -> None:
    """Pinned to one core (the benchmark's reading child, a small server), onnxruntime runs one thread: a
    second one only spins beside it, and recognition took twice as long."""
    code = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "from bot.ocr.engine import usable_cores; print(usable_cores())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "1"
    assert 1 <= usable_cores() <= MAX_THREADS
