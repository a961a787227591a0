"""The ``[roles]`` and ``[summary]`` config sections: statisticians, statisticians' chats, digest, retention.

Parsing is pure. A bad value raises :class:`bot.config.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.config.errors import ConfigError
from bot.config.values import no_unknown, parse_chat_user_id, parse_time, tables
from bot.core.ids import parse_id

_USERNAME_RE = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


@dataclass(frozen=True)
class StatisticianEntry:
    """A statistician for a town or a village. ``scope`` is a name as /summary takes it (镇, 村 or 镇/村)."""

    scope: str
    user_id: str | None = None
    username: str | None = None  # lower case, without the @

    def matches(self, user_id: str, username: str | None) -> bool:
        if self.user_id is not None and self.user_id == user_id:
            return True
        return bool(self.username and username and self.username == username.lower())


@dataclass(frozen=True)
class StatsChat:
    """A statisticians' group chat: /summary and /chart work there (and the daily digest, if it is the
    ``schedule.statisticians_chat_id``, covers this scope).

    ``scope`` limits what the chat is shown (a town or a village name); empty means everything."""

    chat_id: str
    scope: str = ""


@dataclass(frozen=True)
class RolesConfig:
    statisticians: tuple[StatisticianEntry, ...] = ()


@dataclass(frozen=True)
class SummaryConfig:
    chats: tuple[StatsChat, ...] = ()
    #: reports (and their messages and audit rows) older than this many days are purged daily; 0 keeps all
    retention_days: int = 180
    retention_time: time = time(3, 30)
    #: an export of more household-days than this shows a progress message that is edited as it proceeds
    progress_rows: int = 5000
    #: a summary longer than this many messages goes as a file (with the unit rows as a message)
    max_messages: int = 4
    #: the longest /chart and the longest /summary range, in days
    max_days: int = 62
    #: the longest /export range, in days
    max_export_days: int = 92
    #: the most household-days one /export sends in a chat (Telegram takes files up to 50 MB); the CLI has no limit
    max_export_rows: int = 500_000

    def chat(self, chat_id: str) -> StatsChat | None:
        return next((c for c in self.chats if c.chat_id == chat_id), None)


def parse_user(value: Any, where: str) -> tuple[str | None, str | None]:
    """A user id (a bare integer is a Telegram one, see :func:`bot.core.ids.parse_id`) or an @username."""
    if isinstance(value, str):
        m = _USERNAME_RE.match(value.strip())
        if m:
            return None, m.group(1).lower()
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return parse_id(value), None
        except ValueError:
            pass
    raise ConfigError(where, f"expected a numeric user id, a qualified id or an @username, got {value!r}")


def _int(sec: dict[str, Any], key: str, where: str, lo: int, hi: int) -> int:
    v = sec[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise ConfigError(where, "expected an integer")
    if not lo <= v <= hi:
        raise ConfigError(where, f"must be between {lo} and {hi}")
    return v


def _scope(e: dict[str, Any], where: str, required: bool) -> str:
    if "scope" not in e:
        if required:
            raise ConfigError(f"{where}.scope", "required (a town or a village name, e.g. \"青山镇/东风村\")")
        return ""
    s = e["scope"]
    if not isinstance(s, str) or (required and not s.strip()):
        raise ConfigError(f"{where}.scope", "expected a town or a village name")
    return s.strip()


def parse_roles(sec: dict[str, Any]) -> RolesConfig:
    """``[roles]``: ``statisticians = [{ user = 123 | "@name", scope = "镇" | "村" | "镇/村" }, ...]``."""
    no_unknown(sec, {"statisticians"}, "roles")
    out = []
    for where, e in tables(sec, "statisticians", "roles.statisticians", {"user", "scope"}, "user = ..., scope = ..."):
        if "user" not in e:
            raise ConfigError(f"{where}.user", "required")
        uid, uname = parse_user(e["user"], f"{where}.user")
        out.append(StatisticianEntry(_scope(e, where, True), uid, uname))
    return RolesConfig(tuple(out))


#: the ``[summary]`` integers and their bounds
_SUMMARY_INTS = {
    "retention_days": (0, 36500), "progress_rows": (0, 10_000_000), "max_messages": (1, 20), "max_days": (1, 366),
    "max_export_days": (1, 3660), "max_export_rows": (1, 10_000_000),
}


def parse_summary(sec: dict[str, Any]) -> SummaryConfig:
    """``[summary]``: the statisticians' chats, the retention schedule, export and message limits.

    The daily digest's time and chat are ``schedule.digest`` and ``schedule.statisticians_chat_id`` (the
    deadlines module sends it; this module provides its content)."""
    no_unknown(sec, {"chats", "retention_time", *_SUMMARY_INTS}, "summary")
    kw: dict[str, Any] = {}
    parsed = []
    for where, c in tables(sec, "chats", "summary.chats", {"chat_id", "scope"}, "chat_id = -100..., scope = ..."):
        cid = c.get("chat_id")
        if isinstance(cid, bool) or (isinstance(cid, int) and cid >= 0):
            raise ConfigError(f"{where}.chat_id", "expected a group chat id (a negative number)")
        parsed.append(StatsChat(parse_chat_user_id(cid, f"{where}.chat_id", "a group chat id"), _scope(c, where, False)))
    kw["chats"] = tuple(parsed)
    if "retention_time" in sec:
        kw["retention_time"] = parse_time(sec["retention_time"], "summary.retention_time")
    for key, (lo, hi) in _SUMMARY_INTS.items():
        if key in sec:
            kw[key] = _int(sec, key, f"summary.{key}", lo, hi)
    return SummaryConfig(**kw)
