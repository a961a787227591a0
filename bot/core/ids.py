"""Chat, user, message and update ids, free of any chat platform.

A chat or user id is **platform-qualified**: the platform's short name, a colon, and the platform's own id
(``"tg:-1001234"``, ``"tg:42"``, ``"feishu:oc_5ad…"``, ``"feishu:ou_7d8…"``). An update id (the inbox's key)
is qualified the same way (``"tg:<update_id>"``, ``"feishu:<event_id>"``). A message id is the platform's
own, as text (``"123"``, ``"om_…"``), and always goes with its chat.

Only adapters make and take apart ids (:func:`qualify`, :func:`native`, :func:`telegram_native`); the
services in ``bot/`` compare and store them as they are.
"""

from __future__ import annotations

import re

TELEGRAM = "tg"
FEISHU = "feishu"

#: a platform-qualified chat id (``"tg:-1001234"``)
ChatId = str
#: a platform-qualified user id (``"tg:42"``)
UserId = str

_TELEGRAM_NATIVE = re.compile(r"-?[0-9]+")


def qualify(platform: str, native: str | int) -> str:
    """The qualified id of the platform's own id ``native``: ``qualify(TELEGRAM, 42) == "tg:42"``."""
    if not platform or ":" in platform:
        raise ValueError(f"not a platform name: {platform!r}")
    text = str(native)
    if not text:
        raise ValueError("an empty id")
    return f"{platform}:{text}"


def platform_of(qid: str) -> str:
    """The platform of a qualified id (``"tg"`` for ``"tg:42"``); ValueError for an unqualified one."""
    platform, sep, rest = qid.partition(":")
    if not sep or not platform or not rest:
        raise ValueError(f"not a platform-qualified id: {qid!r}")
    return platform


def native(qid: str) -> str:
    """The platform's own id: the part after the first ``:`` (``"-1001234"`` for ``"tg:-1001234"``)."""
    platform_of(qid)
    return qid.partition(":")[2]


def telegram_native(qid: str) -> int:
    """The Telegram id (an int) of a qualified Telegram id; ValueError for any other id."""
    if platform_of(qid) != TELEGRAM:
        raise ValueError(f"not a Telegram id: {qid!r}")
    return int(native(qid))


def is_platform(qid: str | None, platform: str) -> bool:
    """Whether ``qid`` is a qualified id of ``platform`` (False for None or an unqualified id)."""
    return qid is not None and qid.startswith(platform + ":") and len(qid) > len(platform) + 1


def shown(qid: str) -> str:
    """An id as it is shown to people when there is no name for it: the platform's own part
    (``"42"`` for ``"tg:42"``), or the text as it is when it is not qualified."""
    platform, sep, rest = qid.partition(":")
    return rest if sep and platform and rest else qid


def parse_id(text: str | int) -> str:
    """A user's or chat's id as a person types it (the CLI, the config): a bare integer is a Telegram id
    (``42`` → ``"tg:42"``), anything else must be qualified (``feishu:ou_…``). ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError(f"not an id: {text!r}")
    if isinstance(text, int):
        return qualify(TELEGRAM, text)
    s = text.strip()
    if _TELEGRAM_NATIVE.fullmatch(s):
        return qualify(TELEGRAM, int(s))
    platform_of(s)
    if any(c.isspace() for c in s):
        raise ValueError(f"not an id: {text!r}")
    return s
