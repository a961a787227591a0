"""Residents' 接龙 chains keyed by room number or address (``12. 2105-2``, ``3栋2105 - 1``).

In urban communities the residents report themselves: every household adds its line to a chain that is
keyed by its room or address, not by a grid member. :func:`parse_rooms` reads such a chain against the
roster's 住址 column: each line's address is matched to a household, and what follows it (a count, the
columns the organiser's format hint names, remarks) is read with the parser's own field reading, as if the
household had been named in a member's report. The result keeps every line: a line that fits no address,
or fits more than one, is never placed on a guess (the caller asks about it).

Shapes read (after :func:`bot.parser.textnorm.normalize`: full-width digits, ``—`` / ``–`` → ``-``):

* the line number: ``12.`` ``12、`` ``(12)`` ``12)``; numbering may have gaps. ``12 2105-2`` (number and
  address separated by a space) is read both ways against the roster and placed only when one fits;
* the address: ``2105``, ``3-2105``, ``3-2-2105`` (building, unit, room), ``3栋2105``, ``3号楼2单元2105室``,
  ``2单元2105``; matched to the roster's ``3号楼2105室`` / ``3栋2单元2105`` / ``3-2-2105`` / ``幸福里12号院
  3栋502`` by building, unit and room (numbers compared as numbers);
* the count after it: ``-1`` ``- 1`` ``*2`` ``0`` ``2人``, or none (the dash is a separator, not a minus);
* the columns of a format hint (``1. 室号-人数``, ``楼栋-房号-人数-是否做核酸``): each value after the
  address is read as a cell of the field its column names (:func:`bot.parser.table.cell_stmts`);
* remarks after the count (``-2，1人已做核酸，1人在公司``): fed to a :class:`~bot.parser.builder.Builder`
  whose target is the line's household, so every field the template knows is read the same way as in a
  member's report.

Lines without an address (the title, the hint, an example ``例：3-2105-2``, chit-chat, a question) are
skipped. The same household on two lines keeps the later line (the earlier one is listed in ``replaced``).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from bot.core.model import Household, HouseholdReport, Member, MemberReport, Roster
from bot.core.template import Template
from bot.parser import textnorm
from bot.parser.assemble import assemble
from bot.parser.bind import Stmt
from bot.parser.builder import Builder
from bot.parser.context import Ctx
from bot.parser.names import Ref, looks_like_name
from bot.parser.rosterindex import per_roster, roster_index
from bot.parser.segment import units
from bot.parser.table import cell_stmts, header_col

__all__ = ["Place", "RoomChain", "RoomLine", "parse_address", "parse_rooms"]


_BUILDING = ("号楼", "栋", "幢", "座", "楼", "号院", "#")
_LABELS = r"号楼|号院|单元|栋|幢|座|楼|室|号|#"
#: one number of an address with its label (``3号楼`` ``2单元`` ``2105室`` ``3``)
_GROUP_RE = re.compile(rf"(\d{{1,5}})\s*({_LABELS})?")
#: the start of a chain line: its number (``12.`` ``12、`` ``(12)`` ``12)``)
_NUMBER_RE = re.compile(r"^\s*(?:\(\s*(\d{1,3})\s*\)|(\d{1,3})\s*(?:[.、)\]]|:(?!\d)))\s*")
#: a second address right after the first (``1201、1202 -5``): the line speaks of several households
_SEVERAL_RE = re.compile(r"^\s*(?:[、,/&+]|和|及|与)\s*\d{2,5}")
#: an address with what follows it, at the start of a line body
_KEY_RE = re.compile(
    rf"^\s*(?P<groups>\d{{1,5}}\s*(?:{_LABELS})?(?:\s*[-_*/·\s]?\s*\d{{1,5}}\s*(?:{_LABELS})?){{0,5}})"
)
#: a count right after the address: ``-2`` ``- 2`` ``*2`` ``2`` ``2人`` ``2口人`` (not ``2号`` / ``2.5``)
_COUNT_RE = re.compile(
    r"^\s*[-_*/:·,]?\s*(?:\(\s*(\d{1,2})\s*(?:口人|个人|人|口|名|位)?\s*\)"
    r"|(\d{1,2})(?![\d.])\s*(?:口人|个人|人|口|名|位)?(?![号楼栋幢座室单元层#]))"
)
#: the poster's name between the address and the count (``2105张伟-2``, ``2105 张伟 2``)
_NAME_BEFORE_COUNT_RE = re.compile(r"^\s*[-_*\s]?\s*([\u4e00-\u9fff]{2,4})(?=\s*[-_*:\s]?\s*\d{1,2}(?![\d.]))")
#: words of a format hint's address columns, and of lines that are hints or examples, not households
_KEY_WORDS = ("室号", "房号", "房间号", "门牌号", "门牌", "户号", "楼栋", "楼号", "栋号", "单元", "住址", "地址", "房屋")
#: a count separator with no number after it (``2106-`` ``2106- ，已做``)
_BLANK_COUNT_RE = re.compile(r"^\s*[-_*]\s*(?:$|[,;。、\s]|[^\d\s])")
#: what cannot follow an address: a unit of something else, or a decimal point
_NOT_ADDRESS_RE = re.compile(r"^\s*(?:户|家|口|名|位|个|天|日|月|年|点|时|分|度|℃|%|岁|次|元|块|米|公里|\.\d|人(?!家))")
_EXAMPLE_RE = re.compile(r"^\s*(?:例|如|示例|格式|范例|模板|参考)")
_QUESTION_RE = re.compile(r"[?？]|吗\s*$|么\s*$")
_CHAIN_RE = re.compile(r"接龙")
#: a building named in a chain's title (``3号楼核酸接龙``)
_TITLE_BUILDING_RE = re.compile(r"(?<!\d)(\d{1,3})\s*(?:号楼|栋|幢|座)(?!\s*\d)")


@dataclass(frozen=True)
class Place:
    """An address as numbers: building (楼/栋), unit (单元), room (室). None where the address has none."""

    building: int | None = None
    unit: int | None = None
    room: int | None = None


def _roles(groups: list[tuple[int, str]]) -> Place | None:
    """The building, unit and room of an address's numbered parts (``[(3, "号楼"), (2105, "室")]``)."""
    building = unit = room = None
    bare: list[int] = []
    for i, (n, label) in enumerate(groups):
        last = i == len(groups) - 1
        nxt = groups[i + 1][1] if not last else ""
        if label == "单元":
            unit = n
        elif label == "室":
            if not last:
                return None  # 2105室-3: what follows the room is no part of the address
            room = n
        elif label == "号院" or (label == "号" and nxt in _BUILDING):
            continue  # 12号院3栋, 东风路12号3栋: the street number
        elif label in _BUILDING or (label == "号" and not last):
            if building is None:
                building = n
            elif label != "楼":
                return None  # two buildings: not an address
        elif label == "号":
            room = n
        else:
            bare.append(n)
    if bare:
        if room is None:
            room = bare.pop()
        if bare and building is None and unit is None and len(bare) == 2:
            building, unit = bare
        elif len(bare) == 1 and building is None:
            building = bare[0]
        elif len(bare) == 1 and unit is None:
            unit = bare[0]
        elif bare:
            return None
    if room is None:
        return None
    return Place(building, unit, room)


