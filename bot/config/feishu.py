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


_STR_KEYS = ("app_id", "app_secret_env", "encrypt_key_env", "verification_token_env", "mode", "base_url", "listen",
             "path")


def parse_feishu_config(section: dict[str, Any] | None) -> FeishuConfig:
    """Validate the ``[feishu]`` table. Raises :class:`ConfigError` naming the key on a bad value."""
    if not section:
        return FeishuConfig()
    no_unknown(section, {"enabled", "port", "chat_rate", "app_rate", "max_retries", *_STR_KEYS}, "feishu")
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
    if "max_retries" in section:
        kw["max_retries"] = expect(section, "max_retries", int, "feishu.max_retries")
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
    for key in ("app_secret_env", "encrypt_key_env", "verification_token_env"):
        if not getattr(cfg, key):
            raise ConfigError(f"feishu.{key}", "must name an environment variable")
    if cfg.enabled and not cfg.app_id:
        raise ConfigError("feishu.app_id", "an enabled Feishu adapter needs the app's App ID (cli_...)")
    return cfg
