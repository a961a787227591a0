"""``python -m bench.parse_speed``: how fast the parser reads a message and a long chain.

Measured through the Python API (``bot.parser.parse_message``, the roster and template loaded once; the
same call ``gridbot parse`` makes), warm (every message parsed once before the timed rounds):

- per message: every corpus message (tests/parser/corpus/, the residents' chain rounds left out) and every
  message of tests/parser/test_parser.py, each parsed ``--rounds`` times; p50 / p99 / max of the per-call
  time (target: p99 <= 2 ms);
- a 400-line residents' chain (room numbers of the corpus' building roster, in the shapes residents write
  them, posted by a resident in a group bound to both grids), a 400-line members' chain (400 members of a
  generated roster, one line each) and a 400-line group chain (a big group: 20 members of 20 households
  each, every line a member and one of their households): median and max of ``--rounds`` runs (target:
  <= 50 ms);
- the pathological inputs of tests/parser/test_parser.py (a 20,000-character run of one character, 5,000
  nested parentheses ...): the slowest.

A message is read to its first 16,384 characters (``bot.parser.textnorm.MAX_CHARS``; past it the reply asks
for the rest in parts), so each 400-line chain is read whole: the figures say how many lines were read.

Wall time and the thread's CPU time are both printed: on a shared machine the wall time carries other
processes' load, the CPU time is the parser's own work. Exit code 0 always; ``--json`` prints the figures as
JSON.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import parse_corpus as pc

TARGET_MESSAGE_P99_MS = 2.0
TARGET_CHAIN_MS = 50.0


def _api() -> tuple[Any, Any, Any, Any]:
    from bot.config.settings import load_config
    from bot.core.roster import load_roster
    from bot.core.template import default_template
    from bot.parser import parse_message

    return parse_message, load_roster, load_config, default_template


_GROUP_ROSTERS: dict[tuple[int, tuple[str, ...]], tuple[Any, Any]] = {}


def _group_rosters(roster: Any, grids: tuple[str, ...]) -> tuple[Any, Any]:
    """The roster of a group's grids and the rest, built once per group (as a bot holds them), not per
    message: building them per message (as ``gridbot parse`` does, once per process) also rebuilds the
    parser's address index, about 4 ms for the corpus' 193 households."""
    from bot.core.model import Roster

    key = (id(roster), grids)
    if key not in _GROUP_ROSTERS:
        _GROUP_ROSTERS[key] = (
            Roster([m for m in roster.members if not grids or m.grid in grids]),
            Roster([m for m in roster.members if grids and m.grid not in grids]),
        )
    return _GROUP_ROSTERS[key]


def parse_api(text: str, sender: str, roster: Any, template: Any, grids: tuple[str, ...] = ()) -> Any:
    """The one adapter to the Python API: what ``gridbot parse`` (bot/cli/main.py cmd_parse) does after
    loading its files: a member's message goes to ``parse_message``; a sender who is no member is a resident
    in a group bound to ``grids`` (all when none), whose chain by room goes to ``parse_rooms`` when the
    parser has it (and when the text is no such chain, to ``parse_message``)."""
    import bot.parser as parser

    member = roster.find_member(sender, grids[0] if grids else None)
    if member is None and hasattr(parser, "parse_rooms"):
        inside, outside = _group_rosters(roster, grids)
        chain = parser.parse_rooms(text, inside, template, outside=outside)
        if chain.is_chain:
            return chain
    return parser.parse_message(text, member or sender, roster, template)


def test_parser_messages() -> list[str]:
    """The messages of tests/parser/test_parser.py: string arguments of its parse(...) / one(...) calls
    and of its parametrised lists."""
    tree = ast.parse((pc.ROOT / "tests" / "parser" / "test_parser.py").read_text(encoding="utf-8"))
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("one", "parse"):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                out.append(node.args[0].value)
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parametrize"
            and len(node.args) >= 2 and isinstance(node.args[1], ast.List)
        ):
            out += [e.value for e in node.args[1].elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return list(dict.fromkeys(out))


def residents_chain(lines: int = 400, seed: int = 7) -> str:
    """A residents' chain of ``lines`` numbered lines over the building roster's addresses."""
    rnd = random.Random(seed)
    rooms: list[str] = []
    with open(pc.ROSTERS["building"], encoding="utf-8") as f:
        for row in csv.DictReader(f):
            addr = row["住址"]
            if addr.startswith("3号楼"):
                room = addr[3:-1]
                rooms.append(rnd.choice([f"3-{room}", f"3栋{room}", f"3号楼{room}室", f"3-{room}"]))
            else:  # 5号楼1单元702室
                unit, room = addr[3], addr[6:-1]
                rooms.append(rnd.choice([f"5-{unit}-{room}", f"5号楼{unit}单元{room}", f"5栋{unit}单元{room}室"]))
    counts = ["-1", "-2", " - 3", "–2", "—4", "*2", "-0", "", "-3，1人已做核酸，1人在公司", "-2（老人未下楼）"]
    out = ["#接龙 核酸检测", "1. 室号-人数"]
    n = 2
    while len(out) < lines:
        if rnd.random() < 0.04:
            out.append(rnd.choice(["收到", "几点结束？", "大白到了吗", "排队的人好多"]))
            continue
        if rnd.random() < 0.05:
            n += 1  # a withdrawn entry
        out.append(f"{n}. {rnd.choice(rooms)}{rnd.choice(counts)}")
        n += 1
    return "\n".join(out[:lines])


def members_chain(lines: int = 400, seed: int = 11) -> tuple[str, Any, str]:
    """A members' chain of ``lines`` lines, the generated roster it is read against, and its sender."""
    from bot.core.model import Household, Member, Roster

    rnd = random.Random(seed)
    names = _names(rnd)
    member_names, household_names = names[:lines], iter(names[lines:])
    members = []
    for i, name in enumerate(member_names):
        grid = f"第{i // 10 + 1}网格"
        hs = tuple(Household(name=next(household_names), member=name, grid=grid, people=3) for _ in range(8))
        members.append(Member(name=name, grid=grid, households=hs))
    roster = Roster(members)
    shapes = [
        "{m} 8户24人 均正常", "{m} 8户 {h}家外来两人 其余正常", "{m}：8户，{h}家隔1人，余均正常", "{m} 同昨",
        "{m} 8户 都在家 体温正常 {h}家1人发烧", "{m} 8户23人，{h}家儿子咳嗽，其余正常", "{m} 无变化",
    ]
    out = ["#接龙 每日排查"]
    for i, m in enumerate(members[: lines - 1], 1):
        h = m.households[rnd.randrange(8)].name
        out.append(f"{i}. " + rnd.choice(shapes).format(m=m.name, h=h))
    return "\n".join(out), roster, members[0].name