def _groups(text: str) -> list[tuple[int, str]]:
    return [(int(m.group(1)), m.group(2) or "") for m in _GROUP_RE.finditer(text)]


def parse_address(address: str) -> Place | None:
    """The place of a roster 住址 (``3号楼2105室`` → building 3, room 2105), None when it has no room."""
    norm = textnorm.normalize(address or "")
    # rural parts such as 一组 / 3队 are no building; the text before the numbers (小区, 村) is ignored
    norm = re.sub(r"\d+\s*(?:组|队|社|屯|巷|弄|路|街|里|村)", " ", norm)
    return _roles(_groups(norm)) if norm else None


def _keys(p: Place) -> list[tuple[Any, ...]]:
    keys: list[tuple[Any, ...]] = [("r", p.room)]
    if p.building is not None:
        keys.append(("br", p.building, p.room))
    if p.unit is not None:
        keys.append(("ur", p.unit, p.room))
    if p.building is not None and p.unit is not None:
        keys.append(("bur", p.building, p.unit, p.room))
    return keys


def _lookup_key(p: Place) -> tuple[Any, ...]:
    """The most specific index key a written address asks for."""
    if p.building is not None and p.unit is not None:
        return ("bur", p.building, p.unit, p.room)
    if p.building is not None:
        return ("br", p.building, p.room)
    if p.unit is not None:
        return ("ur", p.unit, p.room)
    return ("r", p.room)


