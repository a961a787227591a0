"""The words of the newer kinds of statement: thresholds (``超过37度``), status remarks (``不在家``), remarks
that only go to the note (``住院``), and the times of day a reading is taken at (``上午36.5``).

They are regex parts compiled into the template's scanner (:mod:`bot.parser.schema`); what a token of each
kind states is decided in :mod:`bot.parser.options`.
"""

from __future__ import annotations

import re

from bot.parser.textnorm import convert_numerals, normalize_temperatures

#: A temperature in a threshold (``37`` / ``37.3`` / ``37.3℃``); the number is no reading.
_T = r"(?:3[4-9]|4[0-2])(?:\.\d)?(?![\d.])\s*℃?"
_ABOVE = r"(?:超过|超出|高于|大于|高过|不低于|≥|>=|>|超)"
_BELOW = r"(?:不超过|未超过|没超过|没有超过|均未超过|低于|小于|不高于|未达到|没达到|≤|<=|<)"
#: ``超过37度`` / ``37.3℃以上`` / ``37度以下`` / ``未超过37.3``.
THRESHOLD_RE_PART = (
    rf"{_BELOW}\s*{_T}(?:\s*(?:以上|以下))?|{_ABOVE}\s*{_T}(?:\s*以上)?|{_T}\s*(?:及以上|以上|之上|以下|之下|以内)"
)
THRESHOLD_NUM_RE = re.compile(r"\d{2}(?:\.\d)?")
#: Words of a threshold that say "below" (``以下``, ``低于``, ``未超过``).
BELOW_RE = re.compile(rf"^{_BELOW}|以下|之下|以内")

#: Status remarks: a person is away (sets the "out" field; the remark goes to the note).
STATUS_RE_PART = (
    r"不在家|不在村里|不在村|不在本村|不在小区|不在本小区|不在本地|不在辖区|"
    r"外出务工(?!人员)|外出打工(?!人员)|在外务工|在外打工|外地务工|外地打工|外出上学|"
    r"出去打工|出门打工|出去务工|出门务工|去外地打工|到外地打工|在外边打工|在外头打工|在外面打工|打工去了|"
    r"(?:在|去|到)[\u4e00-\u9fff]{1,4}?(?:打工|务工)|没人在家|家里没人|都不在家|出去走亲戚了?|走亲戚去了|出远门了?|"
    r"在外地|在外省|在外面|在外(?![来出地省面务打])|在单位|在公司|在厂里|在工地|出差|在学校住校|住校|在学校住|在部队|"
    r"去外地过年了?|去外地了|回老家过年了?|回老家了?"
)
#: Remarks that go to the note only (a fever or a symptom said with them is read as usual).
_CLINIC = r"(?:医院|卫生院|卫生室|诊所|社区医院|发热门诊)"
#: Work and school remarks that do not mean "away from the area" (``夜班``, ``居家办公``, ``在单位值班``): note only.
_DUTY = r"(?:上夜班|夜班|白班|值夜班|值班|加班|倒班|上班|居家办公|在家办公|在家上网课|上网课|网课)"
REMARK_RE_PART = (
    rf"(?:已经|已|正在)?(?:送(?:往|到|去)?[\u4e00-\u9fff]{{0,4}}?{_CLINIC}|送医|住院治疗|住院观察|住院|就医|就诊|"
    rf"在[\u4e00-\u9fff]{{0,4}}?{_CLINIC}|去[\u4e00-\u9fff]{{0,4}}?{_CLINIC})(?:了)?"
    rf"|(?:在[\u4e00-\u9fff]{{1,4}}?)?{_DUTY}(?:去了|了)?"
)

#: ``嗅（味）觉减退`` / ``嗅味觉减退`` / ``嗅觉、味觉减退``: two symptoms written as one.
_SMELL_TASTE_RE = re.compile(
    r"(?:嗅\s*\(\s*味\s*\)\s*觉|嗅味觉|(?P<first>嗅|味)觉\s*[、/和及与]?\s*(?:嗅|味)觉)\s*(?:都|均|也)?\s*"
    r"(?P<how>减退|下降|丧失|失灵|异常)"
)
#: A parenthesis that only defines a field's threshold (``发热（≥37.3℃）人数``, ``（体温37.3℃以上）``): the
#: field word says it already, and it states nothing about anybody.
_THRESHOLD_PAREN_RE = re.compile(rf"\(\s*(?:体温|腋温)?\s*(?:{THRESHOLD_RE_PART})\s*\)")


def _smell_taste(m: re.Match[str]) -> str:
    how = m.group("how")
    first, second = ("味", "嗅") if m.group("first") == "味" else ("嗅", "味")
    return f"{first}觉{how}、{second}觉{how}"


