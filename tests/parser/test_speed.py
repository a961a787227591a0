"""The parser's work on the benchmark's long chains, counted (not timed: a timed test flakes on a busy
machine; ``python -m bench.parse_speed`` prints the times), and the shortcuts the speed work rests on.

The members' chain (400 members of 8 households, a line each) and the group chain (20 members of 20
households, a household a line) of :mod:`bench.parse_speed` are read whole. Before the speed work of issue 12
(09614e1) they took 186,914 and 143,601 function calls (tests/parser/work.py); after its second round
(639f5bd) 101,285 and 82,661, after its third (session 7) 92,206 and 75,706 (231 and 189 a line). The
bounds leave about 5% for changes that need a little more work; a change that goes over them makes every
long chain slower and should say why (or win the work back elsewhere).
"""

from __future__ import annotations

import pytest

from bench import parse_speed
from bench.parse_corpus import load_cases
from bot.core.model import HouseholdReport
from bot.core.template import default_template
from bot.parser import parse_message, textnorm
from bot.parser.vocab import GLUE_BEFORE_LAST, GLUE_BEFORE_RE
from tests.parser.work import calls

#: Function calls a line of each chain may take (the chain's lines, 400, times these).
MEMBERS_CALLS_PER_LINE = 242
GROUP_CALLS_PER_LINE = 199


@pytest.mark.parametrize(
    ("chain", "per_line", "reports"),
    [(parse_speed.members_chain, MEMBERS_CALLS_PER_LINE, 300), (parse_speed.group_chain, GROUP_CALLS_PER_LINE, 20)],
    ids=["members", "group"],
)
def test_a_long_chain_is_read_whole_within_its_work(chain, per_line, reports):
    text, roster, sender = chain()
    template = default_template()
    first = parse_message(text, sender, roster, template)  # what is built once per roster and template
    assert first.lines_read is None and len(first.reports) >= reports
    lines = len(text.splitlines())
    assert calls(parse_message, text, sender, roster, template) <= per_line * lines


def test_the_glue_pattern_ends_only_with_its_last_characters():
    """split_glued searches GLUE_BEFORE_RE only where the text before a place ends with one of
    GLUE_BEFORE_LAST (or a digit): every match in the corpus' messages ends so."""
    found = 0
    for case in load_cases():
        text = textnorm.normalize(case.text)
        for i in range(1, len(text) + 1):
            m = GLUE_BEFORE_RE.search(text, max(0, i - 10), i)
            if m is not None:
                found += 1
                assert text[i - 1] in GLUE_BEFORE_LAST or text[i - 1].isdecimal(), (case.id, text[max(0, i - 10) : i])
    assert found > 100


def test_a_covered_household_is_a_full_report():
    """The households a blanket statement covers are whole reports, each with values of its own."""
    text, roster, sender = parse_speed.members_chain(lines=3)
    res = parse_message(text.replace("同昨", "8户24人 均正常").replace("无变化", "8户24人 均正常"), sender, roster,
                        default_template())
    hhs = [h for r in res.reports for h in r.households]
    assert hhs and all(isinstance(h, HouseholdReport) and h.uncertain == [] and h.row is None for h in hhs)
    assert len({id(h.values) for h in hhs}) == len(hhs)
    assert len({id(h.values["symptoms"]) for h in hhs}) == len(hhs)
