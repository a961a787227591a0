"""Reading photos of handwritten report tables and of gridbot's printable forms.

The pipeline is pure (no Telegram, no database): :func:`bot.ocr.reader.read_photo` takes the image bytes,
the sender's roster entry and the template, and returns a :class:`bot.core.model.MemberReport` whose
households carry their table row, a confidence per field and the fields the reader is unsure of.

This package's ``__init__`` stays light (no OpenCV, no ONNX): the configuration imports it at start-up.
"""

from __future__ import annotations

from bot.config.ocr import OcrConfig, parse_ocr_config
from bot.ocr.errors import OcrError

__all__ = ["OcrConfig", "OcrError", "parse_ocr_config"]
