"""Faults, end to end: kill -9 with reports in flight, the Bot API down, the database locked, the disk full.

``GRIDBOT_E2E_OUTAGE_S`` sets the Bot API outage (CI: 8 s; ``scripts/extended``: 60 s).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from handlers.offline.botproc import hhmm, make_roster, midday_zone, schedule_around
from tests.e2e.conftest import bind_all
from tests.e2e.helpers import report_acks

OUTAGE_S = float(os.environ.get("GRIDBOT_E2E_OUTAGE_S", "8"))


def _floor(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def test_kill9_during_200_inflight_reports(api, make_bot) -> None:
    spec = make_roster(20, 10, 1, unlinked_per_grid=0)  # 200 members, one household each
    zone = midday_zone()
    now = datetime.now(zone)
    bot = make_bot({"schedule": {"enabled": True, "grace_minutes": 30,
                                 **schedule_around(now, open=None, reminders=[20], deadline=25, escalate=None)}},
                   spec=spec, zone=zone).start()
    bind_all(api, spec)
    g1 = spec.grids[0]
    f = _floor(bot.now())
    day = f.date().isoformat()
    # a reminder that went out before the kill must not go out again
    mid = api.message(g1.chat_id, g1.leader.json(), f"/schedule 提醒 {hhmm(f - timedelta(minutes=2))}")
    api.wait_reply(g1.chat_id, mid)
    api.wait_for(lambda: [s for s in api.calls("sendMessage", g1.chat_id) if s.text.startswith("⏰")])
    # the deadline nag will be in flight at the kill: the stand-in holds it
    api.delay_when(lambda m, p: m == "sendMessage" and str(p.get("text", "")).startswith("⛔"), 60)
    members = [(g, p) for g in spec.grids[1:] + spec.grids[:1] for p in g.members]  # grid 1's members last
    updates = []
    for i, (g, p) in enumerate(members):
        if i == 100:
            updates.append({"message": api.message_json(g1.chat_id, g1.leader.json(),
                                                        f"/schedule 截止 {hhmm(f - timedelta(minutes=1))}")})
        updates.append({"message": api.message_json(g.chat_id, p.json(), "包联1户3人，体温均正常")})
    ids = api.inject_many(updates)
    api.wait_for(lambda: api.held > 0, 120, "the deadline nag in flight")
    bot.kill()
    chats = {g.chat_id for g in spec.grids}
    acked_before = report_acks(api, chats)
    assert 50 <= len(acked_before) < 200, len(acked_before)
    assert not [s for s in api.calls("sendMessage", g1.chat_id) if s.text.startswith("⛔")]

    api.delays.clear()
    bot.start()
    # the nag claimed by the killed process goes out once, from the start-up catch-up
    api.wait_for(lambda: [s for s in api.calls("sendMessage", g1.chat_id) if s.text.startswith("⛔")], 30)
    # Telegram delivers again what the dead process had taken (it was committed to the inbox, so it is
    # dropped); nobody posts again: what was accepted and not finished is handled from the inbox
    api.redeliver(ids[:120])
    by_key = {(u["message"]["chat"]["id"], u["message"]["message_id"]): u for u in updates}
    reports = {k for k, u in by_key.items() if u["message"]["text"].startswith("包联")}
    api.wait_for(lambda: reports <= set(report_acks(api, chats)), 180, "every report answered")
    api.wait_consumed()
    time.sleep(1.0)  # anything a redelivered update would (wrongly) cause has had time to arrive
    acked = report_acks(api, chats)
    # a reply goes out twice only when the kill fell between its send and its record
    twice = [k for k, n in acked.items() if n > 1]
    assert all(n <= 2 for n in acked.values()) and all(k in acked_before for k in twice), twice

    # every report is in the database, once
    rows = bot.query("SELECT m.chat_id, m.message_id, COUNT(mr.id) FROM messages m "
                     "JOIN member_reports mr ON mr.message_row_id = m.id GROUP BY m.id")
    stored = {(c, mid): n for c, mid, n in rows}
    assert {(f"tg:{c}", str(mid)) for c, mid in reports} == set(stored)  # qualified chat ids, text message ids
    assert all(n == 1 for n in stored.values())
    per_household = bot.query("SELECT household_id, COUNT(*) FROM reports WHERE day = ? GROUP BY household_id", (day,))
    assert len(per_household) == 200 and all(n == 1 for _, n in per_household)
    live = bot.query("SELECT COUNT(*) FROM member_reports WHERE day = ? AND undone = 0", (day,))[0][0]
    assert live == len(stored) == 200
    # the nags: each exactly once
    assert len([s for s in api.calls("sendMessage", g1.chat_id) if s.text.startswith("⏰")]) == 1
    assert len([s for s in api.calls("sendMessage", g1.chat_id) if s.text.startswith("⛔")]) == 1
    status = dict(bot.query("SELECT kind, status FROM nags_sent WHERE grid_id = 1 AND day = ?", (day,)))
    assert status == {f"remind:{hhmm(f - timedelta(minutes=2))}": "sent", "deadline": "sent"}
    assert "claimed but not sent by the previous run" in bot.log_text()
    assert bot.stop() == 0


def test_bot_api_down_backoff_and_recovery(api, roster, make_bot) -> None:
    zone = midday_zone()
    now = datetime.now(zone)
    bot = make_bot({"schedule": {"enabled": True, "grace_minutes": 30,
                                 **schedule_around(now, open=None, reminders=[20], deadline=25, escalate=None)}},
                   zone=zone).start()
    bind_all(api, roster)
    g = roster.grids[0]
    f = _floor(bot.now())
    # the API goes down right as the leader moves the reminder into the recent past: the reminder falls due
    # while the Bot API is unreachable
    api.down_when(lambda m, p: m == "sendMessage" and "提醒" in str(p.get("text", "")) and int(p["chat_id"]) == g.chat_id)
    api.message(g.chat_id, g.leader.json(), f"/schedule 提醒 {hhmm(f - timedelta(minutes=1))}")
    api.wait_for(lambda: api.down is not None, 30, "the outage")
    t_down = time.monotonic()
    member = g.members[1]
    mid = api.message(g.chat_id, member.json(), "包联3户均正常")  # posted during the outage
    time.sleep(OUTAGE_S)
    api.set_down(None)
    t_up = time.monotonic()
    [nag] = api.wait_for(lambda: [s for s in api.calls("sendMessage", g.chat_id) if s.text.startswith("⏰")],
                         90, "the reminder after the outage")
    api.wait_reply(g.chat_id, mid, 60)
    recovered = min(s.at for s in api.calls() if s.at > t_up)
    assert recovered - t_up < 35  # PTB's polling backoff is capped at 30 s
    assert len([s for s in api.calls("sendMessage", g.chat_id) if s.text.startswith("⏰")]) == 1
    time.sleep(0.5)
    log = bot.log_text()
    errors = [line for line in log.splitlines() if "network error" in line or "Bot API unreachable" in line]
    assert errors, "the outage was not logged"
    # it backed off: a handful of tries during the outage, not a tight loop
    polls = len([line for line in log.splitlines() if "network error in" in line])
    assert 1 <= polls <= OUTAGE_S / 1.0 + 4, polls
    assert "retrying in" in log
    day = f.date().isoformat()
    assert bot.query("SELECT status FROM nags_sent WHERE grid_id = 1 AND day = ? AND kind LIKE 'remind:%'",
                     (day,)) == [("sent",)]
    assert nag.at - t_down >= OUTAGE_S
    assert bot.stop() == 0


def test_database_locked_nothing_lost_nothing_half_written(api, roster, make_bot) -> None:
    """Another writer holds the database longer than the busy timeout: the update cannot be committed to the
    inbox, so it is not confirmed to Telegram; once the database is free it is stored and answered, once."""
    bot = make_bot().start()
    bind_all(api, roster)
    g = roster.grids[0]
    member = g.members[1]
    before = bot.query("SELECT COUNT(*) FROM reports")[0][0]
    conn = sqlite3.connect(bot.db_path, timeout=1)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        mid = api.message(g.chat_id, member.json(), "包联3户均正常")
        api.wait_for(lambda: "not committed to the inbox" in bot.log_text(), 30, "the inbox retrying")
        time.sleep(2.0)
        assert api.replies_to(mid, g.chat_id) == []  # nothing was stored, so nothing is claimed
    finally:
        conn.rollback()
        conn.close()
    [reply] = api.wait_reply(g.chat_id, mid, 60)
    assert reply.text.startswith(f"✅ 已记录 {member.name}")
    assert bot.query("SELECT COUNT(*) FROM reports")[0][0] == before + 3
    assert bot.query("SELECT COUNT(*) FROM member_reports")[0][0] == 1
    assert "OperationalError" in bot.log_text()
    # the next report goes straight through
    mid = api.message(g.chat_id, g.members[2].json(), "包联3户均正常")
    assert api.wait_reply(g.chat_id, mid, 30)[0].text.startswith(f"✅ 已记录 {g.members[2].name}")
    assert bot.stop() == 0


@pytest.fixture
def tiny_fs(tmp_path: Path):
    """A 3 MB tmpfs (needs root and mount); skipped where mounting is not permitted."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode(errors='replace').strip() or 'not root'}); "
                    "tests/storage/test_storage_faults.py covers a full disk with PRAGMA max_page_count")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_disk_full_nothing_lost_nothing_half_written(api, roster, make_bot, tiny_fs: Path) -> None:
    """The disk is full: updates cannot be committed to the inbox and stay at Telegram (unconfirmed); with
    room again every one is stored and answered once, and nothing was half-written meanwhile."""
    bot = make_bot({"storage": {"db_path": str(tiny_fs / "gridbot.db")}}).start()
    bind_all(api, roster)
    g = roster.grids[0]
    db = tiny_fs / "gridbot.db"
    filler = tiny_fs / "filler"
    fh = open(filler, "wb")  # fill the disk
    try:
        while True:
            fh.write(b"\0" * 4096)
            fh.flush()
    except OSError:
        pass
    finally:
        try:
            fh.close()
        except OSError:
            pass
    counts = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
        "SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM member_reports)").fetchone()
    mids = []
    for p in g.members[1:6]:  # long texts: the inbox row alone needs new pages
        mids.append((p, api.message(g.chat_id, p.json(), "包联3户均正常。" + "今日走访，情况稳定。" * 300)))
    api.wait_for(lambda: re.search(r"not committed to the inbox \((OperationalError|DatabaseError)", bot.log_text()),
                 30, "the inbox retrying")
    check = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert check.execute("SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM member_reports)").fetchone() \
        == counts  # nothing half-written
    check.close()
    filler.unlink()  # room again: every report goes through, once
    for p, mid in mids:
        [reply] = api.wait_reply(g.chat_id, mid, 60)
        assert reply.text.startswith(f"✅ 已记录 {p.name}")
    check = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    orphans = check.execute("SELECT COUNT(*) FROM member_reports mr WHERE NOT EXISTS "
                            "(SELECT 1 FROM reports r WHERE r.member_report_id = mr.id) "
                            "AND NOT EXISTS (SELECT 1 FROM report_audit a WHERE a.member_report_id = mr.id)").fetchone()
    assert orphans == (0,)
    got = check.execute("SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM member_reports)").fetchone()
    assert got == (counts[0] + 3 * len(mids), counts[1] + len(mids))
    check.close()
    assert bot.stop() == 0
