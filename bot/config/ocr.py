"""The ``[ocr]`` section of the configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config.errors import ConfigError
from bot.config.values import expect

ENGINES = ("rapidocr", "tesseract")


@dataclass(frozen=True)
class OcrConfig:
    #: Read photos posted in bound groups at all.
    enabled: bool = True
    #: The recogniser for handwritten cells: "rapidocr" (PP-OCRv6 small, offline) or "tesseract" (weak on handwriting).
    engine: str = "rapidocr"
    #: Photos read at the same time (each in a worker thread; the recogniser uses the cores itself).
    workers: int = 1
    #: Photos waiting for a worker at most; more get "busy, please resend later".
    max_queue: int = 8
    #: Largest file accepted, in bytes (Telegram lets bots download up to 20 MB).
    max_bytes: int = 20_000_000
    #: Largest image accepted, in pixels, checked from the header before decoding (decompression bombs).
    max_pixels: int = 40_000_000
    #: Smallest side accepted, in pixels.
    min_side: int = 200
    #: Seconds one photo may take before it is given up.
    timeout_s: float = 60.0
    #: A field whose confidence is below this is marked uncertain in the reply.
    min_confidence: float = 0.9
    #: Valid people counts per household.
    people_max: int = 12
    #: Valid body temperatures.
    temperature_min: float = 34.0
    temperature_max: float = 42.9


_KEYS = {
    "enabled": bool, "engine": str, "workers": int, "max_queue": int, "max_bytes": int, "max_pixels": int,
    "min_side": int, "timeout_s": (int, float), "min_confidence": (int, float), "people_max": int,
    "temperature_min": (int, float), "temperature_max": (int, float),
}


def parse_ocr_config(section: dict[str, Any] | None) -> OcrConfig:
    """Validate the ``[ocr]`` table. Raises :class:`ConfigError` naming the key on a bad value."""
    if not section:
        return OcrConfig()
    kw: dict[str, Any] = {}
    for key in section:
        types = _KEYS.get(key)
        if types is None:
            raise ConfigError(f"ocr.{key}", "unknown key")
        kw[key] = expect(section, key, types, f"ocr.{key}")
    cfg = OcrConfig(**kw)
    if cfg.engine not in ENGINES:
        raise ConfigError("ocr.engine", f"must be one of {', '.join(ENGINES)}")
    for key in ("workers", "max_queue", "max_bytes", "max_pixels", "min_side", "people_max"):
        if getattr(cfg, key) < 1:
            raise ConfigError(f"ocr.{key}", "must be at least 1")
    if cfg.timeout_s <= 0:
        raise ConfigError("ocr.timeout_s", "must be positive")
    if not 0.0 <= cfg.min_confidence <= 1.0:
        raise ConfigError("ocr.min_confidence", "must be between 0 and 1")
    if not 30.0 <= cfg.temperature_min < cfg.temperature_max <= 45.0:
        raise ConfigError("ocr.temperature_min", "need 30 <= temperature_min < temperature_max <= 45")
    return cfg
