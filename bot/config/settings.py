"""Configuration: a TOML file, validated into typed settings.

Every key is documented in ``config.example.toml``. An invalid file raises :class:`ConfigError`, which names
the key; the CLI turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.ocr import OcrConfig, parse_ocr_config
from bot.config.stats import RolesConfig, SummaryConfig, parse_roles, parse_summary
from bot.core.template import Template, template_from_config
from bot.reminders.schedule import ScheduleConfig, parse_schedule_config

DEFAULT_TOKEN_ENV = "GRIDBOT_TOKEN"


class ConfigError(Exception):
    """A configuration problem; ``key`` is the dotted key path that is wrong."""

    def __init__(self, key: str, message: str):
        super().__init__(f"config error at '{key}': {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True)
class WebhookConfig:
    enabled: bool = False
    listen: str = "0.0.0.0"
    port: int = 8443
    url: str = ""
    secret_token_env: str = "GRIDBOT_WEBHOOK_SECRET"


@dataclass(frozen=True)
class Config:
    token: str | None = None
    token_env: str = DEFAULT_TOKEN_ENV
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    db_path: str = "./gridbot.db"
    timezone: str = "Asia/Shanghai"
    day_cutoff: time = time(0, 0)
    admins: tuple[int, ...] = ()
    fever_threshold: float = 37.3
    template: Template = field(default_factory=lambda: template_from_config(None, 37.3))
    log_level: str = "INFO"
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    #: Reply "please link first" hints at most once per user per this many seconds (0: every time).
    hint_interval_s: int = 600
    #: PTB's AIORateLimiter (Telegram's flood limits). Off only against a Bot API stand-in without limits
    #: (the load benchmark); never against Telegram.
    rate_limiter: bool = True
    #: deadlines and reminders (``[schedule]``, see bot/schedule.py)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    #: statisticians (``[roles]``, see bot/statconfig.py)
    roles: RolesConfig = field(default_factory=RolesConfig)
    #: statisticians' chats, digest, retention, export limits (``[summary]``, see bot/statconfig.py)
    summary: SummaryConfig = field(default_factory=SummaryConfig)
    #: photos of handwritten tables and printable forms (``[ocr]``, see bot/ocr/config.py)
    ocr: OcrConfig = field(default_factory=OcrConfig)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolve_token(self) -> str | None:
        """The bot token: the config's own value, else the environment variable it names."""
        return self.token or os.environ.get(self.token_env) or None


