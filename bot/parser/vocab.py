"""The words members write, as regexes and word lists: one place for the parser's vocabulary.

Every stage reads the same phrases ("all normal", "the rest", ``除…外``, list markers, units, surnames), so
they live here, apart from the code that uses them, and a new spelling is added in one place. Nothing here
depends on the roster or the template; the template's own words are compiled in :mod:`bot.parser.schema`.
"""

from __future__ import annotations

import re

from bot.parser.guard import guarded

#: The temperatures a person can have (℃); a number outside is no temperature.
TEMP_MIN, TEMP_MAX = 34.0, 43.0

CJK = "\u4e00-\u9fff"
CJK_RE = re.compile(f"[{CJK}]")
CJK_RUN_RE = re.compile(f"[{CJK}·]+")

#: "Everything is normal" phrases (strong), longest first inside the regex.
NORMAL_STRONG = tuple(
    "一切正常 全部正常 全都正常 均属正常 均为正常 均正常 都正常 皆正常 无异常 无异样 无异况 没有异常 没异常 未见异常 未发现异常 无特殊情况 无其他情况 无其它情况 无特殊 零报告 0报告 无情况 一切都好 一切安好 都没问题 均没问题 全没问题 都没有问题 均无问题 都无问题 一切都正常 一切正常的 一切如常 一切照常 均无异常 都无异常 在正常范围内 在正常范围 正常范围内 正常范围 在正常值内 正常值内 正常值 属正常 情况良好 平安无事 一切平安 都平安 均平安 安全无事 都没啥问题 没啥问题 没什么问题 都没什么问题 没有啥问题 都没有啥问题 没有什么问题 都没有什么问题 没有任何问题 没啥特殊的 没啥特殊 没什么特殊的 没什么特殊 没有特殊情况 没有啥特殊".split()
)
NORMAL_WEAK = (
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
    "都健康",
    "均健康",
    "身体健康",
    "身体都健康",
    "身体都好",
    "都没事",
    "没事",
    "都没啥事",
    "没啥事",
    "都还可以",
    "也好",
    "也都好",
    "也挺好",
    "没有事",
    "都没有事",
    "没有啥事",
    "都没有啥事",
    "还可以",
    "都还行",
    "还行",
)
#: Weak normal words that are only normal when no other word follows (``都健康`` but not ``健康监测``).
_NORMAL_ALONE = ("健康",)
NORMAL_RE_PART = r"(?:异常|特殊|其他|其它)(?:情况)?[:=]?(?:无|没有|0|否|暂无)|" + "|".join(
    (re.escape(w) + (f"(?![{CJK}])" if w.endswith(_NORMAL_ALONE) else ""))
    for w in sorted(NORMAL_STRONG + NORMAL_WEAK, key=len, reverse=True)
)

