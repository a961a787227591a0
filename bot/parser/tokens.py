"""Step 6a, tokenise: a clause becomes a list of typed tokens (field words, numbers, negations, …).

Binding values to fields is easy on tokens and hard on raw text: once ``返乡人员2人`` is ``alias num``
and ``无返乡`` is ``neg alias``, :mod:`bot.parser.bind` only looks at neighbours. This module also says
what a number token means on its own (a temperature, a bare count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.parser.fieldwords import BELOW_RE, THRESHOLD_NUM_RE
from bot.parser.schema import Schema
from bot.parser.vocab import DATE_UNITS, NORMAL_RE_PART, PAREN_BASE, TEMP_MAX, TEMP_MIN


@dataclass
class Tok:
    """One token of a clause; ``used`` once a statement has taken it."""

    kind: str  # paren normal thr status remark alias ambig sym opt hh num fill neg yes all other (done: taken)
    text: str
    key: str | None = None
    keys: tuple[str, ...] = ()  # ambig: the fields a shared short form may stand for
    value: float | int | None = None
    hi: float | int | None = None
    unit: str = ""
    deg: bool = False
    ordinal: bool = False
    used: bool = False
    paren: int = -1
    option: str = ""  # sym: the canonical symptom


def _num(s: str) -> int | float:
    return float(s) if "." in s else int(s)


#: How many clauses a schema's memo of tokens holds before it starts again.
_MEMO_SIZE = 4096


def tokenize(clause: str, schema: Schema) -> list[Tok]:
    """The tokens of ``clause``. Remembered per schema (the same clause recurs in line after line of a chain:
    ``均正常``, ``8户24人``); each call gets fresh tokens, since binding marks them used."""
    known = schema.token_memo.get(clause)
    if known is None:
        if len(schema.token_memo) >= _MEMO_SIZE:
            schema.token_memo.clear()
        known = schema.token_memo[clause] = tuple(t.__dict__ for t in _tokenize(clause, schema))
    # a copy of each token (its fields are immutable values: a shallow copy of its attributes is a full
    # one), made without a call of Tok.__init__ or of a helper per token
    out = []
    for fields in known:
        tok = _new(Tok)
        tok.__dict__ = fields.copy()
        out.append(tok)
    return out


_new = object.__new__


def _tokenize(clause: str, schema: Schema) -> list[Tok]:
    toks: list[Tok] = []
    for m in schema.scan_re.finditer(clause):
        kind = m.lastgroup or "other"
        if kind in ("na", "nb", "nc1", "nc2", "nu"):
            kind = "num"
        text = m.group(0)
        if kind == "short":  # 隔1人: a field word cut short (one character: not run into a word, 走访10户)
            if len(text) > 1 or not toks or toks[-1].kind != "other" or clause[m.start() - 1].isspace():
                keys = schema.short_keys[text]
                if len(keys) == 1:
                    toks.append(Tok("alias", text, key=keys[0]))
                else:  # 外2: 外出 or 外来人员 — a doubt of both
                    toks.append(Tok("ambig", text, keys=keys))
                continue
            kind = "other"
        if kind == "other":
            if toks and toks[-1].kind == "other":
                toks[-1].text += text
            elif not text.isspace():
                toks.append(Tok("other", text))
            continue
        tok = Tok(kind, text)
        if kind == "alias":
            key = schema.word_key.get(text)
            if key is None:  # a symptom or an enum option
                tok = option_token(text, schema)
            else:
                tok.key = key
        elif kind == "thr":
            tok = threshold_token(text)
        elif kind == "paren":
            tok.paren = ord(text) - PAREN_BASE
        elif kind == "num":
            tok.value = _num(m.group("na"))
            tok.hi = _num(m.group("nb")) if m.group("nb") else None
            tok.unit = m.group("nu") or ""
            tok.deg = bool(m.group("nc1") or m.group("nc2"))
            if toks and toks[-1].kind == "other" and toks[-1].text.endswith("第"):
                tok.ordinal = True
        toks.append(tok)
    return _merge_aliases(toks, schema)


def option_token(text: str, schema: Schema) -> Tok:
    """A symptom word (``sym``, its field and canonical name) or an enum option word (``opt``)."""
    sym = schema.sym_words.get(text)
    if sym is not None:
        return Tok("sym", text, key=sym[0], option=sym[1])
    return Tok("opt", text)


def threshold_token(text: str) -> Tok:
    """``超过37度`` / ``37.3℃以下``: the threshold's number, and ``unit`` "above" or "below"."""
    m = THRESHOLD_NUM_RE.search(text)
    value = _num(m.group(0)) if m else None
    return Tok("thr", text, value=value, unit="below" if BELOW_RE.search(text) else "above")


def _merge_aliases(toks: list[Tok], schema: Schema) -> list[Tok]:
    """``发热人数`` / ``返乡情况`` / ``在家隔离``: one field, not two."""
    out: list[Tok] = []
    for t in toks:
        if t.kind == "alias" and out and out[-1].kind == "alias":
            prev = out[-1]
            if t.key == prev.key:
                continue
            if t.key == schema.people or (t.key == schema.note and t.text in ("情况", "说明")):
                continue
            if prev.key == schema.people:
                out[-1] = t
                continue
        out.append(t)
    return out


def temp_of(tok: Tok, bound: bool) -> float | None:
    """The temperature a number token stands for, or None. ``bound``: the number follows 体温."""
    if tok.kind != "num" or tok.ordinal:
        return None
    if tok.unit and tok.unit != "℃":
        return None
    vals = [tok.value] if tok.hi is None else [tok.value, tok.hi]
    out: list[float] = []
    for v in vals:
        if v is None:
            return None
        if TEMP_MIN <= v <= TEMP_MAX:
            out.append(round(float(v), 1))
        elif (bound or tok.deg) and isinstance(v, int) and 340 <= v <= 430:
            out.append(v / 10)
        else:
            return None
    if tok.hi is None and not (bound or tok.deg) and isinstance(tok.value, int):
        return None  # a bare integer is a temperature only after 体温 or with ℃
    return max(out)


def bare_count(tok: Tok) -> bool:
    """A small bare integer (``4``): a people count on a household's line."""
    return (
        tok.kind == "num"
        and not tok.unit
        and tok.hi is None
        and isinstance(tok.value, int)
        and 0 < tok.value <= 30
    )


def is_temp3(tok: Tok) -> float | None:
    """A bare 3-digit number 340–430 (``365``): a temperature in a household's line or a table cell."""
    if tok.kind == "num" and not tok.unit and tok.hi is None and isinstance(tok.value, int):
        if 340 <= tok.value <= 430:
            return tok.value / 10
    return None


#: What an "other" token may be without saying anything (``了``, ``的``, ``都``, ``已经`` …).
_FILLER_RE = re.compile(r"[了的人个都均也已经\s:,]")
_NORMAL_PHRASE_RE = re.compile(NORMAL_RE_PART)


def has_prose(text: str, schema: Schema) -> bool:
    """Whether ``text`` says more than its statements (``杭州`` / ``第3天``): then it is kept as a note."""
    for t in tokenize(text, schema):
        if t.kind == "other" and _FILLER_RE.sub("", t.text):
            return True
        if t.kind == "num" and (t.ordinal or t.unit in DATE_UNITS):
            return True
    return False


def schema_normal(text: str) -> bool:
    """Whether ``text`` is exactly an "all normal" phrase."""
    return bool(_NORMAL_PHRASE_RE.fullmatch(text))
