"""Fuzzing with hypothesis: the parser, roster imports from random CSV and XLSX files, and what random reports
leave in the database. 0 crashes and no stored garbage.

``GRIDBOT_FUZZ_EXAMPLES`` scales every test (CI: the defaults below; ``scripts/extended``: 10,000 for the
parser and proportionally more for the rest).
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
from datetime import datetime, time
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import bot.sample as bot_sample
from bot.config.settings import Config
from bot.core.roster import COLUMNS, RosterFileError, load_roster, read_roster_bytes
from bot.parser import parse_message, parse_rooms
from bot.sample.cast import DAY, GROUP1, LIU, WANG
from handlers.offline.bot import OfflineBot
from tests.parser.fixtures import ROSTER, TEMPLATE
from tests.parser.strategies import CAMPAIGN, SCALE, check_contract, examples, messages, senders


def fuzz(ci: int, share: float = 1.0) -> settings:
    return settings(max_examples=examples(ci, share), deadline=None, derandomize=not SCALE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------------------------------------- the parser
@fuzz(300)
@given(st.one_of(messages, st.text(max_size=400), st.text(alphabet="0123456789 .,，。户人口体温正常发热返乡隔离\n除外家",
                                                             max_size=300)), senders)
def test_parser_never_crashes_and_keeps_its_contract(text: str, sender) -> None:
    result = parse_message(text, sender, ROSTER, TEMPLATE)
    check_contract(result, ROSTER, TEMPLATE.fever_threshold)


@fuzz(300)
@given(st.one_of(messages, st.text(alphabet="0123456789 .,，。:户人家体温核酸抗原阴阳性未做健康码绿黄红咳嗽无不在以上超过37度",
                                   max_size=300)), senders)
def test_parser_with_the_campaign_template_keeps_its_contract(text: str, sender) -> None:
    """The same scale with enum fields (the testing campaign's template)."""
    result = parse_message(text, sender, ROSTER, CAMPAIGN)
    check_contract(result, ROSTER, CAMPAIGN.fever_threshold, CAMPAIGN)


@fuzz(20, 0.002)
@given(st.lists(messages, min_size=1, max_size=5).map("\n".join).map(lambda s: s * 40))
def test_parser_on_long_messages(text: str) -> None:
    result = parse_message(text[:20000], "王艳", ROSTER, TEMPLATE)
    check_contract(result, ROSTER, TEMPLATE.fever_threshold)


# ---------------------------------------------------------------------------------------------- rosters
_HEADERS = [spelling for spellings in COLUMNS.values() for spelling in spellings[:2]] + ["备注", "", "序号", "??"]
_cells = st.one_of(
    st.sampled_from(["", "青山镇", "东风村", "第一网格", "王艳", "刘志宇", "@wangyan_cn", "@x", "12345", "-7",
                     "王建国", "东风村一组10号", "4", "0", "-3", "100", "3.5", "四", " ", "=1+1", "\u200b"]),
    st.text(max_size=12),
    st.integers(-10, 200).map(str),
)
_tables = st.tuples(
    st.lists(st.sampled_from(_HEADERS), min_size=1, max_size=12),
    st.lists(st.lists(_cells, max_size=13), max_size=25),
    st.integers(0, 2),  # title rows above the header
)


def _check_roster(rf) -> None:
    for r in rf.rows:
        assert r.grid.strip() and r.member.strip() and r.household.strip()
        assert r.people is None or (type(r.people) is int and 0 <= r.people <= 99)
        for acct in (r.account, r.leader_account):
            assert acct is None or acct.startswith("@") or acct.lstrip("-").isdigit(), acct


def _import(rf, tmp: Path) -> int:
    """Import a clean file into a fresh database; returns the households stored."""
    from bot.services import open_services

    async def go() -> int:
        svc = await open_services(dataclasses.replace(Config(), db_path=str(tmp)))
        try:
            await svc.reports.import_roster(rf.rows, "fuzz")
            return sum(len(m.households) for m in (await svc.report_repo.roster()).members)
        finally:
            await svc.close()

    return asyncio.run(go())


@fuzz(120, 0.05)
@given(_tables, st.sampled_from(["utf-8", "utf-8-sig", "gbk"]), st.sampled_from([",", "\t", ";"]))
def test_roster_csv(tmp_path_factory, table, encoding: str, delimiter: str) -> None:
    header, rows, titles = table
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    for _ in range(titles):
        w.writerow(["台账"])
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode(encoding, errors="replace")
    try:
        rf = read_roster_bytes(data, "roster.csv")
    except RosterFileError:
        return
    _check_roster(rf)
    if rf.ok:
        n = _import(rf, tmp_path_factory.mktemp("r") / "r.db")
        assert 0 < n <= len(rf.rows)


@fuzz(40, 0.01)
@given(_tables, st.lists(st.one_of(st.integers(-5, 150), st.floats(allow_nan=False, allow_infinity=False,
                                                                  width=32), st.booleans()), max_size=6))
def test_roster_xlsx(tmp_path_factory, table, odd) -> None:
    header, rows, titles = table
    wb = openpyxl.Workbook()
    ws = wb.active
    for _ in range(titles):
        ws.append(["台账"])
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in header])
    for i, r in enumerate(rows):  # (an XLSX cannot hold control characters: those cells are left out)
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in r] + odd[i:i + 1])  # numbers, floats, booleans
    out = io.BytesIO()
    wb.save(out)
    try:
        rf = read_roster_bytes(out.getvalue(), "roster.xlsx")
    except RosterFileError:
        return
    _check_roster(rf)
    if rf.ok:
        assert _import(rf, tmp_path_factory.mktemp("x") / "x.db") > 0


