"""Step 6b, bind: a clause's tokens become statements (this field has that value, a temperature, …).

The many ways members state one fact (``无返乡`` / ``返乡:0`` / ``2人返乡`` / ``返乡人员2人`` / ``1人发烧37.5``)
all end here as the same small :class:`Stmt`, so that accumulation never looks at wording. The rules run
in a fixed order (negation before, count-and-temperature, value after, count before, presence); see
:mod:`bot.parser`, step 6.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from bot.parser.doubts import TOTAL_WORDS, missing_counts
from bot.parser.options import bind_options
from bot.parser.schema import Schema
from bot.parser.tokens import Tok, is_temp3, schema_normal, temp_of
from bot.parser.vocab import (
    CJK_RE,
    DATE_UNITS,
    HOUSEHOLD_UNITS,
    NONE_CELLS,
    NORMAL_STRONG,
    NORMAL_WEAK,
    PERSON_UNITS,
)

#: Verbs between a field word and its count (``亲戚来访2人``, ``儿子回来了2个人``).
_GAP_VERB_RE = re.compile(
    r"(?:来访|到访|探访|探亲|拜访|过来|回来|来家|来|到家|到|走亲戚|串门|务工|打工|上班|上学|共|了|的|一家|全家)+"
)
#: What may stand between a count of people and its field word (``2名学生放假回来了``, ``2人从武汉返乡``):
#: a few words that are neither a negation nor another count.
_COUNT_GAP_RE = re.compile(r"[\u4e00-\u9fff]{1,6}")
#: ``2个孩子放寒假从学校回来了``: a count of people named by what they are may stand further from its field word.
_PEOPLE_GAP_RE = re.compile(r"(?:孩子|小孩|学生|老人|大人|年轻人|娃儿?|儿子|女儿|闺女|孙子|孙女|亲戚|客人)[\u4e00-\u9fff]{0,10}")
#: A note field written empty in a clause of these words (``异常情况：无``) is a strong "all normal".
_STRONG_NORMAL_NOTE_RE = re.compile(r"异常|特殊|其他|其它|健康")

#: Verbs a negation after a field word may belong to (``外出未归``: out, not back — not "no outing").
_NEG_VERBS = set("归回到见测在返去来退止降")


@dataclass
class Stmt:
    """One thing a clause says, about whatever the clause's target is."""

    kind: str  # field temp temp3 households people normal note reading doubt
    key: str | None = None
    #: field: count none yes presence normal add (symptoms) option (enum); note: remark status;
    #: people: total (共计3人) or part (1人在县城上班); temp: scaled (体温365);
    #: doubt: missing (a count without its number) or "" (a value that cannot be trusted)
    how: str = ""
    value: Any = None
    quiet: bool = False  # a count taken over from the statement before it (no warning of its own)
    each: bool = False  # said of each of several households (``各`` ``都`` ``分别``), not of all together


def _skip(toks: list[Tok], j: int, step: int) -> int:
    n = len(toks)
    while 0 <= j < n and (
        toks[j].kind in ("fill", "all") or (toks[j].kind == "other" and toks[j].text in ("人",))
    ):
        j += step
    return j


#: How a value token binds to the field word next to it, by the token's kind.
_VALUE_HOW = {"num": "num", "neg": "none", "yes": "yes", "normal": "normal"}


def _take(bound: dict[int, tuple[str, Any]], i: int, v: Tok, kinds: tuple[str, ...], count_ok: bool) -> None:
    """Bind the value token ``v`` to the field word at ``i`` when it is one of ``kinds`` (a number only when
    ``count_ok`` and not an ordinal ``第3``), and mark it used."""
    if v.kind not in kinds or (v.kind == "num" and (v.ordinal or not count_ok)):
        return
    how = _VALUE_HOW[v.kind]
    bound[i] = (how, v if how == "num" else None)
    v.used = True


#: a token's kind (for ``map``: the kinds of a clause without a comprehension's frame per clause)
_KIND = attrgetter("kind")


