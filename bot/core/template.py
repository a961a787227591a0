"""Report template: the fields members report, configurable per community.

A template is a list of fields. Each field has a key (used in storage and JSON), a Chinese label (used in
replies), aliases (the words members write for it) and a type. The default template is the epidemic
reporting of early 2020; another community can configure its own fields in TOML without changing code
(read by :mod:`bot.config.template`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Field types the parser understands.
#: - ``int``: a count (``4人``, ``两口人``); "none" words give 0.
#: - ``temperature``: a body temperature in degrees Celsius; ``正常`` gives "normal" (no number).
#: - ``bool``: yes/no (``发热`` / ``无发热``).
#: - ``bool_int``: yes/no or a count (``外出2人`` gives 2, ``外出`` alone gives True, ``无外出`` gives 0).
#: - ``text``: free text; the ``note`` field takes whatever no other field took.
FIELD_TYPES = ("int", "temperature", "bool", "bool_int", "text")


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    aliases: tuple[str, ...] = ()
    #: Whether the field counts as an anomaly when it is true / non-zero (used in replies and summaries).
    anomaly: bool = False
    #: Whether a blanket "all normal" statement (均正常, 无异常) sets this field to 0/false.
    normal_zero: bool = True

    def words(self) -> tuple[str, ...]:
        """The label and aliases, longest first (so that 居家隔离 wins over 隔离)."""
        return tuple(sorted({self.label, *self.aliases}, key=len, reverse=True))


@dataclass(frozen=True)
class Template:
    fields: tuple[Field, ...]
    fever_threshold: float = 37.3

    def get(self, key: str) -> Field | None:
        for f in self.fields:
            if f.key == key:
                return f
        return None

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def empty_values(self) -> dict[str, Any]:
        """Every field unstated: None (and "" for the note)."""
        return {f.key: ("" if f.type == "text" else None) for f in self.fields}

    def normal_values(self) -> dict[str, Any]:
        """Every field stated as normal: counts 0, booleans false, temperature unknown, note empty."""
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.type == "text":
                out[f.key] = ""
            elif not f.normal_zero or f.type in ("temperature",) or f.key == "people":
                out[f.key] = None
            elif f.type == "bool":
                out[f.key] = False
            else:
                out[f.key] = 0
        return out

    def anomalies(self, values: dict[str, Any]) -> list[str]:
        """Keys of the anomaly fields that are set (true or a positive count) in ``values``."""
        found = []
        for f in self.fields:
            v = values.get(f.key)
            if f.anomaly and v not in (None, False, 0, ""):
                found.append(f.key)
        return found


DEFAULT_FIELDS: tuple[Field, ...] = (
    Field("people", "人数", "int", ("人数", "人口", "口人", "在家", "在家人数", "常住")),
    Field("temperature", "体温", "temperature", ("体温", "温度")),
    Field("fever", "发热", "bool", ("发热", "发烧", "高烧", "低烧"), anomaly=True),
    Field("out", "外出", "bool_int", ("外出",), anomaly=False),
    Field("returned", "返乡", "int", ("返乡", "返回", "回来", "返村", "返家"), anomaly=True),
    Field("isolated", "隔离", "int", ("居家隔离", "隔离", "居家健康监测", "健康监测"), anomaly=True),
    Field("visitors", "外来人员", "int", ("外来人员", "外地来人", "外来人", "亲戚", "外地人"), anomaly=True),
    Field("note", "备注", "text", ("备注", "说明", "情况")),
)


def default_template(fever_threshold: float = 37.3) -> Template:
    return Template(DEFAULT_FIELDS, fever_threshold)

