"""The bundled sample: a made-up village (青山镇东风村) with 3 grids, 10 members and 147 households."""

from __future__ import annotations

from importlib import resources


def roster_bytes() -> bytes:
    """The sample roster CSV (UTF-8 with BOM, Chinese headers)."""
    return resources.files(__name__).joinpath("roster.csv").read_bytes()