def bind(toks: list[Tok], schema: Schema, clause_text: str, warnings: list[str]) -> list[Stmt]:
    """Turn one clause's tokens into statements (see :mod:`bot.parser`, step 6)."""
    kinds = set(map(_KIND, toks))  # the rules below look for kinds a clause mostly does not have
    opts = bind_options(toks, schema, kinds)
    out: list[Stmt] = [Stmt(kind, key, how, value) for kind, key, how, value in opts] if opts else []
    missing = missing_counts(toks, schema) if "alias" in kinds or "fill" in kinds else ()
    if missing:
        out += [Stmt("doubt", key, "missing") for key in missing]
    n = len(toks)
    for i, t in enumerate(toks if "ambig" in kinds else ()):  # 外2 / 无外: a short form two fields share — both are in doubt
        if t.kind == "ambig" and schema.temperature in t.keys and i + 1 < n and _reading(toks[i + 1]):
            t.kind, t.key = "alias", schema.temperature  # 体36.6: only a temperature looks like that
        if t.kind == "ambig":
            out += [Stmt("doubt", key) for key in t.keys]
            t.used = True
            if i + 1 < n and toks[i + 1].kind == "num":
                toks[i + 1].used = True
            elif i > 0 and toks[i - 1].kind == "neg":
                toks[i - 1].used = True
    bound: dict[int, tuple[str, Any]] = {}

    if "alias" in kinds or "ambig" in kinds:  # (an ambig may have become an alias)
        _bind_aliases(toks, schema, clause_text, "neg" in kinds, bound)

    for i, t in enumerate(toks):
        if i in bound:
            out.extend(_field_stmts(t.key, bound[i], schema, warnings, clause_text))
            continue
        if t.used:
            continue
        if t.kind == "hh":
            j = _skip(toks, i + 1, 1)
            if j < n and toks[j].kind == "num" and not toks[j].used:
                toks[j].used = True
                out.append(Stmt("households", value=int(toks[j].value or 0)))
        elif t.kind == "num" and not t.ordinal:
            temp = temp_of(t, False)
            if temp is not None:
                out.append(Stmt("temp", value=temp))
            elif t.unit in HOUSEHOLD_UNITS and isinstance(t.value, int):
                out.append(Stmt("households", value=t.value))
            elif (
                isinstance(t.value, int) and schema.visitors and i > 0 and toks[i - 1].kind == "other"
                and _CAME_RE.search(toks[i - 1].text) and t.unit in PERSON_UNITS
                and not any(x.kind in ("alias", "done") for x in toks)
            ):  # 今天来了三个人: people who came, not the household's
                out.append(Stmt("field", schema.visitors, "count", t.value))
            elif isinstance(t.value, int) and _people_count(toks, i):
                total = i > 0 and toks[i - 1].kind == "fill" and toks[i - 1].text in TOTAL_WORDS
                # 1人在县城上班: what some of the household's people do, not how many it has
                part = not total and i + 1 < n and toks[i + 1].kind == "other" and len(toks[i + 1].text) >= 2
                out.append(Stmt("people", how="total" if total else ("part" if part else ""), value=t.value))
            elif is_temp3(t) is not None:
                out.append(Stmt("temp3", value=is_temp3(t)))
        elif t.kind == "normal":
            if _normal_strength(t.text, toks):
                out.append(Stmt("normal", how="strong"))
    return out


