"""``gridbot demo``: a scripted day in a made-up village, played offline through the real Application.

The bundled roster (``bot/sample/roster.csv``) has one village with 3 grids, 10 members and about 150
households, and its people are ``bot/sample/cast.py``. The morning is played here; the photo, the afternoon's
reminders and the evening's summaries are scenes of their own. The Bot API is the offline recording request,
so the demo needs no token and no network. It prints a transcript and the day's table.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from pathlib import Path
from typing import TextIO

from bot.config.settings import Config
from bot.core.records import DayRow
from bot.reports.service import ReportService
from bot.sample import roster_bytes
from bot.sample.cast import (
    GROUP1,
    GROUP2,
    GROUP3,
    LIU,
    ZHANG,
    ZHAO,
)
from handlers.demo import photos, reminders, stats
from handlers.demo import web as console
from handlers.demo.scenes import Stage, morning, opening
from handlers.demo.stage import DEMO_DAY, Demo


async def script(demo: Demo) -> None:
    """The whole day, in order."""
    svc = demo.bot.services.reports
    for chat, user in ((GROUP1, LIU), (GROUP2, ZHAO), (GROUP3, ZHANG)):
        demo.bot.request.member_status[(chat.id, user.id)] = "administrator"
    await opening(demo, roster_bytes())
    await morning(demo)
    await photos.play(demo)  # a photo of a handwritten table (13:10)
    await reminders.play(demo)  # deadlines and reminders: the afternoon
    await print_table(demo, svc)
    await stats.play(demo)  # summaries and exports: the evening


async def print_table(demo: Stage, svc: ReportService) -> None:
    """The day's table, member by member."""
    rows = await svc.day_table(DEMO_DAY)
    tpl = svc.config.template
    done = sum(1 for r in rows if r.data)
    demo.say(f"== {DEMO_DAY:%Y-%m-%d} 台账：已报 {done}/{len(rows)} 户 ==")
    by_member: dict[tuple[str, str], list[DayRow]] = {}
    for r in rows:
        by_member.setdefault((r.grid, r.member), []).append(r)
    for (grid, member), rs in by_member.items():
        got = [r for r in rs if r.data]
        demo.say(f"{grid} {member}：已报 {len(got)}/{len(rs)} 户")
        for r in got:
            d = r.data or {}
            if tpl.anomalies(d) or d.get("people") is not None or d.get("temperature") is not None:
                cells = "，".join(
                    f"{f.label}{f.value_text(d.get(f.key))}" for f in tpl.fields if d.get(f.key) not in (None, "")
                )
                demo.say(f"    {r.household}：{cells}")


def run_demo(config: Config, out: TextIO, web: bool = False, port: int = 8080) -> int:
    """Run the demo against a fresh temporary database (the configured one is not touched). With ``web``, the
    database is kept (its path is printed) and the web console serves it on 127.0.0.1:``port`` until Ctrl-C."""
    if web:
        tmp = tempfile.mkdtemp(prefix="gridbot-demo-")
        cfg = dataclasses.replace(config, db_path=str(Path(tmp) / "demo.db"), web=dataclasses.replace(
            config.web, enabled=True, listen="127.0.0.1", port=port, base_url=f"http://127.0.0.1:{port}"))

        async def day_and_console(demo: Demo) -> None:
            await script(demo)
            await console.serve(demo)

        return asyncio.run(Demo(cfg, out).play(day_and_console))
    with tempfile.TemporaryDirectory(prefix="gridbot-demo-") as tmp:
        cfg = dataclasses.replace(config, db_path=str(Path(tmp) / "demo.db"))
        return asyncio.run(Demo(cfg, out).play(script))
