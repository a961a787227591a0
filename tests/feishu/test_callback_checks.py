"""The HTTP callback's checks (handlers/feishu/receive.open_callback): decryption with the SDK's AESCipher, the
signature (the SDK's own check is the oracle), the verification token, the url_verification handshake."""

from __future__ import annotations

import json

import pytest
from lark_oapi.core.model import RawRequest
from lark_oapi.event.dispatcher_handler import EventDispatcherHandler

from handlers.feishu.receive import Refused, open_callback, signature
from tests.feishu.helpers import encrypt, message

KEY = "test-encrypt-key"
TOKEN = "vtok"


def signed(event: dict, key: str = KEY) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"encrypt": encrypt(json.dumps(event, ensure_ascii=False), key)}).encode()
    ts, nonce = "1764640000", "n0nce"
    return body, {"X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": nonce,
                  "X-Lark-Signature": signature(ts, nonce, key, body)}


def test_the_signature_is_the_sdks() -> None:
    body, headers = signed(message("text", {"text": "hi"}))
    req = RawRequest()
    req.body = body
    req.headers = headers
    EventDispatcherHandler()._verify_sign(req, KEY)  # raises when it disagrees
    headers["X-Lark-Signature"] = "0" * 64
    with pytest.raises(Exception, match="signature"):
        EventDispatcherHandler()._verify_sign(req, KEY)


def test_an_encrypted_signed_event_opens() -> None:
    ev = message("text", {"text": "王艳 17户"})
    body, headers = signed(ev)
    assert open_callback(body, headers, KEY, TOKEN) == ev


@pytest.mark.parametrize("fault", ["signature", "missing headers", "wrong key", "garbage cipher", "token",
                                   "not json", "plain although keyed"])
def test_a_bad_request_is_refused(fault: str) -> None:
    ev = message("text", {"text": "王艳 17户"})
    body, headers = signed(ev)
    if fault == "signature":
        headers["X-Lark-Signature"] = signature("1", "2", KEY, body)
    elif fault == "missing headers":
        headers = {}
    elif fault == "wrong key":
        body, headers = signed(ev, key="another-key")
    elif fault == "garbage cipher":
        body = json.dumps({"encrypt": "bm90IGEgY2lwaGVy"}).encode()
        headers["X-Lark-Signature"] = signature("1764640000", "n0nce", KEY, body)
    elif fault == "token":
        ev["header"]["token"] = "forged"
        body, headers = signed(ev)
    elif fault == "not json":
        body = b"\xff{{"
    elif fault == "plain although keyed":
        body = json.dumps(ev).encode()
    with pytest.raises(Refused):
        open_callback(body, headers, KEY, TOKEN)


def test_url_verification_and_plain_events_without_a_key() -> None:
    challenge = {"challenge": "c-123", "token": TOKEN, "type": "url_verification"}
    assert open_callback(json.dumps(challenge).encode(), {}, "", TOKEN)["challenge"] == "c-123"
    body = json.dumps({"encrypt": encrypt(json.dumps(challenge), KEY)}).encode()
    assert open_callback(body, {}, KEY, TOKEN)["challenge"] == "c-123"  # the handshake is not signed
    with pytest.raises(Refused):
        open_callback(json.dumps({**challenge, "token": "x"}).encode(), {}, "", TOKEN)
    ev = message("text", {"text": "hi"})
    assert open_callback(json.dumps(ev).encode(), {}, "", TOKEN) == ev
