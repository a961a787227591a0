"""Finding CJK fonts: a printed face for forms, handwriting-like faces for synthetic photos."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0

    def get(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(self.path, self.index, size)


@lru_cache(maxsize=48)
def _load(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


#: Debian's fonts-noto-cjk (Sans CJK SC is face 2 of the collection) and fonts-arphic-ukai.
_PRINT = [
    FontFile("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    FontFile("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    FontFile("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    FontFile("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
]
_UKAI = FontFile("/usr/share/fonts/truetype/arphic/ukai.ttc", 0)

#: The @fontsource npm packages the benchmark installs (bench/package.json): handwriting-style faces.
FONTSOURCE = ("long-cang", "ma-shan-zheng", "zhi-mang-xing", "liu-jian-mao-cao")


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def print_font() -> FontFile:
    """A printed CJK face for the forms (fonts-noto-cjk); raises :class:`FontMissing` without one."""
    for f in _PRINT:
        if Path(f.path).exists():
            return f
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).exists():
            return FontFile(out, 0)
    raise FontMissing("no CJK font found: install fonts-noto-cjk")


def hand_fonts(node_modules: str | Path | None = None) -> list[FontFile]:
    """Handwriting-like faces: the @fontsource packages under ``node_modules`` (when installed) and
    Debian's fonts-arphic-ukai (a brush 楷书). Falls back to the printed face so that something renders."""
    out: list[FontFile] = []
    if node_modules is not None:
        base = Path(node_modules) / "@fontsource"
        for name in FONTSOURCE:
            f = base / name / "files" / f"{name}-chinese-simplified-400-normal.woff"
            if f.exists():
                out.append(FontFile(str(f), 0))
    if Path(_UKAI.path).exists():
        out.append(_UKAI)
    if not out:
        out.append(print_font())
    return out
