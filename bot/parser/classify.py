"""Step 2, classify: is a message a report, a chain (接龙), a correction, or not a report at all?

Group chats carry questions, notices, requests and leaders' roll-ups next to the reports; reading those as
reports would file numbers nobody reported. These checks run on the normalised text before anything is
segmented, and decide which way :func:`bot.parser.parse_message` goes.
"""

from __future__ import annotations

import re

from bot.parser.context import Ctx
from bot.parser.members import member_at
from bot.parser.vocab import CHAIN_LINE_RE, CORRECTION_RE

_CHAIN_RE = re.compile(r"接龙")
#: Strong signals that a message is chat, a notice, a request or a roll-up rather than a report.
_NOT_REPORT_RE = re.compile(
    r"\?|^\s*@|(?:^|\n)\s*(?:紧急|重要|温馨)?(?:通知|公告|提醒)|(?:通知|公告)\s*:|汇总|应报|已报\s*\d|未报|"
    r"(?<!\d)\d+\s*个网格|各网格|(?:已|均已|都已)?全部上报|均已上报|"
    r"请各|请大家|请全体|请于|请在|请按|请及时|请尽快|请务必|请今天|请今日|(?:^|\n)\s*请|吗\s*(?:$|[,.!\n])"
)


def looks_like_member_list(ctx: Ctx, norm: str) -> bool:
    """Numbered lines that mostly start with members' names: a chain pasted without the 接龙 title."""
    lines = [ln for ln in norm.split("\n") if CHAIN_LINE_RE.match(ln)]
    if len(lines) < 2:
        return False
    own = {h.name for h in ctx.sender.households} if ctx.sender else set()
    hits = 0
    for ln in lines:
        m = CHAIN_LINE_RE.match(ln)
        body = m.group(3) if m else ""
        found = member_at(ctx, body, limit=8)
        if found and found[0].name not in own:
            hits += 1
    return hits >= 2 and hits * 2 > len(lines)


def is_correction(norm: str) -> bool:
    """The message corrects an earlier report (``更正``)."""
    return bool(CORRECTION_RE.search(norm))


def is_chain(ctx: Ctx, norm: str) -> bool:
    """The message is a chain: one numbered line per member (``接龙``, or such lines without the title)."""
    return bool(_CHAIN_RE.search(norm)) or looks_like_member_list(ctx, norm)


#: Where a sentence ends, and where a question starts after a comma (``…都正常，顺便问下口罩什么时候发？``).
_SENTENCE_RE = re.compile(r"(?<=[。!?\n])|[,;]\s*(?=顺便问|请问|问一下|问下|想问|另外问|还想问|对了)")
_QUESTION_RE = re.compile(r"\?|吗\s*[。!]?\s*$|(?:^|[,;\s])(?:顺便问|请问|问一下|问下|想问)")


def drop_questions(norm: str) -> str:
    """The message without its questions: a report may end with one (``报告：14户都正常。⏎顺便问下，口罩什么
    时候发？``); the question is not a report, and the rest is read as usual. A message that is only questions
    becomes empty."""
    if "?" not in norm and "吗" not in norm and "问" not in norm:
        return norm
    return "".join(s for s in _SENTENCE_RE.split(norm) if not _QUESTION_RE.search(s))


def is_not_report(norm: str) -> bool:
    """The message is chat, a notice, a question, a request or a roll-up."""
    return bool(_NOT_REPORT_RE.search(norm))
