"""Readers of single values, shared by the config sections and the chat commands.

:func:`parse_hhmm` is the one reader of a time of day as people write it (``18:00``, ``18：00``, ``18点``,
``18点30``); the config's times go through it (:func:`parse_time`), and so do the ``/schedule`` command's
arguments and the stored overrides. The other helpers check a config table and raise :class:`ConfigError`
naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Any

from bot.config.errors import ConfigError
from bot.core.ids import parse_id

_HHMM = re.compile(r"^(\d{1,2})[:：点](\d{1,2})?分?$")


def parse_hhmm(text: str) -> time | None:
    """``18:00``, ``18：00``, ``18点``, ``18点30`` → a time; anything else → None."""
    m = _HHMM.match(text.strip())
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if not (0 <= h <= 23 and 0 <= mi <= 59):
        return None
    return time(h, mi)


def parse_chat_user_id(value: Any, key: str, what: str) -> str:
    """A chat's or user's id in the config: a bare integer is a Telegram id (``-1001234`` → ``tg:-1001234``),
    a string may be a platform-qualified id (``"feishu:oc_…"``, see :mod:`bot.core.ids`)."""
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return parse_id(value)
        except ValueError:
            pass
    raise ConfigError(key, f'expected {what}: a numeric Telegram id, or a qualified id such as "feishu:..."')


def parse_time(value: Any, key: str) -> time:
    """A config time: a TOML local time or a string :func:`parse_hhmm` reads."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    t = parse_hhmm(value) if isinstance(value, str) else None
    if t is None:
        raise ConfigError(key, f'expected a time as "HH:MM", got {value!r}')
    return t


def expect(data: Mapping[str, Any], key: str, types: type | tuple[type, ...], path: str) -> Any:
    """``data[key]`` if it is of one of ``types`` (a boolean is not an int here)."""
    v = data[key]
    ts = types if isinstance(types, tuple) else (types,)
    names = " or ".join(t.__name__ for t in ts)
    if isinstance(v, bool) and bool not in ts:
        raise ConfigError(path, f"expected {names}, got a boolean")
    if not isinstance(v, types):
        raise ConfigError(path, f"expected {names}, got {type(v).__name__}")
    return v


def no_unknown(sec: Mapping[str, Any], known: set[str], prefix: str) -> None:
    """Refuse a key of ``sec`` that is not in ``known``."""
    for k in sec:
        if k not in known:
            raise ConfigError(f"{prefix}.{k}", "unknown key")


def tables(sec: Mapping[str, Any], key: str, path: str, known: set[str], shape: str) -> list[tuple[str, dict[str, Any]]]:
    """The array of tables ``sec[key]`` (none when it is missing), each with its key path; every table may
    have only the ``known`` keys. ``shape`` shows what one looks like, for the error."""
    entries = sec.get(key, [])
    if not isinstance(entries, list):
        raise ConfigError(path, "expected an array of tables")
    out = []
    for i, e in enumerate(entries):
        where = f"{path}[{i}]"
        if not isinstance(e, dict):
            raise ConfigError(where, f"expected a table {{ {shape} }}")
        no_unknown(e, known, where)
        out.append((where, e))
    return out
