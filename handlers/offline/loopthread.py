"""A local server on its own asyncio event loop in a background thread: the fake Telegram Bot API
(``fakeapi.py``) and the Feishu stand-in (``feishu/server.py``) are both one.

A subclass implements ``_serve()`` (bind and start, on the loop) and ``_cleanup()`` (on the loop, at stop).
``start()`` returns once ``_serve()`` has run; ``_call(coro)`` runs a coroutine on the loop from any thread.
:func:`wait_on` is the bounded wait on a condition both servers' ``wait_for`` use.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, Self


class BackgroundLoop:
    thread_name = "offline-server"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{self.thread_name} did not start")
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._serve())
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._cleanup())
        loop.close()

    async def _serve(self) -> None:
        raise NotImplementedError

    async def _cleanup(self) -> None:
        return None

    def stop(self) -> None:
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _call(self, coro: Coroutine[Any, Any, Any], timeout: float = 15.0) -> Any:
        assert self._loop is not None, f"{self.thread_name} is not started"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)


def wait_on(changed: threading.Condition, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Wait until ``predicate()`` is truthy, re-checked whenever ``changed`` is notified (and at least every
    0.25 s, for conditions on another thread's state)."""
    deadline = time.monotonic() + timeout
    with changed:
        while True:
            v = predicate()
            if v:
                return v
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            changed.wait(min(left, 0.25))
