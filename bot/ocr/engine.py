"""Recognisers: the pluggable part of the pipeline.

A :class:`Recognizer` reads small crops (one table cell, one header, one digit field). It answers two
questions: "which of these candidate strings is written here, and how likely is each" (:meth:`score`) and
"what is written here" (:meth:`read`, for free text such as notes). The default, :class:`RapidRecognizer`,
runs the PP-OCRv6 small recognition model shipped inside the ``rapidocr`` 3.x wheel (fully offline) through
onnxruntime directly, and scores candidates exactly with the CTC forward algorithm over the model's
per-frame character probabilities, so a number is decoded against its valid range and a name against the
sender's households instead of being read as free text. The models were chosen by measurement on real
handwriting (``python -m bench.recogniser_eval``). :class:`TesseractRecognizer` is the fallback for
machines without it and the reader of printed text (form ids, orientation).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

log = logging.getLogger(__name__)

NEG = -1e9
#: the most output floats one recognition batch may give (4 MB; PP-OCRv6 has 18,710 classes a frame): the
#: model's own buffers grow with it (a reading's peak: 301 MB at 4M, 254 MB at 1M, as fast)
MAX_BATCH_FLOATS = 1_000_000


@dataclass
class Reading:
    text: str
    confidence: float


@dataclass
class Scored:
    """One crop scored against its candidates."""

    scores: np.ndarray  # log-likelihood of each candidate string, in order
    reading: Reading  # the free reading
    ref: float  # log-likelihood of the free reading (a candidate far below it is not what is written)


class Recognizer(Protocol):
    name: str

    def score(self, crops: Sequence[np.ndarray], candidates: Sequence[Sequence[str]]) -> list[Scored]:
        """For each crop, the log-likelihood of each of its candidate strings (same order), and a free reading."""
        ...

    def read(self, crops: Sequence[np.ndarray]) -> list[Reading]:
        """Free reading of each crop."""
        ...

    def detect(self, image: np.ndarray) -> list[tuple[np.ndarray, str, float]]:
        """Text lines in a whole image: (4x2 box, text, confidence)."""
        ...


def ctc_loglik(logp: np.ndarray, labels: Sequence[Sequence[int]]) -> np.ndarray:
    """log P(label | frames) for every label sequence, by the CTC forward algorithm (blank = index 0).

    ``logp`` is (T, C) log-probabilities. All labels are scored together, padded to one length.
    """
    n = len(labels)
    if n == 0:
        return np.zeros(0)
    lmax = max(1, max(len(lab) for lab in labels))
    s_len = 2 * lmax + 1
    ext = np.zeros((n, s_len), dtype=np.int64)  # blank-interleaved labels
    valid = np.zeros((n, s_len), dtype=bool)
    skip = np.zeros((n, s_len), dtype=bool)  # may jump from s-2 to s
    ends = np.zeros(n, dtype=np.int64)
    for i, lab in enumerate(labels):
        L = len(lab)
        ext[i, 1 : 2 * L : 2] = lab
        valid[i, : 2 * L + 1] = True
        for k in range(1, L):
            skip[i, 2 * k + 1] = lab[k] != lab[k - 1]
        ends[i] = 2 * L
    T = logp.shape[0]
    emit = logp[:, ext]  # (T, n, S)
    alpha = np.full((n, s_len), NEG)
    alpha[:, 0] = emit[0, :, 0]
    alpha[:, 1] = np.where(valid[:, 1], emit[0, :, 1], NEG)
    for t in range(1, T):
        a1 = np.concatenate([np.full((n, 1), NEG), alpha[:, :-1]], axis=1)
        a2 = np.concatenate([np.full((n, 2), NEG), alpha[:, :-2]], axis=1)
        a2 = np.where(skip, a2, NEG)
        m = np.maximum(np.maximum(alpha, a1), a2)
        acc = np.exp(alpha - m) + np.exp(a1 - m) + np.exp(a2 - m)
        alpha = np.where(valid, m + np.log(acc) + emit[t], NEG)
    idx = np.arange(n)
    last = alpha[idx, ends]
    prev = np.where(ends > 0, alpha[idx, np.maximum(ends - 1, 0)], NEG)
    m = np.maximum(last, prev)
    return m + np.log(np.exp(last - m) + np.exp(prev - m))


@dataclass
class LabelTrie:
    """Candidate label sequences as a prefix tree, for scoring them all in one CTC pass: candidates that
    share a prefix ("36.5", "36.5℃", "36.6") share its forward variables."""

    parent: np.ndarray  # per node (a prefix), its parent node; -1: the empty prefix
    label: np.ndarray  # the node's last label
    repeat: np.ndarray  # its last label equals its parent's (CTC needs a blank between the two)
    depth_order: list[np.ndarray]  # the nodes by depth
    ends: np.ndarray  # per candidate, the node where it ends (-1: the candidate is empty)

    @classmethod
    def of(cls, labels: Sequence[Sequence[int]]) -> LabelTrie:
        index: dict[tuple[int, ...], int] = {}
        parent: list[int] = []
        label: list[int] = []
        depth: list[int] = []
        ends = []
        for lab in labels:
            node = -1
            for k in range(len(lab)):
                key = tuple(lab[: k + 1])
                got = index.get(key)
                if got is None:
                    got = index[key] = len(parent)
                    parent.append(node)
                    label.append(lab[k])
                    depth.append(k)
                node = got
            ends.append(node)
        par = np.asarray(parent, dtype=np.int64)
        lab_a = np.asarray(label, dtype=np.int64)
        rep = np.zeros(len(par), dtype=bool)
        has = par >= 0
        rep[has] = lab_a[has] == lab_a[par[has]]
        dep = np.asarray(depth)
        order = [np.nonzero(dep == d)[0] for d in range(int(dep.max()) + 1)] if len(dep) else []
        return cls(par, lab_a, rep, order, np.asarray(ends, dtype=np.int64))


def ctc_trie_loglik(logp: np.ndarray, trie: LabelTrie) -> np.ndarray:
    """log P(label | frames) for every candidate of ``trie``: the CTC forward algorithm run once over the
    prefix tree (two states per prefix: its last label, and a blank after it). Same values as
    :func:`ctc_loglik`; blank = index 0."""
    T = logp.shape[0]
    n = len(trie.parent)
    out = np.full(len(trie.ends), NEG)
    if n == 0 or T == 0:
        return out
    par = trie.parent
    top = par < 0
    safe_par = np.where(top, 0, par)
    lab = np.full(n, NEG)  # in the node's last label
    blk = np.full(n, NEG)  # in a blank after it
    root = float(logp[0, 0])  # a blank before anything
    lab[top] = logp[0, trie.label[top]]
    for t in range(1, T):
        emit = logp[t]
        from_parent_blank = np.where(top, root, blk[safe_par])
        from_parent_label = np.where(top | trie.repeat, NEG, lab[safe_par])
        m = np.maximum(np.maximum(lab, from_parent_blank), from_parent_label)
        acc = np.exp(lab - m) + np.exp(from_parent_blank - m) + np.exp(from_parent_label - m)
        new_lab = m + np.log(acc) + emit[trie.label]
        mb = np.maximum(blk, lab)
        blk = mb + np.log(np.exp(blk - mb) + np.exp(lab - mb)) + emit[0]
        lab = np.maximum(new_lab, NEG)
        blk = np.maximum(blk, NEG)
        root = root + float(emit[0])
    good = trie.ends >= 0
    e = trie.ends[good]
    m = np.maximum(lab[e], blk[e])
    out[good] = m + np.log(np.exp(lab[e] - m) + np.exp(blk[e] - m))
    return out


@dataclass(frozen=True)
class OnnxModel:
    """An ONNX model shipped inside a wheel (nothing is downloaded at run time)."""

    name: str
    package: str  # the import name of the wheel that ships it
    file: str  # inside the package

    def path(self) -> Path:
        """Where the model is; the package is found, not imported (importing rapidocr costs about 1 s and
        30 MB). Raises RuntimeError when the wheel is not installed."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the {self.name} model needs the Python package {self.package!r}")
        p = Path(next(iter(spec.submodule_search_locations))) / self.file
        if not p.is_file():
            raise RuntimeError(f"the {self.name} model is missing from {self.package!r} ({self.file})")
        return p


