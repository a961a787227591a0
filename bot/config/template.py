"""The ``[template]`` section: a community's own report fields (``[[template.fields]]``).

The :class:`~bot.core.template.Template` type and the default fields are in :mod:`bot.core.template`.

An ``enum`` field lists its values, each a table with ``value``, ``aliases`` (the words members write for
it) and ``anomaly``::

    [[template.fields]]
    key = "health_code"
    label = "健康码"
    type = "enum"
    aliases = ["健康码"]
    options = [
      { value = "绿码", aliases = ["绿", "绿色"] },
      { value = "黄码", aliases = ["黄", "黄色"], anomaly = true },
    ]

A ``symptoms`` field takes ``options`` in the same shape (each a symptom and its other names); without them
it knows the common symptoms (:data:`bot.core.template.DEFAULT_SYMPTOMS`). It is an anomaly unless
``anomaly = false``.
"""

from __future__ import annotations

from typing import Any

from bot.config.errors import ConfigError
from bot.core.template import DEFAULT_SYMPTOMS, FIELD_TYPES, Field, Option, Template, default_template

_FIELD_KEYS = {"key", "label", "type", "aliases", "anomaly", "normal_zero", "options"}
_OPTION_KEYS = {"value", "aliases", "anomaly"}


def _words(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ConfigError(where, "must be a list of non-empty strings")
    return tuple(a.strip() for a in value)


def _table(e: Any, where: str, allowed: set[str], shape: str) -> dict[str, Any]:
    """``e`` as a table with only the ``allowed`` keys."""
    if not isinstance(e, dict):
        raise ConfigError(where, f"must be a table{shape}")
    unknown = sorted(set(e) - allowed)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    return e


def _text(e: dict[str, Any], name: str, where: str) -> str:
    v = e.get(name)
    if not isinstance(v, str) or not v.strip():
        raise ConfigError(f"{where}.{name}", "must be a non-empty string")
    return v.strip()


def _flag(e: dict[str, Any], name: str, default: bool, where: str) -> bool:
    v = e.get(name, default)
    if not isinstance(v, bool):
        raise ConfigError(f"{where}.{name}", "must be true or false")
    return v


def _options(e: dict[str, Any], ftype: str, where: str) -> tuple[Option, ...]:
    raw = e.get("options")
    if raw is None:
        if ftype == "enum":
            raise ConfigError(f"{where}.options", "an enum field needs its options ([{ value = ..., aliases = [...] }])")
        return DEFAULT_SYMPTOMS if ftype == "symptoms" else ()
    if ftype not in ("enum", "symptoms"):
        raise ConfigError(f"{where}.options", f"only enum and symptoms fields have options, not {ftype}")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{where}.options", "must be a non-empty array of tables")
    out: list[Option] = []
    owner: dict[str, str] = {}
    for j, o in enumerate(raw):
        ow = f"{where}.options[{j}]"
        o = _table(o, ow, _OPTION_KEYS, ' such as { value = "绿码", aliases = ["绿"] }')
        value = _text(o, "value", ow)
        aliases = _words(o.get("aliases", []), f"{ow}.aliases")
        for w in (value, *aliases):
            if w in owner and owner[w] != value:
                raise ConfigError(f"{ow}.aliases", f"the word {w!r} is already an alias of option {owner[w]!r}")
            if w in owner and w == value:
                raise ConfigError(f"{ow}.value", f"duplicate option {value!r}")
            owner[w] = value
        anomaly = _flag(o, "anomaly", ftype == "symptoms", ow)
        out.append(Option(value, tuple(a for a in aliases if a != value), anomaly))
    return tuple(out)


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
        e = _table(e, where, _FIELD_KEYS, "")
        key = e.get("key")
        if not isinstance(key, str) or not key.isidentifier():
            raise ConfigError(f"{where}.key", "must be an identifier")
        if key in seen:
            raise ConfigError(f"{where}.key", f"duplicate key {key!r}")
        seen.add(key)
        label = _text(e, "label", where)
        ftype = e.get("type", "int")
        if ftype not in FIELD_TYPES:
            raise ConfigError(f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}")
        aliases = _words(e.get("aliases", []), f"{where}.aliases")
        anomaly = _flag(e, "anomaly", ftype == "symptoms", where)
        normal_zero = _flag(e, "normal_zero", True, where)
        options = _options(e, ftype, where)
        fields.append(Field(key, label, ftype, aliases, anomaly, normal_zero, options))
    if not any(f.type == "text" for f in fields):
        fields.append(Field("note", "备注", "text", ("备注",)))
    return Template(tuple(fields), fever_threshold)
