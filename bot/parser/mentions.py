"""A household named in passing is not reported: ``王建国家门口的路又堵了``, ``明天去薛文斌家看看``.

Group chats name households all day without reporting them: the road outside a house, a dog that got
out, a visit planned for tomorrow, a question about whether a household was counted. Reading such a clause
as the household's report (its words as a note) would mark the household reported and store chit-chat.

Only clauses that state nothing (no field, count, temperature or normal word: prose that would become a
note) are judged here, so that a real report in few words (``王建国家4人``, ``王建国 正常``) is never lost.
Such a clause is a mere mention when

* the speaker does something *to* the household: a verb of the writer before the name (``去`` ``到``
  ``找`` ``问`` ``帮`` ``给`` ``路过`` …: ``明天去薛文斌家看看``);
* the name is a place or an owner of things: ``家门口`` ``家附近`` ``家旁边`` ``家的狗`` ``家的车``
  (``家的`` followed by anything but a person: ``家的儿子`` is still about the household's people);
* the clause asks about the household: ``王建国家报了没`` ``王建国家呢`` ``王建国家什么情况``;
* the clause thanks, congratulates or greets (``谢谢王建国家送来的…``, ``…考上大学了，恭喜``).
"""

from __future__ import annotations

import re

from bot.parser.names import Ref

#: A verb of the writer right before the name (``去王建国家`` ``在王建国家吃饭``; not ``现在``).
_WRITER_VERB_RE = re.compile(
    r"(?:去|到|找|问|帮|给|替|让|叫|喊|陪|送|从|路过|经过|拜访|谢谢|感谢|多谢|恭喜|祝贺|(?<![现正还都住也不])在)"
    r"(?:了|过|一下|一趟)?\s*$"
)
#: Person words after ``家的``: ``王建国家的儿子`` is about the household's people, not its things.
_PERSON_RE = re.compile(
    r"(?:人|老|小孩|孩子|娃|儿|女|孙|外孙|父|母|爸|妈|爷|奶|公公|婆婆|老伴|夫|妻|媳|婿|哥|姐|弟|妹|叔|婶|姨|舅|"
    r"侄|亲戚|家属|客人|成员|户主|本人|一家|全家|两口|2口|\d)"
)
#: Places and things of a household: 门口, 附近, 院子, 狗, 车, 房子 … (after the name and its 家/户).
_THING_RE = re.compile(
    r"(?:门口|门前|门外|大门|附近|旁边|边上|隔壁|后面|前面|后边|前边|后头|前头|那边|这边|那里|这里|对面|楼下|楼上|"
    r"那条|这条|那个|这个|那栋|那片|巷子|胡同|路灯|"
    r"院子|院里|院墙|屋后|屋前|房后|房前|地里|田里|菜地|菜园|果园|鱼塘|路口|路上|路|狗|猫|鸡|鸭|鹅|牛|羊|猪|车|"
    r"房子|墙|水管|水表|电表|电线|电|网线|宽带|灯|烟囱|柴|垃圾|快递|包裹|东西|地址|门牌|电话|微信)"
)
#: A thing of the household further on (``今年的猪``, ``新买的车``): the clause is about it, not about people.
_THINGS_OF_RE = re.compile(
    r"(?:的|他家|她家|家里)(?:猪|狗|猫|鸡|鸭|鹅|牛|羊|车|房子|庄稼|麦子|稻子|玉米|菜|果树|鱼塘|院子|地|水管|暖气|电表|水表|"
    r"房顶|屋顶|墙)"
)
#: The clause asks about the household.
_QUESTION_RE = re.compile(
    r"(?:呢|吗|么|嘛|了没|了没有|报没报|报了没|没报|还没报|怎么样|怎样|咋样|咋回事|如何|什么情况|啥情况|是不是|"
    r"有没有|对不对|是谁|谁家|几个人|多少人)\s*[了的]?\s*$|^(?:呢|怎么|咋|什么|啥|是不是|有没有)|"
    r"(?:是不是|有没有|报没报|报过没)(?:已经)?(?:报|上报|登记|统计|填)"  # 王建国家是不是报过了
)


#: Thanks, congratulations and greetings: a clause with one of them is chat, whoever it names.
_CHAT_RE = re.compile(
    r"谢谢|感谢|多谢|恭喜|祝贺|辛苦了|哈哈|呵呵|考上|结婚|满月|生日|喜酒|喜事|办酒|摆酒|吃席|婚礼|红包|拜年好|新年快乐"
)


def mere_mention(ref: Ref, before: str) -> bool:
    """Whether a prose-only clause names ``ref`` only in passing (see the module docstring).

    ``before`` is the unit's text before the name (the clause's own, and what came just before it).
    """
    after = ref.after.strip()
    if _WRITER_VERB_RE.search(before) or _CHAT_RE.search(after):
        return True
    if after.startswith("的"):
        rest = after[1:]
        if not _PERSON_RE.match(rest):
            return True
    elif _THING_RE.match(after) or _THINGS_OF_RE.search(after):
        return True  # 王建国家门口… / 汪振华家今年的猪养得真好
    return bool(_QUESTION_RE.search(after))
