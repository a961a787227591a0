"""The table found in a photo, however it was found: a rectified image, its ink, and the cells.

The ruled path (:mod:`bot.ocr.ruling`) and the unruled fallback (:mod:`bot.ocr.unruled`) both make a
:class:`Table`; the cells, the columns and the reader (:mod:`bot.ocr.cells`, :mod:`bot.ocr.columns`,
:mod:`bot.ocr.reader`) read one without knowing which path made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1


def quad_box(q: np.ndarray) -> Box:
    """The whole-pixel box that holds a cell's four corners."""
    x0, y0 = np.floor(q.min(axis=0)).astype(int)
    x1, y1 = np.ceil(q.max(axis=0)).astype(int)
    return (int(x0), int(y0), int(x1), int(y1))


@dataclass
class Table:
    """A rectified table: the image, its ink without ruling, and the cell boxes (rows of columns)."""

    image: np.ndarray  # gray, background-normalised
    ink: np.ndarray  # uint8 0/255 ink mask, ruling removed
    cells: list[list[Box]]
    method: str  # "lines" or "boxes"
    row_lines: list[int] = field(default_factory=list)
    col_lines: list[int] = field(default_factory=list)
    #: each cell's four corners (top-left, top-right, bottom-right, bottom-left), when known
    quads: list[list[np.ndarray]] | None = None
    #: per row: its geometry was guessed (a line recovered from the spacing, an odd height)
    row_doubt: list[bool] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.cells)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.cells), default=0)

    def doubtful(self, r: int) -> bool:
        return bool(self.row_doubt[r]) if r < len(self.row_doubt) else False

    def quad(self, r: int, c: int) -> np.ndarray | None:
        """Cell ``(r, c)``'s four corners, when known."""
        if self.quads is None or r >= len(self.quads) or c >= len(self.quads[r]):
            return None
        return self.quads[r][c]