@fuzz(60, 0.005)
@given(st.binary(max_size=2048))
def test_roster_random_bytes(data: bytes) -> None:
    for name in ("roster.csv", "roster.xlsx"):
        try:
            _check_roster(read_roster_bytes(data, name))
        except RosterFileError:
            pass


# ---------------------------------------------------------------------------------------------- stored reports
def test_random_reports_store_no_garbage(tmp_path: Path, sample_rows) -> None:
    """Random texts from linked members in a bound group, through the real Application: whatever is stored
    is one row per household and day, for the sender's own households, with values of the template's types."""
    loop = asyncio.new_event_loop()
    config = dataclasses.replace(Config(), db_path=str(tmp_path / "fuzz.db"))
    bot = OfflineBot(config, datetime.combine(DAY, time(8, 0), config.tz))

    async def setup() -> None:
        await bot.start()
        await bot.services.reports.import_roster(sample_rows, "sample")
        bot.request.member_status[(GROUP1.id, LIU.id)] = "administrator"
        await bot.post(GROUP1, LIU, "/bind 第一网格", "08:01")

    loop.run_until_complete(setup())

    sample = load_roster(Path(bot_sample.__file__).parent / "roster.csv")
    clear_chains: list[str] = []  # what WANG posted that is a residents' chain beyond doubt

    @fuzz(150, 0.05)
    @given(messages, st.sampled_from([WANG, LIU]))
    def post(text: str, user) -> None:
        if text.strip().startswith("/"):
            return
        if user is WANG and parse_rooms(text, sample, TEMPLATE).clear:
            clear_chains.append(text)
        loop.run_until_complete(bot.post(GROUP1, user, text, "09:00"))

    try:
        post()
        rows = loop.run_until_complete(bot.services.db.fetchall(
            "SELECT r.household_id, r.day, r.data, r.sender_user_id, h.member_id, r.member_id, r.via FROM reports r "
            "JOIN households h ON h.id = r.household_id"))
        keys = set(TEMPLATE.keys())
        seen = set()
        for hid, day, data, _sender, owner, member, _via in rows:
            assert (hid, day) not in seen
            seen.add((hid, day))
            assert day == DAY.isoformat() and owner == member
            v = json.loads(data)
            assert set(v) <= keys
            t = v.get("temperature")
            assert t is None or 34.0 <= t <= 43.0
            for k in ("people", "returned", "isolated", "visitors"):
                assert v.get(k) is None or (type(v[k]) is int and v[k] >= 0)
        # a member's own report never lands on another member's households (the leader may report for his);
        # only a residents' chain beyond doubt that the member reposts is credited to the members who cover
        # its rooms (bot/parser/__init__.py, "Who may post a residents' chain")
        wang_rows = [r for r in rows if r[3] == WANG.id]
        members = loop.run_until_complete(bot.services.report_repo.members_of_user(WANG.id))
        assert all(r[4] == members[0].id for r in wang_rows if r[6] != "resident")
        assert clear_chains or not any(r[6] == "resident" for r in wang_rows)
    finally:
        loop.run_until_complete(bot.stop())
        loop.close()
