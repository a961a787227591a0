"""Read a grid member's free-text daily report against the roster.

Public API: :func:`parse_message` (``text``, ``sender``, ``roster``, ``template``) → :class:`ParseResult`.

Approach
========
1. **Normalise** (:mod:`bot.textnorm`): width, numerals, ``℃``, emoji, spaces. Roster names that contain
   numeral characters (``张三虎``) are protected from numeral conversion.
2. **Classify**: questions, notices, requests and leaders' roll-ups (``?``, ``@…``, ``通知``, ``请各位``,
   ``汇总``, ``应报…已报``) are not reports. ``接龙`` makes a chain; ``更正`` makes a correction.
3. **Choose the member**: the sender, or a member the message names (``网格员：王艳``, a header
   ``东风村5网格 刘桂兰``). In a chain every numbered line whose name is a member is that member's report.
4. **Segment**: lines; a line that is a table header (``户主 人数 体温 …``) starts a table whose columns come
   from the header. Other lines split into *units* (``|`` ``。`` ``!``) and units into *clauses* (``,``
   ``;`` ``、`` spaces). Parentheses are set aside and attached to their clause. Markers are taken out of
   each unit first: ``同上`` / ``无变化`` (same as yesterday), ``更正`` and its noise (``不是15户``), and
   exception phrases (``除霍建军家外`` / ``除了霍建军家，其他…`` / ``霍建军家除外``), which leave a mark
   where they stood. Members skip punctuation, so a clause is also broken before a roster household name
   or a rest word (``其他`` ``其余`` …) glued to a finished statement (``15户均正常霍建军家…``,
   ``王建国4人36.5薛文斌1人36.6``, ``…36.7其他都正常``).
5. **Resolve names** only where the shape says a household is named: at the start of a unit (after a
   list marker ``1.`` ``(1)`` ``①``), at the start of a clause before ``家``/``户`` or a count, a roster name
   followed by ``家``/``户`` anywhere, after a field's label (``外来人员：李四家亲戚1人``), inside ``除…外``
   (whose remaining words are statements about the excepted households: ``除霍建军家体温37.5外``), in a
   table's name column, inside a parenthesis after a count or one that names exceptions
   (``全部正常（除霍建军家体温37.5）``). Names are checked against the roster: exact among the member's households, exact among
   other members' households (→ ``foreign``), one character off among the member's own households only,
   else ``unmatched`` (only when the candidate looks like a person's name). ``王家`` / ``3号楼王家`` is
   matched only when exactly one of the member's households fits, and is flagged as a guess.
6. **Tokenise** each clause with the template's vocabulary (field aliases, longest first), numbers with
   units (``4人`` ``15户`` ``36.5℃`` ``36.1~36.8``), negations (``无`` ``没有`` ``未`` ``否`` ``×``), yes-words
   (``有`` ``是`` ``√``) and "all normal" phrases (``均正常`` ``无异常`` ``零报告``); then **bind** values to
   fields: ``无返乡`` / ``返乡:0`` / ``2人返乡`` / ``返乡人员2人`` / ``外出:是`` / ``发热37.5`` / a bare alias
   (``儿子从武汉回来了`` → returned 1). A count belongs to the nearest field word before it, also across a
   verb (``亲戚来访2人`` / ``回来了2个人``). What no field takes: ``N户`` is a household count, ``N人`` a
   people count, ``36.5`` a temperature, a free normal-word an "all normal" statement, an ``已…`` remark
   after a household's statements a note. A parenthesis that names no household still states what it says
   (``返乡1人（已居家隔离）``); a count-less statement of one anomaly count field right after another's
   count on the same target takes that count (``返乡2人，均已隔离`` → isolated 2).
7. **Accumulate** the statements into a *target*: the named household(s), the member's whole grid
   ("blanket"), or "the rest" (``其余均正常``, the clauses after a ``除…外`` mark; the clauses before it,
   such as the totals in ``包联15户44人，除霍建军家外均正常``, still speak of the whole grid). A clause that
   names a household switches the target until the end of the unit; a rest word followed by a normal
   phrase (``其他都正常`` ``别的都没问题`` ``剩下的都正常``) switches to "the rest" whatever the target
   was (but ``其他人都正常`` after a household is about that household's other people).
8. **Assemble** one :class:`MemberReport`: blanket statements make ``covers_all`` (every household of the
   member, roster order; the ones the message names carry their own values, the rest get
   ``template.normal_values()``); counts stated without a household become Chinese warnings asking which
   household; ``fever`` follows the temperature threshold; ``totals`` take the member-level counts.

The special roles of fields are found by type and well-known keys: the ``temperature`` field (type),
the fever field (key ``fever`` or the first bool field), the people field (key ``people``) and the note
(the first text field). Every other field is driven purely by the template's aliases and type.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from bot.core.model import Household, HouseholdReport, Member, MemberReport, ParseResult, Roster
from bot.core.template import Field, Template
from bot.parser import textnorm

__all__ = ["parse_message"]

#: Longest message we read (characters, after normalisation; a chat message has at most 4096).
MAX_CHARS = 4096
TEMP_MIN, TEMP_MAX = 34.0, 43.0

# ----------------------------------------------------------------------------------------- vocabulary

_CJK = "\u4e00-\u9fff"
_CJK_RE = re.compile(f"[{_CJK}]")
_CJK_RUN_RE = re.compile(f"[{_CJK}·]+")

#: "Everything is normal" phrases (strong), longest first inside the regex.
_NORMAL_STRONG = tuple(
    "一切正常 全部正常 全都正常 均属正常 均为正常 均正常 都正常 皆正常 无异常 无异样 无异况 没有异常 没异常 未见异常 未发现异常 无特殊情况 无其他情况 无其它情况 无特殊 零报告 0报告 无情况 一切都好 一切安好 都没问题 均没问题 全没问题 都没有问题 均无问题 都无问题 一切都正常 一切正常的".split()
)
_NORMAL_WEAK = (
    "正常",
    "良好",
    "平安",
    "安好",
    "都好",
    "均好",
    "挺好",
    "很好",
    "好好的",
    "都好好的",
    "都好着",
)
_NORMAL_RE_PART = r"(?:异常|特殊|其他|其它)(?:情况)?[:=]?(?:无|没有|0|否|暂无)|" + "|".join(
    sorted(_NORMAL_STRONG + _NORMAL_WEAK, key=len, reverse=True)
)

_SAME_RE = re.compile(
    r"同昨日|同昨天|同前日|同上|同前|无新变化|无变化|没有变化|没变化|未变化|"
    r"(?:和|与|跟|同)昨(?:天|日)(?:的)?(?:一样|相同|一致|无异|情况一样)|"
    r"一切照旧|照旧|情况不变|维持不变"
)
_CORRECTION_RE = re.compile(r"更正|纠正|改正|更改|修正|订正|修改")
_CORRECTION_NOISE_RE = re.compile(
    r"(?:上条|上一条|刚才|之前|前面|我)?(?:的)?(?:写错了?|报错了?|填错了?|搞错了?|有误|错了)|"
    r"不是[^,;。|\n]*|"
    r"原(?:来)?(?:报|写|填)?(?:的)?(?:是)?\s*\d+(?:\.\d+)?\s*(?:口人|户|人|口|℃)?|"
    r"(?<![\d.])\d+(?:\.\d+)?\s*(?:口人|户|人|口|℃)?\s*(?=改为|改成|更正为|应为|应是)|"
    r"应该是|应该为|改为|改成|更正为|应为|应是"
)
_CHAIN_RE = re.compile(r"接龙")
#: Strong signals that a message is chat, a notice, a request or a roll-up rather than a report.
_NOT_REPORT_RE = re.compile(
    r"\?|^\s*@|(?:^|\n)\s*(?:紧急|重要|温馨)?(?:通知|公告|提醒)|(?:通知|公告)\s*:|汇总|应报|已报\s*\d|未报|"
    r"(?<!\d)\d+\s*个网格|各网格|(?:已|均已|都已)?全部上报|均已上报|"
    r"请各|请大家|请全体|请于|请在|请按|请及时|请尽快|请务必|请今天|请今日|(?:^|\n)\s*请|吗\s*(?:$|[,.!\n])"
)
#: One numbered line of a chain (``1. 刘志宇 …``, ``(2)王艳 …``, ``3、…``).
_CHAIN_LINE_RE = re.compile(
    r"^\s*(?:\(\s*(\d{1,3})\s*\)|(\d{1,3})\s*(?:[.、:)\]](?!\d)|\s+|(?=[" + _CJK + r"])))"
    r"\s*(?![户人口名位个号楼栋层组天日月次岁℃])(.*)$"
)
_LIST_MARK_RE = re.compile(
    r"^\s*(?:\(\s*\d{1,3}\s*\)|\d{1,3}\s*[.、:)\]](?!\d)|\d{1,3}\s+(?=[^\d\s~\-])|[#*•·\-]+)\s*"
)
#: A list marker in the middle of a line (``…36.5℃ (2)李秀兰…``): the next item starts there.
_INLINE_LIST_RE = re.compile(r"(?<=[^\n\d.])[ \t]*(?=(?:\(\d{1,2}\)|\d{1,2}[.、](?!\d))\s*[" + _CJK + r"])")
_TITLE_RE = re.compile(r"【[^】]*】|\[[^\]]*\]")
_PAREN_RE = re.compile(r"\(([^()]*)\)")
_PAREN_BASE = 0xF0100
_PAREN_CLASS = "\U000f0100-\U000f01ff"
#: Marks where a ``除…外`` phrase stood: the clauses after it speak of "the rest".
_EXC_MARK = "\ue000"
#: Words that open a statement about the rest after ``除了X，…`` (no 外).
_REST_AFTER = r"(?:其他|其它|其余|剩下|剩余|余下|别的|均|都|全|也|一切)"
#: ``除霍建军家外`` / ``除了霍建军家以外`` / ``除了霍建军家，其他…`` / ``除霍建军家其余…`` (not 排除, 解除…).
_EXCEPT_RE = re.compile(
    r"(?<![排解消清删扣免去剔])除(?:了|开)?(?!夕|外(?![来出地省市县面国人]))"
    r"(?:(?P<a>[^,;。|" + _EXC_MARK + r"]{1,40}?)(?:以外|之外|外(?![来出地省市县面国]))"
    r"|(?P<b>[^,;。|\s" + _EXC_MARK + r"]{1,30}?)(?:[,;\s]+|(?<=[家户]))(?=" + _REST_AFTER + r"))"
)
#: ``霍建军家除外``.
_EXCEPT_AFTER_RE = re.compile(
    r"(?P<c>[^,;。|\s" + _EXC_MARK + r"]{2,30}?)(?:都|均)?除外(?![出来地省市县面国])"
)
#: A parenthesis that names the exceptions: ``（除霍建军家体温37.5）`` / ``（霍建军家除外）``.
_EXCEPT_PAREN_RE = re.compile(
    r"^\s*(?:除(?:了|开)?(?P<a>.+?)(?:以外|之外|外)?|(?P<b>.+?)(?:都|均)?除外)\s*$", re.S
)
_REST_RE = re.compile(r"其余|剩下|剩余|余下|(?:其他|其它|别的)(?:各)?(?:户|家|住户|农户|人家)")
_REST_WEAK_RE = re.compile(r"^(?:其他|其它|别的)(?!人|家人|成员)")
_REST_LEAD = r"(?:其他|其它|别的|其余|剩下|剩余|余下)(?:的)?(?:各)?(?:\d+)?(?:户|家|住户|农户|人家)?"
_REST_WORDS_RE = re.compile(r"其他|其它|其余|剩下|剩余|余下|别的")
#: ``其他都正常`` / ``别的都没问题`` / ``其它户都没发烧``: the rest, whatever the target was.
_REST_NORMAL_BODY = rf"{_REST_LEAD}(?:也|都|均|全|全部|全都|皆|是|还)*(?:(?:{_NORMAL_RE_PART})|(?<=[也都均全皆])(?:没有|没|无|不|未))"
_REST_NORMAL_RE = re.compile("^" + _REST_NORMAL_BODY)
_REST_NORMAL_AT_RE = re.compile(_REST_NORMAL_BODY)
#: What a finished statement ends with, so that a household name right after it starts a new clause.
_GLUE_BEFORE_RE = re.compile(rf"(?:\d\.\d|℃|\d户(?:\d+(?:口人|个人|人|口))?|(?:{_NORMAL_RE_PART}))$")
#: A count that ends a household's line (``王建国4人薛文斌1人``): a name followed by a number starts the next.
_GLUE_COUNT_RE = re.compile(r"\d(?:口人|个人|人|口)$")
_LABEL_RE = re.compile(
    r"(网格员|网格长|填报人|上报人|报告人|报送人|汇报人)(\s*[:]\s*|\s+)?([" + _CJK + r"]{2,4})"
)
_ADDRESS_HINT_RE = re.compile(r"(?<!\d)(\d+\s*(?:号楼|栋|幢|单元|组|号))")

#: Common surnames; a candidate household name must start with one (compound surnames listed apart).
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武"
    "戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆卓吉缪简项连芦麦褚娄窦戚岑景党宫"
    "费卜冷晏席卫柏瞿桂佟臧闵苟邬卞姬仇栾隋刁荣巫寇桑郎甄丛仲虞敖巩佘苑迟邝覃"
)
_COMPOUND_SURNAMES = tuple("欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 令狐 慕容 夏侯 长孙".split())
#: Surnames for the ``王家`` shape (the most common ones that are not everyday words).
_FAMILY_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范贾夏韦付傅邹孟熊秦邱尹薛闫段雷侯史陶黎贺顾毛郝龚邵钱严覃戴莫孔汤施樊葛邢乔庞颜倪"
    "聂鲁岳翟殷詹耿焦俞柳祝舒阮柯纪梅凌毕裴霍苗骆靳柴鲍喻祁蒲滕饶牟艾卓缪"
)
_FAMILY_RE = re.compile(
    r"(?:(?<=[\d号楼栋幢组队元老小在对])|^)(?:老|小)?(["
    + _FAMILY_SURNAMES
    + r"])家(?![长乡庄村屯湾坝沟寨店镇营园堡])"
)
_TITLES = tuple(
    "大爷 大妈 大娘 大叔 大婶 大哥 大姐 阿姨 叔叔 婶婶 奶奶 爷爷 老师 书记 主任 组长 队长 村长 网格员 网格长 会计 医生 师傅 老板 同志 先生 女士 老汉 老太 老人".split()
)
#: Family words that may follow a household head's name (``胡秋菊老人一个人住``, ``王建国儿子``).
_KIN_WORDS = tuple(
    "老人 老两口 老俩口 老伴 夫妇 夫妻 两口子 儿子 女儿 闺女 儿媳 媳妇 女婿 孙子 孙女 外孙 爷爷 奶奶 "
    "父亲 母亲 老父亲 老母亲 本人 独居 一人 一个人 1个人 老2口 2口子".split()
)
#: Characters that do not occur in the given names members write; a candidate containing one is no name.
_NON_NAME_CHARS = set(
    "的了在是无不没均都异体温热烧户口网格村组楼号报告况返隔离共计包查访排外例位人员数情应该今昨日已经请收到好吗呢吧啊哦嗯各其余他它"
)
_PLACE_SUFFIXES = ("村", "组", "镇", "乡", "社区", "小区", "街", "路", "区", "县", "市", "省", "队")
_HEADER_CONTEXT_RE = re.compile(r"(?:网格|村|社区|小区|组|片区|】|\])\s*$")

_PERSON_UNITS = ("人", "口人", "个人", "口", "名", "个", "例", "位", "人次")
_HOUSEHOLD_UNITS = ("户", "家")
_DATE_UNITS = tuple("号 楼 栋 单元 层 组 队 天 日 月 次 岁 点 时 分 网格 年 周 小时 公里 米 元 块".split())

_NUM_PAT = (
    r"(?P<na>\d{1,7}(?:\.\d{1,4})?)\s*(?P<nc1>℃)?(?:\s*[~\-]\s*(?P<nb>\d{1,7}(?:\.\d{1,4})?)\s*(?P<nc2>℃)?)?\s*"
    r"(?P<nu>口人|个人|人次|单元|网格|小时|公里|口|人|户|家|名|位|个|例|号|楼|栋|层|组|队|天|日|月|次|岁|点|时|分|年|周|米|元|块)?"
)
_NAME_HEADERS = ("户主姓名", "户主名", "户主", "姓名", "户名", "名字", "住户", "家庭")
_INDEX_HEADERS = ("序号", "编号", "No", "NO", "no", "#")
_TOTAL_ROW = ("合计", "总计", "小计", "共计", "总数")
_NONE_CELLS = {"", "-", "--", "/", "无", "没有", "否", "×", "0", "未", "不"}

# ------------------------------------------------------------------------------------------ roster index


class _RosterIndex:
    """Name lookups over one roster, built once per roster object (rosters are immutable in practice)."""

    def __init__(self, roster: Roster):
        # no reference to ``roster`` itself: this is the value of a WeakKeyDictionary keyed by the roster, and a
        # value that refers to its key keeps the entry alive for ever (one leaked index per message)
        self.members = roster.members
        self.households: dict[str, list[Household]] = {}
        self.member_names: dict[str, list[Member]] = {}
        for m in roster.members:
            self.member_names.setdefault(m.name, []).append(m)
            for h in m.households:
                self.households.setdefault(h.name, []).append(h)
        names = set(self.households) | set(self.member_names)
        self.member_lengths = sorted({len(n) for n in self.member_names if len(n) >= 2}, reverse=True)
        self.household_lengths = sorted({len(n) for n in self.households if len(n) >= 2}, reverse=True)
        self.protect = tuple(n for n in names if any(c in textnorm.NUMERAL_CHARS for c in n))


_INDEXES: weakref.WeakKeyDictionary[Roster, _RosterIndex] = weakref.WeakKeyDictionary()


def _index(roster: Roster) -> _RosterIndex:
    try:
        idx = _INDEXES.get(roster)
    except TypeError:
        return _RosterIndex(roster)
    if idx is None or idx.members is not roster.members:
        idx = _RosterIndex(roster)
        try:
            _INDEXES[roster] = idx
        except TypeError:
            pass
    return idx


# --------------------------------------------------------------------------------------- template view


class _Schema:
    """The template's vocabulary compiled for scanning, and the fields with special roles."""

    def __init__(self, template: Template):
        self.template = template
        self.fields: dict[str, Field] = {f.key: f for f in template.fields}
        self.word_key: dict[str, str] = {}
        for f in template.fields:
            for w in f.words():
                if w and w not in self.word_key:
                    self.word_key[w] = f.key
        words = sorted(self.word_key, key=len, reverse=True)
        self.temperature = next((f.key for f in template.fields if f.type == "temperature"), None)
        self.people = "people" if "people" in self.fields else None
        fever = self.fields.get("fever")
        if fever is None or fever.type != "bool":
            fever = next((f for f in template.fields if f.type == "bool"), None)
        self.fever = fever.key if fever else None
        note = self.fields.get("note")
        if note is None or note.type != "text":
            note = next((f for f in template.fields if f.type == "text"), None)
        self.note = note.key if note else None
        alias_alt = "|".join(re.escape(w) for w in words) or r"(?!x)x"
        self.scan_re = re.compile(
            rf"(?P<paren>[{_PAREN_CLASS}])"
            rf"|(?P<normal>{_NORMAL_RE_PART})"
            rf"|(?P<alias>{alias_alt})"
            r"|(?P<hh>总户数|户数)"
            rf"|(?P<num>{_NUM_PAT})"
            r"|(?P<fill>是否|有无|人员|人数|共计|合计|总计|共有|共|计|约|为|的|者|和|及|与|或|以及|[:=/+])"
            r"|(?P<neg>已解除|已结束|已期满|解除|结束|期满|没有|暂无|没|无|未|不|否|非|×)"
            r"|(?P<yes>有|是|√|已)"
            r"|(?P<all>全部|全都|均|都|皆|全|各)"
            r"|(?P<other>.)",
            re.S,
        )
        self.vocab_re = re.compile(
            rf"(?:{_NORMAL_RE_PART}|{alias_alt}|体温|包联|包户|共|合计|没有|无|未|不|均|都|全|有|是|已|今|昨|在家|家)"
        )
        self.multi_vocab_re = re.compile(rf"(?:{_NORMAL_RE_PART}|{alias_alt}|体温|包联|包户|合计|没有)")