#: recognition models: PP-OCRv6 small (the ``rapidocr`` 3.x wheel: 18,708 characters, 21 MB) and PP-OCRv4
#: (the ``rapidocr-onnxruntime`` 1.4.4 wheel: 6,623 characters, 11 MB; kept for bench/recogniser_eval.py
#: when that wheel is installed). Both take 48 px high crops normalised to [-1, 1], padded with zeros on
#: the right (rapidocr 3.x ch_ppocr_rec TextRecognizer.resize_norm_img), and give softmax frames every 8 px.
REC_MODELS = {
    "PP-OCRv6": OnnxModel("PP-OCRv6 small rec", "rapidocr", "models/PP-OCRv6_rec_small.onnx"),
    "PP-OCRv4": OnnxModel("PP-OCRv4 rec", "rapidocr_onnxruntime", "models/ch_PP-OCRv4_rec_infer.onnx"),
}
#: text detection models (DB; the same pre- and post-processing, rapidocr 3.x ch_ppocr_det)
DET_MODELS = {
    "PP-OCRv6": OnnxModel("PP-OCRv6 small det", "rapidocr", "models/PP-OCRv6_det_small.onnx"),
    "PP-OCRv4": OnnxModel("PP-OCRv4 det", "rapidocr_onnxruntime", "models/ch_PP-OCRv4_det_infer.onnx"),
}
#: the models gridbot reads with (chosen by bench/recogniser_eval.py)
REC_DEFAULT = "PP-OCRv6"
DET_DEFAULT = "PP-OCRv6"


