"""Deadlines and reminders on Telegram: the schedule commands, the PTB JobQueue jobs that send the nags, and
what follows a late report.

* On start (:func:`start`, called once the core services are open) the nag jobs are built from the config and
  the database: one daily job per distinct local time of day (tz-aware), each of which runs
  :func:`dispatch`. A one-off job (:data:`CATCH_UP_JOB`) runs a dispatch as soon as the JobQueue starts: a nag
  whose time passed while the bot was down is sent then if it is still within the grace period.
  ``/schedule`` rebuilds the jobs when it changes a grid's times.
* :func:`dispatch` asks :class:`bot.reminders.service.NagService` for the due nags (each claimed in the
  database *before* it is sent, so never sent twice), renders the mentions as Telegram HTML and sends them
  concurrently, paced to ``schedule.send_rate`` messages per second; every send also goes through the bot's
  ``AIORateLimiter``, which keeps within the per-group limit and retries ``RetryAfter``. After a reminder or
  the deadline, whatever the service asks to post again (photo readings still waiting for 确认) is sent.
* A send that finds the bot removed (``Forbidden``) deactivates the group's bindings; a group that became a
  supergroup (``ChatMigrated``) has its bindings moved and the nag is sent to the new chat once. Nothing is
  retried forever.
* After any report in a bound group, named members who are now complete are thanked once, and the leader of
  an escalated grid gets an update.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Chat, LinkPreviewOptions, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.core import texts
from bot.core.chat import Outgoing, Reply
from bot.core.ids import TELEGRAM, is_platform
from bot.reminders.schedule import DIGEST, ESCALATE, OPEN, MissingMember, hhmm
from bot.reminders.service import FollowUps, Nag, NagService, leader_update_text, nag_text
from handlers.telegram.context import Context, app_data, services
from handlers.telegram.convert import command, send_outgoing, send_reply, tg_id, tg_native, to_sender

log = logging.getLogger(__name__)

JOB_PREFIX = "nag "
#: the one-off job that catches up after a (re)start
CATCH_UP_JOB = "gridbot nag catch-up"
#: the one-off job that retries nags the Bot API could not take (network down); backoff in seconds
RETRY_JOB = "gridbot nag retry"
RETRY_DELAYS = (5, 10, 20, 40, 60)
#: handler group of the follow-up handlers: after the report handlers of group 0
FOLLOWUP_GROUP = 40

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def nag_service(app: Application) -> NagService | None:
    data = app_data(app)
    return data.services.reminders if data.started else None


# ---------------------------------------------------------------------------------------------- wiring
def register(app: Application) -> None:
    """The schedule commands and the follow-up handlers (the jobs are built by :func:`start`)."""
    app.add_handler(CommandHandler("schedule", schedule))
    app.add_handler(CommandHandler("pause", pause))
    app.add_handler(CommandHandler("resume", resume))
    app.add_handler(CommandHandler("leave", leave))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE, private_seen), group=FOLLOWUP_GROUP)
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & ~filters.COMMAND & (filters.TEXT | filters.PHOTO | filters.Document.IMAGE),
            after_report,
        ),
        group=FOLLOWUP_GROUP,
    )


async def start(app: Application) -> None:
    """Build the jobs, and the one-off job that catches up on what fell due while the bot was down (it
    runs when the JobQueue starts). Called by the Application's start-up once the services are open."""
    data = app_data(app)
    nags = data.services.reminders
    data.nag_limiter = AsyncLimiter(1, 1 / nags.config.schedule.send_rate)
    data.nag_retries = 0
    await nags.release_unfinished()  # a previous run killed between claim and send: not lost
    await rebuild_jobs(app)
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(CATCH_UP_JOB):
            job.schedule_removal()
        app.job_queue.run_once(nag_job, 0, name=CATCH_UP_JOB, job_kwargs={"misfire_grace_time": None})


async def stop(app: Application) -> None:
    """Stop the job queue if it still runs (waiting for running dispatches), so none outlives the database."""
    jq = app.job_queue
    if jq is not None and jq.scheduler.running:
        await jq.stop(wait=True)


async def rebuild_jobs(app: Application) -> list[str]:
    """Replace the nag jobs with one daily job per local time some grid needs. Returns the job names."""
    nags = nag_service(app)
    jq = app.job_queue
    if nags is None or jq is None:
        if jq is None:
            log.warning("no job queue (install python-telegram-bot[job-queue]): no reminders")
        return []
    for job in jq.jobs():
        if job.name and job.name.startswith(JOB_PREFIX):
            job.schedule_removal()
    tz = nags.config.tz
    names = []
    for t in await nags.job_times():
        name = JOB_PREFIX + hhmm(t)
        # misfire_grace_time None: a late job still runs; the grace rule is applied by the service
        jq.run_daily(nag_job, t.replace(tzinfo=tz), name=name, data=hhmm(t),
                     job_kwargs={"misfire_grace_time": None, "coalesce": True})
        names.append(name)
    log.info("nag jobs rebuilt: %d daily job(s)", len(names))
    return names


