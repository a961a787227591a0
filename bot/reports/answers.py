"""Answers to the bot's questions: a member replies to ``❓ 王建国家的人数没看清，请补一下。`` with just the value
(``4人``, ``4``, ``36.5``, ``没有``, ``都在家``, ``是的``) and the asked field is filled in. Pure: no I/O.

Which question a message answers:

* a Telegram reply to the bot's reply that asked it (:attr:`MessageContext.answering`: the member's message
  the bot's reply answered; the questions are the fields still in doubt of the rows that message stored);
* else the sender's next message in the chat within the answer window (``reporting.answer_window_minutes``,
  15 by default; 0: only replies answer) of the report that raised the question, when that report is the
  sender's latest in the chat and its question asked exactly one field of one household
  (:func:`asked_plainly`). A plain message after a question about two fields is not taken as
  an answer at all (the member may be writing about something else).

A resident (no linked member) answers the questions about the lines of a residents' chain they posted, the
same two ways (:func:`plan_resident_answer`); the reply names the line's room, never the household.

How an answer is read (:func:`read_answer`): a value with its field word (``人数4人``, ``体温36.5``) is read
by the parser, as a report of the asked household; a bare value is given to the one asked field whose type
takes it (``36.5`` is a temperature, ``4`` a count, ``没有`` a "no" of every asked field that has one, ``是的``
a yes of a yes/no field). When it fits none, or more than one of the asked fields (``4`` when 人数 and 返乡
were asked), nothing is guessed: the member is asked again, plainly, to name the field. A value the question
showed for confirmation (``体温36.5℃，对吗？``, :attr:`PendingDoubt.read`) is taken on a yes and corrected by a
no with the right value (:func:`stance`, :func:`read_answer`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core import texts
from bot.core.model import Household, Member, Roster
from bot.core.records import HouseholdWrite, MemberReportWrite, MessageContext, PendingDoubt, ReportSave
from bot.core.template import Field, Template
from bot.parser import parse_address, parse_message, textnorm
from bot.parser.schema import schema_for
from bot.reports.plan import Plan, doubt_asks, field_labels

#: An answer is short: a longer message is a report (or chat), read as usual.
MAX_ANSWER_CHARS = 30

_PARTICLES_RE = re.compile(r"[了的啊呀哈吧啦哦呢嘛噢喔哇嗯~～。!！,，.、\s]+$|^[嗯哦噢喔,，\s]+")
_YES = frozenset("是 是的 对 对的 有 有的 嗯 嗯嗯 没错 是啊 对啊 对头 是滴 有啊 有个 发烧 发热 在外面 出去了".split())
_NO = frozenset(
    "没有 无 没 否 不是 没得 莫得 冇 冇得 冇有 没有的 都没有 一个也没有 一个都没有 没人 没有人 0 零 不 都没 没呢 还没有 木有 "
    "正常 都正常 不烧 没烧 没发烧 不发烧 没发热 都好 挺好".split()
)
#: words that say nobody is out, for a yes/no-or-count "out" field
_AT_HOME = frozenset("都在家 在家 没出去 没外出 没出门 没有外出 都在 在家里 都在家里 没走".split())
_COUNT_RE = re.compile(r"^(?:是|有|共|一共|总共|就|就是|只有|只|就只有)?(\d{1,3})(?:口人|个人|人|口|个|位|名)?$")
_TEMP_RE = re.compile(r"^(?:体温)?(\d{2}(?:\.\d)?)℃?$")

#: an answer that fits none of the asked fields, or more than one: asked again
UNCLEAR = object()
#: ``正常`` for a temperature: no reading, but no fever either (the temperature's doubt is answered)
NORMAL = object()
#: what a temperature answer says that is no reading
_TEMP_NORMAL = frozenset("正常 都正常 不烧 没烧 没发烧 不发烧 没发热 体温正常 挺好 都好".split())


@dataclass
class Asked:
    """One household's row the question was about: the row, its household, and the fields asked."""

    pending: PendingDoubt
    household: Household
    fields: list[str]
    #: a line of a residents' chain, answered by the resident who posted it: the household's room as the
    #: reply names it (``3-2105``; household names never go to the group); None for a member's household
    room: str | None = None

    @property
    def read(self) -> dict[str, Any]:
        """What the parser read for the asked fields, shown in the question for confirmation."""
        return {k: v for k, v in self.pending.read.items() if k in self.fields}

    @property
    def named(self) -> str:
        """The household as a reply names it: ``杜美玲家``, or a resident's room ``3-2105``."""
        return self.room if self.room is not None else f"{self.household.name}家"