@lru_cache(maxsize=32)
def _schema_cached(template: Template) -> _Schema:
    return _Schema(template)


def _schema(template: Template) -> _Schema:
    try:
        return _schema_cached(template)
    except TypeError:  # an unhashable template-like object
        return _Schema(template)


# ------------------------------------------------------------------------------------------- tokens


@dataclass
class _Tok:
    kind: str  # paren normal alias hh num fill neg yes all other
    text: str
    key: str | None = None
    value: float | int | None = None
    hi: float | int | None = None
    unit: str = ""
    deg: bool = False
    ordinal: bool = False
    used: bool = False
    paren: int = -1


def _num(s: str) -> int | float:
    return float(s) if "." in s else int(s)


def _tokenize(clause: str, schema: _Schema) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in schema.scan_re.finditer(clause):
        kind = m.lastgroup or "other"
        if kind in ("na", "nb", "nc1", "nc2", "nu"):
            kind = "num"
        text = m.group(0)
        if kind == "other":
            if toks and toks[-1].kind == "other":
                toks[-1].text += text
            elif not text.isspace():
                toks.append(_Tok("other", text))
            continue
        tok = _Tok(kind, text)
        if kind == "alias":
            tok.key = schema.word_key[text]
        elif kind == "paren":
            tok.paren = ord(text) - _PAREN_BASE
        elif kind == "num":
            tok.value = _num(m.group("na"))
            tok.hi = _num(m.group("nb")) if m.group("nb") else None
            tok.unit = m.group("nu") or ""
            tok.deg = bool(m.group("nc1") or m.group("nc2"))
            if toks and toks[-1].kind == "other" and toks[-1].text.endswith("第"):
                tok.ordinal = True
        toks.append(tok)
    return _merge_aliases(toks, schema)


