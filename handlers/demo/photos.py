"""The demo's photo scene: a member posts a phone photo of a handwritten table, corrects one field by
replying, and confirms; only then is it stored. The photo is drawn on the spot (nothing is shipped)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.core.model import Household
from bot.ocr.fonts import hand_fonts
from bot.sample.cast import GROUP3, MA
from handlers.demo.stage import Demo
from handlers.offline import synth
from handlers.offline.bot import buttons


def table_photo(households: Sequence[Household]) -> tuple[bytes, int]:
    """A phone photo of a handwritten table of the first 8 households (the fifth with a fever), drawn on the
    spot with a seeded hand; and how many rows it has."""
    rng = random.Random(2020)
    rows = []
    for i, h in enumerate(households[:8]):
        rows.append({"household": h.name, "people": h.people or 1 + i % 5, "temperature": (36.4, 36.6, 36.8)[i % 3],
                     "out": i == 2, "returned": False, "note": ""})
    rows[4]["temperature"] = 37.8
    hand = synth.Hand(hand_fonts(None)[0], rng, ink=(25, 30, 110), jitter=0.6)
    spec = synth.TableSpec(rows, ["household", "people", "temperature", "out", "returned", "note"],
                           {"household": "户主", "people": "人数", "temperature": "体温", "out": "外出",
                            "returned": "返乡", "note": "备注"}, "check", "2月10日排查")
    photo = synth.photograph(synth.freehand_table(spec, hand, page=(1000, 1300)), rng, strength=0.6, quality=85,
                             crop_to_page=False)
    return photo, len(rows)


async def play(demo: Demo) -> None:
    svc = demo.bot.services.reports
    roster = await svc.roster()
    ma = roster.find_member("马春生")
    if ma is None or not ma.households:
        return
    demo.say("—— 下午：手写表格拍照上报 ——")
    photo, n = table_photo(ma.households)
    bot = demo.bot
    bot.request.add_file("demo-photo", photo)
    bot.clock.set(bot.at("12:50"))
    demo.say(f"[12:50 {GROUP3.title}] {MA.first_name}：📷（手写表格的照片，{n}户）")
    calls = await bot.feed(bot.updates.photo(GROUP3, MA, "demo-photo", bot.clock.now, file_size=len(photo)))
    demo._show(calls)
    note = next((c.result["message_id"] for c in calls if c.method == "sendMessage"), None)
    if note is None:
        return
    demo.last_bot_message_id = note
    await demo.post("12:52", GROUP3, MA, "2 人数 4", reply_to=note)
    demo.last_bot_message_id = note
    data = next((d for label, d in buttons(bot.request.calls[::-1]) if d.startswith("ocr:c:")), None)
    if data is None:
        return
    bot.clock.set(bot.at("12:53"))
    demo.say(f"[12:53 {GROUP3.title}] {MA.first_name} 点击【确认】")
    demo._show(await bot.click(GROUP3, MA, data, note))
