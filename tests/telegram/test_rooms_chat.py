"""Residents' chains keyed by room, through the real PTB Application (offline), against a tower block's
roster (bot/sample/tower.py): who may post them, what is stored for whom, what is asked, reposts. The
``tbot`` fixture is in conftest.py."""

from __future__ import annotations

from bot.core import texts
from bot.sample import tower
from bot.sample.cast import DAY, Group
from handlers.offline.bot import OfflineBot, replies
from tests.telegram.rooms import rows

A = tower.GROUP_A


CHAIN = (
    "#接龙 3号楼今日核酸\n"
    "1. 室号-人数\n"
    "2. 2105-2\n"
    "3. 1503 - 1，已做核酸\n"
    "5. 5-1-602—3\n"
    "6. 收到\n"
    "7. 9901-2\n"
    "8. 5-602*1\n"
)


async def test_a_residents_chain_is_stored_for_the_right_households(tbot: OfflineBot) -> None:
    _, calls = await tbot.post(A, tower.RESIDENT, CHAIN, "09:00")
    [reply] = replies(calls)
    assert reply.startswith("✅ 住户接龙已记录：")
    assert "李娜 1户" in reply and "王芳 1户" in reply and "张磊 1户" in reply
    assert texts.ROOM_UNKNOWN.format(line="接龙第7条“9901-2”") in reply
    assert texts.ROOM_AMBIGUOUS.format(line="接龙第8条“5-602*1”", n=2) in reply
    assert tower.head("幸福社区3号楼2105室") not in reply  # household names never go to the group
    got = await rows(tbot)
    assert set(got) == {"幸福社区3号楼2105室", "幸福社区3号楼1503室", "5号楼1单元602室"}
    member, data, via, sender = got["幸福社区3号楼2105室"]
    assert (member, data["people"], via, sender) == ("李娜", 2, "resident", tower.RESIDENT.qid)
    assert got["幸福社区3号楼1503室"][0] == "王芳" and "已做核酸" in got["幸福社区3号楼1503室"][1]["note"]
    assert got["5号楼1单元602室"][0] == "张磊" and got["5号楼1单元602室"][1]["people"] == 3


async def test_a_repost_adds_nothing_twice_and_asks_nothing_again(tbot: OfflineBot) -> None:
    await tbot.post(A, tower.RESIDENT, CHAIN, "09:00")
    before = await rows(tbot)
    count = (await tbot.services.db.fetchone("SELECT COUNT(*) FROM member_reports"))[0]
    _, calls = await tbot.post(A, tower.RESIDENT2, CHAIN + "9. 2106-4\n", "09:05")
    [reply] = replies(calls)
    assert reply == "✅ 住户接龙已记录：李娜 1户"  # only the new line; the unknown lines were asked already
    after = await rows(tbot)
    assert {k: v for k, v in after.items() if k in before} == before
    assert after["幸福社区3号楼2106室"][1]["people"] == 4 and after["幸福社区3号楼2106室"][3] == tower.RESIDENT2.qid
    assert (await tbot.services.db.fetchone("SELECT COUNT(*) FROM member_reports"))[0] == count + 1
    _, calls = await tbot.post(A, tower.RESIDENT, CHAIN + "9. 2106-4\n", "09:06")  # the same again
    assert replies(calls) == []
    assert (await tbot.services.db.fetchone("SELECT COUNT(*) FROM member_reports"))[0] == count + 1


async def test_a_changed_line_in_a_repost_replaces_the_households_value(tbot: OfflineBot) -> None:
    await tbot.post(A, tower.RESIDENT, "接龙\n1. 2105-2", "09:00")
    _, calls = await tbot.post(A, tower.RESIDENT, "接龙\n1. 2105-3", "09:02")
    assert replies(calls) == ["✅ 住户接龙已记录：李娜 1户"]
    assert (await rows(tbot))["幸福社区3号楼2105室"][1]["people"] == 3


