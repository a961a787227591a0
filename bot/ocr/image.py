"""Stages 1 and 2: decode the photo safely, apply its EXIF orientation, bound its size."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.config.ocr import OcrConfig
from bot.ocr.errors import OcrError

#: The longest side the pipeline works on; larger photos are scaled down (phone photos are 1280-4000 px).
WORK_SIDE = 2000


def probe(data: bytes, cfg: OcrConfig) -> tuple[int, int]:
    """The image's (width, height) from its header only, checked against the limits before any decoding."""
    if len(data) > cfg.max_bytes:
        raise OcrError("too_large", f"{len(data)} bytes")
    if not data:
        raise OcrError("not_image", "empty file")
    try:
        with Image.open(io.BytesIO(data)) as im:  # lazy: reads the header only
            w, h = im.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise OcrError("not_image") from None
    except Image.DecompressionBombError:
        raise OcrError("too_large", "decompression bomb") from None
    if w * h > cfg.max_pixels:
        raise OcrError("too_large", f"{w}x{h}")
    if min(w, h) < cfg.min_side:
        raise OcrError("too_small", f"{w}x{h}")
    return w, h


def load_image(data: bytes, cfg: OcrConfig, work_side: int = WORK_SIDE) -> np.ndarray:
    """Decode to a BGR array, upright per EXIF, with the longest side at most ``work_side``."""
    probe(data, cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.MAX_IMAGE_PIXELS = cfg.max_pixels  # type: ignore[attr-defined]
                if getattr(im, "n_frames", 1) > 1:
                    im.seek(0)
                if im.format == "JPEG":
                    im.draft("RGB", (work_side, work_side))  # decode big JPEGs at a reduced scale
                im.load()
                upright = ImageOps.exif_transpose(im) or im
                rgb = upright.convert("RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise OcrError("too_large", "decompression bomb") from None
        except (OSError, SyntaxError, ValueError) as e:
            msg = str(e).lower()
            if "truncated" in msg or "premature" in msg or "broken" in msg or "end of" in msg:
                raise OcrError("truncated") from None
            raise OcrError("not_image", type(e).__name__) from None
    w, h = rgb.size
    if min(w, h) < cfg.min_side:
        raise OcrError("too_small", f"{w}x{h}")
    scale = work_side / max(w, h)
    if scale < 1:
        rgb = rgb.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)
    arr = np.asarray(rgb, dtype=np.uint8)
    return np.ascontiguousarray(arr[:, :, ::-1])
