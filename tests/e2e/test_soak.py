"""A randomized soak of the durable inbox: reports across many chats, the process killed with ``kill -9`` at
random moments and started again. The invariants: no report lost, none stored twice, every report
answered, a reply at most twice.

CI runs it small; ``scripts/extended`` runs 2,000 reports across 300 chats with 20 kills
(``GRIDBOT_SOAK_REPORTS``, ``GRIDBOT_SOAK_CHATS``, ``GRIDBOT_SOAK_KILLS``, ``GRIDBOT_SOAK_SEED``), bounded by
``GRIDBOT_SOAK_MAX_S`` (900 s)."""

from __future__ import annotations

import os
import random
import time

from handlers.offline.botproc import make_roster
from tests.e2e.conftest import bind_all
from tests.e2e.helpers import report_acks

REPORTS = int(os.environ.get("GRIDBOT_SOAK_REPORTS", "150"))
CHATS = int(os.environ.get("GRIDBOT_SOAK_CHATS", "15"))
KILLS = int(os.environ.get("GRIDBOT_SOAK_KILLS", "3"))
SEED = int(os.environ.get("GRIDBOT_SOAK_SEED", "20261201"))
MAX_S = float(os.environ.get("GRIDBOT_SOAK_MAX_S", "900"))


def test_random_kills_lose_and_double_nothing(api, make_bot) -> None:
    t_end = time.monotonic() + MAX_S
    rng = random.Random(SEED)
    per_chat = -(-REPORTS // CHATS)
    spec = make_roster(CHATS, per_chat, 1, unlinked_per_grid=0)
    # one reply per report: the soak checks every report's own acknowledgement
    bot = make_bot({"inbox": {"merge_acks_at": 0}, "bot": {"rate_limiter": False}}, spec=spec).start()
    bind_all(api, spec)
    chats = {g.chat_id for g in spec.grids}
    members = [(g, p) for g in spec.grids for p in g.members][:REPORTS]
    rng.shuffle(members)
    waves = [members[i::KILLS + 1] for i in range(KILLS + 1)]
    keys: set[tuple[int, int]] = set()
    for n, wave in enumerate(waves):
        updates = [{"message": api.message_json(g.chat_id, p.json(), "包联1户3人，体温均正常")} for g, p in wave]
        keys |= {(u["message"]["chat"]["id"], u["message"]["message_id"]) for u in updates}
        api.inject_many(updates)
        if n < KILLS:
            time.sleep(rng.uniform(0.0, 0.4))  # somewhere in fetching, committing, handling or replying
            bot.kill()
            assert time.monotonic() < t_end, "the soak ran out of time"
            bot.start()
    api.wait_for(lambda: keys <= set(report_acks(api, chats)), max(60.0, t_end - time.monotonic()),
                 "every report answered")
    api.wait_consumed()
    api.wait_for(lambda: bot.query("SELECT (SELECT COUNT(*) FROM inbox WHERE done_at IS NULL) "
                                   "+ (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL)")[0][0] == 0,
                 60, "the inbox and the outbox settled")
    acks = report_acks(api, chats)
    twice = sum(1 for n in acks.values() if n == 2)
    assert all(n <= 2 for n in acks.values())  # again only what a kill caught between its send and its record
    rows = bot.query("SELECT m.chat_id, m.message_id, COUNT(mr.id) FROM messages m "
                     "JOIN member_reports mr ON mr.message_row_id = m.id WHERE mr.undone = 0 GROUP BY m.id")
    stored = {(c, mid): n for c, mid, n in rows}
    assert set(stored) == {(f"tg:{c}", str(mid)) for c, mid in keys} and all(n == 1 for n in stored.values())
    assert bot.query("SELECT COUNT(*) FROM reports")[0][0] == len(keys)
    print(f"\nsoak: {len(keys)} reports, {CHATS} chats, {KILLS} kills: none lost, none doubled, "
          f"{twice} reply(ies) sent twice")
    assert bot.stop() == 0
