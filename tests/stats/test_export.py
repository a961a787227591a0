"""/export and /chart through the real PTB Application: the XLSX opened again with openpyxl, the CSV
alternative, progress, and the chart as a PNG."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.core import texts
from bot.core.template import default_template
from bot.stats.charts import ChartData, cjk_font_path, render_chart
from bot.stats.hierarchy import Hierarchy
from bot.stats.ledger import DETAIL, MISSING_COLUMNS, SUMMARY_COLUMNS, detail_columns
from bot.stats.periods import Period
from handlers.offline.bot import OfflineBot
from tests.stats.data import (
    ADMIN,
    DAY,
    EXPECTED_DAY,
    STAT_TOWN,
    YESTERDAY,
    say,
    stats_bot,
    stats_config,
    texts_of,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def sbot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    async with stats_bot(stats_config(tmp_path)) as b:
        yield b


def document(calls) -> tuple[str, bytes, str]:
    [doc] = [c for c in calls if c.method == "sendDocument"]
    name, data, _ = doc.file()
    return name, data, str(doc.params.get("caption", ""))


def column_widths(ws) -> dict[int, float]:
    """Column number -> width, from the sheet's <col min max width> ranges."""
    out = {}
    for dim in ws.column_dimensions.values():
        if dim.customWidth:
            for i in range(dim.min, dim.max + 1):
                out[i] = dim.width
    return out


def rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


async def test_xlsx_ledger(sbot: OfflineBot) -> None:
    calls = await say(sbot, STAT_TOWN, "/export")
    assert [c.params["action"] for c in calls if c.method == "sendChatAction"] == ["upload_document"]
    name, data, caption = document(calls)
    assert name == "台账_青山镇_2020-02-10.xlsx"
    assert caption == ("📒 青山镇 2月10日 台账：明细9行，未报4户次，异常3户次。\n"
                       "需要 CSV 格式请发送：/export 2020-02-10 csv")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["汇总", "明细", "未报", "异常"]
    tpl = default_template()
    for ws, cols in zip(wb.worksheets, (SUMMARY_COLUMNS, detail_columns(tpl), MISSING_COLUMNS, None), strict=True):
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.b
        assert ws.column_dimensions["A"].width >= 12
        if cols is not None:
            assert [c.value for c in ws[1]] == [c.header for c in cols]
            widths = column_widths(ws)
            for i, c in enumerate(cols, start=1):  # the set widths (Excel adds a little padding)
                assert c.width <= widths[i] < c.width + 1, (ws.title, c.header)
    assert [c.value for c in wb["明细"][1]][:9] == ["日期", "镇", "村", "网格", "网格员", "户主", "住址", "台账人口", "状态"]
    assert [c.value for c in wb["明细"][1]][9:] == ["人数", "体温", "发热", "症状", "外出", "返乡", "隔离", "外来人员",
                                                   "备注", "上报人", "上报时间", "方式"]

    # 汇总: one row per unit (town, villages, grids, members), figures as worked out by hand
    summary = rows(wb["汇总"])
    assert len(summary) == 10
    by_path = {"/".join(p for p in r[2:6] if p): r for r in summary}
    for path, expected in EXPECTED_DAY.items():
        if path.startswith("青山镇"):
            r = by_path[path]
            assert (r[6], r[7], r[8], r[9], r[11], r[12], r[13], r[14], r[15], r[16]) == expected, path
    town = by_path["青山镇"]
    assert town[0] == datetime(2020, 2, 10) and town[1] == "镇" and town[10] == pytest.approx(5 / 9)
    row2 = wb["汇总"][2]
    assert row2[0].is_date and row2[0].number_format == "yyyy-mm-dd" and row2[10].number_format == "0.0%"

    # 明细: one row per household, who reported it, when and how
    detail = {r[5]: r for r in rows(wb["明细"])}
    assert set(detail) == {"王建国", "薛文斌", "霍建军", "杜美玲", "高丽娟", "孙红", "李强", "周一", "吴二"}
    huo = detail["霍建军"]
    assert huo[:9] == [datetime(2020, 2, 10), "青山镇", "东风村", "第一网格", "刘志宇", "霍建军", "东风村3号", 5, "已报"]
    assert huo[9:18] == [5, 37.6, "是", None, 0, 0, 0, 0, "儿子发烧，已通知村医"]  # no symptoms stated
    assert huo[18:] == ["刘志宇", datetime(2020, 2, 10, 9, 30), "照片"]
    assert wb["明细"]["T2"].is_date
    assert detail["王建国"][9] == 4  # the later report replaced the first
    assert detail["薛文斌"][9] is None and detail["薛文斌"][7] == 1
    assert detail["杜美玲"][18:] == ["王艳（刘志宇）", datetime(2020, 2, 10, 10, 0), "文字"]
    assert detail["孙红"][18:] == ["赵丽（电话录入）", datetime(2020, 2, 10, 11, 0), "电话"]
    assert detail["高丽娟"][8] == "未报" and detail["高丽娟"][9:] == [None] * 12

    # 未报 and 异常 (fever first)
    assert [(r[4], r[5]) for r in rows(wb["未报"])] == [("王艳", "高丽娟"), ("赵丽", "李强"), ("钱七", "周一"), ("钱七", "吴二")]
    anomalies = rows(wb["异常"])
    assert [(r[5], r[7]) for r in anomalies] == [("霍建军", "发热37.6℃"), ("杜美玲", "返乡1人、隔离1人"), ("孙红", "外来人员2人")]
    assert anomalies[0][8:15] == [37.6, "是", None, 0, 0, 0, "儿子发烧，已通知村医"]


