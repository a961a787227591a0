"""Group-friendly acknowledgements: in a busy group, several members' ✅ go out as one message.

Telegram lets a bot send about 20 messages a minute into one group. At the deadline most members of a
grid post within minutes, and one reply each would queue behind that limit for minutes. The rule:

* a group is *busy* when the bot has sent it :attr:`AckMerger.busy_at` (10) or more messages in the last
  :attr:`AckMerger.window_s` (60) seconds;
* in a busy group a reply that is only plain acknowledgements (``✅ 已记录 王艳 17户，均正常``) is held for
  :attr:`AckMerger.delay_s` (4) seconds, and every acknowledgement held meanwhile goes out in one message:
  ``✅ 已记录：刘志宇 15户、王艳 17户（异常：高丽娟家返乡1人）``;
* a reply that asks something (a household that matches none, a count that disagrees, a report for another
  member), a correction and "同昨日" are never merged: they go out on their own, quoting the member.

So a busy group gets at most one merged acknowledgement every few seconds and each member waits at most
about ``delay_s`` plus the send for theirs. Pure bookkeeping, no I/O: the adapter sends.

An adapter whose platform counts calls against a quota (Feishu) holds every plain acknowledgement of a group
for a longer window of its own, busy or not; it keeps each held reply's message and full text
(:meth:`AckMerger.hold`), so that a window that held one reply answers that message with it as it is.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.core import texts


@dataclass
class HeldAcks:
    items: list[str] = field(default_factory=list)
    #: the committed replies (outbox ids) the merged message stands for
    outbox_ids: list[int] = field(default_factory=list)
    #: each held reply's message (the member's) and full text, in the order they were held
    replies: list[tuple[str, str]] = field(default_factory=list)


class AckMerger:
    def __init__(self, busy_at: int = 10, window_s: float = 60.0, delay_s: float = 4.0):
        self.busy_at = busy_at
        self.window_s = window_s
        self.delay_s = delay_s
        self._sent: dict[str, deque[float]] = {}
        self._held: dict[str, HeldAcks] = {}

    def _recent(self, chat_id: str, now: float) -> deque[float]:
        q = self._sent.setdefault(chat_id, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def sent(self, chat_id: str, now: float) -> None:
        """The bot sent a message into this chat (a reply, a merged acknowledgement)."""
        self._recent(chat_id, now).append(now)

    def busy(self, chat_id: str, now: float) -> bool:
        if self.busy_at <= 0:  # merging switched off
            return False
        return chat_id in self._held or len(self._recent(chat_id, now)) >= self.busy_at

    def hold(self, chat_id: str, item: str, outbox_id: int | None, *, message_id: str = "", text: str = "") -> bool:
        """Hold an acknowledgement for the chat's next merged message (``message_id`` and ``text``: the member's
        message and the reply as it would go alone). True when it is the first one held (the caller schedules
        the send in :attr:`delay_s` seconds, or its own window)."""
        first = chat_id not in self._held
        held = self._held.setdefault(chat_id, HeldAcks())
        held.items.append(item)
        held.replies.append((message_id, text or item))
        if outbox_id is not None:
            held.outbox_ids.append(outbox_id)
        return first

    def held_chats(self) -> list[str]:
        return list(self._held)

    def held_replies(self) -> int:
        """How many committed replies (outbox rows) are held, in every chat."""
        return sum(len(h.outbox_ids) for h in self._held.values())

    def take_held(self, chat_id: str) -> HeldAcks | None:
        """What is held for the chat (and no longer held)."""
        held = self._held.pop(chat_id, None)
        return held if held is not None and held.items else None

    def take(self, chat_id: str) -> tuple[str, list[int]] | None:
        """The merged message of what is held for the chat, and the replies it stands for."""
        held = self.take_held(chat_id)
        if held is None:
            return None
        return merged_text(held), held.outbox_ids


def merged_text(held: HeldAcks) -> str:
    return texts.REPORT_MERGED.format(items="、".join(held.items))
