"""Step 6b, the newer kinds of statement, bound before the field words' rules in :mod:`bot.parser.bind`.

- **symptoms** (``sym`` tokens, a ``symptoms`` field): ``儿子咳嗽`` → ["咳嗽"]; a negation before a run of
  symptom and field words denies them all (``无咳嗽乏力``, ``无发热咳嗽等症状`` → [] and no fever);
- **enum options** (``opt`` tokens): ``核酸阴性`` / ``健康码绿色`` → the option of the nearest field word that
  has it (before, then after), else of the only field that has it, else of the first such field in the
  template (and the field is in doubt, a ``doubt`` statement); a one-character option word (``绿``) only
  right after its field's word;
- **thresholds** (``thr``): ``超过37度`` / ``37.3以上`` set fever, ``未超过37.3`` / ``37.3以下`` deny it; the
  number is no reading, so the temperature stays unknown; ``37.3以上0人`` is a count of 0;
- **status remarks** (``status``): ``不在家`` / ``2人在单位`` set the "out" field (true, or the count) and go to
  the note; **remarks** (``remark``: ``住院``, ``已送医``) go to the note only;
- **readings** taken at several times of a day (``上午36.5，下午36.8``) are each reported, so that the note can
  hold them all (the temperature keeps the highest, as for any temperatures).

Tokens this module takes become ``done`` (or are marked used), so that the rules after it do not read them
again. Statements are returned as ``(kind, key, how, value)`` tuples, :class:`bot.parser.bind.Stmt`'s fields.
"""

from __future__ import annotations

from typing import Any

from bot.parser.fieldwords import RECOVERED_RE, TIME_RE
from bot.parser.schema import Schema
from bot.parser.tokens import Tok, temp_of
from bot.parser.vocab import PERSON_UNITS

StmtTuple = tuple[str, "str | None", str, Any]

#: Words that may sit inside a denied run (``无发热、咳嗽等症状``, ``没有任何咳嗽``).
_RUN_OTHER = ("等", "等等", "任何", "其他", "其它", "明显", "出现", "发现", "有", "及其他", "人", "谁")
_KINDS = frozenset(("sym", "opt", "thr", "status", "remark"))


def _back(toks: list[Tok], j: int, skip: tuple[str, ...] = ("fill", "all")) -> int:
    while j >= 0 and toks[j].kind in skip:
        j -= 1
    return j


def _fwd(toks: list[Tok], j: int, skip: tuple[str, ...] = ("fill", "all")) -> int:
    while j < len(toks) and toks[j].kind in skip:
        j += 1
    return j


def _count_before(toks: list[Tok], i: int) -> Tok | None:
    j = _back(toks, i - 1, ("fill", "all", "yes"))
    if j >= 0 and toks[j].kind == "num" and not toks[j].used and toks[j].unit in PERSON_UNITS:
        if isinstance(toks[j].value, int) and toks[j].hi is None:
            return toks[j]
    return None


def _count_after(toks: list[Tok], i: int, keys: tuple[str | None, ...] = ()) -> Tok | None:
    """The count right after ``toks[i]`` (``37.3以上0人``, ``咳嗽等症状人数：0``), past fillers and the words of
    the fields ``keys`` (which are then taken)."""
    j = i + 1
    words: list[Tok] = []
    while j < len(toks) and (toks[j].kind in ("fill", "all", "yes") or (toks[j].kind == "alias" and toks[j].key in keys)
                             or (toks[j].kind == "other" and toks[j].text in _RUN_OTHER)):
        if toks[j].kind == "alias":
            words.append(toks[j])
        j += 1
    if j < len(toks) and toks[j].kind == "num" and not toks[j].used and isinstance(toks[j].value, int):
        if toks[j].hi is None and (toks[j].unit in PERSON_UNITS or (not toks[j].unit and toks[j].value < 100)):
            for w in words:
                _done(w)
            return toks[j]
    return None


def _done(t: Tok) -> None:
    t.kind = "done"
    t.used = True


def bind_options(toks: list[Tok], schema: Schema, kinds: set[str] | None = None) -> list[StmtTuple]:
    """The statements of the newer kinds in one clause's tokens (see the module docstring). ``kinds``: the
    kinds of the tokens, when the caller has them."""
    if kinds is None:
        kinds = {t.kind for t in toks}
    if _KINDS.isdisjoint(kinds) and ("other" not in kinds or not _has_reading(toks)):
        return []
    out: list[StmtTuple] = []
    out += _readings(toks, schema)
    out += _remarks(toks, schema)
    out += _thresholds(toks, schema)
    if "sym" in kinds:  # (binding turns no token into a symptom or an option: else there is none)
        out += _symptoms(toks, schema)
    if "opt" in kinds:
        out += _enums(toks, schema)
    return out


# ---------------------------------------------------------------------------------------- readings
def _has_reading(toks: list[Tok]) -> bool:
    for t in toks:  # (a loop: this runs for most clauses)
        if t.kind == "other" and TIME_RE.search(t.text):
            return True
    return False


