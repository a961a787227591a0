"""Photos of handwritten tables and printable forms: the thin Telegram side of ``bot.photos``.

A photo (or an image file) in a bound group is downloaded and read in a worker thread, never on the event
loop: the handler only answers "正在识别…" and queues the reading, so other chats go on being served.
At most ``ocr.workers`` photos are read at once and ``ocr.max_queue`` wait; beyond that the member is asked
to send it again later. The result replaces the "正在识别…" note, with 确认 / 重新识别 / 取消 buttons.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from telegram import Chat, Message, Update, User
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import texts
from bot.photos import IncomingPhoto, PhotoJob, PhotoService
from bot.service import Reply
from handlers.convert import command, markup, send_reply, to_sender
from storage.ocr_repo import PendingRepo

log = logging.getLogger(__name__)

CALLBACK = r"^ocr:[crx]:\d{1,18}:[0-9a-f]{8}$"  # an id that fits SQLite's 64-bit integers


class PhotoWorker:
    """A bounded queue in front of a small thread pool."""

    def __init__(self, workers: int, max_queue: int, timeout_s: float):
        self.workers = workers
        self.max_queue = max_queue
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gridbot-ocr")
        self._slots = asyncio.Semaphore(workers)
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def busy(self) -> int:
        return len(self._tasks)

    def submit(self, coro_factory: Callable[[], Awaitable[None]]) -> bool:
        """Start a background job (download + read + reply); False when the queue is full."""
        if len(self._tasks) >= self.workers + self.max_queue:
            return False
        task = asyncio.get_running_loop().create_task(self._guard(coro_factory))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _guard(self, coro_factory: Callable[[], Awaitable[None]]) -> None:
        try:
            await coro_factory()
        except Exception:  # a job must never take the bot down; the member got an apology where possible
            log.exception("photo job failed")

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking ``fn`` in the pool when a slot is free, within the time limit."""
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await asyncio.wait_for(loop.run_in_executor(self._pool, fn, *args), self.timeout_s)

    async def join(self) -> None:
        """Wait for every queued job (the offline bot and the demo use this)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _state(context: ContextTypes.DEFAULT_TYPE) -> tuple[PhotoService, PhotoWorker]:
    data = context.application.bot_data
    svc = data.get("photo_service")
    if svc is None:
        services = data["services"]
        svc = PhotoService(services.config, services.grid, PendingRepo(services.db))
        cfg = services.config.ocr
        worker = PhotoWorker(cfg.workers, cfg.max_queue, cfg.timeout_s)
        data["photo_service"], data["photo_worker"] = svc, worker
        data.setdefault("settle", []).append(worker.join)
    return svc, data["photo_worker"]


def to_photo(update: Update) -> IncomingPhoto | None:
    msg, user = update.message, update.effective_user
    if msg is None or user is None or user.is_bot:
        return None
    sender = to_sender(user)
    if msg.photo:
        p = msg.photo[-1]
        return IncomingPhoto(msg.chat_id, msg.chat.type, msg.message_id, sender, p.file_id, msg.date, p.file_size,
                             "image/jpeg", None, False)
    if msg.document is not None:
        d = msg.document
        return IncomingPhoto(msg.chat_id, msg.chat.type, msg.message_id, sender, d.file_id, msg.date, d.file_size,
                             d.mime_type, d.file_name, True)
    return None


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    incoming = to_photo(update)
    msg = update.message
    if incoming is None or msg is None:
        return
    svc, worker = _state(context)
    job, reply = await svc.accept(incoming)
    if job is None:
        await send_reply(msg, reply)
        return
    if worker.busy >= worker.workers + worker.max_queue:
        await send_reply(msg, Reply(texts.OCR_ERRORS["busy"]))
        return
    try:
        await context.bot.send_chat_action(incoming.chat_id, ChatAction.TYPING)
    except TelegramError:
        log.debug("chat action failed in chat %s", incoming.chat_id)
    note = await msg.reply_text(texts.OCR_READING, do_quote=True)
    worker.submit(lambda: _read_and_reply(context, svc, worker, job, note))


async def _read_and_reply(context: ContextTypes.DEFAULT_TYPE, svc: PhotoService, worker: PhotoWorker,
                          job: PhotoJob, note: Message, attempt: int = 0, pending_id: int | None = None) -> None:
    from bot.ocr.errors import OcrError
    from bot.ocr.reader import read_photo

    cfg = svc.config
    try:
        data = await _download(context, job.photo.file_id, cfg.ocr.max_bytes)
        reading = await worker.run(read_photo, data, job.member, cfg.template, cfg.ocr, None, attempt)
    except OcrError as e:
        log.info("photo in chat %s not read: %s", job.photo.chat_id, e.code)
        await _edit(note, Reply(texts.OCR_ERRORS[e.code]))
        return
    except TimeoutError:
        log.warning("photo in chat %s: reading timed out", job.photo.chat_id)
        await _edit(note, Reply(texts.OCR_ERRORS["timeout"]))
        return
    except Exception:
        log.exception("photo in chat %s: reading failed", job.photo.chat_id)
        await _edit(note, Reply(texts.OCR_ERRORS["failed"]))
        return
    if pending_id is None:
        pid, reply = await svc.save_reading(job, reading.report, reading.kind, reading.form_id)
        if pid is None:
            return
        await svc.attach_reply(pid, note.message_id)
    else:
        new = await svc.reread_done(pending_id, reading.report, reading.kind, reading.form_id)
        if new is None:
            return
        reply = new
    await _edit(note, reply)


async def _download(context: ContextTypes.DEFAULT_TYPE, file_id: str, max_bytes: int) -> bytes:
    from bot.ocr.errors import OcrError

    try:
        f = await context.bot.get_file(file_id)
    except TelegramError as e:
        raise OcrError("too_large" if "too big" in str(e).lower() else "failed", type(e).__name__) from None
    if f.file_size is not None and f.file_size > max_bytes:
        raise OcrError("too_large")
    return bytes(await f.download_as_bytearray())


async def _edit(note: Message, reply: Reply) -> None:
    try:
        await note.edit_text(reply.text, reply_markup=markup(reply))
    except TelegramError:
        log.warning("could not edit the photo note in chat %s", note.chat_id)


async def decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """确认 / 重新识别 / 取消: checked against the stored pending record (the sender or their grid leader)."""
    query = update.callback_query
    if query is None or query.data is None or query.from_user is None:
        return
    _, action, pid_s, nonce = query.data.split(":")
    pid = int(pid_s)
    svc, worker = _state(context)
    user = to_sender(query.from_user)
    if action == "c":
        done, text = await svc.confirm(user, pid, nonce)
    elif action == "x":
        done, text = await svc.cancel(user, pid, nonce)
    else:
        row, why = await svc.check(user, pid, nonce)
        if row is None:
            await query.answer(why, show_alert=True)
            return
        if worker.busy >= worker.workers + worker.max_queue:
            await query.answer(texts.OCR_ERRORS["busy"], show_alert=True)
            return
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        await msg.edit_text(texts.OCR_REREADING)
        job = await _job_from_row(svc, row)
        if job is None:
            await msg.edit_text(texts.OCR_GONE)
            return
        worker.submit(lambda: _read_and_reply(context, svc, worker, job, msg, attempt=int(row["attempts"]),
                                              pending_id=pid))
        return
    if done:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(text)
    else:
        await query.answer(text, show_alert=True)


async def _job_from_row(svc: PhotoService, row: Any) -> PhotoJob | None:
    from datetime import datetime

    roster = await svc.grid.roster([int(row["grid_id"])])
    member = next((m for m in roster.members if m.id == row["member_id"]), None)
    if member is None:
        return None
    photo = IncomingPhoto(int(row["chat_id"]), "supergroup", int(row["message_id"]),
                          to_sender_id(int(row["sender_user_id"])), str(row["photo_file_id"]),
                          datetime.fromisoformat(row["created_at"]))
    return PhotoJob(photo, member, int(row["member_id"]), int(row["grid_id"]), str(row["day"]))


def to_sender_id(user_id: int) -> Any:
    from bot.service import Sender

    return Sender(user_id)


async def correction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text reply to a reading (or a bare "3 体温 36.8" while one is open) corrects it; anything else
    falls through to the report handler."""
    msg, user = update.message, update.effective_user
    if msg is None or user is None or msg.text is None or user.is_bot:
        return
    reply_to = None
    if msg.reply_to_message is not None and msg.reply_to_message.from_user is not None \
            and msg.reply_to_message.from_user.id == context.bot.id:
        reply_to = msg.reply_to_message.message_id
    elif not _CORRECTION_HINT.match(msg.text.strip()):
        return
    svc, _ = _state(context)
    reply = await svc.correct(msg.chat_id, to_sender(user), msg.text, reply_to)
    if reply is None:
        return
    sent = await msg.reply_text(reply.text, reply_markup=markup(reply), do_quote=True)
    pending = await svc.pending.by_reply(msg.chat_id, reply_to) if reply_to is not None else \
        await svc.pending.latest_open(msg.chat_id, user.id)
    if pending is not None and reply.buttons:
        await svc.attach_reply(int(pending["id"]), sent.message_id)
    raise ApplicationHandlerStop