def _clean(text: str) -> str:
    """The answer without particles and punctuation, a word said twice once (``没有没有``), 俩/仨 as numbers."""
    norm = textnorm.normalize(text).strip()
    for _ in range(3):
        norm = _PARTICLES_RE.sub("", norm)
    half = len(norm) // 2
    if len(norm) >= 2 and len(norm) % 2 == 0 and norm[:half] == norm[half:]:
        norm = norm[:half]
    return {"俩": "2", "仨": "3"}.get(norm, norm)


def bare_value(answer: str, f: Field, template: Template) -> Any:
    """What a bare answer (no field word) says of the field ``f``; UNCLEAR when it says nothing of it."""
    a = _clean(answer)
    count = _COUNT_RE.match(a)
    temp = _TEMP_RE.match(a)
    if f.type == "temperature":
        if temp and 34.0 <= float(temp.group(1)) <= 43.0:
            return round(float(temp.group(1)), 1)
        return NORMAL if a in _TEMP_NORMAL else UNCLEAR
    if f.type in ("int", "bool_int"):
        if count and not (temp and "." in temp.group(1)):
            n = int(count.group(1))
            return n if f.type == "int" or n else 0
        if a in _AT_HOME and f.type == "bool_int":
            return 0
        if a in _NO and f.key != template.people_key():
            return 0
        if a in _YES and f.type == "bool_int":
            return True
        return UNCLEAR
    if f.type == "bool":
        if a in _YES:
            return True
        if a in _NO:
            return False
        return UNCLEAR
    if f.type == "symptoms":
        if a in _NO:
            return []
        return UNCLEAR
    if f.type == "enum":
        schema = schema_for(template)
        hits = [v for k, v in schema.opt_words.get(a, ()) if k == f.key]
        if len(hits) == 1:
            return hits[0]
        return UNCLEAR
    return UNCLEAR


#: ``是的`` / ``对`` / ``嗯嗯`` / ``没错``, said once or over again, at the start of an answer and followed by nothing
#: or a pause (``是3个人`` is a count, not a yes)
_YES_LEAD = r"(?:是的|是滴|是得|是哒|是啊|是呀|是嘞|是|对的|对滴|对得|对啊|对呀|对头|对|没错的?|没毛病|正确|嗯呢|嗯|恩|en|ok)"
_NO_LEAD = r"(?:不是的?|不对的?|不太对|错了|写错了|说错了|打错了|搞错了|弄错了|错的|不)"
#: (not 了: ``对了，…`` is "by the way")
_PAUSE = r"(?=$|[\s,，.。!！?？~～、;；:：…]|[的啊呀哈吧啦哦呢嘛噢喔哇]*(?:$|[\s,，.。!！~～、;；:：…]))"
_SEPS = " ,，.。!！~～、;；:：…"
_STANCE_RE = re.compile(rf"^\s*(?:(?P<yes>{_YES_LEAD}+)|(?P<no>{_NO_LEAD}+)){_PAUSE}", re.IGNORECASE)
#: what may come between a 不对 and the right value (``不对，应该是36.8``)
_LEAD_RE = re.compile(r"^[\s,，.。!！~～、;；:：…了的啊呀哈吧啦哦呢嘛]*(?:应该是|应该|应是|实际是|其实是|改成|改为|是)?\s*")


def stance(answer: str) -> tuple[str | None, str]:
    """Whether an answer opens with a yes (``是的``, ``对对对``, ``嗯嗯，是的``) or a no (``不对``, ``写错了``), and
    what follows it (``不对，应该是36.8`` → ``("no", "36.8")``); ``(None, answer)`` when it opens with neither."""
    norm = textnorm.normalize(answer).strip()
    m = _STANCE_RE.match(norm)
    if m is None:
        return None, answer
    rest = norm[m.end():]
    while m.group("yes"):  # 嗯嗯，是的 / 对，对的: one yes
        again = _STANCE_RE.match(rest.lstrip(_SEPS))
        if again is None or not again.group("yes"):
            break
        rest = rest.lstrip(_SEPS)[again.end():]
    rest = _LEAD_RE.sub("", rest, count=1).strip()
    rest = _PARTICLES_RE.sub("", rest)
    return ("yes" if m.group("yes") else "no"), rest


