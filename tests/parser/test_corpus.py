"""The independent parser corpus (tests/parser/corpus/; its format and its check are in
bench/parse_corpus.py): one test per case, run through ``gridbot parse``'s JSON contract.

The corpus was written from the kinds of issue 12 and from published report shapes, not from the parser.
A case that does not pass yet is listed in KNOWN_FAILURES with what was wrong when it was listed; it is
marked ``xfail(strict=True)``, so a case that starts passing fails the suite until it is taken off the list.
Never change an expectation to match an output; change one only when it is wrong by the contract
(/work/wt/CONTRACT12.md) and say so in the commit. ``python -m bench.parse_eval --show`` prints every wrong
case and why.
"""

from __future__ import annotations

import csv

import pytest

from bench import parse_corpus as pc

KNOWN_FAILURES: dict[str, str] = {  # case id -> what is wrong on main when it was listed
    # counts
    # readings
    # status
    # same
    # blanket
    # chain
    # chitchat
    # mixed
    # typo
    # fullwidth
    # emoji
    # linebreaks
    # voice
    # building_chain
}

CASES = pc.load_cases()

#: the kinds issue 12 names, and the residents' chain
KINDS = {
    "symptoms", "threshold", "readings", "status", "counts", "campaign", "same", "blanket", "chain", "chitchat",
    "mixed", "typo", "fullwidth", "emoji", "linebreaks", "voice", "rooms", "building_chain", "custom",
}
RESIDENT_KINDS = {"rooms", "building_chain"}


def _param(case: pc.Case) -> object:
    if case.id not in KNOWN_FAILURES:
        return pytest.param(case, id=case.id)
    reason = (
        "known failure (take it off KNOWN_FAILURES in tests/parser/test_corpus.py once it passes): "
        + KNOWN_FAILURES[case.id]
    )
    marks = [pytest.mark.xfail(strict=True, reason=reason)]
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_corpus_case(case: pc.Case) -> None:
    outcome = pc.evaluate(case)
    assert outcome.ok, outcome.explain()


def test_known_failures_are_cases() -> None:
    assert set(KNOWN_FAILURES) <= {c.id for c in CASES}


def _roster(name: str) -> tuple[set[str], set[str]]:
    with open(pc.ROSTERS[name], encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return {r["网格员"] for r in rows}, {r["户主"] for r in rows}


def test_the_corpus_is_what_it_says() -> None:
    """At least 200 messages over every kind; the residents' chain has 200+ lines; every name in an
    expectation is in the case's roster (a typo in an expectation would make a case that cannot pass)."""
    messages = [c for c in CASES if c.kind != "building_chain"]
    assert len(messages) >= 200
    assert {c.kind for c in CASES} == KINDS
    assert sum(len(r.splitlines()) for r in pc.chain_rounds()) >= 200
    for c in CASES:
        members, households = _roster(c.roster)
        assert (c.sender in members) == (c.kind not in RESIDENT_KINDS), c.id
        e = c.expect
        named = set(e.get("households") or {}) | set(e.get("uncertain") or {}) | set(e.get("absent") or [])
        named |= set(e.get("except") or [])
        assert named <= households, (c.id, named - households)
        listed = set(e.get("all") or {}) | set(e.get("members") or []) | set(e.get("same_as_yesterday") or [])
        assert listed <= members, (c.id, listed - members)
