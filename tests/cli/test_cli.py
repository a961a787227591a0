"""The command line, run as a user would run it (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "bot" / "sample" / "roster.csv"


def gridbot(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    p = tmp_path / "config.toml"
    p.write_text('[storage]\ndb_path = "g.db"\n', encoding="utf-8")
    return p


def test_parse_contract() -> None:
    p = gridbot("parse", "--roster", str(SAMPLE), "--sender", "刘志宇", stdin="1. 王建国 4人 36.5 正常\n")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    [rep] = out["reports"]
    assert rep["member"] == "刘志宇" and rep["covers_all"] is False and rep["same_as_yesterday"] is False
    [h] = rep["households"]
    assert h["household"] == "王建国" and h["people"] == 4 and h["temperature"] == 36.5 and h["fever"] is False
    assert set(h) >= {"people", "temperature", "fever", "out", "returned", "isolated", "visitors", "note"}
    assert rep["totals"] == {"households": None, "people": None}
    assert rep["unmatched"] == [] and rep["warnings"] == []


def test_parse_not_a_report() -> None:
    p = gridbot("parse", "--roster", str(SAMPLE), "--sender", "刘志宇", stdin="收到\n")
    assert json.loads(p.stdout) == {"reports": []}


def test_roster_import_show_and_report_add(cfg: Path, tmp_path: Path) -> None:
    p = gridbot("-c", str(cfg), "roster", "import", str(SAMPLE))
    assert p.returncode == 0, p.stderr
    assert "新增147户" in p.stdout
    p = gridbot("-c", str(cfg), "roster", "import", str(SAMPLE))  # again: nothing duplicated
    assert "新增0户" in p.stdout and "未变147户" in p.stdout
    p = gridbot("-c", str(cfg), "roster", "show", "--grid", "第一网格")
    assert p.returncode == 0 and "网格员 刘志宇" in p.stdout and "王建国" in p.stdout and "第二网格" not in p.stdout
    p = gridbot("-c", str(cfg), "report", "add", "--sender", "刘志宇", "--date", "2020-02-10",
                stdin="王建国家4人，体温36.5\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("✅ 已记录 刘志宇")
    import sqlite3

    con = sqlite3.connect(tmp_path / "g.db")
    try:
        rows = con.execute("SELECT day, via, data FROM reports").fetchall()
    finally:
        con.close()
    assert len(rows) == 1 and rows[0][0] == "2020-02-10" and rows[0][1] == "phone"
    assert json.loads(rows[0][2])["people"] == 4


def test_import_with_bad_rows_changes_nothing(cfg: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("网格,网格员,户主,人口\n第一网格,甲,张三,3\n第一网格,甲,,2\n第一网格,甲,李四,很多\n", encoding="utf-8")
    p = gridbot("-c", str(cfg), "roster", "import", str(bad))
    assert p.returncode == 1
    assert "第3行" in p.stderr and "第4行" in p.stderr and "没有任何改动" in p.stderr
    p = gridbot("-c", str(cfg), "roster", "show")
    assert "台账为空" in p.stdout


def test_missing_roster_file_is_a_clear_error(cfg: Path) -> None:
    p = gridbot("-c", str(cfg), "roster", "import", "/nonexistent.csv")
    assert p.returncode == 1 and "无法读取文件" in p.stderr and "Traceback" not in p.stderr


def test_demo_runs_offline() -> None:
    p = gridbot("demo")
    assert p.returncode == 0, p.stderr[-2000:]
    out = p.stdout
    for expected in ("✅ 本群已绑定到", "✅ 已记录 刘志宇", "已关联", "接龙", "已更正", "台账"):
        assert expected in out, expected
