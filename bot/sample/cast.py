"""The bundled village's people and chats: who the demo and the tests play.

Their names and accounts match ``roster.csv`` beside this file (青山镇东风村, three grids). Plain data: a chat
adapter's offline doubles turn them into its own updates (``handlers/offline/fake.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.ids import TELEGRAM, qualify


@dataclass(frozen=True)
class Person:
    id: int  # the Telegram user id (the offline doubles' updates carry it)
    first_name: str
    username: str | None = None

    @property
    def qid(self) -> str:
        """The id the core has for this person: platform-qualified (``tg:1001``, see bot/core/ids.py)."""
        return qualify(TELEGRAM, self.id)


@dataclass(frozen=True)
class Group:
    """A chat: a positive id is a private chat with that user, a negative one a group."""

    id: int  # the Telegram chat id
    title: str = ""

    @property
    def qid(self) -> str:
        """The id the core has for this chat: ``tg:-1001001``."""
        return qualify(TELEGRAM, self.id)


#: the demo's day, and the tests' (the first days of February 2020)
DAY = date(2020, 2, 10)

LIU = Person(1001, "刘志宇", "liuzhiyu")  # leader of 第一网格, linked by @username in the roster
WANG = Person(1002, "王艳", "wangyan_cn")  # member of 第一网格, linked by @username
CHEN = Person(1003, "陈明")  # member of 第一网格 without an account: links with /iam
ZHAO = Person(2001, "赵丽", "zhaoli2020")  # leader of 第二网格
ZHOU = Person(2002, "周强")  # member of 第二网格 without a username
LIUGL = Person(2003, "刘桂兰", "liuguilan")  # member of 第二网格
ZHANG = Person(3001, "张建国", "zhangjg")  # leader of 第三网格
MA = Person(3003, "马春生", "machunsheng")  # member of 第三网格
STRANGER = Person(9999, "路人甲")
ADMIN = Person(4242, "管理员")
STATISTICIAN = Person(5001, "李会计", "likuaiji")  # the village statistician (set by an admin)
STRANGER2 = Person(9998, "路人乙")

GROUP1 = Group(-1001001, "东风村第一网格群")
GROUP2 = Group(-1001002, "东风村第二网格群")
GROUP3 = Group(-1001003, "东风村第三网格群")
