"""Step 4, segment: a message becomes lines, units (sentences) and clauses, with parentheses set aside.

Members write one fact per clause but separate clauses in many ways (punctuation, spaces, nothing at
all), and put remarks in parentheses. Splitting first, with each parenthesis replaced by a one-character
placeholder, lets every later stage work on one short clause at a time and still find what a parenthesis
said. Tables are split in :mod:`bot.parser.table`.
"""

from __future__ import annotations

import re

from bot.parser.rosterindex import RosterIndex
from bot.parser.schema import Schema
from bot.parser.vocab import (
    CJK_RE,
    GLUE_BEFORE_LAST,
    GLUE_BEFORE_RE,
    GLUE_COUNT_RE,
    PAREN_BASE,
    PAREN_RE,
    PLACEHOLDER_RE,
    REST_NORMAL_AT_RE,
    REST_WORDS,
    REST_WORDS_RE,
    TITLE_RE,
)

_LEAD_NUMBER_RE = re.compile(r"^\s*\(\s*(\d{1,3})\s*\)")
_UNIT_SEP_RE = re.compile(r"[|。!]+")
_SPACE_RUN_RE = re.compile(r"\s+")
_SPACED_MARK_RE = re.compile(r" ?([:~]) ?")
_SPACED_DASH_RE = re.compile(r"(?<=[\d℃]) ?- ?(?=\d)")
_SPACED_UNIT_RE = re.compile(r"(?<=\d) (?=口人|人|户|口|名|位|个|℃)")
_CLAUSE_SEP_RE = re.compile(r"([,、;\s]+)")


def _stash_parens(line: str, parens: list[str]) -> str:
    if "(" not in line and ")" not in line:
        return line
    def repl(m: re.Match[str]) -> str:
        if len(parens) >= 255:
            return " "
        parens.append(m.group(1))
        return chr(PAREN_BASE + len(parens) - 1)

    for _ in range(3):  # nested parentheses, innermost first
        new = PAREN_RE.sub(repl, line)
        if new == line:
            break
        line = new
    return line.replace("(", " ").replace(")", " ")


def restore(text: str, parens: list[str]) -> str:
    """``text`` with its parenthesis placeholders written out again (as ``（…）``)."""

    def repl(m: re.Match[str]) -> str:
        i = ord(m.group(0)) - PAREN_BASE
        return f"（{restore(parens[i], parens)}）" if i < len(parens) else ""

    return PLACEHOLDER_RE.sub(repl, text)


def units(line: str, parens: list[str]) -> list[str]:
    """The units (sentences) of one line; its parentheses are stashed into ``parens``."""
    if "【" in line or "[" in line:
        line = TITLE_RE.sub(" ", line)
    if "(" in line:
        line = _LEAD_NUMBER_RE.sub(r"\1. ", line)  # (1) is a list marker, not a remark
    line = _stash_parens(line, parens)
    return [u for u in _UNIT_SEP_RE.split(line) if u.strip()]


def _mark(m: re.Match[str]) -> str:
    return m.group(1)


def prepare_unit(unit: str) -> str:
    """Glue what spaces split by accident: ``返乡 : 0``, ``36.1 ~ 36.8``, ``4 人``."""
    unit = _SPACE_RUN_RE.sub(" ", unit)
    if " " not in unit:
        return unit  # (each of the rest takes a space out)
    if ":" in unit or "~" in unit:
        unit = _SPACED_MARK_RE.sub(_mark, unit)
    if "-" in unit:
        unit = _SPACED_DASH_RE.sub("-", unit)
    unit = _SPACED_UNIT_RE.sub("", unit)  # (a plain replacement: no template to expand per call)
    return unit.strip()


def clauses(unit: str) -> list[tuple[str, str]]:
    """Split a unit at , 、 and spaces; each clause with the separator before it."""
    parts = _CLAUSE_SEP_RE.split(unit)
    out: list[tuple[str, str]] = []
    sep = ""
    for k, p in enumerate(parts):
        if k % 2:
            sep = "、" if "、" in p else ("," if ("," in p or ";" in p) else " ")
        elif p:
            out.append((p, sep))
    return out


