"""Faults of ``gridbot run`` on Feishu in HTTP callback mode (encrypted and signed), as a separate process:
``kill -9`` in the middle of a burst loses nothing, and an event Feishu delivers again after the restart is
not doubled. (The long connection's kill test is tests/feishu/test_process.py.)

Redeliveries are made due at once (``FeishuStandIn.retry_now``) instead of waiting for Feishu's schedule."""

from __future__ import annotations

from pathlib import Path

from handlers.offline.botproc import BotProcess, make_roster
from handlers.offline.feishu import FeishuStandIn
from tests.e2e.feishu import FeishuTown, feishu_bot, free_port, start_feishu


def _event_of(standin: FeishuStandIn, message_id: str) -> str:
    """The event_id of the ``im.message.receive_v1`` that carried a message."""
    with standin.state.lock:
        return next(p.event_id for p in standin.pump.queue
                    if p.payload["event"].get("message", {}).get("message_id") == message_id)


def test_callback_kill_9_mid_burst_then_a_redelivery(tmp_path: Path) -> None:
    roster = make_roster(1, 3, 6, unlinked_per_grid=0)
    standin = FeishuStandIn().start()
    bot: BotProcess | None = None
    try:
        town = FeishuTown.build(standin, roster)
        [g] = roster.grids
        port = free_port()  # the same request URL after the restart
        bot = feishu_bot(tmp_path, standin, "callback", {"schedule": {"enabled": False}}, port=port)
        bot.import_roster(roster)
        start_feishu(bot, standin)
        assert town.reply(town.post(g, g.leader.name, f"/bind {g.name}")).text.startswith("✅ 本群已绑定")

        posts: list[tuple[str, str, str]] = []  # (message id, member, household)
        for p in g.members[1:]:
            for h in g.households[p.name]:
                posts.append((town.post(g, p.name, f"{h}家3人，体温36.5"), p.name, h))
        standin.wait_reply(posts[0][0], 60)
        bot.kill()  # mid-burst: some events committed and answered, some committed only, some not delivered
        start_feishu(bot, standin)
        standin.retry_now()  # what Feishu had not had answered comes again

        def settled(b: BotProcess) -> bool:
            stored = b.query("SELECT COUNT(*) FROM reports")[0][0]
            unsent = b.query("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")[0][0]
            open_ = b.query("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL")[0][0]
            return stored >= len(posts) and unsent == 0 and open_ == 0

        bot.wait_until(settled, 120, "store and answer every report")
        rows = bot.query("SELECT h.name, m.name FROM reports r JOIN households h ON h.id = r.household_id "
                         "JOIN members m ON m.id = r.member_id")
        assert sorted(rows) == sorted((h, name) for _, name, h in posts)  # each once
        merged = "\n".join(m.text for m in standin.sent(town.group(g)) if m.parent_id is None)
        for mid, name, _ in posts:  # answered, twice at most (killed between a send and its record)
            assert 1 <= len(standin.replies_to(mid)) <= 2 or name in merged, mid
        answered = {mid: len(standin.replies_to(mid)) for mid, _, _ in posts}

        # Feishu delivers an event again (its answer was lost): acknowledged, not stored or answered twice
        first = _event_of(standin, posts[0][0])
        before = len([d for d in standin.deliveries(first) if d.ok])
        standin.redeliver(first)
        standin.wait_for(lambda: len([d for d in standin.deliveries(first) if d.ok]) > before, 30,
                         "the redelivery acknowledged")
        town.post(g, g.leader.name, "包联6户均正常")  # handled after the redelivery (one chat, in order)
        bot.wait_until(lambda b: b.query("SELECT COUNT(*) FROM reports r JOIN members m ON m.id = r.member_id "
                                         "WHERE m.name = ?", (g.leader.name,)) == [(6,)], 30, "store the last report")
        assert bot.query("SELECT COUNT(*) FROM reports r JOIN members m ON m.id = r.member_id "
                         "WHERE m.name != ?", (g.leader.name,)) == [(len(posts),)]
        assert {mid: len(standin.replies_to(mid)) for mid, _, _ in posts} == answered
        assert bot.query("SELECT COUNT(*) FROM inbox WHERE update_key = ?", (f"feishu:{first}",)) == [(1,)]

        assert bot.stop() == 0
        log = bot.log_text()
        assert [h for _, _, h in posts if h in log] == []  # nothing personal in the log
        assert [p.name for p in g.members if p.name in log] == []
    finally:
        if bot is not None:
            bot.stop()
        standin.stop()
