"""The parser corpus (``tests/parser/corpus/``): its cases, one adapter that runs a case through
``gridbot parse``'s JSON contract, and the check of that JSON against the case's expectations.

Shared by ``bench.parse_eval`` (the figures), ``bench.parse_speed`` (the timings) and
``tests/parser/test_corpus.py`` (one test per case). The corpus was written from the kinds of issue 12 and
from published report shapes, not from the parser's code; see ``tests/parser/corpus/README.md``.

A case (one JSON object per line of a ``*.jsonl`` file):

``id``, ``kind``, ``sender`` (a roster member, or a resident for room chains), ``text``; optional ``grids``
(the groups' bound grids, passed as ``--grid``), ``roster`` (``sample``: bot/sample/roster.csv, ``building``:
the corpus' building roster) and ``config`` (``campaign``: bot/sample/campaign.toml; ``flood``: the corpus'
flood-check template, which the parser was never coded for). ``expect`` holds:

- ``households``: ``{household: {field: value}}``; only these fields are compared (partial). ``note`` is
  compared as a list of substrings the note must contain (NFKC-normalised on both sides);
  ``temperature`` within 0.05; booleans and counts by type (``true`` is not ``1``).
- ``all``: ``{member: {field: value}}``: every household of that member must appear, with these values
  (a ``households`` entry overrides them for its household). ``except``: households that a rest word
  (``其余``, ``除…外``) leaves out of the blanket: they must appear, but take no ``all`` values.
- ``absent``: households that must not appear; ``only``: no household but the named ones may appear.
- ``uncertain``: ``{household: [field, ...]}``: these keys must be in that household's ``uncertain``.
- ``report: false``: not a report: no household, no covers_all, no same-as-yesterday anywhere.
- ``same_as_yesterday``: members whose report must say so; ``members``: members that must have a report.
- ``totals``: ``{member: {"households": n, "people": n}}``: that member's report's totals (partial).
- ``unplaced``: strings (room numbers) that must be raised, not stored: each must occur in the top-level
  ``unplaced`` or ``foreign`` list, or in a report's ``unmatched``/``warnings``/``unplaced``/``foreign``.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "parser" / "corpus"
ROSTERS = {"sample": ROOT / "bot" / "sample" / "roster.csv", "building": CORPUS / "building_roster.csv"}
CONFIGS = {"campaign": ROOT / "bot" / "sample" / "campaign.toml", "flood": CORPUS / "flood.toml"}
#: the residents' chain: its rounds are separated by a line holding only this marker
CHAIN_FILE = CORPUS / "building_chain.txt"
CHAIN_EXPECT = CORPUS / "building_chain.json"
ROUND_MARK = "=====ROUND====="

CASE_KEYS = {"id", "kind", "sender", "text", "grids", "roster", "config", "expect", "comment"}
EXPECT_KEYS = {
    "households", "all", "absent", "only", "uncertain", "report", "same_as_yesterday", "members", "unplaced",
    "totals", "except",
}


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    sender: str
    text: str
    expect: dict[str, Any]
    grids: tuple[str, ...] = ()
    roster: str = "sample"
    config: str | None = None
    source: str = ""


class CorpusError(ValueError):
    """A malformed case (bad key, duplicate id, unknown roster)."""


def _case(obj: dict[str, Any], source: str) -> Case:
    unknown = set(obj) - CASE_KEYS
    if unknown:
        raise CorpusError(f"{source}: unknown case keys {sorted(unknown)}")
    exp = obj.get("expect") or {}
    unknown = set(exp) - EXPECT_KEYS
    if unknown:
        raise CorpusError(f"{source}: {obj.get('id')}: unknown expect keys {sorted(unknown)}")
    roster = obj.get("roster", "sample")
    if roster not in ROSTERS:
        raise CorpusError(f"{source}: {obj.get('id')}: unknown roster {roster!r}")
    config = obj.get("config")
    if config is not None and config not in CONFIGS:
        raise CorpusError(f"{source}: {obj.get('id')}: unknown config {config!r}")
    return Case(
        id=obj["id"], kind=obj["kind"], sender=obj["sender"], text=obj["text"], expect=exp,
        grids=tuple(obj.get("grids") or ()), roster=roster, config=config, source=source,
    )


def chain_rounds(path: Path = CHAIN_FILE) -> list[str]:
    """The residents' chain file's messages (one per round), without the round markers."""
    rounds: list[list[str]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == ROUND_MARK:
            rounds.append([])
        else:
            rounds[-1].append(line)
    return ["\n".join(r).strip("\n") for r in rounds if any(x.strip() for x in r)]


def load_cases(corpus: Path = CORPUS) -> list[Case]:
    """Every case: the ``*.jsonl`` files (by name), then the residents' chain's rounds."""
    cases: list[Case] = []
    for path in sorted(corpus.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise CorpusError(f"{path.name}:{n}: {e}") from e
                cases.append(_case(obj, f"{path.name}:{n}"))
    chain_expect = corpus / CHAIN_EXPECT.name
    if chain_expect.exists():
        rounds = chain_rounds(corpus / CHAIN_FILE.name)
        for obj in json.loads(chain_expect.read_text(encoding="utf-8"))["cases"]:
            obj = dict(obj)
            n = obj.pop("round")
            obj["text"] = rounds[n - 1]
            cases.append(_case(obj, f"{CHAIN_EXPECT.name}:round{n}"))
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CorpusError(f"duplicate case ids: {dupes}")
    return cases


# ------------------------------------------------------------------------------------------- the adapter


def parse_json(
    text: str, sender: str, roster: Path | str, grids: Iterable[str] = (), config: Path | str | None = None
) -> dict[str, Any]:
    """``gridbot parse --roster R --sender S [--grid G ...] [--config F]`` with ``text`` on stdin, run in
    this process (bot.cli.main.main), and its JSON. Raises RuntimeError when the command fails."""
    from bot.cli import main as cli  # lazily: importing the corpus must not import the bot

    argv = ["--config", str(config)] if config else []
    argv += ["parse", "--roster", str(roster), "--sender", sender]
    for g in grids:
        argv += ["--grid", g]
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = cli.main(argv)
            except SystemExit as e:  # argparse: an option this version does not know
                rc = e.code if isinstance(e.code, int) else 2
    finally:
        sys.stdin = stdin
    if rc != 0:
        raise RuntimeError(f"gridbot parse exited {rc}: {err.getvalue().strip()[:300]}")
    return json.loads(out.getvalue())


def run_case(case: Case) -> dict[str, Any]:
    """The JSON of ``gridbot parse`` for this case."""
    config = CONFIGS[case.config] if case.config else None
    if config is not None and not config.exists():
        raise RuntimeError(f"config {config.relative_to(ROOT)} does not exist (yet)")
    return parse_json(case.text, case.sender, ROSTERS[case.roster], case.grids, config)


# ------------------------------------------------------------------------------------------- the check

#: a field's outcome: right; asked (wrong or unknown, but its key is in ``uncertain``); silent (a stored
#: value that is wrong and not asked); missed (nothing stored where a value was expected, not asked);
#: unasked (the value may be right, but the field had to be asked about and was not)
STATUSES = ("right", "asked", "silent", "missed", "unasked")


@dataclass
class FieldOutcome:
    household: str
    key: str
    expected: Any
    got: Any
    asked: bool
    status: str
    #: the value comes from a blanket statement spread over a member's households (``all``), not from a
    #: field the message states for this household
    spread: bool = False


@dataclass
class Outcome:
    case: Case
    fields: list[FieldOutcome] = field(default_factory=list)
    wrongly_created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and not self.problems
            and not self.wrongly_created
            and all(f.status == "right" for f in self.fields)
        )

    def explain(self) -> str:
        lines = [f"{self.case.id} ({self.case.kind}, {self.case.source})"]
        if self.error:
            lines.append(f"  error: {self.error}")
        lines += [f"  {p}" for p in self.problems]
        if self.wrongly_created:
            lines.append(f"  households that must not appear: {self.wrongly_created}")
        lines += [
            f"  {f.household}.{f.key}: expected {f.expected!r}, got {f.got!r}"
            f"{' (asked)' if f.asked else ''} -> {f.status}"
            for f in self.fields
            if f.status != "right"
        ]
        return "\n".join(lines)


_NO_VALUE = object()  # an uncertain-only expectation: no value to compare


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def same_value(key: str, expected: Any, got: Any) -> bool:
    if key == "note" and isinstance(expected, list):
        text = _norm(got or "") if isinstance(got, str) else ""
        return all(_norm(part) in text for part in expected)
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) and isinstance(got, bool) and expected == got
    if isinstance(expected, float) or key == "temperature":
        return isinstance(got, int | float) and abs(float(got) - float(expected)) < 0.05
    if isinstance(expected, list):
        return isinstance(got, list) and [_norm(str(x)) for x in got] == [_norm(str(x)) for x in expected]
    if isinstance(expected, str):
        return isinstance(got, str) and _norm(got) == _norm(expected)
    return type(got) is type(expected) and got == expected


def _stored(key: str, got: Any) -> bool:
    """Whether a value was stored (not "unstated")."""
    return got is not None and not (key == "note" and got == "")


def members_households(roster_name: str) -> dict[str, list[str]]:
    from bot.core.roster import load_roster

    roster = load_roster(str(ROSTERS[roster_name]))
    return {m.name: [h.name for h in m.households] for m in roster.members}


_ROSTER_CACHE: dict[str, dict[str, list[str]]] = {}


def _roster_members(roster_name: str) -> dict[str, list[str]]:
    if roster_name not in _ROSTER_CACHE:
        _ROSTER_CACHE[roster_name] = members_households(roster_name)
    return _ROSTER_CACHE[roster_name]


def expected_households(case: Case) -> dict[str, dict[str, Any]]:
    """Household -> the fields expected of it (``all`` expanded, ``households`` on top)."""
    return {name: {k: v for k, (v, _) in fields.items()} for name, fields in _expected(case).items()}


def _expected(case: Case) -> dict[str, dict[str, tuple[Any, bool]]]:
    """Household -> field -> (expected value, whether it comes from an ``all`` spread)."""
    exp = case.expect
    out: dict[str, dict[str, tuple[Any, bool]]] = {}
    excepted = set(exp.get("except") or [])
    for member, values in (exp.get("all") or {}).items():
        names = _roster_members(case.roster).get(member)
        if names is None:
            raise CorpusError(f"{case.id}: 'all' names {member!r}, who is not in the {case.roster} roster")
        for name in names:
            fields = out.setdefault(name, {})
            if name not in excepted:
                fields.update({k: (v, True) for k, v in values.items()})
    for name, values in (exp.get("households") or {}).items():
        out.setdefault(name, {}).update({k: (v, False) for k, v in values.items()})
    for name, keys in (exp.get("uncertain") or {}).items():
        for key in keys:
            out.setdefault(name, {}).setdefault(key, (_NO_VALUE, False))
    return out


def check(case: Case, output: dict[str, Any]) -> Outcome:
    """Compare ``gridbot parse``'s JSON with the case's expectations."""
    exp = case.expect
    res = Outcome(case)
    reports = output.get("reports") or []
    got: dict[str, dict[str, Any]] = {}
    for r in reports:
        for h in r.get("households") or []:
            name = h.get("household")
            if name in got:
                res.problems.append(f"household {name} appears twice")
            else:
                got[name] = h
    wanted = _expected(case)
    must_ask = {n: set(k) for n, k in (exp.get("uncertain") or {}).items()}

    for name, values in wanted.items():
        h = got.get(name)
        asked_keys = set(h.get("uncertain") or []) if h is not None else set()
        for key, (want, spread) in values.items():
            value = h.get(key) if h is not None else None
            asked = key in asked_keys
            needs_ask = key in must_ask.get(name, set())
            if h is None:
                status = "missed"
            elif want is _NO_VALUE:
                status = "right" if asked else "unasked"
            elif same_value(key, want, value):
                status = "right" if asked or not needs_ask else "unasked"
            elif asked:
                status = "asked"
            elif key == "note" or not _stored(key, value):
                status = "missed"
            else:
                status = "silent"
            res.fields.append(
                FieldOutcome(name, key, None if want is _NO_VALUE else want, value, asked, status, spread)
            )

    forbidden = set(exp.get("absent") or [])
    if exp.get("report") is False or exp.get("only"):
        forbidden |= set(got) - set(wanted)
    res.wrongly_created = sorted(n for n in got if n in forbidden)

    if exp.get("report") is False:
        if any(r.get("covers_all") for r in reports):
            res.problems.append("not a report, but read as covering all households")
        if any(r.get("same_as_yesterday") for r in reports):
            res.problems.append("not a report, but read as same-as-yesterday")
    by_member = {r.get("member"): r for r in reports}
    for m in exp.get("same_as_yesterday") or []:
        if not (by_member.get(m) or {}).get("same_as_yesterday"):
            res.problems.append(f"{m}: not read as same-as-yesterday")
    for m in exp.get("members") or []:
        if m not in by_member:
            res.problems.append(f"{m}: no report")
    for m, totals in (exp.get("totals") or {}).items():
        have = (by_member.get(m) or {}).get("totals") or {}
        for key, want in totals.items():
            if have.get(key) != want or isinstance(have.get(key), bool):
                res.problems.append(f"{m}: totals.{key} is {have.get(key)!r}, expected {want!r}")
    if exp.get("unplaced"):
        asked_text = _norm(
            json.dumps(
                [output.get("unplaced") or [], output.get("foreign") or []]
                + [[r.get("unmatched"), r.get("warnings"), r.get("unplaced"), r.get("foreign")] for r in reports],
                ensure_ascii=False,
            )
        )
        for s in exp["unplaced"]:
            if _norm(s) not in asked_text:
                res.problems.append(f"line {s!r} is not asked about")
    return res


def evaluate(case: Case) -> Outcome:
    """Run and check one case; an exception in the parser or the adapter is the case's error."""
    try:
        output = run_case(case)
    except Exception as e:  # a crash is a wrong case, reported, not a crash of the evaluation
        res = Outcome(case, error=f"{type(e).__name__}: {e}")
        for name, values in _expected(case).items():
            res.fields += [FieldOutcome(name, k, v, None, False, "missed", sp) for k, (v, sp) in values.items()]
        return res
    return check(case, output)
