"""Signed values of the web console: the one-time sign-in link's token and the CSRF token. Pure.

A link token is ``base64url(jti|user id|expiry)`` ``.`` ``base64url(HMAC-SHA256)``: it names the user it was
sent to and the last second it is valid, and is refused when its signature does not match. Single use is the
repository's (the ``jti`` is marked used once). A CSRF token is the HMAC of the session's cookie value: a page
of that session carries it in its forms, and another site cannot know it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

_SEP = "|"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, data: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), purpose.encode("ascii") + b"\0" + data, hashlib.sha256).digest()


@dataclass(frozen=True)
class LinkClaim:
    """What a valid signature says: the link's id, the user it was sent to, its expiry (Unix seconds)."""

    jti: str
    user_id: str
    expires: int


def sign_link(secret: str, claim: LinkClaim) -> str:
    body = _SEP.join((claim.jti, claim.user_id, str(claim.expires))).encode("utf-8")
    return f"{_b64(body)}.{_b64(_mac(secret, 'link', body))}"


def read_link(secret: str, token: str, now: int) -> LinkClaim | str:
    """The claim of a well-signed, unexpired token; else why not: ``"bad"`` or ``"expired"``."""
    try:
        body_text, sig_text = token.split(".")
        body, sig = _unb64(body_text), _unb64(sig_text)
    except (ValueError, TypeError):
        return "bad"
    if not hmac.compare_digest(sig, _mac(secret, "link", body)):
        return "bad"
    try:
        jti, user_id, expires = body.decode("utf-8").split(_SEP)
        claim = LinkClaim(jti, user_id, int(expires))
    except (UnicodeDecodeError, ValueError):
        return "bad"
    return claim if now <= claim.expires else "expired"


def csrf_token(secret: str, session_value: str) -> str:
    return _b64(_mac(secret, "csrf", session_value.encode("utf-8")))


def csrf_ok(secret: str, session_value: str, token: str) -> bool:
    return hmac.compare_digest(csrf_token(secret, session_value), token or "")


def session_key(session_value: str) -> str:
    """What the database stores for a session: the SHA-256 of the cookie's value, never the value."""
    return hashlib.sha256(session_value.encode("utf-8")).hexdigest()


def pseudonym(secret: str, user_id: str) -> str:
    """A short keyed hash of a user id for the sign-in log (no personal data, yet one user's lines match)."""
    return _b64(_mac(secret, "log", user_id.encode("utf-8")))[:10]
