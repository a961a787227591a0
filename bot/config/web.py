"""The ``[web]`` section: the web console (``handlers/web``), served by the bot's own process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.config.errors import ConfigError
from bot.config.values import expect

_KEYS = ("enabled", "listen", "port", "base_url", "idle_minutes", "link_minutes", "links_per_hour", "poll_seconds")


@dataclass(frozen=True)
class WebConfig:
    #: serve the console beside the chat adapters (``gridbot run``)
    enabled: bool = False
    #: where the console listens; behind a reverse proxy (nginx, Caddy) keep it on 127.0.0.1
    listen: str = "127.0.0.1"
    port: int = 8080
    #: the address users open, as the proxy serves it (``https://...``): the sign-in links start with it, and
    #: with https the session cookie is Secure
    base_url: str = "http://127.0.0.1:8080"
    #: a session ends after this many minutes without a page opened
    idle_minutes: int = 30
    #: a sign-in link is valid this long (and once)
    link_minutes: int = 10
    #: at most this many sign-in links per user an hour
    links_per_hour: int = 5
    #: how often an open progress page asks whether anything changed
    poll_seconds: int = 5

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def root(self) -> str:
        """The base URL without a trailing slash."""
        return self.base_url.rstrip("/")


def parse_web_config(section: dict[str, Any] | None) -> WebConfig:
    """Validate the ``[web]`` table. Raises :class:`ConfigError` naming the key on a bad value."""
    if not section:
        return WebConfig()
    kw: dict[str, Any] = {}
    for key in section:
        if key not in _KEYS:
            raise ConfigError(f"web.{key}", "unknown key")
    if "enabled" in section:
        kw["enabled"] = expect(section, "enabled", bool, "web.enabled")
    for key in ("listen", "base_url"):
        if key in section:
            kw[key] = expect(section, key, str, f"web.{key}")
    for key in ("port", "idle_minutes", "link_minutes", "links_per_hour", "poll_seconds"):
        if key in section:
            kw[key] = expect(section, key, int, f"web.{key}")
    cfg = WebConfig(**kw)
    if not 1 <= cfg.port <= 65535:
        raise ConfigError("web.port", "must be 1-65535")
    url = urlsplit(cfg.base_url)
    if url.scheme not in ("http", "https") or not url.netloc or url.query or url.fragment:
        raise ConfigError("web.base_url", "must be an http:// or https:// address without a query")
    if not 1 <= cfg.idle_minutes <= 24 * 60:
        raise ConfigError("web.idle_minutes", "must be 1-1440")
    if not 1 <= cfg.link_minutes <= 10:
        raise ConfigError("web.link_minutes", "must be 1-10 (a sign-in link is valid at most 10 minutes)")
    if not 1 <= cfg.links_per_hour <= 60:
        raise ConfigError("web.links_per_hour", "must be 1-60")
    if not 1 <= cfg.poll_seconds <= 300:
        raise ConfigError("web.poll_seconds", "must be 1-300")
    return cfg
