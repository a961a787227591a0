"""A full disk, in process (always runs): SQLite's ``PRAGMA max_page_count`` caps the database file, so a write
fails with SQLITE_FULL exactly as on a full disk. The end-to-end suite does the same with a tiny tmpfs where
mounting is permitted (tests/e2e/test_faults.py)."""

from __future__ import annotations

import logging

from bot.core import texts
from bot.sample.cast import GROUP1, WANG
from handlers.offline.bot import replies


async def counts(bot) -> tuple[int, int, int]:
    row = await bot.services.db.fetchone(
        "SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM member_reports), "
        "(SELECT COUNT(*) FROM messages)")
    return tuple(row)  # type: ignore[return-value]


async def test_full_database_user_told_nothing_half_written(bot, caplog) -> None:
    db = bot.services.db
    pages = (await db.fetchone("PRAGMA page_count"))[0]
    await db.conn.execute(f"PRAGMA max_page_count = {int(pages)}")
    before = await counts(bot)
    caplog.set_level(logging.INFO)
    long_report = "包联15户均正常。" + "今日入户走访，情况稳定。" * 400  # the message row needs new pages
    _, calls = await bot.post(GROUP1, WANG, long_report, "09:00")
    assert replies(calls) == [texts.ERROR]
    assert await counts(bot) == before  # nothing half-written
    assert not db.conn.in_transaction  # the connection is usable
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "OperationalError" in errors[0].getMessage()
    assert all("今日入户走访" not in r.getMessage() for r in caplog.records)  # no message text in the log
    await db.conn.execute("PRAGMA max_page_count = 1073741823")  # room again
    _, calls = await bot.post(GROUP1, WANG, "包联15户均正常", "09:05")
    assert replies(calls)[0].startswith("✅ 已记录 王艳")
    assert (await counts(bot))[1] == before[1] + 1
