"""A message longer than the parser reads (``textnorm.MAX_CHARS``, 16,384 characters after normalisation: a
Feishu message may be far longer than Telegram's 4096). A 400-line chain is read whole; beyond the limit the
parser says how many lines it read whole (``lines_read``), the cut never keeps half a line, and the reply
says plainly that the rest was not read and asks for it in parts (tests/reports/test_long_message.py)."""

from __future__ import annotations

from typing import Any

from bot.core.template import default_template
from bot.parser import parse_message, parse_rooms, textnorm

TPL = default_template()


def members_chain(lines: int) -> tuple[str, Any, str]:
    from bench.parse_speed import members_chain as chain  # the benchmark's chain: 400 members, a line each

    return chain(lines)


def test_a_400_line_members_chain_is_read_whole() -> None:
    text, roster, sender = members_chain(400)
    assert len(text) > 4096  # it was cut at line 192 when a member's message was read to 4096 characters
    result = parse_message(text, sender, roster, TPL)
    assert result.lines_read is None and "lines_read" not in result.to_json()
    assert len(result.reports) == 399
    assert [r.chain_index for r in result.reports] == list(range(1, 400))


def test_a_chain_past_the_limit_says_how_many_lines_it_read() -> None:
    text, roster, sender = members_chain(1200)
    assert len(text) > textnorm.MAX_CHARS
    result = parse_message(text, sender, roster, TPL)
    n = result.lines_read
    assert n is not None and 400 < n < 1200
    assert result.to_json()["lines_read"] == n
    read = "\n".join(text.splitlines()[:n])
    assert len(read) <= textnorm.MAX_CHARS < len(read) + len(text.splitlines()[n]) + 1  # whole lines, no more
    # the lines read are reported as if the message ended there; none after them
    assert [r.to_json() for r in result.reports] == [r.to_json() for r in parse_message(read, sender, roster, TPL).reports]
    assert [r.chain_index for r in result.reports] == list(range(1, n))


def test_the_cut_drops_the_line_it_falls_in() -> None:
    head = "王建国家3人正常\n" + "收到\n" * ((textnorm.MAX_CHARS - 9) // 3)
    text = head[: textnorm.MAX_CHARS - 3] + "\n8户245人"
    norm, lines = textnorm.clip(text)
    assert lines == text.count("\n") and "8户2" not in norm and len(norm) <= textnorm.MAX_CHARS
    assert textnorm.clip("8户24人均正常") == ("8户24人均正常", None)


def test_a_very_long_line_is_read_to_the_line_limit() -> None:
    norm, lines = textnorm.clip("1" * 40000)
    assert norm == "1" * textnorm.MAX_LINE_CHARS and lines == 1
    norm, lines = textnorm.clip("王建国家3人正常\n" + "不舒服" * 2000)
    assert norm == "王建国家3人正常\n" + ("不舒服" * 2000)[: textnorm.MAX_LINE_CHARS] and lines == 2


def test_a_residents_chain_past_the_limit_says_how_many_lines_it_read() -> None:
    from bench.parse_corpus import ROSTERS
    from bench.parse_speed import residents_chain
    from bot.core.roster import load_roster

    roster = load_roster(str(ROSTERS["building"]))
    whole = parse_rooms(residents_chain(400), roster, TPL)
    assert whole.lines_read is None and "lines_read" not in whole.to_json()
    long = residents_chain(2000)
    chain = parse_rooms(long, roster, TPL)
    assert chain.lines_read is not None and 400 < chain.lines_read < 2000
    assert chain.to_json()["lines_read"] == chain.lines_read
    assert max(ln.line for ln in chain.lines) <= chain.lines_read
