"""Photos of handwritten tables and printable forms on Telegram: the thin side of
:class:`bot.reports.photos.PhotoService`.

A photo (or an image file) in a bound group gets "正在识别…" at once; the download and the reading run as a
background job of the core's :class:`~bot.reports.reading.PhotoReader` (a worker thread, never on the event
loop), so other chats go on being served. The result replaces the note, with 确认 / 重新识别 / 取消 buttons.
"""

from __future__ import annotations

import logging
import re

from telegram import Chat, Message, Update, User
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core import texts
from bot.core.chat import IncomingPhoto, Reply
from bot.ocr.errors import OcrError
from bot.reports.photos import PhotoJob
from bot.services import Services
from handlers.telegram.context import Context, services
from handlers.telegram.convert import command, markup, send_reply, tg_id, tg_native, to_sender

log = logging.getLogger(__name__)

CALLBACK = r"^ocr:[crx]:\d{1,18}:[0-9a-f]{8}$"  # an id that fits SQLite's 64-bit integers
_CORRECTION_HINT = re.compile(r"^(第\s*)?\d{1,3}\s*(行|户)?[\s,，:：、]*[\u4e00-\u9fff]")


def register(app: Application) -> None:
    images = filters.PHOTO | filters.Document.ALL
    app.add_handler(MessageHandler(images & filters.ChatType.GROUPS, photo))
    app.add_handler(CallbackQueryHandler(decision, pattern=CALLBACK))
    app.add_handler(CommandHandler("form", form_command))
    # corrections must be seen before the report handler reads "3 体温 36.8" as a report
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS, correction), group=-1)


def to_photo(update: Update) -> IncomingPhoto | None:
    msg, user = update.message, update.effective_user
    if msg is None or user is None or user.is_bot:
        return None
    sender = to_sender(user)
    if msg.photo:
        p = msg.photo[-1]
        return IncomingPhoto(tg_id(msg.chat_id), msg.chat.type, str(msg.message_id), sender, p.file_id, msg.date,
                             p.file_size,
                             "image/jpeg", None, False)
    if msg.document is not None:
        d = msg.document
        return IncomingPhoto(tg_id(msg.chat_id), msg.chat.type, str(msg.message_id), sender, d.file_id, msg.date,
                             d.file_size,
                             d.mime_type, d.file_name, True)
    return None


async def photo(update: Update, context: Context) -> None:
    incoming = to_photo(update)
    msg = update.message
    if incoming is None or msg is None:
        return
    svc = services(context)
    job, reply = await svc.photos.accept(incoming)
    if job is None:
        await send_reply(msg, reply)
        return
    if svc.reader.full:
        await send_reply(msg, Reply(texts.OCR_ERRORS["busy"]))
        return
    try:
        await context.bot.send_chat_action(tg_native(incoming.chat_id), ChatAction.TYPING)
    except TelegramError:
        log.debug("chat action failed in chat %s", incoming.chat_id)
    note = await msg.reply_text(texts.OCR_READING, do_quote=True)
    svc.reader.submit(lambda: _read_and_reply(context, svc, job, note))


async def _read_and_reply(context: Context, svc: Services, job: PhotoJob, note: Message, attempt: int = 0,
                          pending_id: int | None = None) -> None:
    try:
        data = await _download(context, job.photo.file_id, svc.config.ocr.max_bytes)
    except OcrError as e:
        log.info("photo in chat %s not downloaded: %s", job.photo.chat_id, e.code)
        await _edit(note, Reply(texts.OCR_ERRORS[e.code]))
        return
    reply = await svc.photos.read(job, data, svc.reader, attempt, pending_id)
    if reply is None:
        return
    if pending_id is None and reply.ref is not None:
        await svc.photos.attach_reply(reply.ref, str(note.message_id))
    await _edit(note, reply)


async def _download(context: Context, file_id: str, max_bytes: int) -> bytes:
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


async def decision(update: Update, context: Context) -> None:
    """确认 / 重新识别 / 取消: checked against the stored pending record (the sender or their grid leader)."""
    query = update.callback_query
    if query is None or query.data is None or query.from_user is None:
        return
    _, action, pid_s, nonce = query.data.split(":")
    pid = int(pid_s)
    svc = services(context)
    user = to_sender(query.from_user)
    if action == "c":
        done, text = await svc.photos.confirm(user, pid, nonce)
    elif action == "x":
        done, text = await svc.photos.cancel(user, pid, nonce)
    else:
        reading, why = await svc.photos.check(user, pid, nonce)
        if reading is None:
            await query.answer(why, show_alert=True)
            return
        if svc.reader.full:
            await query.answer(texts.OCR_ERRORS["busy"], show_alert=True)
            return
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        await msg.edit_text(texts.OCR_REREADING)
        job = await svc.photos.job_for(reading)
        if job is None:
            await msg.edit_text(texts.OCR_GONE)
            return
        attempt = reading.attempts
        svc.reader.submit(lambda: _read_and_reply(context, svc, job, msg, attempt=attempt, pending_id=pid))
        return
    if done:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(text)
    else:
        await query.answer(text, show_alert=True)


async def correction(update: Update, context: Context) -> None:
    """A text reply to a reading (or a bare "3 体温 36.8" while one is open) corrects it; anything else
    falls through to the report handler."""
    msg, user = update.message, update.effective_user
    if msg is None or user is None or msg.text is None or user.is_bot:
        return
    reply_to = None
    if msg.reply_to_message is not None and msg.reply_to_message.from_user is not None \
            and msg.reply_to_message.from_user.id == context.bot.id:
        reply_to = str(msg.reply_to_message.message_id)
    elif not _CORRECTION_HINT.match(msg.text.strip()):
        return
    photos = services(context).photos
    reply = await photos.correct(tg_id(msg.chat_id), to_sender(user), msg.text, reply_to)
    if reply is None:
        return
    sent = await msg.reply_text(reply.text, reply_markup=markup(reply), do_quote=True)
    if reply.ref is not None and reply.buttons:
        await photos.attach_reply(reply.ref, str(sent.message_id))
    raise ApplicationHandlerStop


@command
async def form_command(msg: Message, user: User, chat: Chat, context: Context) -> None:
    """/form [YYYY-MM-DD] [N天]: the member's printable form as a PDF; /form 第一网格 [YYYY-MM-DD] [N天] in a
    private chat: a print run (every member the sender may print for, one page per member and day)."""
    svc = services(context)
    req = await svc.photos.form_request(None if chat.type == "private" else tg_id(chat.id), to_sender(user),
                                        " ".join(context.args or []).strip())
    if isinstance(req, Reply):
        await send_reply(msg, req)
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    form = await svc.photos.render_form(req, svc.reader)
    if isinstance(form, Reply):
        await send_reply(msg, form)
        return
    await msg.reply_document(form.data, filename=form.filename, caption=form.caption)