#: onnxruntime's threads at most (a recogniser is shared by the reading pool)
MAX_THREADS = 2


def usable_cores() -> int:
    """The cores this process may run on, at most :data:`MAX_THREADS`: more threads than cores only wait for
    each other (onnxruntime's idle threads spin; pinned to one core, two threads read at half the speed)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, n))


class RapidRecognizer:
    """A PP-OCR recognition model (ONNX, through onnxruntime) with exact candidate scoring; a PP-OCR
    detection model only for tables without ruling (loaded on first use)."""

    name = "rapidocr"
    HEIGHT = 48
    MAX_RATIO = 14.0  # longer crops are squeezed (bounds time and memory)

    def __init__(self, threads: int | None = None, rec: str = REC_DEFAULT, det: str = DET_DEFAULT):
        from onnxruntime import GraphOptimizationLevel, InferenceSession, SessionOptions

        self.rec_model, self.det_model = REC_MODELS[rec], DET_MODELS[det]
        so = SessionOptions()
        so.log_severity_level = 4
        so.enable_cpu_mem_arena = False
        so.enable_mem_pattern = False  # crops of many widths: cached patterns only grow memory
        so.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = max(1, threads if threads is not None else usable_cores())
        so.inter_op_num_threads = 1
        self._opts = so
        self._session = InferenceSession
        self._rec = InferenceSession(str(self.rec_model.path()), so, providers=["CPUExecutionProvider"])
        self._input = self._rec.get_inputs()[0].name
        # the model's own character list (its metadata), with CTC's blank first and a space last, as
        # rapidocr's CTCLabelDecode has it
        meta = self._rec.get_modelmeta().custom_metadata_map
        chars = meta["character"].splitlines()
        self.chars: list[str] = ["blank", *chars, " "]
        self.charset: dict[str, int] = {}
        for i, ch in enumerate(self.chars):
            self.charset.setdefault(ch, i)
        self._det: Any = None
        self._det_lock = threading.Lock()
        self._tries: dict[tuple[str, ...], tuple[list[int], list[int], LabelTrie]] = {}

    # -- frames
    def _norm(self, img: np.ndarray, width: int) -> np.ndarray:
        h, w = img.shape[:2]
        rw = max(1, min(width, int(np.ceil(self.HEIGHT * w / max(1, h)))))
        resized = cv2.resize(img, (rw, self.HEIGHT)).astype(np.float32)
        out = np.zeros((3, self.HEIGHT, width), dtype=np.float32)
        out[:, :, :rw] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
        return out

    def probs(self, crops: Sequence[np.ndarray], batch: int = 12) -> Iterator[tuple[int, np.ndarray]]:
        """Per-frame character probabilities (T, C) of each crop (BGR or gray), as (index, frames), a
        batch at a time: use each before asking for the next (a v6 frame is 18,710 floats; a photo's
        cells all kept at once would weigh hundreds of MB)."""
        imgs = [_bgr(c) for c in crops]
        ratios = [min(self.MAX_RATIO, max(1.0, c.shape[1] / max(1, c.shape[0]))) for c in imgs]
        order = sorted(range(len(imgs)), key=lambda i: ratios[i])
        n_chars = len(self.chars)
        b = 0
        while b < len(order):
            ids = [order[b]]
            # group crops of similar width (padding wastes time), at most ``batch`` and at most
            # MAX_BATCH_FLOATS of output
            while (len(ids) < batch and b + len(ids) < len(order)
                   and ratios[order[b + len(ids)]] <= 1.3 * ratios[ids[0]] + 0.5
                   and (len(ids) + 1) * self.HEIGHT * ratios[order[b + len(ids)]] / 8 * n_chars <= MAX_BATCH_FLOATS):
                ids.append(order[b + len(ids)])
            b += len(ids)
            width = int(np.ceil(self.HEIGHT * max(ratios[i] for i in ids) / 8) * 8)
            x = np.stack([self._norm(imgs[i], width) for i in ids])
            preds = self._rec.run(None, {self._input: x})[0]
            for k, i in enumerate(ids):
                keep = min(preds.shape[1], int(np.ceil(preds.shape[1] * ratios[i] * self.HEIGHT / width)) + 1)
                yield i, preds[k, : max(2, keep)]
            del preds

    def encode(self, text: str) -> list[int] | None:
        ids = [self.charset.get(ch) for ch in text]
        if any(i is None for i in ids):
            return None
        return [int(i) for i in ids if i is not None]

    def score(self, crops: Sequence[np.ndarray], candidates: Sequence[Sequence[str]]) -> list[Scored]:
        if len(candidates) != len(crops):
            raise ValueError("one candidate list per crop")
        out: list[Scored | None] = [None] * len(crops)
        for i, p in self.probs(crops):
            out[i] = Scored(self.score_frames(p, candidates[i]), self.greedy(p), self.best_path_loglik(p))
        return [o for o in out if o is not None]

    def _trie(self, cands: Sequence[str]) -> tuple[list[int], list[int], LabelTrie]:
        """The candidates that can be written with the model's characters, the character columns they use
        (blank first), and their prefix tree over those columns (cached per candidate list)."""
        key = tuple(cands)
        got = self._tries.get(key)
        if got is None:
            labels = [self.encode(c) for c in cands]
            good = [i for i, lab in enumerate(labels) if lab]
            cols = [0, *sorted({ix for i in good for ix in labels[i] or []})]
            remap = {c: k for k, c in enumerate(cols)}
            got = (good, cols, LabelTrie.of([[remap[ix] for ix in labels[i] or []] for i in good]))
            if len(self._tries) > 64:
                self._tries.clear()
            self._tries[key] = got
        return got

    def score_frames(self, p: np.ndarray, cands: Sequence[str]) -> np.ndarray:
        good, cols, trie = self._trie(cands)
        scores = np.full(len(cands), NEG)
        if good:
            # only the columns that the candidates use, plus blank
            logp = np.log(np.clip(p[:, cols], 1e-12, 1.0))
            scores[good] = ctc_trie_loglik(logp, trie)
        return scores

    def greedy(self, p: np.ndarray) -> Reading:
        idx = p.argmax(axis=1)
        prob = p.max(axis=1)
        chars, confs = [], []
        prev = -1
        for i, c in enumerate(idx):
            if c != 0 and c != prev:
                chars.append(self.chars[c])
                confs.append(float(prob[i]))
            prev = c
        text = "".join(chars).strip()
        return Reading(text, float(np.mean(confs)) if confs else 0.0)

    def best_path_loglik(self, p: np.ndarray) -> float:
        return float(np.log(np.clip(p.max(axis=1), 1e-12, 1.0)).sum())

    def read(self, crops: Sequence[np.ndarray]) -> list[Reading]:
        out: list[Reading | None] = [None] * len(crops)
        for i, p in self.probs(crops):
            out[i] = self.greedy(p)
        return [o for o in out if o is not None]

    def detect(self, image: np.ndarray) -> list[tuple[np.ndarray, str, float]]:
        """Text boxes (the detection model, rapidocr's DB pre- and post-processing) on the image scaled to
        at most 960 px; texts are not read."""
        with self._det_lock:
            if self._det is None:
                from rapidocr.ch_ppocr_det.utils import DBPostProcess, DetPreProcess

                sess = self._session(str(self.det_model.path()), self._opts, providers=["CPUExecutionProvider"])
                self._det = (sess, DetPreProcess(960, "max"),
                             DBPostProcess(thresh=0.3, box_thresh=0.5, max_candidates=1000, unclip_ratio=1.6,
                                           use_dilation=True, score_mode="fast"))
        sess, pre, post = self._det
        img = _bgr(image)
        scale = min(1.0, 960 / max(img.shape[:2]))
        small = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else img
        x = pre(small)
        if x is None:
            return []
        preds = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        boxes, _ = post(preds, small.shape[:2])
        return [(np.asarray(box, dtype=np.float32) / scale, "", 1.0) for box in boxes]


class TesseractRecognizer:
    """Tesseract (chi_sim + eng): strong on printed text, weak on handwriting. Scores by edit distance."""

    name = "tesseract"

    def __init__(self) -> None:
        import pytesseract

        self._t = pytesseract
        if shutil.which("tesseract") is None:
            raise RuntimeError("tesseract is not installed")

    def read(self, crops: Sequence[np.ndarray]) -> list[Reading]:
        out = []
        for c in crops:
            data = self._t.image_to_data(
                _bgr(c)[:, :, ::-1], lang="chi_sim+eng", config="--psm 7", output_type=self._t.Output.DICT
            )
            words = [(w, float(cf)) for w, cf in zip(data["text"], data["conf"], strict=False) if w.strip()]
            text = "".join(w for w, _ in words)
            conf = float(np.mean([max(0.0, cf) for _, cf in words]) / 100) if words else 0.0
            out.append(Reading(text, conf))
        return out

    def score(self, crops: Sequence[np.ndarray], candidates: Sequence[Sequence[str]]) -> list[Scored]:
        from rapidfuzz.distance import Levenshtein

        out = []
        for r, cands in zip(self.read(crops), candidates, strict=True):
            scores = np.array([-3.0 * Levenshtein.distance(r.text, c) for c in cands], dtype=float)
            out.append(Scored(scores, r, 0.0))
        return out

    def detect(self, image: np.ndarray) -> list[tuple[np.ndarray, str, float]]:
        data = self._t.image_to_data(
            _bgr(image)[:, :, ::-1], lang="chi_sim+eng", config="--psm 11", output_type=self._t.Output.DICT
        )
        out = []
        for i, w in enumerate(data["text"]):
            if not w.strip():
                continue
            x, y, bw, bh = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
            box = np.array([[x, y], [x + bw, y], [x + bw, y + bh], [x, y + bh]], dtype=np.float32)
            out.append((box, w, max(0.0, float(data["conf"][i])) / 100))
        return out


def tesseract_available() -> bool:
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return shutil.which("tesseract") is not None


def read_printed(image: np.ndarray, whitelist: str = "") -> str:
    """Printed text in one line (a form id), by Tesseract; "" when Tesseract is missing."""
    if not tesseract_available():
        return ""
    import pytesseract

    cfg = "--psm 7" + (f" -c tessedit_char_whitelist={whitelist}" if whitelist else "")
    try:
        return str(pytesseract.image_to_string(_bgr(image)[:, :, ::-1], lang="eng", config=cfg)).strip()
    except pytesseract.TesseractError:
        log.warning("tesseract failed on a printed line")
        return ""


_lock = threading.Lock()
_engines: dict[str, Recognizer] = {}


def get_recognizer(name: str = "rapidocr") -> Recognizer:
    """The shared recogniser (loaded once per process; thread-safe to use)."""
    with _lock:
        eng = _engines.get(name)
        if eng is None:
            if name == "rapidocr":
                eng = RapidRecognizer()
            elif name == "tesseract":
                eng = TesseractRecognizer()
            else:
                raise ValueError(f"unknown OCR engine {name!r}")
            _engines[name] = eng
            log.info("OCR engine %s loaded", name)
        return eng


def _bgr(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        return np.ascontiguousarray(np.repeat(img[:, :, None], 3, axis=2))
    return img
