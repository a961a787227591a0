"""The household page and 更正: the history with its audit trail, and a correction from the console that is
stored as a chat correction is (and shows in the chat's /mystatus, through the real PTB Application)."""

from __future__ import annotations

from datetime import timedelta

from bot.config.stats import StatisticianEntry
from bot.console.history import changes, staff_names
from bot.console.scope import Refused, household_ref
from bot.core import texts
from bot.core.template import default_template
from bot.sample.cast import DAY, GROUP1, LIU, WANG
from handlers.offline.bot import replies
from handlers.offline.fake import FakeChat
from tests.console.people import LEADER1, LEADER2, MEMBER, NOBODY, OPERATOR, STAT, ref_of
from tests.stored import households_of, stored


async def test_history_shows_each_version_who_and_what_changed(bot) -> None:
    await bot.post(GROUP1, LIU, "王建国家4人 体温36.5", "09:00")
    await bot.post(GROUP1, LIU, "更正：王建国家5人 体温36.5", "09:10")
    ref = await ref_of(bot, "王建国")
    page = await bot.services.console.household(STAT, ref, DAY - timedelta(days=6), DAY)
    assert not isinstance(page, Refused)
    assert page.household.name == "王建国" and page.grid == "东风村第一网格"
    [day] = page.days
    first, second = day.entries
    assert not first.live and first.replaced == "被新的上报替换"
    assert second.live and day.live is second
    assert first.who == "刘志宇" and first.via == "文字"
    assert first.version.message_text == "王建国家4人 体温36.5" and first.version.source_message_id
    assert [(c.label, c.before, c.after) for c in second.changes] == [("人数", "4", "5")]
    assert ("人数", "5") in second.values


async def test_correction_goes_through_the_chat_correction_and_audit(bot) -> None:
    await bot.post(GROUP1, LIU, "王建国家4人 体温36.5", "09:00")
    ref = await ref_of(bot, "王建国")
    done = await bot.services.console.correct(STAT, ref, DAY, "temperature", "37.8", "电话核实 体温偏高")
    assert not isinstance(done, Refused)
    assert done.text.startswith("✅ 已更正 刘志宇")
    got = (await stored(bot))["王建国"]
    assert got["temperature"] == 37.8 and got["fever"] is True and got["people"] == 4  # the rest is kept
    page = await bot.services.console.household(STAT, ref, DAY, DAY)
    old, new = page.days[0].entries
    assert old.replaced == "被新的上报替换" and old.version.data["temperature"] == 36.5
    assert new.via == "网页更正" and new.version.reason == "电话核实 体温偏高"
    assert new.version.sender_user_id == STAT.user_id
    assert {c.key for c in new.changes} == {"temperature", "fever"}
    hid = int(ref[1:])
    assert len(await bot.services.report_repo.audit_rows(hid, DAY.isoformat())) == 1
    anomalies = await bot.services.console.anomalies(STAT, DAY, DAY, kinds=["fever"])
    assert [r.household for r in anomalies.rows] == ["王建国"]


async def test_console_correction_shows_in_mystatus(bot) -> None:
    mine = await households_of(bot, "王艳")
    await bot.post(GROUP1, WANG, f"{mine[0]}家3人 体温36.5", "09:00")
    _, calls = await bot.post(FakeChat(WANG.id), WANG, "/mystatus", "09:01")
    assert f"已报 1/{len(mine)} 户" in replies(calls)[0] and mine[1] in replies(calls)[0]
    ref = await ref_of(bot, mine[1])
    done = await bot.services.console.correct(LEADER1, ref, DAY, "people", "2", "网格长上门核实")
    assert not isinstance(done, Refused)
    _, calls = await bot.post(FakeChat(WANG.id), WANG, "/mystatus", "09:20")
    [reply] = replies(calls)
    assert f"已报 2/{len(mine)} 户" in reply and mine[1] not in reply
    assert (await stored(bot, "王艳"))[mine[1]]["people"] == 2


