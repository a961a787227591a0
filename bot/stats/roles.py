"""Who may see which part of the hierarchy.

- **admin** (``bot.admins`` in the config): everything.
- **statistician**: a town or a village, from ``[roles] statisticians`` in the config or set by an admin
  with ``/statistician``.
- **grid leader** (the roster's 网格长 / 网格长账号): their grid.
- **member**: their own households.

A user may hold several roles; they see the union. Anybody else is a stranger and sees nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.config.settings import Config
from bot.stats.hierarchy import Hierarchy, Unit, top_units
from storage.reports import ReportRepo
from storage.stats import StatsRepo

log = logging.getLogger(__name__)

STATISTICIAN_LEVELS = ("town", "village")


@dataclass
class Viewer:
    user_id: str
    roles: set[str] = field(default_factory=set)
    #: the top units this user may see (nothing above them, everything below)
    roots: list[Unit] = field(default_factory=list)

    @property
    def stranger(self) -> bool:
        return not self.roots

    def can_see(self, unit: Unit) -> bool:
        return any(r.contains(unit) for r in self.roots)


async def resolve_viewer(
    config: Config, hierarchy: Hierarchy, repo: ReportRepo, stats: StatsRepo, user_id: str, username: str | None
) -> Viewer:
    v = Viewer(user_id)
    units: list[Unit] = []
    if user_id in config.admins:
        v.roles.add("admin")
        units.append(hierarchy.root)
    scopes = [e.scope for e in config.roles.statisticians if e.matches(user_id, username)]
    scopes += [r.scope for r in await stats.statisticians_for(user_id, username)]
    for scope in scopes:
        found = hierarchy.find(scope, STATISTICIAN_LEVELS)
        if len(found) == 1:
            v.roles.add("statistician")
            units.append(found[0])
        else:
            log.warning("statistician scope of user %s matches %d units; ignored", user_id, len(found))
    await repo.link_username(user_id, username)  # a roster @username is linked the first time it is seen
    members = await repo.members_of_user(user_id)
    for gid in await repo.leader_grid_ids(user_id):
        if gid in hierarchy.grids:
            v.roles.add("leader")
            units.append(hierarchy.grids[gid])
    for m in members:
        unit = hierarchy.members.get(m.id)
        if unit is not None:
            v.roles.add("member")
            units.append(unit)
    v.roots = top_units(units)
    return v
