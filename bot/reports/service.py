"""The reporting loop, free of any chat platform: bind, iam, reports, corrections, undo, phone reports and
confirmed photo readings.

A chat adapter (``handlers/telegram/``) turns its updates into the port types of :mod:`bot.core.chat`,
calls :class:`ReportService`, and sends the :class:`Reply` it gets back.

A report is handled in three steps: one load of its context (:meth:`ReportRepo.message_context`, plus the
roster, cached until the next import), a pure plan (:mod:`bot.reports.plan`), and one save
(:meth:`ReportRepo.save`, a single transaction with the update's idempotency mark). "同昨日" needs one more
read, of the member's last day. Text, a photo confirmation and ``gridbot report add`` all store so.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import date, datetime, timedelta

from bot.config.settings import Config
from bot.core import texts
from bot.core.chat import Button, IncomingMessage, Reply, Sender
from bot.core.dates import ReportClock, iso
from bot.core.model import HouseholdReport, Member, MemberReport, ParseResult, Roster
from bot.core.records import DayRow, ImportStats, MemberAccount, MessageContext, ReportSave, grid_label
from bot.core.roster import RosterRow
from bot.parser import RoomChain, parse_message, parse_rooms
from bot.reports.answers import plan_answer, plan_resident_answer
from bot.reports.plan import (
    Plan,
    history_needed,
    plan_message,
    plan_phone,
    plan_photo,
    plan_rooms,
    plan_stated,
)
from storage.reports import ReportRepo

log = logging.getLogger(__name__)


class ReportService:
    """Use cases of the reporting loop. All times come from the injected :class:`ReportClock`."""

    def __init__(self, config: Config, repo: ReportRepo, clock: ReportClock | None = None):
        self.config = config
        self.repo = repo
        self.clock = clock or ReportClock(config)
        #: the roster by the grids it covers (None: all), valid while the roster version is unchanged
        self._rosters: dict[tuple[int, ...] | None, Roster] = {}
        self._roster_version: int | None = None

    # ------------------------------------------------------------------ time
    def now(self) -> datetime:
        return self.clock.now()

    def day_of(self, when: datetime) -> date:
        """The report day of a moment (see :meth:`ReportClock.day_of`)."""
        return self.clock.day_of(when)

    # ------------------------------------------------------------------ roster
    async def import_roster(self, rows: list[RosterRow], source: str) -> ImportStats:
        stats = await self.repo.import_roster([r.__dict__ for r in rows], source, iso(self.now()))
        self._rosters.clear()
        self._roster_version = None
        return stats

    async def roster(self, grid_ids: list[int] | None = None) -> Roster:
        """The active roster (optionally of some grids), with database ids on members and households. Cached:
        a roster import (here, or by ``gridbot roster import`` in another process) drops the cache."""
        version = await self.repo.roster_version()
        if version != self._roster_version:
            self._cache_roster(version, await self.repo.roster())
        return self._roster_of(grid_ids)

    def _cache_roster(self, version: int, roster: Roster) -> None:
        self._roster_version = version
        self._rosters = {None: roster}

    def _roster_of(self, grid_ids: list[int] | None) -> Roster:
        """The cached roster of these grids (a view of the whole one, kept per set of grids)."""
        key = tuple(sorted(set(grid_ids))) if grid_ids is not None else None
        roster = self._rosters.get(key)
        if roster is None:
            if len(self._rosters) > 256:  # a bound: one entry per distinct set of grids a chat is bound to
                self._rosters = {None: self._rosters[None]}
            ids = set(key or ())
            roster = self._rosters[key] = Roster([m for m in self._rosters[None].members if m.grid_id in ids])
        return roster

    async def member_by_id(self, member_id: int, grid_id: int | None = None) -> Member | None:
        """A member with households and ids (``grid_id`` narrows the roster that is loaded)."""
        roster = await self.roster([grid_id] if grid_id is not None else None)
        return roster.member_by_id(member_id)

    async def member_of(self, chat_id: str | None, sender: Sender) -> Member | None:
        """The sender's first linked member: in a group (``chat_id``) one of the grids bound to it."""
        members = await self.linked_members(chat_id, sender)
        if not members:
            return None
        return await self.member_by_id(members[0].id, members[0].grid_id)

    # ------------------------------------------------------------------ commands
    async def bind(self, chat_id: str, chat_type: str, sender: Sender, is_chat_admin: bool, arg: str) -> Reply:
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
            return Reply(texts.BIND_AMBIGUOUS.format(name=name, example=f"/bind {g.village}/{g.name}"))
        grid = grids[0]
        await self.link_account(sender)  # a leader listed by @username is known from now on
        is_leader = grid.id in await self.repo.leader_grid_ids(sender.user_id)
        if not is_chat_admin or not (self.is_admin(sender.user_id) or is_leader):
            return Reply(texts.BIND_NOT_ALLOWED)
        created = await self.repo.bind(chat_id, grid.id, sender.user_id, iso(self.now()))
        label = grid.label
        if not created:
            return Reply(texts.BIND_ALREADY.format(grid=label))
        roster = await self.roster([grid.id])
        households = sum(len(m.households) for m in roster.members)
        log.info("chat %s bound to grid %s", chat_id, grid.id)
        return Reply(texts.BIND_OK.format(grid=label, members=len(roster.members), households=households))

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.config.admins

    async def bound_grid_ids(self, chat_id: str) -> list[int]:
        """The grids a group is bound to (none: the bot stays silent there)."""
        return await self.repo.bound_grid_ids(chat_id)

    async def chat_gone(self, chat_id: str) -> None:
        """The bot was removed from a group: its bindings become inactive."""
        await self.repo.deactivate_chat(chat_id)

    async def chat_migrated(self, old_chat_id: str, new_chat_id: str) -> None:
        """A group became a supergroup: its bindings move to the new chat id."""
        await self.repo.migrate_chat(old_chat_id, new_chat_id)

    async def iam(self, chat_id: str, chat_type: str, sender: Sender, arg: str) -> Reply:
        if chat_type not in ("group", "supergroup"):
            return Reply(texts.IAM_NOT_GROUP)
        name = re.sub(r"\s+", "", arg)
        if not name:
            return Reply(texts.IAM_USAGE)
        grid_ids = await self.repo.bound_grid_ids(chat_id)
        if not grid_ids:
            return Reply(texts.GROUP_NOT_BOUND)
        await self.link_account(sender)
        for m in await self.repo.members_of_user(sender.user_id):
            if m.grid_id in grid_ids and m.name == name:
                return Reply(texts.IAM_ALREADY.format(name=name))
        candidates = await self.repo.members_in_grids(grid_ids, name)
        if not candidates:
            return Reply(texts.IAM_NOT_FOUND.format(name=name))
        member = candidates[0]
        if member.user_id is not None and member.user_id != sender.user_id:
            return Reply(texts.IAM_TAKEN.format(name=name))
        req_id = await self.repo.create_link_request(
            chat_id, sender.user_id, sender.username, member.id, iso(self.now()), sender.display_name
        )
        return Reply(
            texts.IAM_REQUEST.format(user=sender.mention_name(), name=name, grid=grid_label(member.village, member.grid)),
            buttons=[[Button(texts.IAM_APPROVE, f"iam:a:{req_id}"), Button(texts.IAM_REJECT, f"iam:r:{req_id}")]],
            quote=True,
        )

    async def link_account(self, sender: Sender) -> None:
        """Link the roster's ``@username`` accounts (as a member or a grid leader) to this user, the first time
        they are seen; nothing is written once they are linked."""
        if await self.repo.link_username(sender.user_id, sender.username):
            log.info("user %s linked by username", sender.user_id)

    async def can_manage_grid(self, user: Sender, grid_id: int) -> bool:
        """An admin, or the grid's leader (a leader listed by @username is linked on the way)."""
        if self.is_admin(user.user_id):
            return True
        await self.link_account(user)
        return grid_id in await self.repo.leader_grid_ids(user.user_id)

    async def decide_link(self, decider: Sender, request_id: int, approve: bool) -> tuple[bool, str]:
        """Approve or reject an /iam request. Returns (done, text): the text replaces the request message
        when done, and is an alert for the clicker otherwise."""
        req = await self.repo.link_request(request_id)
        if req is None:
            return False, texts.IAM_DONE_ALREADY
        member = await self.repo.member(req.member_id)
        if member is None or not await self.can_manage_grid(decider, member.grid_id):
            return False, texts.IAM_NOT_ALLOWED
        ok = await self.repo.decide_link_request(
            request_id, "approved" if approve else "rejected", decider.user_id, iso(self.now())
        )
        if not ok:
            return False, texts.IAM_DONE_ALREADY
        tpl = texts.IAM_APPROVED if approve else texts.IAM_REJECTED
        log.info("link request %s %s by %s", request_id, "approved" if approve else "rejected", decider.user_id)
        return True, tpl.format(user=req.who, name=member.name, grid=grid_label(member.village, member.grid))

    async def linked_members(self, chat_id: str | None, sender: Sender) -> list[MemberAccount]:
        """The sender's members (linking a roster @username first); in a group, only those of the grids bound
        to it."""
        await self.link_account(sender)
        members = await self.repo.members_of_user(sender.user_id)
        if chat_id is None:
            return members
        grid_ids = await self.repo.bound_grid_ids(chat_id)
        return [m for m in members if m.grid_id in grid_ids]

    async def mystatus(self, chat_id: str, chat_type: str, sender: Sender) -> Reply:
        private = chat_type == "private"
        members = await self.linked_members(None if private else chat_id, sender)
        if not members:
            return Reply(texts.MYSTATUS_NOT_LINKED)
        day = self.day_of(self.now())
        parts = []
        for m in members:
            me = await self.member_by_id(m.id, m.grid_id)
            if me is None:
                continue
            rows = await self.repo.reports_for_members([m.id], day.isoformat())
            done_ids = {r.household_id for r in rows}
            missing = [h.name for h in me.households if h.id not in done_ids]
            residents = sum(1 for r in rows if r.via == "resident")  # households that reported themselves
            if not missing:
                tail = texts.MYSTATUS_ALL_DONE
            elif private:
                tail = texts.MYSTATUS_MISSING.format(names="、".join(missing))
            else:  # household names never go to a group (README "Privacy"): the count, and the list in private
                tail = texts.MYSTATUS_MISSING_GROUP.format(n=len(missing))
            if residents:
                tail = texts.MYSTATUS_RESIDENTS.format(n=residents) + tail
            parts.append(
                texts.MYSTATUS.format(
                    member=me.name, day=f"{day.month}月{day.day}日", done=len(me.households) - len(missing),
                    total=len(me.households), missing=tail,
                )
            )
        return Reply("\n\n".join(parts))

    async def undo(self, chat_id: str, chat_type: str, sender: Sender) -> Reply:
        members = await self.linked_members(None if chat_type == "private" else chat_id, sender)
        day = self.day_of(self.now()).isoformat()
        latest = None
        for m in members:
            mr = await self.repo.latest_member_report(m.id, day)
            if mr is not None and (latest is None or mr.id > latest[0].id):
                latest = (mr, m)
        if latest is None:
            return Reply(texts.UNDO_NOTHING)
        mr, m = latest
        count = len([r for r in await self.repo.reports_for_members([m.id], day) if r.member_report_id == mr.id])
        await self.repo.retire_member_report(mr.id, iso(self.now()), "undone")
        log.info("member report %s undone by user %s", mr.id, sender.user_id)
        return Reply(texts.UNDO_OK.format(member=m.name, count=count))

    # ------------------------------------------------------------------ reports
    async def handle_message(self, msg: IncomingMessage) -> Reply | None:
        """A text in a group. Returns the reply, or None for silence (chit-chat, unbound groups, repeats).

        One load (the context: bound grids, the sender's members, the day's reports; the roster from the
        cache), a pure plan, one save; a "同昨日" reads the member's last day in between."""
        if msg.chat_type == "private":
            return None
        day = self.day_of(msg.date).isoformat()
        ctx = await self.repo.message_context(
            msg.chat_id, msg.sender.user_id, msg.sender.username, day, update_id=msg.update_id,
            edited_message_id=msg.message_id if msg.edited else None, known_roster_version=self._roster_version,
            reply_to_bot=msg.reply_to_bot,
        )
        if not ctx.grid_ids or ctx.seen:
            return None
        if ctx.full_roster is not None:
            self._cache_roster(ctx.roster_version, ctx.full_roster)
        ctx.roster = self._roster_of(ctx.grid_ids)
        now = iso(self.now())
        save = ReportSave(msg.update_id, msg.chat_id, msg.message_id, msg.sender.user_id, day, msg.text, now,
                          retire_reason="edited" if msg.edited else "corrected")
        if not ctx.members:  # a resident may add household lines to a chain keyed by room (and answer the
            # bot's questions about the lines they posted), nothing else
            answer = self._resident_answer(msg, ctx, save) if ctx.pending else None
            if answer is not None:
                return await self._commit(msg, ctx, answer, day, now)
            chain = self._rooms(msg.text, ctx.roster)
            if not chain.is_chain:
                return await self._hint_unlinked(msg, ctx.roster)
            return await self._commit(msg, ctx, plan_rooms(chain, save, ctx, self.config.template), day, now)
        sender_member = ctx.roster.member_by_id(ctx.members[0].id)
        if sender_member is None:
            return None
        answer = self._answer(msg, ctx, sender_member, save, replied=True) if ctx.answering is not None else None
        if answer is not None:  # a reply to the bot's question (bot/reports/answers.py)
            return await self._commit(msg, ctx, answer, day, now)
        result = parse_message(msg.text, sender_member, ctx.roster, self.config.template)
        if not any(r.households or r.covers_all or r.same_as_yesterday for r in result.reports):
            answer = self._answer(msg, ctx, sender_member, save, replied=False) if ctx.pending else None
            if answer is not None:  # the next message after a question of one field
                return await self._commit(msg, ctx, answer, day, now)
            chain = self._rooms(msg.text, ctx.roster)
            if chain.is_chain and chain.clear:  # a member posting (or reposting) the residents' chain
                return await self._commit(msg, ctx, plan_rooms(chain, save, ctx, self.config.template), day, now)
        wanted = history_needed(result, sender_member, ctx.roster)
        history = await self.repo.last_reports(wanted, day) if wanted else {}
        is_leader = self.is_admin(msg.sender.user_id) or ctx.members[0].grid_id in ctx.leader_grid_ids
        plan = plan_message(result, save, sender_member, ctx, is_leader=is_leader, history=history,
                            template=self.config.template)
        return await self._commit(msg, ctx, plan, day, now)

    def _answer(self, msg: IncomingMessage, ctx: MessageContext, member: Member, save: ReportSave, *,
                replied: bool) -> Plan | None:
        if msg.edited:
            return None
        return plan_answer(msg.text, member, ctx, save, self.config.template, msg.sender.user_id, msg.chat_id,
                           msg.date, replied=replied, window_s=self.config.answer_window_minutes * 60)

    def _resident_answer(self, msg: IncomingMessage, ctx: MessageContext, save: ReportSave) -> Plan | None:
        if msg.edited:
            return None
        return plan_resident_answer(msg.text, ctx, save, self.config.template, msg.sender.user_id, msg.chat_id,
                                    msg.date, replied=ctx.answering is not None,
                                    window_s=self.config.answer_window_minutes * 60)

    def _rooms(self, text: str, roster: Roster) -> RoomChain:
        """The message read as a residents' chain keyed by room, against the group's grids (the whole roster
        tells a household of another grid from an unknown address)."""
        return parse_rooms(text, roster, self.config.template, outside=self._rosters.get(None))

    async def _commit(self, msg: IncomingMessage, ctx: MessageContext, plan: Plan, day: str, now: str
                      ) -> Reply | None:
        """The one save of a planned message (with the sender's @username link), and its reply."""
        if ctx.link_username and msg.sender.username:
            plan.save = plan.save or ReportSave(msg.update_id, None, None, msg.sender.user_id, day, "", now)
            plan.save.link = (msg.sender.user_id, msg.sender.username)
        if plan.save is None:
            return Reply(plan.reply_text) if plan.reply_text else None
        plan.save.reply = plan.reply_text or None  # committed with the report: a kill before the send loses nothing
        if await self.repo.save(plan.save) is None:
            return None  # processed meanwhile (a redelivered update)
        if plan.save.items:
            log.info("stored %d member report(s) from chat %s message %s", len(plan.save.items), msg.chat_id,
                     msg.message_id)
        if not plan.reply_text:
            return None
        return Reply(plan.reply_text, outbox_id=plan.save.reply_id, merge=plan.merge_item)

    async def _hint_unlinked(self, msg: IncomingMessage, roster: Roster) -> Reply | None:
        """An unlinked user posted in a bound group: store nothing; hint once in a while if it looks like a
        report."""
        probe = next(iter(roster.members), None)
        if probe is None:
            return None
        result = parse_message(msg.text, probe, roster, self.config.template)
        if not result.reports and not _looks_like_report(msg.text):
            return None
        return await self.hint_unlinked(msg.sender, msg.chat_id)

    async def withdraw(self, chat_id: str, message_id: str, date: datetime, update_id: str | None = None
                       ) -> Reply | None:
        """A message taken back (Feishu's 撤回): what it reported is withdrawn, as an edit that leaves no report
        does on Telegram. None when it reported nothing (or was handled already)."""
        user_id = await self.repo.message_sender(chat_id, message_id)
        if user_id is None:
            return None
        return await self.handle_message(IncomingMessage(chat_id, "group", message_id, Sender(user_id), "", date,
                                                         update_id=update_id, edited=True))

    async def hint_unlinked(self, sender: Sender, chat_id: str) -> Reply | None:
        """The "please /iam first" hint, at most once per ``bot.hint_interval_s`` per user and chat."""
        now = self.now()
        since = iso(now - timedelta(seconds=self.config.hint_interval_s))
        if not await self.repo.should_hint(sender.user_id, chat_id, "not_linked", iso(now), since):
            return None
        return Reply(texts.NOT_LINKED)

    async def _store(self, plan: Plan) -> Reply:
        if plan.save is None:
            return Reply(plan.reply_text or plan.fallback or "")
        await self.repo.save(plan.save)
        return Reply(plan.reply_text)

    # ------------------------------------------------------------------ phone reports, photo readings, the day
    async def add_report(self, member_name: str, text: str, day: date | None = None, grid: str | None = None) -> Reply:
        """Store a report taken by phone, exactly as if the member had posted it (``gridbot report add``)."""
        roster = await self.roster()
        member = roster.find_member(member_name, grid)
        if member is None:
            return Reply(f"找不到网格员 {member_name}")
        result = parse_message(text, member, roster, self.config.template)
        d = (day or self.day_of(self.now())).isoformat()
        wanted = _phone_history(result, member, roster)
        history = await self.repo.last_reports(wanted, d) if wanted else {}
        save = ReportSave(None, None, None, None, d, text, iso(self.now()))
        return await self._store(plan_phone(result, save, member, roster, history, self.config.template))

    async def store_photo_report(
        self, member_id: int, rep: MemberReport, day: str, *, chat_id: str | None, message_id: str | None,
        sender_user_id: str | None, photo_file_id: str,
    ) -> Reply:
        """Store a confirmed photo reading exactly like a text report, keeping the photo's file id (audit)."""
        member = await self.member_by_id(member_id)
        if member is None:
            return Reply(texts.REPORT_NOTHING)
        save = ReportSave(None, chat_id, message_id, sender_user_id, day, "[照片]", iso(self.now()))
        reply = await self._store(plan_photo(rep, save, member, self.config.template, photo_file_id))
        if reply.text.startswith("✅"):
            log.info("stored a photo report of member %s (%d households)", member_id, len(rep.households))
        return reply

    async def store_correction(self, member_id: int, household_id: int, values: HouseholdReport, day: str, *,
                               editor_user_id: str, reason: str) -> Reply:
        """Store one household's corrected values (the console's 更正) as a chat correction is stored: a new
        member report of the household's member whose row replaces the day's (the old row goes to the audit
        table), with who corrected it (``editor_user_id``) and why (``reason``, kept with the member report).
        Fields in ``values.uncertain`` stay unknown (null), for the member's next report to fill."""
        member = await self.member_by_id(member_id)
        household = next((h for h in member.households if h.id == household_id), None) if member else None
        if member is None or household is None:
            return Reply(texts.REPORT_NOTHING)
        one = dataclasses.replace(member, households=(household,))  # a namesake household is not this one
        rep = MemberReport(member.name, households=[dataclasses.replace(values, household=household.name)])
        save = ReportSave(None, None, None, editor_user_id, day, reason, iso(self.now()), reason=reason)
        reply = await self._store(plan_stated(rep, save, one, self.config.template, via="console",
                                              correction=True))
        if save.items:
            log.info("household %s of %s corrected from the console by user %s", household_id, day, editor_user_id)
        return reply

    async def day_table(self, day: date, grid_ids: list[int] | None = None) -> list[DayRow]:
        return await self.repo.day_table(day.isoformat(), grid_ids)


def _phone_history(result: ParseResult, member: Member, roster: Roster) -> list[int]:
    return [int(m.id) for rep in result.reports if rep.same_as_yesterday and not rep.households
            for m in [roster.find_member(rep.member, member.grid, member.village) or member] if m.id is not None]


_REPORTISH = re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*(户|人|口)|体温|温度|正常|无异常|零报告|返乡|隔离|接龙|同昨日|同上")


def _looks_like_report(text: str) -> bool:
    return bool(_REPORTISH.search(text)) and "？" not in text and "?" not in text
