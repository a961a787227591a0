"""Shortened field words: ``隔1人`` (隔离), ``返1人`` (返乡), ``外来2人`` (外来人员), ``温36.5`` (体温).

In chain lines and hurried messages members cut a field word down to its first or last character(s).
Such a short form is derived from the template, never listed by hand: a beginning of the field's label
(``隔`` ``外来``) or its last character (``热`` of 发热, ``温`` of 体温), the first character of one of its
words (``回`` of 回来), or an ending of two characters or more of one of its words (``监测`` of 健康监测);
that is not a whole word itself, and none of the parser's function words (``共`` ``无`` ``人`` …). Longer
beginnings of the other words are not used: they are words of their own (``居家``, ``健康``, ``外地``).

A short form is read as its field only when a number follows it at once (``隔1人``, ``温:36.5``) or a
negation stands right before it and no word follows (``无返``, ``无隔``); and one character only where no
other word runs into it (``走访10户`` is no 访客, ``查出1人`` no 外出), so that ordinary words that happen
to start the same way are left alone. A part that two fields share (``外2``: 外出 or 外来人员?) is read as
a doubt of both.
"""

from __future__ import annotations

from bot.core.template import Template
from bot.parser.vocab import CJK_RE, HOUSEHOLD_UNITS, PERSON_UNITS

#: Characters and words that already mean something else to the scanner (counts, negations, units, fillers).
_RESERVED = set(
    "是有无没未不否非已均都皆全各共计约为的者和及与或人口户家名位个例号楼栋层组队天日月次岁点时分年周"
    "今昨明在其余他它另还也就只"
) | {"人员", "人数", "情况", "是否", "有无", "共计", "合计", "总计", "共有", *PERSON_UNITS, *HOUSEHOLD_UNITS}


def short_words(template: Template, word_key: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """The template's short forms: {short form: the keys of the fields it may stand for} (see the module
    docstring). One key: the field; several (``外``: 外出 or 外来人员): the field is in doubt.

    ``word_key`` maps the template's whole words to their fields (they are never short forms).
    """
    candidates: dict[str, set[str]] = {}
    for f in template.fields:
        if f.type == "text" or f.key == "people":
            continue
        for w in f.words():
            if len(w) < 2 or not all(CJK_RE.match(c) for c in w):
                continue
            parts = {w[:n] for n in range(1, len(w))} | {w[-1]} if w == f.label else {w[0]}
            parts |= {w[-n:] for n in range(2, len(w))}  # 监测 (健康监测)
            for p in parts:
                candidates.setdefault(p, set()).add(f.key)
    # a part that another field's word also starts or ends with is ambiguous (外: 外出 / 外来人员)
    for w, key in word_key.items():
        for n in range(1, len(w)):
            for p in (w[:n], w[-n:]):
                if p in candidates:
                    candidates[p].add(key)
    order = {f.key: i for i, f in enumerate(template.fields)}
    return {
        p: tuple(sorted(keys, key=lambda k: order.get(k, 0)))
        for p, keys in candidates.items()
        if p not in word_key
        and p not in _RESERVED
        and p[0] not in _RESERVED
        and not (set(p) & {"人", "员"})
    }