#: The day (or report) a "same as" statement points back to: 昨天 / 昨日 / 昨儿 / 前一天 / 上次 / 之前 …
_SAME_DAY = r"(?:昨天|昨日|昨儿|昨个|昨|前一天|前一日|前1天|前1日|前日|前天|上一次|上次|上回|之前|以前|往常|往日|平时|前几天|上面|上条)"
#: What says "the same": 一样 / 相同 / 一致 / 无异 / 没区别 / 没两样 / 一个样 / 差不多 / 无变化 …
_SAME_WORD = (
    r"(?:一样|相同|一致|无异|无区别|没区别|没有区别|没啥区别|没两样|一个样|差不多|无变化|没变化|没有变化|没啥变化|不变)"
)
#: "Same as yesterday", in the many ways members write it. ``和/与/跟`` need a sameness word after the day
#: (``和昨天相比多了1人`` is not the same); ``同/如/照`` carry it themselves (``同昨日``, ``如昨``, ``照旧``).
SAME_RE = guarded(  # searched in every unit: the guard skips the places no match can begin
    rf"(?:情况|今天|今日|今)?(?:同|如|照|仍同|还同) ?(?:{_SAME_DAY})(?:的)?(?:情况|报告|上报)?(?:的)?(?:{_SAME_WORD})?|"
    rf"(?:和|与|跟) ?(?:{_SAME_DAY}) ?(?:的)?(?:情况)?(?:的)? ?(?:{_SAME_WORD})|"
    r"(?:情况|均|都)?同上|同前|"
    r"(?:无|没有|没|未|无任何|没有任何|没什么|没啥|无明显|无新|没有新)(?:的)?变化|未变化|"
    r"(?:一切|情况|都|还是|仍|仍然|依然)?(?:照旧|依旧|如旧|如故|如昨)|"
    r"(?:还是|仍是|依然是|依旧是|都是|仍然是)?老样子|(?:还是|仍是|依然)(?:原样|那样|一样)|"
    rf"(?:按|照|参照)(?:{_SAME_DAY})(?:的)?(?:报的|报|填的|情况)?(?:来|报|填)?|"
    rf"(?:(?:情况|均|都|也|还是)|(?<![{CJK}]))(?:不变|没变|没有变)(?!化)|维持不变|一如既往"
)
CORRECTION_RE = re.compile(r"更正|纠正|改正|更改|修正|订正|修改")
CORRECTION_NOISE_RE = re.compile(
    r"(?:上条|上一条|刚才|之前|前面|我)?(?:的)?(?:写错了?|报错了?|填错了?|搞错了?|有误|错了)|"
    r"(?<!是)不是[^,;。|\n]*|"  # 不是15户 (not 是不是, a question)
    r"原(?:来)?(?:报|写|填)?(?:的)?(?:是)?\s*\d+(?:\.\d+)?\s*(?:口人|户|人|口|℃)?|"
    r"(?<![\d.])\d+(?:\.\d+)?\s*(?:口人|户|人|口|℃)?\s*(?=改为|改成|更正为|应为|应是)|"
    r"应该是|应该为|改为|改成|更正为|应为|应是"
)
#: One numbered line of a chain (``1. 刘志宇 …``, ``(2)王艳 …``, ``3、…``).
CHAIN_LINE_RE = re.compile(
    r"^\s*(?:\(\s*(\d{1,3})\s*\)|(\d{1,3})\s*(?:[.、:)\]](?!\d)|\s+|(?=[" + CJK + r"])))"
    r"\s*(?![户人口名位个号楼栋层组天日月次岁℃])(.*)$"
)
LIST_MARK_RE = re.compile(
    r"^\s*(?:\(\s*\d{1,3}\s*\)|\d{1,3}\s*[.、:)\]](?!\d)|\d{1,3}\s+(?=[^\d\s~\-])|[#*•·\-]+)\s*"
)
#: A list marker in the middle of a line (``…36.5℃ (2)李秀兰…``): the next item starts there.
INLINE_LIST_RE = re.compile(r"(?<=[^\n\d.])[ \t]*(?=(?:\(\d{1,2}\)|\d{1,2}[.、](?!\d))\s*[" + CJK + r"])")
TITLE_RE = re.compile(r"【[^】]*】|\[[^\]]*\]")
PAREN_RE = re.compile(r"\(([^()]*)\)")
PAREN_BASE = 0xF0100
PAREN_CLASS = "\U000f0100-\U000f01ff"
#: A parenthesis' placeholder.
PLACEHOLDER_RE = re.compile(f"[{PAREN_CLASS}]")
#: Marks where a ``除…外`` phrase stood: the clauses after it speak of "the rest".
EXC_MARK = "\ue000"
#: Words that open a statement about the rest after ``除了X，…`` (no 外).
_REST_AFTER = r"(?:其他|其它|其余|剩下|剩余|余下|别的|均|都|全|也|一切)"
#: ``除霍建军家外`` / ``除了霍建军家以外`` / ``除了霍建军家，其他…`` / ``除霍建军家其余…`` (not 排除, 解除…).
EXCEPT_RE = re.compile(
    r"(?<![排解消清删扣免去剔])除(?:了|开)?(?!夕|外(?![来出地省市县面国人]))"
    r"(?:(?P<a>[^,;。|" + EXC_MARK + r"]{1,40}?)(?:以外|之外|外(?![来出地省市县面国]))"
    r"|(?P<b>[^,;。|\s" + EXC_MARK + r"]{1,30}?)(?:[,;\s]+|(?<=[家户]))(?=" + _REST_AFTER + r"))"
)
#: ``霍建军家除外``.
EXCEPT_AFTER_RE = re.compile(r"(?P<c>[^,;。|\s" + EXC_MARK + r"]{2,30}?)(?:都|均)?除外(?![出来地省市县面国])")
#: A parenthesis that names the exceptions: ``（除霍建军家体温37.5）`` / ``（霍建军家除外）``.
EXCEPT_PAREN_RE = re.compile(
    r"^\s*(?:除(?:了|开)?(?P<a>.+?)(?:以外|之外|外)?|(?P<b>.+?)(?:都|均)?除外)\s*$", re.S
)
#: ``余正常`` / ``余均正常``: 余 alone, as chain lines shorten 其余 (not 剩余, 多余, 业余 …).
_REST_YU = rf"(?<![{CJK}])余(?=[均都全皆正无户家])"
REST_RE = re.compile(rf"其余|剩下|剩余|余下|{_REST_YU}|(?:其他|其它|别的)(?:各)?(?:户|家|住户|农户|人家)")
REST_WEAK_RE = re.compile(r"^(?:其他|其它|别的)(?!人|家人|成员)")
_REST_LEAD = rf"(?:其他|其它|别的|其余|剩下|剩余|余下|{_REST_YU})(?:的)?(?:各)?(?:\d+)?(?:户|家|住户|农户|人家)?"
REST_WORDS = ("其他", "其它", "其余", "剩下", "剩余", "余下", "别的")
REST_WORDS_RE = re.compile("|".join(REST_WORDS))
#: ``其他都正常`` / ``别的都没问题`` / ``其它户都没发烧``: the rest, whatever the target was.
_REST_NORMAL_BODY = rf"{_REST_LEAD}(?:也|都|均|全|全部|全都|皆|是|还)*(?:(?:{NORMAL_RE_PART})|(?<=[也都均全皆])(?:没有|没|无|不|未))"
REST_NORMAL_RE = re.compile("^" + _REST_NORMAL_BODY)
REST_NORMAL_AT_RE = re.compile(_REST_NORMAL_BODY)
#: What a finished statement ends with, so that a household name right after it starts a new clause.
GLUE_BEFORE_RE = re.compile(rf"(?:\d\.\d|℃|\d户(?:\d+(?:口人|个人|人|口))?|(?:{NORMAL_RE_PART}))$")
#: The characters a GLUE_BEFORE_RE match can end with (and any digit, ``\d``; ``$`` matches before a newline):
#: where the text before a place ends with none of them, the pattern is not searched (tests/parser/test_speed.py
#: checks it on the corpus).
GLUE_BEFORE_LAST = frozenset("℃户人口无有否0\n") | frozenset(w[-1] for w in NORMAL_STRONG + NORMAL_WEAK)
#: A count that ends a household's line (``王建国4人薛文斌1人``): a name followed by a number starts the next.
GLUE_COUNT_RE = re.compile(r"\d(?:口人|个人|人|口)$")
LABEL_RE = re.compile(
    r"(网格员|网格长|填报人|上报人|报告人|报送人|汇报人)(\s*[:]\s*|\s+)?([" + CJK + r"]{2,4})"
)
ADDRESS_HINT_RE = re.compile(r"(?<!\d)(\d+\s*(?:号楼|栋|幢|单元|组|号))")

