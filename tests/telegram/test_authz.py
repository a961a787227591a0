"""The authorisation matrix: every command and every button, for each kind of caller, through the real
Application (offline). The rows are checked against the handlers registered on the Application, so a new
command or callback without a row here fails :func:`test_every_handler_has_a_row`.

Callers: a stranger, a member of another grid (第二网格, acting in 第一网格's group), a member (王艳), the grid
leader (刘志宇), a statistician of 东风村, an admin. 第一网格's data is represented by a fever reported for
霍建军 (刘志宇's household): who may see it, sees it; nobody else does.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import openpyxl
import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.config.settings import Config
from bot.config.stats import parse_roles
from bot.config.web import WebConfig
from bot.core import texts
from bot.core.chat import IncomingPhoto, Sender
from bot.core.model import HouseholdReport, MemberReport
from bot.sample.cast import ADMIN, CHEN, DAY, GROUP1, GROUP2, LIU, LIUGL, STRANGER, WANG, ZHAO
from handlers.offline.bot import OfflineBot, buttons, replies
from handlers.offline.fake import FakeChat, FakeUser
from handlers.offline.recording import Call

STAT = FakeUser(5151, "统计员", "tongji_dfc")
CALLERS = {"stranger": STRANGER, "other_grid_member": LIUGL, "member": WANG, "leader": LIU,
           "statistician": STAT, "admin": ADMIN}
SECRET = "霍建军"  # a household of 第一网格 (刘志宇's) with a fever today


def private(user: FakeUser) -> FakeChat:
    return FakeChat(user.id, user.first_name)


@pytest.fixture
def config(config: Config) -> Config:
    """The conftest config with a statistician of 东风村 and the web console on."""
    return dataclasses.replace(config, roles=parse_roles({"statisticians": [{"user": STAT.id, "scope": "东风村"}]}),
                               web=WebConfig(enabled=True))


@pytest.fixture
async def abot(bot: OfflineBot) -> OfflineBot:
    """The conftest bot with this morning's reports from three members, one of them a fever."""
    _, calls = await bot.post(GROUP1, LIU, f"除{SECRET}家外均正常。{SECRET}家儿子体温37.9", "08:10")
    assert replies(calls)[0].startswith("✅")
    _, calls = await bot.post(GROUP1, WANG, "包联户均正常，体温正常", "08:11")
    assert replies(calls)[0].startswith("✅")
    _, calls = await bot.post(GROUP2, LIUGL, "包联户均正常，体温正常", "08:12")
    assert replies(calls)[0].startswith("✅")
    bot.clock.set(bot.at("09:00"))
    return bot


def _texts(calls: list[Call]) -> list[str]:
    return replies(calls) + [str(c.params.get("caption", "")) for c in calls if c.method in ("sendDocument",
                                                                                           "sendPhoto")]


def _alert(calls: list[Call]) -> str | None:
    for c in calls:
        if c.method == "answerCallbackQuery" and c.params.get("show_alert"):
            return str(c.params.get("text"))
    return None


