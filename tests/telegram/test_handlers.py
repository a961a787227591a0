"""The group flow through the real PTB Application, offline (hand-built updates, recorded Bot API calls)."""

from __future__ import annotations

from bot.core import texts
from bot.sample.cast import ADMIN, CHEN, DAY, GROUP1, GROUP2, LIU, LIUGL, STRANGER, WANG, ZHAO
from handlers.offline.bot import buttons, replies
from handlers.offline.fake import FakeChat
from tests.stored import households_of, stored


async def test_command_menu_registered(bot) -> None:
    menu = bot.request.sent("setMyCommands")
    assert menu and [c["command"] for c in menu[0].params["commands"]][:3] == ["start", "help", "iam"]


async def test_bind_rules(bot) -> None:
    g = FakeChat(-1009999, "新群")
    _, calls = await bot.post(g, STRANGER, "/bind 第一网格")
    assert replies(calls) == [texts.BIND_NOT_ALLOWED]
    _, calls = await bot.post(g, LIU, "/bind 第一网格")  # the leader, but not a chat admin
    assert replies(calls) == [texts.BIND_NOT_ALLOWED]
    bot.request.member_status[(g.id, LIU.id)] = "administrator"
    _, calls = await bot.post(g, LIU, "/bind 第九网格")
    assert "没有找到网格" in replies(calls)[0]
    _, calls = await bot.post(g, LIU, "/bind 第二网格")  # leader of another grid
    assert replies(calls) == [texts.BIND_NOT_ALLOWED]
    _, calls = await bot.post(g, LIU, "/bind 东风村/第一网格")
    assert replies(calls)[0].startswith("✅ 本群已绑定到 东风村第一网格")
    _, calls = await bot.post(g, LIU, "/bind 第一网格")
    assert "已经绑定" in replies(calls)[0]
    bot.request.member_status[(g.id, ADMIN.id)] = "creator"
    _, calls = await bot.post(g, ADMIN, "/bind 第二网格")  # an admin may bind any grid: one group, two grids
    assert replies(calls)[0].startswith("✅")
    assert sorted(await bot.services.report_repo.bound_grid_ids(g.qid)) == [1, 2]
    _, calls = await bot.post(FakeChat(ADMIN.id), ADMIN, "/bind 第一网格")
    assert replies(calls) == [texts.BIND_NOT_GROUP]


async def test_blanket_report_stored_and_confirmed(bot) -> None:
    mine = await households_of(bot, "王艳")
    _, calls = await bot.post(GROUP1, WANG, f"包联{len(mine)}户，体温均正常，无返乡人员", "09:00")
    [reply] = replies(calls)
    assert reply.startswith(f"✅ 已记录 王艳 {len(mine)}户")
    got = await stored(bot, "王艳")
    assert set(got) == set(mine)
    assert all(d["fever"] is False and d["returned"] == 0 for d in got.values())
    assert calls[0].params["reply_parameters"]["message_id"]  # quoted


async def test_exception_named_in_reply(bot) -> None:
    _, calls = await bot.post(GROUP1, LIU, "除霍建军家外均正常。霍建军家儿子体温37.6", "09:00")
    [reply] = replies(calls)
    assert "霍建军家发热37.6℃" in reply
    got = await stored(bot, "刘志宇")
    assert got["霍建军"]["fever"] is True and got["霍建军"]["temperature"] == 37.6
    assert got["王建国"]["fever"] is False


async def test_unlinked_user_gets_hint_once_then_iam_approval(bot) -> None:
    _, calls = await bot.post(GROUP1, CHEN, "15户都正常", "09:00")
    assert replies(calls) == [texts.NOT_LINKED]
    _, calls = await bot.post(GROUP1, CHEN, "15户都正常", "09:01")
    assert replies(calls) == []  # throttled
    assert await stored(bot) == {}
    _, calls = await bot.post(GROUP1, CHEN, "/iam 陈明", "09:02")
    [request] = replies(calls)
    assert "申请关联为网格员 陈明" in request
    [(ok_label, ok_data), (_, no_data)] = buttons(calls)
    assert ok_label == "同意" and ok_data.startswith("iam:a:")
    msg_id = calls[0].result["message_id"]
    calls = await bot.click(GROUP1, WANG, ok_data, msg_id)  # a plain member cannot approve
    assert calls[-1].method == "answerCallbackQuery" and calls[-1].params["text"] == texts.IAM_NOT_ALLOWED
    calls = await bot.click(GROUP1, CHEN, ok_data, msg_id)  # nor can the applicant
    assert calls[-1].params["text"] == texts.IAM_NOT_ALLOWED
    calls = await bot.click(GROUP1, LIU, ok_data, msg_id)
    assert "已关联" in replies(calls)[0]
    calls = await bot.click(GROUP1, LIU, no_data, msg_id)  # the request is closed now
    assert calls[-1].params["text"] == texts.IAM_DONE_ALREADY
    mine = await households_of(bot, "陈明")
    _, calls = await bot.post(GROUP1, CHEN, f"{len(mine)}户都正常", "09:10")
    assert replies(calls)[0].startswith("✅ 已记录 陈明")
    assert set(await stored(bot, "陈明")) == set(mine)


