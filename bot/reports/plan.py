"""The pure middle of handling a report: what the parser read, plus the message's context, becomes the
writes of one save, the reply's lines and the questions to ask. No I/O here.

Four sources store reports, all through these functions and one :meth:`storage.reports.ReportRepo.save`:
a text in a group (:func:`plan_message`), a residents' chain keyed by room or address (:func:`plan_rooms`),
a reading of a photo confirmed with 确认 (:func:`plan_photo`), and a report taken by phone (``gridbot report
add``, :func:`plan_phone`). :func:`member_write` turns one member's report into its household rows for every
one of them.

Ask, don't guess: a field the parser was unsure of (``HouseholdReport.uncertain``) is asked about in the
reply and stored as unknown (null, its key kept in the row's ``uncertain``) until a later report of the
household states it (:func:`fill_pending`: the later report fills the gaps and keeps what it does not
restate). A household the parser was unsure of (``"household"``) is not stored at all, and asked about.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from bot.core import texts
from bot.core.model import Household, HouseholdReport, Member, MemberReport, ParseResult, Roster
from bot.core.records import (
    HouseholdWrite,
    MemberReportWrite,
    MessageContext,
    PendingDoubt,
    ReportSave,
    StoredReport,
    TotalsUpdate,
)
from bot.core.template import UNNAMED_SYMPTOM, Template
from bot.parser.rooms import RoomChain, RoomLine
from bot.parser.schema import schema_for


@dataclass
class Plan:
    """What one message does: the save (None: nothing to store) and the reply's lines and questions."""

    save: ReportSave | None = None
    lines: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    #: each stored report as an item of a merged acknowledgement (None: not mergeable), line by line
    acks: list[str | None] = field(default_factory=list)
    #: the reply when nothing was understood at all (phone reports say so; chats stay silent)
    fallback: str | None = None

    @property
    def reply_text(self) -> str:
        return "\n".join(self.lines + self.questions)

    @property
    def merge_item(self) -> str | None:
        """When the reply is only plain acknowledgements (no question, no correction): what it says, as an
        item of a merged acknowledgement in a busy group. Questions are never merged away."""
        if self.questions or not self.acks or len(self.acks) != len(self.lines) or None in self.acks:
            return None
        return "、".join(a for a in self.acks if a)


def history_needed(result: ParseResult, sender: Member, roster: Roster) -> list[int]:
    """The members whose last reported day a "同昨日" in this message needs (looked up before planning)."""
    out = []
    for rep in result.reports:
        if rep.same_as_yesterday and not rep.households:
            m = resolve_member(rep, sender, roster)
            if m is not None and m.id is not None:
                out.append(int(m.id))
    return out


def resolve_member(rep: MemberReport, sender: Member, roster: Roster) -> Member | None:
    if rep.member == sender.name:
        return sender
    return roster.find_member(rep.member, sender.grid, sender.village)


