"""The message path: one load of the context, a pure plan, one save.

Every public call a report message makes into the reporting loop's repository is counted: a report makes at
most three (the context, "同昨日"'s last day, the save), whatever its shape.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from datetime import datetime, time
from typing import Any

import pytest

from bot.core.chat import IncomingMessage, Sender
from bot.core.roster import read_roster_bytes
from bot.sample import roster_bytes
from bot.sample.cast import DAY, GROUP1, LIU, STRANGER, WANG
from handlers.offline.bot import OfflineBot, replies
from storage.reports import ReportRepo


class Counted:
    """Counts the calls of a repository's public coroutine methods (on the instance the services share)."""

    def __init__(self, repo: ReportRepo):
        self.calls: list[str] = []
        #: every call, the repository's calls to itself too
        self.every: list[str] = []
        self._depth = 0
        for name, _ in inspect.getmembers(type(repo), inspect.iscoroutinefunction):
            if not name.startswith("_"):
                setattr(repo, name, self._wrap(name, getattr(repo, name)))

    def _wrap(self, name: str, bound: Any) -> Any:
        @functools.wraps(bound)
        async def counted(*args: Any, **kw: Any) -> Any:
            if self._depth == 0:  # a call from outside (the repository's own calls to itself are not)
                self.calls.append(name)
            self.every.append(name)
            self._depth += 1
            try:
                return await bound(*args, **kw)
            finally:
                self._depth -= 1

        return counted

    def take(self) -> list[str]:
        out, self.calls, self.every = self.calls, [], []
        return out


def incoming(bot: OfflineBot, user: Any, text: str, hhmm: str, *, message_id: int | None = None,
             edited: bool = False) -> IncomingMessage:
    when = bot.at(hhmm, DAY)
    bot.clock.set(when)
    mid = message_id if message_id is not None else bot.updates.next_message_id()
    return IncomingMessage(GROUP1.qid, "supergroup", str(mid), Sender(user.qid, user.username, user.first_name),
                           text, when, update_id=f"tg:{next(_UPDATE_IDS)}", edited=edited)


_UPDATE_IDS = itertools.count(500_000)


@pytest.fixture
async def counted(bot: OfflineBot) -> tuple[OfflineBot, Counted]:
    return bot, Counted(bot.services.report_repo)


async def handle(bot: OfflineBot, counter: Counted, msg: IncomingMessage) -> tuple[str | None, list[str]]:
    counter.take()
    reply = await bot.services.reports.handle_message(msg)
    return (reply.text if reply else None), counter.take()


async def test_each_shape_of_report_makes_at_most_three_storage_calls(counted) -> None:
    bot, counter = counted
    wang = (await bot.services.reports.roster()).find_member("王艳")
    assert wang is not None
    names = [h.name for h in wang.households]
    shapes = [
        f"包联{len(names)}户，体温均正常，无返乡人员",
        f"{names[0]}家：3人，体温36.6\n{names[1]}家返乡1人，已居家隔离\n其余均正常",
        f"更正：{names[0]}家4人，体温36.6",
        "更正：17户",
        f"#接龙 2月10日第一网格\n1. 刘志宇 15户44人 均正常\n2. 王艳 {len(names)}户 均正常",
        "收到",
        "明天几点开会？",
    ]
    for i, text in enumerate(shapes):
        reply, calls = await handle(bot, counter, incoming(bot, WANG, text, f"09:{10 + i}"))
        assert len(calls) <= 3, (text, calls)
        assert calls[0] == "message_context"
        if reply and reply.startswith("✅"):
            assert calls == ["message_context", "save"], (text, calls)


async def test_same_as_yesterday_reads_the_last_day_once(counted) -> None:
    bot, counter = counted
    wang = (await bot.services.reports.roster()).find_member("王艳")
    assert wang is not None
    bot.clock.set(datetime.combine(DAY.replace(day=9), time(9, 0), bot.tz))
    await bot.services.reports.add_report("王艳", f"包联{len(wang.households)}户，体温均正常", DAY.replace(day=9))
    reply, calls = await handle(bot, counter, incoming(bot, WANG, "同昨日", "09:30"))
    assert reply is not None and reply.startswith("✅"), (reply, calls)
    assert calls == ["message_context", "last_reports", "save"]


