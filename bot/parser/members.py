"""Step 3, choose the member: who a message (or one line of a chain) reports for.

Usually the sender; but members post for each other (``网格员：王艳``), head a report with their grid and
name (``东风村5网格 刘桂兰``), and a chain has one member per line, sometimes misspelt. Everything that
looks for a *member's* name (as opposed to a household's, :mod:`bot.parser.names`) is here.
"""

from __future__ import annotations

from bot.core.model import Member, Roster
from bot.parser.context import Ctx
from bot.parser.names import looks_like_name, one_off
from bot.parser.rosterindex import RosterIndex
from bot.parser.vocab import (
    CJK_RE,
    CJK_RUN_RE,
    HEADER_CONTEXT_RE,
    LABEL_RE,
    LIST_MARK_RE,
    NON_NAME_CHARS,
    TITLE_RE,
)


def find_member(ctx: Ctx, name: str) -> Member | None:
    """The member called ``name``, preferring the sender's grid and village."""
    if name not in ctx.index.member_names:
        return None
    s = ctx.sender
    if s is not None:
        return ctx.roster.find_member(name, s.grid, s.village or None)
    return ctx.roster.find_member(name)


def fuzzy_member(ctx: Ctx, name: str) -> Member | None:
    """A member one character off, among the sender's grid, then the sender's village."""
    s = ctx.sender
    if s is None or len(name) < 2:
        return None
    grid = [m for m in ctx.roster.members if m.grid == s.grid and m.village == s.village]
    village = [m for m in ctx.roster.members if len(name) >= 3 and s.village and m.village == s.village]
    for scope in (grid, village):
        hits = [m for m in scope if one_off(m.name, name)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None
    return None


def member_at(ctx: Ctx, text: str, limit: int = 24, fuzzy: bool = False) -> tuple[Member, int, int] | None:
    """The first member named in ``text[:limit]`` in a header position (line start, after 网格/村).

    ``fuzzy``: also a name one character off at the very start (chain lines).
    """
    idx = ctx.index
    i = 0
    end = min(len(text), limit)
    while i < end:
        if not CJK_RE.match(text[i]):
            i += 1
            continue
        left_ok = i == 0 or not CJK_RE.match(text[i - 1]) or bool(HEADER_CONTEXT_RE.search(text[:i]))
        if left_ok:
            for length in idx.member_lengths:
                name = text[i : i + length]
                if len(name) == length and name in idx.member_names:
                    nxt = text[i + length : i + length + 1]
                    if nxt in ("家", "户"):
                        continue
                    if nxt and CJK_RE.match(nxt) and not ctx.schema.vocab_re.match(text[i + length :]):
                        continue
                    m = find_member(ctx, name)
                    if m is not None:
                        return m, i, i + length
            run = CJK_RUN_RE.match(text, i)
            if fuzzy and run and ctx.sender is not None and i == 0:
                cand = run.group(0)
                own = {h.name for h in ctx.sender.households}
                for length in (4, 3, 2):
                    if (
                        len(cand) >= length
                        and cand[:length] not in own
                        and cand[:length] not in idx.households
                    ):
                        fm = fuzzy_member(ctx, cand[:length])
                        nxt = cand[length : length + 1]
                        if fm and (not nxt or ctx.schema.vocab_re.match(cand[length:])):
                            return fm, i, i + length
        i += 1
    return None


def resolve_sender(sender: Member | str | None, roster: Roster, index: RosterIndex) -> Member | None:
    """The roster member who sent the message: a :class:`Member`, a name, or an account (``@handle``)."""
    if isinstance(sender, Member):
        found = roster.find_member(sender.name, sender.grid, sender.village or None)
        if found is not None and found.grid == sender.grid:
            return found
        return sender
    if not isinstance(sender, str):
        return None
    name = sender.strip()
    if not name:
        return None
    found = roster.find_member(name)
    if found is not None:
        return found
    handle = name.lstrip("@")
    accounts = [m for m in roster.members if m.account and m.account.lstrip("@") == handle]
    return accounts[0] if len(accounts) == 1 else None


def named_member(ctx: Ctx, norm: str) -> tuple[Member | None, str, list[str]]:
    """A member the message names as its author (``网格员：王艳``, ``东风村5网格 刘桂兰``).

    Returns (member or None, text with the naming removed, warnings).
    """
    warnings: list[str] = []
    for m in LABEL_RE.finditer(norm):
        run = m.group(3)
        hit = None
        for length in range(len(run), 1, -1):
            hit = find_member(ctx, run[:length])
            if hit:
                run = run[:length]
                break
        span_end = m.start(3) + len(run)
        if hit:
            return hit, norm[: m.start()] + " " + norm[span_end:], warnings
        if m.group(2) and looks_like_name(run[:3]) and run[:2] not in ("日报", "报告"):
            name = run[:3] if len(run) >= 3 and run[2] not in NON_NAME_CHARS else run[:2]
            warnings.append(f"网格员“{name}”不在名册中，按发送人记录")
            return None, norm[: m.start()] + " " + norm[m.start(3) + len(name) :], warnings
    first_end = norm.find("\n")
    first = norm if first_end < 0 else norm[:first_end]
    body = TITLE_RE.sub(lambda x: " " * len(x.group(0)), first)
    body = LIST_MARK_RE.sub(lambda x: " " * len(x.group(0)), body, count=1)
    found = member_at(ctx, body, limit=40)
    if found:
        member, s, e = found
        sender = ctx.sender
        own = {h.name for h in sender.households} if sender else set()
        header_ctx = bool(HEADER_CONTEXT_RE.search(body[:s]))
        if member.name in own and not header_ctx and (sender is None or member.name != sender.name):
            return None, norm, warnings
        return member, norm[:s] + " " * (e - s) + norm[e:], warnings
    return None, norm, warnings
