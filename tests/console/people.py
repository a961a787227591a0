"""The sample cast as the console sees them (signed-in users), and a household's reference by name."""

from __future__ import annotations

from typing import Any

from bot.console.scope import household_ref
from bot.core.chat import Sender
from bot.sample.cast import ADMIN, LIU, STATISTICIAN, STRANGER, WANG, ZHAO, Person


def as_sender(p: Person) -> Sender:
    return Sender(p.qid, p.username, p.first_name)


STAT = as_sender(STATISTICIAN)
LEADER1 = as_sender(LIU)  # 刘志宇, leader of 第一网格 (and a member there)
LEADER2 = as_sender(ZHAO)  # 赵丽, leader of 第二网格
MEMBER = as_sender(WANG)  # 王艳, a member of 第一网格
NOBODY = as_sender(STRANGER)
OPERATOR = as_sender(ADMIN)


async def ref_of(holder: Any, household: str) -> str:
    row = await holder.services.db.fetchone("SELECT id FROM households WHERE name = ?", (household,))
    return household_ref(int(row[0]))