def read_answer(answer: str, asked: list[Asked], member: Member, template: Template) -> dict[int, dict[str, Any]] | None:
    """The values an answer gives: {household id: {field: value}}; None when it gives none that can be trusted
    (then the member is asked again). A temperature also answers the fever asked with it (the fever follows
    from it).

    A value the question showed for confirmation (``体温36.5℃，对吗？``) is taken on a yes (``是的``, ``对``,
    ``嗯嗯``, ``没错``), also with the same value after it (``对，36.5``); a no with the right value
    (``不对，应该是36.8``) corrects it; a no alone flips a yes/no (``发热：是，对吗？`` ``不是``) and otherwise
    gives nothing (the member is asked for the right value). A yes with another value, or a yes to the
    values of two households, gives nothing."""
    said, rest = stance(answer)
    if said is not None and any(a.read for a in asked):
        return _confirmed(said, rest, asked, member, template)
    if said is not None and rest:  # 对，发烧了 / 不是，4个人 with nothing read to confirm: the value counts
        answer = rest
    return _values(answer, asked, member, template)


def _confirmed(said: str, rest: str, asked: list[Asked], member: Member, template: Template
               ) -> dict[int, dict[str, Any]] | None:
    shown = [a for a in asked if a.read]
    if len(shown) != 1:
        return None  # 是的 to two households' values: which?
    a = shown[0]
    hid = a.pending.household_id or 0
    got = _values(rest, [a], member, template) if rest else None
    if rest and got is None:
        return None
    values = got.get(hid, {}) if got else {}
    if said == "yes":
        if any(k in a.read and v != a.read[k] for k, v in values.items()):
            return None  # 对，36.8 when 36.5 was shown: which one?
        return {hid: {**a.read, **values}}
    if not rest:
        flipped = {k: not v for k, v in a.read.items() if isinstance(v, bool)}
        return {hid: flipped} if flipped and len(flipped) == len(a.read) else None
    if any(k in a.read and v == a.read[k] for k, v in values.items()):
        return None  # 不对，36.5 when 36.5 was shown
    return {hid: values} if values else None


def wants_correction(answer: str, asked: list[Asked]) -> bool:
    """``不对`` alone to a value shown for confirmation (not a yes/no): the member is asked for the right one."""
    return stance(answer) == ("no", "") and any(
        any(not isinstance(v, bool) for v in a.read.values()) for a in asked)


def _values(answer: str, asked: list[Asked], member: Member, template: Template) -> dict[int, dict[str, Any]] | None:
    schema = schema_for(template)
    norm = textnorm.normalize(answer)
    labelled = _clean(answer) not in _YES | _NO | _AT_HOME and (
        any(w in norm for w in schema.word_key) or any(w in norm for w in schema.sym_words))
    if labelled and len(asked) == 1:  # 人数4人 / 体温36.5，返乡0 / 咳嗽: read as a report of the household
        a = asked[0]
        one = Member(member.name, member.grid, member.village, member.town, member.account, (a.household,),
                     member.id, member.grid_id)
        result = parse_message(f"{a.household.name}家：{answer}", one, Roster([one]), template)
        hrs = [h for r in result.reports for h in r.households if h.household == a.household.name]
        if len(hrs) != 1:
            return None
        hr = hrs[0]
        got = {k: v for k, v in hr.values.items()
               if k not in hr.uncertain and v is not None and v != "" and k in template.keys()}
        return {a.pending.household_id or 0: got} if got else None
    fits: list[tuple[Asked, str, Any]] = []
    for a in asked:
        for key in a.fields:
            f = template.get(key)
            if f is None:
                continue
            v = bare_value(answer, f, template)
            if v is not UNCLEAR:
                fits.append((a, key, v))
    t_field = next((f for f in template.fields if f.type == "temperature"), None)
    if not fits and t_field is not None:  # 发热 asked, 36.5 answered: a reading, the fever follows from it
        reading = bare_value(answer, t_field, template)
        if isinstance(reading, float):
            fits = [(a, t_field.key, reading) for a in asked if schema.fever in a.fields]
    if not fits:
        return None
    temps = [x for x in fits if template.get(x[1]) is not None and template.get(x[1]).type == "temperature"]
    if temps:  # 36.5: a reading; the fever asked with it follows from it
        fits = [x for x in fits if x in temps or x[1] != schema.fever or x[0] not in [t[0] for t in temps]]
    households = {id(a) for a, _, _ in fits}
    negative = all(v is NORMAL or (v in (0, False, []) and not isinstance(v, float)) for _, _, v in fits)
    if len(households) != 1 or (len(fits) > 1 and not negative):
        return None  # 4 when 人数 and 返乡 were asked; a value two households' questions take
    a = fits[0][0]
    if negative and len(fits) != len(a.fields):
        return None  # 没有 answers some of the fields asked (not 人数): which ones?
    return {a.pending.household_id or 0: {key: v for _, key, v in fits}}


