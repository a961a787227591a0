"""A simulated day, end to end: ``gridbot run`` as its own process against the stand-in Bot API, 3 grids of
10 members. Everything is asserted through what the stand-in received and what the database holds.

The schedule is set relative to the real clock in a fixed-offset zone where it is late morning (so that
nothing wraps past midnight). Nags are made due without waiting: a leader moves a time into the recent past
with ``/schedule`` (a documented feature: the jobs are rebuilt and what became due is sent at once, within
``schedule.grace_minutes``).
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import openpyxl

from handlers.offline.botproc import hhmm, midday_zone, schedule_around
from tests.e2e import helpers
from tests.e2e.conftest import ADMIN_ID, STATISTICIAN_ID, bind_all
from tests.e2e.helpers import buttons, group_privacy_violations, table_photo


def _floor(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def test_simulated_day(api, roster, make_bot) -> None:
    zone = midday_zone()
    now = datetime.now(zone)
    bot = make_bot({"schedule": {"enabled": True, "grace_minutes": 30, "thanks": "收到，谢谢{name}补报，辛苦了！",
                                 **schedule_around(now, open=None, reminders=[20], deadline=25, escalate=28)}},
                   zone=zone).start()
    day = now.date().isoformat()
    g1, g2, g3 = roster.grids
    bind_all(api, roster)
    texts_sent: list[str] = []  # every report text, for the log check

    def post(g, person, text: str) -> int:
        texts_sent.append(text)
        return api.message(g.chat_id, person.json(), text)

    def reply(g, mid: int, n: int = 1) -> str:
        return api.wait_reply(g.chat_id, mid, 30, n)[-1].text

    # leaders start the bot in private, so escalations reach them there
    for g in roster.grids:
        mid = api.message(g.leader.user_id, g.leader.json(), "/start")
        api.wait_reply(g.leader.user_id, mid)

    # /iam: grid 1's member without an account asks; he cannot approve himself, the leader can
    unlinked = next(m for m in g1.members if m.name in g1.unlinked)
    mid = api.message(g1.chat_id, unlinked.json(), f"/iam {unlinked.name}")
    request = api.wait_reply(g1.chat_id, mid)[0]
    approve = next(d for label, d in buttons(request) if label == "同意")
    api.callback(g1.chat_id, unlinked.json(), approve, request.result["message_id"])
    api.wait_for(lambda: any(c.params.get("show_alert") for c in api.calls("answerCallbackQuery")))
    api.callback(g1.chat_id, g1.leader.json(), approve, request.result["message_id"])
    api.wait_for(lambda: any(s.text.startswith("✅ 已关联") for s in api.calls("editMessageText", g1.chat_id)))
    assert bot.query("SELECT user_id FROM members WHERE name = ?", (unlinked.name,)) == [(f"tg:{unlinked.user_id}",)]

    hs = {m.name: g.households[m.name] for g in roster.grids for m in g.members}
    m = g1.members
    # reports in several shapes
    r = reply(g1, post(g1, m[1], "包联3户，体温均正常，无返乡人员"))
    assert r.startswith(f"✅ 已记录 {m[1].name} 3户") and "均正常" in r
    h = hs[m[2].name]
    r = reply(g1, post(g1, m[2], f"{h[0]}家4人 体温36.5\n{h[1]}家3人 体温36.6\n{h[2]}家2人 体温36.4"))
    assert r.startswith(f"✅ 已记录 {m[2].name} 3户9人")
    h = hs[m[3].name]
    r = reply(g1, post(g1, m[3], f"除{h[0]}家外均正常。{h[0]}家儿子体温37.6"))
    assert f"{h[0]}家发热37.6℃" in r  # the member's own report, restated to the member
    h = hs[m[4].name]
    r = reply(g1, post(g1, m[4], f"户主 人数 体温\n{h[0]} 3 36.5\n{h[1]} 4 36.7\n{h[2]} 2 36.6"))
    assert r.startswith(f"✅ 已记录 {m[4].name} 3户9人")
    h = hs[m[5].name]
    reply(g1, post(g1, m[5], f"{h[0]}家3人 体温36.5"))  # only one of three households: partial
    for p in (m[0], m[6], m[8], unlinked):
        reply(g1, post(g1, p, "包联3户均正常"))
    # a photo of a handwritten table, read, confirmed by its sender, stored
    photo_member = m[7]
    for attempt in range(3):  # a photo the reader cannot use gets "please send it again": the member does
        data, rows = table_photo(hs[photo_member.name], seed=1 + attempt)
        pmid = api.photo(g1.chat_id, photo_member.json(), data)
        note = api.wait_reply(g1.chat_id, pmid, 30)[0]
        assert note.text.startswith("📷")
        note_id = note.result["message_id"]
        edit = api.wait_for(lambda note_id=note_id: [e for e in api.calls("editMessageText", g1.chat_id)
                                     if int(e.params["message_id"]) == note_id], 180, "the photo reading")[-1]
        if buttons(edit):
            break
    assert buttons(edit), f"three photos not read: {edit.text}"
    confirm = next(d for label, d in buttons(edit) if label == "确认")
    api.callback(g1.chat_id, photo_member.json(), confirm, note_id)
    stored = api.wait_for(lambda: [e for e in api.calls("editMessageText", g1.chat_id)
                                   if int(e.params["message_id"]) == note_id and e.text.startswith("✅ 已记录")])
    assert stored[0].text.startswith(f"✅ 已记录 {photo_member.name} 3户")
    via = bot.query("SELECT h.name, r.via, r.photo_file_id FROM reports r JOIN households h ON h.id = r.household_id "
                    "JOIN members m ON m.id = r.member_id WHERE m.name = ? AND r.day = ?", (photo_member.name, day))
    assert sorted(v[0] for v in via) == sorted(hs[photo_member.name]) and {v[1] for v in via} == {"photo"}
    assert all(v[2] for v in via)

    # grid 2: a 接龙 chain, a correction, an edited message
    n = g2.members
    chain = f"#接龙 今日排查\n1. {n[1].name} 3户10人 均正常\n2. {n[2].name} 3户9人 均正常"
    r = reply(g2, post(g2, n[1], chain))
    assert n[1].name in r and n[2].name in r
    h = hs[n[3].name]
    reply(g2, post(g2, n[3], f"{h[0]}家4人 体温36.5\n{h[1]}家3人 体温36.6\n{h[2]}家2人 体温36.4"))
    r = reply(g2, post(g2, n[3], f"更正：{h[0]}家5人"))
    assert r.startswith("✅ 已更正")
    audit = bot.query("SELECT COUNT(*) FROM report_audit a JOIN households h ON h.id = a.household_id "
                      "WHERE h.name = ? AND a.day = ?", (h[0], day))
    assert audit == [(1,)]
    people = bot.query("SELECT json_extract(r.data, '$.people') FROM reports r JOIN households h "
                       "ON h.id = r.household_id WHERE h.name = ? AND r.day = ?", (h[0], day))
    assert people == [(5,)]
    h = hs[n[4].name]
    emid = post(g2, n[4], f"{h[0]}家3人 体温36.5")
    reply(g2, emid)
    texts_sent.append(f"包联3户，{h[0]}家发烧38.1")
    api.edit(g2.chat_id, n[4].json(), emid, f"包联3户，{h[0]}家发烧38.1")
    api.wait_for(lambda: len(api.replies_to(emid, g2.chat_id)) >= 2, 30, "the reply to the edit")
    fever = bot.query("SELECT json_extract(r.data, '$.fever') FROM reports r JOIN households h ON h.id = r.household_id "
                      "WHERE h.name = ? AND r.day = ?", (h[0], day))
    assert fever == [(1,)]
    for p in g3.members[:6]:
        reply(g3, post(g3, p, "包联3户9人，体温均正常，无返乡，无隔离"))
    # /mystatus in a group: counts only; in private, the names
    mid = post(g1, m[5], "/mystatus")
    r = reply(g1, mid)
    assert "已报 1/3 户" in r and not any(x in r for x in hs[m[5].name])
    mid = api.message(m[5].user_id, m[5].json(), "/mystatus")
    assert hs[m[5].name][1] in api.wait_reply(m[5].user_id, mid)[0].text

    # ---------------------------------------------------------------------------------- the reminder
    def missing_in(g) -> list[str]:
        return helpers.missing_in(bot, g, day)

    f = _floor(bot.now())
    remind_at, deadline_at, escalate_at = f - timedelta(minutes=2), f - timedelta(minutes=1), f
    expected_missing = {g.chat_id: missing_in(g) for g in roster.grids}
    assert m[5].name in expected_missing[g1.chat_id] and len(expected_missing[g3.chat_id]) == 4
    for g in roster.grids:
        mid = post(g, g.leader, f"/schedule 提醒 {hhmm(remind_at)}")
        assert "提醒" in reply(g, mid)
    for g in roster.grids:
        [nag] = api.wait_for(lambda g=g: [s for s in api.calls("sendMessage", g.chat_id) if s.text.startswith("⏰")])
        for name in g.members:
            assert (name.name in nag.text) == (name.name in expected_missing[g.chat_id]), (name.name, nag.text)
    partial = next(s for s in api.calls("sendMessage", g1.chat_id) if s.text.startswith("⏰"))
    assert f"{m[5].name}" in partial.text and "还差2户" in partial.text
    # a named member reports: thanked once
    late = next(p for p in g3.members if p.name in expected_missing[g3.chat_id])
    mid = post(g3, late, "包联3户均正常")
    api.wait_for(lambda: any("谢谢" in s.text and late.name in s.text for s in api.replies_to(mid, g3.chat_id)))

    # ---------------------------------------------------------------------------------- the deadline
    for g in roster.grids:
        mid = post(g, g.leader, f"/schedule 截止 {hhmm(deadline_at)}")
        reply(g, mid)
    for g in roster.grids:
        [nag] = api.wait_for(lambda g=g: [s for s in api.calls("sendMessage", g.chat_id) if s.text.startswith("⛔")])
        still = missing_in(g)
        for p in g.members:
            assert (p.name in nag.text) == (p.name in still), (p.name, nag.text)
    assert late.name not in next(s.text for s in api.calls("sendMessage", g3.chat_id) if s.text.startswith("⛔"))

    # ---------------------------------------------------------------------------------- the escalation
    for g in roster.grids:
        mid = post(g, g.leader, f"/schedule 升级 {hhmm(escalate_at)}")
        reply(g, mid)
    for g in roster.grids:
        [esc] = api.wait_for(lambda g=g: [s for s in api.calls("sendMessage", g.leader.user_id)
                                          if s.text.startswith("📣")])
        assert g.label in esc.text
        for p in g.members:
            assert (p.name in esc.text) == (p.name in missing_in(g))
    # a late report after the escalation: the leader is told
    late2 = next(p for p in g3.members if p.name in missing_in(g3))
    post(g3, late2, "包联3户均正常")
    api.wait_for(lambda: any(s.text.startswith("📬") and late2.name in s.text
                             for s in api.calls("sendMessage", g3.leader.user_id)))

    # every nag went out exactly once, and the database says so
    for g in roster.grids:
        sent = [s.text[0] for s in api.calls("sendMessage", g.chat_id) if s.text[:1] in ("⏰", "⛔")]
        assert sorted(sent) == ["⏰", "⛔"]
    nags = bot.query("SELECT g.name, n.kind, n.status FROM nags_sent n JOIN grids g ON g.id = n.grid_id "
                     "WHERE n.day = ? ORDER BY g.id, n.kind", (day,))
    for g in roster.grids:
        kinds = {k: st for name, k, st in nags if name == g.name}
        assert kinds == {f"remind:{hhmm(remind_at)}": "sent", "deadline": "sent", "escalate": "sent"}, kinds

    # ---------------------------------------------------------------------------------- /summary and /export
    stat = {"id": STATISTICIAN_ID, "is_bot": False, "first_name": "统计员"}
    mid = api.message(STATISTICIAN_ID, stat, "/summary")
    summary = api.wait_reply(STATISTICIAN_ID, mid, 30)[0].text
    assert "青山镇" in summary and g1.label.replace("东风村", "") in summary
    reported = bot.query("SELECT COUNT(DISTINCT household_id) FROM reports WHERE day = ?", (day,))[0][0]
    assert f"{reported}/90" in re.sub(r"<[^>]+>", "", summary), summary
    mid = post(g1, g1.leader, "/summary")  # in a grid group: refused, no household data
    assert not any(x in reply(g1, mid) for x in roster.all_households())
    mid = api.message(STATISTICIAN_ID, stat, "/export")
    doc = api.wait_for(lambda: api.calls("sendDocument", STATISTICIAN_ID), 60, "the export")[0]
    name, content = doc.files["document"]
    assert name.endswith(".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert "明细" in wb.sheetnames
    detail = list(wb["明细"].iter_rows(values_only=True))
    listed = {c for row in detail[1:] for c in row if isinstance(c, str) and c in roster.all_households()}
    assert listed == roster.all_households()
    mid = api.message(ADMIN_ID, {"id": ADMIN_ID, "is_bot": False, "first_name": "管理员"}, "/summary 东风村")
    assert "东风村" in api.wait_reply(ADMIN_ID, mid, 30)[0].text

    # ---------------------------------------------------------------------------------- privacy and the log
    assert group_privacy_violations(api, roster) == []
    assert bot.stop() == 0
    log = bot.log_text()
    leaks = [x for x in roster.all_households() if x in log]
    assert leaks == [], f"household names in the log: {leaks}"
    assert not [t for t in texts_sent if t in log or any(line in log for line in t.splitlines() if len(line) > 6)]
    assert "Traceback" not in log, bot.log_tail()
    assert api.unknown == []
    stored_rows = bot.query("SELECT COUNT(*), COUNT(DISTINCT household_id || day) FROM reports")
    assert stored_rows[0][0] == stored_rows[0][1]  # one row per household and day