async def nag_job(context: Context) -> None:
    await dispatch(context.application)


# ---------------------------------------------------------------------------------------------- sending
async def dispatch(app: Application) -> int:
    """Send every nag that is due now (by the service clock). Returns how many messages went out."""
    nags = nag_service(app)
    if nags is None:
        return 0
    due = await nags.claim_due()
    if not due:
        return 0
    data = app_data(app)
    limiter = data.nag_limiter or AsyncLimiter(1, 1 / nags.config.schedule.send_rate)
    results = await asyncio.gather(*(send_nag(app, nags, n, limiter) for n in due), return_exceptions=True)
    sent = 0
    released = 0
    for nag, res in zip(due, results, strict=True):
        if isinstance(res, BaseException):
            log.error("nag %s for grid %s failed: %s", nag.kind, nag.grid_id, type(res).__name__, exc_info=res)
            await nags.finish(nag, "failed", [])
        elif res < 0:
            released += 1
        else:
            sent += res
    log.info("dispatched %d nag(s), %d message(s)", len(due), sent)
    if released:
        _schedule_retry(app, released)
    else:
        data.nag_retries = 0
    return sent


def _schedule_retry(app: Application, released: int) -> None:
    """The Bot API was unreachable for ``released`` nags: dispatch again after a backoff. A retry finds them
    due only while they are within ``schedule.grace_minutes`` of their time (the grace rule)."""
    jq = app.job_queue
    if jq is None or jq.get_jobs_by_name(RETRY_JOB):
        return
    data = app_data(app)
    n = data.nag_retries
    delay = RETRY_DELAYS[min(n, len(RETRY_DELAYS) - 1)]
    data.nag_retries = n + 1
    log.warning("%d nag(s) not sent (Bot API unreachable): retrying in %d s", released, delay)
    jq.run_once(nag_job, delay, name=RETRY_JOB, job_kwargs={"misfire_grace_time": None})


async def _send(app: Application, limiter: AsyncLimiter, chat_id: str, text: str) -> None:
    async with limiter:
        await app.bot.send_message(tg_native(chat_id), text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW)


async def send_nag(app: Application, nags: NagService, nag: Nag, limiter: AsyncLimiter) -> int:
    """Send one nag to each of its chats, handle chats that went away, and record the outcome. Returns the
    number of messages sent, or -1 when the Bot API was unreachable for every chat: then the claim is
    released, to be sent by a retry within the grace period."""
    sent: list[str] = []
    unreachable = 0
    for chat_id in nag.chats:
        if not is_platform(chat_id, TELEGRAM):  # another platform's chat: its adapter sends it, if it runs
            guest = next((g for g in app_data(app).guests if g.owns(chat_id)), None)
            if guest is None:
                log.warning("nag %s: chat %s is not a Telegram chat: skipped", nag.kind, chat_id)
                continue
            outcome = await guest.send_nag(nag, chat_id)
            if outcome == "sent":
                sent.append(chat_id)
            elif outcome == "unreachable":
                unreachable += 1
            continue
        text = render(nag)
        try:
            await _send(app, limiter, chat_id, text)
            sent.append(chat_id)
        except ChatMigrated as e:
            new_chat = tg_id(e.new_chat_id)
            await nags.chat_migrated(chat_id, new_chat)
            try:
                await _send(app, limiter, new_chat, text)
                sent.append(new_chat)
            except TelegramError as e2:
                log.warning("nag %s to migrated chat %s failed: %s", nag.kind, e.new_chat_id, type(e2).__name__)
        except Forbidden:
            if tg_native(chat_id) > 0:  # a private chat: the leader blocked the bot: the leaders' group instead
                await nags.private_blocked(chat_id)
                fallback = nags.leaders_chat()
                if nag.base == ESCALATE and fallback is not None:
                    group_nag = dataclasses.replace(nag, chats=(fallback,), to_leader=False)
                    try:
                        await _send(app, limiter, fallback, render(group_nag))
                        sent.append(fallback)
                    except TelegramError as e2:
                        log.warning("escalation to the leaders' group failed: %s", type(e2).__name__)
            else:
                await nags.chat_gone(chat_id)
        except NetworkError as e:
            if isinstance(e, BadRequest):
                log.warning("nag %s to chat %s failed: %s", nag.kind, chat_id, type(e).__name__)
            else:  # connection refused, timed out, 5xx: the Bot API is down, not the chat
                unreachable += 1
                log.warning("nag %s to chat %s: Bot API unreachable (%s)", nag.kind, chat_id, type(e).__name__)
        except TelegramError as e:
            log.warning("nag %s to chat %s failed: %s", nag.kind, chat_id, type(e).__name__)
    if not sent and unreachable and await nags.release(nag):
        return -1
    await nags.finish(nag, "sent" if sent else "failed", sent)
    if sent:  # photo readings left unconfirmed are offered again with a reminder or the deadline
        offers = await nags.reoffers(nag)
        await send_outgoing(app, offers)
        for guest in app_data(app).guests:
            await guest.send_outgoing(offers)
    return len(sent)


