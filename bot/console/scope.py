"""Who may do what in the console, on top of the chat's roles (:mod:`bot.stats.roles`), and how a household
is named in a URL.

- Seeing (anomalies, a household's history, schedules): the viewer's scope, exactly as ``/summary`` has it.
- Correcting a value: a statistician, a grid leader or an admin, in that part of their scope (a member
  corrects in the chat).
- A roster upload: an admin, or a statistician whose town or village holds every change.
- Changing a grid's schedule: an admin or the grid's leader, as ``/schedule`` (checked by the reminders'
  service).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.stats.hierarchy import Unit
from bot.stats.roles import Viewer

_REF = re.compile(r"h([1-9][0-9]{0,15})")


@dataclass(frozen=True)
class Refused:
    """What the console says instead of the data: the reason, in Chinese."""

    text: str


def household_ref(household_id: int) -> str:
    """A household's reference in the console's URLs (``h12``): the database id, which says nothing about the
    household; whoever follows it is checked against their scope like any other request."""
    return f"h{int(household_id)}"


def parse_household_ref(ref: str) -> int | None:
    """The household id of a reference, or None when it is none."""
    m = _REF.fullmatch(ref.strip())
    return int(m.group(1)) if m else None


def editing_roots(viewer: Viewer) -> list[Unit]:
    """The parts of the viewer's scope they may correct: those of a statistician, a leader or an admin (a
    root is a member's own unit only when the viewer is no more than that member there)."""
    return [r for r in viewer.roots if r.level != "member"]


def roster_roots(viewer: Viewer) -> list[Unit]:
    """The parts of the viewer's scope a roster upload may change: an admin's whole, a statistician's town
    or village (a leader's grid is no such part)."""
    return [r for r in viewer.roots if r.level in ("all", "town", "village")]


def place_in(roots: list[Unit], town: str, village: str) -> bool:
    """Whether a household of ``town``/``village`` lies in one of ``roots`` (all, town or village units)."""
    for r in roots:
        if r.level == "all":
            return True
        if r.level == "town" and r.name == town:
            return True
        if r.level == "village" and r.name == village and r.parent is not None and r.parent.name == town:
            return True
    return False
