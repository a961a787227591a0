"""Feishu event payloads for the unit tests (schema 2.0, as the open platform sends them)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from Crypto.Cipher import AES

CHAT = "oc_" + "a1" * 16
USER = "ou_" + "b2" * 16
OTHER = "ou_" + "c3" * 16
BOT = "ou_" + "d4" * 16


def header(kind: str, event_id: str = "ev1", token: str = "vtok") -> dict[str, Any]:
    return {"event_id": event_id, "event_type": kind, "create_time": "1764640000000", "token": token,
            "app_id": "cli_test", "tenant_key": "tk"}


def message(msg_type: str, content: dict[str, Any], *, event_id: str = "ev1", message_id: str = "om_1",
            chat_type: str = "group", mentions: list[dict[str, Any]] | None = None, parent_id: str | None = None,
            sender: str = USER, sender_type: str = "user") -> dict[str, Any]:
    msg: dict[str, Any] = {"message_id": message_id, "chat_id": CHAT, "chat_type": chat_type,
                           "message_type": msg_type, "content": json.dumps(content, ensure_ascii=False),
                           "create_time": "1764640000000"}
    if mentions is not None:
        msg["mentions"] = mentions
    if parent_id:
        msg["parent_id"] = parent_id
        msg["root_id"] = parent_id
    return {"schema": "2.0", "header": header("im.message.receive_v1", event_id),
            "event": {"sender": {"sender_id": {"open_id": sender, "union_id": "on_x", "user_id": "u1"},
                                 "sender_type": sender_type, "tenant_key": "tk"}, "message": msg}}


def mention(key: str, open_id: str, name: str) -> dict[str, Any]:
    return {"key": key, "id": {"open_id": open_id, "union_id": "on_y", "user_id": ""}, "name": name,
            "tenant_key": "tk"}


def encrypt(plain: str, key: str) -> str:
    """Feishu's callback encryption: AES-256-CBC, key SHA-256(encrypt key), random IV first, PKCS7, base64."""
    k = hashlib.sha256(key.encode()).digest()
    iv = os.urandom(16)
    data = plain.encode()
    pad = 16 - len(data) % 16
    return base64.b64encode(iv + AES.new(k, AES.MODE_CBC, iv).encrypt(data + bytes([pad]) * pad)).decode()
