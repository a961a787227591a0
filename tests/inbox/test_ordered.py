"""bot/inbox/ordered.py: one chat's jobs in order, different chats side by side."""

from __future__ import annotations

import asyncio

import pytest

from bot.inbox.ordered import ChatOrdered


async def test_one_chats_jobs_run_in_order_and_other_chats_go_on() -> None:
    ordered = ChatOrdered(concurrency=4)
    gate = asyncio.Event()
    done: list[str] = []

    def job(name: str, wait: bool = False):
        async def run() -> str:
            if wait:
                await gate.wait()
            done.append(name)
            return name
        return run

    a1 = ordered.submit("a", job("a1", wait=True))
    a2 = ordered.submit("a", job("a2"))
    b1 = ordered.submit("b", job("b1"))
    assert await b1 == "b1"  # chat b is not held up by chat a's slow job
    assert done == ["b1"] and not a2.done()
    gate.set()
    assert (await a1, await a2) == ("a1", "a2")
    assert done == ["b1", "a1", "a2"]
    assert len(ordered.locks) == 0  # nobody waits: the locks are forgotten


async def test_a_failing_job_does_not_stop_its_chat() -> None:
    ordered = ChatOrdered(concurrency=1)

    async def boom() -> None:
        raise RuntimeError("x")

    async def fine() -> int:
        return 7

    bad = ordered.submit("a", boom)
    good = ordered.submit("a", fine)
    await ordered.drain()
    with pytest.raises(RuntimeError):
        bad.result()
    assert good.result() == 7