def _readings(toks: list[Tok], schema: Schema) -> list[StmtTuple]:
    """``上午36.5`` / ``早36.3`` / ``下午体温36.8``: the time word and the temperature of a reading (the
    temperature itself is bound as usual)."""
    out: list[StmtTuple] = []
    for i, t in enumerate(toks):
        if t.kind != "num" or t.hi is not None:
            continue
        if temp_of(t, False) is None and not (isinstance(t.value, float) and temp_of(t, True) is not None):
            continue
        j = _back(toks, i - 1, ("fill", "all"))
        if j >= 0 and toks[j].kind == "alias" and toks[j].key == schema.temperature:
            j = _back(toks, j - 1)
        if j >= 0 and toks[j].kind == "other":
            m = TIME_RE.search(toks[j].text)
            if m:
                out.append(("reading", None, m.group(0).rstrip(":"), temp_of(t, True)))
    return out


# ---------------------------------------------------------------------------------------- remarks
def _remarks(toks: list[Tok], schema: Schema) -> list[StmtTuple]:
    out: list[StmtTuple] = []
    for i, t in enumerate(toks):
        if t.kind == "remark" and not t.used:
            n = _count_before(toks, i)
            if n is not None:
                n.used = True
            t.used = True
            out.append(("note", None, "remark", (n.text if n else "") + t.text))
        elif t.kind == "status" and not t.used:
            n = _count_before(toks, i)
            after = n is None
            if after:
                n = _count_after(toks, i)
            t.used = True
            text = t.text
            if n is not None:
                n.used = True
                text = text + n.text if after else n.text + text
            if schema.out is not None:
                if n is not None:
                    out.append(("field", schema.out, "count", int(n.value or 0)))
                else:
                    out.append(("field", schema.out, "presence", None))
            out.append(("note", None, "status", text))
    return out


# ---------------------------------------------------------------------------------------- thresholds
def _thresholds(toks: list[Tok], schema: Schema) -> list[StmtTuple]:
    out: list[StmtTuple] = []
    for i, t in enumerate(toks):
        if t.kind != "thr":
            continue
        above = t.unit == "above"
        j = _back(toks, i - 1)
        if j >= 0 and toks[j].kind == "neg" and not toks[j].used:
            toks[j].used = True
            above = not above  # 体温均未超过37度 (不 超过)
            j = _back(toks, j - 1)
        while j >= 0 and toks[j].kind == "alias" and toks[j].key in (schema.temperature, schema.fever):
            _done(toks[j])  # 体温超过37度: the word is the threshold's, not a reading's
            j = _back(toks, j - 1)
        _done(t)
        if schema.fever is None:
            continue
        n = _count_after(toks, i, (schema.people, schema.fever))
        j = _fwd(toks, i + 1)
        while j < len(toks) and toks[j].kind == "alias" and toks[j].key in (schema.people, schema.fever):
            _done(toks[j])  # 37.3以上发热：否 — the word is the threshold's
            j = _fwd(toks, j + 1)
        if n is None and j < len(toks) and toks[j].kind == "neg" and not toks[j].used:
            toks[j].used = True  # 体温37.3℃以上：无
            above = not above
        if n is None:
            n = _count_before(toks, i)
        if n is not None:
            n.used = True
            count = int(n.value or 0)
            if above:
                out.append(("field", schema.fever, "count", count))
            elif count:
                out.append(("field", schema.fever, "none", None))  # 37.3以下3人: those three are well
            continue
        if above:
            out.append(("field", schema.fever, "yes", None))
        else:
            out.append(("field", schema.fever, "none", None))
            if schema.temperature:
                out.append(("field", schema.temperature, "normal", None))
    return out


# ---------------------------------------------------------------------------------------- symptoms
def _run_member(t: Tok) -> bool:
    return t.kind in ("sym", "alias", "fill", "all") or (t.kind == "other" and t.text in _RUN_OTHER)


