"""Helpers of the end-to-end tests: buttons, photos, and the privacy rule for group messages."""

from __future__ import annotations

import random
from typing import Any

from handlers.offline.botproc import BotProcess, GridSpec, RosterSpec
from handlers.offline.fakeapi import FakeBotApi, Sent


def buttons(s: Sent) -> list[tuple[str, str]]:
    markup = s.params.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def table_photo(households: list[str], seed: int = 1) -> tuple[bytes, list[dict[str, Any]]]:
    """A phone photo of a neat handwritten table for these households (drawn now; see tests/ocr_helpers)."""
    from tests.ocr.helpers import photo_of, table_page

    rng = random.Random(seed)
    rows = [{"household": h, "people": 2 + rng.randrange(4), "temperature": round(36.2 + rng.randrange(6) / 10, 1),
             "out": False, "returned": False, "note": ""} for h in households]
    return photo_of(table_page(rows, seed=seed)), rows


def group_privacy_violations(api: FakeBotApi, roster: RosterSpec) -> list[str]:
    """Every message the bot sent (or edited) in a grid group that names a household against the rule:

    * a nag, and anything else the bot says on its own in a group, names no household;
    * a reply to a member's own message (a report, a photo, /mystatus), and the edits of that reply, may
      name only that member's own households: it restates what the member posted so they can check it;
    * a merged acknowledgement (a busy group) is those replies together: it may name only the households of
      the members it lists.
    """
    groups = {g.chat_id for g in roster.grids}
    owner_of = {h: m for g in roster.grids for m, hs in g.households.items() for h in hs}
    people = {m.user_id: m.name for g in roster.grids for m in g.members}
    # who wrote each injected message (chat, message id) -> member name
    author: dict[tuple[int, int], str | None] = {}
    for u in api.updates:
        msg = u.get("message") or u.get("edited_message")
        if msg and "from" in msg:
            author[(msg["chat"]["id"], msg["message_id"])] = people.get(msg["from"]["id"])
    # the bot's own messages: (chat, message id) -> the member message they answer
    answers: dict[tuple[int, int], tuple[int, int] | None] = {}
    out = []
    for s in api.calls():
        if not s.ok or s.method not in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto"):
            continue
        chat = s.chat_id
        if chat not in groups:
            continue
        if s.method == "editMessageText":
            target = answers.get((chat, int(s.params["message_id"])))
        else:
            target = (chat, s.reply_to) if s.reply_to is not None else None
            if isinstance(s.result, dict):
                answers[(chat, int(s.result["message_id"]))] = target
        named = {h for h in owner_of if h in s.text}
        if not named:
            continue
        sender = author.get(target) if target is not None else None
        foreign = foreign_households(s.text, owner_of, sender, target is None)
        if foreign:
            out.append(f"{s.method} to {chat}: names {sorted(foreign)} (reply to {sender or 'nobody'})")
    return out


def foreign_households(text: str, owner_of: dict[str, str], sender: str | None, unanswered: bool) -> set[str]:
    """The households a bot message in a group names against the rule: a reply (``sender``: the member it
    answers) may restate only that member's own; a merged acknowledgement (``unanswered``: it replies to no
    message) may name only the households of the members it lists; anything else none."""
    named = {h for h in owner_of if h in text}
    if unanswered and text.startswith("✅ 已记录："):  # a merged acknowledgement: each member listed
        listed = {m for m in set(owner_of.values()) if f"{m} " in text}  # may have their own restated
        return {h for h in named if owner_of[h] not in listed}
    return {h for h in named if owner_of[h] != sender}


def missing_in(bot: BotProcess, g: GridSpec, day: str) -> list[str]:
    """The members of a grid who have not reported every household today, by the bot's database."""
    done = {row[0]: (row[1], row[2]) for row in bot.query(
        "SELECT m.name, COUNT(h.id), COUNT(r.id) FROM members m JOIN households h ON h.member_id = m.id "
        "LEFT JOIN reports r ON r.household_id = h.id AND r.day = ? JOIN grids g ON g.id = m.grid_id "
        "WHERE g.name = ? GROUP BY m.id", (day, g.name))}
    return [p.name for p in g.members if done[p.name][1] < done[p.name][0]]


def report_acks(api: FakeBotApi, chat_ids: set[int]) -> dict[tuple[int, int], int]:
    """(chat, message id) of each member message the bot confirmed with its own ✅ reply -> how many it got."""
    out: dict[tuple[int, int], int] = {}
    for s in api.calls("sendMessage"):
        if s.ok and s.chat_id in chat_ids and s.reply_to is not None and s.text.startswith("✅ 已记录"):
            out[(s.chat_id, s.reply_to)] = out.get((s.chat_id, s.reply_to), 0) + 1
    return out