async def test_an_edit_replaces_what_the_message_stored_in_the_same_calls(counted) -> None:
    bot, counter = counted
    wang = (await bot.services.reports.roster()).find_member("王艳")
    assert wang is not None
    first = wang.households[0].name
    msg = incoming(bot, WANG, f"{first}家 5人 体温36.8", "10:00")
    await handle(bot, counter, msg)
    reply, calls = await handle(bot, counter, incoming(bot, WANG, f"{first}家 5人 体温37.9", "10:02",
                                                        message_id=msg.message_id, edited=True))
    assert reply is not None and "发热" in reply
    assert calls == ["message_context", "save"]
    rows = await bot.services.report_repo.reports_for_members([wang.id or 0], DAY.isoformat())
    assert [r.data["temperature"] for r in rows] == [37.9]


async def test_strangers_and_repeats_cost_one_read(counted) -> None:
    bot, counter = counted
    reply, calls = await handle(bot, counter, incoming(bot, STRANGER, "闲聊几句", "11:00"))
    assert reply is None and calls == ["message_context"]
    msg = incoming(bot, WANG, "包联17户，体温均正常", "11:01")
    await handle(bot, counter, msg)
    reply, calls = await handle(bot, counter, msg)  # the same update delivered again
    assert reply is None and calls == ["message_context"]


async def test_the_roster_is_cached_until_an_import(counted, sample_rows) -> None:
    bot, counter = counted
    reports = bot.services.reports
    await handle(bot, counter, incoming(bot, WANG, "包联17户，体温均正常", "12:00"))
    for i in range(3):
        counter.take()
        await bot.services.reports.handle_message(incoming(bot, WANG, "收到", f"12:0{i + 1}"))
        assert "roster" not in counter.every  # cached
    # a new roster imported in another process (gridbot roster import): the next message sees it
    rows = [r for r in sample_rows if r.household != sample_rows[0].household]
    other = ReportRepo(bot.services.db)
    await other.import_roster([r.__dict__ for r in rows], "cli", "2020-02-10T12:05:00+08:00")
    counter.take()
    await bot.services.reports.handle_message(incoming(bot, LIU, "收到", "12:06"))
    assert counter.calls == ["message_context"] and "roster" in counter.every  # it came with the context
    liu = (await reports.roster()).find_member("刘志宇")
    assert liu is not None and sample_rows[0].household not in [h.name for h in liu.households]


async def test_through_the_application_the_reply_follows_the_save(bot: OfflineBot) -> None:
    """The same path through the real Application: the row is committed before the reply is sent."""
    wang = (await bot.services.reports.roster()).find_member("王艳")
    assert wang is not None
    _, calls = await bot.post(GROUP1, WANG, f"包联{len(wang.households)}户，体温均正常", "13:00")
    assert replies(calls)[0].startswith("✅ 已记录 王艳")
    rows = await bot.services.report_repo.reports_for_members([wang.id or 0], DAY.isoformat())
    assert len(rows) == len(wang.households)


def test_sample_roster_has_the_cast() -> None:
    rows = read_roster_bytes(roster_bytes(), "roster.csv").rows
    assert {"刘志宇", "王艳"} <= {r.member for r in rows}


async def test_a_residents_chain_makes_one_read_and_one_save(counted) -> None:
    """A resident (no member) posts a chain keyed by house number; a repost stores and asks nothing again."""
    bot, counter = counted
    chain = "#接龙 一组今日排查\n1. 门牌号-人数\n2. 10-4\n3. 42号-1\n4. 999-2"
    reply, calls = await handle(bot, counter, incoming(bot, STRANGER, chain, "14:00"))
    assert reply is not None and reply.startswith("✅ 住户接龙已记录：刘志宇 2户"), reply
    assert "第4条“999-2”" in reply
    assert calls == ["message_context", "save"]
    reply, calls = await handle(bot, counter, incoming(bot, STRANGER, chain, "14:01"))
    assert reply is None and calls == ["message_context"]
    liu = (await bot.services.reports.roster()).find_member("刘志宇")
    assert liu is not None
    rows = await bot.services.report_repo.reports_for_members([liu.id or 0], DAY.isoformat())
    assert sorted((r.household, r.data["people"], r.via) for r in rows) == [("王建国", 4, "resident"),
                                                                              ("薛文斌", 1, "resident")]