def asked_rows(ctx: MessageContext, member: Member, user_id: str, chat_id: str, now: datetime, window_s: int
               ) -> list[Asked]:
    """The rows a message of ``user_id`` answers (see the module docstring); [] when it answers none.
    ``window_s``: how long after the question a plain message may be its answer."""
    own = {h.id: h for h in member.households if h.id is not None}
    return _picked(ctx, own, user_id, chat_id, now, window_s, rooms=False)


def resident_rows(ctx: MessageContext, user_id: str, chat_id: str, now: datetime, window_s: int) -> list[Asked]:
    """The lines of a residents' chain that a resident's message answers: only lines the resident posted
    (``sender_user_id``) can be answered by them, picked as a member's rows are (:func:`asked_rows`)."""
    households = {h.id: h for m in ctx.roster.members for h in m.households if h.id is not None}
    posted = {p.household_id: households[p.household_id] for p in ctx.pending.values()
              if p.sender_user_id == user_id and p.household_id in households}
    return _picked(ctx, posted, user_id, chat_id, now, window_s, rooms=True)


def _picked(ctx: MessageContext, own: dict[int | None, Household], user_id: str, chat_id: str, now: datetime,
            window_s: int, *, rooms: bool) -> list[Asked]:
    rows = [p for p in ctx.pending.values() if p.household_id in own and p.chat_id == chat_id]
    if ctx.answering is not None:
        picked = [p for p in rows if p.message_id == ctx.answering]
    else:
        picked = [p for p in rows if p.sender_user_id == user_id and p.message_id is not None
                  and p.message_id == ctx.last_message_id and _recent(p.reported_at, now, window_s)]
    out = [Asked(p, own[p.household_id], list(p.uncertain), room_label(own[p.household_id]) if rooms else None)
           for p in picked]
    return [a for a in out if a.fields]


def room_label(h: Household) -> str:
    """A household's room as a resident writes it: ``3-2105`` (building, unit, room), else its address."""
    place = parse_address(h.address)
    if place is None:
        return h.address
    return "-".join(str(n) for n in (place.building, place.unit, place.room) if n is not None)


def asked_plainly(asked: list[Asked], template: Template) -> bool:
    """A plain message answers only a question of exactly one field of one household (a fever asked with the
    temperature follows from it: ``体温、发热`` is one question)."""
    if len(asked) != 1:
        return False
    fever = schema_for(template).fever
    fields = asked[0].fields
    temps = [k for k in fields if (f := template.get(k)) is not None and f.type == "temperature"]
    return len([k for k in fields if not (k == fever and temps)]) == 1


def _recent(reported_at: str, now: datetime, window_s: int) -> bool:
    if window_s <= 0:
        return False
    try:
        then = datetime.fromisoformat(reported_at)
    except ValueError:
        return False
    if then.tzinfo is None or now.tzinfo is None:
        return False
    return 0 <= (now - then).total_seconds() <= window_s


def answer_writes(values: dict[int, dict[str, Any]], asked: list[Asked], template: Template
                  ) -> tuple[list[MemberReportWrite], list[str], list[str]]:
    """The rows an answer writes (each row's stored values with the answered fields filled in), the reply's
    lines (what was filled in) and its questions (what is still in doubt). A resident's answer is stored as
    the line was: ``via`` "resident", credited to the covering member."""
    writes: list[MemberReportWrite] = []
    lines: list[str] = []
    questions: list[str] = []
    by_id = {a.pending.household_id: a for a in asked}
    for hid, got in values.items():
        a = by_id.get(hid)
        if a is None:
            continue
        data = {k: a.pending.data.get(k) for k in template.keys()}
        data.update({k: v for k, v in got.items() if k in data and v is not NORMAL})
        fever = schema_for(template).fever
        said_normal = [k for k, v in got.items() if v is NORMAL]
        for k in got:
            f = template.get(k)
            if f is not None and f.type == "temperature" and fever:
                t = data.get(k)  # the fever follows from the temperature (正常: no fever, no reading)
                data[fever] = t >= template.fever_threshold if isinstance(t, float) else False
        still = [k for k in a.pending.uncertain if data.get(k) is None and k not in said_normal]
        said = [f"{f.label}{'正常' if got[k] is NORMAL else f.value_text(got[k])}"
                for k in got if (f := template.get(k)) is not None]
        read = {k: v for k, v in a.pending.read.items() if k in still}
        writes.append(MemberReportWrite(int(a.pending.member_id or 0), False, False, None, None, [],
                                        [HouseholdWrite(hid, data, bool(template.anomalies(data)), still, read)],
                                        via="resident" if a.room is not None else "text"))
        lines.append(texts.ANSWER_FILLED.format(household=a.named, items="，".join(said)))
        questions.extend(doubt_asks(still, read, template, named=a.room or a.household.name, room=a.room is not None))
    return writes, lines, questions


