"""``gridbot demo --web``: after the scripted day, the web console on the demo's database, on 127.0.0.1.

The day is played as ``gridbot demo`` plays it (into a database that is kept, in a temporary folder the demo
prints), then the village statistician sends ``/web`` in a private chat, through the real Application, and the
link the bot answers with is printed. The console serves until Ctrl-C, on the demo's clock (the evening of
the demo day), so the link and the session do not expire while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from bot.sample.cast import STATISTICIAN
from handlers.demo.stage import Demo
from handlers.offline.bot import replies
from handlers.offline.fake import FakeChat
from handlers.web.adapter import WebAdapter


async def sign_in_link(demo: Demo) -> str:
    """The statistician's ``/web`` in their private chat, and the bot's answer."""
    chat = FakeChat(STATISTICIAN.id, STATISTICIAN.first_name)
    _, calls = await demo.bot.post(chat, STATISTICIAN, "/web")
    return "\n".join(replies(calls))


async def serve(demo: Demo, stop: asyncio.Event | None = None) -> None:
    """Serve the console on the demo's services until ``stop`` is set (or SIGINT/SIGTERM)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    adapter = WebAdapter()
    await adapter.start(demo.bot.services)
    try:
        demo.say("—— 网页控制台 ——")
        demo.say(f"演示数据库：{demo.config.db_path}")
        demo.say(f"网页控制台：{demo.config.web.root}/ （按 Ctrl-C 结束）")
        demo.say(f"[私聊] {STATISTICIAN.first_name}：/web")
        demo.say("   🤖 " + (await sign_in_link(demo)).replace("\n", "\n      "))
        demo.out.flush()
        await stop.wait()
    finally:
        await adapter.stop()