async def test_iam_unknown_name_and_taken(bot) -> None:
    _, calls = await bot.post(GROUP1, STRANGER, "/iam 不存在")
    assert "没有叫“不存在”" in replies(calls)[0]
    await bot.post(GROUP1, WANG, "好的")  # links 王艳 by her roster @username
    _, calls = await bot.post(GROUP1, STRANGER, "/iam 王艳")
    assert replies(calls) == [texts.IAM_TAKEN.format(name="王艳")]
    _, calls = await bot.post(GROUP1, WANG, "/iam 王艳")
    assert replies(calls) == [texts.IAM_ALREADY.format(name="王艳")]


async def test_edited_message_replaces_what_it_recorded(bot) -> None:
    mid, calls = await bot.post(GROUP1, LIU, "王建国家4人，体温36.5", "09:00")
    assert (await stored(bot))["王建国"]["people"] == 4
    _, calls = await bot.post(GROUP1, LIU, "薛文斌家3人，体温36.6", "09:05", message_id=mid,
                              edited_at=bot.at("09:05"))
    got = await stored(bot)
    assert "王建国" not in got and got["薛文斌"]["people"] == 3
    assert replies(calls)[0].startswith("✅")


async def test_correction_replaces_earlier_report(bot) -> None:
    mine = await households_of(bot, "刘志宇")
    await bot.post(GROUP1, LIU, f"包联{len(mine)}户，均正常", "08:50")
    await bot.post(GROUP1, LIU, "王建国家4人 体温36.5", "09:00")
    _, calls = await bot.post(GROUP1, LIU, "更正：王建国家5人 体温36.5", "09:10")
    assert "更正" in replies(calls)[0]
    got = await stored(bot)
    assert got["王建国"]["people"] == 5
    assert set(got) == set(mine)  # the households the correction does not mention keep their report
    hid = (await bot.services.db.fetchone("SELECT id FROM households WHERE name = '王建国'"))[0]
    assert len(await bot.services.report_repo.audit_rows(hid, DAY.isoformat())) >= 1


async def test_foreign_household_refused(bot) -> None:
    _, calls = await bot.post(GROUP1, WANG, "王建国家4人 体温36.5", "09:00")
    [reply] = replies(calls)
    assert "王建国家由网格员刘志宇负责" in reply
    assert await stored(bot) == {}


async def test_chitchat_stranger_and_unbound_group_are_silent(bot) -> None:
    for text in ("收到", "好的👍", "@王艳 明天几点开会？", "请各位网格员18:00前上报"):
        _, calls = await bot.post(GROUP1, WANG, text)
        assert replies(calls) == [], text
    _, calls = await bot.post(GROUP1, STRANGER, "今天天气不错")
    assert replies(calls) == []
    _, calls = await bot.post(FakeChat(-1007777, "别的群"), WANG, "包联15户，均正常")
    assert replies(calls) == []
    assert await stored(bot) == {}


async def test_redelivered_update_does_nothing(bot) -> None:
    update = bot.updates.message(GROUP1, LIU, "王建国家4人 体温36.5", bot.at("09:00"))
    first = await bot.feed(update)
    again = await bot.feed(update)
    assert len(replies(first)) == 1 and replies(again) == []
    n = (await bot.services.db.fetchone("SELECT COUNT(*) FROM member_reports"))[0]
    assert n == 1


async def test_chain_repost_adds_only_the_new_line(bot) -> None:
    zhao = await households_of(bot, "赵丽")
    liugl = await households_of(bot, "刘桂兰")
    chain = f"#接龙 第二网格排查\n1. 赵丽 {len(zhao)}户 均正常"
    _, calls = await bot.post(GROUP2, ZHAO, chain, "11:00")
    assert "赵丽" in replies(calls)[0]
    _, calls = await bot.post(GROUP2, LIUGL, chain + f"\n2. 刘桂兰 {len(liugl)}户 均正常", "11:05")
    [reply] = replies(calls)
    assert "刘桂兰" in reply and "赵丽" not in reply
    n = (await bot.services.db.fetchone("SELECT COUNT(*) FROM member_reports WHERE undone = 0"))[0]
    assert n == 2
    assert set(await stored(bot, "刘桂兰")) == set(liugl)