#: Words that go on to the next household in run-on (spoken, dictated) text: ``…都正常然后张三虎家…``.
#: ``就是`` / ``只是`` / ``不过`` / ``但是`` (the exception after a blanket: ``都正常就是王建国家儿子咳嗽``) too, and a
#: ``那个`` / ``他们`` before the name (``就是那个沈秀兰家``).
_CONNECTOR_RE = re.compile(
    r"(?:然后|还有就是|再就是|另外|还有|接着|再有|就是|只是|只有|不过|但是|可是)(?:那个|这个|那|这|说)?"
)


_BUT_WORDS = ("就是", "只是", "不过", "但是", "可是")


def split_connectors(unit: str, idx: RosterIndex) -> str:
    """A connector right before a roster household name ends the clause there (``…体温都正常然后张三虎家
    他家老人有点发烧`` is two households' statements, not one statement of both); a "but" (``就是`` ``只是``
    ``不过`` ``但是``) after some words ends it whatever follows (``都好好的就是老太太血压有点高``)."""
    if not _CONNECTOR_RE.search(unit):
        return unit
    out: list[str] = []
    last = 0
    for m in _CONNECTOR_RE.finditer(unit):
        after = unit[m.end() :]
        but = m.start() > last and m.group(0).startswith(_BUT_WORDS) and CJK_RE.match(unit[m.start() - 1])
        if but or any(after[:n] in idx.households for n in idx.household_lengths if len(after) >= n):
            out.append(unit[last : m.start()] + ",")
            last = m.end()
    out.append(unit[last:])
    return "".join(out)


_REST_INITIALS = frozenset(w[0] for w in REST_WORDS)
def _glue_starts(idx: RosterIndex) -> re.Pattern[str]:
    """The first characters of the roster's household names and of the rest words, as one class (once per
    roster index, kept in its memo)."""
    rx = idx.memo.get("glue_starts")
    if rx is None:
        chars = sorted(idx.household_initials | _REST_INITIALS)
        rx = idx.memo["glue_starts"] = re.compile("[" + "".join(re.escape(c) for c in chars) + "]")
    return rx


def split_glued(unit: str, idx: RosterIndex, schema: Schema) -> str:
    """Break a clause where a household name or ``其余`` is glued to a finished statement (members skip
    punctuation): ``15户均正常霍建军家…`` / ``王建国4人36.5薛文斌1人36.6`` / ``…36.7其他都正常``."""
    out: list[str] = []
    last = 0
    after = 1  # where the next break may be
    n = len(unit)
    for start in _glue_starts(idx).finditer(unit, 1):  # only where a household name or a rest word may start
        i = start.start()
        if i < after:
            continue
        names = [k for k in idx.household_lengths if i + k <= n and unit[i : i + k] in idx.households]
        rest_word = REST_WORDS_RE.match(unit, i)
        if not names and not rest_word:
            continue
        take = 0
        strong = weak = False
        if CJK_RE.match(unit[i]):
            end = unit[i - 1]
            strong = (end in GLUE_BEFORE_LAST or end.isdecimal()) and bool(
                GLUE_BEFORE_RE.search(unit, max(0, i - 10), i)
            )
            weak = not strong and bool(GLUE_COUNT_RE.search(unit, max(0, i - 4), i))
        if strong or weak:
            for length in names:
                nxt = unit[i + length : i + length + 1]
                if weak:
                    ok = nxt[:1].isdigit() or nxt == " "
                else:
                    ok = (
                        not nxt
                        or not CJK_RE.match(nxt)
                        or nxt in "家户"
                        or bool(schema.vocab_re.match(unit, i + length))
                    )
                if ok:
                    take = length
                    break
        if (
            not take
            and rest_word
            and (strong or (unit[i - 1] not in "无没未非和与及或的" and REST_NORMAL_AT_RE.match(unit, i)))
        ):
            take = 2  # …回来了其余正常
        if take:
            out.append(unit[last:i])
            out.append(" ")
            last = i
            after = i + take
    out.append(unit[last:])
    return "".join(out)
