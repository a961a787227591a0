"""The photo flow, free of any chat platform: accept a photo, keep what was read until the sender confirms,
apply text corrections, store on confirmation, and list unanswered readings for the next reminder.

Nothing from a photo is stored until the sender (or their grid leader) presses 确认; then it is stored
exactly like a text report (``ReportService.store_photo_report``), with the photo's file id for audit.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process

from bot.config.settings import Config
from bot.core import texts
from bot.core.chat import Button, IncomingPhoto, Outgoing, Reply, Sender
from bot.core.lazy import LazyModule
from bot.core.model import HouseholdReport, Member, MemberReport
from bot.core.records import PendingReading
from bot.ocr.errors import OcrError
from bot.reports.reading import PhotoReader
from bot.reports.service import ReportService
from storage.photos import PhotoRepo

log = logging.getLogger(__name__)

#: the OCR pipeline, loaded with the first photo or form (OpenCV and NumPy weigh about 45 MB)
OCR_READER = LazyModule("bot.ocr.reader")
OCR_FORM = LazyModule("bot.ocr.form")
#: image documents are read like photos; anything else posted as a file gets a short "not an image" reply
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".gif")
#: what a member types for yes / no in a correction
YES = {"是", "有", "√", "✓", "✔", "对", "1", "y", "yes", "Y"}
NO = {"否", "无", "没有", "×", "✗", "x", "X", "0", "n", "no", "N"}
BLANK = {"空", "空白", "-", "—", "无内容"}
#: the fields a confirmation shows when the reading does not say which columns it read
USUAL_SHOWN = ("people", "temperature", "out", "returned", "note")


@dataclass(frozen=True)
class FormRequest:
    """Printable forms asked for: whose, and for which days (one page per member and day, plus a member's
    continuation pages); ``scope`` names a print run (a grid, a village...), "" for one member's own."""

    members: tuple[Member, ...]
    days: tuple[date, ...]
    scope: str = ""

    @property
    def member(self) -> Member:
        return self.members[0]

    @property
    def day(self) -> date:
        return self.days[0]


@dataclass(frozen=True)
class FormFile:
    """A printable form, ready to send."""

    data: bytes
    filename: str
    caption: str


@dataclass
class PhotoJob:
    """A photo accepted for reading: who sent it, for which member, for which day."""

    photo: IncomingPhoto
    member: Member
    member_id: int
    grid_id: int
    day: str


