"""Opening the SQLite database: WAL mode, a private file, migrations applied."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite

from storage.migrations import LATEST, MIGRATIONS

log = logging.getLogger(__name__)


class Database:
    """One aiosqlite connection with a write lock.

    aiosqlite runs every call on one worker thread, so statements never interleave, but a transaction spans
    several awaits; :meth:`transaction` holds an asyncio lock so that two coroutines never share one.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str):
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    await self.conn.execute("COMMIT")
                except BaseException:
                    # a COMMIT that failed (disk full, I/O error) may leave the transaction open: end it, so
                    # that nothing is half-written and the connection stays usable
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def close(self) -> None:
        await self.conn.close()


def _create_private(path: str) -> None:
    """Create the database file readable by its owner only (it holds personal data)."""
    if path == ":memory:" or path.startswith("file:"):
        return
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


async def migrate(db: Database, target: int = LATEST) -> int:
    """Apply the migrations after the database's version, up to ``target``. Returns the new version."""
    current = await db.version()
    if current > LATEST:
        raise RuntimeError(f"database version {current} is newer than this gridbot ({LATEST}); upgrade gridbot")
    pending = [m for m in MIGRATIONS if current < m[0] <= target]
    if not pending:
        return current
    # SQLite's procedure for a schema change that rebuilds a table (lang_altertable.html#otheralter):
    # foreign key enforcement off outside the transaction (the pragma does nothing inside one), the change,
    # a foreign key check before the commit, enforcement back on after it
    enforced = bool((await db.fetchone("PRAGMA foreign_keys"))[0])
    await db.conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for version, desc, sql in pending:
            async with db._lock:
                await db.conn.execute("BEGIN IMMEDIATE")
                try:
                    for stmt in _split(sql):
                        await db.conn.execute(stmt)
                    broken = await db.fetchall("PRAGMA foreign_key_check")
                    if broken:
                        tables = sorted({str(r[0]) for r in broken})
                        raise RuntimeError(f"migration {version} would break foreign keys in {', '.join(tables)}")
                    await db.conn.execute(f"PRAGMA user_version = {int(version)}")
                    await db.conn.execute("COMMIT")
                except BaseException:
                    await db.conn.execute("ROLLBACK")
                    raise
            log.info("database migrated to version %d: %s", version, desc)
            current = version
    finally:
        if enforced:
            await db.conn.execute("PRAGMA foreign_keys=ON")
    return current


def _split(script: str) -> list[str]:
    """The statements of a migration: split at each ``;`` that ends a complete statement (a trigger's body,
    ``BEGIN ... ; END``, holds semicolons of its own)."""
    out: list[str] = []
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip().rstrip(";").strip())
            buf = ""
    if buf.strip(" \n;"):
        out.append(buf.strip().rstrip(";").strip())
    return out


async def open_database(path: str, *, target: int = LATEST) -> Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    _create_private(path)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=NORMAL")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute("PRAGMA busy_timeout=5000")
    db = Database(conn, path)
    await migrate(db, target)
    return db