def _merge_aliases(toks: list[_Tok], schema: _Schema) -> list[_Tok]:
    """``发热人数`` / ``返乡情况`` / ``在家隔离``: one field, not two."""
    out: list[_Tok] = []
    for t in toks:
        if t.kind == "alias" and out and out[-1].kind == "alias":
            prev = out[-1]
            if t.key == prev.key:
                continue
            if t.key == schema.people or (t.key == schema.note and t.text in ("情况", "说明")):
                continue
            if prev.key == schema.people:
                out[-1] = t
                continue
        out.append(t)
    return out


def _temp_of(tok: _Tok, bound: bool) -> float | None:
    """The temperature a number token stands for, or None. ``bound``: the number follows 体温."""
    if tok.kind != "num" or tok.ordinal:
        return None
    if tok.unit and tok.unit != "℃":
        return None
    vals = [tok.value] if tok.hi is None else [tok.value, tok.hi]
    out: list[float] = []
    for v in vals:
        if v is None:
            return None
        if TEMP_MIN <= v <= TEMP_MAX:
            out.append(round(float(v), 1))
        elif (bound or tok.deg) and isinstance(v, int) and 340 <= v <= 430:
            out.append(v / 10)
        else:
            return None
    if tok.hi is None and not (bound or tok.deg) and isinstance(tok.value, int):
        return None  # a bare integer is a temperature only after 体温 or with ℃
    return max(out)


#: Verbs between a field word and its count (``亲戚来访2人``, ``儿子回来了2个人``).
_GAP_VERB_RE = re.compile(
    r"(?:来访|到访|探访|探亲|拜访|过来|回来|来家|来|到家|到|走亲戚|串门|务工|打工|上班|上学|共|了|的)+"
)

#: Verbs a negation after a field word may belong to (``外出未归``: out, not back — not "no outing").
_NEG_VERBS = set("归回到见测在返去来退止降")

#: Token kinds of a clause that is prose (a note), not a statement: ``已就医``, ``儿子在县城上班``.
_PROSE = ("other", "fill", "all", "yes", "paren")


def _bare_count(tok: _Tok) -> bool:
    return (
        tok.kind == "num"
        and not tok.unit
        and tok.hi is None
        and isinstance(tok.value, int)
        and 0 < tok.value <= 30
    )


def _is_temp3(tok: _Tok) -> float | None:
    """A bare 3-digit number 340–430 (``365``): a temperature in a household's line or a table cell."""
    if tok.kind == "num" and not tok.unit and tok.hi is None and isinstance(tok.value, int):
        if 340 <= tok.value <= 430:
            return tok.value / 10
    return None


# ------------------------------------------------------------------------------------- statements


@dataclass
class _Stmt:
    kind: str  # field temp temp3 households people normal note
    key: str | None = None
    how: str = ""  # for field: count none yes presence normal
    value: Any = None
    quiet: bool = False  # a count taken over from the statement before it (no warning of its own)


def _skip(toks: list[_Tok], j: int, step: int) -> int:
    while 0 <= j < len(toks) and (
        toks[j].kind in ("fill", "all") or (toks[j].kind == "other" and toks[j].text in ("人",))
    ):
        j += step
    return j


def _bind(toks: list[_Tok], schema: _Schema, clause_text: str, warnings: list[str]) -> list[_Stmt]:
    """Turn one clause's tokens into statements (see the module docstring, step 6)."""
    out: list[_Stmt] = []
    n = len(toks)
    bound: dict[int, tuple[str, Any]] = {}

    # 1. negation before aliases: 无返乡 / 没有外来人 / 无发热、返乡人员
    for i, t in enumerate(toks):
        if t.kind != "neg" or t.used:
            continue
        j = _skip(toks, i + 1, 1)
        if j + 1 < n and toks[j].kind == "other" and len(toks[j].text) <= 4 and toks[j + 1].kind == "alias":
            j += 1  # 无湖北返乡人员 / 无人外出
        hit = False
        while j < n and toks[j].kind == "alias" and j not in bound:
            bound[j] = ("none", None)
            hit = True
            j = _skip(toks, j + 1, 1)
        if hit:
            t.used = True

    # 2a. a count before and a temperature after: 1人发烧37.5
    for i, t in enumerate(toks):
        if t.kind != "alias" or i in bound or t.key in (schema.note, schema.temperature, schema.people):
            continue
        j = _skip(toks, i + 1, 1)
        k = _skip(toks, i - 1, -1)
        if j < n and k >= 0 and _temp_of(toks[j], False) is not None and not toks[j].used:
            before = toks[k]
            if before.kind == "num" and not before.used and before.unit in _PERSON_UNITS:
                before.used = toks[j].used = True
                bound[i] = ("count_temp", (before, toks[j]))

    # 2. alias followed by its value: 返乡:0 / 体温36.5 / 外出:是 / 发热无 / 体温正常 / 备注:…
    for i, t in enumerate(toks):
        if t.kind != "alias" or i in bound:
            continue
        if t.key == schema.note:
            label = schema.fields[t.key].label == t.text
            if not label and any(x.kind in ("num", "alias", "yes", "hh") for x in toks[i + 1 :]):
                bound[i] = ("label", None)  # 排查情况:共10户 — a heading, not a note
                continue
            rest = "".join(x.text for x in toks[i + 1 :] if x.kind != "paren").strip(" :=")
            for x in toks[i + 1 :]:
                x.used = True
            if not rest or rest in _NONE_CELLS or schema_normal(rest):
                strong = bool(re.search(r"异常|特殊|其他|其它|健康", clause_text))
                bound[i] = ("normal_note", strong)
            else:
                bound[i] = ("note", rest)
            continue
        j = _skip(toks, i + 1, 1)
        if (
            j + 1 < n
            and toks[j].kind == "other"
            and _GAP_VERB_RE.fullmatch(toks[j].text)
            and toks[j + 1].kind == "num"
            and toks[j + 1].unit in _PERSON_UNITS
        ):
            j += 1  # 亲戚来访2人 / 儿子回来了2个人: the count after the verb is the field's
        if j < n and not toks[j].used:
            v = toks[j]
            if v.kind == "num" and not v.ordinal and (not v.unit or v.unit not in _DATE_UNITS):
                bound[i] = ("num", v)
                v.used = True
            elif v.kind == "neg" and not (
                j + 1 < n and toks[j + 1].kind == "other" and toks[j + 1].text[0] in _NEG_VERBS
            ):
                bound[i] = ("none", None)
                v.used = True
            elif v.kind == "yes":
                bound[i] = ("yes", None)
                v.used = True
            elif v.kind == "normal":
                bound[i] = ("normal", None)
                v.used = True

    # 3. a count before the alias: 2人返乡 / 1人发热; 4. a yes-word before it: 有发热 / 已返乡
    for i, t in enumerate(toks):
        if t.kind != "alias" or i in bound or t.key == schema.note:
            continue
        j = _skip(toks, i - 1, -1)
        if j >= 1 and toks[j].kind == "yes" and toks[j - 1].kind == "num" and not toks[j - 1].used:
            j -= 1  # 1人已返乡
        if j >= 0 and not toks[j].used:
            v = toks[j]
            if v.kind == "num" and not v.ordinal and v.unit in _PERSON_UNITS + _HOUSEHOLD_UNITS + ("",):
                bound[i] = ("num", v)
                v.used = True
            elif v.kind == "yes":
                bound[i] = ("yes", None)
                v.used = True

    # 5. aliases still unbound: presence (儿子从武汉回来了 → returned 1)
    for i, t in enumerate(toks):
        if t.kind == "alias" and i not in bound and t.key != schema.note:
            bound[i] = ("presence", None)

    for i, t in enumerate(toks):
        if i in bound:
            out.extend(_field_stmts(t.key, bound[i], schema, warnings, clause_text))
            continue
        if t.used:
            continue
        if t.kind == "hh":
            j = _skip(toks, i + 1, 1)
            if j < n and toks[j].kind == "num" and not toks[j].used:
                toks[j].used = True
                out.append(_Stmt("households", value=int(toks[j].value or 0)))
        elif t.kind == "num" and not t.ordinal:
            temp = _temp_of(t, False)
            if temp is not None:
                out.append(_Stmt("temp", value=temp))
            elif t.unit in _HOUSEHOLD_UNITS and isinstance(t.value, int):
                out.append(_Stmt("households", value=t.value))
            elif t.unit in ("人", "口人", "个人", "口", "名") and isinstance(t.value, int):
                out.append(_Stmt("people", value=t.value))
            elif _is_temp3(t) is not None:
                out.append(_Stmt("temp3", value=_is_temp3(t)))
        elif t.kind == "normal":
            if _normal_strength(t.text, toks):
                out.append(_Stmt("normal", how="strong"))
    return out