async def test_export_range_and_scope(sbot: OfflineBot) -> None:
    name, data, _ = document(await say(sbot, ADMIN, "/export 2020-02-09 2020-02-10 东风村"))
    assert name == "台账_东风村_2020-02-09_2020-02-10.xlsx"
    wb = load_workbook(io.BytesIO(data))
    detail = rows(wb[DETAIL])
    assert len(detail) == 14  # 7 households × 2 days
    assert {r[0] for r in detail} == {datetime(2020, 2, 9), datetime(2020, 2, 10)}
    day9 = [r for r in detail if r[0] == datetime(2020, 2, 9)]
    assert [r[5] for r in day9 if r[8] == "已报"] == ["王建国"]
    assert len(rows(wb["未报"])) == 6 + 2
    assert [(r[0].day, r[5]) for r in rows(wb["异常"])] == [(9, "王建国"), (10, "霍建军"), (10, "杜美玲"), (10, "孙红")]
    village_rows = [r for r in rows(wb["汇总"]) if r[1] == "村"]
    assert [(r[0].day, r[8], r[9]) for r in village_rows] == [(9, 1, 7), (10, 5, 7)]


async def test_csv_alternative(sbot: OfflineBot) -> None:
    name, data, caption = document(await say(sbot, STAT_TOWN, "/export 2020-02-10 东风村 csv"))
    assert name == "台账_东风村_2020-02-10.zip" and "CSV" in caption
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert zf.namelist() == ["汇总.csv", "明细.csv", "未报.csv", "异常.csv"]
    raw = zf.read("明细.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:6] == ["日期", "镇", "村", "网格", "网格员", "户主"] and len(table) == 1 + 7
    huo = next(r for r in table if r[5] == "霍建军")
    assert huo[0] == "2020-02-10" and huo[19] == "2020-02-10 09:30" and huo[20] == "照片"
    summary = list(csv.reader(io.StringIO(zf.read("汇总.csv").decode("utf-8-sig"))))
    village = next(r for r in summary[1:] if r[1] == "村")
    assert village[6:10] == ["3", "3", "5", "7"]


async def test_large_export_shows_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.stats.service as ss

    monkeypatch.setattr(ss, "EXPORT_BATCH_MEMBERS", 1)  # one query per member: 5 steps
    async with stats_bot(stats_config(tmp_path, progress_rows=5)) as b:
        calls = await say(b, ADMIN, "/export")
        progress = [c for c in calls if c.method == "sendMessage"]
        edits = [str(c.params["text"]) for c in calls if c.method == "editMessageText"]
        assert [str(c.params["text"]) for c in progress] == [texts.EXPORT_PROGRESS.format(
            title="全部", period="2月10日", rows=10, pct=0)]
        assert [e.rsplit(" ", 1)[-1] for e in edits[:-1]] == ["30%", "50%", "70%", "90%"]
        assert edits[-1] == texts.EXPORT_DONE.format(rows=10)
        actions = [c for c in calls if c.method == "sendChatAction"]
        assert len(actions) >= 2 and all(c.params["action"] == "upload_document" for c in actions)
        assert calls[-1].method == "sendDocument"  # the file comes after the last edit
        # a small export shows no progress message
        calls = await say(b, ADMIN, "/export 东风村/第二网格")
        assert not any(c.method in ("sendMessage", "editMessageText") for c in calls)


async def test_export_too_big_for_a_chat(tmp_path: Path) -> None:
    async with stats_bot(stats_config(tmp_path, max_export_rows=15)) as b:
        calls = await say(b, ADMIN, "/export 2020-02-09 2020-02-10")
        assert texts_of(calls) == [texts.EXPORT_TOO_BIG.format(rows=20, max=15)]
        assert not any(c.method == "sendDocument" for c in calls)


# ---------------------------------------------------------------------------------------------- chart
async def test_chart_is_a_png(sbot: OfflineBot) -> None:
    calls = await say(sbot, STAT_TOWN, "/chart 7")
    assert [c.params["action"] for c in calls if c.method == "sendChatAction"] == ["upload_photo"]
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    name, data, _ = photo.file()
    assert data.startswith(PNG_SIGNATURE) and name.endswith(".png")
    img = Image.open(io.BytesIO(data))
    img.verify()
    assert img.format == "PNG" and img.size[0] >= 600 and img.size[1] >= 400
    assert photo.params["caption"] == texts.CHART_CAPTION.format(title="青山镇", days=7)
    assert texts_of(await say(sbot, STAT_TOWN, "/chart 999")) == [texts.CHART_USAGE.format(max=62)]


async def test_chart_figures(sbot: OfflineBot) -> None:

    st = sbot.services.stats
    h: Hierarchy = await st.hierarchy()
    data = await st.chart_data(h, h.find("东风村"), Period(YESTERDAY, DAY))
    assert data.title == "东风村 近2天上报率和异常"
    assert [label for label, _ in data.series] == ["东风村", "第一网格", "第二网格"]
    assert data.series[0][1] == [pytest.approx(1 / 7), pytest.approx(5 / 7)]
    assert data.series[1][1] == [pytest.approx(1 / 5), pytest.approx(4 / 5)]
    assert data.fever == [1, 1] and data.other_anomalies == [0, 2]


def test_chart_renders_chinese_with_the_installed_font_and_falls_back() -> None:
    data = ChartData("东风村 近3天上报率和异常", [date(2020, 2, 8), date(2020, 2, 9), date(2020, 2, 10)],
                     [("东风村", [0.5, 0.75, 1.0]), ("第一网格", [0.4, 0.8, 1.0])], [0, 1, 0], [1, 0, 2])
    path = cjk_font_path()
    assert path is not None, "a CJK font (Debian fonts-noto-cjk, installed by scripts/setup) is expected"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_chart(data)
    assert png.startswith(PNG_SIGNATURE)
    assert not [w for w in caught if "missing from" in str(w.message)], "a Chinese glyph was missing"
    fallback = render_chart(data, font_path="")  # no CJK font: English labels, still a picture
    assert fallback.startswith(PNG_SIGNATURE) and Image.open(io.BytesIO(fallback)).size == Image.open(
        io.BytesIO(png)).size
