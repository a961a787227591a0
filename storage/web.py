"""The web console's tables (migration 10): the signing secret, the sign-in links, the sessions, and the
report days' versions (kept by triggers on ``reports``).

Timestamps are ISO strings in UTC, compared as text.
"""

from __future__ import annotations

from bot.core.web import WebSession
from storage.db import Database


class WebRepo:
    def __init__(self, db: Database):
        self.db = db

    async def secret(self, fresh: str, now: str) -> str:
        """The console's signing secret: the stored one, or ``fresh`` stored now (the first start). Every
        process on the database signs and checks with the same secret."""
        async with self.db.transaction() as c:
            await c.execute("INSERT OR IGNORE INTO web_secret (id, secret, created_at) VALUES (1, ?, ?)", (fresh, now))
            async with c.execute("SELECT secret FROM web_secret WHERE id = 1") as cur:
                row = await cur.fetchone()
        assert row is not None
        return str(row[0])

    # ------------------------------------------------------------------ sign-in links
    async def links_since(self, user_id: str, since: str) -> int:
        """How many links were sent to this user since ``since`` (the rate limit)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM web_links WHERE user_id = ? AND issued_at >= ?", (user_id, since))
        return int(row[0]) if row else 0

    async def add_link(self, jti: str, user_id: str, username: str | None, issued_at: str, expires_at: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "INSERT INTO web_links (jti, user_id, username, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (jti, user_id, username, issued_at, expires_at))

    async def use_link(self, jti: str, user_id: str, now: str) -> tuple[bool, str | None]:
        """Mark the link used, once: (True, the username it was sent to), or (False, None) when it is unknown,
        of another user, expired or used before."""
        async with self.db.transaction() as c:
            cur = await c.execute(
                "UPDATE web_links SET used_at = ? WHERE jti = ? AND user_id = ? AND used_at IS NULL "
                "AND expires_at > ?", (now, jti, user_id, now))
            if cur.rowcount != 1:
                return False, None
            async with c.execute("SELECT username FROM web_links WHERE jti = ?", (jti,)) as q:
                row = await q.fetchone()
        return True, (row[0] if row else None)

    # ------------------------------------------------------------------ sessions
    async def open_session(self, key: str, user_id: str, username: str | None, now: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(
                "INSERT INTO web_sessions (id, user_id, username, created_at, seen_at) VALUES (?, ?, ?, ?, ?)",
                (key, user_id, username, now, now))

    async def session(self, key: str) -> WebSession | None:
        """The open session with this key (ended ones are None)."""
        r = await self.db.fetchone(
            "SELECT id, user_id, username, created_at, seen_at FROM web_sessions WHERE id = ? AND ended_at IS NULL",
            (key,))
        return None if r is None else WebSession(r[0], r[1], r[2], r[3], r[4])

    async def touch(self, key: str, now: str) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE web_sessions SET seen_at = ? WHERE id = ?", (now, key))

    async def end_session(self, key: str, now: str) -> None:
        async with self.db.transaction() as c:
            await c.execute("UPDATE web_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL", (now, key))

    async def purge(self, before: str) -> int:
        """Delete links that expired and sessions last seen before ``before``; returns the rows deleted."""
        async with self.db.transaction() as c:
            a = await c.execute("DELETE FROM web_links WHERE expires_at < ?", (before,))
            b = await c.execute("DELETE FROM web_sessions WHERE seen_at < ? OR ended_at IS NOT NULL", (before,))
            return max(a.rowcount, 0) + max(b.rowcount, 0)

    # ------------------------------------------------------------------ live pages
    async def live_version(self, day: str) -> str:
        """What a live page of ``day`` shows changes only when this does: the roster's import count and the
        day's reports' version, which triggers (migration 10) bump whenever one of that day's reports is
        stored, replaced or deleted. Two indexed rows; no figure is read."""
        row = await self.db.fetchone(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM roster_imports), "
            "(SELECT COALESCE(MAX(version), 0) FROM report_versions WHERE day = ?)", (day,))
        return f"{row[0]}.{row[1]}" if row else "0.0"