def _symptoms(toks: list[Tok], schema: Schema) -> list[StmtTuple]:
    if not any(t.kind == "sym" for t in toks):
        return []
    out: list[StmtTuple] = []
    n = len(toks)
    # a negation before a run of symptom and field words: 无咳嗽乏力 / 无发热、咳嗽等症状 / 不咳嗽
    for i, t in enumerate(toks):
        if t.kind != "neg" or t.used:
            continue
        j = i + 1
        run: list[Tok] = []
        while j < n and _run_member(toks[j]):
            run.append(toks[j])
            j += 1
        if not any(x.kind == "sym" for x in run):
            continue
        t.used = True
        denied: list[str] = []
        for x in run:
            if x.kind == "sym" and x.key not in denied:
                denied.append(x.key or "")
            elif x.kind == "alias" and x.key not in (schema.note, schema.people) and x.key not in denied:
                denied.append(x.key or "")
            if x.kind in ("sym", "alias"):
                _done(x)
        out += [("field", key, "none", None) for key in denied]
    # the rest: stated symptoms (儿子咳嗽 / 1人咳嗽、流涕), or denied by a value after them (咳嗽:无)
    found: dict[str, list[str]] = {}
    for i, t in enumerate(toks):
        if t.kind != "sym":
            continue
        j = _fwd(toks, i + 1, ("fill", "all", "sym"))  # 咳嗽：无 / 咳嗽乏力无
        if j < n and toks[j].kind == "neg" and not toks[j].used and (
            j + 1 == n or toks[j + 1].kind not in ("other", "alias", "sym", "thr", "status")
        ):  # 咳嗽：无 (not 流鼻涕不发烧: the 不 is 发烧's)
            if not any(x.kind == "sym" for x in toks[i + 1 : j]):
                toks[j].used = True  # the last symptom before it: the negation is taken
            out.append(("field", t.key, "none", None))
            _done(t)
            continue
        after = "".join(x.text for x in toks[i + 1 :] if x.kind in ("other", "yes", "all"))
        n_after = _count_after(toks, i, (t.key, schema.people))
        if RECOVERED_RE.match(after) or (n_after is not None and n_after.value == 0):
            out.append(("field", t.key, "none", None))  # 咳嗽好了 / 咳嗽0人 / 有咳嗽等症状人数：0
            if n_after is not None:
                n_after.used = True
            _done(t)
            continue
        if n_after is not None:
            n_after.used = True
        n_before = _count_before(toks, i)
        if n_before is not None:
            n_before.used = True  # 1人咳嗽: the count is of the coughing, not the household's people
        found.setdefault(t.key or "", [])
        if t.option not in found[t.key or ""]:
            found[t.key or ""].append(t.option)
        _done(t)
    for key, names in found.items():
        out.append(("field", key, "add", names))
        for x in toks:
            if x.kind == "alias" and x.key == key:
                _done(x)  # 咳嗽症状 / 症状:咳嗽
    return out


# ---------------------------------------------------------------------------------------- enum options
def _enums(toks: list[Tok], schema: Schema) -> list[StmtTuple]:
    if not any(t.kind == "opt" for t in toks):
        return []
    out: list[StmtTuple] = []
    enum_aliases = [(i, t.key) for i, t in enumerate(toks) if t.kind == "alias" and t.key in schema.enums]
    taken: set[str] = set()
    for i, t in enumerate(toks):
        if t.kind != "opt":
            continue
        cands = schema.opt_words.get(t.text, ())
        keys = [k for k, _ in cands]
        prev = _back(toks, i - 1)
        if prev >= 1 and toks[prev].kind in ("other", "yes") and len(toks[prev].text) <= 2:
            prev = _back(toks, prev - 1)  # 健康码变黄了 / 码是绿的
        right_after = prev >= 0 and toks[prev].kind in ("alias", "done") and toks[prev].key in keys
        if len(t.text) == 1 and not right_after:
            t.kind = "other"  # 绿 alone is no option; only 健康码绿 is
            continue
        before = [k for j, k in enum_aliases if j < i and k in keys]
        after = [k for j, k in enum_aliases if j > i and k in keys]
        nxt = _fwd(toks, i + 1)
        if not before and not after and (
            (nxt < len(toks) and toks[nxt].kind == "alias" and toks[nxt].key in schema.enums)
            or (prev >= 0 and toks[prev].kind == "alias" and toks[prev].key in schema.enums)
        ):
            t.kind = "other"  # 做了抗原: the verb of another field's word (抗原 has no 已做), no option of 核酸
            continue
        doubtful = False
        if before:
            key = before[-1]
        elif after:
            key = after[0]
        else:  # 阴性 with no field word: the first field that has it, and the parser says it is unsure
            key = next(k for k in schema.enums if k in keys)
            doubtful = len(set(keys)) > 1
        value = next(v for k, v in cands if k == key)
        neg = _back(toks, i - 1, ("fill", "all", "yes"))
        if neg >= 0 and toks[neg].kind == "neg" and not toks[neg].used and neg == i - 1:
            toks[neg].used = True  # 不是阳性 / 非黄码: no option stated
            _done(t)
            continue
        out.append(("field", key, "option", value))
        if doubtful:
            out.append(("doubt", key, "", None))
        taken.add(key)
        _done(t)
    for j, key in enum_aliases:
        if key in taken:
            _done(toks[j])
    return out


def remarks_as_prose(stmts: list[Any], toks: list[Tok], prose: tuple[str, ...]) -> list[Any]:
    """A clause that says nothing but a remark (``老人住院了``) is prose: the whole clause is the note, so
    its statements (the remark's note) are dropped and the caller keeps the clause's text."""
    if stmts and all(s.kind == "note" and s.how == "remark" for s in stmts):
        if all(t.kind in prose for t in toks):
            return []
    return stmts