# ---------------------------------------------------------------------------------------------- rendering
def mention(m: MissingMember) -> str:
    """A member as Telegram HTML: "name @username" for a linked member with a username, a text mention by
    user id for a linked member without one, the plain name for a member not linked yet; with how many
    households are missing when the member reported only some."""
    out = _linked(m)
    return texts.NAG_PARTIAL.format(name=out, n=m.missing) if m.partial else out


def _linked(m: MissingMember) -> str:
    name = html.escape(m.name)
    if m.username:
        return f"{name} @{html.escape(m.username)}"
    if is_platform(m.user_id, TELEGRAM):  # a member linked on another platform cannot be mentioned here
        return f'<a href="tg://user?id={tg_native(m.user_id)}">{name}</a>'
    return name


def _leader(nag: Nag) -> str:
    leader = html.escape(nag.leader_name or "网格长")
    if is_platform(nag.leader_user_id, TELEGRAM):
        return f'<a href="tg://user?id={tg_native(nag.leader_user_id)}">{leader}</a>'
    return leader


def render(nag: Nag) -> str:
    """The message text of a nag (Telegram HTML)."""
    if nag.base in (OPEN, DIGEST):
        return html.escape(nag.text)
    return nag_text(nag, _linked, html.escape, _leader)


# ---------------------------------------------------------------------------------------------- follow-ups
async def private_seen(update: Update, context: Context) -> None:
    """Whoever writes to the bot in private has started it: escalations may go to them there."""
    nags = nag_service(context.application)
    user = update.effective_user
    if nags is not None and user is not None and not user.is_bot:
        await nags.private_seen(tg_id(user.id))


async def after_report(update: Update, context: Context) -> None:
    """After a message in a group (handled as a report by group 0): thank named members who are now
    complete, and update the leader of an escalated grid."""
    nags = nag_service(context.application)
    msg, chat = update.effective_message, update.effective_chat
    if nags is None or msg is None or chat is None:
        return
    fu = await nags.followups(tg_id(chat.id))
    await send_followups(context.application, nags, fu, msg)


async def send_followups(app: Application, nags: NagService, fu: FollowUps, msg: Any) -> None:
    thanks = nags.cfg.thanks
    if fu.thanks and thanks:
        await msg.reply_text(thanks.format(name="、".join(fu.thanks)), do_quote=True)
    for up in fu.leader_updates:
        if not is_platform(up.chat_id, TELEGRAM):  # the leader is known on another platform: its adapter says it
            guest = next((g for g in app_data(app).guests if g.owns(up.chat_id)), None)
            if guest is None:
                log.warning("leader update to chat %s: no adapter runs for it", up.chat_id)
            else:
                await guest.send_outgoing([Outgoing(up.chat_id, Reply(leader_update_text(up, str), quote=False))])
            continue
        text = leader_update_text(up, html.escape)
        try:
            await app.bot.send_message(tg_native(up.chat_id), text, parse_mode=ParseMode.HTML,
                                       link_preview_options=_NO_PREVIEW)
        except Forbidden:
            if tg_native(up.chat_id) > 0:
                await nags.private_blocked(up.chat_id)
            else:
                await nags.chat_gone(up.chat_id)
        except TelegramError as e:
            log.warning("leader update to chat %s failed: %s", up.chat_id, type(e).__name__)


# ---------------------------------------------------------------------------------------------- commands
@command
async def schedule(msg: Message, user: User, chat: Chat, context: Context) -> None:
    """``/schedule`` shows the grid's times; with arguments (leader or admin) it changes them, and the jobs
    are rebuilt at once."""
    reply, changed = await services(context).reminders.set_schedule(tg_id(chat.id), chat.type, to_sender(user),
                                                                      context.args or [])
    try:
        await send_reply(msg, reply)
    finally:  # the change is stored: its jobs run even when the reply could not be sent
        if changed:
            await rescheduled(context.application)


async def rescheduled(app: Application) -> None:
    """A grid's times changed (``/schedule`` here, or in another platform's chat of a guest adapter): the
    jobs are rebuilt, and a time moved into the recent past is due now."""
    await rebuild_jobs(app)
    await dispatch(app)


@command
async def pause(msg: Message, user: User, chat: Chat, context: Context) -> None:
    await send_reply(msg, await services(context).reminders.pause(tg_id(chat.id), chat.type, to_sender(user),
                                                                  context.args or []))


@command
async def resume(msg: Message, user: User, chat: Chat, context: Context) -> None:
    await send_reply(msg, await services(context).reminders.resume(tg_id(chat.id), chat.type, to_sender(user)))


@command
async def leave(msg: Message, user: User, chat: Chat, context: Context) -> None:
    await send_reply(msg, await services(context).reminders.leave(tg_id(chat.id), chat.type, to_sender(user),
                                                                  context.args or []))