async def test_a_line_for_another_groups_grid_is_refused(tbot: OfflineBot) -> None:
    _, calls = await tbot.post(A, tower.RESIDENT, "接龙\n1. 2105-2\n2. 8-1503-2", "09:00")
    [reply] = replies(calls)
    assert texts.ROOM_FOREIGN.format(line="接龙第2条“8-1503-2”") in reply
    assert set(await rows(tbot)) == {"幸福社区3号楼2105室"}
    _, calls = await tbot.post(tower.GROUP_B, tower.RESIDENT, "接龙\n1. 8-1503-2", "09:01")  # in its own group
    assert replies(calls) == ["✅ 住户接龙已记录：赵强 1户"]


async def test_the_covering_member_sees_them_in_mystatus(tbot: OfflineBot) -> None:
    await tbot.post(A, tower.RESIDENT, "#接龙\n1. 2105-2\n2. 2106-1\n3. 1503-2", "09:00")
    _, calls = await tbot.post(A, tower.LINA, "/mystatus", "09:10")
    [reply] = replies(calls)
    assert "已报 2/90 户" in reply and texts.MYSTATUS_RESIDENTS.format(n=2) in reply
    _, calls = await tbot.post(Group(tower.LINA.id), tower.LINA, "/mystatus", "09:11")
    [private] = replies(calls)
    assert tower.head("幸福社区3号楼2105室") not in private  # reported: not in the missing list
    assert tower.head("幸福社区3号楼2103室") in private


async def test_a_resident_can_do_nothing_else(tbot: OfflineBot) -> None:
    head = tower.head("幸福社区3号楼2105室")
    _, calls = await tbot.post(A, tower.RESIDENT, f"{head}家2人，体温36.5", "09:00")
    assert replies(calls) == [texts.NOT_LINKED]  # a report by name needs a linked member
    _, calls = await tbot.post(A, tower.RESIDENT, "包联90户均正常", "09:01")
    assert replies(calls) == []  # (the hint is sent once in a while)
    _, calls = await tbot.post(A, tower.RESIDENT, "/undo", "09:02")
    assert replies(calls) == [texts.UNDO_NOTHING]
    assert await rows(tbot) == {}


async def test_a_member_may_post_the_residents_chain_too(tbot: OfflineBot) -> None:
    _, calls = await tbot.post(A, tower.LINA, "接龙\n1. 2105-2\n2. 1503-1", "09:00")
    assert replies(calls) == ["✅ 住户接龙已记录：李娜 1户，王芳 1户"]
    got = await rows(tbot)
    assert got["幸福社区3号楼1503室"][0] == "王芳" and got["幸福社区3号楼1503室"][3] == tower.LINA.qid


async def test_an_anomaly_is_named_by_room(tbot: OfflineBot) -> None:
    _, calls = await tbot.post(A, tower.RESIDENT, "接龙\n1. 2105-2，1人发烧38.2", "09:00")
    [reply] = replies(calls)
    assert reply.startswith("✅ 住户接龙已记录：李娜 1户（异常：2105家发热38.2℃）")
    assert (await rows(tbot))["幸福社区3号楼2105室"][1]["fever"] is True


async def test_residents_lines_count_as_reported_in_the_summary_and_ledger(tbot: OfflineBot) -> None:
    await tbot.post(A, tower.RESIDENT, "接龙\n1. 2105-2", "09:00")
    table = await tbot.services.reports.day_table(DAY)
    [row] = [r for r in table if r.data is not None]
    assert row.member == "李娜" and row.via == "resident"


def test_the_ledger_names_a_residents_line_as_such() -> None:
    from bot.stats.service import reporter_text

    assert reporter_text("李娜", tower.RESIDENT.qid, "resident", {}) == "李娜（住户接龙）"
    assert reporter_text("李娜", tower.LINA.qid, "resident", {tower.LINA.qid: "李娜"}) == "李娜"  # she posted it
    assert reporter_text("王芳", tower.LINA.qid, "resident", {tower.LINA.qid: "李娜"}) == "王芳（李娜）"
