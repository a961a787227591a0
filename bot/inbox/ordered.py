"""One chat's updates in order, different chats side by side: free of any chat platform.

:class:`ChatLocks` is the per-chat fair lock (asyncio locks hand over in the order they were asked for), which
forgets a chat's lock once nobody of that chat waits. :class:`ChatOrdered` runs jobs with it: a job is
submitted with its chat and starts when the chat's earlier jobs are done, at most ``concurrency`` at a time
across chats. An adapter that has its own dispatcher (PTB's update processor) uses :class:`ChatLocks` alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class ChatLocks:
    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: dict[Hashable, int] = {}

    @asynccontextmanager
    async def hold(self, chat: Hashable) -> AsyncIterator[None]:
        """The chat's turn: waits until the chat's earlier holders are done."""
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._waiting[chat] = self._waiting.get(chat, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:  # nobody else of this chat is waiting: forget its lock
                del self._waiting[chat]
                self._locks.pop(chat, None)

    def __len__(self) -> int:
        return len(self._locks)


class ChatOrdered:
    """Jobs run one chat at a time in the order they were submitted; chats side by side."""

    def __init__(self, concurrency: int = 8):
        self.locks = ChatLocks()
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[Any]] = set()

    def submit(self, chat: Hashable, job: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        """Queue ``job`` behind the chat's earlier jobs. The task's result is the job's; a job that raises is
        logged (by type) and its task holds the exception."""
        task = asyncio.get_running_loop().create_task(self._run(chat, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, chat: Hashable, job: Callable[[], Awaitable[T]]) -> T:
        async with self.locks.hold(chat), self._slots:
            try:
                return await job()
            except Exception as e:
                log.error("a job of chat %s failed: %s", chat, type(e).__name__, exc_info=e)
                raise

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every job submitted so far (and any they submit) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