def plan_message(result: ParseResult, save: ReportSave, sender: Member, ctx: MessageContext, *, is_leader: bool,
                 history: dict[int, list[StoredReport]], template: Template) -> Plan:
    """A text posted in a bound group by a linked member (``sender``), against its context. ``save`` names the
    message (its ids, day, text, time); the plan fills in what it writes."""
    plan = Plan()
    save.retire = list(ctx.edited_reports or [])
    if not result.reports:
        if save.retire:  # an edit turned a report into something else: withdraw it
            plan.save = save
            # a recalled message (Feishu's 撤回) comes as an edit to no text; Telegram's edits always keep some
            said = texts.REPORT_RECALL_WITHDRAWN if not save.text else texts.REPORT_EDIT_WITHDRAWN
            plan.lines.append(said.format(member=sender.name))
        return plan
    for rep in result.reports:
        member = resolve_member(rep, sender, ctx.roster)
        if member is None:
            plan.questions.append(texts.REPORT_UNMATCHED.format(names=rep.member))
            continue
        from_chain = rep.chain_index is not None and member.id != sender.id
        if member.id != sender.id and not from_chain and not is_leader:
            plan.questions.append(texts.REPORT_NOT_YOURS.format(member=member.name))
            continue
        chain_hash = None
        if result.chain:
            chain_hash = report_hash(rep)
            if ctx.edited_reports is None and ctx.chain_hash_seen(int(member.id or 0), chain_hash):
                continue  # a chain reposted with one more line: this line is stored already
        for f in rep.foreign:
            plan.questions.append(texts.REPORT_FOREIGN.format(household=f["household"], owner=f["member"]))
        if rep.unmatched:
            plan.questions.append(texts.REPORT_UNMATCHED.format(names="、".join(rep.unmatched)))
        if result.correction and not rep.households and not rep.covers_all and not rep.same_as_yesterday:
            latest = ctx.latest_report(int(member.id or 0))
            if latest is not None:
                save.totals.append(TotalsUpdate(latest.id, rep.totals.get("households"), rep.totals.get("people")))
                plan.lines.append(texts.REPORT_CORRECTED.format(member=member.name, summary=totals_text(rep.totals)))
            continue
        write = member_write(rep, member, template, history.get(int(member.id or 0)))
        doubts = doubt_questions(rep, member, template)
        plan.questions.extend(doubts)
        if write is None:
            if rep.same_as_yesterday:
                plan.questions.append(texts.REPORT_NO_HISTORY.format(member=member.name))
            elif not rep.unmatched and not rep.foreign and not doubts:
                plan.questions.append(texts.REPORT_NOTHING)
            continue
        fill_pending(write, ctx.pending, template)
        write.chain_hash = chain_hash
        # A correction restates some households: writing them replaces today's values (the old ones go to the
        # audit table); households it does not mention keep what was reported.
        save.items.append(write)
        plan.lines.append(summary_line(rep, member, write, template, correction=result.correction))
        plan.acks.append(ack_item(rep, member, write, template, correction=result.correction))
        expected = len(member.households)
        stated = rep.totals.get("households")
        if stated is not None and stated != expected and not from_chain:
            plan.questions.append(texts.REPORT_COUNT_MISMATCH.format(expected=expected, stated=stated))
    if save.items or save.retire or save.totals:
        plan.save = save
    ask_rest(plan, result.lines_read)
    return plan


def ask_rest(plan: Plan, lines_read: int | None) -> None:
    """A message longer than the parser reads: say plainly that only its first ``lines_read`` lines were read
    and ask for the rest in parts (a question: never merged away)."""
    if lines_read is not None:
        plan.questions.append(texts.MESSAGE_TOO_LONG.format(lines=lines_read))


def plan_phone(result: ParseResult, save: ReportSave, member: Member, roster: Roster,
               history: dict[int, list[StoredReport]], template: Template) -> Plan:
    """A report taken by phone and typed in by the statistician, as if ``member`` had posted it."""
    plan = Plan(fallback=texts.REPORT_NOTHING)
    for rep in result.reports:
        m = roster.find_member(rep.member, member.grid, member.village) or member
        write = member_write(rep, m, template, history.get(int(m.id or 0)), via="phone")
        if rep.unmatched:
            plan.questions.append(texts.REPORT_UNMATCHED.format(names="、".join(rep.unmatched)))
        plan.questions.extend(doubt_questions(rep, m, template))
        if write is None:
            continue
        save.items.append(write)
        plan.lines.append(summary_line(rep, m, write, template, correction=result.correction))
    if save.items:
        plan.save = save
    ask_rest(plan, result.lines_read)
    return plan


def plan_photo(rep: MemberReport, save: ReportSave, member: Member, template: Template, photo_file_id: str) -> Plan:
    """A photo reading the sender (or their leader) confirmed, stored like a text report, with the photo's id."""
    return plan_stated(rep, save, member, template, via="photo", photo_file_id=photo_file_id)


def plan_stated(rep: MemberReport, save: ReportSave, member: Member, template: Template, *, via: str,
                photo_file_id: str | None = None, correction: bool = False) -> Plan:
    """A report whose values were checked before it is stored, not read from a message: a confirmed photo
    reading (``via`` photo), or a value corrected from the console (``via`` console, ``correction``)."""
    plan = Plan(fallback=texts.REPORT_NOTHING)
    write = member_write(rep, member, template, None, via=via, photo_file_id=photo_file_id)
    if write is None:
        return plan
    save.items.append(write)
    plan.save = save
    plan.lines.append(summary_line(rep, member, write, template, correction=correction))
    return plan


