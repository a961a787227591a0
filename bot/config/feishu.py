"""The ``[feishu]`` section: the Feishu (飞书) adapter, beside Telegram.

The app secret, the encrypt key and the verification token are read from the environment only (the section
names the variables), never from the file. ``base_url`` points the adapter at the open platform, or at the
local stand-in of the tests and the demo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from bot.config.errors import ConfigError
from bot.config.values import expect, no_unknown

WEBSOCKET = "websocket"
CALLBACK = "callback"
MODES = (WEBSOCKET, CALLBACK)
FEISHU_BASE_URL = "https://open.feishu.cn"


@dataclass(frozen=True)
class FeishuConfig:
    enabled: bool = False
    #: the app's App ID (``cli_…``): not a secret
    app_id: str = ""
    app_secret_env: str = "GRIDBOT_FEISHU_APP_SECRET"
    #: the event subscription's Encrypt Key (events encrypted and signed); empty: events in plain JSON
    encrypt_key_env: str = "GRIDBOT_FEISHU_ENCRYPT_KEY"
    verification_token_env: str = "GRIDBOT_FEISHU_VERIFICATION_TOKEN"
    #: how events arrive: the SDK's long connection (no public address needed) or the HTTP callback
    mode: str = WEBSOCKET
    base_url: str = FEISHU_BASE_URL
    #: the HTTP callback (mode = "callback"): where the adapter listens, and the path Feishu posts to
    listen: str = "0.0.0.0"
    port: int = 8090
    path: str = "/feishu/events"
    #: sends a second into one chat (Feishu: about 5, shared by every bot in the group) and for the app (50)
    chat_rate: float = 5.0
    app_rate: float = 50.0
    #: tries of a send Feishu answered with its frequency limit, with a doubling wait (0.5 s, 1 s, 2 s, ...)
    max_retries: int = 4
    #: the tenant's monthly API-call quota (a free tenant: about 10,000); 0: no quota is watched
    monthly_quota: int = 10000
    #: a group's plain report acknowledgements are held this many seconds and sent as one message (each
    #: member named); questions, errors, cards and command answers go at once. 0: each is sent at once
    ack_window_s: int = 300
    #: when the month runs tight against the quota, the window is this many times longer
    tight_factor: int = 3
    #: a group's member names are fetched again after this many hours (and sooner for a stranger, at most
    #: once an hour)
    names_ttl_hours: int = 168

    def app_secret(self) -> str | None:
        return os.environ.get(self.app_secret_env) or None

    def encrypt_key(self) -> str:
        return os.environ.get(self.encrypt_key_env, "")

    def verification_token(self) -> str:
        return os.environ.get(self.verification_token_env, "")

    def missing(self) -> list[str]:
        """The environment variables the adapter needs and does not find (empty: it can start)."""
        out = [] if self.app_secret() else [self.app_secret_env]
        if self.mode == CALLBACK and not self.verification_token():
            out.append(self.verification_token_env)
        return out


_INT_KEYS = ("max_retries", "monthly_quota", "ack_window_s", "tight_factor", "names_ttl_hours")
_STR_KEYS = ("app_id", "app_secret_env", "encrypt_key_env", "verification_token_env", "mode", "base_url", "listen",
             "path")


def parse_feishu_config(section: dict[str, Any] | None) -> FeishuConfig:
    """Validate the ``[feishu]`` table. Raises :class:`ConfigError` naming the key on a bad value."""
    if not section:
        return FeishuConfig()
    no_unknown(section, {"enabled", "port", "chat_rate", "app_rate", *_INT_KEYS, *_STR_KEYS}, "feishu")
    kw: dict[str, Any] = {}
    if "enabled" in section:
        kw["enabled"] = expect(section, "enabled", bool, "feishu.enabled")
    for key in _STR_KEYS:
        if key in section:
            kw[key] = expect(section, key, str, f"feishu.{key}").strip()
    if "port" in section:
        kw["port"] = expect(section, "port", int, "feishu.port")
    for key in ("chat_rate", "app_rate"):
        if key in section:
            kw[key] = float(expect(section, key, (int, float), f"feishu.{key}"))
    for key in _INT_KEYS:
        if key in section:
            kw[key] = expect(section, key, int, f"feishu.{key}")
    cfg = FeishuConfig(**kw)
    if cfg.mode not in MODES:
        raise ConfigError("feishu.mode", f'must be "{WEBSOCKET}" or "{CALLBACK}"')
    if not cfg.base_url.startswith(("http://", "https://")):
        raise ConfigError("feishu.base_url", "must start with http:// or https://")
    if not 0 <= cfg.port <= 65535:  # 0: a free port (tests)
        raise ConfigError("feishu.port", "must be 0-65535")
    if not cfg.path.startswith("/"):
        raise ConfigError("feishu.path", 'must start with "/"')
    if not 0 < cfg.chat_rate <= 5:
        raise ConfigError("feishu.chat_rate", "must be more than 0 and at most 5 (Feishu's limit in a group)")
    if not 0 < cfg.app_rate <= 50:
        raise ConfigError("feishu.app_rate", "must be more than 0 and at most 50 (Feishu's limit for an app)")
    if not 0 <= cfg.max_retries <= 10:
        raise ConfigError("feishu.max_retries", "must be 0-10")
    if not 0 <= cfg.monthly_quota <= 10_000_000:
        raise ConfigError("feishu.monthly_quota", "must be 0 (none) to 10000000 calls")
    if not 0 <= cfg.ack_window_s <= 3600:
        raise ConfigError("feishu.ack_window_s", "must be 0-3600 seconds (0 sends each acknowledgement at once)")
    if not 1 <= cfg.tight_factor <= 10:
        raise ConfigError("feishu.tight_factor", "must be 1-10")
    if not 1 <= cfg.names_ttl_hours <= 24 * 31:
        raise ConfigError("feishu.names_ttl_hours", "must be 1-744 hours")
    for key in ("app_secret_env", "encrypt_key_env", "verification_token_env"):
        if not getattr(cfg, key):
            raise ConfigError(f"feishu.{key}", "must name an environment variable")
    if cfg.enabled and not cfg.app_id:
        raise ConfigError("feishu.app_id", "an enabled Feishu adapter needs the app's App ID (cli_...)")
    return cfg
