"""The simulated day on Feishu, end to end: ``gridbot run`` as its own process with only the ``[feishu]``
section, against the Feishu stand-in, 3 grids of 10 members, in both receiving modes (the long connection,
and the HTTP callback encrypted and signed). Everything is asserted through what the stand-in received and
what the database holds, as in the Telegram day (test_day.py).

Time is driven as there: the schedule is set relative to the real clock in a zone where it is late morning,
and a leader's ``/schedule`` moves a time into the recent past (within ``schedule.grace_minutes``), so that
the nag is due at once; the adapter sends what became due when the schedule changes. Nothing sleeps for a
timer; the test only polls for the process's answers, with a timeout.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from handlers.offline.botproc import BotProcess, hhmm, make_roster, midday_zone, schedule_around
from handlers.offline.feishu import FeishuStandIn
from handlers.offline.feishu.state import Message
from tests.e2e.feishu import ADMIN, STATISTICIAN, FeishuTown, feishu_bot, start_feishu
from tests.e2e.helpers import foreign_households, missing_in

PHONE = "13912345678"


def _floor(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def _at(open_id: str, name: str) -> str:
    return f'<at user_id="{open_id}">{name}</at>'


def group_privacy_violations(town: FeishuTown) -> list[str]:
    """Every message the bot sent (or a card it updated to) in a grid group that names a household against
    the rule of the Telegram day (tests/e2e/helpers.group_privacy_violations): a reply may restate only the
    replied-to member's own households, a merged acknowledgement only those of the members it lists, and
    anything the bot says on its own (a nag) none."""
    owner_of = {h: m for g in town.roster.grids for m, hs in g.households.items() for h in hs}
    by_open_id = {u.open_id: n for n, u in town.users.items()}
    s = town.standin
    out = []
    for g in town.roster.grids:
        chat = town.group(g)
        for m in s.sent(chat):
            parent = s.state.messages.get(m.parent_id) if m.parent_id else None
            sender = by_open_id.get(parent.sender.open_id) if parent is not None and parent.sender else None
            for content in [*m.history, m.content]:
                text = Message(m.message_id, m.chat_id, m.msg_type, content, 0).text
                foreign = foreign_households(text, owner_of, sender, parent is None)
                if foreign:
                    out.append(f"{m.msg_type} in {g.name}: names {sorted(foreign)} (reply to {sender or 'nobody'})")
    return out


@pytest.mark.parametrize("mode", ["websocket", "callback"])
def test_feishu_day(tmp_path: Path, mode: str) -> None:
    zone = midday_zone()
    now = datetime.now(zone)
    roster = make_roster(3, 10, 3)
    standin = FeishuStandIn().start()
    bot: BotProcess | None = None
    try:
        town = FeishuTown.build(standin, roster)
        sections = {"bot": {"admins": [town.qualified(ADMIN)]},
                    "roles": {"statisticians": [{"user": town.qualified(STATISTICIAN), "scope": "青山镇"}]},
                    "schedule": {"enabled": True, "grace_minutes": 30, "thanks": "收到，谢谢{name}补报，辛苦了！",
                                 **schedule_around(now, open=None, reminders=[20], deadline=25, escalate=28)}}
        bot = feishu_bot(tmp_path / mode, standin, mode, sections, zone=zone)
        bot.import_roster(roster)
        start_feishu(bot, standin)
        _play_day(town, bot)
        assert bot.stop() == 0
        _check_log(town, bot)
    finally:
        if bot is not None:
            bot.stop()
        standin.stop()


def _play_day(town: FeishuTown, bot: BotProcess) -> None:
    roster, s = town.roster, town.standin
    day = bot.now().date().isoformat()
    g1, g2, g3 = roster.grids
    post = town.post

    def reply(mid: str, n: int = 1) -> str:
        return town.reply(mid, 30, n).text

    # each leader, the owner of the grid's group, binds it, and starts the bot in private (for escalations)
    for g in roster.grids:
        r = reply(post(g, g.leader.name, f"/bind {g.name}"))
        assert r.startswith(f"✅ 本群已绑定到 {g.label}"), r
        reply(town.private(g.leader.name, "/start"))
    bound = bot.query("SELECT chat_id FROM bindings WHERE active = 1 ORDER BY chat_id")
    assert sorted(c for (c,) in bound) == sorted(f"feishu:{town.group(g).chat_id}" for g in roster.grids)

    # /iam: grid 1's member without an account asks; he cannot approve himself, the leader can
    unlinked = next(p.name for p in g1.members if p.name in g1.unlinked)
    mid = post(g1, unlinked, f"/iam {unlinked}")
    card = s.wait_reply(mid, 30)[0]
    assert card.msg_type == "interactive" and "同意" in [b for b, _ in card.buttons()]
    eid = s.click(card.message_id, town.users[unlinked], text="同意")
    s.wait_delivered(eid, 30)
    eid = s.click(card.message_id, town.users[g1.leader.name], text="同意")
    s.wait_for(lambda: "已关联" in s.state.messages[card.message_id].text, 30, "the approval")
    assert bot.query("SELECT user_id FROM members WHERE name = ?", (unlinked,)) == [(town.qualified(unlinked),)]

    hs = {p.name: g.households[p.name] for g in roster.grids for p in g.members}
    m = [p.name for p in g1.members]
    # reports in several shapes, each answered quoting the member's message
    r = reply(post(g1, m[1], "包联3户，体温均正常，无返乡人员"))
    assert r.startswith(f"✅ 已记录 {m[1]} 3户") and "均正常" in r
    h = hs[m[2]]
    r = reply(post(g1, m[2], f"{h[0]}家4人 体温36.5\n{h[1]}家3人 体温36.6\n{h[2]}家2人 体温36.4"))
    assert r.startswith(f"✅ 已记录 {m[2]} 3户9人"), r
    h = hs[m[3]]
    r = reply(post(g1, m[3], f"除{h[0]}家外均正常。{h[0]}家儿子体温37.6"))
    assert f"{h[0]}家发热37.6℃" in r
    h = hs[m[4]]
    r = reply(post(g1, m[4], f"户主 人数 体温\n{h[0]} 3 36.5 电话{PHONE}\n{h[1]} 4 36.7\n{h[2]} 2 36.6"))
    assert r.startswith(f"✅ 已记录 {m[4]} 3户9人"), r
    h = hs[m[5]]
    reply(post(g1, m[5], f"{h[0]}家3人 体温36.5"))  # one household of three: partial
    for p in (m[0], m[6], m[7], m[8], unlinked):
        reply(post(g1, p, "包联3户均正常"))

    # grid 2: a 接龙 chain, a correction, a recalled message
    n = [p.name for p in g2.members]
    r = reply(post(g2, n[1], f"#接龙 今日排查\n1. {n[1]} 3户10人 均正常\n2. {n[2]} 3户9人 均正常"))
    assert n[1] in r and n[2] in r
    h = hs[n[3]]
    reply(post(g2, n[3], f"{h[0]}家4人 体温36.5\n{h[1]}家3人 体温36.6\n{h[2]}家2人 体温36.4"))
    assert reply(post(g2, n[3], f"更正：{h[0]}家5人")).startswith("✅ 已更正")
    assert bot.query("SELECT COUNT(*) FROM report_audit a JOIN households h ON h.id = a.household_id "
                     "WHERE h.name = ? AND a.day = ?", (h[0], day)) == [(1,)]
    assert bot.query("SELECT json_extract(r.data, '$.people') FROM reports r JOIN households h "
                     "ON h.id = r.household_id WHERE h.name = ? AND r.day = ?", (h[0], day)) == [(5,)]
    h = hs[n[4]]
    rmid = post(g2, n[4], f"{h[0]}家3人 体温36.5")
    reply(rmid)
    s.recall(rmid)  # 撤回: the report is withdrawn, as an edit withdraws it on Telegram
    s.wait_for(lambda: not bot.query("SELECT 1 FROM reports r JOIN households h ON h.id = r.household_id "
                                     "WHERE h.name = ? AND r.day = ?", (h[0], day)), 30, "the recall")
    for p in g3.members[:6]:
        reply(post(g3, p.name, "包联3户9人，体温均正常，无返乡，无隔离"))
    # /mystatus in a group: counts only; in private, the names
    r = reply(post(g1, m[5], "/mystatus"))
    assert "已报 1/3 户" in r and not any(x in r for x in hs[m[5]])
    assert hs[m[5]][1] in reply(town.private(m[5], "/mystatus"))

    # ---------------------------------------------------------------------------------- the reminder
    linked = {name for (name,) in bot.query("SELECT name FROM members WHERE user_id IS NOT NULL")}

    def mentioned(text: str, name: str) -> bool:
        """Named as Feishu notifies them: an <at> for a member linked on Feishu, the plain name for one
        not linked (the grids' members without an account)."""
        at = _at(town.users[name].open_id, name)
        return at in text if name in linked else (name in text and at not in text)

    f = _floor(bot.now())
    remind_at, deadline_at, escalate_at = f - timedelta(minutes=2), f - timedelta(minutes=1), f
    expected = {g.name: missing_in(bot, g, day) for g in roster.grids}
    assert m[5] in expected[g1.name] and n[4] in expected[g2.name] and len(expected[g3.name]) == 4
    for g in roster.grids:
        assert "提醒" in reply(post(g, g.leader.name, f"/schedule 提醒 {hhmm(remind_at)}"))
    for g in roster.grids:
        [nag] = s.wait_for(lambda g=g: town.sent_texts(town.group(g), "⏰"), 30, f"the reminder in {g.name}")
        assert nag.parent_id is None and nag.msg_type == "text"
        for p in g.members:  # the missing, each mentioned with Feishu's <at>; nobody else
            assert mentioned(nag.content["text"], p.name) == (p.name in expected[g.name]), (p.name, nag.text)
            assert (p.name in nag.text) == (p.name in expected[g.name])
    partial = town.sent_texts(town.group(g1), "⏰")[0]
    assert "还差2户" in partial.text
    # a named member reports: thanked once, quoting the report
    late = next(p for p in expected[g3.name])
    mid = post(g3, late, "包联3户均正常")
    s.wait_for(lambda: any("谢谢" in r.text and late in r.text for r in s.replies_to(mid)), 30, "the thanks")

    # ---------------------------------------------------------------------------------- the deadline
    for g in roster.grids:
        reply(post(g, g.leader.name, f"/schedule 截止 {hhmm(deadline_at)}"))
    for g in roster.grids:
        [nag] = s.wait_for(lambda g=g: town.sent_texts(town.group(g), "⛔"), 30, f"the deadline in {g.name}")
        still = missing_in(bot, g, day)
        for p in g.members:
            assert mentioned(nag.content["text"], p.name) == (p.name in still), (p.name, nag.text)
    assert late not in town.sent_texts(town.group(g3), "⛔")[0].text

    # ---------------------------------------------------------------------------------- the escalation
    for g in roster.grids:
        reply(post(g, g.leader.name, f"/schedule 升级 {hhmm(escalate_at)}"))
    for g in roster.grids:  # in the leader's private chat with the bot
        [esc] = s.wait_for(lambda g=g: town.sent_texts(town.private_chat(g.leader.name), "📣"), 30,
                           f"the escalation to {g.leader.name}")
        assert g.label in esc.text
        for p in g.members:
            assert (p.name in esc.text) == (p.name in missing_in(bot, g, day))
    # a late report after the escalation: the leader is told, in private
    late2 = missing_in(bot, g3, day)[0]
    post(g3, late2, "包联3户均正常")
    s.wait_for(lambda: any(late2 in x.text for x in town.sent_texts(town.private_chat(g3.leader.name), "📬")), 30,
               "the leader's update")

    # every nag went out exactly once, and the database says so
    for g in roster.grids:
        assert sorted(x.text[0] for x in s.sent(town.group(g)) if x.text[:1] in ("⏰", "⛔")) == ["⏰", "⛔"]
    nags = bot.query("SELECT g.name, n.kind, n.status FROM nags_sent n JOIN grids g ON g.id = n.grid_id "
                     "WHERE n.day = ? ORDER BY g.id, n.kind", (day,))
    for g in roster.grids:
        kinds = {k: st for name, k, st in nags if name == g.name}
        assert kinds == {f"remind:{hhmm(remind_at)}": "sent", "deadline": "sent", "escalate": "sent"}, kinds

    # ---------------------------------------------------------------------------------- /summary and /export
    summary = reply(town.private(STATISTICIAN, "/summary"))
    assert "青山镇" in summary and g1.label.replace("东风村", "") in summary
    reported = bot.query("SELECT COUNT(DISTINCT household_id) FROM reports WHERE day = ?", (day,))[0][0]
    assert f"{reported}/90" in re.sub(r"<[^>]+>", "", summary), summary
    refused = reply(post(g1, g1.leader.name, "/summary"))  # in a grid group: no household data
    assert not any(x in refused for x in roster.all_households())
    town.private(STATISTICIAN, "/export")
    stat_chat = town.private_chat(STATISTICIAN)
    [doc] = s.wait_for(lambda: [x for x in s.sent(stat_chat) if x.msg_type == "file"], 60, "the export")
    [upload] = [u for u in s.uploads() if u.key == doc.content["file_key"]]
    assert upload.name.endswith(".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(upload.data), read_only=True)
    detail = list(wb["明细"].iter_rows(values_only=True))
    listed = {c for row in detail[1:] for c in row if isinstance(c, str) and c in roster.all_households()}
    assert listed == roster.all_households()
    assert "东风村" in reply(town.private(ADMIN, "/summary 东风村"))

    # ---------------------------------------------------------------------------------- the database
    rows = bot.query("SELECT COUNT(*), COUNT(DISTINCT household_id || day) FROM reports")
    assert rows[0][0] == rows[0][1]  # one row per household and day
    bot.wait_until(lambda b: b.query("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL") == [(0,)], 30,
                   "finish every event")
    assert bot.query("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
    assert group_privacy_violations(town) == []
    assert [c.path for c in s.calls("unknown")] == []


def _check_log(town: FeishuTown, bot: BotProcess) -> None:
    log = bot.log_text()
    roster = town.roster
    personal = {
        "households": roster.all_households(),
        "members": {p.name for g in roster.grids for p in g.members},
        "addresses": {row["住址"] for row in roster.rows},
        "phone numbers": {PHONE},
    }
    for what, values in personal.items():
        assert [x for x in values if x in log] == [], f"{what} in the log"
    assert not [t for t in town.posted if t in log or any(line in log for line in t.splitlines() if len(line) > 6)]
    assert "Traceback" not in log, bot.log_tail()
