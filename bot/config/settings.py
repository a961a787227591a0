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

from bot.config.errors import ConfigError
from bot.config.feishu import FeishuConfig, parse_feishu_config
from bot.config.inbox import InboxConfig, parse_inbox_config
from bot.config.ocr import OcrConfig, parse_ocr_config
from bot.config.reminders import ScheduleConfig, parse_schedule_config
from bot.config.stats import RolesConfig, SummaryConfig, parse_roles, parse_summary
from bot.config.template import template_from_config
from bot.config.values import expect, no_unknown, parse_chat_user_id, parse_time
from bot.config.web import WebConfig, parse_web_config
from bot.core.template import Template, default_template

__all__ = ["Config", "ConfigError", "WebhookConfig", "load_config", "parse_config"]

DEFAULT_TOKEN_ENV = "GRIDBOT_TOKEN"


@dataclass(frozen=True)
class WebhookConfig:
    enabled: bool = False
    listen: str = "0.0.0.0"
    port: int = 8443
    url: str = ""
    secret_token_env: str = "GRIDBOT_WEBHOOK_SECRET"


#: The longest answer window (minutes): a plain message hours after a question is about something else.
ANSWER_WINDOW_MAX = 120


@dataclass(frozen=True)
class Config:
    token: str | None = None
    token_env: str = DEFAULT_TOKEN_ENV
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    db_path: str = "./gridbot.db"
    timezone: str = "Asia/Shanghai"
    day_cutoff: time = time(0, 0)
    admins: tuple[str, ...] = ()  # platform-qualified user ids (bot.core.ids)
    fever_threshold: float = 37.3
    #: How long after the bot's question a member's (or a resident's) plain next message, not a reply, may be
    #: taken as its answer, in minutes (0: only a reply to the question answers it).
    answer_window_minutes: int = 15
    template: Template = field(default_factory=default_template)
    log_level: str = "INFO"
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    #: Reply "please link first" hints at most once per user per this many seconds (0: every time).
    hint_interval_s: int = 600
    #: PTB's AIORateLimiter (Telegram's flood limits). Off only against a Bot API stand-in without limits
    #: (the load benchmark); never against Telegram.
    rate_limiter: bool = True
    #: deadlines and reminders (``[schedule]``, see bot/config/reminders.py)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    #: statisticians (``[roles]``, see bot/config/stats.py)
    roles: RolesConfig = field(default_factory=RolesConfig)
    #: statisticians' chats, digest, retention, export limits (``[summary]``, see bot/config/stats.py)
    summary: SummaryConfig = field(default_factory=SummaryConfig)
    #: photos of handwritten tables and printable forms (``[ocr]``, see bot/config/ocr.py)
    ocr: OcrConfig = field(default_factory=OcrConfig)
    #: the durable inbox: retention of handled updates, concurrency (``[inbox]``, see bot/config/inbox.py)
    inbox: InboxConfig = field(default_factory=InboxConfig)
    #: the Feishu adapter (``[feishu]``, see bot/config/feishu.py)
    feishu: FeishuConfig = field(default_factory=FeishuConfig)
    #: the web console (``[web]``, see bot/config/web.py)
    web: WebConfig = field(default_factory=WebConfig)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolve_token(self) -> str | None:
        """The bot token: the config's own value, else the environment variable it names."""
        return self.token or os.environ.get(self.token_env) or None


_KNOWN_TOP = {"bot", "storage", "schedule", "reporting", "template", "logging", "webhook", "roles", "ocr", "summary",
              "inbox", "feishu", "web"}


