"""The Telegram adapter, found by ``bot.cli`` through the ``gridbot.adapters`` entry point."""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot.config.settings import Config
from handlers.telegram.app import build_application

log = logging.getLogger(__name__)


class TelegramAdapter:
    name = "telegram"

    def configured(self, config: Config) -> bool:
        return bool(config.resolve_token())

    def missing(self, config: Config) -> list[str]:
        return [] if config.resolve_token() else [config.token_env]

    def run(self, config: Config, guests: tuple[Any, ...] = ()) -> None:
        """Run the bot: long polling by default, a webhook when ``[webhook] enabled = true``. ``guests``
        (the Feishu adapter) start on the same services once they are open."""
        app = build_application(config, guests=guests)
        if config.webhook.enabled:
            log.info("starting webhook on %s:%d", config.webhook.listen, config.webhook.port)
            app.run_webhook(
                listen=config.webhook.listen,
                port=config.webhook.port,
                # served at the public URL's path, so that a reverse proxy can pass the path through
                url_path=urlsplit(config.webhook.url).path.lstrip("/"),
                webhook_url=config.webhook.url,
                secret_token=os.environ.get(config.webhook.secret_token_env) or None,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            log.info("starting long polling against %s", config.base_url)
            # bootstrap_retries=-1: a Bot API that is unreachable at start-up is retried (with PTB's backoff,
            # up to 30 s between tries) instead of ending the process; polling itself always backs off so.
            app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1)
