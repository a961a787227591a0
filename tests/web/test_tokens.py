"""The console's signed values (bot/web/tokens.py) and its repository's report versions (storage/web.py)."""

from __future__ import annotations

from pathlib import Path

from bot.web.tokens import LinkClaim, csrf_ok, csrf_token, read_link, session_key, sign_link
from storage.db import open_database
from storage.web import WebRepo


def test_a_link_token_reads_back_only_with_its_secret_and_before_its_expiry() -> None:
    claim = LinkClaim("abc", "tg:5151", 1000)
    token = sign_link("s1", claim)
    assert read_link("s1", token, 999) == claim
    assert read_link("s1", token, 1000) == claim
    assert read_link("s1", token, 1001) == "expired"
    assert read_link("s2", token, 999) == "bad"
    body, sig = token.split(".")
    other = sign_link("s1", LinkClaim("abc", "tg:1", 1000)).split(".")[0]
    assert read_link("s1", f"{other}.{sig}", 999) == "bad"  # another user's claim under this signature
    for garbled in ("", ".", "x", "a.b.c", token + "x", "%%.%%"):
        assert read_link("s1", garbled, 999) == "bad"


def test_csrf_tokens_belong_to_one_session() -> None:
    t = csrf_token("s", "cookie-1")
    assert csrf_ok("s", "cookie-1", t)
    assert not csrf_ok("s", "cookie-2", t)
    assert not csrf_ok("s", "cookie-1", "")
    assert session_key("cookie-1") != "cookie-1" and len(session_key("cookie-1")) == 64


async def test_the_report_version_moves_with_every_change_of_the_days_reports(tmp_path: Path) -> None:
    db = await open_database(str(tmp_path / "v.db"))
    try:
        repo = WebRepo(db)
        assert await repo.live_version("2020-02-10") == "0.0"
        async with db.transaction() as c:
            await c.execute("INSERT INTO grids (id, name) VALUES (1, 'g')")
            await c.execute("INSERT INTO members (id, grid_id, name) VALUES (1, 1, 'm')")
            await c.execute("INSERT INTO households (id, member_id, name, address) VALUES (1, 1, 'h', '')")
            await c.execute("INSERT INTO messages (id, chat_id, message_id, sender_user_id, day, text, received_at) "
                            "VALUES (1, 'tg:1', '1', 'tg:1', '2020-02-10', 't', 'x')")
            await c.execute("INSERT INTO member_reports (id, message_row_id, member_id, day, created_at) "
                            "VALUES (1, 1, 1, '2020-02-10', 'x')")
        seen = [await repo.live_version("2020-02-10")]
        for sql in ("INSERT INTO reports (id, household_id, day, member_id, member_report_id, data, reported_at) "
                    "VALUES (1, 1, '2020-02-10', 1, 1, '{}', 'x')",
                    "UPDATE reports SET data = '{\"people\": 2}' WHERE id = 1",
                    "DELETE FROM reports WHERE id = 1"):
            async with db.transaction() as c:
                await c.execute(sql)
            seen.append(await repo.live_version("2020-02-10"))
        assert seen == ["0.0", "0.1", "0.2", "0.3"]
        assert await repo.live_version("2020-02-11") == "0.0"  # another day's page did not move
    finally:
        await db.close()