class PhotoService:
    def __init__(self, config: Config, reports: ReportService, pending: PhotoRepo):
        self.config = config
        self.reports = reports
        self.pending = pending
        #: who may print whose households (stats → photos hook, wired in bot/services.py): the (member id,
        #: grid id) of every member below a named unit that the sender may see, or the refusal's text
        self.print_scope: Callable[[Sender, str], Awaitable[list[tuple[int, int]] | str]] | None = None

    @property
    def template(self) -> Any:
        return self.config.template

    # ------------------------------------------------------------------ accepting
    async def accept(self, photo: IncomingPhoto) -> tuple[PhotoJob | None, Reply | None]:
        """Whether to read this photo. Returns (job, None) to read it, (None, reply) to answer at once, or
        (None, None) for silence (private chats, unbound groups, repeats, OCR switched off)."""
        if not self.config.ocr.enabled or photo.chat_type not in ("group", "supergroup"):
            return None, None
        if not await self.reports.bound_grid_ids(photo.chat_id):
            return None, None
        if await self.pending.exists(photo.chat_id, photo.message_id):
            return None, None  # a redelivered update
        if photo.is_document and not _looks_like_image(photo.mime_type, photo.file_name):
            members = await self.reports.linked_members(photo.chat_id, photo.sender)
            return None, (Reply(texts.OCR_ERRORS["not_image"]) if members else None)
        members = await self.reports.linked_members(photo.chat_id, photo.sender)
        if not members:
            return None, await self.reports.hint_unlinked(photo.sender, photo.chat_id)
        if photo.file_size is not None and photo.file_size > self.config.ocr.max_bytes:
            return None, Reply(texts.OCR_ERRORS["too_large"])
        first = members[0]
        member = await self.reports.member_by_id(first.id, first.grid_id)
        if member is None:
            return None, None
        day = self.reports.day_of(photo.date).isoformat()
        return PhotoJob(photo, member, first.id, first.grid_id, day), None

    # ------------------------------------------------------------------ after reading
    async def save_reading(self, job: PhotoJob, report: MemberReport, kind: str, form_id: str | None) -> tuple[int | None, Reply]:
        """Keep a reading as pending and build the reply that shows it, with 确认 / 重新识别 / 取消."""
        nonce = secrets.token_hex(4)
        now = self.reports.now().isoformat(timespec="seconds")
        pid = await self.pending.create(
            nonce=nonce, chat_id=job.photo.chat_id, message_id=job.photo.message_id,
            sender_user_id=job.photo.sender.user_id, member_id=job.member_id, grid_id=job.grid_id, day=job.day,
            photo_file_id=job.photo.file_id, kind=kind, report=report, form_id=form_id, now=now,
        )
        if pid is None:
            return None, Reply("")
        log.info("photo from chat %s message %s read: %d rows, pending %s", job.photo.chat_id,
                 job.photo.message_id, len(report.households), pid)
        return pid, self.render(pid, nonce, report, kind)

    async def attach_reply(self, pending_id: int, reply_message_id: str) -> None:
        await self.pending.set_reply(pending_id, reply_message_id)

    def render(self, pending_id: int, nonce: str, report: MemberReport, kind: str, head: str | None = None) -> Reply:
        """What was read as a compact table, uncertain fields marked, with the three buttons."""
        keys = self.shown_keys(report)
        labels = [self.template.get(k).label for k in keys]
        lines = [head or texts.OCR_RESULT_HEAD.format(member=report.member,
                                                     kind=texts.OCR_KIND_FORM if kind == "form" else texts.OCR_KIND_TABLE)]
        lines.append("｜".join(["行", "户主", *labels]))
        for h in sorted(report.households, key=lambda x: x.row or 0):
            cells = [str(h.row or ""), h.household + (texts.OCR_UNSURE if "household" in h.uncertain else "")]
            for k in keys:
                cells.append(_cell(h.values.get(k)) + (texts.OCR_UNSURE if k in h.uncertain else ""))
            lines.append("｜".join(cells))
        if report.unmatched:
            lines.append(texts.OCR_UNMATCHED_ROWS.format(rows="、".join(report.unmatched)))
        if any(h.uncertain for h in report.households):
            lines.append(texts.OCR_UNSURE_NOTE)
        lines.append(texts.OCR_HOW_TO_FIX)
        text = "\n".join(lines)
        if len(text) > 4000:
            text = text[:3990] + "…"
        return Reply(text, buttons=[[
            Button(texts.OCR_CONFIRM, f"ocr:c:{pending_id}:{nonce}"),
            Button(texts.OCR_REREAD, f"ocr:r:{pending_id}:{nonce}"),
            Button(texts.OCR_CANCEL, f"ocr:x:{pending_id}:{nonce}"),
        ]])

    def shown_keys(self, report: MemberReport) -> list[str]:
        """The columns the confirmation shows: every field the reading read (what 确认 stores), and any field
        asked about; the usual five when the reading does not say which it read."""
        if report.columns:
            asked = {k for h in report.households for k in h.uncertain}
            return [k for k in self.template.keys() if k in report.columns or k in asked]
        keys = [k for k in USUAL_SHOWN if self.template.has(k)]
        return keys or [f.key for f in self.template.fields][:5]

    # ------------------------------------------------------------------ reading
    async def read(self, job: PhotoJob, data: bytes, reader: PhotoReader, attempt: int = 0,
                   pending_id: int | None = None) -> Reply | None:
        """Read a downloaded photo in the reader's pool and keep what was read: a new pending reading, or,
        for 重新识别 (``pending_id``), in place of the earlier one. Returns the reply that replaces the
        "正在识别…" note (its ``ref`` is the pending id), or None to leave it (the reading is gone)."""
        cfg = self.config
        try:
            reading = await reader.run(OCR_READER.read_photo, data, job.member, cfg.template, cfg.ocr, None, attempt)
        except OcrError as e:
            log.info("photo in chat %s not read: %s", job.photo.chat_id, e.code)
            return Reply(texts.OCR_ERRORS[e.code])
        except TimeoutError:
            log.warning("photo in chat %s: reading timed out", job.photo.chat_id)
            return Reply(texts.OCR_ERRORS["timeout"])
        except Exception:
            log.exception("photo in chat %s: reading failed", job.photo.chat_id)
            return Reply(texts.OCR_ERRORS["failed"])
        if pending_id is not None:
            return await self.reread_done(pending_id, reading.report, reading.kind, reading.form_id)
        pid, reply = await self.save_reading(job, reading.report, reading.kind, reading.form_id)
        if pid is None:
            return None
        reply.ref = pid
        return reply

    async def job_for(self, reading: PendingReading) -> PhotoJob | None:
        """The reading job of a pending record (for 重新识别); None when its member is gone."""
        member = await self.reports.member_by_id(reading.member_id, reading.grid_id)
        if member is None:
            return None
        photo = IncomingPhoto(reading.chat_id, "supergroup", reading.message_id, Sender(reading.sender_user_id),
                              reading.photo_file_id, datetime.fromisoformat(reading.created_at))
        return PhotoJob(photo, member, reading.member_id, reading.grid_id, reading.day)

    async def form_request(self, chat_id: str | None, sender: Sender, arg: str) -> FormRequest | Reply:
        """``/form [YYYY-MM-DD] [N天]``: the sender's own form, for one day or N days from it; ``/form 名称
        [YYYY-MM-DD] [N天]`` (private chats only, ``chat_id`` None): a print run of every member below the
        unit named (a grid, a village, a member), as far as the sender may see it (``print_scope``: a leader
        their grids, a statistician their scope, a member only themselves). Or the reply that refuses it."""
        args = _form_args(arg, self.reports.day_of(self.reports.now()))
        if isinstance(args, Reply):
            return args
        name, first, n_days = args
        days = tuple(first + timedelta(days=i) for i in range(n_days))
        if not name:
            member = await self.reports.member_of(chat_id, sender)
            if member is None:
                return Reply(texts.FORM_NOT_LINKED)
            if not member.households:
                return Reply(texts.FORM_NO_HOUSEHOLDS)
            return FormRequest((member,), days)
        if chat_id is not None:
            return Reply(texts.FORM_RUN_PRIVATE_ONLY.format(name=arg.strip()))
        if self.print_scope is None:
            return Reply(texts.FORM_BAD_DATE)
        scope = await self.print_scope(sender, name)
        if isinstance(scope, str):
            return Reply(scope)
        members = []
        for member_id, grid_id in scope:
            m = await self.reports.member_by_id(member_id, grid_id)
            if m is not None and m.households:
                members.append(m)
        if not members:
            return Reply(texts.FORM_RUN_EMPTY)
        return FormRequest(tuple(members), days, name)

    async def render_form(self, req: FormRequest, reader: PhotoReader) -> FormFile | Reply:
        """The printable forms as one PDF, rendered in the reader's pool: one member's form for one day, or
        a print run (pages written one at a time into a temporary file)."""
        tpl = self.config.template
        first = req.day
        # the bounds are the form module's (loaded here, in the pool, with the first form)
        days_max, pages_max, pages = await reader.run(
            lambda: (OCR_FORM.MAX_RUN_DAYS, OCR_FORM.MAX_RUN_PAGES, OCR_FORM.run_pages(req.members, req.days)))
        if len(req.days) > days_max:
            return Reply(texts.FORM_RUN_TOO_MANY_DAYS.format(max=days_max))
        if pages > pages_max:
            return Reply(texts.FORM_RUN_TOO_MANY_PAGES.format(max=pages_max, pages=pages))
        if len(req.members) == 1 and len(req.days) == 1 and not req.scope:
            member = req.member
            label = f"{member.village}{member.grid}"
            try:
                pdf = await reader.run(lambda: OCR_FORM.render_form(member, tpl, first, label).pdf_bytes())
            except Exception:
                log.exception("form rendering failed")
                return Reply(texts.FORM_FAILED)
            return FormFile(
                pdf, f"排查登记表-{member.name}-{first.isoformat()}.pdf",
                texts.FORM_CAPTION.format(member=member.name, day=f"{first.month}月{first.day}日",
                                          households=len(member.households)),
            )
        run = [(m, f"{m.village}{m.grid}") for m in req.members]

        def render() -> tuple[bytes, int]:
            with tempfile.TemporaryFile() as f:
                index = OCR_FORM.render_run(run, tpl, req.days, f)
                f.seek(0)
                return f.read(), len(index)

        try:
            pdf, pages = await reader.run(render)
        except Exception:
            log.exception("print run rendering failed")
            return Reply(texts.FORM_FAILED)
        day = f"{first.month}月{first.day}日"
        if not req.scope:
            m = req.member
            return FormFile(pdf, f"排查登记表-{m.name}-{first.isoformat()}-{len(req.days)}天.pdf",
                            texts.FORM_OWN_DAYS_CAPTION.format(member=m.name, first=day, days=len(req.days),
                                                               households=len(m.households), pages=pages))
        scope = req.scope.replace("/", "-")
        return FormFile(pdf, f"排查登记表-{scope}-{first.isoformat()}-{len(req.days)}天.pdf",
                        texts.FORM_RUN_CAPTION.format(scope=req.scope, members=len(req.members), days=len(req.days),
                                                      first=day, pages=pages))

    # ------------------------------------------------------------------ buttons
    async def _allowed(self, reading: PendingReading, user: Sender) -> bool:
        if reading.sender_user_id == user.user_id:
            return True
        return await self.reports.can_manage_grid(user, reading.grid_id)

    async def check(self, user: Sender, pending_id: int, nonce: str) -> tuple[PendingReading | None, str]:
        """The pending record a button refers to, if this user may act on it; else (None, alert text)."""
        reading = await self.pending.get(pending_id)
        if reading is None or not secrets.compare_digest(reading.nonce, nonce):
            return None, texts.OCR_GONE
        if reading.status != "pending":
            return None, texts.OCR_DONE_ALREADY
        if not await self._allowed(reading, user):
            return None, texts.OCR_NOT_ALLOWED
        return reading, ""

    async def confirm(self, user: Sender, pending_id: int, nonce: str) -> tuple[bool, str]:
        """Store a reading. Returns (done, text): the text replaces the result message when done, and is an
        alert for the clicker otherwise."""
        reading, why = await self.check(user, pending_id, nonce)
        if reading is None:
            return False, why
        report = reading.report
        now = self.reports.now().isoformat(timespec="seconds")
        if not report.households:
            return False, texts.OCR_NOTHING_TO_STORE
        if not await self.pending.decide(pending_id, "confirmed", user.user_id, now):
            return False, texts.OCR_DONE_ALREADY
        try:
            reply = await self.reports.store_photo_report(
                reading.member_id, report, reading.day, chat_id=reading.chat_id, message_id=reading.message_id,
                sender_user_id=reading.sender_user_id, photo_file_id=reading.photo_file_id,
            )
        except Exception:
            await self.pending.reopen(pending_id, now)
            raise
        log.info("photo reading %s confirmed by %s", pending_id, user.user_id)
        return True, reply.text

    async def cancel(self, user: Sender, pending_id: int, nonce: str) -> tuple[bool, str]:
        reading, why = await self.check(user, pending_id, nonce)
        if reading is None:
            return False, why
        now = self.reports.now().isoformat(timespec="seconds")
        if not await self.pending.decide(pending_id, "cancelled", user.user_id, now):
            return False, texts.OCR_DONE_ALREADY
        log.info("photo reading %s cancelled by %s", pending_id, user.user_id)
        return True, texts.OCR_CANCELLED

    async def reread_done(self, pending_id: int, report: MemberReport, kind: str, form_id: str | None) -> Reply | None:
        """A second reading of the photo replaces the first (and any corrections)."""
        reading = await self.pending.get(pending_id)
        if reading is None or reading.status != "pending":
            return None
        now = self.reports.now().isoformat(timespec="seconds")
        reading.report, reading.kind, reading.form_id = report, kind, form_id
        await self.pending.update_result(reading, now, attempts=reading.attempts + 1)
        return self.render(pending_id, reading.nonce, report, kind)

    # ------------------------------------------------------------------ corrections
    async def correct(self, chat_id: str, user: Sender, text: str, reply_to: str | None) -> Reply | None:
        """A text reply correcting a reading (``3 体温 36.8``, ``第5行 人数 4``). None: not a correction."""
        reading = None
        if reply_to is not None:
            reading = await self.pending.by_reply(chat_id, reply_to)
            if reading is None:
                return None
        edits = parse_corrections(text, self.template)
        if reading is None:
            if not edits:
                return None
            reading = await self.pending.latest_open(chat_id, user.user_id)
            if reading is None:
                return None
        if reading.status != "pending":
            return Reply(texts.OCR_DONE_ALREADY)
        if not await self._allowed(reading, user):
            return Reply(texts.OCR_NOT_ALLOWED)
        if not edits:
            return Reply(texts.OCR_FIX_USAGE)
        report = reading.report
        member = await self.reports.member_by_id(reading.member_id, reading.grid_id)
        names = [h.name for h in member.households] if member else []
        problems = []
        for row_no, key, raw in edits:
            err = apply_correction(report, row_no, key, raw, self.template, names)
            if err:
                problems.append(err)
        now = self.reports.now().isoformat(timespec="seconds")
        await self.pending.update_result(reading, now)
        head = texts.OCR_CORRECTED_HEAD.format(member=report.member)
        reply = self.render(reading.id, reading.nonce, report, reading.kind, head=head)
        if problems:
            reply.text = "\n".join(problems) + "\n" + reply.text
        reply.ref = reading.id
        return reply

    # ------------------------------------------------------------------ reminders
    async def open_confirmations(self, grid_id: int, day: str) -> list[Outgoing]:
        """Readings of this grid and day still waiting for 确认, each as the message that offers it again
        (in its group, quoting the photo); sending one records it as re-offered."""
        out = []
        for reading in await self.pending.open_for(grid_id, day):
            head = texts.OCR_REOFFER_HEAD.format(member=reading.report.member)
            reply = self.render(reading.id, reading.nonce, reading.report, reading.kind, head=head)
            out.append(Outgoing(reading.chat_id, reply, reading.message_id,
                                functools.partial(self.reoffered, reading.id)))
        return out

    async def reoffered(self, pending_id: int, reply_message_id: str | None) -> None:
        await self.pending.mark_reoffered(pending_id, self.reports.now().isoformat(timespec="seconds"), reply_message_id)


