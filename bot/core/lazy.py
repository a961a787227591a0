"""Modules loaded on first use.

The OCR pipeline pulls in OpenCV and NumPy (about 45 MB of memory) the moment it is imported. A bot that is
never sent a photo, and every ``gridbot`` command that reads none, should not pay for that, so the two
places that call into it (the photo service and the OCR command line) hold it as a :class:`LazyModule`.
It is a declared dependency like an import: ``tests/test_architecture.py`` counts ``LazyModule("…")``
as an edge when it looks for import circles.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name``; imports it at the first attribute looked up on it."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def load(self) -> ModuleType:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return self._module

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.load(), attr)

    def __repr__(self) -> str:
        return f"LazyModule({self._name!r}, loaded={self._module is not None})"