def member_write(rep: MemberReport, member: Member, template: Template, last_day: list[StoredReport] | None, *,
                 via: str = "text", photo_file_id: str | None = None) -> MemberReportWrite | None:
    """One member's report as the household rows to write; None when it names none of their households
    (or says "同昨日" with no earlier day, ``last_day`` None)."""
    by_name: dict[str, Household] = {}
    for h in member.households:
        by_name.setdefault(h.name, h)
    households: list[HouseholdWrite] = []
    if rep.same_as_yesterday and not rep.households:
        if last_day is None:
            return None
        for r in last_day:
            households.append(HouseholdWrite(r.household_id, dict(r.data), bool(template.anomalies(r.data))))
    asks = via != "photo"  # a photo reading is stored once the member confirmed what it shows
    for hr in rep.households:
        h = by_name.get(hr.household)
        if h is None or h.id is None or (asks and "household" in hr.uncertain):
            continue
        values, doubts = household_values(hr, template, asks=asks)
        households.append(HouseholdWrite(h.id, values, bool(template.anomalies(values)), doubts,
                                         read_values(hr, doubts, template)))
    if not households:
        return None
    return MemberReportWrite(
        member_id=int(member.id or 0),
        covers_all=rep.covers_all,
        same_as_yesterday=rep.same_as_yesterday,
        totals_households=rep.totals.get("households"),
        totals_people=rep.totals.get("people"),
        unmatched=list(rep.unmatched),
        households=households,
        via=via,
        photo_file_id=photo_file_id,
    )


def household_values(hr: HouseholdReport, template: Template, *, asks: bool = True) -> tuple[dict[str, Any], list[str]]:
    """A household report's values as stored, and its doubtful fields: those are stored as unknown (null)."""
    values = {k: hr.values.get(k) for k in template.keys()}
    doubts = [k for k in dict.fromkeys(hr.uncertain) if k in values] if asks else []
    for k in doubts:
        values[k] = None
    return values, doubts


def read_values(hr: HouseholdReport, doubts: list[str], template: Template) -> dict[str, Any]:
    """What the parser read for the doubtful fields that a member can confirm (``体温365`` → 36.5): a value,
    not a placeholder (a symptom not named, a note), and not a fever that follows a doubtful temperature."""
    out: dict[str, Any] = {}
    temp_doubt = any((f := template.get(k)) is not None and f.type == "temperature" for k in doubts)
    fever = schema_for(template).fever
    for k in doubts:
        f, v = template.get(k), hr.values.get(k)
        if f is None or v is None or v == "" or f.type == "text" or (k == fever and temp_doubt):
            continue
        if f.type == "symptoms" and (not isinstance(v, list) or not v or UNNAMED_SYMPTOM in v):
            continue
        out[k] = v
    return out


def confirm_text(read: dict[str, Any], template: Template) -> str:
    """The values read, as a question shows them for confirmation: ``体温36.5℃``, ``人数3``, ``发热：是``."""
    bits = []
    for k, v in read.items():
        f = template.get(k)
        if f is None:
            continue
        if f.type == "temperature":
            bits.append(f"{f.label}{v}℃")
        elif isinstance(v, int) and not isinstance(v, bool):
            bits.append(f"{f.label}{v}")
        else:
            bits.append(f"{f.label}：{f.value_text(v)}")
    return "，".join(bits)


def doubt_asks(doubts: list[str], read: dict[str, Any], template: Template, *, named: str, room: bool
               ) -> list[str]:
    """The questions about a row's doubtful fields: a read value is shown for confirmation (``❓ 杜美玲家的体温
    36.5℃，对吗？…``), the rest asked open (``❓ 杜美玲家的人数没看清…``); a fever that follows a read temperature is
    not asked apart. ``named``: the household (``杜美玲``) or, for a residents' chain (``room``), its line."""
    fever = schema_for(template).fever
    follows = any((f := template.get(k)) is not None and f.type == "temperature" for k in read)
    open_keys = [k for k in doubts if k not in read and not (k == fever and follows)]
    out = []
    if open_keys:
        out.append(texts.ROOM_DOUBT.format(line=named, fields=field_labels(open_keys, template)) if room else
                   texts.REPORT_DOUBT.format(household=named, fields=field_labels(open_keys, template)))
    shown = {k: v for k, v in read.items() if k in doubts}
    if shown:
        items = confirm_text(shown, template)
        out.append(texts.ROOM_CONFIRM.format(line=named, items=items) if room else
                   texts.REPORT_CONFIRM.format(household=named, items=items))
    return out


