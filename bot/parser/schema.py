"""The template's vocabulary compiled for scanning, once per template.

The parser knows no field by name: which words name a field, and which fields are the temperature, the
fever, the people count and the note, come from the template. This module turns a template into the
regexes the tokeniser and the name finders scan with.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.core.template import Field, Template
from bot.parser.vocab import NORMAL_RE_PART, NUM_PAT, PAREN_CLASS


class Schema:
    """The template's vocabulary compiled for scanning, and the fields with special roles."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.fields: dict[str, Field] = {f.key: f for f in template.fields}
        self.word_key: dict[str, str] = {}
        for f in template.fields:
            for w in f.words():
                if w and w not in self.word_key:
                    self.word_key[w] = f.key
        words = sorted(self.word_key, key=len, reverse=True)
        self.temperature = next((f.key for f in template.fields if f.type == "temperature"), None)
        self.people = "people" if "people" in self.fields else None
        fever = self.fields.get("fever")
        if fever is None or fever.type != "bool":
            fever = next((f for f in template.fields if f.type == "bool"), None)
        self.fever = fever.key if fever else None
        note = self.fields.get("note")
        if note is None or note.type != "text":
            note = next((f for f in template.fields if f.type == "text"), None)
        self.note = note.key if note else None
        alias_alt = "|".join(re.escape(w) for w in words) or r"(?!x)x"
        self.scan_re = re.compile(
            rf"(?P<paren>[{PAREN_CLASS}])"
            rf"|(?P<normal>{NORMAL_RE_PART})"
            rf"|(?P<alias>{alias_alt})"
            r"|(?P<hh>总户数|户数)"
            rf"|(?P<num>{NUM_PAT})"
            r"|(?P<fill>是否|有无|人员|人数|共计|合计|总计|共有|共|计|约|为|的|者|和|及|与|或|以及|[:=/+])"
            r"|(?P<neg>已解除|已结束|已期满|解除|结束|期满|没有|暂无|没|无|未|不|否|非|×)"
            r"|(?P<yes>有|是|√|已)"
            r"|(?P<all>全部|全都|均|都|皆|全|各)"
            r"|(?P<other>.)",
            re.S,
        )
        self.vocab_re = re.compile(
            rf"(?:{NORMAL_RE_PART}|{alias_alt}|体温|包联|包户|共|合计|没有|无|未|不|均|都|全|有|是|已|今|昨|在家|家)"
        )
        self.multi_vocab_re = re.compile(rf"(?:{NORMAL_RE_PART}|{alias_alt}|体温|包联|包户|合计|没有)")


@lru_cache(maxsize=32)
def _schema_cached(template: Template) -> Schema:
    return Schema(template)


def schema_for(template: Template) -> Schema:
    """The compiled schema of ``template`` (cached for hashable templates)."""
    try:
        return _schema_cached(template)
    except TypeError:  # an unhashable template-like object
        return Schema(template)