_CORRECTION_HINT = re.compile(r"^(第\s*)?\d{1,3}\s*(行|户)?[\s,，:：、]*[\u4e00-\u9fff]")


@command
async def form_command(msg: Message, user: User, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/form [YYYY-MM-DD]: the member's printable form as a PDF."""
    from bot.ocr.form import render_form

    svc, worker = _state(context)
    grid = svc.grid
    arg = " ".join(context.args or []).strip()
    try:
        day = date.fromisoformat(arg) if arg else grid.day_of(grid.now())
    except ValueError:
        await send_reply(msg, Reply(texts.FORM_BAD_DATE))
        return
    rows = await grid.linked_members(None if chat.type == "private" else chat.id, to_sender(user))
    if not rows:
        await send_reply(msg, Reply(texts.FORM_NOT_LINKED))
        return
    roster = await grid.roster([rows[0]["grid_id"]])
    member = next((m for m in roster.members if m.id == rows[0]["id"]), None)
    if member is None or not member.households:
        await send_reply(msg, Reply(texts.FORM_NO_HOUSEHOLDS))
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    label = f"{member.village}{member.grid}"
    try:
        pdf = await worker.run(lambda: render_form(member, svc.config.template, day, label).pdf_bytes())
    except Exception:
        log.exception("form rendering failed")
        await send_reply(msg, Reply(texts.FORM_FAILED))
        return
    await msg.reply_document(
        pdf, filename=f"排查登记表-{member.name}-{day.isoformat()}.pdf",
        caption=texts.FORM_CAPTION.format(member=member.name, day=f"{day.month}月{day.day}日",
                                          households=len(member.households)),
    )


def register(app: Any) -> None:
    """The photo handlers (called from ``handlers.app.register``)."""
    images = filters.PHOTO | filters.Document.ALL
    app.add_handler(MessageHandler(images & filters.ChatType.GROUPS, photo))
    app.add_handler(CallbackQueryHandler(decision, pattern=CALLBACK))
    app.add_handler(CommandHandler("form", form_command))
    # corrections must be seen before the report handler reads "3 体温 36.8" as a report
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS, correction), group=-1)


async def reoffer(app: Any, grid_id: int, day: date) -> int:
    """Post again, in its group, every reading of this grid and day still waiting for 确认 (called with the
    reminders). Returns how many were re-offered. Nothing is ever stored here."""
    data = app.bot_data
    services = data.get("services")
    if services is None:
        return 0
    svc = data.get("photo_service") or PhotoService(services.config, services.grid, PendingRepo(services.db))
    sent = 0
    for offer in await svc.open_confirmations(grid_id, day.isoformat()):
        try:
            msg = await app.bot.send_message(
                offer.chat_id, offer.reply.text, reply_markup=markup(offer.reply),
                reply_parameters=_reply_to(offer.reply_to),
            )
        except TelegramError as e:
            log.warning("re-offering reading %s failed: %s", offer.pending_id, type(e).__name__)
            continue
        await svc.reoffered(offer.pending_id, msg.message_id)
        sent += 1
    if sent:
        log.info("re-offered %d photo reading(s) of grid %s", sent, grid_id)
    return sent


def _reply_to(message_id: int | None) -> Any:
    from telegram import ReplyParameters

    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None
