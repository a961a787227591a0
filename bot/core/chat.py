"""The chat port: the plain types a chat adapter turns its updates into, and the replies it sends back.

Nothing here knows a chat platform. Ids are strings: chats and users platform-qualified, messages the
platform's own (see :mod:`bot.core.ids`). Telegram's adapter (``handlers/telegram/convert.py``) converts both ways.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.ids import ChatId, UserId, shown


@dataclass(frozen=True)
class Sender:
    user_id: UserId
    username: str | None = None
    display_name: str = ""

    def mention_name(self) -> str:
        return self.display_name or (f"@{self.username}" if self.username else shown(self.user_id))


@dataclass(frozen=True)
class IncomingMessage:
    chat_id: ChatId
    chat_type: str  # "private", "group", "supergroup"
    message_id: str  # the platform's own (not qualified), with chat_id
    sender: Sender
    text: str
    date: datetime  # aware
    update_id: str | None = None  # qualified (bot.core.ids)
    edited: bool = False
    #: the id of the bot's message this one replies to (Telegram reply-to), None when it is no reply to a bot
    reply_to_bot: str | None = None


@dataclass(frozen=True)
class Button:
    text: str
    data: str


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    html: bool = False
    quote: bool = True  # reply to the triggering message
    #: the stored record this reply shows (a photo reading's id), so that the adapter can tie the sent
    #: message to it
    ref: int | None = None
    #: the reply was committed with what it answers (the outbox): the adapter records it as sent
    outbox_id: int | None = None
    #: a plain acknowledgement, as an item of a merged one (``王艳 17户``): in a busy group the adapter may
    #: send several members' together (:class:`bot.inbox.acks.AckMerger`); None: send it as it is
    merge: str | None = None


@dataclass(frozen=True)
class IncomingPhoto:
    chat_id: ChatId
    chat_type: str
    message_id: str
    sender: Sender
    file_id: str
    date: datetime
    file_size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None
    is_document: bool = False


@dataclass
class Outgoing:
    """A message the core asks an adapter to send on its own, not as the answer to an update (a reading
    offered again with a reminder). ``on_sent`` records it, with the sent message's id."""

    chat_id: ChatId
    reply: Reply
    reply_to: str | None = None  # a message id of the chat
    on_sent: Callable[[str], Awaitable[None]] | None = None
    #: called when the send failed (the platform refused it, or could not be reached)
    on_failed: Callable[[], Awaitable[None]] | None = None
