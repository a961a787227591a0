"""Report template: the fields members report, configurable per community.

A template is a list of fields. Each field has a key (used in storage and JSON), a Chinese label (used in
replies), aliases (the words members write for it) and a type. The default template is the epidemic
reporting of early 2020; another community can configure its own fields in TOML without changing code
(read by :mod:`bot.config.template`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

#: Field types the parser understands.
#: - ``int``: a count (``4人``, ``两口人``); "none" words give 0.
#: - ``temperature``: a body temperature in degrees Celsius; ``正常`` gives "normal" (no number).
#: - ``bool``: yes/no (``发热`` / ``无发热``).
#: - ``bool_int``: yes/no or a count (``外出2人`` gives 2, ``外出`` alone gives True, ``无外出`` gives 0).
#: - ``text``: free text; the ``note`` field takes whatever no other field took.
#: - ``symptoms``: a set of symptoms, each an :class:`Option` (``咳嗽`` with its words ``咳``, ``干咳了``):
#:   the value is the list of canonical names in order of first appearance (``["咳嗽", "乏力"]``), ``[]``
#:   when denied (``无咳嗽乏力``, ``无症状``, an "all normal" statement), None when unstated.
#: - ``enum``: one of a closed set of :class:`Option` values (``绿码`` / ``黄码`` / ``红码``), each with its own
#:   words and anomaly flag; the value is the option's ``value`` string, None when unstated.
FIELD_TYPES = ("int", "temperature", "bool", "bool_int", "text", "symptoms", "enum")

#: The symptom a member states without naming it (``有症状``, ``有点不舒服``): stored as read, and asked about.
UNNAMED_SYMPTOM = "不适"

#: Words an option of a negative meaning starts with (``未做``): a negated field word (``未做核酸``,
#: ``核酸没做``) gives that option.
NEGATIVE_PREFIXES = ("未", "没", "无", "不", "否")
#: Words an option of a positive meaning starts with (``已做``): ``已做核酸`` / ``有核酸`` gives that option.
POSITIVE_PREFIXES = ("已", "有", "是")


@dataclass(frozen=True)
class Option:
    """One value of an ``enum`` field, or one symptom of a ``symptoms`` field."""

    value: str
    aliases: tuple[str, ...] = ()
    #: Whether this value is an anomaly (``黄码``, ``阳性``). Every symptom is one.
    anomaly: bool = False

    def words(self) -> tuple[str, ...]:
        """The value and aliases, longest first."""
        return tuple(sorted({self.value, *self.aliases}, key=len, reverse=True))


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    aliases: tuple[str, ...] = ()
    #: Whether the field counts as an anomaly when it is true / non-zero (used in replies and summaries).
    #: For an ``enum`` field the options' own flags decide; for ``symptoms`` any symptom is one.
    anomaly: bool = False
    #: Whether a blanket "all normal" statement (均正常, 无异常) sets this field to 0/false (``[]`` for
    #: symptoms; an ``enum`` field is never set by it).
    normal_zero: bool = True
    #: The values of an ``enum`` field, or the symptoms of a ``symptoms`` field.
    options: tuple[Option, ...] = ()

    def words(self) -> tuple[str, ...]:
        """The label and aliases, longest first (so that 居家隔离 wins over 隔离)."""
        return tuple(sorted({self.label, *self.aliases}, key=len, reverse=True))

    def option(self, value: object) -> Option | None:
        """The option whose value is ``value``."""
        return next((o for o in self.options if o.value == value), None)

    def option_by_prefix(self, prefixes: tuple[str, ...]) -> Option | None:
        """The first option whose value or an alias starts with one of ``prefixes`` (``未做`` for 未)."""
        for o in self.options:
            if any(w.startswith(prefixes) for w in (o.value, *o.aliases)):
                return o
        return None

    def is_anomaly(self, v: object) -> bool:
        """Whether the value ``v`` of this field is an anomaly."""
        if self.type == "symptoms":
            return isinstance(v, list | tuple) and len(v) > 0 if self.anomaly else False
        if self.type == "enum":
            o = self.option(v)
            return o.anomaly if o is not None else False
        if isinstance(v, list | tuple | dict):
            return False
        return self.anomaly and v not in (None, False, 0, "")

    def anomaly_text(self, v: object) -> str:
        """How an anomaly of this field is written in replies and summaries: ``咳嗽、乏力`` (symptoms),
        ``核酸阳性`` (an enum option), ``返乡2人`` (a count), ``外出`` (a yes)."""
        if self.type == "symptoms":
            return self.value_text(v)
        if self.type == "enum":
            return f"{self.label}{v}"
        if isinstance(v, bool) or not isinstance(v, int | float):
            return self.label
        return f"{self.label}{v}人"

    def value_text(self, v: object) -> str:
        """A stated value as the bot writes it: ``咳嗽、乏力`` / ``无`` for symptoms, the option for an enum."""
        if isinstance(v, list | tuple):
            return "、".join(str(x) for x in v) if v else "无"
        if v is True:
            return "是"
        if v is False:
            return "否"
        return "" if v is None else str(v)


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

    def people_key(self) -> str | None:
        """The field that holds a household's people: ``people``, else the count field named 人数."""
        return self._roles[0]

    @cached_property
    def _roles(self) -> tuple[str | None, dict[str, Any]]:
        """(the people field, the normal values), worked out once per template."""
        people = "people" if self.has("people") else next(
            (f.key for f in self.fields if f.type == "int" and "人数" in f.words()), None)
        normal: dict[str, Any] = {}
        for f in self.fields:
            if f.type == "text":
                normal[f.key] = ""
            elif not f.normal_zero or f.type in ("temperature", "enum") or f.key == people:
                normal[f.key] = None
            elif f.type == "symptoms":
                normal[f.key] = []
            elif f.type == "bool":
                normal[f.key] = False
            else:
                normal[f.key] = 0
        return people, normal

    def empty_values(self) -> dict[str, Any]:
        """Every field unstated: None (and "" for the note)."""
        return {f.key: ("" if f.type == "text" else None) for f in self.fields}

    def normal_values(self) -> dict[str, Any]:
        """Every field stated as normal: counts 0, booleans false, no symptoms, temperature and enum fields
        unknown, note empty."""
        return {k: ([] if isinstance(v, list) else v) for k, v in self._roles[1].items()}

    def anomalies(self, values: dict[str, Any]) -> list[str]:
        """Keys of the anomaly fields that are set in ``values``: true or a positive count, a non-empty
        symptom list, an enum option flagged as an anomaly."""
        return [f.key for f in self.fields if f.is_anomaly(values.get(f.key))]


