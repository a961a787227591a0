"""What the web console's repository (``storage/web.py``) returns: a sign-in session."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.ids import UserId


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: the chat user it was opened for (by the one-time link sent to them), and when it
    was opened and last used (ISO timestamps, UTC)."""

    key: str  # the SHA-256 of the cookie's value (the cookie itself is never stored)
    user_id: UserId
    username: str | None
    created_at: str
    seen_at: str
