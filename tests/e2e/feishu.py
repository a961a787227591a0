"""The Feishu side of the end-to-end suite: ``gridbot run`` as its own process with only a ``[feishu]`` section,
against the Feishu stand-in (handlers/offline/feishu), in either receiving mode.

:class:`FeishuTown` is the synthetic ledger of :func:`handlers.offline.botproc.make_roster` on Feishu: every
person is a stand-in user, every grid a stand-in group owned by its leader, and the roster's 账号 columns
carry the users' qualified ids (``feishu:ou_…``) instead of Telegram @usernames.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers.offline.botproc import BotProcess, GridSpec, RosterSpec, midday_zone
from handlers.offline.feishu import FeishuChat, FeishuStandIn, FeishuUser
from handlers.offline.feishu.state import Message

SECRET_ENV = "E2E_FEISHU_APP_SECRET"
KEY_ENV = "E2E_FEISHU_ENCRYPT_KEY"
TOKEN_ENV = "E2E_FEISHU_VERIFICATION_TOKEN"
EVENTS_PATH = "/feishu/events"
STATISTICIAN = "统计员"
ADMIN = "管理员"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FeishuTown:
    """The stand-in's tenant for a roster: users by person name, each grid's group by grid name."""

    standin: FeishuStandIn
    roster: RosterSpec
    users: dict[str, FeishuUser] = field(default_factory=dict)
    groups: dict[str, FeishuChat] = field(default_factory=dict)
    #: every text members posted (the log must hold none of them)
    posted: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, standin: FeishuStandIn, roster: RosterSpec) -> FeishuTown:
        town = cls(standin, roster)
        for name in (STATISTICIAN, ADMIN):
            town.users[name] = standin.add_user(name)
        for g in roster.grids:
            people = [standin.add_user(p.name) for p in g.members]
            town.users.update({u.name: u for u in people})
            town.groups[g.name] = standin.add_chat(f"{g.label}群", people, owner=people[0])
        for row in roster.rows:  # the roster names each linked person by their Feishu id
            if row["账号"]:
                row["账号"] = f"feishu:{town.users[row['网格员']].open_id}"
            row["网格长账号"] = f"feishu:{town.users[row['网格长']].open_id}"
        return town

    def qualified(self, name: str) -> str:
        return f"feishu:{self.users[name].open_id}"

    def group(self, g: GridSpec) -> FeishuChat:
        return self.groups[g.name]

    def post(self, g: GridSpec, name: str, text: str) -> str:
        self.posted.append(text)
        return self.standin.post_text(self.group(g), self.users[name], text)

    def private(self, name: str, text: str) -> str:
        user = self.users[name]
        self.posted.append(text)
        return self.standin.post_text(self.standin.private_chat(user), user, text)

    def private_chat(self, name: str) -> FeishuChat:
        return self.standin.private_chat(self.users[name])

    def reply(self, message_id: str, timeout: float = 30, n: int = 1) -> Message:
        return self.standin.wait_reply(message_id, timeout, n)[n - 1]

    def sent_texts(self, chat: FeishuChat, prefix: str) -> list[Message]:
        return [m for m in self.standin.sent(chat) if m.text.startswith(prefix)]


def feishu_bot(workdir: Path, standin: FeishuStandIn, mode: str, sections: dict[str, dict[str, Any]] | None = None,
               *, zone: ZoneInfo | None = None, port: int | None = None) -> BotProcess:
    """``gridbot run`` configured with only the ``[feishu]`` section (base_url: the stand-in); the secrets in
    the child's environment. In callback mode it listens on ``port`` (a free one by default)."""
    feishu: dict[str, Any] = {"enabled": True, "app_id": standin.app_id, "app_secret_env": SECRET_ENV,
                              "encrypt_key_env": KEY_ENV, "verification_token_env": TOKEN_ENV, "mode": mode,
                              "base_url": standin.base_url, "ack_window_s": 0}
    if mode == "callback":
        feishu.update({"listen": "127.0.0.1", "port": port or free_port(), "path": EVENTS_PATH})
    base: dict[str, dict[str, Any]] = {"feishu": feishu}
    for sec, kv in (sections or {}).items():
        base.setdefault(sec, {}).update(kv)
    env = {SECRET_ENV: standin.app_secret, KEY_ENV: standin.encrypt_key, TOKEN_ENV: standin.verification_token}
    return BotProcess(workdir, None, base, zone=zone or midday_zone(), env=env)


def start_feishu(bot: BotProcess, standin: FeishuStandIn, timeout: float = 60) -> BotProcess:
    """Start the process and point the stand-in's event subscription at it once it is up: its request URL in
    callback mode (once it listens), else the long connection (events wait in the stand-in until it is open)."""
    feishu = bot.sections["feishu"]
    if feishu["mode"] == "callback":
        def listening(_: BotProcess) -> bool:
            try:
                with socket.create_connection(("127.0.0.1", int(feishu["port"])), timeout=0.5):
                    return True
            except OSError:
                return False

        bot.start(ready=listening, timeout=timeout)
        standin.use_callback(f"http://127.0.0.1:{feishu['port']}{EVENTS_PATH}")
    else:
        standin.use_websocket()
        bot.start(ready=lambda b: "feishu adapter started" in b.log_text(), timeout=timeout)
    return bot