def _symptom(value: str, *aliases: str) -> Option:
    return Option(value, aliases, anomaly=True)


#: The symptoms members report besides fever (from published group reports and health-check forms), each
#: with the ways people write it. A ``symptoms`` field declared without options uses these.
DEFAULT_SYMPTOMS: tuple[Option, ...] = (
    _symptom("咳嗽", "咳", "咳痰", "咳嗽咳痰", "咳得厉害"),
    _symptom("干咳"),
    _symptom("乏力", "无力", "全身无力", "浑身无力", "四肢无力", "浑身没劲", "全身没劲", "身上没劲", "没劲", "没力气",
             "疲乏", "疲劳", "乏力感"),
    _symptom("咽痛", "咽喉痛", "咽喉疼", "咽喉肿痛", "咽部疼痛", "咽部不适", "喉咙痛", "喉咙疼", "嗓子疼", "嗓子痛",
             "嗓子不舒服", "嗓子有点疼", "嗓子有点痛", "嗓子有些疼", "喉咙有点痛", "喉咙有点疼", "嗓子发炎", "嗓子哑",
             "咽干", "咽痒", "嗓子干", "喉咙不舒服", "嗓子难受", "喉咙难受", "嗓子痒", "喉咙痒", "嗓子眼疼"),
    _symptom("流涕", "流鼻涕", "流清涕", "流鼻水", "鼻涕"),
    _symptom("鼻塞", "鼻子不通", "鼻子堵"),
    _symptom("腹泻", "拉肚子", "拉稀", "闹肚子"),
    _symptom("胸闷", "胸口闷", "胸口发闷"),
    _symptom("呼吸困难", "气促", "气短", "喘不上气", "呼吸急促", "憋气"),
    _symptom("嗅觉减退", "嗅觉下降", "嗅觉丧失", "嗅觉失灵", "嗅觉异常", "闻不到味", "闻不出味", "闻不到气味",
             "闻不出味道", "闻不到味道"),
    _symptom("味觉减退", "味觉下降", "味觉丧失", "味觉失灵", "味觉异常", "尝不出味", "尝不出味道", "吃东西没味"),
    _symptom("头痛", "头疼", "脑壳疼", "脑壳痛"),
    _symptom("头晕", "头昏", "脑壳晕"),
    _symptom("肌肉酸痛", "全身酸痛", "浑身酸痛", "身上酸痛", "浑身疼", "肌痛"),
    _symptom("畏寒", "发冷", "怕冷", "寒战"),
    _symptom("恶心", "想吐"),
    _symptom("呕吐", "吐了"),
    _symptom("结膜炎", "眼睛红", "红眼"),
    _symptom("感冒", "感冒了", "着凉"),
    _symptom(UNNAMED_SYMPTOM, "身体不适", "不舒服", "身体不舒服", "难受", "不得劲", "不太舒服"),
)

DEFAULT_FIELDS: tuple[Field, ...] = (
    Field("people", "人数", "int", ("人数", "人口", "口人", "在家", "在家人数", "常住")),
    Field("temperature", "体温", "temperature", ("体温", "温度")),
    Field("fever", "发热", "bool", ("发热", "发烧", "高烧", "低烧", "发低烧", "发高烧", "低热", "高热", "发低热", "体温偏高"),
          anomaly=True),
    Field("symptoms", "症状", "symptoms", ("症状", "不适症状", "其他症状"), anomaly=True, options=DEFAULT_SYMPTOMS),
    Field("out", "外出", "bool_int", ("外出", "出门"), anomaly=False),
    Field("returned", "返乡", "int", ("返乡", "返回", "回来", "返村", "返家"), anomaly=True),
    Field("isolated", "隔离", "int", ("居家隔离", "隔离", "居家健康监测", "健康监测"), anomaly=True),
    Field(
        "visitors",
        "外来人员",
        "int",
        ("外来人员", "外地来人", "外来人", "亲戚", "外地人", "客人", "访客", "来访人员", "外地来的", "外面来的"),
        anomaly=True,
    ),
    Field("note", "备注", "text", ("备注", "说明", "情况")),
)


def default_template(fever_threshold: float = 37.3) -> Template:
    return Template(DEFAULT_FIELDS, fever_threshold)