def fill_pending(write: MemberReportWrite, pending: dict[int, PendingDoubt], template: Template) -> None:
    """A household whose row today waits for an answer (doubtful fields stored as null): what this report
    states wins, what it leaves unstated keeps the stored value, and what is still unknown stays doubtful."""
    for i, hw in enumerate(write.households):
        old = pending.get(hw.household_id)
        if old is None:
            continue
        data = {k: (v if v not in (None, "") else old.data.get(k, v)) for k, v in hw.data.items()}
        still = [k for k in old.uncertain if data.get(k) is None and k not in hw.uncertain]
        read = {k: v for k, v in old.read.items() if k in still} | hw.read
        write.households[i] = HouseholdWrite(hw.household_id, data, bool(template.anomalies(data)),
                                             hw.uncertain + still, read)


def field_labels(keys: list[str], template: Template) -> str:
    return "、".join(f.label if (f := template.get(k)) is not None else k for k in keys)


def doubt_questions(rep: MemberReport, member: Member, template: Template) -> list[str]:
    """The questions about what the parser was unsure of in one member's report (their own households)."""
    own = {h.name for h in member.households}
    out = []
    for hr in rep.households:
        if hr.household not in own:
            continue
        if "household" in hr.uncertain:
            out.append(texts.REPORT_DOUBT_HOUSEHOLD.format(household=hr.household))
            continue
        _, doubts = household_values(hr, template)
        out.extend(doubt_asks(doubts, read_values(hr, doubts, template), template, named=hr.household, room=False))
    return out


def room_line(ln: RoomLine) -> str:
    """How a reply names a chain line: ``接龙第12条“2105-2”``."""
    text = ln.text if len(ln.text) <= 16 else ln.text[:15] + "…"
    if ln.number is None:
        return texts.ROOM_LINE_UNNUMBERED.format(text=text)
    return texts.ROOM_LINE.format(number=ln.number, text=text)


def _line_key(ln: RoomLine) -> str:
    """A chain line the group is asked about, as recorded for the day (a repost does not ask again)."""
    return "room:" + hashlib.sha256(f"{ln.status}|{ln.text}".encode()).hexdigest()[:16]


