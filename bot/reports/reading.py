"""Reading photos off the event loop: a bounded queue in front of a small thread pool.

A photo takes one to two seconds of CPU to read. The chat adapter answers "正在识别…" at once and submits
the download-read-reply job here, so that other chats go on being served. At most ``ocr.workers`` photos
are read at once and ``ocr.max_queue`` wait; beyond that :meth:`PhotoReader.full` is true and the member is
asked to send the photo again later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class PhotoReader:
    """Background jobs (each a coroutine) limited in number, and a thread pool for their blocking work."""

    def __init__(self, workers: int, max_queue: int, timeout_s: float):
        self.workers = workers
        self.max_queue = max_queue
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gridbot-ocr")
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def busy(self) -> int:
        return len(self._tasks)

    @property
    def full(self) -> bool:
        return self.busy >= self.workers + self.max_queue

    def submit(self, job: Callable[[], Awaitable[None]]) -> bool:
        """Start a background job (download + read + reply); False when the queue is full."""
        if self.full:
            return False
        task = asyncio.get_running_loop().create_task(self._guard(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _guard(self, job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        except Exception:  # a job must never take the bot down; the member got an apology where possible
            log.exception("photo job failed")

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking ``fn`` in the pool when a slot is free, within the time limit."""
        if self._slots is None:  # created on the running loop
            self._slots = asyncio.Semaphore(self.workers)
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await asyncio.wait_for(loop.run_in_executor(self._pool, fn, *args), self.timeout_s)

    async def join(self) -> None:
        """Wait for every queued job (the offline bot does after each update, so its transcript is in order)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
