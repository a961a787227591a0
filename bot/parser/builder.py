"""Steps 4–7 for one member: feed a message's lines, units and clauses and accumulate what they say.

This is where the stages meet: each unit is segmented into clauses, names are resolved, the clause is
tokenised and bound, and the statements go to the target the clause is about (the named households, the
whole grid, or "the rest" after ``其余`` / ``除…外``). What the clauses say is stored by the
:class:`~bot.parser.accumulate.Accumulator` this class extends; :mod:`bot.parser.assemble` makes the report.
"""

from __future__ import annotations

import re

from bot.core.model import Member
from bot.parser.accumulate import Accumulator, Target
from bot.parser.bind import Stmt, bind, tail_note
from bot.parser.context import Ctx
from bot.parser.doubts import close_gaps, hedged
from bot.parser.mentions import mere_mention
from bot.parser.names import HouseholdNames, Ref, looks_like_name
from bot.parser.options import remarks_as_prose
from bot.parser.schema import Schema
from bot.parser.segment import clauses, prepare_unit, restore, split_connectors, split_glued, units
from bot.parser.table import cell_stmts, read_table, row_name, total_people
from bot.parser.tokens import Tok, bare_count, has_prose, schema_normal, tokenize
from bot.parser.vocab import (
    CJK_RE,
    CORRECTION_NOISE_RE,
    CORRECTION_RE,
    EXC_MARK,
    EXCEPT_AFTER_RE,
    EXCEPT_PAREN_RE,
    EXCEPT_RE,
    LIST_MARK_RE,
    NONE_CELLS,
    PAREN_BASE,
    PLACEHOLDER_RE,
    REST_NORMAL_RE,
    REST_RE,
    REST_WEAK_RE,
    SAME_RE,
    TOTAL_ROW,
)

#: Token kinds of a clause that is prose (a note), not a statement: ``已就医``, ``儿子在县城上班``.
_PROSE = ("other", "fill", "all", "yes", "paren", "remark", "neg")


#: An open event: the target, the count field stated without its count, whether one person is meant.
_Event = tuple[Target, str, bool]

#: Words for one person (``儿子回来了``): a count after them is not how many came.
_ONE_PERSON_RE = re.compile(
    r"儿子|女儿|闺女|老伴|媳妇|儿媳|女婿|孙子|孙女|外孙|父亲|母亲|爸爸|妈妈|老人|丈夫|妻子|哥哥|姐姐|弟弟|妹妹|"
    r"(?<![\d两几])个(?=[\u4e00-\u9fff])"  # 来了个亲戚
)


#: What ends a household's block of lines: a list marker, the member's counts, the rest, an exception,
#: another member's or the whole grid's words.
_NEW_ENTRY_RE = re.compile(
    r"^\s*(?:\(?\d{1,3}[.、:)\]](?!\d)|\d{1,3}\s)|\d\s*户|"
    r"(?:其余|其他|其它|剩下|剩余|余下|别的)(?!的?\s*\d+\s*(?:口人|个人|人|口|位|名))|"  # not 其他2人: its people
    r"(?<![\u4e00-\u9fff])余|包联|包户|"
    r"网格|大家|各户|所有|全体|全部|除|接龙|合计|总计"
)
#: Words that join several people (``儿子和儿媳``): not one person.
_SEVERAL_RE = re.compile(r"[们等和及与、]")
#: A field's label at the start of a clause (``返乡人员：``).
_LABEL_RE = re.compile(r"^\s*([^:]{1,8}):")
#: 家 / 户 at the end of a table's name cell.
_NAME_SUFFIX_RE = re.compile(r"(?:家|户)$")
#: A count of households right before a parenthesis (``15户（46人）``).
_HOUSEHOLDS_END_RE = re.compile(r"\d\s*户$")
#: A character each correction word (CORRECTION_RE, 不是, 改为, 改成) starts with.
_CORRECTION_CHARS = frozenset("更纠改修订不")
#: A character every rest word (REST_RE, REST_NORMAL_RE, REST_WEAK_RE) has: a clause without one is no rest.
_REST_CHARS = frozenset("其剩余别")
#: A blanket quantifier: after a finished line, ``体温均正常`` may speak of the whole grid.
_QUANTIFIER_RE = re.compile(r"[均都全皆各]")


def continues(prev: str, line: str) -> bool:
    """Whether ``line`` goes on with the household(s) the line before it ended on: no new entry starts
    (see ``_NEW_ENTRY_RE``), and either the line before broke off (``，`` ``、`` ``：``) or this one
    states nothing of the whole grid (no 均/都/全)."""
    if not prev.strip() or not line.strip() or _NEW_ENTRY_RE.search(line):
        return False
    return prev.rstrip()[-1:] in ",、;:，；：" or not _QUANTIFIER_RE.search(line)


