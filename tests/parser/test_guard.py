"""bot.parser.guard: the guard of a regex's first characters changes no match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parser import vocab
from bot.parser.guard import first_chars, guarded


def test_first_chars_of_small_patterns() -> None:
    assert first_chars(r"ab|c(?:d)?|[xy]z") == set("acxy")
    assert first_chars(r"(?:情况)?同|如") == set("情同如")
    assert first_chars(r"(?<!x)ab") == {"a"}  # a lookbehind takes no character
    assert first_chars(r"(?:a|b?)c") == set("abc")  # an optional start: what follows may begin it
    for unknown in (r"\d+", r".x", r"[^a]b", r"a?", r"(?i)ab", r"x*"):
        assert first_chars(unknown) is None, unknown  # no guard: a class, a negation, empty, case folding


def test_a_guarded_pattern_matches_exactly_what_the_pattern_matches_on_its_own_words() -> None:
    source = _unguarded(vocab.SAME_RE)
    alphabet = sorted({c for c in source.pattern if not c.isascii()} | set("0123456789 ,.:户人家"))

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(st.text(alphabet=alphabet, max_size=30))
    def same(text: str) -> None:
        assert [m.span() for m in vocab.SAME_RE.finditer(text)] == [m.span() for m in source.finditer(text)]
        for i in range(len(text) + 1):
            a, b = vocab.SAME_RE.match(text, i), source.match(text, i)
            assert (a and a.span()) == (b and b.span())

    same()
    for text in ("同昨", "8户均正常，与昨天一样", "无变化", "情况同上", "还是老样子", "按昨天报", "一如既往"):
        assert vocab.SAME_RE.search(text) and vocab.SAME_RE.search(text).span() == source.search(text).span()


def _unguarded(rx: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern ``guarded`` was given (its guard and the group around it taken off)."""
    m = re.fullmatch(r"\(\?=\[[^\]]*\]\)\(\?:(.*)\)", rx.pattern, re.S)
    assert m, "SAME_RE has its guard"
    assert guarded(m.group(1)).pattern == rx.pattern
    return re.compile(m.group(1), rx.flags)
