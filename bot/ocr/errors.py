"""Why a photo could not be read. Each code has a short Chinese reply in :mod:`bot.core.texts`."""

from __future__ import annotations

#: code -> what went wrong (English, for logs; the reply text is in bot.core.texts.OCR_ERRORS)
CODES = {
    "not_image": "the file is not an image",
    "truncated": "the image data is incomplete",
    "too_small": "the image is too small",
    "too_large": "the image is too large",
    "no_table": "no table or form found",
    "empty": "the table or form has nothing written in it",
    "no_households": "none of the sender's households found",
    "cut_off": "a part of the table is outside the photo",
    "covered": "a part of the table is covered (a finger)",
    "busy": "too many photos waiting",
    "timeout": "reading took too long",
    "failed": "the reader failed",
}


class OcrError(Exception):
    """A photo that cannot be read; ``code`` is one of :data:`CODES`."""

    def __init__(self, code: str, detail: str = ""):
        if code not in CODES:
            raise ValueError(f"unknown OCR error code {code!r}")
        super().__init__(f"{code}: {detail or CODES[code]}")
        self.code = code
        self.detail = detail
