"""Text normalisation for grid members' reports.

Members type on phones with Chinese input methods, so the same report arrives in many spellings:
full-width digits (``１２户``), Chinese numerals (``十五户``, ``两口人``, ``三十六度五``), ``℃`` / ``度`` /
``°C``, Chinese punctuation, emoji and stray spaces. :func:`normalize` maps all of them onto one spelling
so that the parser only has to recognise ASCII digits, ``℃`` and a small set of separators:

* width: NFKC turns full-width letters, digits and punctuation into ASCII (``：`` → ``:``, ``，`` → ``,``,
  ``；`` → ``;``, ``（）`` → ``()``, ``～`` → ``~``, ``｜`` → ``|``). ``、`` and ``。`` have no ASCII twin and
  keep their meaning (list separator, sentence end). Circled numbers (``①``) become list markers ``1.``.
* emoji and other pictographs are replaced by a space (``✓`` / ``✔`` become ``√``, ``✗`` / ``✘`` become ``×``
  first, because in a table they are answers).
* spaces: runs of spaces collapse to one, lines are stripped; tabs and newlines are kept (tables and lines
  carry structure).
* numerals: a run of Chinese numerals becomes Arabic when it is a quantity: followed by a unit
  (``十五户`` → ``15户``, ``两口人`` → ``2口人``, ``三号楼`` → ``3号楼``), after ``第``, or standing alone
  between separators (``返乡：零`` → ``返乡:0``). The colloquial ``俩`` / ``仨`` count before a unit
  (``俩人`` → ``2人``). Numerals inside words (``一切``, ``万一``) and inside protected names (a household
  head called ``张三虎``) are left alone.
* temperatures: ``三十六度五`` / ``36度5`` / ``36点5度`` / ``36.5度`` / ``36.5°C`` → ``36.5℃``.
* stock phrases that carry no information (``一日一报``, ``不漏一户``) are removed.

Everything here is pure string manipulation; nothing raises on any ``str`` input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import cn2an

#: Phrases members add to every report; they carry no information (and would read as counts).
BOILERPLATE = (
    "不漏一户、不漏一人",
    "不漏一户,不漏一人",
    "不漏一户不漏一人",
    "不漏一户",
    "不漏一人",
    "一户不漏",
    "一人不漏",
    "一日一报",
    "日报日清",
    "一户一档",
    "一人一档",
    "一户一策",
)

_CIRCLED = {chr(0x2460 + i): f"{i + 1}. " for i in range(20)}  # ① .. ⑳
_CIRCLED.update({chr(0x2776 + i): f"{i + 1}. " for i in range(10)})  # ❶ .. ❿
_PRE_MAP = {
    "✓": "√",
    "✔": "√",
    "☑": "√",
    "✗": "×",
    "✘": "×",
    "❌": "×",
    "╳": "×",
    "〜": "~",
    "〰": "~",
    "—": "-",
    "–": "-",
    "―": "-",
    "〇": "零",
    "\u3000": " ",
    "\r": "\n",
    "\u2028": "\n",
    "\u2029": "\n",
    "．": ".",
    "｡": "。",
    "､": "、",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
}
#: Full-width ASCII (``，`` ``：`` ``１``) to ASCII: what NFKC makes of them, done first so that a message
#: written with nothing else to normalise needs no NFKC pass (NFKC of the result is the same string).
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
#: One character for another (or for a list marker), as a ``str.translate`` table; ``\r\n`` is replaced first.
_PRE_TABLE = str.maketrans({**_FULLWIDTH, **_CIRCLED, **_PRE_MAP})
#: Runs of the characters :func:`to_halfwidth` and :func:`strip_emoji` may change: all but CJK ideographs,
#: printable ASCII, tabs and newlines (which both leave as they are).
_CHANGEABLE_RE = re.compile(r"[^\u4e00-\u9fff\x20-\x7e\t\n]+")

#: Code points of the Unicode private use area used as placeholders while converting numerals.
_PUA_BASE = 0xF0000
_PUA_RE = re.compile("[\U000f0000-\U000fffff]")

#: Chinese numeral characters (a roster name containing one must be protected from conversion).
NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟"  # with the financial forms (贰人)
_DIGIT_CHARS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
#: Characters after a number that make it a quantity (or an ordinal / a date part we keep as digits).
_UNITS = "户人口名位个号楼栋层组队天日月次岁度点℃块元年周例条间套~-至到"
_NUMERAL_RE = re.compile(f"[{NUMERAL_CHARS}]+")
#: 三十六度五 / 三十六点五度: a Chinese-numeral temperature with its decimal after 度 / 点.
_CN_TEMP_RE = re.compile(
    f"(?<![{NUMERAL_CHARS}])([{NUMERAL_CHARS}]+)(?:度|点)([{_DIGIT_CHARS}])(?:摄氏度|度|℃)?(?![{NUMERAL_CHARS}])"
)
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: 三十六点五: the decimal part of a numeral after 点.
_CN_DECIMAL_RE = re.compile(f"点([{_DIGIT_CHARS}]+)(?![{NUMERAL_CHARS}])")

#: 36度5 → 36.5℃ (only plausible body temperatures).
_AR_DU_DEC_RE = re.compile(r"(?<![\d.])(3[4-9]|4[0-3])\s*(?:度|点)\s*(\d)(?![\d.])(?:\s*(?:摄氏度|度|℃))?")
#: 36.5度 / 36.5 ° C / 36.5°C → 36.5℃
_AR_DU_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:摄氏度|度|°\s*[Cc]?|℃|[Cc](?![a-zA-Z]))")
_RANGE_WORD_RE = re.compile(r"(\d(?:\.\d+)?\s*℃?)\s*(?:至|到)\s*(?=\d)")
_SPACES_RE = re.compile(r"[ \f\v\xa0]+")
_TAB_RE = re.compile(r" *\t *")
_LINE_EDGE_RE = re.compile(r" *\n *")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
#: Colloquial numerals before a unit: 俩人 → 两人, 仨人 → 三人 (then converted like the others).
_COLLOQUIAL_RE = re.compile(r"[俩仨](?=[人口个户家位名])")
_COLLOQUIAL = {"俩": "两", "仨": "三"}
#: 俩 / 仨 before a noun after a verb or at a word's start (``来了俩亲戚``, ``有俩孩子``): the count itself;
#: after a noun or pronoun it is "the two of them" (``哥俩好``, ``他俩``) and stays.
_COLLOQUIAL_NOUN_RE = re.compile(r"(?:(?<=[了有来回到家])|(?<![\u4e00-\u9fff]))[俩仨](?=[\u4e00-\u9fff])")
_COLLOQUIAL_DIGIT = {"俩": "2", "仨": "3"}
#: 老人俩 / 孩子仨 / 回来了俩 at the end of a phrase: that many people.
_COLLOQUIAL_AFTER_RE = re.compile(
    r"(?:(?<=老人|孩子|小孩|大人|儿子|女儿|闺女|孙子|孙女)|(?<=[了有来回到]))[俩仨](?![\u4e00-\u9fff])"
)


def to_halfwidth(text: str) -> str:
    """Full-width characters to ASCII (NFKC), keeping ``℃`` and the Chinese list separators."""
    text = _CHANGEABLE_RE.sub(lambda m: m.group(0).translate(_PRE_TABLE), text.replace("\r\n", "\n"))
    if unicodedata.is_normalized("NFKC", text):
        return text  # (℃ is not NFKC: a text holding one is normalised below)
    # NFKC would turn ℃ into °C; keep the one-character spelling.
    text = text.replace("℃", "\0DEG\0")
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\0DEG\0", "℃")


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    if cp < 0x80:
        return False
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or cp in (0x200D, 0x20E3):
        return True
    cat = unicodedata.category(ch)
    if ch in "℃°√×":
        return False
    return cat in ("So", "Sk", "Cs", "Co", "Cf", "Cn", "Cc") and ch not in "\t\n"


class _Blanks(dict[int, str]):
    """A ``str.translate`` table: emoji, pictographs, control and format characters to a space, every
    other character to itself; each code point is looked up once (at most ``LIMIT`` are kept)."""

    LIMIT = 1 << 16

    def __missing__(self, cp: int) -> str:
        c = chr(cp)
        out = " " if (_is_emoji(c) or (c < " " and c not in "\t\n")) else c
        if len(self) < self.LIMIT:
            self[cp] = out
        return out


_BLANKS = _Blanks()


def strip_emoji(text: str) -> str:
    """Replace emoji, pictographs, control and format characters with a space."""
    return _CHANGEABLE_RE.sub(lambda m: m.group(0).translate(_BLANKS), text)


def collapse_spaces(text: str) -> str:
    """Collapse runs of spaces, strip every line, keep tabs and newlines, drop blank-line runs."""
    text = _SPACES_RE.sub(" ", text)  # (neither this nor the tabs' pattern runs across a newline)
    if "\t" in text:
        text = _TAB_RE.sub("\t", text)
    out = _LINE_EDGE_RE.sub("\n", text).strip(" ")
    return _BLANK_LINES_RE.sub("\n\n", out).strip("\n")


def strip_boilerplate(text: str) -> str:
    for phrase in BOILERPLATE:
        if phrase in text:
            text = text.replace(phrase, " ")
    return text


@lru_cache(maxsize=4096)
def cn_to_number(numeral: str) -> int | float | None:
    """A run of Chinese numerals (``四十二``, ``两``, ``三十六点五``) as a number, None if it is not one."""
    if len(numeral) > 16:
        return None  # not a quantity anyone writes in a report
    try:
        value = cn2an.cn2an(numeral, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(value, float) and value.is_integer() and "点" not in numeral:
        value = int(value)
    return value


def _fmt(value: int | float) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value * 10 - round(value * 10)) < 1e-9 else repr(value)
    return str(value)


def _convert_cn_temps(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        whole = cn_to_number(m.group(1))
        dec = cn_to_number(m.group(2))
        if isinstance(whole, int) and isinstance(dec, int) and 34 <= whole <= 43:
            return f"{whole}.{dec}℃"
        return m.group(0)

    return _CN_TEMP_RE.sub(repl, text)


def _is_placeholder(ch: str) -> bool:
    return bool(ch) and ord(ch) >= _PUA_BASE


def _is_quantity(text: str, start: int, end: int) -> bool:
    """Whether the numeral run ``text[start:end]`` is a quantity (see the module docstring)."""
    run = text[start:end]
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if text.startswith("报告", end) or (run == "零" and after in ("星", "散")):
        return False  # 零报告, 零星, 零散
    if run[0] in "百千万佰仟":
        return False  # 万一, 千万
    if _is_placeholder(before) or _is_placeholder(after):
        return False  # glued to a protected name
    if after and after in _UNITS:
        return True
    if before == "第":
        return True
    return not _CJK_RE.match(before or " ") and not _CJK_RE.match(after or " ")


def _convert_numerals(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _NUMERAL_RE.finditer(text):
        start, end = m.span()
        if start < pos:
            continue
        out.append(text[pos:start])
        pos = end
        run = m.group(0)
        if not _is_quantity(text, start, end):
            out.append(run)
            continue
        tail = _CN_DECIMAL_RE.match(text, end)
        if tail:  # 三十六点五: the decimal part follows 点
            value = cn_to_number(run + tail.group(0))
            if value is not None:
                out.append(_fmt(value))
                pos = end + len(tail.group(0))
                continue
        value = cn_to_number(run)
        if value is not None and start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
            out.append(" ")  # 36.8一次 → 36.8 1次, not 36.81次
        out.append(run if value is None else _fmt(value))
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=64)
def _protect_re(protect: tuple[str, ...]) -> re.Pattern[str] | None:
    """The names of ``protect`` that hold a numeral, as one regex (longest first), or None."""
    names = sorted({p for p in protect if p and _NUMERAL_RE.search(p)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names)) if names else None


def convert_numerals(text: str, protect: Iterable[str] = ()) -> str:
    """Chinese numerals to Arabic where they are quantities, leaving the ``protect`` strings untouched.

    >>> convert_numerals("两口人，体温三十六度五")
    '2口人，体温36.5℃'
    """
    if not _NUMERAL_RE.search(text):
        return text
    saved: list[str] = []

    def hide(m: re.Match[str]) -> str:
        saved.append(m.group(0))
        return chr(_PUA_BASE + len(saved) - 1)

    protected = _protect_re(tuple(protect))
    if protected is not None:
        text = protected.sub(hide, text)
    text = _convert_cn_temps(text)
    text = _convert_numerals(text)
    if saved:
        text = _PUA_RE.sub(lambda m: saved[ord(m.group(0)) - _PUA_BASE], text)
    return text


#: 36。5 / 36·5: a temperature whose point was typed as a full stop or a middle dot.
_ODD_POINT_RE = re.compile(r"(?<![\d.])(3[4-9]|4[0-2])[。·](\d)(?![\d.])")


def normalize_temperatures(text: str) -> str:
    """``36度5`` → ``36.5℃``; ``36.5度`` / ``36.5°C`` → ``36.5℃``; ``36.1至36.8`` → ``36.1~36.8``;
    ``36。5`` → ``36.5``."""
    if "。" in text or "·" in text:
        text = _ODD_POINT_RE.sub(r"\1.\2", text)
    if "度" in text or "点" in text:
        text = _AR_DU_DEC_RE.sub(lambda m: f"{m.group(1)}.{m.group(2)}℃", text)

    def unit(m: re.Match[str]) -> str:
        return m.group(1) + "℃"

    if any(c in text for c in "度°Cc℃"):  # 度 also covers 摄氏度
        text = _AR_DU_RE.sub(unit, text)
    if "至" in text or "到" in text:
        text = _RANGE_WORD_RE.sub(lambda m: m.group(1) + "~", text)
    return text


#: Longest message read (characters, after normalisation). A Telegram message has at most 4096, a Feishu
#: message may be far longer: a 400-line chain is 8,000 to 12,000. What lies beyond is not read, and
#: :func:`clip` says how many lines were, so that the reply can ask for the rest in parts.
MAX_CHARS = 16384
#: Longest line read: a line is a report or a chain's entry, a few dozen characters; one much longer (a run of
#: one phrase) costs more than its share (the work on a line grows faster than its length), so a message is
#: read to the first :data:`MAX_LINE_CHARS` of such a line, as a member's message was read to 4096 in all.
MAX_LINE_CHARS = 4096
_LONG_LINE_RE = re.compile(r"[^\n]{" + str(MAX_LINE_CHARS + 1) + "}")


def clip(text: str, protect: Iterable[str] = (), halfwidth: str | None = None) -> tuple[str, int | None]:
    """``text`` normalised (:func:`normalize`) and cut to :data:`MAX_CHARS`, and the number of its lines
    read when it was cut (None: all of it was read). A cut drops the line it falls in (half a line could
    read as a wrong value: ``8户24`` of ``8户245人``), but for a line longer than :data:`MAX_LINE_CHARS`:
    the message is read to that many characters of it (and that line counts as read). ``halfwidth``: the
    caller's ``to_halfwidth(text[: MAX_CHARS * 2])``, when it has it (not worked out twice)."""
    cut = len(text) > MAX_CHARS * 2
    norm = normalize(text[: MAX_CHARS * 2] if cut else text, protect=protect, halfwidth=halfwidth)
    if not cut and len(norm) <= MAX_CHARS and _LONG_LINE_RE.search(norm) is None:
        return norm, None
    kept = norm[: MAX_CHARS + 1]
    long = _LONG_LINE_RE.search(kept)
    if long is not None:
        kept = kept[: long.start() + MAX_LINE_CHARS]
        return kept, kept.count("\n") + 1
    end = kept.rfind("\n")
    kept = kept[:end] if end > 0 else kept[:MAX_CHARS]
    return kept, kept.count("\n") + 1


def normalize(text: str, protect: Iterable[str] = (), halfwidth: str | None = None) -> str:
    """The full normalisation pipeline (see the module docstring). Never raises on a ``str``. ``halfwidth``:
    ``to_halfwidth(text)``, when the caller has it."""
    if not text:
        return ""
    text = to_halfwidth(text) if halfwidth is None else halfwidth
    text = strip_emoji(text)
    text = strip_boilerplate(text)
    if "俩" in text or "仨" in text:
        text = _COLLOQUIAL_RE.sub(lambda m: _COLLOQUIAL[m.group(0)], text)
        text = _COLLOQUIAL_NOUN_RE.sub(lambda m: _COLLOQUIAL_DIGIT[m.group(0)], text)
        text = _COLLOQUIAL_AFTER_RE.sub(lambda m: _COLLOQUIAL_DIGIT[m.group(0)] + "人", text)
    text = convert_numerals(text, protect)
    text = normalize_temperatures(text)
    return collapse_spaces(text)