class AddressIndex:
    """The roster's households by the parts of their addresses, built once per roster."""

    def __init__(self, roster: Roster) -> None:
        self.members = roster.members
        self.by_key: dict[tuple[Any, ...], list[Household]] = {}
        self.member_of: dict[int, Member] = {}
        self.place_of: dict[int, Place] = {}
        for m in roster.members:
            for h in m.households:
                self.member_of[id(h)] = m
                place = parse_address(h.address)
                if place is None:
                    continue
                self.place_of[id(h)] = place
                for k in _keys(place):
                    self.by_key.setdefault(k, []).append(h)

    def find(self, p: Place, building: int | None = None) -> list[Household]:
        """The households at ``p``; a room written without its building that fits several is narrowed to
        ``building`` (the one the chain's title names), if given."""
        found = self.by_key.get(_lookup_key(p), [])
        if building is not None and p.building is None and len(found) > 1:
            found = [h for h in found if self.place_of[id(h)].building == building]
        return found


_INDEXES: weakref.WeakKeyDictionary[Roster, AddressIndex] = weakref.WeakKeyDictionary()


def address_index(roster: Roster) -> AddressIndex:
    """The address index of ``roster`` (cached while the roster lives)."""
    return per_roster(_INDEXES, roster, AddressIndex)


@dataclass
class RoomLine:
    """One line of a residents' chain that starts with an address."""

    line: int  # the line's position in the message (1-based)
    number: int | None  # its number in the chain (``12.``), None when unnumbered
    text: str  # the line as written (normalised, without its number)
    key: str  # the address as written (``3-2105``)
    #: placed (one household of the group's grids), unknown (none), ambiguous (two or more), several (the
    #: line writes two addresses), foreign (only households of other grids fit), replaced (placed, and the
    #: same household has a later line)
    status: str = "unknown"
    household: Household | None = None
    member: Member | None = None  # the member who covers the household
    report: HouseholdReport | None = None
    candidates: list[Household] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "number": self.number, "text": self.text, "key": self.key,
                               "status": self.status}
        if self.candidates:
            out["candidates"] = [h.address for h in self.candidates]
        if self.household is not None:
            out["household"] = self.household.name
            out["member"] = self.household.member
        return out