def parse_config(data: dict[str, Any], *, base_dir: Path | None = None) -> Config:
    """Validate a parsed TOML document into a :class:`Config`."""
    for k in data:
        if k not in _KNOWN_TOP:
            raise ConfigError(k, f"unknown section; expected one of {', '.join(sorted(_KNOWN_TOP))}")
    kw: dict[str, Any] = {}
    botsec = _section(data, "bot")
    if "token" in botsec:
        kw["token"] = expect(botsec, "token", str, "bot.token") or None
    if "token_env" in botsec:
        kw["token_env"] = expect(botsec, "token_env", str, "bot.token_env")
    for key in ("base_url", "base_file_url"):
        if key in botsec:
            url = expect(botsec, key, str, f"bot.{key}")
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"bot.{key}", "must start with http:// or https://")
            kw[key] = url
    if "admins" in botsec:
        admins = expect(botsec, "admins", list, "bot.admins")
        kw["admins"] = tuple(parse_chat_user_id(a, f"bot.admins[{i}]", "a user id") for i, a in enumerate(admins))
    if "hint_interval_s" in botsec:
        kw["hint_interval_s"] = expect(botsec, "hint_interval_s", int, "bot.hint_interval_s")
    if "rate_limiter" in botsec:
        kw["rate_limiter"] = expect(botsec, "rate_limiter", bool, "bot.rate_limiter")
    no_unknown(botsec, {"token", "token_env", "base_url", "base_file_url", "admins", "hint_interval_s",
                         "rate_limiter"}, "bot")

    st = _section(data, "storage")
    if "db_path" in st:
        p = expect(st, "db_path", str, "storage.db_path")
        if not p:
            raise ConfigError("storage.db_path", "must not be empty")
        if base_dir is not None and p != ":memory:" and not os.path.isabs(p):
            p = str((base_dir / p).resolve())
        kw["db_path"] = p
    no_unknown(st, {"db_path"}, "storage")

    rep = _section(data, "reporting")
    if "timezone" in rep:
        tz = expect(rep, "timezone", str, "reporting.timezone")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError("reporting.timezone", f"unknown time zone {tz!r}") from None
        kw["timezone"] = tz
    if "day_cutoff" in rep:
        kw["day_cutoff"] = parse_time(rep["day_cutoff"], "reporting.day_cutoff")
    fever = 37.3
    if "fever_threshold" in rep:
        fever = float(expect(rep, "fever_threshold", (int, float), "reporting.fever_threshold"))
        if not 35.0 <= fever <= 42.0:
            raise ConfigError("reporting.fever_threshold", "must be between 35.0 and 42.0")
        kw["fever_threshold"] = fever
    if "answer_window_minutes" in rep:
        window = expect(rep, "answer_window_minutes", int, "reporting.answer_window_minutes")
        if not 0 <= window <= ANSWER_WINDOW_MAX:
            raise ConfigError("reporting.answer_window_minutes", f"must be between 0 and {ANSWER_WINDOW_MAX}")
        kw["answer_window_minutes"] = window
    no_unknown(rep, {"timezone", "day_cutoff", "fever_threshold", "answer_window_minutes"}, "reporting")

    tpl = _section(data, "template")
    kw["template"] = template_from_config(tpl.get("fields"), fever)
    no_unknown(tpl, {"fields"}, "template")

    lg = _section(data, "logging")
    if "level" in lg:
        level = expect(lg, "level", str, "logging.level").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError("logging.level", "must be DEBUG, INFO, WARNING or ERROR")
        kw["log_level"] = level
    no_unknown(lg, {"level"}, "logging")

    wh = _section(data, "webhook")
    if wh:
        wkw: dict[str, Any] = {}
        if "enabled" in wh:
            wkw["enabled"] = expect(wh, "enabled", bool, "webhook.enabled")
        if "listen" in wh:
            wkw["listen"] = expect(wh, "listen", str, "webhook.listen")
        if "port" in wh:
            port = expect(wh, "port", int, "webhook.port")
            if not 1 <= port <= 65535:
                raise ConfigError("webhook.port", "must be 1-65535")
            wkw["port"] = port
        if "url" in wh:
            wkw["url"] = expect(wh, "url", str, "webhook.url")
        if "secret_token_env" in wh:
            wkw["secret_token_env"] = expect(wh, "secret_token_env", str, "webhook.secret_token_env")
        no_unknown(wh, {"enabled", "listen", "port", "url", "secret_token_env"}, "webhook")
        if wkw.get("enabled") and not wkw.get("url", "").startswith("https://"):
            raise ConfigError("webhook.url", "an enabled webhook needs an https:// url")
        kw["webhook"] = WebhookConfig(**wkw)
    kw["schedule"] = parse_schedule_config(_section(data, "schedule"))
    kw["roles"] = parse_roles(_section(data, "roles"))
    kw["summary"] = parse_summary(_section(data, "summary"))
    kw["ocr"] = parse_ocr_config(_section(data, "ocr"))
    kw["inbox"] = parse_inbox_config(_section(data, "inbox"))
    kw["feishu"] = parse_feishu_config(_section(data, "feishu"))
    kw["web"] = parse_web_config(_section(data, "web"))
    return Config(**kw)


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    sec = data.get(name, {})
    if not isinstance(sec, dict):
        raise ConfigError(name, "expected a table")
    return sec


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