#: ``3天`` / ``3日``: days in a /form request
DAYS_RE = re.compile(r"^(\d{1,2})[天日]$")


def _form_args(arg: str, today: date) -> tuple[str, date, int] | Reply:
    """``/form``'s arguments in any order: a unit's name (may be ""), the first day (YYYY-MM-DD, default
    ``today``) and the number of days (``3天``, default 1); or the usage reply."""
    first, days, name = today, 1, []
    for tok in arg.split():
        m = DAYS_RE.match(tok)
        if m:
            days = int(m[1])
            continue
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", tok):
            try:
                first = date.fromisoformat("-".join(f"{int(p):02d}" for p in tok.split("-")))
            except ValueError:
                return Reply(texts.FORM_BAD_DATE)
            continue
        if tok[:1].isdigit():
            return Reply(texts.FORM_BAD_DATE)  # a date or a count written otherwise
        name.append(tok)
    if days < 1:
        return Reply(texts.FORM_BAD_DATE)
    return " ".join(name), first, days


def _looks_like_image(mime: str | None, name: str | None) -> bool:
    if mime and mime.lower().startswith("image/"):
        return True
    return bool(name) and str(name).lower().endswith(IMAGE_EXTENSIONS)


def _cell(v: Any) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, list):
        return "、".join(str(x) for x in v) if v else "无"
    if v is True:
        return "是"
    if v is False:
        return "否"
    return str(v)


