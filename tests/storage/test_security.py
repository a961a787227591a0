"""Security checks that need no running bot: SQL is parameterised only, ruff's S608 is enforced, the database
file is private."""

from __future__ import annotations

import ast
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

from storage.db import open_database

ROOT = Path(__file__).resolve().parents[2]
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "REPLACE ", "CREATE ", "DROP ", "ALTER ", "WITH ",
             "PRAGMA ")
DB_METHODS = {"execute", "executemany", "executescript", "fetchall", "fetchone"}
#: formatted SQL that is safe, and why
ALLOWED = {
    ("storage/db.py", "PRAGMA user_version = "): "the migration number, an int from the code (PRAGMA takes no ?)",
}


def _literal_text(node: ast.AST) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _formatted(node: ast.AST) -> str | None:
    """The literal text of a string built by formatting (f-string, %, .format, + with a non-literal)."""
    if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
        return _literal_text(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _literal_text(node.left):
        return _literal_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal_text(node.func.value)
    return None  # "..." + where: joining constant fragments (with their own ?) is how queries are composed


def sql_formatting(paths: list[Path]) -> list[str]:
    """Statements built by formatting values into SQL. A line that says why it is safe
    (``# noqa: S608 - reason``, as ruff requires too) is accepted."""
    out = []
    for path in paths:
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source, rel)
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if 0 < line <= len(lines) and "noqa: S608 - " in lines[line - 1]:
                continue
            text = _formatted(node)
            if text is not None and text.lstrip().upper().startswith(SQL_WORDS):
                if not any(rel == f and text.startswith(prefix) for f, prefix in ALLOWED):
                    out.append(f"{rel}:{node.lineno}: SQL built by formatting: {text[:60]!r}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in DB_METHODS and node.args:
                arg = node.args[0]
                inner = _formatted(arg)
                if inner is not None and not any(rel == f and inner.startswith(p) for f, p in ALLOWED):
                    out.append(f"{rel}:{node.lineno}: {node.func.attr}() with a formatted statement")
    return out


def test_sql_is_parameterised_only() -> None:
    files = sorted((ROOT / "storage").rglob("*.py")) + sorted((ROOT / "bot").rglob("*.py"))
    assert len(files) > 10
    assert sql_formatting(files) == []


def test_the_checker_finds_formatted_sql(tmp_path: Path) -> None:
    bad = ROOT / "storage" / "_probe_bad_sql.py"
    bad.write_text('def q(c, name):\n    c.execute(f"SELECT * FROM grids WHERE name = \'{name}\'")\n'
                   '    c.execute("DELETE FROM grids WHERE id = %s" % name)\n'
                   '    sql = "UPDATE grids SET name = {}".format(name)\n', encoding="utf-8")
    try:
        found = sql_formatting([bad])
    finally:
        bad.unlink()
    assert len(found) >= 3


def test_ruff_s608_is_enforced() -> None:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = cfg["tool"]["ruff"]["lint"]
    assert "S608" in lint["select"] and "S608" not in lint.get("ignore", [])
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "S608", "bot", "storage", "handlers"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


async def test_database_file_is_created_private(tmp_path: Path) -> None:
    old = os.umask(0)  # even with a permissive umask
    try:
        db = await open_database(str(tmp_path / "sub" / "new.db"))
    finally:
        os.umask(old)
    try:
        await db.conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
    finally:
        await db.close()
    assert stat.S_IMODE(os.stat(tmp_path / "sub" / "new.db").st_mode) == 0o600


async def test_backup_file_is_private(tmp_path: Path) -> None:
    from storage.backup import backup_database

    db = await open_database(str(tmp_path / "live.db"))
    await db.close()
    old = os.umask(0)
    try:
        backup_database(str(tmp_path / "live.db"), str(tmp_path / "copy.db"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "copy.db").st_mode) == 0o600
