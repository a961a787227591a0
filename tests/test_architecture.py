"""The layering rules of ARCHITECTURE.md, checked on the source.

* ``bot/`` never imports a chat platform (telegram) or ``handlers``;
* ``storage/`` imports nothing from ``bot/`` but ``bot.core``;
* ``handlers/telegram`` reaches the core through its public services only (never ``storage``, never a
  private name);
* there are no import circles among the project's modules;
* no function imports one of the project's own modules (a hidden circle); the adapters and the demo are
  found through entry points instead, and the heavy OCR pipeline is a declared ``LazyModule`` (an edge of
  the import graph like any import);
* the Telegram handlers reach the services through the typed context, not ``bot_data`` keys;
* a repository's class is named after its file (``storage/reports.py`` holds ``ReportRepo``);
* no test module imports another test module (shared helpers live in helper modules).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("bot", "handlers", "storage")
#: what handlers/telegram may import from the core: the composition root, the port and model types, the
#: config, and each feature's service module (with the types its methods take and return)
TELEGRAM_MAY_USE = (
    "bot.services", "bot.core", "bot.config", "bot.reports.service", "bot.reports.photos",
    "bot.reminders.service", "bot.reminders.schedule", "bot.stats.service", "bot.ocr.errors", "bot.inbox",
    "bot.quota.service",
)
#: and what the web console (handlers/web) may use besides: its own services (sign-in, the live board, the
#: console's pages), the roles and the hierarchy they answer with
WEB_MAY_USE = (*TELEGRAM_MAY_USE, "bot.web.signin", "bot.web.progress", "bot.console.service", "bot.stats.roles",
               "bot.stats.hierarchy")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def source_files(*packages: str) -> list[Path]:
    return sorted(f for p in packages for f in (ROOT / p).rglob("*.py"))


ALL_MODULES = {module_name(f) for f in source_files(*PROJECT)}


def imports(path: Path, *, top_level_only: bool = False) -> list[tuple[str, list[str], int, bool]]:
    """(module, names, line, inside a function) for every absolute import in the file; ``from pkg import
    mod`` is resolved to ``pkg.mod`` when that is one of the project's modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: list[tuple[str, list[str], int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                out.extend((a.name, [], child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "LazyModule" \
                    and child.args and isinstance(child.args[0], ast.Constant) and isinstance(child.args[0].value, str):
                out.append((child.args[0].value, [], child.lineno, False))  # a declared lazy import: an edge too
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names = [a.name for a in child.names]
                subs = [f"{child.module}.{n}" for n in names if f"{child.module}.{n}" in ALL_MODULES]
                if len(subs) < len(names):  # names defined in the module itself, not only its submodules
                    out.append((child.module, names, child.lineno, in_function))
                out.extend((s, [], child.lineno, in_function) for s in subs)
            visit(child, nested)

    visit(tree, False)
    return [i for i in out if not (top_level_only and i[3])]


def rel(f: Path) -> str:
    return str(f.relative_to(ROOT))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("bot", ("telegram", "handlers", "lark_oapi")), ("storage", ("telegram", "handlers", "lark_oapi"))],
)
def test_imports_run_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    files = source_files(package)
    assert files
    bad = [f"{rel(f)}:{line} imports {m}" for f in files for m, _, line, _ in imports(f)
           if m.split(".")[0] in forbidden]
    assert bad == []


def test_storage_knows_only_the_core_of_bot() -> None:
    bad = [f"{rel(f)}:{line} imports {m}" for f in source_files("storage") for m, _, line, _ in imports(f)
           if m.split(".")[0] == "bot" and not (m == "bot.core" or m.startswith("bot.core."))]
    assert bad == []


