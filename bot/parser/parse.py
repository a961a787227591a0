"""The parser's entry point: run the stages (see :mod:`bot.parser`) over one message.

The stages live in their own modules; this one only decides the path a message takes (not a report, a
chain of members' lines, or one member's report) and hands each part to a builder.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.model import Member, ParseResult, Roster
from bot.core.template import Template
from bot.parser import textnorm
from bot.parser.assemble import assemble
from bot.parser.builder import Builder
from bot.parser.classify import drop_questions, is_chain, is_correction, is_not_report
from bot.parser.context import Ctx
from bot.parser.fieldwords import field_text
from bot.parser.members import member_at, named_member, resolve_sender
from bot.parser.rosterindex import roster_index
from bot.parser.vocab import CHAIN_LINE_RE, INLINE_LIST_RE

__all__ = ["parse_message"]

#: A chain line that ends as a question (``几点结束吗``): no report.
_QUESTION_END_RE = re.compile(r"吗\s*$")


def _parse_chain(ctx: Ctx, norm: str, correction: bool) -> ParseResult:
    """A 接龙 chain: each numbered line is the report of the member it names (else one of the sender's)."""
    result = ParseResult(chain=True, correction=correction)
    entries: list[list[Any]] = []
    for line in norm.split("\n"):
        m = CHAIN_LINE_RE.match(line)
        if m and m.group(3).strip() and "接龙" not in line:
            entries.append([int(m.group(1) or m.group(2)), m.group(3)])
        elif entries and line.strip() and "接龙" not in line:
            entries[-1][1] += "\n" + line
    builders: dict[tuple[str, str, str], Builder] = {}
    order: list[tuple[str, str, str]] = []

    def builder_for(member: Member) -> Builder:
        key = (member.name, member.grid, member.village)
        if key not in builders:
            builders[key] = Builder(ctx, member)
            order.append(key)
        return builders[key]

    for number, body in entries:
        if "?" in body or _QUESTION_END_RE.search(body):
            continue
        found = member_at(ctx, body, limit=16, fuzzy=True)
        if found:
            member, s, e = found
            b = builder_for(member)
            if b.chain_index is None:
                b.chain_index = number
            written = body[s:e]
            if written != member.name:
                b.warnings.append(f"接龙第{number}条“{written}”按网格员{member.name}记录，请核实")
            b.feed(body[:s].replace("\n", " ") + " " * (e - s) + body[e:])
            b.personal_checkin()
            continue
        if ctx.sender is None:
            continue
        b = builder_for(ctx.sender)
        before = len(b.warnings)
        refs = b.feed(body)
        if not refs:
            del b.warnings[before:]
            b.warnings.append(f"接龙第{number}条“{body.strip()[:12]}”未能对应到网格员或您包联的户")
        else:
            for r in refs:
                stored = b.sinks.get((r.kind, r.name))
                for x in (r, stored[0] if stored else r):
                    x.strong = True
                    if x.chain_no is None:
                        x.chain_no = number
    for key in order:
        rep = assemble(builders[key])
        if rep is not None:
            result.reports.append(rep)
    return result


def parse_message(text: str, sender: Member | str, roster: Roster, template: Template) -> ParseResult:
    """Parse one group-chat message into the member reports it contains.

    ``sender`` is the posting member (a roster :class:`Member`, or a name / account to look up). With an
    unknown sender only the lines of a ``接龙`` chain that name known members produce reports. The result is
    empty for messages that are not reports (chat, notices, questions, roll-ups).
    """
    if not isinstance(text, str) or not text.strip():
        return ParseResult()
    index = roster_index(roster)
    member = resolve_sender(sender, roster, index)
    ctx = Ctx(roster, template, member)
    ctx.original = textnorm.to_halfwidth(text[: textnorm.MAX_CHARS * 2])
    norm, lines_read = textnorm.clip(text, protect=index.protect, halfwidth=ctx.original)
    result = _parse(ctx, field_text(INLINE_LIST_RE.sub("\n", norm)), member)
    result.lines_read = lines_read
    return result


def _parse(ctx: Ctx, norm: str, member: Member | None) -> ParseResult:
    if not norm.strip():
        return ParseResult()
    correction = is_correction(norm)
    if is_chain(ctx, norm):
        return _parse_chain(ctx, norm, correction)
    norm = drop_questions(norm)
    if not norm.strip() or is_not_report(norm):
        return ParseResult()
    named, norm, warnings = named_member(ctx, norm)
    if member is None:
        return ParseResult()
    author = named or member
    b = Builder(ctx, author)
    b.warnings.extend(warnings)
    if named is not None and (named.name, named.grid) != (member.name, member.grid):
        b.warnings.append(f"由{member.name}代{named.name}上报")
    b.feed(norm)
    rep = assemble(b)
    if rep is None:
        return ParseResult()
    return ParseResult(reports=[rep], correction=correction)