def _tail_note(toks: list[_Tok]) -> str:
    """``…2人已登记`` / ``…38.5℃已送医院``: an ``已…`` remark after a clause's statements."""
    k = len(toks)
    while k > 0 and toks[k - 1].kind in ("yes", "other", "fill") and not toks[k - 1].used:
        k -= 1
    tail = "".join(t.text for t in toks[k:])
    if k == 0 or not tail.startswith(("已", "正在")) or len(_CJK_RE.findall(tail)) < 3:
        return ""
    return tail


def _has_prose(text: str, schema: _Schema) -> bool:
    """Whether ``text`` says more than its statements (``杭州`` / ``第3天``): then it is kept as a note."""
    for t in _tokenize(text, schema):
        if t.kind == "other" and re.sub(r"[了的人个都均也已经\s:,]", "", t.text):
            return True
        if t.kind == "num" and (t.ordinal or t.unit in _DATE_UNITS):
            return True
    return False


def schema_normal(text: str) -> bool:
    return bool(re.fullmatch(_NORMAL_RE_PART, text))


def _normal_strength(text: str, toks: list[_Tok]) -> bool:
    """Whether a free normal-word is a report statement (``均正常``) rather than chat (``天气正常``)."""
    if text in _NORMAL_STRONG or text not in _NORMAL_WEAK:
        return True
    other = "".join(t.text for t in toks if t.kind == "other")
    other = re.sub(
        r"今日|今天|目前|现在|本网格|网格|我们|我|各户|所有|住户|农户|家庭|家里|屋里|组里|大家|身体|一切|情况|村|全组|本组|"
        r"人员|全体|其余|其他|其它|剩下|剩余|余下|别的|老人|小孩|孩子|儿子|女儿|孙子|孙女|老伴|"
        r"户|家|人|也|还|着呢|呢|的|老|子",
        "",
        other,
    )
    return not other


def _field_stmts(
    key: str | None, how: tuple[str, Any], schema: _Schema, warnings: list[str], clause: str
) -> list[_Stmt]:
    if key is None:
        return []
    f = schema.fields[key]
    kind, val = how
    if kind == "label":
        return []
    if kind == "count_temp":
        count, temp = val
        return [_Stmt("temp", value=_temp_of(temp, False)), _Stmt("field", key, "count", count.value)]
    if kind == "note":
        return [_Stmt("note", value=val)]
    if kind == "normal_note":
        return [_Stmt("normal", how="strong")] if val else []
    if f.type == "temperature":
        if kind == "num":
            temp = _temp_of(val, True)
            if temp is None:
                warnings.append(f"“{clause}”中的体温看不懂，已忽略")
                return []
            return [_Stmt("temp", value=temp)]
        if kind in ("normal", "none"):
            return [_Stmt("field", key, "normal")]
        return []
    if kind == "num":
        temp = _temp_of(val, False)
        if temp is not None:  # 发热37.5: a temperature, and the field is present
            return [_Stmt("temp", value=temp), _Stmt("field", key, "presence")]
        if not isinstance(val.value, int):
            return []
        if key == schema.people:
            return [] if val.unit in _HOUSEHOLD_UNITS else [_Stmt("people", value=val.value)]
        return [_Stmt("field", key, "count", val.value)]
    if key == schema.people:
        return []
    return [_Stmt("field", key, kind)]


# ------------------------------------------------------------------------------------- accumulation


def _rank(v: Any) -> float:
    if v is None:
        return -1
    if v is True:
        return 0.5
    if v is False or v == 0:
        return 0
    return float(v)


