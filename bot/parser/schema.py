"""The template's vocabulary compiled for scanning, once per template.

The parser knows no field by name: which words name a field, and which fields are the temperature, the
fever, the people count and the note, come from the template. This module turns a template into the
regexes the tokeniser and the name finders scan with.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.core.template import Field, Template
from bot.parser.fieldwords import REMARK_RE_PART, REMARK_WORDS, STATUS_RE_PART, THRESHOLD_RE_PART
from bot.parser.guard import guarded
from bot.parser.shortwords import short_words
from bot.parser.vocab import (
    CJK,
    DIALECT_NEGATIONS,
    NORMAL_RE_PART,
    NORMAL_STRONG,
    NORMAL_WEAK,
    NUM_PAT,
    PAREN_CLASS,
    TYPO_NEG_BEFORE,
    TYPO_VALUE_AFTER,
    TYPO_WORDS,
    TYPOS,
)


def trie_alternation(words: list[str]) -> str:
    """A regex matching any of ``words``, longest first, written as a trie (``咳(?:嗽|痰)?``): the scanner
    tries one branch per character instead of every word at every position."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + pattern(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body  # greedy: the longest word that fits

    return pattern(trie) or r"(?!x)x"


class Schema:
    """The template's vocabulary compiled for scanning, and the fields with special roles."""

    def __init__(self, template: Template) -> None:
        self.template = template
        #: bot.parser.tokens.tokenize's memo: clause -> its tokens
        self.token_memo: dict[str, tuple[object, ...]] = {}
        self.fields: dict[str, Field] = {f.key: f for f in template.fields}
        self.word_key: dict[str, str] = {}
        for f in template.fields:
            for w in f.words():
                if w and w not in self.word_key:
                    self.word_key[w] = f.key
        #: symptom words → (the symptoms field, the canonical symptom); enum option words → [(field, value)]
        self.sym_words: dict[str, tuple[str, str]] = {}
        self.opt_words: dict[str, tuple[tuple[str, str], ...]] = {}
        for f in template.fields:
            for o in f.options:
                for w in o.words():
                    if not w or w in self.word_key:
                        continue  # a field's own word wins over an option's
                    if f.type == "symptoms":
                        self.sym_words.setdefault(w, (f.key, o.value))
                    elif f.type == "enum" and (f.key, o.value) not in self.opt_words.get(w, ()):
                        self.opt_words[w] = (*self.opt_words.get(w, ()), (f.key, o.value))
        self.enums: tuple[str, ...] = tuple(f.key for f in template.fields if f.type == "enum")
        #: the keys of the symptoms fields, and of the count fields (int, bool_int), in template order
        self.symptom_keys: tuple[str, ...] = tuple(f.key for f in template.fields if f.type == "symptoms")
        self.count_keys: tuple[str, ...] = tuple(f.key for f in template.fields if f.type in ("int", "bool_int"))
        #: the values of a household only a blanket "all normal" covers (see bot.parser.assemble), worked
        #: out once per template; read-only (each household gets a copy)
        self.spread: tuple[dict[str, object], tuple[str, ...]] | None = None
        #: every field unstated (Template.empty_values: immutable values, a copy is a fresh one)
        self.empty: dict[str, object] = template.empty_values()
        #: every field stated as normal (Template.normal_values), and its fields whose value is a list (each
        #: household gets a list of its own)
        self.normal: dict[str, object] = template.normal_values()
        self.normal_lists = tuple(k for k, v in self.normal.items() if isinstance(v, list))
        words = sorted({*self.word_key, *self.sym_words, *self.opt_words}, key=len, reverse=True)
        option_words = [w for w in words if w not in self.word_key and len(w) >= 2]
        self.temperature = next((f.key for f in template.fields if f.type == "temperature"), None)
        self.people = template.people_key()  # people, or the count field named 人数
        fever = self.fields.get("fever")
        if fever is None or fever.type != "bool":
            fever = next((f for f in template.fields if f.type == "bool"), None)
        self.fever = fever.key if fever else None
        note = self.fields.get("note")
        if note is None or note.type != "text":
            note = next((f for f in template.fields if f.type == "text"), None)
        self.note = note.key if note else None
        out = self.fields.get("out")
        if out is None or out.type not in ("bool", "bool_int", "int"):
            out = next((f for f in template.fields if f.type in ("bool_int", "bool") and "外出" in f.words()), None)
        #: the field a status remark (不在家, 在单位, 外出务工) sets
        self.out = out.key if out else None
        visitors = self.fields.get("visitors")
        if visitors is None or visitors.type != "int":
            visitors = next((f for f in template.fields if f.type == "int" and "外来人员" in f.words()), None)
        #: the count of people who came (来了三个人): key ``visitors``, else the count field named 外来人员
        self.visitors = visitors.key if visitors else None
        alias_alt = trie_alternation(words)
        field_words = [w for w in words if w in self.word_key]
        field_alt = trie_alternation(field_words)
        #: 隔1人 / 返1人 / 温36.5 / 无返: a field word cut short (see bot.parser.shortwords); 外2: either field
        self.short_keys = short_words(template, self.word_key)
        shorts = sorted(self.short_keys, key=len, reverse=True)
        short_word = "(?:" + "|".join(re.escape(w) for w in shorts) + ")" if shorts else r"(?!x)x"
        short_alt = rf"{short_word}(?=:?\d)"
        short_scan = rf"{short_alt}|(?:(?<=无)|(?<=没有)|(?<=没)|(?<=未)){short_word}(?:(?![{CJK}])|(?=的人?(?![{CJK}])))"
        self.scan_re = re.compile(
            rf"(?P<paren>[{PAREN_CLASS}])"
            rf"|(?P<normal>{NORMAL_RE_PART})"
            rf"|(?P<thr>{THRESHOLD_RE_PART})"
            rf"|(?P<status>{STATUS_RE_PART})"
            rf"|(?P<remark>{REMARK_RE_PART})"
            rf"|(?P<alias>{alias_alt})"
            rf"|(?P<short>{short_scan})"
            r"|(?P<hh>总户数|户数)"
            rf"|(?P<num>{NUM_PAT})"
            r"|(?P<fill>是否|有无|人员|人数|共计|合计|总计|一共|总共|共有|共|计|约|为|的|者|和|及|与|或|以及|[:=/+])"
            r"|(?P<neg>已解除|已结束|已期满|解除|结束|期满|没有|暂无|没|无|未|不|否|非|×)"
            r"|(?P<yes>有|是|√|已)"
            r"|(?P<all>全部|全都|均|都|皆|全|各)"
            r"|(?P<other>.)",
            re.S,
        )
        vocab_alt = trie_alternation(sorted({*field_words, *option_words, *REMARK_WORDS}, key=len, reverse=True))
        self.vocab_re = re.compile(
            rf"(?:{NORMAL_RE_PART}|{vocab_alt}|{short_alt}|体温|包联|包户|共|合计|没有|无|未|不|均|都|全|有|是|已|今|昨|在家|家)"
        )
        self.multi_vocab_re = re.compile(rf"(?:{NORMAL_RE_PART}|{field_alt}|体温|包联|包户|合计|没有)")
        self._typos(words)
        sym_alt = trie_alternation(sorted(self.sym_words, key=len, reverse=True))
        #: a line that goes on with the symptoms the line before listed: ``没有咳嗽⏎乏力等症状``
        self.sym_tail_re = re.compile(rf"(?:{sym_alt})$")
        self.sym_list_re = re.compile(rf"^(?:(?:{sym_alt})[、,和及与]?)+等")

    def _typos(self, words: list[str]) -> None:
        """The mistypings of this template's words (see ``bot.parser.vocab.TYPOS``), compiled once."""
        known = {*words, *NORMAL_STRONG, *NORMAL_WEAK}
        self.typo_map = {t: w for w, ts in TYPOS.items() if w in known for t in ts if t not in known}
        self.typo_map.update(DIALECT_NEGATIONS)
        plain = sorted((t for t in self.typo_map if t not in TYPO_WORDS), key=len, reverse=True)
        real = sorted((t for t in self.typo_map if t in TYPO_WORDS), key=len, reverse=True)
        parts = ["|".join(map(re.escape, plain))] if plain else []
        if real:
            alt = "(?:" + "|".join(map(re.escape, real)) + ")"
            before = "|".join(f"(?<={re.escape(n)})" for n in TYPO_NEG_BEFORE)
            parts += [f"(?:{before}){alt}", alt + TYPO_VALUE_AFTER]
        self.typo_re = guarded("|".join(parts)) if parts else None
        self.typo_chars = frozenset(t[0] for t in self.typo_map)

    def fix_typos(self, text: str) -> str:
        """``text`` with the template's mistyped field words written right (``反乡1人`` → ``返乡1人``)."""
        if self.typo_re is None or self.typo_chars.isdisjoint(text):
            return text
        return self.typo_re.sub(lambda m: self.typo_map[m.group(0)], text)


@lru_cache(maxsize=32)
def _schema_cached(template: Template) -> Schema:
    return Schema(template)


def schema_for(template: Template) -> Schema:
    """The compiled schema of ``template`` (cached for hashable templates)."""
    try:
        return _schema_cached(template)
    except TypeError:  # an unhashable template-like object
        return Schema(template)