def _document_text(calls: list[Call]) -> str:
    """Every string in the documents sent (XLSX cells, CSV in a ZIP, plain text)."""
    out = []
    for c in calls:
        if c.method != "sendDocument" or not c.files:
            continue
        _, data, _ = c.file()  # type: ignore[misc]
        if data[:2] == b"PK":
            z = zipfile.ZipFile(io.BytesIO(data))
            if any(n.startswith("xl/") for n in z.namelist()):
                wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
                out += [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
            else:
                out += [z.read(n).decode("utf-8-sig", "replace") for n in z.namelist()]
        else:
            out.append(data.decode("utf-8", "replace"))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- the rows
Cell = Callable[[OfflineBot, FakeUser], Awaitable[str]]


async def c_start(bot: OfflineBot, u: FakeUser) -> str:
    _, calls = await bot.post(private(u), u, "/start")
    return "ok" if replies(calls) == [texts.START] else "?"


async def c_help(bot: OfflineBot, u: FakeUser) -> str:
    _, calls = await bot.post(GROUP1, u, "/help")
    return "ok" if replies(calls) == [texts.HELP] else "?"


async def c_bind(bot: OfflineBot, u: FakeUser) -> str:
    g = FakeChat(-1005555, "新群")
    bot.request.member_status[(g.id, u.id)] = "administrator"  # every caller is a chat administrator here
    _, calls = await bot.post(g, u, "/bind 第一网格")
    [r] = replies(calls)
    return "ok" if r.startswith("✅ 本群已绑定") else "refused" if r == texts.BIND_NOT_ALLOWED else r


async def c_iam(bot: OfflineBot, u: FakeUser) -> str:
    _, calls = await bot.post(GROUP1, u, "/iam 陈明")
    return "asks" if any(d.startswith("iam:a:") for _, d in buttons(calls)) else replies(calls)[0]


async def c_mystatus(bot: OfflineBot, u: FakeUser) -> str:
    _, calls = await bot.post(GROUP1, u, "/mystatus")
    [r] = replies(calls)
    if r == texts.MYSTATUS_NOT_LINKED:
        return "not_linked"
    assert SECRET not in r  # never another household's name in the group
    return "own" if r.startswith(f"📋 {u.first_name}") else r


async def c_undo(bot: OfflineBot, u: FakeUser) -> str:
    _, calls = await bot.post(GROUP1, u, "/undo")
    [r] = replies(calls)
    if r == texts.UNDO_NOTHING:
        return "nothing"
    return "own" if f"撤回 {u.first_name} " in r else r


async def _leader_cmd(bot: OfflineBot, u: FakeUser, text: str) -> str:
    _, calls = await bot.post(GROUP1, u, text)
    [r] = replies(calls)
    return "refused" if r == texts.SCHEDULE_NOT_ALLOWED else "ok"


async def c_schedule(bot: OfflineBot, u: FakeUser) -> str:
    return await _leader_cmd(bot, u, "/schedule 截止 17:00")


async def c_pause(bot: OfflineBot, u: FakeUser) -> str:
    return await _leader_cmd(bot, u, "/pause 到 2月15日 防汛")


async def c_resume(bot: OfflineBot, u: FakeUser) -> str:
    await bot.post(GROUP1, LIU, "/pause")
    return await _leader_cmd(bot, u, "/resume")


async def c_leave(bot: OfflineBot, u: FakeUser) -> str:
    return await _leader_cmd(bot, u, "/leave 王艳 明天")


async def _stats(bot: OfflineBot, u: FakeUser, text: str) -> str:
    _, calls = await bot.post(private(u), u, text)
    shown = "\n".join(_texts(calls)) + _document_text(calls)
    if not any(c.method in ("sendDocument", "sendPhoto") for c in calls) and (
            texts.STATS_NO_ROLE in shown or texts.STRANGER in shown):
        return "refused"
    return "grid1" if SECRET in shown else "own"


async def c_summary(bot: OfflineBot, u: FakeUser) -> str:
    return await _stats(bot, u, "/summary")


async def c_export(bot: OfflineBot, u: FakeUser) -> str:
    return await _stats(bot, u, "/export")


async def c_chart(bot: OfflineBot, u: FakeUser) -> str:
    _, calls = await bot.post(private(u), u, "/chart")
    return "ok" if any(c.method == "sendPhoto" for c in calls) else "refused"


async def c_statistician(bot: OfflineBot, u: FakeUser) -> str:
    _, calls = await bot.post(private(u), u, "/statistician add @newstat 东风村")
    r = "\n".join(replies(calls))
    return "refused" if texts.STRANGER in r else "ok"


async def c_form(bot: OfflineBot, u: FakeUser) -> str:
    _, calls = await bot.post(GROUP1, u, "/form")
    if replies(calls) == [texts.FORM_NOT_LINKED]:
        return "not_linked"
    docs = [c for c in calls if c.method == "sendDocument"]
    return "own" if docs and u.first_name in str(docs[0].params.get("caption")) else "?"


async def c_web(bot: OfflineBot, u: FakeUser) -> str:
    """``/web``: a sign-in link in private to anyone with a role; never in a group."""
    _, calls = await bot.post(GROUP1, u, "/web")
    assert replies(calls) == [texts.WEB_PRIVATE_ONLY]
    _, calls = await bot.post(private(u), u, "/web")
    [r] = replies(calls)
    if r == texts.STATS_NO_ROLE:
        return "refused"
    return "link" if "/signin?t=" in r else r


async def cb_iam(bot: OfflineBot, u: FakeUser) -> str:
    mid, calls = await bot.post(GROUP1, CHEN, "/iam 陈明")
    approve = next(d for label, d in buttons(calls) if d.startswith("iam:a:"))
    calls = await bot.click(GROUP1, u, approve, calls[0].result["message_id"])
    if _alert(calls) == texts.IAM_NOT_ALLOWED:
        return "refused"
    return "ok" if any(t.startswith("✅ 已关联") for t in replies(calls)) else "?"


async def pending_reading(bot: OfflineBot, sender: FakeUser = WANG) -> tuple[int, list[tuple[str, str]]]:
    """A photo reading waiting for 确认 (made without OCR: the buttons and checks are what is tested)."""
    svc = bot.services.photos
    photo = IncomingPhoto(GROUP1.qid, "supergroup", str(bot.updates.next_message_id()),
                          Sender(sender.qid, sender.username, sender.first_name), "fid-authz", bot.clock.now)
    job, why = await svc.accept(photo)
    assert job is not None, why
    first = job.member.households[0].name
    report = MemberReport(job.member.name, households=[HouseholdReport(first, {"people": 3, "temperature": 36.5})])
    pid, reply = await svc.save_reading(job, report, "table", None)
    assert pid is not None
    return pid, [(b.text, b.data) for row in reply.buttons for b in row]


async def cb_ocr(bot: OfflineBot, u: FakeUser) -> str:
    _, btns = await pending_reading(bot)
    confirm = next(d for label, d in btns if label == texts.OCR_CONFIRM)
    calls = await bot.click(GROUP1, u, confirm, 1)
    alert = _alert(calls)
    if alert == texts.OCR_NOT_ALLOWED:
        return "refused"
    return "ok" if any(t.startswith("✅ 已记录") for t in replies(calls)) else str(alert)


ALL = dict.fromkeys(CALLERS, "ok")
LEADERS = {**dict.fromkeys(CALLERS, "refused"), "leader": "ok", "admin": "ok"}
COMMANDS: dict[str, tuple[Cell, dict[str, str]]] = {
    "start": (c_start, ALL),
    "help": (c_help, ALL),
    "bind": (c_bind, LEADERS),
    "iam": (c_iam, dict.fromkeys(CALLERS, "asks")),  # anyone may ask; approving is the leader's (cb "iam")
    "mystatus": (c_mystatus, {**dict.fromkeys(CALLERS, "not_linked"), "member": "own", "leader": "own"}),
    "undo": (c_undo, {**dict.fromkeys(CALLERS, "nothing"), "member": "own", "leader": "own"}),
    "schedule": (c_schedule, LEADERS),
    "pause": (c_pause, LEADERS),
    "resume": (c_resume, LEADERS),
    "leave": (c_leave, LEADERS),
    "summary": (c_summary, {"stranger": "refused", "other_grid_member": "own", "member": "own",
                            "leader": "grid1", "statistician": "grid1", "admin": "grid1"}),
    "export": (c_export, {"stranger": "refused", "other_grid_member": "own", "member": "own",
                          "leader": "grid1", "statistician": "grid1", "admin": "grid1"}),
    "chart": (c_chart, {**ALL, "stranger": "refused"}),
    "statistician": (c_statistician, {**dict.fromkeys(CALLERS, "refused"), "admin": "ok"}),
    "form": (c_form, {**dict.fromkeys(CALLERS, "not_linked"), "member": "own", "leader": "own"}),
    "web": (c_web, {**dict.fromkeys(CALLERS, "link"), "stranger": "refused"}),
}
CALLBACKS: dict[str, tuple[Cell, dict[str, str]]] = {
    "iam": (cb_iam, LEADERS),
    "ocr": (cb_ocr, {**dict.fromkeys(CALLERS, "refused"), "member": "ok", "leader": "ok", "admin": "ok"}),
}


def test_every_handler_has_a_row(tmp_path: Path) -> None:
    from handlers.offline.bot import OFFLINE_TOKEN
    from handlers.offline.recording import RecordingRequest
    from handlers.telegram.app import build_application

    app = build_application(dataclasses.replace(Config(), db_path=str(tmp_path / "x.db")), token=OFFLINE_TOKEN,
                            request=RecordingRequest())
    commands: set[str] = set()
    callbacks: set[str] = set()
    for handlers in app.handlers.values():
        for h in handlers:
            if isinstance(h, CommandHandler):
                commands |= set(h.commands)
            elif isinstance(h, CallbackQueryHandler):
                pattern = getattr(h.pattern, "pattern", h.pattern)
                assert isinstance(pattern, str), f"a callback handler without a data pattern: {h.callback}"
                callbacks.add(pattern.lstrip("^").split(":", 1)[0])
    assert commands == set(COMMANDS), f"commands without a matrix row: {commands - set(COMMANDS)}"
    assert callbacks == set(CALLBACKS), f"callbacks without a matrix row: {callbacks - set(CALLBACKS)}"
    assert {c for c, _ in texts.COMMANDS} <= commands


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("command", list(COMMANDS))
async def test_command_matrix(abot: OfflineBot, command: str, caller: str) -> None:
    cell, expected = COMMANDS[command]
    assert await cell(abot, CALLERS[caller]) == expected[caller]
    if command == "undo" and caller not in ("member", "leader"):  # nobody else withdrew 王艳's report
        rows = await abot.services.report_repo.reports_for_members([2], DAY.isoformat())
        assert rows


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("callback", list(CALLBACKS))
async def test_callback_matrix(abot: OfflineBot, callback: str, caller: str) -> None:
    cell, expected = CALLBACKS[callback]
    assert await cell(abot, CALLERS[caller]) == expected[caller]


# ---------------------------------------------------------------------------------------------- print runs
def _pdf_pages(data: bytes) -> int:
    from PIL import PdfParser

    return len(PdfParser.PdfParser(buf=data).pages)


async def c_form_run(bot: OfflineBot, u: FakeUser) -> str:
    """``/form 第一网格 2天`` in a private chat: the grid's three members × two days, or refused."""
    _, calls = await bot.post(private(u), u, "/form 第一网格 2天")
    docs = [c for c in calls if c.method == "sendDocument"]
    if docs:
        _, data, _ = docs[0].file()  # type: ignore[misc]
        caption = str(docs[0].params.get("caption"))
        return "grid1" if "第一网格" in caption and _pdf_pages(data) == 6 else f"? {caption}"
    said = "\n".join(replies(calls))
    refusals = (texts.STATS_NO_ROLE, texts.STATS_UNIT_NOT_ALLOWED.split("{")[0])
    return "refused" if any(r in said for r in refusals) else f"? {said}"


FORM_RUN = {"stranger": "refused", "other_grid_member": "refused", "member": "refused", "leader": "grid1",
            "statistician": "grid1", "admin": "grid1"}


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_print_run_matrix(abot: OfflineBot, caller: str) -> None:
    """Who may print whose households: a leader their grid, a statistician their scope, an admin everything;
    a member only themselves (their own /form, below), nobody else."""
    assert await c_form_run(abot, CALLERS[caller]) == FORM_RUN[caller]


async def test_print_run_only_in_private_and_own_days(abot: OfflineBot) -> None:
    _, calls = await abot.post(GROUP1, LIU, "/form 第一网格 2天")
    assert replies(calls) == [texts.FORM_RUN_PRIVATE_ONLY.format(name="第一网格 2天")]
    assert not [c for c in calls if c.method == "sendDocument"]
    # a member's own form for three days, in the group as today
    _, calls = await abot.post(GROUP1, WANG, "/form 2020-02-10 3天")
    [doc] = [c for c in calls if c.method == "sendDocument"]
    name, data, _ = doc.file()  # type: ignore[misc]
    assert _pdf_pages(data) == 3 and "王艳" in name and "3天" in name
    _, calls = await abot.post(private(LIU), LIU, "/form 第一网格 30天")
    assert replies(calls) == [texts.FORM_RUN_TOO_MANY_DAYS.format(max=7)]
    _, calls = await abot.post(private(LIU), LIU, "/form 第一网格 明天")
    [said] = replies(calls)  # an unknown word is part of the name: nothing is guessed
    assert said.startswith(texts.STATS_UNIT_NOT_FOUND.split("{")[0] + "第一网格 明天")


# ---------------------------------------------------------------------------------------------- forged data
async def test_forged_iam_approval_fails(abot: OfflineBot) -> None:
    """The requester presses 同意 on his own request, or sends a made-up request id: nothing is linked."""
    _, calls = await abot.post(GROUP1, CHEN, "/iam 陈明")
    approve = next(d for _, d in buttons(calls) if d.startswith("iam:a:"))
    req = int(approve.rsplit(":", 1)[1])
    calls = await abot.click(GROUP1, CHEN, approve, 1)
    assert _alert(calls) == texts.IAM_NOT_ALLOWED
    calls = await abot.click(GROUP1, CHEN, f"iam:a:{req + 1000}", 1)  # no such request
    assert _alert(calls) == texts.IAM_DONE_ALREADY
    assert await abot.click(GROUP1, LIU, "iam:a:99999999999999999999", 1) == []  # past SQLite's integers
    calls = await abot.click(GROUP1, ZHAO, approve, 1)  # the leader of another grid
    assert _alert(calls) == texts.IAM_NOT_ALLOWED
    row = await abot.services.db.fetchone("SELECT user_id FROM members WHERE name = '陈明'")
    assert row[0] is None


async def test_forged_ocr_confirmation_fails(abot: OfflineBot) -> None:
    """Someone else's reading: a stranger with the real data, the sender with a made-up nonce or another
    reading's id, a member confirming a reading of another member."""
    pid, btns = await pending_reading(abot)
    confirm = next(d for label, d in btns if label == texts.OCR_CONFIRM)
    _, _, _, nonce = confirm.split(":")
    for user, data in ((STRANGER, confirm), (LIUGL, confirm), (CHEN, confirm), (WANG, f"ocr:c:{pid}:{'0' * 8}"),
                       (WANG, f"ocr:c:{pid + 1}:{nonce}"), (ZHAO, confirm)):
        calls = await abot.click(GROUP1, user, data, 1)
        assert _alert(calls) in (texts.OCR_NOT_ALLOWED, texts.OCR_GONE), (user, data)
    rows = await abot.services.db.fetchall("SELECT * FROM reports WHERE via = 'photo'")
    assert rows == []
    row = await abot.services.db.fetchone("SELECT status FROM ocr_pending WHERE id = ?", (pid,))
    assert row is None or row[0] == "pending"
