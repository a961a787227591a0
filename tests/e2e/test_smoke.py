"""The smallest end-to-end check: ``gridbot run`` as its own process, polling the stand-in Bot API."""

from __future__ import annotations

import os
import stat

from tests.e2e.conftest import bind_all


def test_bind_report_reply_and_row(api, roster, make_bot) -> None:
    bot = make_bot().start()
    assert api.calls("getMe") and api.calls("setMyCommands")
    bind_all(api, roster)
    g = roster.grids[0]
    member = g.members[1]
    n = len(g.households[member.name])
    mid = api.message(g.chat_id, member.json(), f"包联{n}户，体温均正常，无返乡人员")
    [reply] = api.wait_reply(g.chat_id, mid)
    assert reply.text.startswith(f"✅ 已记录 {member.name} {n}户"), reply.text
    rows = bot.query("SELECT h.name FROM reports r JOIN households h ON h.id = r.household_id "
                     "JOIN members m ON m.id = r.member_id WHERE m.name = ?", (member.name,))
    assert sorted(r[0] for r in rows) == sorted(g.households[member.name])
    assert stat.S_IMODE(os.stat(bot.db_path).st_mode) == 0o600
    assert bot.stop() == 0
    assert api.unknown == []