class _Acc:
    """What the message says about one target (a household, the member's grid, or "the rest")."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.temps: list[float] = []
        self.temp_normal = False
        self.normal = False
        self.notes: list[str] = []
        self.positives: dict[str, list[str]] = {}  # blanket: field → annotations (parentheses)
        self.counts: dict[str, int] = {}  # blanket: field → the count stated (发热1人)
        self.row: int | None = None

    def set(self, key: str, value: Any, people_key: str | None) -> None:
        old = self.values.get(key)
        if key == people_key:
            if old is None:
                self.values[key] = value
            return
        if _rank(value) > _rank(old):
            self.values[key] = value

    def has_values(self, with_notes: bool = True) -> bool:
        return bool(
            self.values or self.temps or self.temp_normal or self.normal or (with_notes and self.notes)
        )


@dataclass
class _Ref:
    kind: str  # own | foreign | unmatched | guess | vague
    name: str
    owner: str = ""
    warning: str = ""
    strong: bool = False
    chain_no: int | None = None  # the 接龙 line it came from


@dataclass
class _Target:
    kind: str  # all | rest | hh
    accs: list[_Acc] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ context


class _Ctx:
    """Per-message state shared by the report builders."""

    def __init__(self, roster: Roster, template: Template, sender: Member | None):
        self.roster = roster
        self.template = template
        self.schema = _schema(template)
        self.index = _index(roster)
        self.sender = sender
        self.parens: list[str] = []

    def find_member(self, name: str) -> Member | None:
        if name not in self.index.member_names:
            return None
        s = self.sender
        if s is not None:
            return self.roster.find_member(name, s.grid, s.village or None)
        return self.roster.find_member(name)

    def fuzzy_member(self, name: str) -> Member | None:
        """A member one character off, among the sender's grid, then the sender's village."""
        s = self.sender
        if s is None or len(name) < 2:
            return None
        grid = [m for m in self.roster.members if m.grid == s.grid and m.village == s.village]
        village = [m for m in self.roster.members if len(name) >= 3 and s.village and m.village == s.village]
        for scope in (grid, village):
            hits = [m for m in scope if _one_off(m.name, name)]
            if len(hits) == 1:
                return hits[0]
            if hits:
                return None
        return None

    def member_at(self, text: str, limit: int = 24, fuzzy: bool = False) -> tuple[Member, int, int] | None:
        """The first member named in ``text[:limit]`` in a header position (line start, after 网格/村).

        ``fuzzy``: also a name one character off at the very start (chain lines).
        """
        idx = self.index
        i = 0
        end = min(len(text), limit)
        while i < end:
            if not _CJK_RE.match(text[i]):
                i += 1
                continue
            left_ok = i == 0 or not _CJK_RE.match(text[i - 1]) or bool(_HEADER_CONTEXT_RE.search(text[:i]))
            if left_ok:
                for length in idx.member_lengths:
                    name = text[i : i + length]
                    if len(name) == length and name in idx.member_names:
                        nxt = text[i + length : i + length + 1]
                        if nxt in ("家", "户"):
                            continue
                        if nxt and _CJK_RE.match(nxt) and not self.schema.vocab_re.match(text[i + length :]):
                            continue
                        m = self.find_member(name)
                        if m is not None:
                            return m, i, i + length
                run = _CJK_RUN_RE.match(text, i)
                if fuzzy and run and self.sender is not None and i == 0:
                    cand = run.group(0)
                    own = {h.name for h in self.sender.households}
                    for length in (4, 3, 2):
                        if (
                            len(cand) >= length
                            and cand[:length] not in own
                            and cand[:length] not in idx.households
                        ):
                            fm = self.fuzzy_member(cand[:length])
                            nxt = cand[length : length + 1]
                            if fm and (not nxt or self.schema.vocab_re.match(cand[length:])):
                                return fm, i, i + length
            i += 1
        return None


# ------------------------------------------------------------------------------------------ builder


class _Builder:
    """Collects one member's report from the units of a message."""

    def __init__(self, ctx: _Ctx, member: Member):
        self.ctx = ctx
        self.schema = ctx.schema
        self.member = member
        self.own: dict[str, Household] = {h.name: h for h in member.households}
        self.accs: dict[str, _Acc] = {}
        self.order: list[str] = []
        self.blanket = _Acc()
        self.rest = _Acc()
        self.exceptions: list[str] = []
        self.sinks: dict[tuple[str, str], tuple[_Ref, _Acc]] = {}
        self.warnings: list[str] = []
        self.same = False
        self.totals: dict[str, int | None] = {"households": None, "people": None}
        self.chain_index: int | None = None
        self._last_count: tuple[tuple[Any, ...], str | None, int] | None = None

    # ---------------------------------------------------------------- names

    def _boundary(self, rest: str) -> bool:
        return (
            not rest
            or not _CJK_RE.match(rest[0])
            or rest[0] in "家户两俩几各等"
            or rest.startswith(("一家", "全家"))
            or rest.startswith(_KIN_WORDS)
            or bool(self.schema.vocab_re.match(rest))
        )

    def _foreign_ref(self, name: str) -> _Ref:
        owners = self.ctx.index.households.get(name, [])
        pick = next((h for h in owners if h.village == self.member.village), owners[0] if owners else None)
        return _Ref("foreign", name, owner=pick.member if pick else "")

    def name_at_start(self, s: str, strict: bool) -> tuple[_Ref | None, int]:
        """The household named at the start of ``s`` and the length it takes (with 家/户), or (None, 0).

        ``strict``: only where the shape is unmistakable (a roster name, or a candidate before 家/户 or a
        count); otherwise also a person-like candidate at the start of a line.
        """
        m = _CJK_RUN_RE.match(s)
        if not m:
            return None, 0
        run = m.group(0)
        after = s[m.end() :]
        idx = self.ctx.index
        top = min(len(run), 6)

        def took(length: int) -> int:
            return length + (1 if run[length : length + 1] in ("家", "户") else 0)

        for length in range(top, 1, -1):
            name = run[:length]
            if name in self.own and self._boundary(run[length:] + after):
                return _Ref("own", name), took(length)
        for length in range(top, 1, -1):
            name = run[:length]
            if name in idx.households and name not in self.own and self._boundary(run[length:] + after):
                if name == self.member.name and name in idx.member_names:
                    break
                return self._foreign_ref(name), took(length)
        for length in (4, 3):
            if len(run) < length:
                continue
            cand = run[:length]
            if not self._boundary(run[length:] + after):
                continue
            hits = [n for n in self.own if len(n) == length and _one_off(n, cand)]
            if len(hits) == 1:
                self.warnings.append(f"“{cand}”按“{hits[0]}”记录（名字相差一个字），请核实")
                return _Ref("own", hits[0]), took(length)
        return self._heuristic(run, after, strict)

    def _heuristic(self, run: str, after: str, strict: bool) -> tuple[_Ref | None, int]:
        best: tuple[int, int] | None = None  # (score, length)
        for length in range(2, min(4, len(run)) + 1):
            rest = run[length:]
            if rest[:1] in ("家", "户") or rest.startswith(("一家", "全家")):
                score = 3
            elif not rest:
                score = 2 if (not after or not _CJK_RE.match(after[0])) else 0
            elif self.schema.multi_vocab_re.match(rest):
                score = 1
            else:
                score = 0
            if score and (best is None or score > best[0]):
                best = (score, length)
        if best is None:
            return None, 0
        score, length = best
        cand = run[:length]
        rest = run[length:] + after
        if strict and score != 3 and not (score == 2 and after[:1].isdigit()):
            return None, 0
        if not _looks_like_name(cand):
            return None, 0
        if score != 3 and (cand in self.ctx.index.member_names or cand == self.member.name):
            return None, 0
        if self.schema.vocab_re.match(cand) or self.schema.multi_vocab_re.search(cand):
            return None, 0
        return _Ref("unmatched", cand), length + (1 if rest[:1] in ("家", "户") else 0)

    def names_in_clause(self, clause: str, strict: bool) -> tuple[list[_Ref], str]:
        """Household references in a clause, and the clause with them removed.

        A name at the start of the clause (see :meth:`name_at_start`), a roster name followed by 家/户/:
        anywhere, else a ``王家`` / ``3号楼王家`` reference.
        """
        refs: list[_Ref] = []
        rest = clause
        lead = re.match(r"^[\s:]*(?:户主|姓名|户名|其中|另外|另|还有|但是|但|只有)?[\s:]*", rest)
        body = rest[lead.end() :] if lead else rest
        ref, took = self.name_at_start(body, strict=strict)
        if ref is not None:
            refs.append(ref)
            rest = body[took:]
        # a roster name followed by 家/户/: anywhere in the clause
        idx = self.ctx.index
        i = 0
        out = []
        while i < len(rest):
            hit = None
            if _CJK_RE.match(rest[i]):
                for length in idx.household_lengths:
                    name = rest[i : i + length]
                    if (
                        len(name) == length
                        and name in idx.households
                        and rest[i + length : i + length + 1] in ("家", "户", ":")
                    ):
                        hit = name
                        break
            if hit:
                refs.append(_Ref("own", hit) if hit in self.own else self._foreign_ref(hit))
                i += len(hit) + (1 if rest[i + len(hit)] in "家户" else 0)
                continue
            out.append(rest[i])
            i += 1
        rest = "".join(out)
        if not refs:  # 外来人员:李四家亲戚1人 — a name after a field's label
            colon = re.match(r"^([^:]{1,8}):\s*", rest)
            if colon and self.schema.vocab_re.search(colon.group(1)):
                ref, took = self.name_at_start(rest[colon.end() :], strict=True)
                if ref is not None:
                    refs.append(ref)
                    rest = rest[: colon.end()] + rest[colon.end() + took :]
        if not refs:
            fam = _FAMILY_RE.search(rest)
            if fam:
                refs.append(self._family_ref(fam.group(1), rest[: fam.start()], clause))
                rest = rest[: fam.start()] + rest[fam.end() :]
        return refs, rest

    def _family_ref(self, surname: str, before: str, clause: str) -> _Ref:
        """``王家`` / ``3号楼王家``: a guess when exactly one of the member's households fits."""
        cands = [h for h in self.member.households if h.name.startswith(surname)]
        hint = _ADDRESS_HINT_RE.search(before)
        if hint and len(cands) > 1:
            key = re.compile(r"(?<!\d)" + re.escape(re.sub(r"\s", "", hint.group(1))))
            narrowed = [
                h for h in cands if key.search(textnorm.to_halfwidth(h.address or "").replace(" ", ""))
            ]
            if narrowed:
                cands = narrowed
        text = _restore(clause, self.ctx.parens).strip(" ,:")
        if len(cands) == 1:
            name = cands[0].name
            return _Ref("guess", name, warning=f"“{text}”中的“{surname}家”推测为{name}户，请核实")
        return _Ref(
            "vague", surname + "家", warning=f"“{text}”：“{surname}家”对应不到唯一的户，请写明户主姓名"
        )

    # ---------------------------------------------------------------- targets

    def acc(self, name: str) -> _Acc:
        a = self.accs.get(name)
        if a is None:
            a = self.accs[name] = _Acc()
            self.order.append(name)
        return a

    def target_for(self, refs: list[_Ref]) -> _Target:
        accs = []
        for r in refs:
            if r.kind in ("own", "guess"):
                accs.append(self.acc(r.name))
                if r.warning and r.warning not in self.warnings:
                    self.warnings.append(r.warning)
            else:
                key = (r.kind, r.name)
                if key not in self.sinks:
                    self.sinks[key] = (r, _Acc())
                elif r.strong:
                    self.sinks[key][0].strong = True
                accs.append(self.sinks[key][1])
        return _Target("hh", accs)

    def _target_key(self, target: _Target) -> tuple[Any, ...]:
        if target.kind == "hh":
            return ("hh", *(id(a) for a in target.accs))
        return (target.kind,)

    def _inherit(self, s: _Stmt, target: _Target) -> _Stmt:
        """``返乡2人（均已隔离）``: a count-less statement of an anomaly count field right after another
        anomaly field's count on the same target takes that count (quietly: it is the same people)."""
        f = self.schema.fields.get(s.key or "")
        if f is None or not f.anomaly or f.type != "int":
            return s
        last = self._last_count
        if s.kind == "field" and s.how == "count" and isinstance(s.value, int) and s.value > 0:
            self._last_count = (self._target_key(target), s.key, s.value)
            return s
        if s.kind == "field" and s.how in ("presence", "yes") and last is not None:
            tkey, key, n = last
            if key != s.key and tkey == self._target_key(target):
                return _Stmt("field", s.key, "count", n, quiet=True)
        return s

    def apply(self, stmts: list[_Stmt], target: _Target, annotation: str = "") -> None:
        people = self.schema.people
        fields = self.schema.fields
        stmts = [self._inherit(s, target) if s.kind == "field" else s for s in stmts]
        if target.kind in ("all", "rest"):
            acc = self.blanket if target.kind == "all" else self.rest
            for s in stmts:
                if s.kind == "people" and target.kind == "all":
                    if self.totals["people"] is None:
                        self.totals["people"] = s.value
                elif s.kind == "households" and target.kind == "all":
                    if self.totals["households"] is None:
                        self.totals["households"] = s.value
                elif s.kind == "temp":
                    acc.temps.append(s.value)
                elif s.kind == "normal":
                    acc.normal = True
                elif s.kind == "field":
                    f = fields[s.key]
                    if s.how == "normal" and f.type == "temperature":
                        acc.temp_normal = True
                        continue
                    value = _coerce(f, s.how, s.value, people)
                    if value is None:
                        continue
                    acc.set(s.key, value, people)
                    if _rank(value) > 0 and not s.quiet:
                        acc.positives.setdefault(s.key, [])
                        if s.how == "count" and isinstance(s.value, int):
                            acc.counts[s.key] = max(acc.counts.get(s.key, 0), s.value)
                        if annotation:
                            acc.positives[s.key].append(annotation)
            return
        accs = target.accs
        k = len(accs)
        for acc in accs:
            for s in stmts:
                if s.kind == "people":
                    if people:
                        acc.set(people, s.value, people)
                elif s.kind in ("temp", "temp3"):
                    acc.temps.append(s.value)
                elif s.kind == "normal":
                    acc.normal = True
                elif s.kind == "note":
                    acc.notes.append(s.value)
                elif s.kind == "field":
                    f = fields[s.key]
                    if s.how == "normal" and f.type == "temperature":
                        acc.temp_normal = True
                        continue
                    n = s.value
                    if s.how == "count" and k > 1 and isinstance(n, int) and n > 0:
                        n = 1
                    value = _coerce(f, s.how, n, people)
                    if value is not None:
                        acc.set(s.key, value, people)
            if annotation and not any(s.kind == "note" for s in stmts):
                acc.notes.append(annotation)

    # ---------------------------------------------------------------- feeding text

    def feed(self, text: str, first_refs: list[_Ref] | None = None) -> list[_Ref]:
        """Feed the lines of a message (or of one chain entry). Returns the refs found at the first unit."""
        lines = text.split("\n")
        carry: list[_Ref] | None = list(first_refs) if first_refs else None
        found: list[_Ref] = []
        first = True
        i = 0
        while i < len(lines):
            end = self._table(lines, i)
            if end > i:
                i = end
                carry = None
                continue
            line = lines[i]
            i += 1
            for unit in _units(line, self.ctx.parens):
                refs, carry = self.feed_unit(unit, carry)
                if first:
                    found = refs
                    first = False
        return found

    def feed_unit(self, unit: str, carry: list[_Ref] | None) -> tuple[list[_Ref], list[_Ref] | None]:
        """Feed one unit (a line or a sentence of one). Returns (refs named at its start, refs to carry on).

        The target starts as the member's whole grid ("all"), or the households carried over from a
        name-only line. A clause that names households switches the target to them (names joined by ``、``
        share the next statement); ``其余`` and the place of a ``除…外`` phrase switch to "the rest".
        """
        unit = _prepare_unit(unit)
        if _SAME_RE.search(unit):
            self.same = True
            unit = _SAME_RE.sub(" ", unit)
        if _CORRECTION_RE.search(unit) or "不是" in unit or "改为" in unit or "改成" in unit:
            unit = _CORRECTION_NOISE_RE.sub(" ", _CORRECTION_RE.sub(" ", unit))
        unit = _LIST_MARK_RE.sub("", unit, count=1)
        self._last_count = None
        unit = self._exceptions(unit)
        unit = self._split_glued(unit)
        default = _Target("all")
        target = self.target_for(carry) if carry else default
        start_refs: list[_Ref] = []
        group: list[_Ref] = list(carry) if carry else []
        prev_name_only = bool(carry)
        pending: _Tok | None = None  # 体温 36.5: an alias waiting for its value in the next clause
        pending_target = default
        prev_negated = False
        label: _Tok | None = None  # 返乡人员：王建国家儿子、李秀兰家女儿 — the label covers every name
        only_names = True
        for n, (clause, sep) in enumerate(_clauses(unit)):
            if _EXC_MARK in clause:
                default = target = _Target("rest")
                group, prev_name_only, prev_negated = [], False, False
                clause = clause.replace(_EXC_MARK, "")
                if not clause.strip():
                    continue
            refs, rest = self.names_in_clause(clause, strict=n > 0)
            if n == 0:
                start_refs = refs
            paren_ids, paren_refs, paren_stmts, annotation, loose = self._clause_parens(rest)
            stripped = rest.strip()
            if refs:
                group = (group + refs) if prev_name_only else refs
                target = self.target_for(group)
            elif (
                _REST_RE.search(rest)
                or _REST_NORMAL_RE.match(stripped)
                or (target.kind == "all" and _REST_WEAK_RE.match(stripped))
            ):
                target = _Target("rest")
            toks = _tokenize(rest, self.schema)
            meaningful = [t for t in toks if t.kind not in ("fill", "all", "other", "paren")]
            if pending is not None:
                first = meaningful[0] if meaningful else None
                if first and first.kind in ("num", "neg", "yes", "normal") and target is pending_target:
                    if toks.index(first) <= 1:
                        toks.insert(0, pending)
                        pending = None
                if pending is not None:
                    self.apply(_bind([pending], self.schema, pending.text, self.warnings), pending_target)
                    pending = None
            if refs and label is not None and sep == "、" and not meaningful:
                toks.insert(0, _Tok("alias", label.text, key=label.key))
                meaningful = [toks[0]]
            else:
                label = self._label_of(clause) if refs else None
            negated = False
            if prev_negated and sep == "、" and meaningful and all(t.kind == "alias" for t in meaningful):
                toks.insert(0, _Tok("neg", "无"))  # 无返乡、外出人员: the negation carries over
                negated = True
            stmts = _bind(toks, self.schema, _restore(clause, self.ctx.parens), self.warnings)
            prev_negated = any(t.kind == "neg" and t.used for t in toks)
            alone = [t for t in toks if t.kind != "fill"]
            waiting = (
                len(alone) == 1
                and alone[0].kind == "alias"
                and alone[0].key != self.schema.note
                and not paren_refs
                and not negated
            )
            if waiting:
                pending, pending_target = alone[0], target
                stmts = [x for x in stmts if not (x.kind == "field" and x.key == alone[0].key)]
            if target.kind == "hh" and not stmts and len(toks) == 1 and _bare_count(toks[0]):
                # 王建国 4 36.5: a bare small number on a household's line is its people count
                stmts = [_Stmt("people", value=toks[0].value)]
            note_annotation = (
                annotation if target.kind == "hh" else ",".join(x for x in (annotation, loose[1]) if x)
            )
            if paren_refs:  # 发热人数:1(张三虎家,37.4): the parenthesis names the households
                p_target = self.target_for(paren_refs)
                self.apply(stmts, p_target)
                self.apply(paren_stmts, p_target)
            elif target.kind == "hh" and not stmts and not waiting and all(t.kind in _PROSE for t in toks):
                note = re.sub(f"[{_PAREN_CLASS}]", "", rest).strip(" :,的")
                if note and _CJK_RE.search(note) and note not in _NONE_CELLS and not schema_normal(note):
                    self.apply([_Stmt("note", value=note)], target)
                if annotation:
                    self.apply([_Stmt("note", value=annotation)], target)
            else:
                self.apply(stmts, target, annotation=note_annotation)
                tail = _tail_note(toks) if target.kind == "hh" and stmts else ""
                if tail:  # 发烧38.5已送医院: what follows the statements is a note
                    self.apply([_Stmt("note", value=tail)], target)
            if loose[0]:  # 返乡1人（已居家隔离）: what a parenthesis without names says, of the same target
                self.apply(loose[0], target)
            prev_name_only = bool(refs) and not meaningful and not paren_ids
            if meaningful or paren_ids:
                only_names = False
        if pending is not None:
            self.apply(_bind([pending], self.schema, pending.text, self.warnings), pending_target)
        carry_on = group if (only_names and group and target.kind == "hh") else None
        return start_refs, carry_on

    def _label_of(self, clause: str) -> _Tok | None:
        """The field of a ``返乡人员：`` label at the start of a clause."""
        m = re.match(r"^\s*([^:]{1,8}):", clause)
        if not m:
            return None
        toks = [t for t in _tokenize(m.group(1), self.schema) if t.kind != "fill"]
        if (
            len(toks) == 1
            and toks[0].kind == "alias"
            and toks[0].key not in (self.schema.note, self.schema.people)
        ):
            return toks[0]
        return None

    def _split_glued(self, unit: str) -> str:
        """Break a clause where a household name or ``其余`` is glued to a finished statement (members skip
        punctuation): ``15户均正常霍建军家…`` / ``王建国4人36.5薛文斌1人36.6`` / ``…36.7其他都正常``."""
        idx = self.ctx.index
        out: list[str] = []
        last = 0
        i = 1
        n = len(unit)
        while i < n:
            c = unit[i]
            take = 0
            strong = weak = False
            if _CJK_RE.match(c):
                strong = bool(_GLUE_BEFORE_RE.search(unit, max(0, i - 10), i))
                weak = not strong and bool(_GLUE_COUNT_RE.search(unit, max(0, i - 4), i))
            if strong or weak:
                for length in idx.household_lengths:
                    name = unit[i : i + length]
                    if len(name) == length and name in idx.households:
                        nxt = unit[i + length : i + length + 1]
                        if weak:
                            ok = nxt[:1].isdigit() or nxt == " "
                        else:
                            ok = (
                                not nxt
                                or not _CJK_RE.match(nxt)
                                or nxt in "家户"
                                or bool(self.schema.vocab_re.match(unit, i + length))
                            )
                        if ok:
                            take = length
                            break
            if (
                not take
                and _REST_WORDS_RE.match(unit, i)
                and (
                    strong or (unit[i - 1] not in "无没未非和与及或的" and _REST_NORMAL_AT_RE.match(unit, i))
                )
            ):
                take = 2  # …回来了其余正常
            if take:
                out.append(unit[last:i])
                out.append(" ")
                last = i
                i += take
            else:
                i += 1
        out.append(unit[last:])
        return "".join(out)

    def _exceptions(self, unit: str) -> str:
        """``除霍建军家外均正常``: record the excepted households (and what the phrase says of them).

        Returns the unit with each phrase replaced by a mark; the clauses after the mark speak of the rest.
        """
        for m in reversed(list(_EXCEPT_AFTER_RE.finditer(unit))):
            text = m.group("c")
            for i in range(len(text) - 1):
                refs, rest = self._except_names(text[i:])
                if refs and not rest.strip():
                    self._except(text[i:])
                    unit = unit[: m.start() + i] + f" {_EXC_MARK} " + unit[m.end() :]
                    break
        for m in reversed(list(_EXCEPT_RE.finditer(unit))):
            self._except(m.group("a") or m.group("b") or "")
            unit = unit[: m.start()] + f" {_EXC_MARK} " + unit[m.end() :]
        return unit

    def _except_names(self, text: str) -> tuple[list[_Ref], str]:
        """The households at the start of a ``除…外`` phrase and the rest of it (what it says of them)."""
        s = text.strip(" ,:")
        refs: list[_Ref] = []
        while s:
            ref, took = self.name_at_start(s, strict=False)
            if ref is None:
                m = re.match(f"([{_CJK}]{{2,4}}?)(?:家|户)?(?=[、,和与及跟\\s]|$)", s)
                if m and _looks_like_name(m.group(1)):
                    ref, took = _Ref("unmatched", m.group(1)), m.end()
            if ref is None:
                break
            refs.append(ref)
            s = s[took:]
            sep = re.match(r"\s*(?:以及|[、,和与及跟])\s*", s)
            if not sep:
                break
            s = s[sep.end() :]
        if not refs:
            refs, s = self.names_in_clause(text.strip(" ,:"), strict=False)
        s = re.sub(r"^\s*(?:这|那)?(?:\d+|几)?(?:户|家)?(?:人家|住户|农户)?(?:等)?", "", s)
        return refs, s

    def _except(self, text: str) -> None:
        refs, rest = self._except_names(text)
        for ref in refs:
            ref.strong = True
            if ref.kind in ("own", "guess") and ref.name not in self.exceptions:
                self.exceptions.append(ref.name)
        if not refs:
            return
        target = self.target_for(refs)
        rest = rest.strip(" ,:")
        if rest:
            stmts = _bind(
                _tokenize(rest, self.schema), self.schema, _restore(rest, self.ctx.parens), self.warnings
            )
            self.apply([s for s in stmts if s.kind not in ("households",)], target)

    def _clause_parens(
        self, rest: str
    ) -> tuple[list[int], list[_Ref], list[_Stmt], str, tuple[list[_Stmt], str]]:
        """The parentheses of a clause: (ids, households they name, what they say of them, other text,
        (statements of parentheses that name no household, their text))."""
        ids = [ord(c) - _PAREN_BASE for c in rest if _PAREN_BASE <= ord(c) < _PAREN_BASE + 256]
        refs: list[_Ref] = []
        stmts: list[_Stmt] = []
        texts: list[str] = []
        loose: list[_Stmt] = []
        loose_texts: list[str] = []
        for pid in ids:
            inner = self.ctx.parens[pid] if pid < len(self.ctx.parens) else ""
            em = _EXCEPT_PAREN_RE.match(inner)
            ex = (em.group("a") or em.group("b") or "") if em else ""
            inner_ex = _EXCEPT_RE.search(inner)
            after = ""
            if inner_ex and inner[inner_ex.end() :].strip():  # （除霍建军家外均正常）
                ex, after = inner_ex.group("a") or inner_ex.group("b") or "", inner[inner_ex.end() :]
            if ex and self._except_names(ex)[0]:
                self._except(ex)  # 全部正常（除霍建军家体温37.5）: the exceptions of the clause
                if after:
                    toks = _tokenize(after, self.schema)
                    said = _bind(toks, self.schema, _restore(after, self.ctx.parens), self.warnings)
                    self.apply([x for x in said if x.kind not in ("people", "households")], _Target("rest"))
                continue
            p_refs, p_stmts = self._paren(inner)
            if p_refs:
                refs += p_refs
                stmts += p_stmts
                continue
            if not inner.strip():
                continue
            text = _restore(inner, self.ctx.parens)
            p_stmts = [s for s in p_stmts if s.kind in ("field", "temp", "normal")]
            if p_stmts and not _has_prose(inner, self.schema):
                loose += p_stmts  # 返乡1人（已居家隔离）
                loose_texts.append(text)
            else:
                loose += p_stmts
                texts.append(text)
        return ids, refs, stmts, ",".join(texts), (loose, ",".join(loose_texts))

    def _paren(self, inner: str) -> tuple[list[_Ref], list[_Stmt]]:
        """Households named inside a parenthesis, and what the parenthesis says about them."""
        refs: list[_Ref] = []
        stmts: list[_Stmt] = []
        for clause, _sep in _clauses(inner):
            r, rest = self.names_in_clause(clause, strict=True)
            refs += [x for x in r if x.kind != "vague"]
            stmts += _bind(_tokenize(rest, self.schema), self.schema, clause, self.warnings)
        return refs, stmts

    def _table(self, lines: list[str], i: int) -> int:
        """Parse a table whose header is ``lines[i]``; returns the index after it (``i`` if no table)."""
        header = lines[i].strip()
        if not header:
            return i
        sep = _cell_sep(header)
        cells = _split_cells(header, sep)
        if len(cells) < 2 or any(len(c) > 10 for c in cells):
            return i
        cols = [self._header_col(c) for c in cells]
        if "#name" not in cols or "#bad" in cols or not any(c and not c.startswith("#") for c in cols):
            return i
        if i + 1 >= len(lines) or len(_split_cells(lines[i + 1].strip(), sep)) < 2:
            return i
        j = i + 1
        row_no = 0
        while j < len(lines):
            line = lines[j].strip()
            if not line:
                break
            row = _split_cells(line, sep)
            if len(row) < 2:
                break
            if len(row) == len(cols) + 1 and re.fullmatch(r"\d{1,3}[.、]?", row[0]):
                row = row[1:]
            if len(row) > len(cols):
                row = row[: len(cols) - 1] + [" ".join(row[len(cols) - 1 :])]
            row_no += 1
            self._table_row(cols, row, row_no)
            j += 1
        return j

    def _header_col(self, cell: str) -> str | None:
        c = re.sub(r"\(.*?\)|℃|[:\s]", "", cell)
        if re.search(r"\d", c):
            return "#bad"
        if c in _NAME_HEADERS:
            return "#name"
        if c in _INDEX_HEADERS:
            return "#index"
        best = None
        for m in self.schema.scan_re.finditer(c):
            if m.lastgroup == "alias":
                key = self.schema.word_key[m.group(0)]
                if (
                    best is None
                    or (best == self.schema.note and key != self.schema.note)
                    or (best == self.schema.people and key != self.schema.people)
                ):
                    best = key
        return best

    def _table_row(self, cols: list[str | None], row: list[str], row_no: int) -> None:
        name_cell = ""
        for c, v in zip(cols, row, strict=False):
            if c == "#name":
                name_cell = v.strip()
        name_cell = _LIST_MARK_RE.sub("", name_cell)
        if name_cell in _TOTAL_ROW:
            for c, v in zip(cols, row, strict=False):
                if c == self.schema.people:
                    m = re.search(r"\d{1,7}", v)
                    if m and self.totals["people"] is None:
                        self.totals["people"] = int(m.group(0))
            return
        ref, took = self.name_at_start(name_cell, strict=False)
        if ref is None:
            clean = re.sub(r"(?:家|户)$", "", name_cell)
            if clean and _looks_like_name(clean):
                ref = _Ref("unmatched", clean)
        if ref is None:
            if name_cell:
                self.warnings.append(f"表格第{row_no}行“{name_cell}”不是户主姓名，已跳过")
            return
        ref.strong = True
        target = self.target_for([ref])
        for c, v in zip(cols, row, strict=False):
            if not c or c.startswith("#"):
                continue
            f = self.schema.fields[c]
            v = v.strip()
            if f.type == "text":
                if v and v not in _NONE_CELLS:
                    self.apply([_Stmt("note", value=v)], target)
                continue
            if not v:
                continue
            alias = _Tok("alias", f.label, key=c)
            toks = [alias, *_tokenize(v, self.schema)]
            if f.type == "temperature":
                t3 = next((_is_temp3(t) for t in toks[1:] if _is_temp3(t) is not None), None)
                if t3 is not None:
                    self.apply([_Stmt("temp", value=t3)], target)
                    continue
            if f.type in ("int", "bool_int") and re.fullmatch(r"\d{1,7}", v):
                stmts = (
                    [_Stmt("people", value=int(v))]
                    if c == self.schema.people
                    else [_Stmt("field", c, "count", int(v))]
                )
            else:
                stmts = _bind(toks, self.schema, v, self.warnings)
            self.apply(stmts, target)
        for a in target.accs:
            a.row = row_no

    def personal_checkin(self) -> None:
        """``1. 陈明 36.5``: in a health check-in chain the temperature is the member's own; it goes to the
        member's own household when the member heads one and the line names no other household."""
        name = self.member.name
        if self.blanket.temps and name in self.own and not self.accs and self.totals["households"] is None:
            self.acc(name).temps.extend(self.blanket.temps)
            self.blanket.temps.clear()

    # ---------------------------------------------------------------- assembly

    def has_content(self) -> bool:
        if self.same or any(v is not None for v in self.totals.values()):
            return True
        if self.blanket.has_values() or self.rest.has_values() or self.blanket.positives:
            return True
        if any(a.has_values() for a in self.accs.values()):
            return True
        return any(r.strong or a.has_values(with_notes=False) for r, a in self.sinks.values())

    def build(self) -> MemberReport | None:
        if not self.has_content():
            return None
        tpl = self.ctx.template
        schema = self.schema
        report = MemberReport(member=self.member.name, chain_index=self.chain_index)
        report.same_as_yesterday = self.same
        report.totals = dict(self.totals)
        blanket_zero = {k: v for k, v in self.blanket.values.items() if _rank(v) == 0}
        rest_zero = {k: v for k, v in self.rest.values.items() if _rank(v) == 0}
        blanket_said = (
            self.blanket.normal
            or self.rest.normal
            or self.blanket.temp_normal
            or self.rest.temp_normal
            or blanket_zero
            or rest_zero
        )
        covers_all = bool(self.member.households) and bool(blanket_said) and not self.same
        report.covers_all = covers_all
        mentioned = [n for n in self.order if n in self.own]
        for n in self.exceptions:
            if n not in mentioned and n in self.own:
                mentioned.append(n)
        names = [h.name for h in self.member.households] if covers_all else mentioned
        for name in names:
            if covers_all and name not in mentioned:
                values = tpl.normal_values()
            else:
                acc = self.accs.get(name) or _Acc()
                excluded = name in self.exceptions
                values = tpl.empty_values()
                if acc.normal or (covers_all and self.blanket.normal and not excluded):
                    values.update(tpl.normal_values())
                if covers_all:
                    values.update(blanket_zero)
                    if self.blanket.temp_normal and schema.fever and not excluded:
                        values[schema.fever] = False
                for k, v in acc.values.items():
                    if k in values:
                        values[k] = v
                if acc.temps and schema.temperature:
                    values[schema.temperature] = max(acc.temps)
                elif acc.temp_normal and schema.fever and values.get(schema.fever) is None:
                    values[schema.fever] = False
                if acc.notes and schema.note:
                    values[schema.note] = "；".join(dict.fromkeys(acc.notes))
            _derive_fever(values, schema, tpl.fever_threshold)
            hr = HouseholdReport(household=name, values=values)
            acc = self.accs.get(name)
            if acc is not None and acc.row is not None:
                hr.row = acc.row
            report.households.append(hr)
        for ref, acc in self.sinks.values():
            if not (ref.strong or acc.has_values(with_notes=False)):
                continue
            if ref.kind == "foreign":
                entry = {"household": ref.name, "member": ref.owner}
                if entry not in report.foreign:
                    report.foreign.append(entry)
                    report.warnings.append(f"“{ref.name}”是{ref.owner}包联的户，未记入您的报告")
            elif ref.kind == "unmatched":
                if ref.name not in report.unmatched:
                    report.unmatched.append(ref.name)
                    if ref.chain_no is not None:
                        report.warnings.append(
                            f"接龙第{ref.chain_no}条“{ref.name}”不是本网格的网格员，也不在您包联的户中"
                        )
                    else:
                        report.warnings.append(f"“{ref.name}”不在您包联的户中，请核对户主姓名")
            elif ref.kind == "vague" and ref.warning:
                report.warnings.append(ref.warning)
        report.warnings.extend(w for w in self.warnings if w not in report.warnings)
        self._aggregate_warnings(report)
        return report

    def _aggregate_warnings(self, report: MemberReport) -> None:
        """Counts stated for the grid without a household: ask which household."""
        schema = self.schema
        for key, notes in self.blanket.positives.items():
            f = schema.fields[key]
            v = self.blanket.values.get(key)
            named = sum(
                (1 if h.values.get(key) is True else h.values.get(key) or 0)
                for h in report.households
                if isinstance(h.values.get(key), int | bool)
            )
            count = self.blanket.counts.get(key)
            need = count if count is not None else (1 if v is True else int(v or 0))
            if named >= need:
                continue
            extra = f"（{'，'.join(notes)}）" if notes else ""
            amount = f"{count}人" if count is not None else ""
            report.warnings.append(f"{f.label}{amount}{extra}未写明是哪一户，请补充户主姓名")
        if self.blanket.temps and schema.temperature:
            top = max(self.blanket.temps)
            if top >= self.ctx.template.fever_threshold:
                fever_named = any((schema.fever and h.values.get(schema.fever)) for h in report.households)
                if not fever_named:
                    report.warnings.append(f"体温{top}℃已达发热标准，请写明是哪一户")