def _option_value(f: Any, raw: str) -> Any:
    """A corrected value of a symptoms field (``咳嗽、乏力`` → the canonical names, ``无`` → []) or of an enum
    field (an option's value or alias → the value); None when a word is no option of the field."""
    words = {w: o.value for o in f.options for w in o.words()}
    if f.type == "enum":
        return words.get(raw.strip())
    if raw.strip() in NO:
        return []
    names = [words.get(part) for part in re.split(r"[\s,，、;；和]+", raw.strip()) if part]
    if not names or None in names:
        return None
    return list(dict.fromkeys(names))


_ROW = r"(?:第\s*)?(\d{1,3})\s*(?:行|户)?"
_SEP = r"[\s,，:：、]*"


def _field_words(template: Any) -> dict[str, str]:
    words: dict[str, str] = {"户主": "household", "姓名": "household", "名字": "household"}
    for f in template.fields:
        for w in (f.label, *f.aliases):
            words.setdefault(w, f.key)
    return words


def parse_corrections(text: str, template: Any) -> list[tuple[int, str, str]]:
    """``3 体温 36.8`` / ``第5行 人数 4`` (several separated by lines or ；) as (row, key, raw value);
    empty when the text is not (entirely) corrections."""
    words = _field_words(template)
    alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pat = re.compile(rf"^{_ROW}{_SEP}({alt}){_SEP}(?:[改为是=]{{0,2}}{_SEP})?(.+?)\s*$")
    out = []
    for part in re.split(r"[\n；;]+", text.strip()):
        part = part.strip()
        if not part:
            continue
        m = pat.match(part)
        if not m:
            return []
        out.append((int(m[1]), words[m[2]], m[3].strip()))
    return out