@dataclass
class RoomChain:
    """A residents' chain read against the roster: every address line, placed or not."""

    lines: list[RoomLine] = field(default_factory=list)
    #: the message is titled 接龙 (a chain whose unknown lines are worth asking about even if none fits)
    titled: bool = False
    #: the message has a format hint (``1. 室号-人数``)
    hinted: bool = False
    #: the message's non-empty lines
    nonblank: int = 0
    #: the message was longer than the parser reads (:data:`bot.parser.textnorm.MAX_CHARS`): its lines read
    #: whole (the rest was not read); None when all of it was read
    lines_read: int | None = None

    @property
    def placed(self) -> list[RoomLine]:
        return [ln for ln in self.lines if ln.status == "placed"]

    @property
    def unplaced(self) -> list[RoomLine]:
        """Lines to ask about: no address fits, more than one does, or the line writes several."""
        return [ln for ln in self.lines if ln.status in ("unknown", "ambiguous", "several")]

    @property
    def foreign(self) -> list[RoomLine]:
        return [ln for ln in self.lines if ln.status == "foreign"]

    @property
    def is_chain(self) -> bool:
        """Worth answering: some line fits a household (here or in another grid), or it is a titled chain or
        has several address lines."""
        fits = any(ln.status in ("placed", "ambiguous", "several", "foreign", "replaced") for ln in self.lines)
        return fits or (bool(self.lines) and (self.titled or len(self.lines) >= 2))

    @property
    def clear(self) -> bool:
        """A residents' chain beyond doubt, as a member's message must be to be read as one (see
        :mod:`bot.parser`, "Who may post"): titled 接龙 or with a format hint and some address line, or two
        address lines or more that make at least half of the message's lines. ``15`` alone, or one line
        that starts with a number, is not."""
        if not self.lines:
            return False
        if self.titled or self.hinted:
            return True
        return len(self.lines) >= 2 and 2 * len(self.lines) >= self.nonblank

    def reports(self) -> list[MemberReport]:
        """The placed lines as member reports: one per covering member, households in chain order (each
        household's ``row`` is its line number in the message)."""
        out: dict[tuple[str, str, str], MemberReport] = {}
        for ln in self.placed:
            if ln.member is None or ln.report is None:
                continue
            key = (ln.member.name, ln.member.grid, ln.member.village)
            rep = out.get(key)
            if rep is None:
                rep = out[key] = MemberReport(member=ln.member.name, chain_index=ln.number)
            rep.households.append(ln.report)
            rep.warnings.extend(w for w in ln.warnings if w not in rep.warnings)
        return list(out.values())

    def to_json(self) -> dict[str, Any]:
        """``gridbot parse``'s shape: ``reports`` as for members, plus the lines that were not placed."""
        return {
            "reports": [r.to_json() for r in self.reports()],
            "unplaced": [ln.to_json() for ln in self.unplaced],
            "foreign": [ln.to_json() for ln in self.foreign],
            **({"lines_read": self.lines_read} if self.lines_read is not None else {}),
        }


def _hint_columns(body: str, ctx: Ctx) -> list[tuple[str, str | None]] | None:
    """The value columns of a format hint (``室号-人数-是否做核酸`` → [(人数, people), (是否做核酸, the
    field 核酸 names or None)]); None when the line is no hint."""
    parts = [p for p in re.split(r"[-_*/+\s,]+", body.strip(" :")) if p]
    if len(parts) < 2 or any(re.search(r"\d", p) for p in parts):
        return None
    is_key = [any(w in p for w in _KEY_WORDS) for p in parts]
    if not is_key[0]:
        return None
    cols: list[tuple[str, str | None]] = []
    for p, k in zip(parts, is_key, strict=True):
        if not k:
            col = header_col(p, ctx.schema)
            cols.append((p, col if col and not col.startswith("#") else None))
    return cols


def _candidates(body: str, index: AddressIndex, building: int | None
                ) -> list[tuple[str, Place, str, list[Household]]]:
    """Every way the start of ``body`` reads as an address: (the address as written, its place, the rest of
    the line, the households it fits), the longest first. A reading is kept only when what follows it is
    nothing, text, or a count (``3-2105-2`` is not room 3 followed by 2105)."""
    m = _KEY_RE.match(body)
    if not m:
        return []
    base = m.start("groups")
    spans = [(g.end(), int(g.group(1)), g.group(2) or "") for g in _GROUP_RE.finditer(m.group("groups"))]
    out = []
    for k in range(min(len(spans), 4), 0, -1):
        place = _roles([(n, label) for _, n, label in spans[:k]])
        if place is None:
            continue
        end = base + spans[k - 1][0]
        rest = body[end:]
        if _NOT_ADDRESS_RE.match(rest):
            continue  # 15户都正常, 36.5, 10点: a number, not an address
        if k < len(spans) and (spans[k][2] or not _COUNT_RE.match(rest)):
            continue
        out.append((body[base:end].strip(), place, rest, index.find(place, building)))
    return out