def _coerce(f: Field, how: str, n: Any, people_key: str | None) -> Any:
    """A statement's value in the field's type (None: nothing to store)."""
    if f.type == "text" or f.type == "temperature":
        return None
    if how == "count":
        if not isinstance(n, int) or n < 0:
            return None
        return (n > 0) if f.type == "bool" else n
    if how in ("none", "normal"):
        if f.key == people_key:
            return None
        return False if f.type == "bool" else 0
    if how in ("yes", "presence"):
        if f.key == people_key:
            return None
        if f.type == "int":
            return 1
        return True
    return None


def _derive_fever(values: dict[str, Any], schema: _Schema, threshold: float) -> None:
    t = values.get(schema.temperature) if schema.temperature else None
    if isinstance(t, int | float) and not isinstance(t, bool):
        if not TEMP_MIN <= t <= TEMP_MAX:
            values[schema.temperature] = None
            return
        values[schema.temperature] = round(float(t), 1)
        if schema.fever:
            if t >= threshold:
                values[schema.fever] = True
            elif values.get(schema.fever) is None:
                values[schema.fever] = False


def _one_off(known: str, written: str) -> bool:
    """``written`` is ``known`` with one character of the given name wrong (杜美林 for 杜美玲)."""
    return (
        len(known) == len(written)
        and known != written
        and known[0] == written[0]
        and Levenshtein.distance(known, written, score_cutoff=1) <= 1
    )