def test_the_telegram_adapter_uses_only_public_services() -> None:
    bad = []
    for f in source_files("handlers/telegram"):
        for m, names, line, _ in imports(f):
            if m.split(".")[0] == "storage":
                bad.append(f"{rel(f)}:{line} imports {m}")
            elif m.split(".")[0] == "bot":
                if not any(m == ok or m.startswith(ok + ".") for ok in TELEGRAM_MAY_USE):
                    bad.append(f"{rel(f)}:{line} imports {m}")
                bad += [f"{rel(f)}:{line} imports the private {m}.{n}" for n in names if n.startswith("_")]
    assert bad == []


def _adapter_imports(package: str, may_use: tuple[str, ...], adapters: tuple[str, ...]) -> list[str]:
    """What ``package`` imports against the rules: storage, another adapter or the offline doubles, a core
    module outside ``may_use``, a private name."""
    bad = []
    for f in source_files(package):
        for m, names, line, _ in imports(f):
            top = m.split(".")[0]
            if top == "storage" or m.startswith(adapters):
                bad.append(f"{rel(f)}:{line} imports {m}")
            elif top == "bot":
                if not any(m == ok or m.startswith(ok + ".") for ok in may_use):
                    bad.append(f"{rel(f)}:{line} imports {m}")
                bad += [f"{rel(f)}:{line} imports the private {m}.{n}" for n in names if n.startswith("_")]
    return bad


def test_the_feishu_adapter_uses_only_public_services_and_no_other_adapter() -> None:
    """handlers/feishu reaches the core as handlers/telegram does, and never imports another adapter or the
    offline doubles (tests and the demo import both)."""
    assert source_files("handlers/feishu")
    assert _adapter_imports("handlers/feishu", TELEGRAM_MAY_USE,
                            ("handlers.telegram", "handlers.offline", "handlers.demo", "handlers.web")) == []


def test_the_web_console_uses_only_public_services_and_no_chat_adapter() -> None:
    assert source_files("handlers/web")
    assert _adapter_imports("handlers/web", WEB_MAY_USE,
                            ("handlers.telegram", "handlers.feishu", "handlers.offline", "handlers.demo")) == []


def test_handlers_reach_the_services_through_the_typed_context() -> None:
    """``context.bot_data`` is one typed object (handlers/telegram/context.py), never a dict of string keys."""
    bad = []
    for f in source_files("handlers", "bench", "tests"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "bot_data":
                bad.append(f"{rel(f)}:{node.lineno}")
    assert bad == []


def test_no_import_circles() -> None:
    graph: dict[str, set[str]] = {m: set() for m in ALL_MODULES}
    for f in source_files(*PROJECT):
        me = module_name(f)
        for m, _, _, _ in imports(f):
            if m in ALL_MODULES and m != me:
                graph[me].add(m)
    # Tarjan's strongly connected components: every component of more than one module is a circle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    assert circles == []


def test_no_function_imports_of_the_project() -> None:
    bad = [f"{rel(f)}:{line} imports {m} inside a function" for f in source_files(*PROJECT)
           for m, _, line, inside in imports(f) if inside and m.split(".")[0] in PROJECT]
    assert bad == []


def test_repositories_are_named_after_their_files() -> None:
    expected = {"reports": "ReportRepo", "reminders": "ReminderRepo", "stats": "StatsRepo", "photos": "PhotoRepo",
                "inbox": "InboxRepo", "console": "ConsoleRepo", "web": "WebRepo", "quota": "QuotaRepo"}
    for f in source_files("storage"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        repos = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and n.name.endswith("Repo")]
        if repos:
            assert repos == [expected.get(f.stem, "?")], f"{rel(f)} holds {repos}"
    for stem, cls in expected.items():
        assert f"class {cls}" in (ROOT / "storage" / f"{stem}.py").read_text(encoding="utf-8")


def test_tests_do_not_import_test_modules() -> None:
    bad = []
    for f in source_files("tests"):
        for m, names, line, _ in imports(f):
            last = m.rsplit(".", 1)[-1]
            if m.startswith("tests.") and (last.startswith("test_") or any(n.startswith("test_") for n in names)):
                bad.append(f"{rel(f)}:{line} imports {m}")
    assert bad == []