def plan_rooms(chain: RoomChain, save: ReportSave, ctx: MessageContext, template: Template) -> Plan:
    """A residents' chain keyed by room or address, posted in a bound group by anyone (a resident or a
    member): each placed line is the report of its household, credited to the member who covers it, and
    stored as a member report of its own (``via`` "resident", the poster in ``sender_user_id``). A line
    stored already today (same household, same values: a repost) is skipped. Lines that fit no household
    of the group's grids, or several, or only another grid's, are asked about once a day per chat."""
    plan = Plan()
    save.retire = list(ctx.edited_reports or [])
    stored: dict[int, tuple[Member, list[str]]] = {}
    for ln in chain.placed:
        h, m, hr = ln.household, ln.member, ln.report
        if h is None or m is None or hr is None or h.id is None or m.id is None:
            continue
        if "household" in hr.uncertain:
            plan.questions.append(texts.ROOM_UNKNOWN.format(line=room_line(ln)))
            continue
        values, doubts = household_values(hr, template)
        line_hash = hashlib.sha256(
            json.dumps([h.id, values, doubts], ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]
        if ctx.edited_reports is None and ctx.chain_hash_seen(int(m.id), line_hash):
            continue  # this line is stored already (the chain was reposted)
        read = read_values(hr, doubts, template)
        write = MemberReportWrite(int(m.id), False, False, None, None, [],
                                  [HouseholdWrite(h.id, values, bool(template.anomalies(values)), doubts, read)],
                                  chain_hash=line_hash, via="resident")
        fill_pending(write, ctx.pending, template)
        save.items.append(write)
        _, anomalies = stored.setdefault(int(m.id), (m, []))
        if write.households[0].anomaly:
            anomalies.append(anomaly_text(ln.key, write.households[0].data, template))
        plan.questions.extend(doubt_asks(doubts, read, template, named=room_line(ln), room=True))
    counts: dict[int, int] = {}
    for it in save.items:
        counts[it.member_id] = counts.get(it.member_id, 0) + 1
    if stored:
        items = [texts.ROOM_ITEM.format(member=m.name, n=counts[mid]) for mid, (m, _) in stored.items()]
        anomalies = [a for _, found in stored.values() for a in found]
        tail = texts.ACK_ANOMALIES.format(anomalies="，".join(anomalies)) if anomalies else ""
        plan.lines.append(texts.ROOM_OK.format(items="，".join(items)) + tail)
        plan.acks.append(texts.ROOM_ACK.format(items="，".join(items)) + tail)
    asks = {"unknown": texts.ROOM_UNKNOWN, "ambiguous": texts.ROOM_AMBIGUOUS, "several": texts.ROOM_SEVERAL,
            "foreign": texts.ROOM_FOREIGN}
    for ln in chain.lines:
        tpl = asks.get(ln.status)
        if tpl is None:
            continue
        key = _line_key(ln)
        if key in ctx.asked or key in save.asked:
            continue
        save.asked.append(key)
        plan.questions.append(tpl.format(line=room_line(ln), n=len(ln.candidates)))
    if save.items or save.retire or save.asked:
        plan.save = save
    ask_rest(plan, chain.lines_read)
    return plan


def _figures(rep: MemberReport, member: Member, write: MemberReportWrite, template: Template) -> tuple[str, list[str]]:
    """``17户44人`` and the anomalies of the stored households (``高丽娟家返乡1人``)."""
    n = rep.totals.get("households") or len(write.households)
    people = rep.totals.get("people")
    if people is None:
        stated = [h.data.get("people") for h in write.households]
        if all(isinstance(p, int) for p in stated):
            people = sum(p for p in stated if isinstance(p, int))
    names = {h.id: h.name for h in member.households}
    anomalies = [anomaly_text(names.get(h.household_id, ""), h.data, template) for h in write.households if h.anomaly]
    return f"{n}户" + (f"{people}人" if people is not None else ""), anomalies


def summary_line(rep: MemberReport, member: Member, write: MemberReportWrite, template: Template, *,
                 correction: bool) -> str:
    """The reply's line for one stored member report: ``✅ 已记录 王艳 17户；异常：…``."""
    summary, anomalies = _figures(rep, member, write, template)
    if anomalies:
        summary += "；异常：" + "，".join(anomalies)
    elif rep.covers_all or all(not h.anomaly for h in write.households):
        summary += "，均正常"
    if rep.same_as_yesterday and not rep.households:
        return texts.REPORT_SAME.format(member=member.name, summary=summary)
    if correction:
        return texts.REPORT_CORRECTED.format(member=member.name, summary=summary)
    return texts.REPORT_OK.format(member=member.name, summary=summary)


def ack_item(rep: MemberReport, member: Member, write: MemberReportWrite, template: Template, *,
             correction: bool) -> str | None:
    """The same report as one item of a merged acknowledgement (``王艳 17户（异常：高丽娟家返乡1人）``);
    None for what is not a plain acknowledgement (a correction, "同昨日"), which is never merged."""
    if correction or (rep.same_as_yesterday and not rep.households):
        return None
    summary, anomalies = _figures(rep, member, write, template)
    return f"{member.name} {summary}" + (texts.ACK_ANOMALIES.format(anomalies="，".join(anomalies)) if anomalies else "")


def report_hash(rep: MemberReport) -> str:
    """A chain line's fingerprint: a reposted chain's lines that are stored already are skipped."""
    payload = json.dumps(rep.to_json(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def totals_text(totals: dict[str, int | None]) -> str:
    parts = []
    if totals.get("households") is not None:
        parts.append(f"{totals['households']}户")
    if totals.get("people") is not None:
        parts.append(f"{totals['people']}人")
    return "".join(parts) or "（总数）"


def anomaly_text(household: str, data: dict[str, Any], template: Template) -> str:
    bits = []
    for key in template.anomalies(data):
        f = template.get(key)
        v = data.get(key)
        if key == "fever":
            t = data.get("temperature")
            bits.append(f"发热{t}℃" if t else "发热")
        elif f is not None:
            bits.append(f.anomaly_text(v))
    return f"{household}家" + "、".join(bits)