def _count_only(toks: list[Tok]) -> int | None:
    """The count of a clause that is nothing but a count of people (``两个``, ``2人``, ``共计3人``)."""
    rest = [t for t in toks if t.kind != "fill"]
    if len(rest) != 1 or rest[0].kind != "num" or rest[0].hi is not None or not isinstance(rest[0].value, int):
        return None
    if rest[0].unit not in ("人", "口人", "个人", "口", "名", "位", "个") or not 0 < rest[0].value <= 30:
        return None
    return rest[0].value


#: A line that cannot stand alone: a negation (``也没``) or a field's label (``体温：``) waiting for its words.
_OPEN_LINE_RE = re.compile(r"^\s*(?:(?:也|都|还|并|均)?(?:没有|没|无|未)|[\u4e00-\u9fff]{1,6}\s*:)\s*$")
#: A line that ends with a count of people (``4口人``): a 都 on the next line is of those people.
_PEOPLE_END_RE = re.compile(r"\d\s*(?:口人|个人|人|口)(?:在家|在外|外出)?\s*$")
#: Words before a count that make it a part of the household (``其中2人`` / ``有2人`` / ``另有1人``).
_PART_LEADS = ("其中", "另外", "还有", "另")


def _part_count(toks: list[Tok]) -> int | None:
    """The count of a clause that is only a part of the household's people (``其中2人``, ``其中有2人``,
    ``有1人``): what the next statement says is said of them."""
    rest = [t for t in toks if t.kind != "fill"]
    lead = 0
    while lead < len(rest) and (
        (rest[lead].kind == "other" and rest[lead].text in _PART_LEADS)
        or (rest[lead].kind == "yes" and rest[lead].text == "有")
    ):
        lead += 1
    return _count_only(rest[lead:]) if lead else None


#: ``36度多`` (36 and some): a whole number of degrees with 多 after it.
_SOME_DEGREES_RE = re.compile(r"(?<![\d.])(3[4-9]|4[0-2])\s*℃?\s*多")
#: ``其余2人`` / ``其他3口人`` after a household: its other people (not the other households).
_OWN_REST_RE = re.compile(r"^\s*(?:其余|其他|其它|剩下|剩余|余下|另外)(?:的)?(?=\s*\d+\s*(?:口人|个人|人|口|位|名))")
#: Where a person came from (``从广州回来的``, ``从县城过来``): kept in the note.
_ORIGIN_RE = re.compile(r"从[\u4e00-\u9fff]{1,8}?(?=回来|回家|回村|回到|返乡|返回|返村|过来|来的|来了|赶回|到家|$)")
#: Readings of one household taken more than once (``量了两次``) or written as a pair (``36.6和37.4``).
_MEASURED_RE = re.compile(r"(?:量|测)(?:了|过)?(?:\d+|几|[一两二三四五])(?:次|遍|回)|(?:早晚|上下午)各(?:量|测)")
_TEMP_PAT = r"(?:3[4-9]|4[0-2])(?:\.\d)?℃?"
_ONE_TEMP_RE = re.compile(rf"(?<![\d.]){_TEMP_PAT}(?![\d.])")
_TEMPS_RE = re.compile(rf"(?<![\d.]){_TEMP_PAT}(?:\s*(?:和|跟|与|及|、|,|/|\s)\s*{_TEMP_PAT}(?![\d.]))+")


#: What a clause without a parenthesis has of them: (people, ids, refs, statements, annotation, loose ones).
_NO_PARENS: tuple[None, tuple[()], tuple[()], tuple[()], str, tuple[tuple[()], str]] = (None, (), (), (), "", ((), ""))


def several_readings(unit: str) -> str:
    """The readings of a unit that are one household's several readings (``量了两次，36.6和37.4``,
    ``体温36.6跟37.4``), as written; "" when the unit has none (``36.5 36.6 36.3``: several people's)."""
    m = _TEMPS_RE.search(unit)
    if m is not None and re.search(r"和|跟|与|及", m.group(0)):
        return m.group(0).strip()
    measured = _MEASURED_RE.search(unit) if "量" in unit or "测" in unit else None  # (it has one of them)
    if measured is None:
        return ""
    temps = list(_ONE_TEMP_RE.finditer(unit, measured.start()))
    if len(temps) < 2:
        return ""
    return unit[measured.start() : temps[-1].end()].strip()  # 量了两回一次36.8一次37.2


def _all_prose(toks: list[Tok]) -> bool:
    """Whether every token is prose: words, an age (``老人80岁了行动不便``) and an ordinal (``第3天``).
    (A loop, not all(...) of a generator: this runs for many clauses of a chain.)"""
    for t in toks:
        if not (t.kind in _PROSE or (t.kind == "num" and (t.ordinal or t.unit == "岁"))):
            return False
    return True


