"""``gridbot backup``: a consistent copy of the live database with SQLite's online backup API.

The copy is taken in one step (a single read transaction), so it is consistent even while the bot writes;
it is written to a temporary file beside the target, created readable by its owner only, and renamed into
place when complete.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile


class BackupError(Exception):
    pass


def backup_database(src_path: str, dest_path: str) -> int:
    """Copy the database at ``src_path`` to ``dest_path``. Returns the number of pages copied."""
    if not os.path.exists(src_path):
        raise BackupError(f"no database at {src_path}")
    if os.path.abspath(src_path) == os.path.abspath(dest_path):
        raise BackupError("the backup file must not be the database itself")
    dest_dir = os.path.dirname(os.path.abspath(dest_path))
    if not os.path.isdir(dest_dir):
        raise BackupError(f"no such directory: {dest_dir}")
    fd, tmp = tempfile.mkstemp(prefix=".gridbot-backup-", suffix=".db", dir=dest_dir)  # mode 0600
    os.close(fd)
    try:
        src = sqlite3.connect(src_path, timeout=30)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)  # all pages in one step: one consistent snapshot
                pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(tmp, dest_path)
    except sqlite3.Error as e:
        raise BackupError(f"backup failed: {e}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return pages
