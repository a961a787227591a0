from __future__ import annotations

import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.config.settings import ConfigError, load_config, parse_config
from bot.core.template import default_template

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_is_the_default() -> None:
    c = load_config(ROOT / "config.example.toml")
    assert c.template == default_template()
    assert c.timezone == "Asia/Shanghai"
    assert c.fever_threshold == 37.3
    assert c.day_cutoff == time(0, 0)
    assert c.db_path.endswith("gridbot.db")


def test_defaults_without_file() -> None:
    c = load_config(None)
    assert c.db_path == "./gridbot.db"
    assert c.token_env == "GRIDBOT_TOKEN"


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        ({"reporting": {"timezone": "Mars/Base"}}, "reporting.timezone"),
        ({"reporting": {"fever_threshold": "hot"}}, "reporting.fever_threshold"),
        ({"reporting": {"fever_threshold": 45}}, "reporting.fever_threshold"),
        ({"reporting": {"day_cutoff": "25:00"}}, "reporting.day_cutoff"),
        ({"bot": {"admins": ["alice"]}}, "bot.admins[0]"),
        ({"bot": {"base_url": "ftp://x"}}, "bot.base_url"),
        ({"bot": {"tokn": "x"}}, "bot.tokn"),
        ({"storage": {"db_path": ""}}, "storage.db_path"),
        ({"template": {"fields": [{"key": "people", "label": "人数", "type": "money"}]}}, "template.fields[0].type"),
        ({"template": {"fields": [{"key": "a", "label": "甲"}, {"key": "a", "label": "乙"}]}}, "template.fields[1].key"),
        ({"nonsense": {}}, "nonsense"),
        ({"webhook": {"enabled": True, "url": "http://x"}}, "webhook.url"),
    ],
)
def test_invalid_config_names_the_key(doc: dict, key: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(doc)
    assert e.value.key == key
    assert key in str(e.value)


def test_custom_template_without_code_changes() -> None:
    c = parse_config(
        {
            "template": {
                "fields": [
                    {"key": "visited", "label": "走访", "type": "bool", "aliases": ["走访", "探视"]},
                    {"key": "bp", "label": "血压", "type": "text"},
                ]
            }
        }
    )
    assert c.template.keys() == ["visited", "bp"]
    assert c.template.get("visited").aliases == ("走访", "探视")


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDBOT_TOKEN", "1:abc")
    assert load_config(None).resolve_token() == "1:abc"


def test_cli_exits_2_on_invalid_config(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text('[reporting]\ntimezone = "Nowhere/City"\n', encoding="utf-8")
    p = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(bad), "roster", "show"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert p.returncode == 2
    assert "reporting.timezone" in p.stderr
    assert p.stderr.count("\n") == 1  # one clear line, no traceback


def test_cli_exits_2_on_toml_syntax(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text("[reporting\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "bot.cli", "-c", str(bad), "demo"], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2
    assert "syntax" in p.stderr