def apply_correction(report: MemberReport, row_no: int, key: str, raw: str, template: Any, names: list[str]) -> str | None:
    """Apply one correction; returns a short Chinese problem text, or None when applied."""
    h = next((x for x in report.households if x.row == row_no), None)
    if key == "household":
        if not names:
            return texts.OCR_FIX_BAD_NAME.format(name=raw)
        best = process.extractOne(raw, names, scorer=fuzz.ratio)
        if best is None or best[1] < 60:
            return texts.OCR_FIX_BAD_NAME.format(name=raw)
        name = best[0]
        if h is None:
            h = HouseholdReport(name, {k: None for k in template.keys()}, row=row_no)
            report.households.append(h)
            report.unmatched = [u for u in report.unmatched if u != f"第{row_no}行"]
        for other in report.households:  # a household is in a table once
            if other is not h and other.household == name:
                return texts.OCR_FIX_DUPLICATE.format(name=name, row=other.row)
        h.household = name
        _settle(h, "household")
        return None
    if h is None:
        return texts.OCR_FIX_NO_ROW.format(row=row_no)
    f = template.get(key)
    value: Any
    v = raw.strip().rstrip("℃°度人户")
    if v in BLANK:
        value = None
    elif f.type == "temperature":
        try:
            value = round(float(v), 1)
        except ValueError:
            return texts.OCR_FIX_BAD_VALUE.format(field=f.label, value=raw)
        if not 34.0 <= value <= 42.9:
            return texts.OCR_FIX_BAD_VALUE.format(field=f.label, value=raw)
    elif f.type == "text":
        value = raw.strip()
    elif f.type in ("symptoms", "enum"):
        value = _option_value(f, raw)
        if value is None:
            return texts.OCR_FIX_BAD_VALUE.format(field=f.label, value=raw)
    elif v in YES:
        value = True if f.type != "int" or key in ("out", "returned") else 1
    elif v in NO:
        value = False if f.type != "int" or key in ("out", "returned") else 0
    else:
        try:
            value = int(v)
        except ValueError:
            return texts.OCR_FIX_BAD_VALUE.format(field=f.label, value=raw)
        if not 0 <= value <= 99:
            return texts.OCR_FIX_BAD_VALUE.format(field=f.label, value=raw)
    h.values[key] = value
    if key == "temperature" and template.has("fever"):
        h.values["fever"] = None if value is None else value >= template.fever_threshold
    if report.columns and key not in report.columns:  # a field the photo had no column for, given by hand
        report.columns = [k for k in template.keys() if k in report.columns or k == key]
    _settle(h, key)
    return None


def _settle(h: HouseholdReport, key: str) -> None:
    if key in h.uncertain:
        h.uncertain.remove(key)
    h.confidence[key] = 1.0