def again_question(asked: list[Asked], template: Template) -> str:
    """The plain question again, when an answer could not be placed: name the field with the value."""
    a = asked[0]
    f = template.get(a.fields[0])
    example = ("" if a.room is not None else a.named) + f"{f.label if f else a.fields[0]}…"
    fields = "；".join(f"{x.named}的{field_labels(x.fields, template)}" for x in asked)
    return texts.ANSWER_AGAIN.format(fields=fields, example=example)


def plan_answer(answer: str, member: Member, ctx: MessageContext, save: ReportSave, template: Template,
                user_id: str, chat_id: str, now: datetime, *, replied: bool, window_s: int) -> Plan | None:
    """An answer to the bot's question, planned: the save (the rows with the answered fields filled in; None
    when the question is asked again) and the reply. None when the message answers no question (then it is
    read as usual). ``replied``: the message is a Telegram reply to the bot's question; ``window_s``: the
    answer window of a plain message (seconds)."""
    text = _short(answer)
    if text is None:
        return None
    if any(h.name in text for h in member.households):
        return None  # 王建国家4人: a report of the household, read as usual (it fills the doubt too)
    asked = asked_rows(ctx, member, user_id, chat_id, now, window_s)
    return _plan(text, asked, member, save, template, replied=replied)


def plan_resident_answer(answer: str, ctx: MessageContext, save: ReportSave, template: Template, user_id: str,
                         chat_id: str, now: datetime, *, replied: bool, window_s: int) -> Plan | None:
    """A resident's answer to the bot's question about a line of the residents' chain they posted
    (``❓ 接龙第2条“2105-”的人数没看清``): a reply to that question, or their next message within the window
    when it asked one field of one line. The line's row is filled in as a member's answer fills theirs; None
    when the message answers no such question."""
    text = _short(answer)
    if text is None:
        return None
    asked = resident_rows(ctx, user_id, chat_id, now, window_s)
    if not asked:
        return None
    if not replied and not asked_plainly(asked, template):  # which line? a resident has no household name to write
        return Plan(questions=[texts.ROOM_ANSWER_WHICH]) if _looks_like_value(text) else None
    member = ctx.roster.member_by_id(int(asked[0].pending.member_id or 0))
    if member is None:
        return None
    plan = _plan(text, asked, member, save, template, replied=replied)
    if plan is None and replied:  # a resident's reply to the question is no report: ask again, or stay quiet
        has_number = any(c.isdigit() for c in textnorm.normalize(text))
        return Plan(questions=[again_question(asked, template)]) if has_number else Plan()
    return plan


def _short(answer: str) -> str | None:
    """The message as an answer: one short line (a longer message is a report, or chat), else None."""
    text = answer.strip()
    return text if text and len(text) <= MAX_ANSWER_CHARS and "\n" not in text else None


def _plan(answer: str, asked: list[Asked], member: Member, save: ReportSave, template: Template, *,
          replied: bool) -> Plan | None:
    if not asked or (not replied and not asked_plainly(asked, template)):
        return None
    plan = Plan()
    values = read_answer(answer, asked, member, template)
    writes, lines, questions = answer_writes(values, asked, template) if values else ([], [], [])
    if not writes:
        if wants_correction(answer, asked):  # 不对: what is right, then?
            plan.questions.append(correct_question(asked, template))
            return plan
        if not _looks_like_value(answer):
            return None  # 好的，我去问问: no answer
        plan.questions.append(again_question(asked, template))
        return plan
    save.items.extend(writes)
    plan.save = save
    plan.lines, plan.questions = lines, questions
    return plan


def correct_question(asked: list[Asked], template: Template) -> str:
    """``不对`` to a value shown for confirmation: ask for the right one, naming the field."""
    a = next(x for x in asked if x.read)
    f = template.get(next(iter(a.read)))
    example = ("" if a.room is not None else a.named) + f"{f.label if f else ''}…"
    return texts.ANSWER_CORRECT.format(household=a.named, fields=field_labels(list(a.read), template), example=example)


def _looks_like_value(answer: str) -> bool:
    if stance(answer)[0] is not None:
        return True
    a = _clean(answer)
    return bool(_COUNT_RE.match(a) or _TEMP_RE.match(a) or a in _YES or a in _NO or a in _AT_HOME)