def _bind_aliases(
    toks: list[Tok], schema: Schema, clause_text: str, negations: bool, bound: dict[int, tuple[str, Any]]
) -> None:
    """Bind the field words of a clause to their values (rules 1 to 5, into ``bound``: token index -> how);
    ``negations``: whether the clause has a negation token."""
    n = len(toks)
    # 1. negation before aliases: 无返乡 / 没有外来人 / 无发热、返乡人员
    for i, t in enumerate(toks if negations else ()):
        if t.kind != "neg" or t.used:
            continue
        j = _skip(toks, i + 1, 1)
        if j + 1 < n and toks[j].kind == "other" and len(toks[j].text) <= 4 and toks[j + 1].kind == "alias":
            j += 1  # 无湖北返乡人员 / 无人外出
        hit = False
        while j < n and toks[j].kind == "alias" and j not in bound:
            bound[j] = ("none", None)
            hit = True
            j = _skip(toks, j + 1, 1)
        if hit:
            t.used = True

    # 2a. a count before and a temperature after: 1人发烧37.5
    for i, t in enumerate(toks):
        if t.kind != "alias" or i in bound or t.key in (schema.note, schema.temperature, schema.people):
            continue
        j = _skip(toks, i + 1, 1)
        k = _skip(toks, i - 1, -1)
        if j < n and k >= 0 and temp_of(toks[j], False) is not None and not toks[j].used:
            before = toks[k]
            if before.kind == "num" and not before.used and before.unit in PERSON_UNITS:
                before.used = toks[j].used = True
                bound[i] = ("count_temp", (before, toks[j]))

    # 2. alias followed by its value: 返乡:0 / 体温36.5 / 外出:是 / 发热无 / 体温正常 / 备注:…
    for i, t in enumerate(toks):
        if t.kind != "alias" or i in bound:
            continue
        if t.key == schema.note:
            label = schema.fields[t.key].label == t.text
            if not label and any(x.kind in ("num", "alias", "yes", "hh") for x in toks[i + 1 :]):
                bound[i] = ("label", None)  # 排查情况:共10户 — a heading, not a note
                continue
            rest = "".join(x.text for x in toks[i + 1 :] if x.kind != "paren").strip(" :=")
            for x in toks[i + 1 :]:
                x.used = True
            only_normal = all(x.kind in ("normal", "fill", "all", "paren") for x in toks[i + 1 :])
            if not rest or rest in NONE_CELLS or schema_normal(rest) or only_normal:  # 情况都还可以没啥特殊的
                strong = bool(_STRONG_NORMAL_NOTE_RE.search(clause_text))
                bound[i] = ("normal_note", strong)
            else:
                bound[i] = ("note", rest)
            continue
        j = _skip(toks, i + 1, 1)
        if (
            j + 1 < n
            and toks[j].kind in ("other", "remark")  # 外出上班2人: 上班 is a remark (and the verb here)
            and _GAP_VERB_RE.fullmatch(toks[j].text)
            and toks[j + 1].kind == "num"
            and toks[j + 1].unit in PERSON_UNITS
        ):
            j += 1  # 亲戚来访2人 / 儿子回来了2个人: the count after the verb is the field's
        if j < n and not toks[j].used:
            v = toks[j]
            verb = (
                v.kind == "neg"
                and j + 1 < n
                and toks[j + 1].kind == "other"
                and toks[j + 1].text[0] in _NEG_VERBS
            )
            kinds = ("num", "yes", "normal") if verb else ("num", "neg", "yes", "normal")
            if v.kind == "yes" and v.text == "是" and j + 1 < n and toks[j + 1].kind == "other":
                kinds = ("num", "normal")  # 亲戚是从县城过来的: a copula, not 外出:是
            _take(bound, i, v, kinds, count_ok=not v.unit or v.unit not in DATE_UNITS)

    # 3. a count before the alias: 2人返乡 / 1人发热; 4. a yes-word before it: 有发热 / 已返乡
    for i, t in enumerate(toks):
        if t.kind != "alias" or i in bound or t.key == schema.note:
            continue
        j = _skip(toks, i - 1, -1)
        if j >= 1 and toks[j].kind == "yes" and toks[j - 1].kind == "num" and not toks[j - 1].used:
            j -= 1  # 1人已返乡
        elif (
            j >= 1
            and toks[j].kind == "other"
            and (_COUNT_GAP_RE.fullmatch(toks[j].text) or _PEOPLE_GAP_RE.fullmatch(toks[j].text))
            and toks[j - 1].kind == "num"
            and toks[j - 1].unit in ("人", "名", "位", "个", "个人", "口", "口人")
            and not toks[j - 1].used
        ):
            j -= 1  # 2名学生放假回来了 / 2人从武汉回来 / 一家三口从深圳回来了
        elif (k := _people_before(toks, i)) >= 0:
            j = k  # 仨孩子都放假回来了
        if j >= 0 and not toks[j].used:
            v = toks[j]
            _take(bound, i, v, ("num", "yes"), count_ok=v.unit in PERSON_UNITS + HOUSEHOLD_UNITS + ("",))

    # 5. aliases still unbound: presence (儿子从武汉回来了 → returned 1)
    for i, t in enumerate(toks):
        if t.kind == "alias" and i not in bound and t.key != schema.note and not t.used:
            bound[i] = ("presence", None)


def _reading(tok: Tok) -> bool:
    """A number that can only be a temperature reading (``36.6``, ``37.5℃``)."""
    return tok.kind == "num" and isinstance(tok.value, float) and temp_of(tok, True) is not None


#: ``老人一个`` / ``孩子两个``: a person word before ``N个`` makes it a people count.
_PERSON_BEFORE_RE = re.compile(r"(?:人|老人|大人|小孩|孩子|儿子|女儿|闺女|孙子|孙女|老伴|成员|家属|住户)$")


def _people_before(toks: list[Tok], i: int) -> int:
    """The count of a field word's people said a few words before it, with what they are (``3孩子都放假回来了``,
    ``两个学生也都回来了``): the number token's index, or -1."""
    width = 0
    j = i - 1
    while j >= 1 and toks[j].kind in ("other", "all", "fill") and width <= 14:
        width += len(toks[j].text)
        j -= 1
    for k in range(j, i - 1):
        t = toks[k]
        if t.kind != "num":
            continue
        after = toks[k + 1] if k + 1 < i else None
        if (
            after is not None and after.kind == "other" and _PEOPLE_GAP_RE.match(after.text)
            and not t.used and t.hi is None and isinstance(t.value, int) and 0 < t.value <= 30
            and t.unit in ("", "个", "名", "位", "人", "口")
        ):
            return k
    return -1


#: A coming right before a count of people (``来了三个人``, ``家里来了2位``), not a coming back (``回来了``).
_CAME_RE = re.compile(r"(?<![回返])(?:来了|过来了|来)$")


