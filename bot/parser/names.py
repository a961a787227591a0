"""Step 5, resolve names: which households a clause names, checked against the member's roster.

A household is named only where the shape says so (the start of a unit or clause, before 家/户 or a
count, after a field's label, inside ``除…外``), so that ordinary words that happen to look like names are
not taken for households. Every name found is a :class:`Ref`: one of the member's own households, another
member's (``foreign``), a near miss of an own one, an unknown person (``unmatched``) or a ``王家`` guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from bot.core.model import Household, Member
from bot.parser import textnorm
from bot.parser.context import Ctx
from bot.parser.rosterindex import OwnNames
from bot.parser.segment import restore
from bot.parser.vocab import (
    ADDRESS_HINT_RE,
    CJK,
    CJK_RE,
    CJK_RUN_RE,
    COMPOUND_SURNAMES,
    FAMILY_RE,
    KIN_WORDS,
    NON_NAME_CHARS,
    PLACE_SUFFIXES,
    SURNAMES,
    TITLES,
)

#: Words before a name at the start of a clause (``户主：``, ``其中``, ``还有``).
_LEAD_RE = re.compile(r"^[\s:]*(?:户主|姓名|户名|其中|另外|另|还有|但是|但|只有)?[\s:]*")
#: What follows a household's name (``家`` / ``户`` / ``一家`` / ``全家``), in a run of CJK characters.
_NAME_END_RE = re.compile("[家户]|一家|全家")
#: The characters a non-empty _LEAD_RE match starts with (and whitespace).
_LEAD_FIRST = frozenset(":户姓其另还但只")
#: What follows a roster name anywhere in a clause.
_MARK_RE = re.compile("[家户:]")
#: A field's label before a name (``外来人员：李四家…``).
_LABEL_COLON_RE = re.compile(r"^([^:]{1,8}):\s*")
#: A name in a ``除…外`` phrase that the roster does not know, up to the next separator.
_EXCEPT_NAME_RE = re.compile(f"([{CJK}]{{2,4}}?)(?:家|户)?(?=[、,和与及跟\\s]|$)")
#: Between the names of a ``除…外`` phrase.
_NAME_SEP_RE = re.compile(r"\s*(?:以及|[、,和与及跟])\s*")
#: The phrase's own words about its households (``这2户``, ``几家``, ``等``).
_EXCEPT_WORDS_RE = re.compile(r"^\s*(?:这|那)?(?:(?:\d+|几)?(?:户|家))?(?:人家|住户|农户)?(?:等)?")


#: 2–4 CJK characters (a name's shape).
_NAME_CHARS_RE = re.compile(f"[{CJK}]{{2,4}}")
#: What a name does not end with: a title (``大爷``), a place (``村``).
_NOT_NAME_ENDS = (*TITLES, *PLACE_SUFFIXES)


def one_off(known: str, written: str) -> bool:
    """``written`` is ``known`` with one character of the given name wrong (杜美林 for 杜美玲)."""
    return (
        len(known) == len(written)
        and known != written
        and known[0] == written[0]
        and Levenshtein.distance(known, written, score_cutoff=1) <= 1
    )


def looks_like_name(cand: str) -> bool:
    """Whether ``cand`` could be a person's name: 2–4 characters, a surname first, no title or place."""
    if not _NAME_CHARS_RE.fullmatch(cand):
        return False
    if cand[0] not in SURNAMES and cand[:2] not in COMPOUND_SURNAMES:
        return False
    if len(cand) == 2 and cand[1] in "家户":
        return False
    if cand.endswith(_NOT_NAME_ENDS):
        return False
    return NON_NAME_CHARS.isdisjoint(cand[1:])


@dataclass
class Ref:
    """A household a message names (or a name that should have been one)."""

    kind: str  # own | foreign | unmatched | guess | vague
    name: str
    owner: str = ""
    warning: str = ""
    strong: bool = False
    chain_no: int | None = None  # the 接龙 line it came from
    fuzzy: bool = False  # matched with one character off: the household is in doubt
    #: the clause's text before the name and after it (and its 家/户): is it a report or a mere mention?
    before: str = ""
    after: str = ""


def _took(run: str, length: int) -> int:
    """How much a name of ``length`` at the start of ``run`` takes: with its 家/户."""
    return length + (1 if run[length : length + 1] in ("家", "户") else 0)