async def test_mystatus_and_undo(bot) -> None:
    mine = await households_of(bot, "王艳")
    await bot.post(GROUP1, WANG, f"{mine[0]}家3人 体温36.5", "09:00")
    _, calls = await bot.post(GROUP1, WANG, "/mystatus", "09:01")
    [reply] = replies(calls)
    assert f"已报 1/{len(mine)} 户" in reply and f"未报{len(mine) - 1}户" in reply
    assert not any(h in reply for h in mine)  # no household names in a group
    _, calls = await bot.post(FakeChat(WANG.id), WANG, "/mystatus", "09:01")  # private chat: with the names
    assert f"已报 1/{len(mine)} 户" in replies(calls)[0] and mine[1] in replies(calls)[0]
    _, calls = await bot.post(GROUP1, WANG, "/undo", "09:02")
    assert "已撤回" in replies(calls)[0]
    assert await stored(bot) == {}
    _, calls = await bot.post(GROUP1, WANG, "/undo", "09:03")
    assert replies(calls) == [texts.UNDO_NOTHING]
    _, calls = await bot.post(GROUP1, STRANGER, "/mystatus")
    assert replies(calls) == [texts.MYSTATUS_NOT_LINKED]


async def test_private_text_gets_hint(bot) -> None:
    _, calls = await bot.post(FakeChat(WANG.id), WANG, "包联15户均正常")
    assert replies(calls) == [texts.PRIVATE_ONLY_HINT]


async def test_error_gets_apology_and_bot_keeps_going(bot, monkeypatch) -> None:
    grid = bot.services.reports

    async def boom(msg):
        raise RuntimeError("db exploded")

    monkeypatch.setattr(grid, "handle_message", boom)
    _, calls = await bot.post(GROUP1, LIU, "王建国家4人", "09:00")
    assert replies(calls) == [texts.ERROR]
    monkeypatch.undo()
    _, calls = await bot.post(GROUP1, LIU, "王建国家4人", "09:01")
    assert replies(calls)[0].startswith("✅")


async def test_removed_from_group_deactivates_binding(bot) -> None:
    await bot.feed(bot.updates.my_chat_member(GROUP2, ZHAO, "left", bot.clock.now))
    assert await bot.services.report_repo.bound_grid_ids(GROUP2.qid) == []
    _, calls = await bot.post(GROUP2, ZHAO, "包联15户均正常")
    assert replies(calls) == []


async def test_day_uses_configured_timezone(bot) -> None:
    # 23:30 in Shanghai on the 10th is 15:30 UTC: still the 10th
    await bot.post(GROUP1, LIU, "王建国家4人 体温36.5", bot.at("23:30"))
    assert "王建国" in await stored(bot)


async def test_same_as_yesterday_copies_the_last_report(bot) -> None:
    from datetime import timedelta

    yesterday = DAY - timedelta(days=1)
    await bot.post(GROUP1, LIU, "王建国家4人 体温36.5\n霍建军家5人 体温37.5", bot.at("09:00", yesterday))
    _, calls = await bot.post(GROUP1, LIU, "同昨日", bot.at("09:00", DAY))
    [reply] = replies(calls)
    assert "同昨日" in reply and "2户" in reply and "霍建军家发热37.5℃" in reply
    got = await stored(bot)
    assert got["王建国"]["people"] == 4 and got["霍建军"]["fever"] is True
    rows = await bot.services.db.fetchall("SELECT day FROM reports ORDER BY day")
    assert [r[0] for r in rows] == [yesterday.isoformat()] * 2 + [DAY.isoformat()] * 2


async def test_same_as_yesterday_without_history_asks(bot) -> None:
    _, calls = await bot.post(GROUP1, LIU, "同昨日", "09:00")
    assert "没有找到您之前的上报" in replies(calls)[0]
    assert await stored(bot) == {}


async def test_unmatched_name_is_asked_not_stored(bot) -> None:
    _, calls = await bot.post(GROUP1, LIU, "王建国家4人 体温36.5\n欧阳修家3人 体温36.6", "09:00")
    [reply] = replies(calls)
    assert reply.startswith("✅ 已记录 刘志宇 1户") and "没有找到户主：欧阳修" in reply
    assert set(await stored(bot)) == {"王建国"}