def _split_number(line: str) -> tuple[int | None, str]:
    m = _NUMBER_RE.match(line)
    if m:
        return int(m.group(1) or m.group(2)), line[m.end():]
    return None, line


def parse_rooms(text: str, roster: Roster, template: Template, *, outside: Roster | None = None) -> RoomChain:
    """Read a residents' chain keyed by room or address against ``roster`` (the households of the group's
    grids). ``outside`` (optional) is the rest of the roster (or the whole one): a line that fits only a
    household there is ``foreign`` (refused), not ``unknown``.

    Pure and fast (one address index per roster, built once). The chain has no lines when the message has
    no line that starts with an address.
    """
    chain = RoomChain()
    if not isinstance(text, str) or not text.strip():
        return chain
    index = address_index(roster)
    other = address_index(outside) if outside is not None else None
    protect = roster_index(roster).protect
    norm, chain.lines_read = textnorm.clip(text, protect=protect)
    chain.titled = bool(_CHAIN_RE.search(norm))
    ctx = Ctx(roster, template, None)
    cols: list[tuple[str, str | None]] = []
    scope: int | None = None  # the building the chain's title names
    todo: list[tuple[RoomLine, str, list[tuple[str, str | None]]]] = []
    memo: Memo = {}
    seen: dict[int, RoomLine] = {}
    for pos, raw in enumerate(norm.split("\n"), 1):
        number, body = _split_number(raw)
        body = body.strip()
        chain.nonblank += bool(body)
        if not body or _EXAMPLE_RE.match(body):
            continue
        hint = _hint_columns(body, ctx)
        if hint is not None:
            cols = hint
            chain.hinted = True
            continue
        readings = _candidates(body, index, scope)
        if number is None:  # ``12 2105-2``: the first number may be the line number
            m = re.match(r"^(\d{1,3})\s+(?=\d)", body)
            if m:
                readings += _candidates(body[m.end():], index, scope)
        if not readings:
            if not chain.lines:  # a title before the chain: ``3号楼核酸接龙`` names the building
                found = _TITLE_BUILDING_RE.findall(body)
                scope = int(found[0]) if len(set(found)) == 1 else scope
            continue
        if _QUESTION_RE.search(body):
            continue
        if any(_SEVERAL_RE.match(r) for _, _, r, _ in readings):
            chain.lines.append(RoomLine(pos, number, body, readings[0][0], status="several"))
            continue
        fits: dict[int, Household] = {}
        for _, _, _, hs in readings:
            for h in hs:
                fits.setdefault(id(h), h)
        placed = [r for r in readings if r[3]]
        key, _, rest, _ = placed[0] if placed else readings[0]
        ln = RoomLine(pos, number, body, key)
        if len(fits) == 1:
            [h] = fits.values()
            ln.status, ln.household = "placed", h
            ln.member = index.member_of.get(id(h))
            todo.append((ln, rest, cols))
            before = seen.get(id(h))
            if before is not None:
                before.status = "replaced"
            seen[id(h)] = ln
        elif fits:
            ln.status, ln.candidates = "ambiguous", list(fits.values())
        elif other is not None:  # the households of the group's grids may be in ``outside`` too
            away: dict[int, Household] = {}
            for written, p, _, _ in readings:
                for h in other.find(p, scope):
                    if id(h) not in index.member_of:
                        ln.key = written if not away else ln.key
                        away.setdefault(id(h), h)
            if away:
                ln.status, ln.candidates = "foreign", list(away.values())
        chain.lines.append(ln)
    for ln, rest, line_cols in todo:
        if ln.status == "placed":  # a line a later one replaced is not read
            ln.report = _read_line(ctx, ln, rest, line_cols, memo)
    return chain


