"""The reporting loop, free of any chat platform: bind, iam, reports, corrections, undo, phone reports.

A chat adapter (``handlers/telegram/``) turns its updates into the port types of :mod:`bot.core.chat`,
calls :class:`ReportService`, and sends the :class:`Reply` it gets back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import date, datetime, timedelta
from typing import Any

from bot.config.settings import Config
from bot.core import texts
from bot.core.chat import Button, IncomingMessage, Reply, Sender
from bot.core.dates import ReportClock
from bot.core.model import Household, Member, MemberReport, Roster
from bot.core.roster import RosterRow
from bot.parser.parse import parse_message
from storage.reports import HouseholdWrite, ImportStats, MemberReportWrite, ReportRepo

log = logging.getLogger(__name__)


def _now_iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


class ReportService:
    """Use cases of the reporting loop. All times come from the injected :class:`ReportClock`."""

    def __init__(self, config: Config, repo: ReportRepo, clock: ReportClock | None = None):
        self.config = config
        self.repo = repo
        self.clock = clock or ReportClock(config)

    # ------------------------------------------------------------------ time
    def now(self) -> datetime:
        return self.clock.now()

    def day_of(self, when: datetime) -> date:
        """The report day of a moment (see :meth:`ReportClock.day_of`)."""
        return self.clock.day_of(when)

    # ------------------------------------------------------------------ roster
    async def import_roster(self, rows: list[RosterRow], source: str) -> ImportStats:
        stats = await self.repo.import_roster([r.__dict__ for r in rows], source, _now_iso(self.now()))
        self._roster_cache = None
        return stats

    async def roster(self, grid_ids: list[int] | None = None) -> Roster:
        """The active roster (optionally of some grids), with database ids on members and households."""
        rows = await self.repo.roster_rows(grid_ids)
        members: dict[int, dict[str, Any]] = {}
        for r in rows:
            m = members.setdefault(
                r["member_id"],
                {"row": r, "households": []},
            )
            m["households"].append(
                Household(r["household"], r["member"], r["grid"], r["village"], r["town"], r["address"],
                          r["people"], r["household_id"])
            )
        return Roster(
            [
                Member(v["row"]["member"], v["row"]["grid"], v["row"]["village"], v["row"]["town"],
                       v["row"]["account"], tuple(v["households"]), mid)
                for mid, v in members.items()
            ]
        )

    async def member_by_id(self, member_id: int, grid_id: int | None = None) -> Member | None:
        """A member with households and ids (``grid_id`` narrows the roster that is loaded)."""
        roster = await self.roster([grid_id] if grid_id is not None else None)
        return roster.member_by_id(member_id)

    async def member_of(self, chat_id: int | None, sender: Sender) -> Member | None:
        """The sender's first linked member: in a group (``chat_id``) one of the grids bound to it."""
        rows = await self.linked_members(chat_id, sender)
        if not rows:
            return None
        return await self.member_by_id(int(rows[0]["id"]), int(rows[0]["grid_id"]))

    # ------------------------------------------------------------------ commands
    async def bind(self, chat_id: int, chat_type: str, sender: Sender, is_chat_admin: bool, arg: str) -> Reply:
        if chat_type not in ("group", "supergroup"):
            return Reply(texts.BIND_NOT_GROUP)
        name = arg.strip()
        if not name:
            return Reply(texts.BIND_USAGE)
        grids = await self.repo.find_grids(name)
        if not grids:
            return Reply(texts.BIND_NOT_FOUND.format(name=name))
        if len(grids) > 1:
            g = grids[0]
            return Reply(texts.BIND_AMBIGUOUS.format(name=name, example=f"/bind {g['village']}/{g['name']}"))
        grid = grids[0]
        await self.repo.members_for_user(sender.user_id, sender.username)  # links a leader's @username
        is_leader = grid["id"] in await self.repo.leader_grid_ids(sender.user_id)
        if not is_chat_admin or not (self.is_admin(sender.user_id) or is_leader):
            return Reply(texts.BIND_NOT_ALLOWED)
        created = await self.repo.bind(chat_id, grid["id"], sender.user_id, _now_iso(self.now()))
        label = self.grid_label(grid)
        if not created:
            return Reply(texts.BIND_ALREADY.format(grid=label))
        roster = await self.roster([grid["id"]])
        households = sum(len(m.households) for m in roster.members)
        log.info("chat %s bound to grid %s", chat_id, grid["id"])
        return Reply(texts.BIND_OK.format(grid=label, members=len(roster.members), households=households))

    @staticmethod
    def grid_label(grid: Any) -> str:
        return f"{grid['village']}{grid['name']}" if grid["village"] else grid["name"]

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.config.admins

    async def chat_gone(self, chat_id: int) -> None:
        """The bot was removed from a group: its bindings become inactive."""
        await self.repo.deactivate_chat(chat_id)

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its bindings move to the new chat id."""
        await self.repo.migrate_chat(old_chat_id, new_chat_id)

    async def iam(self, chat_id: int, chat_type: str, sender: Sender, arg: str) -> Reply:
        if chat_type not in ("group", "supergroup"):
            return Reply(texts.IAM_NOT_GROUP)
        name = re.sub(r"\s+", "", arg)
        if not name:
            return Reply(texts.IAM_USAGE)
        grid_ids = await self.repo.bound_grid_ids(chat_id)
        if not grid_ids:
            return Reply(texts.GROUP_NOT_BOUND)
        linked = await self.repo.members_for_user(sender.user_id, sender.username)
        for m in linked:
            if m["grid_id"] in grid_ids and m["name"] == name:
                return Reply(texts.IAM_ALREADY.format(name=name))
        candidates = await self.repo.members_in_grids(grid_ids, name)
        if not candidates:
            return Reply(texts.IAM_NOT_FOUND.format(name=name))
        member = candidates[0]
        if member["tg_user_id"] is not None and member["tg_user_id"] != sender.user_id:
            return Reply(texts.IAM_TAKEN.format(name=name))
        req_id = await self.repo.create_link_request(
            chat_id, sender.user_id, sender.username, member["id"], _now_iso(self.now()), sender.display_name
        )
        grid = await self.repo.grid(member["grid_id"])
        return Reply(
            texts.IAM_REQUEST.format(user=sender.mention_name(), name=name, grid=self.grid_label(grid)),
            buttons=[[Button(texts.IAM_APPROVE, f"iam:a:{req_id}"), Button(texts.IAM_REJECT, f"iam:r:{req_id}")]],
            quote=True,
        )

    async def can_manage_grid(self, user: Sender, grid_id: int) -> bool:
        if self.is_admin(user.user_id):
            return True
        await self.repo.members_for_user(user.user_id, user.username)
        return grid_id in await self.repo.leader_grid_ids(user.user_id)

    async def decide_link(self, decider: Sender, request_id: int, approve: bool) -> tuple[bool, str]:
        """Approve or reject an /iam request. Returns (done, text): the text replaces the request message
        when done, and is an alert for the clicker otherwise."""
        req = await self.repo.link_request(request_id)
        if req is None:
            return False, texts.IAM_DONE_ALREADY
        member = await self.repo.member(req["member_id"])
        if member is None or not await self.can_manage_grid(decider, member["grid_id"]):
            return False, texts.IAM_NOT_ALLOWED
        ok = await self.repo.decide_link_request(
            request_id, "approved" if approve else "rejected", decider.user_id, _now_iso(self.now())
        )
        if not ok:
            return False, texts.IAM_DONE_ALREADY
        user = req["display_name"] or (f"@{req['username']}" if req["username"] else f"用户{req['user_id']}")
        grid = await self.repo.grid(member["grid_id"])
        tpl = texts.IAM_APPROVED if approve else texts.IAM_REJECTED
        log.info("link request %s %s by %s", request_id, "approved" if approve else "rejected", decider.user_id)
        return True, tpl.format(user=user, name=member["name"], grid=self.grid_label(grid))

    async def linked_members(self, chat_id: int | None, sender: Sender) -> list[Any]:
        """The sender's member rows; in a group, only those of the grids bound to it."""
        rows = await self.repo.members_for_user(sender.user_id, sender.username)
        if chat_id is None:
            return rows
        grid_ids = await self.repo.bound_grid_ids(chat_id)
        return [r for r in rows if r["grid_id"] in grid_ids]

    async def mystatus(self, chat_id: int, chat_type: str, sender: Sender) -> Reply:
        private = chat_type == "private"
        members = await self.linked_members(None if private else chat_id, sender)
        if not members:
            return Reply(texts.MYSTATUS_NOT_LINKED)
        day = self.day_of(self.now())
        parts = []
        for m in members:
            me = await self.member_by_id(m["id"], m["grid_id"])
            if me is None:
                continue
            done_ids = {r["household_id"] for r in await self.repo.reports_for_members([m["id"]], day.isoformat())}
            missing = [h.name for h in me.households if h.id not in done_ids]
            if not missing:
                tail = texts.MYSTATUS_ALL_DONE
            elif private:
                tail = texts.MYSTATUS_MISSING.format(names="、".join(missing))
            else:  # household names never go to a group (README "Privacy"): the count, and the list in private
                tail = texts.MYSTATUS_MISSING_GROUP.format(n=len(missing))
            parts.append(
                texts.MYSTATUS.format(
                    member=me.name, day=f"{day.month}月{day.day}日", done=len(me.households) - len(missing),
                    total=len(me.households), missing=tail,
                )
            )
        return Reply("\n\n".join(parts))

    async def undo(self, chat_id: int, chat_type: str, sender: Sender) -> Reply:
        members = await self.linked_members(None if chat_type == "private" else chat_id, sender)
        day = self.day_of(self.now()).isoformat()
        latest = None
        for m in members:
            mr = await self.repo.latest_member_report(m["id"], day)
            if mr is not None and (latest is None or mr["id"] > latest[0]["id"]):
                latest = (mr, m)
        if latest is None:
            return Reply(texts.UNDO_NOTHING)
        mr, m = latest
        count = len([r for r in await self.repo.reports_for_members([m["id"]], day) if r["member_report_id"] == mr["id"]])
        await self.repo.retire_member_report(mr["id"], _now_iso(self.now()), "undone")
        log.info("member report %s undone by user %s", mr["id"], sender.user_id)
        return Reply(texts.UNDO_OK.format(member=m["name"], count=count))

    # ------------------------------------------------------------------ reports
    async def handle_message(self, msg: IncomingMessage) -> Reply | None:
        """A text in a chat. Returns the reply, or None for silence (chit-chat, unbound groups, repeats)."""
        if msg.chat_type == "private":
            return None
        grid_ids = await self.repo.bound_grid_ids(msg.chat_id)
        if not grid_ids:
            return None
        if msg.update_id is not None and await self.repo.update_seen(msg.update_id):
            return None
        members = await self.linked_members(msg.chat_id, msg.sender)
        roster = await self.roster(grid_ids)
        if not members:
            return await self._hint_unlinked(msg, roster)
        sender_member = roster.member_by_id(members[0]["id"])
        if sender_member is None:
            return None
        result = parse_message(msg.text, sender_member, roster, self.config.template)
        day = self.day_of(msg.date).isoformat()
        previous = await self.repo.message_row(msg.chat_id, msg.message_id) if msg.edited else None
        retire: list[int] = []
        if previous is not None:
            retire = [r["id"] for r in await self.repo.member_reports_of_message(previous["id"])]
        if not result.reports:
            if retire:  # an edit turned a report into something else: withdraw it
                await self.repo.save_reports(
                    update_id=msg.update_id, chat_id=msg.chat_id, message_id=msg.message_id,
                    sender_user_id=msg.sender.user_id, day=day, text=msg.text, now=_now_iso(self.now()), items=[],
                    retire=retire,
                )
                return Reply(texts.REPORT_EDIT_WITHDRAWN.format(member=sender_member.name))
            return None
        writes: list[MemberReportWrite] = []
        lines: list[str] = []
        questions: list[str] = []
        is_leader: bool | None = None  # looked up only when a report names another member
        for rep in result.reports:
            member = self._resolve_member(rep, sender_member, roster)
            if member is None:
                questions.append(texts.REPORT_UNMATCHED.format(names=rep.member))
                continue
            from_chain = rep.chain_index is not None and member.id != sender_member.id
            if member.id != sender_member.id and not from_chain and is_leader is None:
                is_leader = await self.can_manage_grid(msg.sender, members[0]["grid_id"])
            if member.id != sender_member.id and not from_chain and not is_leader:
                questions.append(texts.REPORT_NOT_YOURS.format(member=member.name))
                continue
            chain_hash = None
            if result.chain:
                chain_hash = _hash_report(rep)
                if previous is None and await self.repo.chain_hash_seen(member.id, day, chain_hash):
                    continue  # a chain reposted with one more line: this line is stored already
            for f in rep.foreign:
                questions.append(texts.REPORT_FOREIGN.format(household=f["household"], owner=f["member"]))
            if rep.unmatched:
                questions.append(texts.REPORT_UNMATCHED.format(names="、".join(rep.unmatched)))
            if result.correction and not rep.households and not rep.covers_all and not rep.same_as_yesterday:
                latest = await self.repo.latest_member_report(member.id, day)
                if latest is not None:
                    await self.repo.update_totals(latest["id"], rep.totals.get("households"), rep.totals.get("people"))
                    if msg.update_id is not None:
                        await self.repo.mark_update(msg.update_id, _now_iso(self.now()))
                    lines.append(texts.REPORT_CORRECTED.format(member=member.name, summary=_totals_text(rep.totals)))
                continue
            write = await self._build_write(rep, member, day)
            if write is None:
                if rep.same_as_yesterday:
                    questions.append(texts.REPORT_NO_HISTORY.format(member=member.name))
                elif not rep.unmatched and not rep.foreign:
                    questions.append(texts.REPORT_NOTHING)
                continue
            write.chain_hash = chain_hash
            # A correction restates some households: writing them replaces today's values (the old ones go to
            # the audit table); households it does not mention keep what was reported.
            writes.append(write)
            lines.append(self._summary_line(rep, member, write, result.correction, chain=from_chain))
            expected = len(member.households)
            stated = rep.totals.get("households")
            if stated is not None and stated != expected and not from_chain:
                questions.append(texts.REPORT_COUNT_MISMATCH.format(expected=expected, stated=stated))
        if writes or retire:
            saved = await self.repo.save_reports(
                update_id=msg.update_id, chat_id=msg.chat_id, message_id=msg.message_id,
                sender_user_id=msg.sender.user_id, day=day, text=msg.text, now=_now_iso(self.now()), items=writes,
                retire=retire, retire_reason="edited" if msg.edited else "corrected",
            )
            if saved is None:
                return None
            log.info("stored %d member report(s) from chat %s message %s", len(writes), msg.chat_id, msg.message_id)
        if not lines and not questions:
            return None
        return Reply("\n".join(lines + questions))

    def _resolve_member(self, rep: MemberReport, sender: Member, roster: Roster) -> Member | None:
        if rep.member == sender.name:
            return sender
        return roster.find_member(rep.member, sender.grid, sender.village)

    async def _build_write(self, rep: MemberReport, member: Member, day: str) -> MemberReportWrite | None:
        by_name: dict[str, Household] = {}
        for h in member.households:
            by_name.setdefault(h.name, h)
        tpl = self.config.template
        households: list[HouseholdWrite] = []
        if rep.same_as_yesterday and not rep.households:
            last_day = await self.repo.last_report_day(member.id, day)
            if last_day is None:
                return None
            for r in await self.repo.reports_for_members([member.id], last_day):
                data = json.loads(r["data"])
                households.append(HouseholdWrite(r["household_id"], data, bool(tpl.anomalies(data))))
        for hr in rep.households:
            h = by_name.get(hr.household)
            if h is None or h.id is None:
                continue
            values = {k: hr.values.get(k) for k in tpl.keys()}
            households.append(HouseholdWrite(h.id, values, bool(tpl.anomalies(values))))
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
        )

    def _summary_line(
        self, rep: MemberReport, member: Member, write: MemberReportWrite, correction: bool, chain: bool
    ) -> str:
        n = rep.totals.get("households") or len(write.households)
        people = rep.totals.get("people")
        if people is None:
            stated = [h.data.get("people") for h in write.households]
            if all(isinstance(p, int) for p in stated):
                people = sum(p for p in stated if isinstance(p, int))
        summary = f"{n}户" + (f"{people}人" if people is not None else "")
        names = {h.id: h.name for h in member.households}
        anomalies = [
            _anomaly_text(names.get(h.household_id, ""), h.data, self.config.template)
            for h in write.households
            if h.anomaly
        ]
        if anomalies:
            summary += "；异常：" + "，".join(anomalies)
        elif rep.covers_all or all(not h.anomaly for h in write.households):
            summary += "，均正常"
        if rep.same_as_yesterday and not rep.households:
            return texts.REPORT_SAME.format(member=member.name, summary=summary)
        if correction:
            return texts.REPORT_CORRECTED.format(member=member.name, summary=summary)
        return texts.REPORT_OK.format(member=member.name, summary=summary)

    async def _hint_unlinked(self, msg: IncomingMessage, roster: Roster) -> Reply | None:
        """An unlinked user posted in a bound group: store nothing; hint once in a while if it looks like a
        report."""
        probe = next(iter(roster.members), None)
        if probe is None:
            return None
        result = parse_message(msg.text, probe, roster, self.config.template)
        if not result.reports and not _looks_like_report(msg.text):
            return None
        now = self.now()
        since = _now_iso(now - timedelta(seconds=self.config.hint_interval_s))
        if not await self.repo.should_hint(msg.sender.user_id, msg.chat_id, "not_linked", _now_iso(now), since):
            return None
        return Reply(texts.NOT_LINKED)

    # ------------------------------------------------------------------ CLI and ledgers
    async def add_report(self, member_name: str, text: str, day: date | None = None, grid: str | None = None) -> Reply:
        """Store a report taken by phone, exactly as if the member had posted it (``gridbot report add``)."""
        roster = await self.roster()
        member = roster.find_member(member_name, grid)
        if member is None:
            return Reply(f"找不到网格员 {member_name}")
        result = parse_message(text, member, roster, self.config.template)
        d = (day or self.day_of(self.now())).isoformat()
        writes, lines, questions = [], [], []
        for rep in result.reports:
            m = roster.find_member(rep.member, member.grid, member.village) or member
            write = await self._build_write(rep, m, d)
            if rep.unmatched:
                questions.append(texts.REPORT_UNMATCHED.format(names="、".join(rep.unmatched)))
            if write is None:
                continue
            write.via = "phone"
            writes.append(write)
            lines.append(self._summary_line(rep, m, write, result.correction, chain=False))
        if not writes:
            return Reply("\n".join(questions) or texts.REPORT_NOTHING)
        await self.repo.save_reports(
            update_id=None, chat_id=None, message_id=None, sender_user_id=None, day=d, text=text,
            now=_now_iso(self.now()), items=writes,
        )
        return Reply("\n".join(lines + questions))

    async def store_photo_report(
        self, member_id: int, rep: MemberReport, day: str, *, chat_id: int | None, message_id: int | None,
        sender_user_id: int | None, photo_file_id: str,
    ) -> Reply:
        """Store a confirmed photo reading exactly like a text report, keeping the photo's file id (audit)."""
        roster = await self.roster()
        member = roster.member_by_id(member_id)
        if member is None:
            return Reply(texts.REPORT_NOTHING)
        write = await self._build_write(rep, member, day)
        if write is None:
            return Reply(texts.REPORT_NOTHING)
        write.via = "photo"
        write.photo_file_id = photo_file_id
        await self.repo.save_reports(
            update_id=None, chat_id=chat_id, message_id=message_id, sender_user_id=sender_user_id, day=day,
            text="[照片]", now=_now_iso(self.now()), items=[write],
        )
        log.info("stored a photo report of member %s (%d households)", member_id, len(write.households))
        return Reply(self._summary_line(rep, member, write, False, chain=False))

    async def day_table(self, day: date, grid_ids: list[int] | None = None) -> list[dict[str, Any]]:
        out = []
        for r in await self.repo.day_table(day.isoformat(), grid_ids):
            data = json.loads(r["data"]) if r["data"] else None
            out.append({"village": r["village"], "grid": r["grid"], "member": r["member"],
                        "household": r["household"], "roster_people": r["roster_people"], "data": data,
                        "via": r["via"]})
        return out


def _hash_report(rep: MemberReport) -> str:
    payload = json.dumps(rep.to_json(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _totals_text(totals: dict[str, int | None]) -> str:
    parts = []
    if totals.get("households") is not None:
        parts.append(f"{totals['households']}户")
    if totals.get("people") is not None:
        parts.append(f"{totals['people']}人")
    return "".join(parts) or "（总数）"


def _anomaly_text(household: str, data: dict[str, Any], template: Any) -> str:
    bits = []
    for key in template.anomalies(data):
        f = template.get(key)
        v = data.get(key)
        if key == "fever":
            t = data.get("temperature")
            bits.append(f"发热{t}℃" if t else "发热")
        elif isinstance(v, bool):
            bits.append(f.label)
        else:
            bits.append(f"{f.label}{v}人")
    return f"{household}家" + "、".join(bits)


_REPORTISH = re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*(户|人|口)|体温|温度|正常|无异常|零报告|返乡|隔离|接龙|同昨日|同上")


def _looks_like_report(text: str) -> bool:
    return bool(_REPORTISH.search(text)) and "？" not in text and "?" not in text
