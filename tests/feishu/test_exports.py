"""Summaries and exports on Feishu against the stand-in: the XLSX ledger uploaded (im/v1/files) and sent in a
private chat, the chart uploaded as an image (im/v1/images), the summary as plain text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.feishu.harness import town


async def test_summary_export_and_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with town(tmp_path, monkeypatch) as t:
        s = t.standin
        await t.say("一", "刘志宇", "/bind 第一网格")
        mine = await t.households_of("王艳")
        await t.say("一", "王艳", f"包联{len(mine)}户，体温均正常，无返乡人员")

        mid = await t.say("一", "管理员", "/export")  # in a group: refused, plainly
        assert t.replies(mid) and "私聊" in t.replies(mid)[0]
        private = s.private_chat(t.users["管理员"])
        t.groups["私"] = private
        mid = await t.say("私", "管理员", "汇总")
        summary = "\n".join(t.replies(mid))
        assert "第一网格" in summary and "<b>" not in summary and "</" not in summary
        await t.say("私", "管理员", "导出 今天")
        files = [m for m in s.sent(private) if m.msg_type == "file"]
        assert len(files) == 1
        [upload] = [u for u in s.uploads() if u.kind == "file"]
        assert upload.name.endswith(".xlsx")
        book = load_workbook(io.BytesIO(upload.data), read_only=True)
        assert book.sheetnames

        await t.say("私", "管理员", "图表")
        images = [m for m in s.sent(private) if m.msg_type == "image"]
        assert len(images) == 1
        assert any(u.kind == "image" and u.data[:8] == b"\x89PNG\r\n\x1a\n" for u in s.uploads())
