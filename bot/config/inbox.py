"""The ``[inbox]`` section: how updates are received and handled (the durable inbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config.errors import ConfigError
from bot.config.values import expect


@dataclass(frozen=True)
class InboxConfig:
    #: Handled updates (with the message text in them) and sent replies are kept this many hours, then purged.
    #: Telegram redelivers an update for up to 24 hours, so less than that would let a late redelivery in again.
    keep_hours: int = 48
    #: Updates handled at the same time, across chats (one chat's updates are always handled one by one).
    concurrency: int = 8
    #: A group the bot sent this many messages in the last minute is busy: its plain acknowledgements are
    #: merged into one message every few seconds (see bot/inbox/acks.py). 0 never merges.
    merge_acks_at: int = 10


def parse_inbox_config(section: dict[str, Any] | None) -> InboxConfig:
    """Validate the ``[inbox]`` table. Raises :class:`ConfigError` naming the key on a bad value."""
    if not section:
        return InboxConfig()
    kw: dict[str, Any] = {}
    for key in section:
        if key not in ("keep_hours", "concurrency", "merge_acks_at"):
            raise ConfigError(f"inbox.{key}", "unknown key")
        kw[key] = expect(section, key, int, f"inbox.{key}")
    cfg = InboxConfig(**kw)
    if cfg.keep_hours < 24:
        raise ConfigError("inbox.keep_hours", "must be at least 24 (Telegram redelivers for up to 24 hours)")
    if not 1 <= cfg.concurrency <= 1024:
        raise ConfigError("inbox.concurrency", "must be 1-1024")
    if not 0 <= cfg.merge_acks_at <= 20:
        raise ConfigError("inbox.merge_acks_at", "must be 0-20 (Telegram takes about 20 messages a minute in a group)")
    return cfg
