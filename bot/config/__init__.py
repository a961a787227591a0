"""Configuration: a TOML file validated into a typed :class:`Config`; a bad value raises :class:`ConfigError`.

One module a section: :mod:`.settings` (the file, ``[bot]``, ``[storage]``, ``[reporting]``, ``[logging]``,
``[webhook]``), :mod:`.template`, :mod:`.reminders` (``[schedule]``), :mod:`.stats` (``[roles]``,
``[summary]``), :mod:`.ocr`; the shared readers are in :mod:`.values`, the error in :mod:`.errors`.
"""

from bot.config.errors import ConfigError
from bot.config.settings import Config, load_config

__all__ = ["Config", "ConfigError", "load_config"]