def _expect(data: dict[str, Any], key: str, types: type | tuple[type, ...], path: str) -> Any:
    v = data[key]
    if isinstance(v, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise ConfigError(path, f"expected {_tname(types)}, got a boolean")
    if not isinstance(v, types):
        raise ConfigError(path, f"expected {_tname(types)}, got {type(v).__name__}")
    return v


def _tname(types: type | tuple[type, ...]) -> str:
    ts = types if isinstance(types, tuple) else (types,)
    return " or ".join(t.__name__ for t in ts)


def _parse_time(value: Any, path: str) -> time:
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise ConfigError(path, "expected a time as \"HH:MM\"")
    try:
        hh, mm = value.strip().split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise ConfigError(path, f"expected a time as \"HH:MM\", got {value!r}") from None


_KNOWN_TOP = {"bot", "storage", "schedule", "reporting", "template", "logging", "webhook", "roles", "ocr", "summary"}


def parse_config(data: dict[str, Any], *, base_dir: Path | None = None) -> Config:
    """Validate a parsed TOML document into a :class:`Config`."""
    for k in data:
        if k not in _KNOWN_TOP:
            raise ConfigError(k, f"unknown section; expected one of {', '.join(sorted(_KNOWN_TOP))}")
    kw: dict[str, Any] = {}
    botsec = _section(data, "bot")
    if "token" in botsec:
        kw["token"] = _expect(botsec, "token", str, "bot.token") or None
    if "token_env" in botsec:
        kw["token_env"] = _expect(botsec, "token_env", str, "bot.token_env")
    for key in ("base_url", "base_file_url"):
        if key in botsec:
            url = _expect(botsec, key, str, f"bot.{key}")
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"bot.{key}", "must start with http:// or https://")
            kw[key] = url
    if "admins" in botsec:
        admins = _expect(botsec, "admins", list, "bot.admins")
        for i, a in enumerate(admins):
            if isinstance(a, bool) or not isinstance(a, int):
                raise ConfigError(f"bot.admins[{i}]", "expected a numeric Telegram user id")
        kw["admins"] = tuple(admins)
    if "hint_interval_s" in botsec:
        kw["hint_interval_s"] = _expect(botsec, "hint_interval_s", int, "bot.hint_interval_s")
    if "rate_limiter" in botsec:
        kw["rate_limiter"] = _expect(botsec, "rate_limiter", bool, "bot.rate_limiter")
    _no_unknown(botsec, {"token", "token_env", "base_url", "base_file_url", "admins", "hint_interval_s",
                         "rate_limiter"}, "bot")

    st = _section(data, "storage")
    if "db_path" in st:
        p = _expect(st, "db_path", str, "storage.db_path")
        if not p:
            raise ConfigError("storage.db_path", "must not be empty")
        if base_dir is not None and p != ":memory:" and not os.path.isabs(p):
            p = str((base_dir / p).resolve())
        kw["db_path"] = p
    _no_unknown(st, {"db_path"}, "storage")

    rep = _section(data, "reporting")
    if "timezone" in rep:
        tz = _expect(rep, "timezone", str, "reporting.timezone")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError("reporting.timezone", f"unknown time zone {tz!r}") from None
        kw["timezone"] = tz
    if "day_cutoff" in rep:
        kw["day_cutoff"] = _parse_time(rep["day_cutoff"], "reporting.day_cutoff")
    fever = 37.3
    if "fever_threshold" in rep:
        fever = float(_expect(rep, "fever_threshold", (int, float), "reporting.fever_threshold"))
        if not 35.0 <= fever <= 42.0:
            raise ConfigError("reporting.fever_threshold", "must be between 35.0 and 42.0")
        kw["fever_threshold"] = fever
    _no_unknown(rep, {"timezone", "day_cutoff", "fever_threshold"}, "reporting")

    tpl = _section(data, "template")
    entries = tpl.get("fields")
    if entries is not None and not isinstance(entries, list):
        raise ConfigError("template.fields", "expected an array of tables ([[template.fields]])")
    try:
        kw["template"] = template_from_config(entries, fever)
    except ValueError as e:
        key, _, msg = str(e).partition(": ")
        raise ConfigError(key, msg) from None
    _no_unknown(tpl, {"fields"}, "template")

    lg = _section(data, "logging")
    if "level" in lg:
        level = _expect(lg, "level", str, "logging.level").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError("logging.level", "must be DEBUG, INFO, WARNING or ERROR")
        kw["log_level"] = level
    _no_unknown(lg, {"level"}, "logging")

    wh = _section(data, "webhook")
    if wh:
        wkw: dict[str, Any] = {}
        if "enabled" in wh:
            wkw["enabled"] = _expect(wh, "enabled", bool, "webhook.enabled")
        if "listen" in wh:
            wkw["listen"] = _expect(wh, "listen", str, "webhook.listen")
        if "port" in wh:
            port = _expect(wh, "port", int, "webhook.port")
            if not 1 <= port <= 65535:
                raise ConfigError("webhook.port", "must be 1-65535")
            wkw["port"] = port
        if "url" in wh:
            wkw["url"] = _expect(wh, "url", str, "webhook.url")
        if "secret_token_env" in wh:
            wkw["secret_token_env"] = _expect(wh, "secret_token_env", str, "webhook.secret_token_env")
        _no_unknown(wh, {"enabled", "listen", "port", "url", "secret_token_env"}, "webhook")
        if wkw.get("enabled") and not wkw.get("url", "").startswith("https://"):
            raise ConfigError("webhook.url", "an enabled webhook needs an https:// url")
        kw["webhook"] = WebhookConfig(**wkw)
    kw["schedule"] = parse_schedule_config(_section(data, "schedule"))
    for name, parse in (("roles", parse_roles), ("summary", parse_summary)):
        try:
            kw[name] = parse(_section(data, name))
        except ValueError as e:
            key, _, msg = str(e).partition(": ")
            raise ConfigError(key, msg) from None
    try:
        kw["ocr"] = parse_ocr_config(_section(data, "ocr"))
    except ValueError as e:
        key, _, msg = str(e).partition(": ")
        raise ConfigError(key, msg) from None
    return Config(**kw)


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    sec = data.get(name, {})
    if not isinstance(sec, dict):
        raise ConfigError(name, "expected a table")
    return sec


def _no_unknown(sec: dict[str, Any], known: set[str], prefix: str) -> None:
    for k in sec:
        if k not in known:
            raise ConfigError(f"{prefix}.{k}", "unknown key")


def load_config(path: str | Path | None) -> Config:
    """Load and validate a config file. ``None`` gives the defaults."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError("(file)", f"config file not found: {p}") from None
    except OSError as e:
        raise ConfigError("(file)", f"cannot read {p}: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError("(file)", "the config file must be UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("(syntax)", str(e)) from None
    return parse_config(data, base_dir=p.parent)
