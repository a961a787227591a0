"""The callback's encryption and signature, as Feishu applies them (the stand-in plays Feishu).

Feishu encrypts an event body with the app's Encrypt Key: AES-256-CBC, the key is SHA-256 of the Encrypt
Key, a random 16-byte IV comes first, PKCS#7 padding, all of it base64 — the body becomes
``{"encrypt": "<base64>"}``. It signs the request: ``X-Lark-Signature`` is the hex SHA-256 of
``timestamp + nonce + encrypt_key`` followed by the raw body bytes, with the timestamp and nonce in
``X-Lark-Request-Timestamp`` and ``X-Lark-Request-Nonce``.

Only the encrypting side lives here. The receiving side is the SDK's own: ``lark_oapi.core.utils.AESCipher``
decrypts and ``lark_oapi.EventDispatcherHandler`` verifies the signature (the tests check this module
against both).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets

from Crypto.Cipher import AES  # pycryptodome, a dependency of lark-oapi (the SDK decrypts with it too)

SIGNATURE = "X-Lark-Signature"
TIMESTAMP = "X-Lark-Request-Timestamp"
NONCE = "X-Lark-Request-Nonce"


def encrypt(plaintext: str | bytes, encrypt_key: str, *, iv: bytes | None = None) -> str:
    """The base64 ``encrypt`` value for ``plaintext`` (``iv``: only for a test that needs it fixed)."""
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    key = hashlib.sha256(encrypt_key.encode("utf-8")).digest()
    iv = iv if iv is not None else os.urandom(AES.block_size)
    pad = AES.block_size - len(data) % AES.block_size
    cipher = AES.new(key, AES.MODE_CBC, iv)
    return base64.b64encode(iv + cipher.encrypt(data + bytes([pad]) * pad)).decode("ascii")


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """``X-Lark-Signature`` for a request body."""
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode("utf-8") + body).hexdigest()


def signed_headers(body: bytes, encrypt_key: str, timestamp: int) -> dict[str, str]:
    """The three signature headers of one callback request (a fresh nonce each time)."""
    ts, nonce = str(timestamp), secrets.token_hex(8)
    return {TIMESTAMP: ts, NONCE: nonce, SIGNATURE: signature(ts, nonce, encrypt_key, body)}
