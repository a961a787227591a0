"""An offline Bot API: a PTB request object that answers every call itself and records it.

The demo and the tests run the real ``Application`` with this in place of the HTTP client, so every handler,
the rate limiter and the job queue run exactly as against Telegram; only the network is missing.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "网格通", "username": "gridbot_demo_bot",
            "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    #: uploaded files (sendDocument, sendPhoto, ...): part name -> (file name, content, MIME type)
    files: dict[str, tuple[str | None, bytes, str]] = field(default_factory=dict)

    def file(self) -> tuple[str | None, bytes, str] | None:
        """The (first) uploaded file, if any."""
        return next(iter(self.files.values()), None)


@dataclass
class RecordingRequest(BaseRequest):
    """Answers Bot API methods offline. ``calls`` lists every call in order."""

    calls: list[Call] = field(default_factory=list)
    #: (chat_id, user_id) -> chat member status; the default is "member"
    member_status: dict[tuple[int, int], str] = field(default_factory=dict)
    #: chat ids that answer "Forbidden: bot was kicked" to sends
    kicked_chats: set[int] = field(default_factory=set)
    #: files the bot may download (getFile, then a GET of the file URL): file_id -> content
    files: dict[str, bytes] = field(default_factory=dict)
    #: method -> how many of its next calls answer 502 Bad Gateway (the Bot API unreachable)
    failing: dict[str, int] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(100000))

    def fail_next(self, method: str, n: int = 1) -> None:
        """The next ``n`` calls of ``method`` fail as if the Bot API were down (HTTP 502)."""
        self.failing[method] = self.failing.get(method, 0) + n

    def add_file(self, file_id: str, content: bytes) -> str:
        """Make ``content`` downloadable as ``file_id``; returns the file id."""
        self.files[file_id] = content
        return file_id

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def sent(self, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if method is None or c.method == method]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            str(c.params.get("text", ""))
            for c in self.calls
            if c.method in ("sendMessage", "editMessageText")
            and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if method == "GET" and "/files/" in url:  # a file download (File.download_*)
            file_id = url.rsplit("/files/", 1)[-1]
            self.calls.append(Call("downloadFile", {"file_id": file_id}))
            if file_id in self.files:
                return 200, self.files[file_id]
            return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str | None, bytes, str]] = {}
        if request_data is not None and request_data.contains_files:
            for part, (filename, content, mimetype) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                files[part] = (filename, data, mimetype)
        self.calls.append(Call(api_method, params, files=files))
        if self.failing.get(api_method):
            self.failing[api_method] -= 1
            return 502, json.dumps({"ok": False, "error_code": 502, "description": "Bad Gateway"}).encode()
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.kicked_chats and api_method.startswith("send"):
            return 403, json.dumps(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked from the group chat"}
            ).encode()
        result = self._answer(api_method, params)
        self.calls[-1].result = result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, method: str, p: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = int(p["chat_id"])
            msg: dict[str, Any] = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
            }
            if "text" in p:
                msg["text"] = p["text"]
            if method == "sendDocument":
                msg["document"] = {"file_id": f"doc{msg['message_id']}", "file_unique_id": f"u{msg['message_id']}"}
            if method == "sendPhoto":
                msg["photo"] = [{"file_id": f"ph{msg['message_id']}", "file_unique_id": f"u{msg['message_id']}",
                                 "width": 1, "height": 1}]
            return msg
        if method == "editMessageText":
            if "inline_message_id" in p:
                return True
            return {"message_id": int(p["message_id"]), "date": int(time.time()), "text": p.get("text", ""),
                    "chat": {"id": int(p["chat_id"]), "type": "supergroup"}}
        if method == "getChatMember":
            status = self.member_status.get((int(p["chat_id"]), int(p["user_id"])), "member")
            user = {"id": int(p["user_id"]), "is_bot": False, "first_name": "user"}
            if status == "administrator":
                return {"status": status, "user": user, "can_be_edited": False, "is_anonymous": False,
                        "can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": True,
                        "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
                        "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
                        "can_delete_stories": False}
            if status == "creator":
                return {"status": status, "user": user, "is_anonymous": False}
            return {"status": status, "user": user}
        if method == "getFile":
            fid = str(p["file_id"])
            if fid not in self.files:
                return {"file_id": fid, "file_unique_id": f"u{fid}"}
            return {"file_id": fid, "file_unique_id": f"u{fid}", "file_size": len(self.files[fid]),
                    "file_path": f"files/{fid}"}
        if method == "getUpdates":
            return []
        return True