def _all_mere_mentions(refs: list[Ref], before: str) -> bool:
    """Whether every household of ``refs`` is named only in passing (:func:`mere_mention`)."""
    for r in refs:
        if not mere_mention(r, before + r.before):
            return False
    return True


def _anomaly_counts(stmts: list[Stmt], schema: Schema) -> bool:
    """Whether a clause's statements are only counts (or mentions) of anomaly fields (``隔离2人``, ``外来1``)."""
    fields = schema.fields
    for x in stmts:  # (a loop: this runs for every clause)
        if not (
            x.kind == "field" and x.how in ("count", "presence", "yes") and fields[x.key or ""].anomaly
            and fields[x.key or ""].type in ("int", "bool_int")
        ):
            return False
    return bool(stmts)


def _only_names(rest: str, schema: Schema) -> bool:
    """Whether what a clause says besides its household names is nothing (``钱明亮家``)."""
    return all(t.kind in ("fill", "other") and not t.text.strip(" 家户的:") for t in tokenize(rest, schema))


def _each(toks: list[Tok]) -> bool:
    """Whether a clause speaks of each of its households: ``各`` / ``都`` / ``均`` / ``分别``."""
    return any((t.kind == "all" and t.text in ("各", "都", "均")) or "分别" in t.text for t in toks)


def _hedge_doubts(stmts: list[Stmt], temperature: str | None) -> list[Stmt]:
    """The doubts of a hedged clause: every field (and temperature) it states as present."""
    keys = [x.key for x in stmts if x.kind == "field" and x.how in ("count", "yes", "presence") and x.key]
    if temperature and any(x.kind in ("temp", "temp3") for x in stmts):
        keys.append(temperature)
    return [Stmt("doubt", k) for k in dict.fromkeys(keys)]