async def test_who_may_see_and_correct(bot) -> None:
    await bot.post(GROUP1, LIU, "王建国家4人 体温36.5", "09:00")
    ref = await ref_of(bot, "王建国")
    console = bot.services.console
    assert await console.household(LEADER2, ref, DAY, DAY) == Refused(texts.CONSOLE_NOT_FOUND)
    assert await console.correct(LEADER2, ref, DAY, "people", "5", "x") == Refused(texts.CONSOLE_NOT_FOUND)
    assert await console.household(NOBODY, ref, DAY, DAY) == Refused(texts.CONSOLE_NO_ROLE)
    assert await console.correct(NOBODY, ref, DAY, "people", "5", "x") == Refused(texts.CONSOLE_NO_ROLE)
    wang = (await households_of(bot, "王艳"))[0]
    own = await ref_of(bot, wang)
    assert not isinstance(await console.household(MEMBER, own, DAY, DAY), Refused)  # a member sees her own
    assert await console.household(MEMBER, ref, DAY, DAY) == Refused(texts.CONSOLE_NOT_FOUND)
    assert await console.correct(MEMBER, own, DAY, "people", "5", "x") == Refused(texts.CONSOLE_CORRECT_NOT_ALLOWED)
    assert await console.household(STAT, household_ref(99999), DAY, DAY) == Refused(texts.CONSOLE_NOT_FOUND)
    assert await console.household(STAT, "王建国", DAY, DAY) == Refused(texts.CONSOLE_NOT_FOUND)
    assert not isinstance(await console.correct(OPERATOR, ref, DAY, "people", "6", "管理员核实"), Refused)
    assert (await stored(bot))["王建国"]["people"] == 6
    assert len(await bot.services.report_repo.audit_rows(int(ref[1:]), DAY.isoformat())) == 1


async def test_bad_corrections_are_refused_and_store_nothing(bot) -> None:
    await bot.post(GROUP1, LIU, "王建国家4人 体温36.5", "09:00")
    ref = await ref_of(bot, "王建国")
    console = bot.services.console
    assert await console.correct(STAT, ref, DAY, "people", "5", "  ") == Refused(texts.CONSOLE_CORRECT_NO_REASON)
    assert await console.correct(STAT, ref, DAY, "age", "5", "x") == Refused(
        texts.CONSOLE_CORRECT_BAD_FIELD.format(field="age"))
    assert await console.correct(STAT, ref, DAY, "temperature", "99", "x") == Refused(
        texts.OCR_FIX_BAD_VALUE.format(field="体温", value="99"))
    assert await console.correct(STAT, ref, DAY + timedelta(days=1), "people", "5", "x") == Refused(
        texts.CONSOLE_CORRECT_FUTURE.format(day=(DAY + timedelta(days=1)).isoformat()))
    assert await console.correct(STAT, ref, DAY, "people", "4", "x") == Refused(texts.CONSOLE_CORRECT_SAME)
    assert (await stored(bot))["王建国"]["people"] == 4
    assert await bot.services.report_repo.audit_rows(int(ref[1:]), DAY.isoformat()) == []


def test_changes_between_versions() -> None:
    tpl = default_template()
    assert [(c.key, c.before, c.after) for c in changes({"people": 4, "symptoms": []},
                                                        {"people": 4, "symptoms": ["咳嗽"]}, tpl)] == [
        ("symptoms", "无", "咳嗽")]
    assert [c.key for c in changes(None, {"people": 4, "note": ""}, tpl)] == ["people"]


async def test_a_statistician_or_admin_editor_shows_by_role_not_by_id(bot) -> None:
    await bot.post(GROUP1, LIU, "王建国家4人 体温36.5", "09:00")
    ref = await ref_of(bot, "王建国")
    console = bot.services.console
    assert not isinstance(await console.correct(STAT, ref, DAY, "people", "5", "电话核实"), Refused)
    assert not isinstance(await console.correct(OPERATOR, ref, DAY, "people", "6", "管理员核实"), Refused)
    page = await console.household(STAT, ref, DAY, DAY)
    whos = [e.who for e in page.days[0].entries]
    assert whos == ["刘志宇", "刘志宇（东风村统计员）", "刘志宇（系统管理员）"]
    assert not any("ID" in w for w in whos)


def test_staff_names() -> None:
    got = staff_names([StatisticianEntry("青山镇/东风村", "tg:1"), StatisticianEntry("青山镇", "tg:2"),
                       StatisticianEntry("东风村", None, "tongji"), StatisticianEntry("西山村", "tg:9")], ["tg:9"])
    assert got == {"tg:1": "东风村统计员", "tg:2": "青山镇统计员", "tg:9": "系统管理员"}


async def test_a_day_past_retention_is_not_corrected(bot) -> None:
    ref = await ref_of(bot, "王建国")
    keep = bot.services.config.summary.retention_days
    old = DAY - timedelta(days=keep + 1)
    assert await bot.services.console.correct(STAT, ref, old, "people", "5", "补录") == Refused(
        texts.CONSOLE_CORRECT_TOO_OLD.format(days=keep))
    assert not isinstance(await bot.services.console.correct(STAT, ref, DAY - timedelta(days=keep), "people", "5",
                                                             "补录"), Refused)
