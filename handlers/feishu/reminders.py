"""Deadlines and reminders on Feishu: the nags the core claims, rendered with Feishu mentions and sent.

* :func:`render` writes a nag as a Feishu text message: a member linked on Feishu is mentioned with
  ``<at user_id="ou_…"></at>`` (Feishu notifies them), anyone else is named plainly; the escalation names
  the missing plainly and mentions the leader in the leaders' group.
* :func:`dispatch` asks :class:`bot.reminders.service.NagService` for the due nags (each claimed before it is
  sent, so never sent twice), sends each to its Feishu chats (paced by the API client), records the outcome,
  and posts again the photo readings still waiting for 确认. A chat the bot was removed from deactivates the
  group's bindings; when Feishu cannot be reached at all the claim is released, to be sent within the grace
  period.
* When the Feishu adapter runs alone, :func:`nag_loop` dispatches every half minute, and at once after a
  ``/schedule`` change; beside Telegram, the Telegram adapter's jobs dispatch and hand Feishu's chats to
  :func:`send_to` (``FeishuAdapter.send_nag``), and a ``/schedule`` change in a Feishu group rebuilds them
  (``schedule_changed``, given to :meth:`FeishuAdapter.start`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.core.ids import FEISHU, is_platform, native
from bot.reminders.schedule import DIGEST, ESCALATE, OPEN, MissingMember
from bot.reminders.service import Nag, nag_text
from handlers.feishu import render as fr
from handlers.feishu.api import FeishuError, FeishuUnreachable
from handlers.feishu.runtime import FeishuBot

log = logging.getLogger(__name__)

#: how often the adapter alone looks for due nags, in seconds (a claim makes a second look harmless)
TICK_S = 30
#: Feishu's answer for a chat the bot cannot post in (the bot is not in it)
CHAT_GONE = frozenset({230002})


def mention(m: MissingMember) -> str:
    """A member: an <at> mention when linked on Feishu (Feishu notifies them), else the plain name."""
    return fr.at(native(m.user_id or ""), m.name) if is_platform(m.user_id, FEISHU) else m.name


def _leader(nag: Nag) -> str:
    leader = nag.leader_name or "网格长"
    return fr.at(native(nag.leader_user_id or ""), leader) if is_platform(nag.leader_user_id, FEISHU) else leader


def render(nag: Nag) -> str:
    """The text of a nag as a Feishu text message (plain text and <at> mentions)."""
    if nag.base in (OPEN, DIGEST):
        return fr.plain(nag.text, nag.base == DIGEST)
    return nag_text(nag, mention, str, _leader)


async def send_to(bot: FeishuBot, nag: Nag, chat: str) -> str:
    """Send a nag into one Feishu chat: "sent", "gone" (the bot cannot post there any more: the bindings are
    deactivated), "unreachable" or "failed"."""
    nags = bot.services.reminders
    try:
        await bot.send(chat, "text", fr.text_content(render(nag)))
        return "sent"
    except FeishuUnreachable:
        log.warning("nag %s to chat %s: Feishu unreachable", nag.kind, chat)
        return "unreachable"
    except FeishuError as e:
        log.warning("nag %s to chat %s failed: code %s", nag.kind, chat, e.code)
        if e.code in CHAT_GONE and nag.base != ESCALATE:
            await nags.chat_gone(chat)
            return "gone"
        return "failed"


async def send_nag(bot: FeishuBot, nag: Nag) -> int:
    """Send one claimed nag to its Feishu chats and record the outcome. Returns the messages sent, or -1 when
    Feishu was unreachable for every chat (the claim is released)."""
    nags = bot.services.reminders
    sent: list[str] = []
    unreachable = 0
    for chat in nag.chats:
        if not is_platform(chat, FEISHU):
            log.warning("nag %s: chat %s is not on Feishu and no other adapter runs", nag.kind, chat)
            continue
        outcome = await send_to(bot, nag, chat)
        if outcome == "sent":
            sent.append(chat)
        elif outcome == "unreachable":
            unreachable += 1
    if not sent and unreachable and await nags.release(nag):
        return -1
    await nags.finish(nag, "sent" if sent else "failed", sent)
    if sent:  # photo readings left unconfirmed are offered again with a reminder or the deadline
        await bot.send_outgoing(await nags.reoffers(nag))
    return len(sent)


async def dispatch(bot: FeishuBot) -> int:
    """Send every nag due now (by the service clock). Returns how many messages went out."""
    nags = bot.services.reminders
    due = await nags.claim_due()
    sent = 0
    for nag in due:
        try:
            n = await send_nag(bot, nag)
        except Exception as e:  # one nag's failure must not keep the others
            log.error("nag %s for grid %s failed: %s", nag.kind, nag.grid_id, type(e).__name__, exc_info=e)
            await nags.finish(nag, "failed", [])
            continue
        sent += max(n, 0)
    if due:
        log.info("dispatched %d nag(s), %d feishu message(s)", len(due), sent)
    return sent


async def nag_loop(bot: FeishuBot) -> None:
    """The adapter alone: release what a killed run claimed and did not send, then dispatch every tick, and
    at once when ``/schedule`` changed a grid's times (a time moved into the recent past is due now)."""
    await bot.services.reminders.release_unfinished()
    wake = asyncio.Event()

    async def rescheduled() -> None:
        wake.set()

    bot.schedule_changed = rescheduled
    while True:
        wake.clear()
        try:
            await dispatch(bot)
        except Exception as e:
            log.warning("feishu nag dispatch failed: %s", type(e).__name__)
        with contextlib.suppress(TimeoutError):  # a real timer; tests call dispatch themselves
            await asyncio.wait_for(wake.wait(), TICK_S)
