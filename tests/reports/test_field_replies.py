"""Symptoms and the other issue-12 fields through the real report path: the reply says what was understood,
the stored row is an anomaly, and /summary (its figures and its anomaly list) and the ledger's 异常 sheet show
the symptom."""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import load_workbook

from bot.config.settings import load_config
from bot.core.model import HouseholdReport, MemberReport
from bot.reports.photos import apply_correction, parse_corrections
from bot.sample.cast import DAY, GROUP1, WANG
from bot.stats.periods import Period
from bot.stats.summary import Summary, render_html, to_plain
from handlers.offline.bot import OfflineBot, replies


async def test_a_symptom_shows_in_the_reply_the_summary_and_the_ledger(bot: OfflineBot) -> None:
    wang = (await bot.services.reports.roster()).find_member("王艳")
    assert wang is not None
    first, second = wang.households[0].name, wang.households[1].name
    _, calls = await bot.post(GROUP1, WANG, f"{first}家儿子咳嗽、嗓子疼，体温36.8\n{second}家无咳嗽乏力\n其余均正常",
                              "09:10")
    [reply] = replies(calls)
    assert "异常" in reply and f"{first}家咳嗽、咽痛" in reply, reply
    assert second not in reply  # an empty list is no anomaly

    rows = await bot.services.report_repo.reports_for_members([wang.id or 0], DAY.isoformat())
    data = {r.household: r.data for r in rows}
    assert data[first]["symptoms"] == ["咳嗽", "咽痛"] and data[second]["symptoms"] == []
    raw = await bot.services.db.fetchall("SELECT data, anomaly FROM reports WHERE data LIKE '%咳嗽%'")
    assert [(json.loads(d)["symptoms"], a) for d, a in raw] == [(["咳嗽", "咽痛"], 1)]

    s = await bot.services.stats.summary_for(None, Period(DAY, DAY))
    assert isinstance(s, Summary)
    text = to_plain(render_html(s))
    assert f"{first}家" in text and "咳嗽、咽痛" in text, text
    assert "症状 1" in text, text
    [a] = [a for a in s.to_json()["anomalies"] if a["household"] == first]
    assert a["symptoms"] == ["咳嗽", "咽痛"] and a["detail"] == "咳嗽、咽痛"

    job = await bot.services.stats.plan_export_cli(None, Period(DAY, DAY), "xlsx")
    assert not isinstance(job, str)
    out = io.BytesIO()
    await bot.services.stats.write_export(job, out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    header = [c.value for c in wb["异常"][1]]
    [row] = [[c.value for c in r] for r in wb["异常"].iter_rows(min_row=2) if r[header.index("户主")].value == first]
    assert row[header.index("异常情况")] == "咳嗽、咽痛" and row[header.index("症状")] == "咳嗽、咽痛"
    detail_header = [c.value for c in wb["明细"][1]]
    detail = {r[detail_header.index("户主")].value: [c.value for c in r] for r in wb["明细"].iter_rows(min_row=2)}
    assert detail[second][detail_header.index("症状")] == "无"


def test_a_photo_reading_takes_symptom_and_option_corrections() -> None:
    tpl = load_config(Path(__file__).resolve().parents[2] / "bot" / "sample" / "campaign.toml").template
    rep = MemberReport("王艳", households=[HouseholdReport("杜美玲", {k: None for k in tpl.keys()}, row=1)])
    for raw, want in (("咳嗽、嗓子疼", ["咳嗽", "咽痛"]), ("无", []), ("乏力 咳嗽 乏力", ["乏力", "咳嗽"])):
        [(row, key, value)] = parse_corrections(f"1 症状 {raw}", tpl)
        assert apply_correction(rep, row, key, value, tpl, ["杜美玲"]) is None
        assert rep.households[0].values["symptoms"] == want
    [(row, key, value)] = parse_corrections("1 健康码 黄", tpl)
    assert apply_correction(rep, row, key, value, tpl, ["杜美玲"]) is None
    assert rep.households[0].values["health_code"] == "黄码"
    [(row, key, value)] = parse_corrections("1 核酸 紫色", tpl)
    assert apply_correction(rep, row, key, value, tpl, ["杜美玲"]) is not None  # no such option: asked again
    assert rep.households[0].values["test"] is None
