"""The ``[template]`` section: a community's own report fields (``[[template.fields]]``).

The :class:`~bot.core.template.Template` type and the default fields are in :mod:`bot.core.template`.
"""

from __future__ import annotations

from typing import Any

from bot.config.errors import ConfigError
from bot.core.template import FIELD_TYPES, Field, Template, default_template


def template_from_config(entries: Any, fever_threshold: float) -> Template:
    """Build a template from the ``[[template.fields]]`` TOML entries (``None``: the default template).

    Raises :class:`ConfigError` with the offending key path on a bad entry.
    """
    if entries is not None and not isinstance(entries, list):
        raise ConfigError("template.fields", "expected an array of tables ([[template.fields]])")
    if not entries:
        return default_template(fever_threshold)
    fields: list[Field] = []
    seen: set[str] = set()
    for i, e in enumerate(entries):
        where = f"template.fields[{i}]"
        if not isinstance(e, dict):
            raise ConfigError(where, "must be a table")
        key = e.get("key")
        if not isinstance(key, str) or not key.isidentifier():
            raise ConfigError(f"{where}.key", "must be an identifier")
        if key in seen:
            raise ConfigError(f"{where}.key", f"duplicate key {key!r}")
        seen.add(key)
        label = e.get("label")
        if not isinstance(label, str) or not label:
            raise ConfigError(f"{where}.label", "must be a non-empty string")
        ftype = e.get("type", "int")
        if ftype not in FIELD_TYPES:
            raise ConfigError(f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}")
        aliases = e.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            raise ConfigError(f"{where}.aliases", "must be a list of non-empty strings")
        anomaly = e.get("anomaly", False)
        normal_zero = e.get("normal_zero", True)
        if not isinstance(anomaly, bool):
            raise ConfigError(f"{where}.anomaly", "must be true or false")
        if not isinstance(normal_zero, bool):
            raise ConfigError(f"{where}.normal_zero", "must be true or false")
        fields.append(Field(key, label, ftype, tuple(aliases), anomaly, normal_zero))
    if not any(f.type == "text" for f in fields):
        fields.append(Field("note", "备注", "text", ("备注",)))
    return Template(tuple(fields), fever_threshold)