#: Common surnames; a candidate household name must start with one (compound surnames listed apart).
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武"
    "戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆卓吉缪简项连芦麦褚娄窦戚岑景党宫"
    "费卜冷晏席卫柏瞿桂佟臧闵苟邬卞姬仇栾隋刁荣巫寇桑郎甄丛仲虞敖巩佘苑迟邝覃"
)
COMPOUND_SURNAMES = tuple("欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 令狐 慕容 夏侯 长孙".split())
#: Surnames for the ``王家`` shape (the most common ones that are not everyday words).
_FAMILY_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范贾夏韦付傅邹孟熊秦邱尹薛闫段雷侯史陶黎贺顾毛郝龚邵钱严覃戴莫孔汤施樊葛邢乔庞颜倪"
    "聂鲁岳翟殷詹耿焦俞柳祝舒阮柯纪梅凌毕裴霍苗骆靳柴鲍喻祁蒲滕饶牟艾卓缪"
)
FAMILY_RE = re.compile(
    r"(?:(?<=[\d号楼栋幢组队元老小在对])|^)(?:老|小)?(["
    + _FAMILY_SURNAMES
    + r"])家(?![长乡庄村屯湾坝沟寨店镇营园堡])"
)
TITLES = tuple(
    "大爷 大妈 大娘 大叔 大婶 大哥 大姐 阿姨 叔叔 婶婶 奶奶 爷爷 老师 书记 主任 组长 队长 村长 网格员 网格长 会计 医生 师傅 老板 同志 先生 女士 老汉 老太 老人".split()
)
#: Family words that may follow a household head's name (``胡秋菊老人一个人住``, ``王建国儿子``).
KIN_WORDS = tuple(
    "老人 老两口 老俩口 老伴 夫妇 夫妻 两口子 儿子 女儿 闺女 儿媳 媳妇 女婿 孙子 孙女 外孙 爷爷 奶奶 "
    "父亲 母亲 老父亲 老母亲 本人 独居 一人 一个人 1个人 老2口 2口子".split()
)
#: Characters that do not occur in the given names members write; a candidate containing one is no name.
NON_NAME_CHARS = set(
    "的了在是无不没均都异体温热烧户口网格村组楼号报告况返隔离共计包查访排外例位人员数情应该今昨日已经请收到好吗呢吧啊哦嗯各其余他它"
)
PLACE_SUFFIXES = ("村", "组", "镇", "乡", "社区", "小区", "街", "路", "区", "县", "市", "省", "队")
HEADER_CONTEXT_RE = re.compile(r"(?:网格|村|社区|小区|组|片区|】|\])\s*$")

