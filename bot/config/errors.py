"""The one configuration error: every section parser raises it, naming the dotted key that is wrong."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration problem; ``key`` is the dotted key path that is wrong.

    A :class:`ValueError`, so that a caller reading one value with a section's reader (a ``/stat`` user
    argument, say) may catch it as a bad value."""

    def __init__(self, key: str, message: str):
        super().__init__(f"config error at '{key}': {message}")
        self.key = key
        self.message = message