class Builder(Accumulator):
    """Collects one member's report from the units of a message."""

    def __init__(self, ctx: Ctx, member: Member) -> None:
        super().__init__(ctx, member)
        self.names = HouseholdNames(ctx, member, self.warnings, self.own_names)
        self._tail: list[Ref] | None = None  # the households the last unit ended on
        #: ``其中2人⏎外出务工``: a part's count held for the statement after it (target, count, what the
        #: clause said on its own, applied if no statement takes the count)
        self._held: tuple[Target, int, list[Stmt]] | None = None

    def feed(self, text: str, first_refs: list[Ref] | None = None) -> list[Ref]:
        """Feed the lines of a message (or of one chain entry). Returns the refs found at the first unit."""
        lines = self.schema.fix_typos(text).split("\n")
        if len(lines) > 1:  # (a single line, as most chain entries are, joins with nothing)
            lines = self._join_lists(lines)
        carry: list[Ref] | None = list(first_refs) if first_refs else None
        found: list[Ref] = []
        first = True
        i = 0
        prev = ""
        self._tail = None
        while i < len(lines):
            end = self._table(lines, i) if i + 1 < len(lines) else i  # (a table has a header and rows)
            if end > i:
                i = end
                carry = self._tail = None
                continue
            line = lines[i]
            i += 1
            # 王建国家4人，⏎体温36.5⏎无返乡: one household's report broken over lines goes on being its
            follows = self._tail is not None and carry is None and (continues(prev, line) or (
                self.totals["households"] is None and continues(prev + ",", line)
                and _PEOPLE_END_RE.search(prev) is not None and len(self.accs) == 1 and not self.sinks
            ))  # 高丽娟家⏎4口人⏎体温都正常 / …2人在家⏎都正常: 都 is of the one household's people
            tail = self._tail if follows else None
            prev = line
            for k, unit in enumerate(units(line, self.ctx.parens)):
                if k == 0 and tail:
                    refs, carry = self.feed_unit(unit, tail, continued=True)
                else:
                    refs, carry = self.feed_unit(unit, carry)
                if first:
                    found = refs
                    first = False
        self._release_held()
        return found

    def _release_held(self) -> None:
        """A part's count that no statement took is stated as the clause said it (a people count)."""
        if self._held is not None:
            target, _n, stmts = self._held
            self._held = None
            self.apply(stmts, target)

    def _approximate(self, stmts: list[Stmt], clause: str) -> list[Stmt]:
        """``36度多`` / ``37度多``: a temperature of that many degrees and some: no reading. Below the fever
        threshold whatever the tenths (36度多) it is a normal temperature; else (37度多) it is asked about."""
        m = _SOME_DEGREES_RE.search(clause)
        t_key = self.schema.temperature
        if m is None or t_key is None:
            return stmts
        whole = float(m.group(1))
        out: list[Stmt] = []
        for x in stmts:
            if x.kind == "temp" and x.value == whole:
                if whole + 1 <= self.ctx.template.fever_threshold:
                    out.append(Stmt("field", t_key, "normal"))
                else:
                    out += [x, Stmt("doubt", t_key)]
            else:
                out.append(x)
        return out

    def _holds_for(self, target: Target) -> bool:
        """Whether a part's count is held for this household (see :meth:`_take_held`)."""
        held = self._held
        return (
            held is not None
            and target.kind == "hh"
            and [id(a) for a in target.accs] == [id(a) for a in held[0].accs]
        )

    def _take_held(self, stmts: list[Stmt], target: Target) -> list[Stmt]:
        """``其中2人⏎外出务工`` / ``其中1人，发烧``: the statement right after a part's count, about the same
        household, without a count of its own, is about those people: a count field takes the count; a
        symptom takes it as the number of the sick (not the household's people)."""
        held = self._held
        if held is None:
            return stmts
        n = held[1]
        if self._holds_for(target):
            for i, x in enumerate(stmts):
                f = self.schema.fields.get(x.key or "") if x.kind == "field" else None
                if f is None:
                    continue
                if x.how in ("presence", "yes") and f.type in ("int", "bool_int", "bool"):
                    self._held = None
                    return [*stmts[:i], Stmt("field", x.key, "count", n), *stmts[i + 1 :]]
                if x.how == "add":
                    self._held = None
                    return stmts
        self._release_held()
        return stmts

    def _join_lists(self, lines: list[str]) -> list[str]:
        """A list broken over lines is one list: a line ending with ``、`` (or a line starting with it) goes
        on on the next line, and a line of symptoms closed by ``等`` (``乏力等症状``) goes on with the line
        before it when that one ended with a symptom (``没有咳嗽⏎乏力等症状``): what the list's first
        words say (a negation) holds for all of it."""
        out: list[str] = []
        for line in lines:
            if out and out[-1].strip() and line.strip():
                prev = out[-1].rstrip()
                nxt = line.lstrip()
                if prev.endswith("、") or nxt.startswith("、") or _OPEN_LINE_RE.match(prev):
                    out[-1] = prev + nxt  # 没有咳嗽、⏎乏力 / 也没⏎外出 / 体温：⏎36.5、36.8
                    continue
                if self.schema.sym_tail_re.search(prev) and self.schema.sym_list_re.match(nxt):
                    out[-1] = prev + "、" + nxt
                    continue
            out.append(line)
        return out

    def feed_unit(
        self, unit: str, carry: list[Ref] | None, continued: bool = False
    ) -> tuple[list[Ref], list[Ref] | None]:
        """Feed one unit (a line or a sentence of one). Returns (refs named at its start, refs to carry on).

        The target starts as the member's whole grid ("all"), or the households carried over from a
        name-only line. A clause that names households switches the target to them (names joined by ``、``
        share the next statement); ``其余`` and the place of a ``除…外`` phrase switch to "the rest".
        """
        unit = close_gaps(prepare_unit(unit))
        if SAME_RE.search(unit):
            self.same = True
            unit = SAME_RE.sub(" ", unit)
        if not _CORRECTION_CHARS.isdisjoint(unit) and (
            CORRECTION_RE.search(unit) or "不是" in unit or "改为" in unit or "改成" in unit
        ):
            unit = CORRECTION_NOISE_RE.sub(" ", CORRECTION_RE.sub(" ", unit))
        unit = LIST_MARK_RE.sub("", unit, count=1)
        self._last_count = None
        if "除" in unit:  # (both phrases have 除)
            unit = self._exceptions(unit)
        unit = split_glued(split_connectors(unit, self.ctx.index), self.ctx.index, self.schema)
        several = several_readings(unit)
        parens = PLACEHOLDER_RE.search(unit) is not None  # (else no clause of it has a parenthesis to look at)
        default = Target("all")
        target = self.target_for(carry) if carry else default
        start_refs: list[Ref] = []
        group: list[Ref] = list(carry) if carry and not continued else []
        prev_name_only = bool(carry) and not continued
        pending: Tok | None = None  # 体温 36.5: an alias waiting for its value in the next clause
        pending_target = default
        prev_negated = False
        label: Tok | None = None  # 返乡人员：王建国家儿子、李秀兰家女儿 — the label covers every name
        only_names = True
        prev_clause = ""
        event: _Event | None = None  # 来亲戚了: a field stated without its count
        enum_word: Tok | None = None  # 做了抗原: an enum field's word that ended the clause before
        held_blanket: tuple[list[Stmt], str] | None = None  # 隔离2人 钱明亮家: counts waiting for their name
        for n, (clause, sep) in enumerate(clauses(unit)):
            before, prev_clause = (prev_clause if sep == " " else ""), clause
            if EXC_MARK in clause:
                default = target = Target("rest")
                group, prev_name_only, prev_negated = [], False, False
                clause = clause.replace(EXC_MARK, "")
                if not clause.strip():
                    continue
            refs, rest = self.names.names_in_clause(clause, strict=n > 0)
            if n == 0:
                start_refs = refs
            if held_blanket is not None:
                said, note_of = held_blanket
                held_blanket = None
                if refs and _only_names(rest, self.schema):  # 隔离2人 钱明亮家: the count is the named one's
                    self.apply(said, self.target_for(refs), annotation=note_of)
                else:
                    self.apply(said, Target("all"), annotation=note_of)
            if parens:
                rest, paren_people = self._paren_people(rest, bool(refs))
                paren_ids, paren_refs, paren_stmts, annotation, loose = self._clause_parens(rest)
            else:
                paren_people, paren_ids, paren_refs, paren_stmts, annotation, loose = _NO_PARENS
            written = restore(clause, self.ctx.parens) if parens else clause
            stripped = rest.strip()
            own_rest = _OWN_REST_RE.match(rest) if target.kind == "hh" and not refs else None
            if own_rest:  # 方春生家儿子出差了，其余2人在家: the household's other people, not the other households
                rest = rest[own_rest.end() :]
                stripped = rest.strip()
            if refs:
                group = (group + refs) if prev_name_only else refs
                target = self.target_for(group)
            elif not own_rest and not _REST_CHARS.isdisjoint(rest) and (
                REST_RE.search(rest)
                or REST_NORMAL_RE.match(stripped)
                or (target.kind == "all" and REST_WEAK_RE.match(stripped))
            ):
                target = Target("rest")
            hh = target.kind == "hh"  # (the clause's target is settled: it changes no more below)
            if paren_people is not None:  # 宋宝山家（3人） / 15户（46人）
                self.apply([Stmt("people", value=paren_people)], target)
            toks = tokenize(rest, self.schema)
            meaningful = [t for t in toks if t.kind not in ("fill", "all", "other", "paren")]
            if pending is not None:
                first = meaningful[0] if meaningful else None
                if first and first.kind in ("num", "neg", "yes", "normal") and target is pending_target:
                    if toks.index(first) <= 1:
                        toks.insert(0, pending)
                        pending = None
                if pending is not None:
                    self.apply(bind([pending], self.schema, pending.text, self.warnings), pending_target)
                    pending = None
            if refs and label is not None and sep == "、" and not meaningful:
                toks.insert(0, Tok("alias", label.text, key=label.key))
                meaningful = [toks[0]]
            else:
                label = self._label_of(clause) if refs else None
            if (
                enum_word is not None and meaningful and meaningful[0].kind == "opt"
                and not any(t.kind == "alias" and t.key in self.schema.enums for t in toks)
                and enum_word.key in {k for k, _ in self.schema.opt_words.get(meaningful[0].text, ())}
            ):  # 做了抗原 阴性: the option right after its field word, in the next clause
                toks.insert(0, Tok("alias", enum_word.text, key=enum_word.key))
            last = meaningful[-1] if meaningful else None
            enum_word = last if last is not None and last.kind == "alias" and last.key in self.schema.enums else None
            negated = False
            if prev_negated and sep == "、" and meaningful and all(t.kind in ("alias", "sym") for t in meaningful):
                toks.insert(0, Tok("neg", "无"))  # 无返乡、外出人员: the negation carries over
                negated = True
            stmts = bind(toks, self.schema, written, self.warnings)
            if stmts and stmts[0].kind == "note":  # (else it is no clause of remarks only)
                stmts = remarks_as_prose(stmts, toks, _PROSE)
            if "多" in clause and stmts:
                stmts = self._approximate(stmts, clause)
            if hh and len(target.accs) > 1 and _each(toks):
                for x in stmts:
                    x.each = True  # 王建国、李秀兰家各返乡2人
            if stmts and hedged(clause):  # 听说霍建军家儿子要回来: stated, but not as a fact
                stmts += _hedge_doubts(stmts, self.schema.temperature)
            # one loop (this runs for every clause): a negation that was used, and the tokens that are no
            # filler (how many, and the last of them: the only one when there is one)
            prev_negated = False
            single: Tok | None = None
            not_fill = 0
            for t in toks:
                if t.kind == "neg" and t.used:
                    prev_negated = True
                if t.kind != "fill":
                    not_fill += 1
                    single = t
            waiting = (
                not_fill == 1
                and single is not None
                and single.kind == "alias"
                and single.key != self.schema.note
                and not single.used
                and not paren_refs
                and not negated
                and not self._holds_for(target)  # 其中1人，返乡: the word is said of those people
            )
            if waiting and single is not None:
                pending, pending_target = single, target
                stmts = [x for x in stmts if not (x.kind == "field" and x.key == single.key)]
            if own_rest and not any(t.kind == "alias" and t.key == self.schema.people for t in toks):
                stmts = [x for x in stmts if x.kind != "people"]  # 其余2人正常: not the household's size
            if self._held is not None and (stmts or meaningful):
                stmts = self._take_held(stmts, target)
            if event is not None or (hh and stmts):  # (else there is no event to open or close)
                stmts, event = self._events(stmts, toks, target, clause, event)
            part = _part_count(toks) if hh and not refs else None
            if part is not None:
                self._held, stmts = (target, part, stmts), []
            if hh and not stmts and len(toks) == 1 and (
                bare_count(toks[0]) or (toks[0].unit == "个" and _count_only(toks) is not None)
            ):
                # 王建国 4 36.5: a bare small number on a household's line is its people count
                stmts = [Stmt("people", value=toks[0].value)]
            elif hh and not stmts and len(toks) == 1 and toks[0].text == "√":
                stmts = [Stmt("normal", how="strong")]  # 王建国√: the household ticked off as fine
            note_annotation = (
                annotation if hh or not loose[1]
                else (f"{annotation},{loose[1]}" if annotation else loose[1])
            )
            if paren_refs:  # 发热人数:1(张三虎家,37.4): the parenthesis names the households
                p_target = self.target_for(paren_refs)
                self.apply(stmts, p_target)
                self.apply(paren_stmts, p_target)
            elif (
                refs
                and not stmts
                and not waiting
                and not annotation
                and _all_mere_mentions(refs, before)
            ):  # 王建国家门口的路又堵了 / 明天去薛文斌家看看: the household is named, not reported
                self._forget(refs)
                target, group, prev_name_only, only_names = default, [], False, True
                continue
            elif hh and not stmts and not waiting and _all_prose(toks):
                note = PLACEHOLDER_RE.sub("", rest).strip(" :,的")
                if note and CJK_RE.search(note) and note not in NONE_CELLS and not schema_normal(note):
                    self.apply([Stmt("note", value=note)], target)
                if annotation:
                    self.apply([Stmt("note", value=annotation)], target)
            elif (
                target.kind == "all" and not refs and not paren_ids and stmts and stmts[0].kind == "field"
                and _anomaly_counts(stmts, self.schema)
            ):
                # 隔离2人 钱明亮家: held, in case the next clause is the name the counts are of
                held_blanket = (stmts, note_annotation)
            else:
                self.apply(stmts, target, annotation=note_annotation)
                tail = tail_note(toks) if hh and stmts else ""
                if tail:  # 发烧38.5已送医院: what follows the statements is a note
                    self.apply([Stmt("note", value=tail)], target)
                if hh and stmts:
                    origin = (
                        _ORIGIN_RE.search(written) if "从" in written and any(x.kind == "field" for x in stmts) else None
                    )
                    if origin:  # 从广州回来的: where they came from is a note
                        self.apply([Stmt("note", value=origin.group(0))], target)
                    if several and any(x.kind in ("temp", "temp3") for x in stmts):
                        self.apply([Stmt("note", value=several)], target)  # 量了两次，36.6和37.4
                        several = ""
            if loose[0]:  # 返乡1人（已居家隔离）: what a parenthesis without names says, of the same target
                self.apply(loose[0], target)
            prev_name_only = bool(refs) and not meaningful and not paren_ids and paren_people is None
            if meaningful or paren_ids or paren_people is not None:
                only_names = False
        if pending is not None:
            self.apply(bind([pending], self.schema, pending.text, self.warnings), pending_target)
        if held_blanket is not None:
            self.apply(held_blanket[0], Target("all"), annotation=held_blanket[1])
        if event is not None:
            self._settle(event)
        carry_on = group if (only_names and group and target.kind == "hh") else None
        self._tail = (group or (carry if continued else None)) if target.kind == "hh" else None
        return start_refs, carry_on

    def _events(
        self, stmts: list[Stmt], toks: list[Tok], target: Target, clause: str, event: _Event | None
    ) -> tuple[list[Stmt], _Event | None]:
        """A count alone after its event (``来亲戚了，两个``) is the event's; an event whose count never
        comes is settled (see :meth:`_settle`). Returns the clause's statements and the open event."""
        count = _count_only(toks) if event is not None and event[0] is target else None
        if count is not None and event is not None:
            if not event[2] or count == 1:
                stmts = [Stmt("field", event[1], "count", count)]  # 来亲戚了，两个 / 回来了，共计3人
            else:  # 儿子回来了，4人: the household's people, or more who came back?
                stmts = [*stmts, Stmt("doubt", event[1]), Stmt("doubt", self.schema.people)]
        elif event is not None:
            self._settle(event)
        new = self._event_of(stmts, target, clause) if target.kind == "hh" else None
        if new is not None and event is not None and event[0] is target and event[2]:
            new = (target, new[1], True)  # 女儿返乡，已居家隔离: the same one person
        return stmts, new

    def _event_of(self, stmts: list[Stmt], target: Target, clause: str) -> _Event | None:
        """The count field a clause states without a count (``王建国家来亲戚了``), if any, and whether the
        clause names one person (``儿子回来了``): a count alone in the next clause is the field's count."""
        if target.kind != "hh":
            return None
        counted: set[str | None] | None = None
        for x in stmts:
            if x.kind != "field" or x.how not in ("presence", "yes"):
                continue
            f = self.schema.fields.get(x.key or "")
            if f is None or f.type != "int" or f.key == self.schema.people:
                continue
            if counted is None:
                counted = {y.key for y in stmts if y.kind == "field" and y.how == "count"}
            if f.key in counted:
                continue  # 外来人员：亲戚1人 — the label and its count
            last = self._last_count
            if last is not None and last[0] == self._target_key(target):
                return None  # 返乡2人，均已隔离: the same people (see Accumulator._inherit)
            one = len(_ONE_PERSON_RE.findall(clause)) == 1 and not _SEVERAL_RE.search(clause)
            return target, f.key, one
        return None

    def _settle(self, event: _Event) -> None:
        """An event whose count never came: one person (``儿子回来了``) is one; else the count is unknown
        (``有返乡人员``, ``儿子儿媳回来了``) and asked, with the one read kept."""
        target, key, one = event
        if not one:
            self.apply([Stmt("doubt", key)], target)

    def _forget(self, refs: list[Ref]) -> None:
        """Drop the households a mere mention named, unless something else was said of them."""
        for r in refs:
            acc = self.accs.get(r.name) if r.kind in ("own", "guess") else None
            if acc is not None and not acc.has_values() and acc.row is None:
                del self.accs[r.name]
                self.order.remove(r.name)
            sink = self.sinks.get((r.kind, r.name))
            if sink is not None and not sink[1].has_values() and r.kind not in ("own", "guess"):
                del self.sinks[(r.kind, r.name)]

    def _label_of(self, clause: str) -> Tok | None:
        """The field of a ``返乡人员：`` label at the start of a clause."""
        m = _LABEL_RE.match(clause)
        if not m:
            return None
        toks = [t for t in tokenize(m.group(1), self.schema) if t.kind != "fill"]
        if (
            len(toks) == 1
            and toks[0].kind == "alias"
            and toks[0].key not in (self.schema.note, self.schema.people)
        ):
            return toks[0]
        return None

    def _exceptions(self, unit: str) -> str:
        """``除霍建军家外均正常``: record the excepted households (and what the phrase says of them).

        Returns the unit with each phrase replaced by a mark; the clauses after the mark speak of the rest.
        """
        if "除" not in unit:
            return unit  # (both phrases have 除)
        for m in reversed(list(EXCEPT_AFTER_RE.finditer(unit))):
            text = m.group("c")
            for i in range(len(text) - 1):
                refs, rest = self.names.except_names(text[i:])
                if refs and not rest.strip():
                    self._except(text[i:])
                    unit = unit[: m.start() + i] + f" {EXC_MARK} " + unit[m.end() :]
                    break
        for m in reversed(list(EXCEPT_RE.finditer(unit))):
            self._except(m.group("a") or m.group("b") or "")
            unit = unit[: m.start()] + f" {EXC_MARK} " + unit[m.end() :]
        return unit

    def _except(self, text: str) -> None:
        refs, rest = self.names.except_names(text)
        for ref in refs:
            ref.strong = True
            if ref.kind in ("own", "guess") and ref.name not in self.exceptions:
                self.exceptions.append(ref.name)
        if not refs:
            return
        target = self.target_for(refs)
        rest = rest.strip(" ,:")
        if rest:
            stmts = bind(
                tokenize(rest, self.schema), self.schema, restore(rest, self.ctx.parens), self.warnings
            )
            self.apply([s for s in stmts if s.kind not in ("households",)], target)

    def _paren_people(self, rest: str, named: bool) -> tuple[str, int | None]:
        """A parenthesis that holds only a count of people, right after the household's name (``宋宝山家（3人）``)
        or a count of households (``15户（46人）``), is that target's people count: (the clause without it,
        the count), else (the clause, None)."""
        m = PLACEHOLDER_RE.search(rest)
        if m is None:
            return rest, None
        pid = ord(m.group(0)) - PAREN_BASE
        inner = self.ctx.parens[pid] if pid < len(self.ctx.parens) else ""
        before = rest[: m.start()].strip()
        households = bool(_HOUSEHOLDS_END_RE.search(before))
        if not ((named and not before) or households):
            return rest, None
        toks = [t for t in tokenize(inner, self.schema) if t.kind != "fill"]
        count = toks[0].value if len(toks) == 1 and toks[0].kind == "num" else None
        if (
            not isinstance(count, int)
            or toks[0].hi is not None
            or toks[0].unit not in ("人", "口人", "个人", "口", "名", "位")
            or not 0 < count <= (9999 if households else 30)
        ):
            return rest, None
        return rest[: m.start()] + " " + rest[m.end() :], count

    def _clause_parens(
        self, rest: str
    ) -> tuple[list[int], list[Ref], list[Stmt], str, tuple[list[Stmt], str]]:
        """The parentheses of a clause: (ids, households they name, what they say of them, other text,
        (statements of parentheses that name no household, their text))."""
        ids = [ord(c) - PAREN_BASE for c in PLACEHOLDER_RE.findall(rest)]
        refs: list[Ref] = []
        stmts: list[Stmt] = []
        texts: list[str] = []
        loose: list[Stmt] = []
        loose_texts: list[str] = []
        for pid in ids:
            inner = self.ctx.parens[pid] if pid < len(self.ctx.parens) else ""
            em = EXCEPT_PAREN_RE.match(inner)
            ex = (em.group("a") or em.group("b") or "") if em else ""
            inner_ex = EXCEPT_RE.search(inner)
            after = ""
            if inner_ex and inner[inner_ex.end() :].strip():  # （除霍建军家外均正常）
                ex, after = inner_ex.group("a") or inner_ex.group("b") or "", inner[inner_ex.end() :]
            if ex and self.names.except_names(ex)[0]:
                self._except(ex)  # 全部正常（除霍建军家体温37.5）: the exceptions of the clause
                if after:
                    toks = tokenize(after, self.schema)
                    said = bind(toks, self.schema, restore(after, self.ctx.parens), self.warnings)
                    self.apply([x for x in said if x.kind not in ("people", "households")], Target("rest"))
                continue
            p_refs, p_stmts = self._paren(inner)
            if p_refs:
                refs += p_refs
                stmts += p_stmts
                continue
            if not inner.strip():
                continue
            text = restore(inner, self.ctx.parens)
            p_stmts = [s for s in p_stmts if s.kind in ("field", "temp", "normal")]
            if p_stmts and not has_prose(inner, self.schema):
                loose += p_stmts  # 返乡1人（已居家隔离）
                loose_texts.append(text)
            else:
                loose += p_stmts
                texts.append(text)
        return ids, refs, stmts, ",".join(texts), (loose, ",".join(loose_texts))

    def _paren(self, inner: str) -> tuple[list[Ref], list[Stmt]]:
        """Households named inside a parenthesis, and what the parenthesis says about them."""
        refs: list[Ref] = []
        stmts: list[Stmt] = []
        for clause, _sep in clauses(inner):
            r, rest = self.names.names_in_clause(clause, strict=True)
            refs += [x for x in r if x.kind != "vague"]
            stmts += bind(tokenize(rest, self.schema), self.schema, clause, self.warnings)
        return refs, stmts

    def _table(self, lines: list[str], i: int) -> int:
        """Read a table whose header is ``lines[i]``; returns the index after it (``i`` if no table)."""
        end, cols, rows = read_table(lines, i, self.schema)
        for row_no, row in enumerate(rows, 1):
            self._table_row(cols, row, row_no)
        return end

    def _table_row(self, cols: list[str | None], row: list[str], row_no: int) -> None:
        name_cell = row_name(cols, row)
        if name_cell in TOTAL_ROW:
            n = total_people(cols, row, self.schema)
            if n is not None and self.totals["people"] is None:
                self.totals["people"] = n
            return
        ref, took = self.names.name_at_start(name_cell, strict=False)
        if ref is None:
            clean = _NAME_SUFFIX_RE.sub("", name_cell)
            if clean and looks_like_name(clean):
                ref = Ref("unmatched", clean)
        if ref is None:
            if name_cell:
                self.warnings.append(f"表格第{row_no}行“{name_cell}”不是户主姓名，已跳过")
            return
        ref.strong = True
        target = self.target_for([ref])
        for c, v in zip(cols, row, strict=False):
            if c and not c.startswith("#"):
                self.apply(cell_stmts(c, v, self.schema, self.warnings), target)
        for a in target.accs:
            a.row = row_no