#: Field words as a pinyin input method mistypes them (the same sound, another character: 反乡 for 返乡, 提问
#: for 体温 — ti wen), or as a handwriting input reads a look-alike (休温). Read as the field word wherever it stands, except the mistypings that are words of their
#: own (``TYPO_WORDS``: 提问 is "a question"), which are read only where a field word stands: right before a
#: value (``提问正常``, ``提问36.5``, ``提问:``) or right after a negation. Only a template's own words are used.
TYPOS: dict[str, tuple[str, ...]] = {
    "体温": ("提问", "体问", "题温", "提温", "体稳", "体文", "体瘟", "休温"),  # 休温: 休 looks like 体
    "返乡": ("反乡", "返香", "饭乡", "反香", "返相", "返箱"),
    "发烧": ("发骚", "发稍", "发捎"),
    "发热": ("发惹",),
    "隔离": ("格离", "个离", "隔理", "各离"),
    "居家隔离": ("居加隔离", "居家格力", "居家个离"),
    "居家健康监测": ("居家健康检测", "居加健康监测"),
    "腹泻": ("腹写", "腹谢", "腹卸"),
    "嗓子疼": ("桑子疼", "嗓子腾"),
    "流鼻涕": ("流鼻蹄", "流鼻题"),
    "胸闷": ("胸门",),
    "外出": ("外粗",),
    "咳嗽": ("咳漱", "可嗽", "咳素", "咳数"),
    "症状": ("正状", "证状", "症壮"),
    "外来人员": ("外赖人员", "外来人圆"),
    "亲戚": ("亲七", "亲气", "亲期"),
    "乏力": ("发力", "乏利"),
    "正常": ("正长", "整常", "正尝", "争常"),
}
#: Dialect words for 没有 (``莫得`` ``没得`` Southwest Mandarin, ``冇`` Cantonese and Hakka, ``木有`` online): read as 没有
#: whatever the template.
DIALECT_NEGATIONS = {"莫得": "没有", "没得": "没有", "冇得": "没有", "冇有": "没有", "冇": "没有", "木有": "没有", "么得": "没有",
                     "啥子": "啥"}
TYPO_WORDS = frozenset(("提问", "体文", "发力", "发骚"))
#: What follows a mistyped field word that is a word of its own where it stands as the field word.
TYPO_VALUE_AFTER = r"(?=\s*[:=\d]|正常|正长|整常|无|没|均|都|偏|异常|有|是|不|未|良好|挺好|很好|还好|好)"
TYPO_NEG_BEFORE = ("无", "没有", "没", "未", "不")

PERSON_UNITS = ("人", "口人", "个人", "口", "名", "个", "例", "位", "人次")
HOUSEHOLD_UNITS = ("户", "家")
DATE_UNITS = tuple("号 楼 栋 单元 层 组 队 天 日 月 次 岁 点 时 分 网格 年 周 小时 公里 米 元 块".split())

NUM_PAT = (
    r"(?P<na>\d{1,7}(?:\.\d{1,4})?)\s*(?P<nc1>℃)?(?:\s*[~\-]\s*(?P<nb>\d{1,7}(?:\.\d{1,4})?)\s*(?P<nc2>℃)?)?\s*"
    r"(?P<nu>口人|个人|人次|单元|网格|小时|公里|口|人|户|家|名|位|个|例|号|楼|栋|层|组|队|天|日|月|次|岁|点|时|分|年|周|米|元|块)?"
)
NAME_HEADERS = ("户主姓名", "户主名", "户主", "姓名", "户名", "名字", "住户", "家庭")
INDEX_HEADERS = ("序号", "编号", "No", "NO", "no", "#")
TOTAL_ROW = ("合计", "总计", "小计", "共计", "总数")
NONE_CELLS = {"", "-", "--", "/", "无", "没有", "否", "×", "0", "未", "不"}