_PERSON_AFTER_RE = re.compile(r"(?:老的?$|老的|老人|大人|小孩|孩子|人)")


def _people_count(toks: list[Tok], i: int) -> bool:
    """Whether the number token ``toks[i]`` (bound to no field) counts the people: ``4人`` / ``两位`` /
    ``一名`` / ``老人一个``."""
    unit = toks[i].unit
    if unit in ("人", "口人", "个人", "口", "名", "位"):
        return True
    if unit == "个" and i > 0 and toks[i - 1].kind == "other" and _PERSON_BEFORE_RE.search(toks[i - 1].text):
        return True
    nxt = toks[i + 1] if i + 1 < len(toks) else None  # 两个老的 / 三个大人
    return unit == "个" and nxt is not None and nxt.kind == "other" and bool(_PERSON_AFTER_RE.match(nxt.text))


def tail_note(toks: list[Tok]) -> str:
    """``…2人已登记`` / ``…38.5℃已送医院``: an ``已…`` remark after a clause's statements."""
    k = n = len(toks)
    while k > 0 and toks[k - 1].kind in ("yes", "other", "fill") and not toks[k - 1].used:
        k -= 1
    if k == 0 or k == n:
        return ""  # (all of it, or nothing, is the tail)
    tail = "".join(t.text for t in toks[k:])
    if k == 0 or not tail.startswith(("已", "正在")) or len(CJK_RE.findall(tail)) < 3:
        return ""
    return tail


#: The words around a weak normal-word that still make it a report statement (``各户身体都好``).
_REPORT_WORDS_RE = re.compile(
    r"报告一下|报告|汇报|我这边|这边|那边|这里|我这|我包联|我包|我管|我负责|走访了|走访|问了|看了|查了|过了|都|一下|"
    r"那个|这个|早上|上午|下午|晚上|打电话|电话|问过|跑了|说|"
    r"[哈啦呀哦啊嘛吧噢喔哇咧嘞]|"
    r"今日|今天|目前|现在|本网格|网格|我们|我|各户|所有|住户|农户|家庭|家里|屋里|组里|大家|身体|一切|情况|村|全组|本组|"
    r"人员|全体|其余|其他|其它|剩下|剩余|余下|别的|余|老人|小孩|孩子|儿子|女儿|孙子|孙女|老伴|"
    r"户|家|人|也|还|着呢|呢|的|老|子"
)


#: the units of a count a free normal-word may be said of (households, people)
_COUNTED_UNITS = HOUSEHOLD_UNITS + ("人", "口人", "个人", "口", "个")


def _normal_strength(text: str, toks: list[Tok]) -> bool:
    """Whether a free normal-word is a report statement (``均正常``) rather than chat (``天气正常``)."""
    if text in NORMAL_STRONG or text not in NORMAL_WEAK:
        return True
    for t in toks:  # (a loop, not any(...) of a generator)
        if t.kind == "num" and t.unit in _COUNTED_UNITS:
            return True  # 13户都没有事 / 俩人都好好的: said of the households or people counted
    other = "".join([t.text for t in toks if t.kind == "other"])
    return not _REPORT_WORDS_RE.sub("", other)


def _field_stmts(
    key: str | None, how: tuple[str, Any], schema: Schema, warnings: list[str], clause: str
) -> list[Stmt]:
    if key is None:
        return []
    f = schema.fields[key]
    kind, val = how
    if kind == "label":
        return []
    if kind == "count_temp":
        count, temp = val
        return [Stmt("temp", value=temp_of(temp, False)), Stmt("field", key, "count", count.value)]
    if kind == "note":
        return [Stmt("note", value=val)]
    if kind == "normal_note":
        return [Stmt("normal", how="strong")] if val else []
    if f.type == "temperature":
        if kind == "num":
            temp = temp_of(val, True)
            if temp is None:
                warnings.append(f"“{clause}”中的体温看不懂，已忽略")
                return [Stmt("doubt", key)]  # 体温3.65: asked about, not dropped
            scaled = isinstance(val.value, int) and val.value >= 100
            return [Stmt("temp", value=temp, how="scaled" if scaled else "")]
        if kind in ("normal", "none"):
            return [Stmt("field", key, "normal")]
        return []
    if kind == "num":
        temp = temp_of(val, False)
        if temp is not None:  # 发热37.5: a temperature, and the field is present
            return [Stmt("temp", value=temp), Stmt("field", key, "presence")]
        if not isinstance(val.value, int):
            return []
        if key == schema.people:
            return [] if val.unit in HOUSEHOLD_UNITS else [Stmt("people", value=val.value)]
        return [Stmt("field", key, "count", val.value)]
    if key == schema.people:
        return []
    return [Stmt("field", key, kind)]
