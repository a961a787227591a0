"""The Feishu adapter as a separate process against the stand-in (long connection): ``kill -9`` in the middle
of a burst loses nothing; after the restart every report is stored once and answered."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.config.settings import load_config
from bot.core.chat import Sender
from bot.core.roster import read_roster_bytes
from bot.services import open_services
from handlers.offline.feishu import FeishuStandIn
from tests.feishu.harness import KEY_ENV, SECRET_ENV, TOKEN_ENV, feishu_roster

ROOT = Path(__file__).resolve().parents[2]
RUN = "import logging, sys; logging.basicConfig(level=logging.INFO); from bot.config.settings import load_config; from handlers.feishu.adapter import FeishuAdapter; " \
      "FeishuAdapter().run(load_config(sys.argv[1]))"


def start(config: Path, log: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN, str(config)], cwd=ROOT, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_kill_9_mid_burst_loses_nothing(tmp_path: Path) -> None:
    quick = {"ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120}
    standin = FeishuStandIn(client_config=quick, retry_delays=(2.0, 5.0, 10.0, 20.0, 40.0)).start()
    proc: subprocess.Popen | None = None
    try:
        users = {n: standin.add_user(n) for n in ("刘志宇", "王艳", "赵丽")}
        group = standin.add_chat("东风村第一网格群", [users["刘志宇"], users["王艳"]], owner=users["刘志宇"])
        standin.use_websocket()
        cfg = tmp_path / "gridbot.toml"
        cfg.write_text(f'''[storage]
db_path = "gridbot.db"
[feishu]
enabled = true
app_id = "{standin.app_id}"
app_secret_env = "{SECRET_ENV}"
encrypt_key_env = "{KEY_ENV}"
verification_token_env = "{TOKEN_ENV}"
mode = "websocket"
base_url = "{standin.base_url}"
ack_window_s = 3
''', encoding="utf-8")
        config = load_config(cfg)
        services = await open_services(config)
        await services.reports.import_roster(read_roster_bytes(feishu_roster(users), "roster.csv").rows, "sample")
        await services.reports.bind(f"feishu:{group.chat_id}", "group", Sender(f"feishu:{users['刘志宇'].open_id}"),
                                    True, "第一网格")
        roster = await services.reports.roster()
        await services.close()
        env = {**os.environ, "PYTHONPATH": str(ROOT), SECRET_ENV: standin.app_secret, KEY_ENV: standin.encrypt_key,
               TOKEN_ENV: standin.verification_token}
        log = tmp_path / "bot.log"
        proc = start(cfg, log, env)

        posts: list[tuple[str, str, str]] = []  # (message id, member, household)
        for name in ("刘志宇", "王艳"):
            for h in [h.name for h in roster.find_member(name).households][:6]:
                posts.append((standin.post_text(group, users[name], f"{h}家3人，体温36.5"), name, h))
        # the first answer (acknowledgements are held 3 s and merged): then some events are acknowledged,
        # some not yet, and some replies are held in the window, committed and not sent
        await asyncio.to_thread(standin.wait_for, lambda: standin.sent(group), 60, "the first answer")
        os.kill(proc.pid, signal.SIGKILL)  # mid-burst
        proc.wait(10)
        proc = start(cfg, log, env)
        db = sqlite3.connect(tmp_path / "gridbot.db", timeout=10, check_same_thread=False)

        def settled() -> bool:
            stored = db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
            unsent = db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
            open_ = db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
            return stored >= len(posts) and unsent == 0 and open_ == 0

        await asyncio.to_thread(standin.wait_for, settled, 120, "every report stored and answered")
        rows = db.execute("SELECT h.name, m.name FROM reports r JOIN households h ON h.id = r.household_id "
                          "JOIN members m ON m.id = r.member_id").fetchall()
        assert sorted(rows) == sorted((h, name) for _, name, h in posts)  # each once
        # each answered: quoting it, or in a merged acknowledgement (a busy group); twice at most (killed
        # between a send and its record)
        merged = "\n".join(m.text for m in standin.sent(group) if m.parent_id is None)
        for mid, name, _ in posts:
            assert 1 <= len(standin.replies_to(mid)) <= 2 or name in merged
        text = log.read_text(encoding="utf-8", errors="replace")
        for _, _, h in posts:
            assert h not in text  # nothing personal in the log
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        standin.stop()