Memo = dict[tuple[str, tuple[tuple[str, str | None], ...]], HouseholdReport]


def _read_line(ctx: Ctx, ln: RoomLine, rest: str, cols: list[tuple[str, str | None]], memo: Memo) -> HouseholdReport:
    """What one placed line says of its household: the count, the hint's columns, the remarks. Lines that
    say the same after their address (``-2，已做核酸``) are read once (``memo``), unless the text names the
    household itself."""
    h = ln.household
    assert h is not None and ln.member is not None
    key = (rest.strip(), tuple(cols))
    known = memo.get(key) if h.name not in rest else None
    if known is not None:
        return HouseholdReport(h.name, dict(known.values), row=ln.line, uncertain=list(known.uncertain))
    member = Member(ln.member.name, ln.member.grid, ln.member.village, ln.member.town, ln.member.account, (h,),
                    ln.member.id, ln.member.grid_id)
    b = Builder(ctx, member)
    ref = Ref("own", h.name, strong=True, chain_no=ln.number)
    target = b.target_for([ref])
    schema = ctx.schema
    values: list[str] = []
    rest = rest.strip()
    named = _NAME_BEFORE_COUNT_RE.match(rest)
    if named and looks_like_name(named.group(1)) and named.group(1) != h.name:
        rest = rest[named.end():]  # who wrote the line: not part of the household's report
    while True:  # the values after the address, one per hint column (the count when there is no hint)
        m = _COUNT_RE.match(rest)
        if m is None or (values and len(values) >= max(len(cols), 1)):
            break
        values.append(m.group(1) or m.group(2))
        rest = rest[m.end():]
    if cols:
        tail = re.match(r"^\s*[-_*/]\s*([^-_*/,;。\s]{1,6})(?=$|[-_*/,;。\s])", rest)
        while tail and len(values) < len(cols) and cols[len(values)][1] != schema.people:  # 是 / 已做 / 阴性
            values.append(tail.group(1))
            rest = rest[tail.end():]
            tail = re.match(r"^\s*[-_*/]\s*([^-_*/,;。\s]{1,6})(?=$|[-_*/,;。\s])", rest)
    counted = (cols[0][1] if cols else schema.people) == schema.people and schema.people is not None
    # ``2106-`` / ``2106- ，已做核酸``: the count's place is there, its number is not: unknown, and asked about
    blank = counted and not values and bool(_BLANK_COUNT_RE.match(rest))
    remark = rest.strip(" -_*/,;:")
    if not remark and len(values) <= 1 and counted:
        found = HouseholdReport(h.name, ctx.template.empty_values(), row=ln.line)  # only a count: no more to read
        if values and schema.people:
            found.values[schema.people] = int(values[0])
        if blank and schema.people:
            found.uncertain.append(schema.people)
        return found
    for i, v in enumerate(values):
        label, col = cols[i] if i < len(cols) else ("", schema.people if i == 0 else None)
        if col is not None:
            b.apply(cell_stmts(col, v, schema, b.warnings), target)
        elif schema.note is not None:  # a column no field reads: kept as written
            b.apply([Stmt("note", value=f"{label}:{v}" if label else v)], target)
    if remark:
        for unit in units(remark, ctx.parens):
            b.feed_unit(unit, [ref])
    rep = assemble(b)
    found = next((x for x in rep.households if x.household == h.name), None) if rep else None
    if rep is not None:
        ln.warnings = list(rep.warnings)
    if found is None:
        found = HouseholdReport(h.name, ctx.template.empty_values())
    found.row = ln.line
    if blank and schema.people and found.values.get(schema.people) is None and schema.people not in found.uncertain:
        found.uncertain.append(schema.people)
    if not ln.warnings and h.name not in rest:
        memo[key] = found
    return found
