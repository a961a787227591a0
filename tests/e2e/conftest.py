"""Fixtures of the end-to-end suite: the fake Bot API server (started and stopped here) and ``gridbot run`` as a
separate process polling it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers.offline.botproc import BotProcess, RosterSpec, make_roster
from handlers.offline.fakeapi import FakeBotApi

ADMIN_ID = 4242
STATISTICIAN_ID = 5151


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def roster() -> RosterSpec:
    """3 grids of 10 members, 3 households each; the last member of each grid has no account."""
    return make_roster(3, 10, 3)


@pytest.fixture
def make_bot(tmp_path: Path, api: FakeBotApi, roster: RosterSpec) -> Iterator[Callable[..., BotProcess]]:
    """``make_bot(sections)``: write the config, import the roster with the CLI, and return the (not yet
    started) process. Every process is stopped at the end."""
    made: list[BotProcess] = []

    def make(sections: dict[str, dict[str, Any]] | None = None, *, spec: RosterSpec | None = None,
             **kw: Any) -> BotProcess:
        base: dict[str, dict[str, Any]] = {"bot": {"admins": [ADMIN_ID]},
                                           "roles": {"statisticians": [{"user": STATISTICIAN_ID, "scope": "青山镇"}]},
                                           "schedule": {"enabled": False}}
        for sec, kv in (sections or {}).items():
            base.setdefault(sec, {}).update(kv)
        bp = BotProcess(tmp_path / f"bot{len(made)}", api, base, **kw)
        bp.import_roster(spec or roster)
        made.append(bp)
        return bp

    yield make
    for bp in made:
        bp.stop()


def bind_all(api: FakeBotApi, roster: RosterSpec, timeout: float = 30) -> None:
    """Each grid's leader, a chat administrator, binds the grid's group."""
    for g in roster.grids:
        api.set_member_status(g.chat_id, g.leader.user_id, "administrator")
        mid = api.message(g.chat_id, g.leader.json(), f"/bind {g.name}")
        [r] = api.wait_reply(g.chat_id, mid, timeout)
        assert r.text.startswith(f"✅ 本群已绑定到 {g.label}"), r.text