def _looks_like_name(cand: str) -> bool:
    if not 2 <= len(cand) <= 4 or not all(_CJK_RE.match(c) for c in cand):
        return False
    if cand[0] not in _SURNAMES and cand[:2] not in _COMPOUND_SURNAMES:
        return False
    if len(cand) == 2 and cand[1] in "家户":
        return False
    if any(cand.endswith(t) for t in _TITLES) or any(cand.endswith(p) for p in _PLACE_SUFFIXES):
        return False
    return not any(c in _NON_NAME_CHARS for c in cand[1:])


# --------------------------------------------------------------------------------------- segmentation


def _stash_parens(line: str, parens: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        if len(parens) >= 255:
            return " "
        parens.append(m.group(1))
        return chr(_PAREN_BASE + len(parens) - 1)

    for _ in range(3):  # nested parentheses, innermost first
        new = _PAREN_RE.sub(repl, line)
        if new == line:
            break
        line = new
    return line.replace("(", " ").replace(")", " ")


def _restore(text: str, parens: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        i = ord(m.group(0)) - _PAREN_BASE
        return f"（{_restore(parens[i], parens)}）" if i < len(parens) else ""

    return re.sub(f"[{_PAREN_CLASS}]", repl, text)


def _units(line: str, parens: list[str]) -> list[str]:
    line = _TITLE_RE.sub(" ", line)
    line = re.sub(r"^\s*\(\s*(\d{1,3})\s*\)", r"\1. ", line)  # (1) is a list marker, not a remark
    line = _stash_parens(line, parens)
    return [u for u in re.split(r"[|。!]+", line) if u.strip()]


def _prepare_unit(unit: str) -> str:
    """Glue what spaces split by accident: ``返乡 : 0``, ``36.1 ~ 36.8``, ``4 人``."""
    unit = re.sub(r"\s+", " ", unit)
    unit = re.sub(r" ?([:~]) ?", r"\1", unit)
    unit = re.sub(r"(?<=[\d℃]) ?- ?(?=\d)", "-", unit)
    unit = re.sub(r"(\d) (?=口人|人|户|口|名|位|个|℃)", r"\1", unit)
    return unit.strip()


def _clauses(unit: str) -> list[tuple[str, str]]:
    """Split a unit at , 、 and spaces; each clause with the separator before it."""
    parts = re.split(r"([,、;\s]+)", unit)
    out: list[tuple[str, str]] = []
    sep = ""
    for k, p in enumerate(parts):
        if k % 2:
            sep = "、" if "、" in p else ("," if ("," in p or ";" in p) else " ")
        elif p:
            out.append((p, sep))
    return out


def _cell_sep(line: str) -> str:
    if "\t" in line:
        return "\t"
    if line.count("|") >= 1:
        return "|"
    if line.count(",") >= 2:
        return ","
    return " "


def _split_cells(line: str, sep: str) -> list[str]:
    if sep == " ":
        return line.split()
    return [c.strip() for c in line.strip().strip("|").split(sep)]


# --------------------------------------------------------------------------------------- entry points


def _resolve_sender(sender: Member | str | None, roster: Roster, index: _RosterIndex) -> Member | None:
    if isinstance(sender, Member):
        found = roster.find_member(sender.name, sender.grid, sender.village or None)
        if found is not None and found.grid == sender.grid:
            return found
        return sender
    if not isinstance(sender, str):
        return None
    name = sender.strip()
    if not name:
        return None
    found = roster.find_member(name)
    if found is not None:
        return found
    handle = name.lstrip("@")
    accounts = [m for m in roster.members if m.account and m.account.lstrip("@") == handle]
    return accounts[0] if len(accounts) == 1 else None


def _named_member(ctx: _Ctx, norm: str) -> tuple[Member | None, str, list[str]]:
    """A member the message names as its author (``网格员：王艳``, ``东风村5网格 刘桂兰``).

    Returns (member or None, text with the naming removed, warnings).
    """
    warnings: list[str] = []
    for m in _LABEL_RE.finditer(norm):
        run = m.group(3)
        hit = None
        for length in range(len(run), 1, -1):
            hit = ctx.find_member(run[:length])
            if hit:
                run = run[:length]
                break
        span_end = m.start(3) + len(run)
        if hit:
            return hit, norm[: m.start()] + " " + norm[span_end:], warnings
        if m.group(2) and _looks_like_name(run[:3]) and run[:2] not in ("日报", "报告"):
            name = run[:3] if len(run) >= 3 and run[2] not in _NON_NAME_CHARS else run[:2]
            warnings.append(f"网格员“{name}”不在名册中，按发送人记录")
            return None, norm[: m.start()] + " " + norm[m.start(3) + len(name) :], warnings
    first_end = norm.find("\n")
    first = norm if first_end < 0 else norm[:first_end]
    body = _TITLE_RE.sub(lambda x: " " * len(x.group(0)), first)
    body = _LIST_MARK_RE.sub(lambda x: " " * len(x.group(0)), body, count=1)
    found = ctx.member_at(body, limit=40)
    if found:
        member, s, e = found
        sender = ctx.sender
        own = {h.name for h in sender.households} if sender else set()
        header_ctx = bool(_HEADER_CONTEXT_RE.search(body[:s]))
        if member.name in own and not header_ctx and (sender is None or member.name != sender.name):
            return None, norm, warnings
        return member, norm[:s] + " " * (e - s) + norm[e:], warnings
    return None, norm, warnings


def _parse_chain(ctx: _Ctx, norm: str, correction: bool) -> ParseResult:
    result = ParseResult(chain=True, correction=correction)
    entries: list[list[Any]] = []
    for line in norm.split("\n"):
        m = _CHAIN_LINE_RE.match(line)
        if m and m.group(3).strip() and "接龙" not in line:
            entries.append([int(m.group(1) or m.group(2)), m.group(3)])
        elif entries and line.strip() and "接龙" not in line:
            entries[-1][1] += "\n" + line
    builders: dict[tuple[str, str, str], _Builder] = {}
    order: list[tuple[str, str, str]] = []

    def builder_for(member: Member) -> _Builder:
        key = (member.name, member.grid, member.village)
        if key not in builders:
            builders[key] = _Builder(ctx, member)
            order.append(key)
        return builders[key]

    for number, body in entries:
        if "?" in body or re.search(r"吗\s*$", body):
            continue
        found = ctx.member_at(body, limit=16, fuzzy=True)
        if found:
            member, s, e = found
            b = builder_for(member)
            if b.chain_index is None:
                b.chain_index = number
            written = body[s:e]
            if written != member.name:
                b.warnings.append(f"接龙第{number}条“{written}”按网格员{member.name}记录，请核实")
            b.feed(body[:s].replace("\n", " ") + " " * (e - s) + body[e:])
            b.personal_checkin()
            continue
        if ctx.sender is None:
            continue
        b = builder_for(ctx.sender)
        before = len(b.warnings)
        refs = b.feed(body)
        if not refs:
            del b.warnings[before:]
            b.warnings.append(f"接龙第{number}条“{body.strip()[:12]}”未能对应到网格员或您包联的户")
        else:
            for r in refs:
                stored = b.sinks.get((r.kind, r.name))
                for x in (r, stored[0] if stored else r):
                    x.strong = True
                    if x.chain_no is None:
                        x.chain_no = number
    for key in order:
        rep = builders[key].build()
        if rep is not None:
            result.reports.append(rep)
    return result


def parse_message(text: str, sender: Member | str, roster: Roster, template: Template) -> ParseResult:
    """Parse one group-chat message into the member reports it contains.

    ``sender`` is the posting member (a roster :class:`Member`, or a name / account to look up). With an
    unknown sender only the lines of a ``接龙`` chain that name known members produce reports. The result is
    empty for messages that are not reports (chat, notices, questions, roll-ups).
    """
    if not isinstance(text, str) or not text.strip():
        return ParseResult()
    index = _index(roster)
    member = _resolve_sender(sender, roster, index)
    ctx = _Ctx(roster, template, member)
    norm = textnorm.normalize(text[: MAX_CHARS * 2], protect=index.protect)[:MAX_CHARS]
    norm = _INLINE_LIST_RE.sub("\n", norm)
    if not norm.strip():
        return ParseResult()
    correction = bool(_CORRECTION_RE.search(norm))
    if _CHAIN_RE.search(norm) or _looks_like_member_list(ctx, norm):
        return _parse_chain(ctx, norm, correction)
    if _NOT_REPORT_RE.search(norm):
        return ParseResult()
    named, norm, warnings = _named_member(ctx, norm)
    if member is None:
        return ParseResult()
    author = named or member
    b = _Builder(ctx, author)
    b.warnings.extend(warnings)
    if named is not None and (named.name, named.grid) != (member.name, member.grid):
        b.warnings.append(f"由{member.name}代{named.name}上报")
    b.feed(norm)
    rep = b.build()
    if rep is None:
        return ParseResult()
    return ParseResult(reports=[rep], correction=correction)


def _looks_like_member_list(ctx: _Ctx, norm: str) -> bool:
    """Numbered lines that mostly start with members' names: a chain pasted without the 接龙 title."""
    lines = [ln for ln in norm.split("\n") if _CHAIN_LINE_RE.match(ln)]
    if len(lines) < 2:
        return False
    own = {h.name for h in ctx.sender.households} if ctx.sender else set()
    hits = 0
    for ln in lines:
        m = _CHAIN_LINE_RE.match(ln)
        body = m.group(3) if m else ""
        found = ctx.member_at(body, limit=8)
        if found and found[0].name not in own:
            hits += 1
    return hits >= 2 and hits * 2 > len(lines)