class HouseholdNames:
    """Finds the households one member's message names; near misses are reported into ``warnings``."""

    def __init__(self, ctx: Ctx, member: Member, warnings: list[str], own: OwnNames | None = None) -> None:
        self.ctx = ctx
        self.schema = ctx.schema
        self.member = member
        self.own_names = own or ctx.index.own_names(member)
        self.own: dict[str, Household] = self.own_names.own
        self.warnings = warnings

    def _boundary(self, rest: str) -> bool:
        return (
            not rest
            or not CJK_RE.match(rest[0])
            or rest[0] in "家户两俩几各等"
            or rest.startswith(("一家", "全家"))
            or rest.startswith(KIN_WORDS)
            or bool(self.schema.vocab_re.match(rest))
        )

    def _foreign_ref(self, name: str) -> Ref:
        owners = self.ctx.index.households.get(name, [])
        pick = next((h for h in owners if h.village == self.member.village), owners[0] if owners else None)
        return Ref("foreign", name, owner=pick.member if pick else "")

    def name_at_start(self, s: str, strict: bool) -> tuple[Ref | None, int]:
        """The household named at the start of ``s`` and the length it takes (with 家/户), or (None, 0).

        ``strict``: only where the shape is unmistakable (a roster name, or a candidate before 家/户 or a
        count); otherwise also a person-like candidate at the start of a line.
        """
        m = CJK_RUN_RE.match(s)
        if not m:
            return None, 0
        run = m.group(0)
        after = s[m.end() :]
        idx = self.ctx.index
        top = min(len(run), 6)

        initial = run[0] in idx.household_initials or run[0] in self.own_names.initials  # (else no name starts here)
        if not initial and strict and "家" not in run and "户" not in run and not after[:1].isdigit():
            return None, 0  # (no name, no name one character off, no given name, no candidate: see below)
        if initial:
            for length in range(top, 1, -1):
                name = run[:length]
                if name in self.own and self._boundary(run[length:] + after):
                    return Ref("own", name), _took(run, length)
            for length in range(top, 1, -1):
                name = run[:length]
                if name in idx.households and name not in self.own and self._boundary(run[length:] + after):
                    if name == self.member.name and name in idx.member_names:
                        break
                    return self._foreign_ref(name), _took(run, length)
        by_initial = self.own_names.by_initial
        for length in (4, 3):
            if len(run) < length:
                continue
            cand = run[:length]
            near = by_initial.get((length, cand[0]))  # one_off keeps the length and the surname
            if not near or not self._boundary(run[length:] + after):
                continue
            hits = [n for n in near if one_off(n, cand)]
            if len(hits) == 1:
                self.warnings.append(f"“{cand}”按“{hits[0]}”记录（名字相差一个字），请核实")
                return Ref("own", hits[0], fuzzy=True), _took(run, length)
        for length in (3, 2):  # 建国家: the given name only, of exactly one own household
            if run[length : length + 1] in ("家", "户"):  # (so the run is longer than ``length``)
                cand = run[:length]
                hits = self.own_names.by_given.get(cand, [])
                if len(hits) == 1 and cand not in idx.households:
                    self.warnings.append(f"“{cand}家”按“{hits[0]}”户记录（只写了名字），请核实")
                    return Ref("own", hits[0], fuzzy=True), _took(run, length)
        return self._heuristic(run, after, strict)

    def _heuristic(self, run: str, after: str, strict: bool) -> tuple[Ref | None, int]:
        best: tuple[int, int] | None = None  # (score, length)
        top = min(4, len(run))
        if strict and not after[:1].isdigit():  # only a candidate before 家/户 can be taken (see below)
            end = _NAME_END_RE.search(run, 2)  # the first place from 2 on where a 家/户 (一家/全家) follows
            if end is None or end.start() > top:
                return None, 0
            best = (3, end.start())
            top = 1  # (no more lengths to score)
        for length in range(2, top + 1):
            rest = run[length:]
            if rest[:1] in ("家", "户") or rest.startswith(("一家", "全家")):
                score = 3
            elif not rest:
                score = 2 if (not after or not CJK_RE.match(after[0])) else 0
            elif self.schema.multi_vocab_re.match(rest):
                score = 1
            else:
                score = 0
            if score and (best is None or score > best[0]):
                best = (score, length)
        if best is None:
            return None, 0
        score, length = best
        cand = run[:length]
        rest = run[length:] + after
        if strict and score != 3 and not (score == 2 and after[:1].isdigit()):
            return None, 0
        if not looks_like_name(cand):
            return None, 0
        if score != 3 and (cand in self.ctx.index.member_names or cand == self.member.name):
            return None, 0
        if self.schema.vocab_re.match(cand) or self.schema.multi_vocab_re.search(cand):
            return None, 0
        return Ref("unmatched", cand), length + (1 if rest[:1] in ("家", "户") else 0)

    def names_in_clause(self, clause: str, strict: bool) -> tuple[list[Ref], str]:
        """Household references in a clause, and the clause with them removed.

        A name at the start of the clause (see :meth:`name_at_start`), a roster name followed by 家/户/:
        anywhere, else a ``王家`` / ``3号楼王家`` reference.
        """
        refs: list[Ref] = []
        rest = clause
        first = clause[:1]
        lead = _LEAD_RE.match(rest) if first in _LEAD_FIRST or first.isspace() else None  # (else it is "")
        body = rest[lead.end() :] if lead else rest
        ref, took = self.name_at_start(body, strict=strict)
        if ref is not None:
            refs.append(ref)
            rest = body[took:]
            ref.before, ref.after = clause[: len(clause) - len(body)], rest
        # a roster name followed by 家/户/: anywhere in the clause (it can only start a name's length
        # before one of those marks), left to right, the longest name first
        idx = self.ctx.index
        lengths = idx.household_lengths
        marks = (  # (a mark nearer the start than the shortest name has no name before it)
            [m.start() for m in _MARK_RE.finditer(rest, lengths[-1])]
            if lengths and ("家" in rest or "户" in rest or ":" in rest) else []
        )
        starts = sorted({p - k for p in marks for k in lengths if p >= k}) if marks else ()
        kept: list[str] = []
        pos = 0
        for i in starts:
            if i < pos or not CJK_RE.match(rest[i]):
                continue
            hit = next(
                (
                    rest[i : i + k]
                    for k in idx.household_lengths
                    if rest[i + k : i + k + 1] in ("家", "户", ":") and rest[i : i + k] in idx.households
                ),
                None,
            )
            if hit is None:
                continue
            ref = Ref("own", hit) if hit in self.own else self._foreign_ref(hit)
            refs.append(ref)
            kept.append(rest[pos:i])
            pos = i + len(hit) + (1 if rest[i + len(hit)] in "家户" else 0)
            ref.before, ref.after = "".join(kept), rest[pos:]
        if kept:
            rest = "".join(kept) + rest[pos:]
        if not refs and ":" in rest:  # 外来人员:李四家亲戚1人 — a name after a field's label
            colon = _LABEL_COLON_RE.match(rest)
            if colon and self.schema.vocab_re.search(colon.group(1)):
                ref, took = self.name_at_start(rest[colon.end() :], strict=True)
                if ref is not None:
                    refs.append(ref)
                    rest = rest[: colon.end()] + rest[colon.end() + took :]
        if not refs and "家" in rest:
            fam = FAMILY_RE.search(rest)
            if fam:
                refs.append(self._family_ref(fam.group(1), rest[: fam.start()], clause))
                rest = rest[: fam.start()] + rest[fam.end() :]
        return refs, rest

    def _family_ref(self, surname: str, before: str, clause: str) -> Ref:
        """``王家`` / ``3号楼王家``: a guess when exactly one of the member's households fits."""
        cands = [h for h in self.member.households if h.name.startswith(surname)]
        hint = ADDRESS_HINT_RE.search(before)
        if hint and len(cands) > 1:
            key = re.compile(r"(?<!\d)" + re.escape(re.sub(r"\s", "", hint.group(1))))
            narrowed = [
                h for h in cands if key.search(textnorm.to_halfwidth(h.address or "").replace(" ", ""))
            ]
            if narrowed:
                cands = narrowed
        text = restore(clause, self.ctx.parens).strip(" ,:")
        if len(cands) == 1:
            name = cands[0].name
            return Ref("guess", name, warning=f"“{text}”中的“{surname}家”推测为{name}户，请核实")
        return Ref(
            "vague", surname + "家", warning=f"“{text}”：“{surname}家”对应不到唯一的户，请写明户主姓名"
        )

    def except_names(self, text: str) -> tuple[list[Ref], str]:
        """The households at the start of a ``除…外`` phrase and the rest of it (what it says of them)."""
        s = text.strip(" ,:")
        refs: list[Ref] = []
        while s:
            ref, took = self.name_at_start(s, strict=False)
            if ref is None:
                m = _EXCEPT_NAME_RE.match(s)
                if m and looks_like_name(m.group(1)):
                    ref, took = Ref("unmatched", m.group(1)), m.end()
            if ref is None:
                break
            refs.append(ref)
            s = s[took:]
            sep = _NAME_SEP_RE.match(s)
            if not sep:
                break
            s = s[sep.end() :]
        if not refs:
            refs, s = self.names_in_clause(text.strip(" ,:"), strict=False)
        # 这2户 / 几家 / 等: the phrase's own words about the households; 2人外出 is what it says of them
        s = _EXCEPT_WORDS_RE.sub("", s)
        return refs, s
