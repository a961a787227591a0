"""The web console's progress page for a whole county, rendered on the server.

Builds the county of ``bench/summary_scale.py`` (300 grids, 5,000 members, 100,000 households, 60 days of
reports; generated once into its own file, reused while the parameters match), opens the core's services on
it with the console, signs an admin in through a one-time link (as ``/web`` would send it), and times, over
HTTP on 127.0.0.1 with aiohttp's client:

* ``GET /progress``: the whole page for the county (300 grid rows with their bars), the figures read from the
  indexed queries and the Jinja2 template rendered; target < 300 ms;
* the live poll of an open page when nothing changed (``X-Board-Version`` as shown): answered 204 from the
  version row, no figure read;
* ``GET /missing`` for the county, untimed by a target.

    .venv/bin/python bench/web_progress.py            # full scale (DB /tmp/gridbot-web-bench-full.db)
    .venv/bin/python bench/web_progress.py --small    # 8,000 households, 7 days
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import re
import statistics
import sys
import time as _time
from datetime import datetime, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also run as a script
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.summary_scale import END_DAY, FULL, SMALL, generate, is_current  # noqa: E402
from bot.config.settings import Config  # noqa: E402
from bot.config.web import WebConfig  # noqa: E402
from bot.core.chat import Sender  # noqa: E402
from bot.services import open_services  # noqa: E402
from handlers.web.adapter import WebAdapter  # noqa: E402

ADMIN = "tg:4242"
TARGET_S = 0.300


def _ms(ts: list[float]) -> str:
    return (f"median {statistics.median(ts) * 1000:7.1f} ms, best {min(ts) * 1000:7.1f} ms, "
            f"first {ts[0] * 1000:7.1f} ms")


async def measure(path: str, runs: int) -> dict[str, list[float] | int]:
    base = Config()
    cfg = dataclasses.replace(base, db_path=path, admins=(ADMIN,), web=WebConfig(enabled=True, port=0),
                              schedule=dataclasses.replace(base.schedule, enabled=False),
                              summary=dataclasses.replace(base.summary, retention_days=0))
    svc = await open_services(cfg, lambda: datetime.combine(END_DAY, time(21, 0), cfg.tz))
    web = WebAdapter()
    await web.start(svc)
    out: dict[str, list[float] | int] = {}
    try:
        link = (await svc.web.link("private", Sender(ADMIN))).text
        token = re.search(r"signin\?t=(\S+)", link).group(1)  # type: ignore[union-attr]
        root = f"http://127.0.0.1:{web.port}"
        async with aiohttp.ClientSession(root, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"/signin?t={token}") as r:
                pre = re.search(r'name="pre" value="([^"]*)"', await r.text()).group(1)  # type: ignore[union-attr]
            async with http.post("/signin", data={"t": token, "pre": pre}) as r:
                assert str(r.url).endswith("/progress"), r.status

            async def timed(url: str, headers: dict[str, str] | None = None) -> tuple[list[float], str, int]:
                ts, body, status = [], "", 0
                for _ in range(runs):
                    t = _time.perf_counter()
                    async with http.get(url, headers=headers) as r:
                        body, status = await r.text(), r.status
                    ts.append(_time.perf_counter() - t)
                return ts, body, status

            out["progress"], page, _ = await timed("/progress")
            out["grid_rows"] = page.count('<li class="row')
            version = re.search(r'data-version="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            out["poll_unchanged"], _, out["poll_status"] = await timed(
                "/progress", {"HX-Request": "true", "X-Board-Version": version})
            out["missing"], _, _ = await timed("/missing")
            out["page_bytes"] = len(page.encode("utf-8"))
    finally:
        await web.stop()
        await svc.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--small", action="store_true", help="a quick run: 8,000 households, 7 days")
    p.add_argument("--db", help="database path (default /tmp/gridbot-web-bench-{full,small}.db)")
    p.add_argument("--runs", type=int, default=7, help="timed requests per page")
    a = p.parse_args(argv)
    sc = SMALL if a.small else FULL
    path = Path(a.db or f"/tmp/gridbot-web-bench-{'small' if a.small else 'full'}.db")
    if not is_current(path, sc):
        print(f"generating {path} ...")
        generate(path, sc)
    else:
        print(f"reusing {path}")
    import logging

    logging.disable(logging.WARNING)
    m = asyncio.run(measure(str(path), a.runs))
    progress = m["progress"]
    assert isinstance(progress, list)
    ok = statistics.median(progress) < TARGET_S
    print(f"\nscale: {sc.towns * sc.villages * sc.grids} grids, {sc.members:,} members, {sc.households:,} households")
    print(f"  GET /progress, the county ({m['grid_rows']} grid rows, {int(m['page_bytes']) / 1000:.0f} kB)  "
          f"{_ms(progress)}  (target < {TARGET_S * 1000:.0f} ms){'  OK' if ok else '  OVER'}")
    print(f"  live poll, nothing changed (HTTP {m['poll_status']})               {_ms(m['poll_unchanged'])}")  # type: ignore[arg-type]
    print(f"  GET /missing, the county                                  {_ms(m['missing'])}")  # type: ignore[arg-type]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
