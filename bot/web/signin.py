"""Signing in to the web console without a password, and its sessions.

* ``/web`` in a private chat (:meth:`WebSignIn.link`) sends a link: signed, bound to that user, valid
  ``web.link_minutes`` (at most 10) and once. Users without a role get no link; a user gets at most
  ``web.links_per_hour`` links an hour.
* Opening the link shows a page with one button; its POST (:meth:`WebSignIn.redeem`) marks the link used and
  opens a session. A link preview fetched by the chat platform (a GET) uses nothing.
* A session is a random cookie value; the database keeps its SHA-256 only. It ends after
  ``web.idle_minutes`` without a request, or on signing out. Its roles are looked up on every page, from the
  chat's rules (:func:`bot.stats.roles.resolve_viewer`), so a role taken away in the chat is gone on the web.

The log says what happened and a keyed hash of the user, never a name or a user id.
"""

from __future__ import annotations

import logging
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config.settings import Config
from bot.config.web import WebConfig
from bot.core import texts
from bot.core.chat import Reply, Sender
from bot.core.dates import ReportClock
from bot.core.web import WebSession
from bot.stats.hierarchy import Hierarchy
from bot.stats.roles import Viewer
from bot.stats.service import StatsService
from bot.web.tokens import LinkClaim, csrf_ok, csrf_token, pseudonym, read_link, session_key, sign_link
from storage.web import WebRepo

log = logging.getLogger(__name__)

#: a session's last-seen time is written at most this often (a live page asks every few seconds)
TOUCH_EVERY = timedelta(seconds=60)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Opened:
    """A session just opened: the cookie's value (given to the browser once) and the session."""

    value: str
    session: WebSession


class Attempts:
    """At most ``limit`` events per ``window`` for each key (failed sign-ins per client address). In memory:
    it slows down guessing on one process; the links themselves are unguessable."""

    def __init__(self, limit: int = 20, window: timedelta = timedelta(minutes=10)):
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[datetime]] = {}

    def blocked(self, key: str, now: datetime) -> bool:
        q = self._seen.get(key)
        if not q:
            return False
        while q and now - q[0] > self.window:
            q.popleft()
        if not q:
            del self._seen[key]
        return len(q) >= self.limit

    def add(self, key: str, now: datetime) -> None:
        if len(self._seen) > 10_000:  # a flood of addresses: forget the oldest half rather than grow
            for k in list(self._seen)[:5_000]:
                del self._seen[k]
        self._seen.setdefault(key, deque()).append(now)


class WebSignIn:
    def __init__(self, config: Config, repo: WebRepo, stats: StatsService, clock: ReportClock):
        self.config = config
        self.repo = repo
        self.stats = stats
        self.clock = clock
        self._secret: str | None = None
        self.failures = Attempts()

    @property
    def cfg(self) -> WebConfig:
        return self.config.web

    async def secret(self) -> str:
        if self._secret is None:
            self._secret = await self.repo.secret(secrets.token_urlsafe(32), _iso(self.clock.now()))
        return self._secret

    async def _who(self, user_id: str) -> str:
        return pseudonym(await self.secret(), user_id)

    # ------------------------------------------------------------------ the link (/web in a chat)
    async def link(self, chat_type: str, sender: Sender) -> Reply:
        """``/web``: the sign-in link, in a private chat, for a user with a role."""
        if chat_type != "private":
            return Reply(texts.WEB_PRIVATE_ONLY)
        if not self.cfg.enabled:
            return Reply(texts.WEB_DISABLED)
        h = await self.stats.hierarchy()
        viewer = await self.stats.viewer(h, sender)
        who = await self._who(sender.user_id)
        if viewer.stranger:
            log.info("web sign-in link refused to %s: no role", who)
            return Reply(texts.STATS_NO_ROLE)
        now = self.clock.now()
        if await self.repo.links_since(sender.user_id, _iso(now - timedelta(hours=1))) >= self.cfg.links_per_hour:
            log.info("web sign-in link refused to %s: too many this hour", who)
            return Reply(texts.WEB_TOO_MANY)
        expires = now + timedelta(minutes=self.cfg.link_minutes)
        claim = LinkClaim(secrets.token_urlsafe(12), sender.user_id, int(expires.timestamp()))
        await self.repo.add_link(claim.jti, sender.user_id, sender.username, _iso(now), _iso(expires))
        token = sign_link(await self.secret(), claim)
        log.info("web sign-in link sent to %s (%s)", who, ",".join(sorted(viewer.roles)))
        return Reply(texts.WEB_LINK.format(minutes=self.cfg.link_minutes, url=f"{self.cfg.root}/signin?t={token}"))

    # ------------------------------------------------------------------ opening a session
    async def redeem(self, token: str, client: str) -> Opened | str:
        """Open a session with a link's token, or say why not: ``"bad"`` (forged or garbled), ``"expired"``,
        ``"used"`` (used before, or never sent), ``"blocked"`` (too many failures from this client)."""
        now = self.clock.now()
        if self.failures.blocked(client, now):
            log.warning("web sign-in refused: too many failures from one client")
            return "blocked"
        claim = read_link(await self.secret(), token, int(now.timestamp()))
        if isinstance(claim, str):
            self.failures.add(client, now)
            log.info("web sign-in refused: %s link", claim)
            return claim
        ok, username = await self.repo.use_link(claim.jti, claim.user_id, _iso(now))
        if not ok:
            self.failures.add(client, now)
            log.info("web sign-in refused to %s: link used before", await self._who(claim.user_id))
            return "used"
        value = secrets.token_urlsafe(32)
        stamp = _iso(now)
        key = session_key(value)
        await self.repo.open_session(key, claim.user_id, username, stamp)
        log.info("web sign-in of %s", await self._who(claim.user_id))
        return Opened(value, WebSession(key, claim.user_id, username, stamp, stamp))

    # ------------------------------------------------------------------ a request's session
    async def session(self, value: str | None) -> WebSession | None:
        """The open session of a cookie's value; None when there is none, it ended, or it was idle too long."""
        if not value:
            return None
        s = await self.repo.session(session_key(value))
        if s is None:
            return None
        now = self.clock.now()
        seen = datetime.fromisoformat(s.seen_at)
        if now - seen > timedelta(minutes=self.cfg.idle_minutes):
            await self.repo.end_session(s.key, _iso(now))
            log.info("web session of %s ended: idle", await self._who(s.user_id))
            return None
        if now - seen >= TOUCH_EVERY:
            await self.repo.touch(s.key, _iso(now))
        return s

    async def sign_out(self, value: str) -> None:
        await self.repo.end_session(session_key(value), _iso(self.clock.now()))

    async def viewer(self, s: WebSession) -> tuple[Hierarchy, Viewer]:
        """The session's user as the chat sees them now: the hierarchy and their roles and scope."""
        h = await self.stats.hierarchy()
        return h, await self.stats.viewer(h, Sender(s.user_id, s.username))

    async def csrf(self, value: str) -> str:
        return csrf_token(await self.secret(), value)

    async def csrf_ok(self, value: str, token: str) -> bool:
        return csrf_ok(await self.secret(), value, token)

    async def purge(self) -> int:
        """Forget expired links and sessions idle past their timeout."""
        before = self.clock.now() - timedelta(minutes=max(self.cfg.idle_minutes, self.cfg.link_minutes))
        return await self.repo.purge(_iso(before))
