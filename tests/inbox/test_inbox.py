"""The durable inbox: updates committed before they are queued, dropped when delivered again, handled again
after a restart; one chat's updates in order, different chats side by side; replies committed with their
report and sent after."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from telegram import Update

from bot.sample.cast import DAY, GROUP1, GROUP2, LIU, WANG
from handlers.offline.bot import OfflineBot
from handlers.offline.fake import chat_json, user_json
from handlers.telegram import inbox as tg_inbox
from handlers.telegram.convert import to_incoming
from handlers.telegram.inbox import ChatOrderedProcessor, DurableUpdateQueue


def message_update(bot: OfflineBot, update_id: int, chat, user, text: str, message_id: int) -> Update:
    data = {"update_id": update_id, "message": {"message_id": message_id, "date": int(bot.clock.now.timestamp()),
                                                "chat": chat_json(chat), "from": user_json(user), "text": text}}
    return Update.de_json(data, bot.app.bot)


@pytest.fixture
async def queue(bot: OfflineBot) -> AsyncIterator[DurableUpdateQueue]:
    q = bot.app.update_queue
    assert isinstance(q, DurableUpdateQueue) and q.services is bot.services
    yield q


async def inbox_rows(bot: OfflineBot) -> list[tuple]:
    return [tuple(r) for r in await bot.services.db.fetchall(
        "SELECT update_key, chat_id, done_at IS NOT NULL FROM inbox ORDER BY seq")]


async def test_an_update_is_committed_before_it_is_queued_and_a_redelivery_is_dropped(bot, queue) -> None:
    u = message_update(bot, 900, GROUP1, WANG, "包联17户，体温均正常", 5000)
    await queue.put(u)
    assert await inbox_rows(bot) == [("tg:900", GROUP1.qid, 0)]
    assert queue.qsize() == 1
    stored = json.loads((await bot.services.db.fetchone("SELECT payload FROM inbox"))[0])
    assert stored["message"]["text"] == "包联17户，体温均正常"
    await queue.put(message_update(bot, 900, GROUP1, WANG, "包联17户，体温均正常", 5000))  # Telegram again
    assert queue.qsize() == 1 and len(await inbox_rows(bot)) == 1
    await queue.put(object())  # PTB's stop signal and other objects pass through
    assert queue.qsize() == 2


async def test_a_report_is_done_in_its_own_transaction_and_its_reply_is_committed(bot, queue) -> None:
    u = message_update(bot, 901, GROUP1, WANG, "包联17户，体温均正常", 5001)
    await queue.put(u)
    await bot.feed(u)
    assert await inbox_rows(bot) == [("tg:901", GROUP1.qid, 1)]
    row = await bot.services.db.fetchone("SELECT chat_id, reply_to, text, sent_at IS NOT NULL FROM outbox")
    assert tuple(row)[:2] == (GROUP1.qid, "5001") and row[2].startswith("✅ 已记录 王艳") and row[3] == 1


async def test_a_restart_handles_what_was_not_done_and_sends_what_was_not_sent(bot, queue, config, sample_rows) -> None:
    # the killed process: one update accepted but not handled, one report stored but its reply not sent
    await queue.put(message_update(bot, 902, GROUP1, WANG, "包联17户，体温均正常", 5002))
    u = message_update(bot, 903, GROUP1, LIU, "包联15户44人，均正常", 5003)
    await queue.put(u)
    incoming = to_incoming(u)
    assert incoming is not None
    reply = await bot.services.reports.handle_message(incoming)
    assert reply is not None and reply.outbox_id is not None  # committed, never sent
    await bot.stop()

    again = OfflineBot(config, bot.clock.now)
    await again.start()
    try:
        sent = [c for c in again.request.calls if c.method == "sendMessage"]
        assert [c.params["text"] for c in sent] == [reply.text]  # the committed reply, after the restart
        assert sent[0].params["reply_parameters"]["message_id"] == 5003
        q = again.app.update_queue
        assert [x.update_id for x in list(q._queue)] == [902]  # not done: handled again, first
        assert await again.services.inbox.unsent_replies() == []
    finally:
        await again.stop()


async def test_a_failed_send_is_sent_again_by_the_resend_job(bot) -> None:
    wang = (await bot.services.reports.roster()).find_member("王艳")
    assert wang is not None
    bot.request.fail_next("sendMessage")
    _, calls = await bot.post(GROUP1, WANG, f"包联{len(wang.households)}户，体温均正常", "10:00")
    assert [c.result for c in calls if c.method == "sendMessage"] == [None]  # the Bot API did not take it
    [job] = bot.app.job_queue.get_jobs_by_name(tg_inbox.RESEND_JOB)
    before = len(bot.request.calls)
    await job.run(bot.app)
    [again] = [c for c in bot.request.calls[before:] if c.method == "sendMessage"]
    assert again.result is not None and again.params["text"].startswith("✅ 已记录 王艳")
    assert await bot.services.inbox.unsent_replies(failed_only=True) == []


async def test_purge_keeps_what_is_young_or_not_done(bot, queue) -> None:
    await queue.put(message_update(bot, 904, GROUP1, WANG, "收到", 5004))
    await bot.services.inbox.done("tg:904")
    await queue.put(message_update(bot, 905, GROUP1, WANG, "收到", 5005))  # not done
    assert await bot.services.inbox.purge() == {"inbox": 0, "outbox": 0}
    bot.clock.set(bot.clock.now.replace(day=DAY.day + 3))
    assert await bot.services.inbox.purge() == {"inbox": 1, "outbox": 0}
    assert [r[0] for r in await inbox_rows(bot)] == ["tg:905"]


async def test_one_chat_in_order_other_chats_side_by_side() -> None:
    proc = ChatOrderedProcessor(8)
    order: list[str] = []
    slow = asyncio.Event()

    class U(Update):
        def __init__(self, uid: int, chat: int):
            super().__init__(uid)
            self._chat = chat

        @property
        def effective_chat(self):  # type: ignore[override]
            return type("C", (), {"id": self._chat})()

    async def work(name: str, wait: asyncio.Event | None = None) -> None:
        order.append(f"{name} start")
        if wait is not None:
            await wait.wait()
        order.append(f"{name} end")

    busy = asyncio.create_task(proc.process_update(U(1, GROUP2.id), work("photo in group 2", slow)))
    msg = asyncio.create_task(proc.process_update(U(2, GROUP1.id), work("message")))
    edit = asyncio.create_task(proc.process_update(U(3, GROUP1.id), work("edit")))
    await asyncio.wait_for(asyncio.gather(msg, edit), 5)  # group 1 is not held up by group 2
    assert order == ["photo in group 2 start", "message start", "message end", "edit start", "edit end"]
    slow.set()
    await busy
    assert order[-1] == "photo in group 2 end"
    assert len(proc.locks) == 0  # nothing kept for chats with nothing waiting