#: Words that are a count of people (after numeral normalisation: 两口子 → 2口子): 老两口 / 两口子 / 夫妻俩 / 娘俩
#: are two, 娘仨 / 爷孙仨 three (一家三口 is already ``3口``).
_PAIR = r"(?:夫妻|夫妇|两口子|母女|母子|父子|父女|爷孙|奶孙|祖孙|兄弟|姐妹|姐弟|兄妹|哥|娘|婆媳|爷俩|娘)"
_COUNT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:老|小)(?:2|两|俩)口(?:子|儿)?|(?:2|两|俩)口子|(?:两|2)夫妻|夫妻(?:二|2)人|夫妻(?:2|两)个|"
                + _PAIR + r"俩"), "2人"),
    (re.compile(_PAIR + r"仨|(?:夫妻|两口子)带(?:个|1个)孩子"), "3人"),
)


#: How much or how long between a body part and what is wrong with it (``嗓子有点不舒服``, ``头一直疼``): dropped,
#: so that the symptom's own words meet (``嗓子不舒服`` is 咽痛, not a symptom not named).
_BODY_DEGREE_RE = re.compile(
    r"(嗓子|喉咙|脑壳|胸口|鼻子|浑身|身上|全身|肚子|眼睛|头)(?:有点儿?|有些|有一点儿?|一直|老是|还|也|总是?|特别|很|挺)+"
    r"(?=疼|痛|不舒服|难受|晕|昏|闷|发炎|哑|干|痒|不通|堵|没劲|酸|红)"
)


#: The people who are there, named one by one after 就 / 只有 / 就剩 (``家里就她跟孙子``): that many people.
_PERSON = r"(?:老太太|老头子?|老伴|老人|老公|老婆|外孙女|外孙|孙子|孙女|儿子|女儿|闺女|儿媳|媳妇|女婿|孩子|小孩|爷爷|奶奶|她|他)"
_ONLY_THESE_RE = re.compile(rf"(?<=就|有|剩)({_PERSON}(?:(?:跟|和|与|、|带着?){_PERSON})+)(?![\u4e00-\u9fff]*(?:回来|返乡|发烧|咳嗽))")
_PERSON_RE = re.compile(_PERSON)


def _only_these(m: re.Match[str]) -> str:
    return f"{len(_PERSON_RE.findall(m.group(1)))}人"


def field_text(norm: str) -> str:
    """The normalised message with the spellings above made plain (one pass before the message is split)."""
    norm = _BODY_DEGREE_RE.sub(r"\1", norm)
    if "就" in norm or "只有" in norm or "剩" in norm:
        norm = _ONLY_THESE_RE.sub(_only_these, norm)
    if "口" in norm or "俩" in norm or "仨" in norm or "夫" in norm:
        for rx, count in _COUNT_WORDS:
            norm = rx.sub(count, norm)
    if "嗅" in norm:
        norm = _SMELL_TASTE_RE.sub(_smell_taste, norm)
    if "(" in norm:
        norm = _THRESHOLD_PAREN_RE.sub("", norm)
    return norm


#: What is said of a symptom that is gone (``咳嗽好了``, ``咳嗽已痊愈``): no symptom now.
RECOVERED_RE = re.compile(r"^(?:已经|已|都|也)?(?:好了|好啦|痊愈了?|康复了?|已愈|没事了|没了|消失了?)")

#: Where the next reading starts inside a written piece: a time word right after a number (``36.5下午``).
_NEXT_TIME_RE = re.compile(
    r"(?<=[\d度℃五六七八九零一二三四])\s*(?:上午|下午|中午|晚上|早上|早晨|清晨|傍晚|夜间|晚间|夜里|凌晨|晨检|午检|晚检|早|中|晚|午|晨)"
)


def reading_as_written(time: str, values: list[float], original: str, used: set[int]) -> str:
    """A reading of the day as the member wrote it (``早36度5``, ``上午36.3、36.5、36.4``): the first piece of
    the ``original`` message not in ``used`` (start offsets) that starts with the ``time`` word and holds the
    first temperature; else the reading in the parser's own spelling."""
    first = f"{values[0]:.1f}"
    for m in re.finditer(re.escape(time) + r"\s*[^,，;；。\n\s]{1,24}", original):
        piece = m.group(0)
        nxt = _NEXT_TIME_RE.search(piece, len(time))
        if nxt:
            piece = piece[: nxt.start()]  # 上午36.5下午36.9: the next reading starts there
        if m.start() not in used and first in normalize_temperatures(convert_numerals(piece)):
            used.add(m.start())
            return piece
    return time + "、".join(f"{v:.1f}" for v in values)


#: How the remarks above begin, for telling where a household's name ends (``王建国住院了``).
REMARK_WORDS = ("住院", "夜班", "值班", "上夜班", "居家办公", "出差", "住校", "在单位", "在外", "外出务工", "外出打工", "送医", "就医", "已送", "送往")

#: The time of day a temperature was taken at, at the end of the word before it (``上午36.5``, ``早36.3``).
TIME_RE = re.compile(
    r"(?:上午|下午|中午|晚上|早上|早晨|清晨|傍晚|夜间|晚间|夜里|凌晨|今早|今晨|昨晚|白天|晨检|午检|晚检|早检)"
    r"(?:[^\d\s]{0,4}?)(?:测温|测量|测|量)?[:]?$|^(?:早|中|晚|午|晨)(?:测温|测|量)?[:]?$"
)
