"""``gridbot parse`` in resident mode: a sender who is no member posts a chain keyed by room or address."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.sample import tower


def parse(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], roster: Path, text: str,
          *args: str) -> dict:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    monkeypatch.delenv("GRIDBOT_CONFIG", raising=False)
    assert main(["parse", "--roster", str(roster), *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def roster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no config.toml here
    p = tmp_path / "tower.csv"
    p.write_bytes(tower.csv_bytes())
    return p


def test_a_residents_chain_goes_to_the_covering_members(monkeypatch, capsys, roster) -> None:
    text = "#接龙 核酸\n1. 室号-人数\n2. 2105-2\n3. 1503-1，已做核酸\n4. 602-1\n5. 9901-2\n6. 8-1503-2\n"
    out = parse(monkeypatch, capsys, roster, text, "--sender", "住户", "--grid", tower.GRID1)
    reps = {r["member"]: r["households"] for r in out["reports"]}
    assert set(reps) == {"李娜", "王芳"}
    [h] = reps["李娜"]
    assert h["household"] == tower.head("幸福社区3号楼2105室") and h["people"] == 2 and h["uncertain"] == []
    assert reps["王芳"][0]["note"] == "已做核酸"
    assert [(u["number"], u["status"]) for u in out["unplaced"]] == [(4, "ambiguous"), (5, "unknown")]
    assert out["unplaced"][0]["text"] == "602-1" and len(out["unplaced"][0]["candidates"]) == 3
    assert [(f["number"], f["key"]) for f in out["foreign"]] == [(6, "8-1503")]


def test_without_grids_every_grid_is_the_groups(monkeypatch, capsys, roster) -> None:
    out = parse(monkeypatch, capsys, roster, "接龙\n1. 8-1503-2\n", "--sender", "住户")
    [rep] = out["reports"]
    assert rep["member"] == "赵强" and out["unplaced"] == [] and out["foreign"] == []


def test_a_member_is_read_as_before(monkeypatch, capsys, roster) -> None:
    head = tower.head("幸福社区3号楼2105室")
    out = parse(monkeypatch, capsys, roster, f"{head}家2人，体温36.5\n", "--sender", "李娜")
    assert set(out) == {"reports"} and out["reports"][0]["households"][0]["people"] == 2