def group_chain(lines: int = 400, members: int = 20, households: int = 20, seed: int = 13) -> tuple[str, Any, str]:
    """A big group's chain: ``members`` members of ``households`` households each; every line names a member
    and one of their households (members report household by household). The text, the roster, the sender."""
    from bot.core.model import Household, Member, Roster

    rnd = random.Random(seed)
    names = _names(rnd)
    it = iter(names)
    ms = []
    for _ in range(members):
        name = next(it)
        ms.append(Member(name=name, grid="第一网格", households=tuple(
            Household(name=next(it), member=name, grid="第一网格", people=3) for _ in range(households))))
    shapes = ["{m} {h}家3人 体温正常", "{m}：{h}家4人，36.5", "{m} {h}家 外来1人", "{m} {h}家儿子咳嗽",
              "{m} {h} 2口人 均正常", "{m} {h}家√", "{m} {h}家隔1人，其余正常"]
    out = ["#接龙 每户排查"]
    for i in range(1, lines):
        m = rnd.choice(ms)
        out.append(f"{i}. " + rnd.choice(shapes).format(m=m.name, h=rnd.choice(m.households).name))
    return "\n".join(out), Roster(ms), ms[0].name


def _names(rnd: random.Random) -> list[str]:
    """Three-character names, shuffled (members' and households')."""
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
    chars = "文明德玉金春秀建国志海桂振淑立永红卫宝来"
    names = list(dict.fromkeys(s + a + b for s in surnames for a in chars for b in chars if a != b))
    rnd.shuffle(names)
    return names


#: The pathological inputs of tests/parser/test_parser.py (test_pathological_input_is_safe_and_cheap).
PATHOLOGICAL = ("1" * 20000, "一" * 20000, "(" * 5000 + ")" * 5000, "户主\t人数\n王建国\t" + "9" * 9000, " " * 9000 + ":")


