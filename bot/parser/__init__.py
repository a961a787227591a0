"""Read a grid member's free-text daily report against the roster.

Public API: :func:`parse_message` (``text``, ``sender``, ``roster``, ``template``) → :class:`ParseResult`.
Residents' chains keyed by room or address: :func:`parse_rooms` (``text``, ``roster`` of the group's grids,
``template``, ``outside=`` the rest of the roster) → :class:`RoomChain` (every address line, placed on one
household or not; :meth:`RoomChain.reports` gives one :class:`MemberReport` per covering member), and
:func:`parse_address` (a roster 住址 → building, unit, room). See :mod:`bot.parser.rooms`.

Who may post a residents' chain
===============================
Anyone in a bound group may add household lines keyed by room or address for the group's grids (a resident
is no linked member; each placed line is credited to the member who covers the household, ``via``
"resident"). A *member's* message is read as such a chain only when it is not a report of the member's own
and it is a residents' chain beyond doubt (:attr:`RoomChain.clear`): titled ``接龙`` or with a format hint
(``1. 室号-人数``), or two address lines or more that make at least half of its lines. So a member writing
``15`` or ``15 36.5`` never reports the household at 15号 of another member; reposting the residents' chain
still works.

Approach
========
1. **Normalise** (:mod:`bot.parser.textnorm`): width, numerals, ``℃``, emoji, spaces. Roster names that contain
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

**Doubts** (:mod:`bot.parser.doubts`): whatever the parser cannot trust goes into the household's
``uncertain`` (field keys, ``household`` for a doubtful name), with the value as read or None: a count
without its number (``共人``, ``人数：``), a contradiction within one household, an implausible value
(``体温365``, ``3.65``), a hedged statement (``听说…要回来``), a count several households share, a name one
character off or a given name alone. A household named only in passing (``王建国家门口的路又堵了``,
``明天去薛文斌家看看``; :mod:`bot.parser.mentions`) is not reported at all.

The special roles of fields are found by type and well-known keys: the ``temperature`` field (type),
the fever field (key ``fever`` or the first bool field), the people field (key ``people``, else the count
field named 人数), the "out" field (key ``out``, else a yes/no field named 外出) and the note (the first text
field). Every other field is driven purely by the template's aliases and type.

**The newer kinds** (:mod:`bot.parser.options`, bound before the field words' rules of step 6; their words in
:mod:`bot.parser.fieldwords`): symptoms of a ``symptoms`` field (``儿子咳嗽`` → ["咳嗽"]; a negation before a
run of symptom and field words denies them all: ``无发热咳嗽等症状``; ``咳嗽0人`` / ``咳嗽好了`` deny it),
``enum`` options (``核酸阴性``: the option of the nearest field word that has it), thresholds in words
(``超过37度`` / ``37.3以上`` set fever and are no reading; ``未超过37.3`` / ``37.3以上：无`` deny it; a
parenthesis that only defines a threshold, ``发热（≥37.3℃）人数``, is dropped before the message is split),
status remarks (``不在家`` / ``2人在单位`` set "out" and go to the note), remarks for the note only
(``住院``, ``已送医``), and readings of several times of a day (``上午36.5，下午36.8``: all go to the note).

**What elderly members and voice input write** (issue 12, second pass; ``tests/parser/test_kinds.py``):
field words mistyped by a pinyin input method or a look-alike (``反乡``, ``提问正常``, ``休温``:
:data:`bot.parser.vocab.TYPOS`, only the template's own words; one that is a word of its own only where a field
word stands) and dialect negations (``莫得`` ``没得`` ``冇`` = 没有), read before a message is split; count
words (``两口子`` ``老两口`` ``娘俩`` = 2, ``娘仨`` = 3); a list or a negation broken over lines
(``没有咳嗽、⏎乏力``, ``也没⏎外出``, ``体温：⏎36.5``); a part's count for the statement after it
(``其中2人⏎外出务工``); the household's other people (``其余2人在家``); a count and then the name it is of
(``隔离2人 钱明亮家``); a but ending the clause (``都正常就是王建国家…``); fillers and particles that do not make
``都挺好`` chat; ``36度多`` (no reading); where a returnee came from and one household's several readings in the
note; a symptom not named (``有点不舒服``) asked about. A report's questions (``…顺便问下口罩什么时候发？``) are
dropped and the rest is read.

Modules
=======
One module a step, in the order they build on each other: ``vocab`` (the words members write), ``schema``
(the template's words), ``rosterindex`` and ``context`` (what a parse reads), ``textnorm`` (1), ``classify``
(2), ``members`` (3), ``segment`` and ``table`` (4), ``names`` (5), ``tokens``, ``fieldwords``, ``options`` and
``bind`` (6),
``accumulate`` (7), ``builder`` (4–7 for one member), ``assemble`` (8); ``parse`` runs them. Beside the
steps: ``shortwords`` (field words cut short, ``隔1人``, derived from the template), ``mentions`` (a name
in passing) and ``doubts`` (what goes into ``uncertain``).
"""

from bot.parser.parse import parse_message
from bot.parser.rooms import RoomChain, RoomLine, parse_address, parse_rooms

__all__ = ["RoomChain", "RoomLine", "parse_address", "parse_message", "parse_rooms"]
