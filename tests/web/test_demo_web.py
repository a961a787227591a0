"""``gridbot demo --web`` as a user runs it: the day is played, the console serves the kept demo database on
127.0.0.1, and the printed sign-in link opens a session whose progress page shows the village."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_demo_web_serves_the_demo_database_and_prints_a_link(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "demo", "--web", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert proc.stdout is not None
        out: list[str] = []
        deadline = time.monotonic() + 120
        link = None
        while link is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out.append(line)
            m = re.search(rf"(http://127\.0\.0\.1:{port}/signin\?t=\S+)", line)
            link = m.group(1) if m else None
        assert link, "".join(out)
        db = re.search(r"演示数据库：(\S+)", "".join(out))
        assert db and Path(db.group(1)).exists()
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            async with http.get(link) as r:
                page = await r.text()
            token = re.search(r'name="t" value="([^"]*)"', page).group(1)
            pre = re.search(r'name="pre" value="([^"]*)"', page).group(1)
            async with http.post(f"http://127.0.0.1:{port}/signin", data={"t": token, "pre": pre}) as r:
                assert r.status == 200 and str(r.url).endswith("/progress")
                html = await r.text()
        assert "东风村" in html and "第三网格" in html
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    shutil.rmtree(Path(db.group(1)).parent)