def _lines_read(text: str, result: Any) -> int:
    """How many of the text's lines the parser read (``lines_read`` when it cut the message)."""
    return result.lines_read if result.lines_read is not None else len(text.splitlines())


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def measure(rounds: int) -> dict[str, Any]:
    _, load_roster, load_config, default_template = _api()
    rosters = {name: load_roster(str(path)) for name, path in pc.ROSTERS.items()}
    templates: dict[str | None, Any] = {None: default_template()}
    for name, path in pc.CONFIGS.items():
        templates[name] = load_config(str(path)).template if Path(path).exists() else None

    from tests.parser.fixtures import ROSTER as TEST_ROSTER  # the roster test_parser.py's messages name
    from tests.parser.fixtures import TEMPLATE as TEST_TEMPLATE

    jobs: list[tuple[str, Any, Any, Any, tuple[str, ...]]] = []
    for case in pc.load_cases():
        if case.kind == "building_chain" or templates.get(case.config) is None:
            continue
        jobs.append((case.text, case.sender, rosters[case.roster], templates[case.config], case.grids))
    corpus_messages = len(jobs)
    jobs += [(t, "刘志宇", TEST_ROSTER, TEST_TEMPLATE, ()) for t in test_parser_messages()]

    times: list[float] = []
    cpu: list[float] = []
    for job in jobs:  # warm
        parse_api(*job)
    for _ in range(rounds):
        for text, sender, roster, template, grids in jobs:
            t0, c0 = time.perf_counter(), time.thread_time()
            parse_api(text, sender, roster, template, grids)
            cpu.append(time.thread_time() - c0)
            times.append(time.perf_counter() - t0)
    times.sort()
    cpu.sort()

    def pct(xs: list[float], q: float) -> float:
        return _ms(xs[min(len(xs) - 1, int(len(xs) * q))])

    per_message = {
        "messages": len(jobs),
        "corpus_messages": corpus_messages,
        "calls": len(times),
        "p50_ms": pct(times, 0.5),
        "p99_ms": pct(times, 0.99),
        "max_ms": _ms(times[-1]),
        "cpu_p50_ms": pct(cpu, 0.5),
        "cpu_p99_ms": pct(cpu, 0.99),
    }

    def chain_times(text: str, sender: str, roster: Any, grids: tuple[str, ...]) -> dict[str, float]:
        result = parse_api(text, sender, roster, templates[None], grids)
        ts, cs = [], []
        for _ in range(rounds):
            t0, c0 = time.perf_counter(), time.thread_time()
            parse_api(text, sender, roster, templates[None], grids)
            cs.append(time.thread_time() - c0)
            ts.append(time.perf_counter() - t0)
        return {"lines": len(text.splitlines()), "read": _lines_read(text, result), "median_ms": _ms(statistics.median(ts)),
                "max_ms": _ms(max(ts)), "cpu_median_ms": _ms(statistics.median(cs))}

    text = residents_chain()
    out: dict[str, Any] = {"per_message": per_message}
    out["residents_chain"] = chain_times(text, "3号楼住户", rosters["building"], ("第一网格", "第二网格"))
    for key, (ctext, croster, csender) in (("members_chain", members_chain()), ("group_chain", group_chain())):
        out[key] = chain_times(ctext, csender, croster, ())
    worst = 0.0
    for text in PATHOLOGICAL:
        parse_api(text, "刘志宇", TEST_ROSTER, TEST_TEMPLATE)
        for _ in range(max(1, rounds // 4)):
            c0 = time.thread_time()
            parse_api(text, "刘志宇", TEST_ROSTER, TEST_TEMPLATE)
            worst = max(worst, time.thread_time() - c0)
    out["pathological"] = {"inputs": len(PATHOLOGICAL), "cpu_max_ms": _ms(worst)}
    out["targets"] = {"message_p99_ms": TARGET_MESSAGE_P99_MS, "chain_ms": TARGET_CHAIN_MS}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.parse_speed", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=20, help="timed rounds over the messages and each chain")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    r = measure(max(1, args.rounds))
    if args.json:
        print(json.dumps(r, ensure_ascii=False, indent=2))
        return 0
    m = r["per_message"]

    def verdict(value: float, target: float) -> str:
        return f"{'ok' if value <= target else 'OVER'} (target <= {target:g} ms)"

    print(f"per message: {m['messages']} messages ({m['corpus_messages']} from the corpus, the rest from "
          f"tests/parser/test_parser.py), {m['calls']} warm calls")
    print(f"  wall: p50 {m['p50_ms']:.3f} ms   p99 {m['p99_ms']:.3f} ms   max {m['max_ms']:.3f} ms   "
          f"p99 {verdict(m['p99_ms'], TARGET_MESSAGE_P99_MS)}")
    print(f"  CPU:  p50 {m['cpu_p50_ms']:.3f} ms   p99 {m['cpu_p99_ms']:.3f} ms   "
          f"p99 {verdict(m['cpu_p99_ms'], TARGET_MESSAGE_P99_MS)}")
    labels = {"residents_chain": "residents' chain", "members_chain": "members' chain (400 members, a line each)",
              "group_chain": "group chain (20 members x 20 households, a household a line)"}
    for key, label in labels.items():
        c = r[key]
        print(f"{label}, {c['lines']} lines, {c['read']} read: wall median {c['median_ms']:.1f} ms, max "
              f"{c['max_ms']:.1f} ms; CPU median {c['cpu_median_ms']:.1f} ms   CPU median "
              f"{verdict(c['cpu_median_ms'], TARGET_CHAIN_MS)}")
    print(f"pathological inputs ({r['pathological']['inputs']}, from tests/parser/test_parser.py): "
          f"CPU max {r['pathological']['cpu_max_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
