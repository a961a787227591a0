"""Running ``gridbot run`` as a separate process against :class:`handlers.offline.fakeapi.FakeBotApi`.

Used by the end-to-end tests (``tests/e2e``) and the load benchmark (``bench/load.py``). Nothing here is
special to tests inside gridbot: the process is the program users run, with a config whose ``base_url`` and
``base_file_url`` point at the stand-in.

* :func:`make_roster` builds a synthetic ledger (towns, grids, members with Telegram accounts, households with
  unique names) and :func:`write_roster_csv` writes it as the CSV that ``gridbot roster import`` reads.
* :func:`midday_zone` picks a fixed-offset zone (``Etc/GMT±N``) in which it is late morning now, so that a
  test's schedule, set relative to the real clock, never wraps past midnight.
* :class:`BotProcess` writes the config, imports the roster with the CLI, starts, kills (``SIGKILL``) and
  stops (``SIGTERM``) the process and keeps its log.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from handlers.offline.fakeapi import TOKEN, FakeBotApi, user_json

ROOT = Path(__file__).resolve().parents[2]

_SURNAMES = "赵钱孙李周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌马苗凤花方俞任袁柳"
_GIVEN = "建国秀英志强桂兰文斌秋菊海燕明辉玉珍德胜春梅永红晓东丽华宝山金凤国庆淑芬长青学军凤英红霞立新爱民雪梅振华"


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    username: str | None

    def json(self) -> dict[str, Any]:
        return user_json(self.user_id, self.name, self.username)


@dataclass
class GridSpec:
    index: int  # 1-based
    name: str  # 第一网格 ...
    village: str
    town: str
    chat_id: int
    leader: Person
    members: list[Person] = field(default_factory=list)
    #: member name -> household names, in roster order
    households: dict[str, list[str]] = field(default_factory=dict)
    #: members without an account in the roster (they link with /iam)
    unlinked: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.village}{self.name}"


@dataclass
class RosterSpec:
    grids: list[GridSpec]
    rows: list[dict[str, Any]]

    def all_households(self) -> set[str]:
        return {h for g in self.grids for hs in g.households.values() for h in hs}

    def member(self, name: str) -> tuple[GridSpec, Person]:
        for g in self.grids:
            for m in g.members:
                if m.name == name:
                    return g, m
        raise KeyError(name)


_NUMS = "一二三四五六七八九十"


def _names(n: int, length: int, taken: set[str], start: int = 0) -> list[str]:
    """``n`` distinct Chinese names of ``length`` (2 or 3) characters, none in ``taken`` (which is updated), in a
    fixed pseudo-random order."""
    rng = random.Random(length * 1000 + start)
    if length == 2:
        pool = [s + g for s in _SURNAMES for g in _GIVEN]
    else:
        pool = [s + g1 + g2 for s in _SURNAMES for g1 in _GIVEN for g2 in _GIVEN if g1 != g2]
    rng.shuffle(pool)
    out: list[str] = []
    for name in pool:
        # no name inside another (a household 李英立 next to a member 李英 would make reports ambiguous)
        if name not in taken and (length == 2 or (name[:2] not in taken and name[1:] not in taken)):
            taken.add(name)
            out.append(name)
            if len(out) == n:
                return out
    raise ValueError(f"cannot make {n} distinct names of {length} characters")


def make_roster(grids: int = 3, members: int = 10, households: int = 3, *, unlinked_per_grid: int = 1,
                town: str = "青山镇", village: str = "东风村", first_user_id: int = 10000) -> RosterSpec:
    """A ledger: ``grids`` grids of ``members`` members with ``households`` households each. The first member
    of each grid is its leader; the last ``unlinked_per_grid`` members have no account (they use /iam)."""
    taken: set[str] = set()
    member_names = _names(grids * members, 2, taken)
    household_names = _names(grids * members * households, 3, taken, start=11)
    specs: list[GridSpec] = []
    rows: list[dict[str, Any]] = []
    hi = 0
    for g in range(grids):
        gname = f"第{_NUMS[g] if g < 10 else g + 1}网格"
        people = [Person(first_user_id + g * 100 + m, member_names[g * members + m], f"e2e_m{g + 1}_{m + 1}")
                  for m in range(members)]
        spec = GridSpec(g + 1, gname, village, town, -100000000 - (g + 1), people[0], people)
        spec.unlinked = {p.name for p in people[members - unlinked_per_grid:]} if unlinked_per_grid else set()
        for m, p in enumerate(people):
            spec.households[p.name] = []
            for h in range(households):
                hname = household_names[hi]
                hi += 1
                spec.households[p.name].append(hname)
                rows.append({"镇": town, "村": village, "网格": gname, "网格员": p.name,
                             "账号": "" if p.name in spec.unlinked else f"@{p.username}", "户主": hname,
                             "住址": f"{village}{g + 1}组{m + 1}-{h + 1}号", "人口": 2 + (hi % 4),
                             "网格长": people[0].name, "网格长账号": f"@{people[0].username}"})
        specs.append(spec)
    return RosterSpec(specs, rows)


def write_roster_csv(spec: RosterSpec, path: Path) -> Path:
    cols = ["镇", "村", "网格", "网格员", "账号", "户主", "住址", "人口", "网格长", "网格长账号"]
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(spec.rows)
    return path


def midday_zone(now: datetime | None = None, hour: int = 11) -> ZoneInfo:
    """A fixed-offset zone in which the local hour is ``hour`` now (``Etc/GMT-8`` is UTC+8)."""
    utc = (now or datetime.now(UTC)).astimezone(UTC)
    offset = hour - utc.hour
    if offset < -12:
        offset += 24
    if offset > 14:
        offset -= 24
    return ZoneInfo("Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}")


def hhmm(dt: datetime) -> str:
    return dt.strftime("%H:%M")


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def write_config(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    lines = []
    for sec, kv in sections.items():
        lines.append(f"[{sec}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in kv.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class BotProcess:
    """``gridbot run`` in a child process, configured against ``api``.

    ``sections`` are merged over the defaults: the stand-in's URLs, ``storage.db_path = gridbot.db`` in
    ``workdir``, the zone from :func:`midday_zone`, log level INFO. With ``api`` None there is no Telegram
    (no ``[bot]`` URLs, no token in the environment): another adapter's section, e.g. ``[feishu]``, runs, and
    :meth:`start` waits for ``ready``.
    """

    def __init__(self, workdir: Path, api: FakeBotApi | None, sections: dict[str, dict[str, Any]] | None = None,
                 *, zone: ZoneInfo | None = None, env: dict[str, str] | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.api = api
        self.zone = zone or midday_zone()
        self.env = env or {}
        base: dict[str, dict[str, Any]] = {
            "bot": {"token_env": "GRIDBOT_TOKEN", "base_url": api.base_url, "base_file_url": api.base_file_url}
            if api is not None else {},
            "storage": {"db_path": "gridbot.db"},
            "reporting": {"timezone": self.zone.key},
            "logging": {"level": "INFO"},
        }
        for sec, kv in (sections or {}).items():
            base.setdefault(sec, {}).update(kv)
        self.sections = base
        self.config_path = write_config(self.workdir / "config.toml", base)
        self.log_path = self.workdir / "gridbot.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def db_path(self) -> Path:
        return self.workdir / "gridbot.db"

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
        env.update({"PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)})
        if self.api is not None:
            env["GRIDBOT_TOKEN"] = TOKEN
        env.update(self.env)
        return env

    def cli(self, *args: str, stdin: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
        """Run another ``gridbot`` command with this config (e.g. ``roster import``)."""
        return subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(self.config_path), *args],
                              cwd=self.workdir, env=self._env(), input=stdin, capture_output=True, timeout=timeout)

    def import_roster(self, spec: RosterSpec) -> None:
        path = write_roster_csv(spec, self.workdir / "roster.csv")
        r = self.cli("roster", "import", str(path))
        if r.returncode != 0:
            raise RuntimeError(f"roster import failed: {r.stderr.decode(errors='replace')}")

    def start(self, *, wait: bool = True, timeout: float = 60,
              ready: Callable[[BotProcess], bool] | None = None) -> BotProcess:
        """Start the process; with ``wait``, until it polls or listens for its webhook (Telegram), or until
        ``ready(self)`` holds (another adapter)."""
        before = self.api.get_updates_calls if self.api is not None else 0
        log = open(self.log_path, "ab")
        log.write(f"\n===== start {self.starts + 1} =====\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(self.config_path), "run"],
            cwd=self.workdir, env=self._env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        self.starts += 1
        if wait:
            if ready is not None or self.api is None:
                self.wait_until(ready or (lambda _: True), timeout, "start")
            elif self.webhook_port is not None:
                self.wait_webhook(timeout)
            else:
                self.wait_polling(before, timeout)
        return self

    @property
    def webhook_port(self) -> int | None:
        wh = self.sections.get("webhook", {})
        return int(wh["port"]) if wh.get("enabled") else None

    def wait_webhook(self, timeout: float = 60) -> None:
        """Wait until the process listens for its webhook (start-up done; setWebhook called), and point the
        stand-in's deliveries at it."""
        wh = self.sections["webhook"]
        path = urlsplit(str(wh["url"])).path
        self.api.webhook_target = f"http://127.0.0.1:{wh['port']}{path}"
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gridbot exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self.api.webhook is not None:
                try:
                    with socket.create_connection(("127.0.0.1", int(wh["port"])), timeout=0.5):
                        return
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"gridbot did not start its webhook:\n{self.log_tail()}")
            time.sleep(0.05)

    def wait_polling(self, before: int, timeout: float = 60) -> None:
        """Wait until the process polls (its start-up is done: services open, jobs scheduled)."""
        api = self.api
        assert api is not None
        self.wait_until(lambda _: api.get_updates_calls > before, timeout, "start polling")

    def wait_until(self, cond: Callable[[BotProcess], bool], timeout: float = 60, what: str = "start") -> None:
        """Poll ``cond(self)`` until it holds; raises when the process exits first or on the timeout."""
        deadline = time.monotonic() + timeout
        while not cond(self):
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gridbot exited with {self.proc.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"gridbot did not {what}:\n{self.log_tail()}")
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """``kill -9``."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 30) -> int | None:
        """A clean stop (SIGTERM, as systemd does). Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def rss_kb(self) -> int | None:
        """The process's resident memory (Linux), for the load benchmark."""
        if self.proc is None:
            return None
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    # ------------------------------------------------------------------ reading the database
    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A read-only query on the bot's database (WAL: safe while the bot runs)."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        try:
            return list(conn.execute(sql, params).fetchall())
        finally:
            conn.close()


def schedule_around(now: datetime, **minutes: int | list[int] | None) -> dict[str, Any]:
    """``[schedule]`` keys with times given as minutes from ``now`` (``None``: off)."""
    out: dict[str, Any] = {}
    base = now.replace(second=0, microsecond=0)
    for key, v in minutes.items():
        if v is None:
            out[key] = ""
        elif isinstance(v, list):
            out[key] = [hhmm(base + timedelta(minutes=m)) for m in v]
        else:
            out[key] = hhmm(base + timedelta(minutes=v))
    return out
