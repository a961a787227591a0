"""Feishu events → the core's services, and the replies back: the thin side of the reporting loop.

One function per event type; :func:`handle` picks it. Texts go the way Telegram's do: a correction of an open
photo reading first, then a report (``ReportService.handle_message``), then the follow-ups (thanks, the
leader's update). Commands are text (``/summary``, ``汇总``). A recalled message withdraws its report as an
edit does on Telegram. Photos (image messages, image files, the images of a ``post``) go through
``PhotoService`` and are answered with an interactive card; card clicks are checked against the stored state.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import texts
from bot.core.chat import IncomingMessage, IncomingPhoto, Outgoing, Reply, Sender
from bot.core.ids import FEISHU, is_platform, native
from bot.core.records import InboxUpdate
from bot.ocr.errors import OcrError
from bot.reminders.service import leader_update_text
from bot.reports.photos import PhotoJob
from bot.stats.service import StatsReply
from handlers.feishu import events, render
from handlers.feishu.api import FeishuError
from handlers.feishu.runtime import FeishuBot

log = logging.getLogger(__name__)

Command = Callable[[FeishuBot, events.Received, str], Awaitable[None]]


async def handle(bot: FeishuBot, row: InboxUpdate, event: dict[str, Any]) -> dict[str, Any] | None:
    """Handle one stored event. Never raises for bad input: a broken event is logged by type and dropped."""
    try:
        kind, _ = events.header(event)
        if kind == events.RECEIVE:
            await on_message(bot, event)
        elif kind == events.RECALLED:
            await on_recall(bot, events.recall(event))
        elif kind == events.CARD_ACTION:
            return await on_card(bot, event)
        elif kind == events.BOT_MENU:
            await _guarded(bot, events.menu_click(event))
        elif kind in (events.BOT_REMOVED, events.DISBANDED):
            chat = events.chat_of(event)
            if chat is not None:
                await bot.services.reports.chat_gone(chat)
                await bot.services.reminders.chat_gone(chat)
                log.info("removed from chat %s; its bindings are inactive", chat)
    except events.BadEvent as e:
        log.info("feishu event %s dropped: %s", row.update_id, e)
    return None


# ---------------------------------------------------------------------------------------------- messages
async def on_message(bot: FeishuBot, event: dict[str, Any]) -> None:
    body = event.get("event") or {}
    sender_ids = (body.get("sender") or {}).get("sender_id") or {}
    msg = body.get("message") or {}
    open_id, chat_native = sender_ids.get("open_id"), msg.get("chat_id")
    names: dict[str, str] = {}
    if isinstance(open_id, str) and isinstance(chat_native, str) and chat_native:
        names = await bot.names(f"feishu:{chat_native}", open_id, msg.get("chat_type") != "p2p")
    got = events.received(event, bot.bot_open_id, names)
    if got is not None:
        await _guarded(bot, got)


async def _guarded(bot: FeishuBot, got: events.Received) -> None:
    """A member's message (or a menu item, the command it names as if typed in the private chat: the same
    checks), answered; a failure is logged and apologised for."""
    m = got.message
    try:
        await _message(bot, got)
    except FeishuError as e:
        log.warning("feishu: answering message %s in chat %s failed: %s", m.message_id, m.chat_id, type(e).__name__)
    except Exception as e:  # a bug must not end the adapter: apologise and go on
        log.error("error while handling message %s in chat %s: %s", m.message_id, m.chat_id, type(e).__name__,
                  exc_info=e)
        try:
            await bot.answer(m.chat_id, m.message_id, Reply(texts.ERROR))
        except FeishuError:
            log.warning("could not send the apology in chat %s", m.chat_id)


async def _message(bot: FeishuBot, got: events.Received) -> None:
    m = got.message
    svc = bot.services
    if m.chat_type == "private":
        await svc.reminders.private_seen(m.sender.user_id)
    cmd = events.command(m.text) if m.text else None
    if cmd is not None:
        if cmd.name:
            await COMMANDS[cmd.name](bot, got, cmd.args)
        return  # an unknown /command: silence, as on Telegram
    if got.photos:
        for photo in got.photos:
            await on_photo(bot, photo)
    elif got.other_file and m.chat_type != "private":
        return  # a document that is no image: not a report
    if not m.text:
        if got.photos and m.chat_type != "private":
            await _followups(bot, m)
        return
    if m.chat_type == "private":
        await bot.answer(m.chat_id, m.message_id, Reply(texts.PRIVATE_ONLY_HINT))
        return
    if await _correction(bot, m):
        return
    reply = await svc.reports.handle_message(m)
    if reply is not None:
        await bot.send_ack(m.chat_id, m.message_id, reply)
    await _followups(bot, m)


async def _correction(bot: FeishuBot, m: IncomingMessage) -> bool:
    """A reply to a reading's card (or ``3 体温 36.8`` while one is open) corrects it."""
    photos = bot.services.photos
    reply = None
    if m.reply_to_bot is not None:
        reply = await photos.correct(m.chat_id, m.sender, m.text, m.reply_to_bot)
    if reply is None:
        reply = await photos.correct(m.chat_id, m.sender, m.text, None)
    if reply is None:
        return False
    mid = await bot.answer(m.chat_id, m.message_id, reply)
    if reply.ref is not None and reply.buttons and mid is not None:
        await photos.attach_reply(reply.ref, mid)
    return True


async def _followups(bot: FeishuBot, m: IncomingMessage) -> None:
    nags = bot.services.reminders
    fu = await nags.followups(m.chat_id)
    thanks = nags.cfg.thanks
    if fu.thanks and thanks:
        await bot.answer(m.chat_id, m.message_id, Reply(thanks.format(name="、".join(fu.thanks))))
    for up in fu.leader_updates:
        text = leader_update_text(up, str)
        if not is_platform(up.chat_id, FEISHU):  # the leader is known on another platform: its adapter says it
            if bot.send_elsewhere is None:
                log.warning("leader update to chat %s: no adapter runs for it", up.chat_id)
            else:
                await bot.send_elsewhere([Outgoing(up.chat_id, Reply(text, quote=False))])
            continue
        try:
            await bot.say(up.chat_id, text)
        except FeishuError as e:
            log.warning("leader update to chat %s failed: %s", up.chat_id, type(e).__name__)


async def on_recall(bot: FeishuBot, r: events.Recall) -> None:
    """A recalled message withdraws what it reported, as an edit to nothing does on Telegram."""
    reply = await bot.services.reports.withdraw(r.chat_id, r.message_id, r.date, r.update_id)
    if reply is not None:
        await bot.send_ack(r.chat_id, "", Reply(reply.text, quote=False, outbox_id=reply.outbox_id))


# ---------------------------------------------------------------------------------------------- commands
def _sender(got: events.Received) -> Sender:
    return got.message.sender


async def _answer(bot: FeishuBot, got: events.Received, reply: Reply | None) -> None:
    await bot.answer(got.message.chat_id, got.message.message_id, reply)


async def cmd_start(bot: FeishuBot, got: events.Received, args: str) -> None:
    await _answer(bot, got, Reply(texts.START))


async def cmd_help(bot: FeishuBot, got: events.Received, args: str) -> None:
    await _answer(bot, got, Reply(texts.HELP, html=True))


async def cmd_bind(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    is_admin = False
    if m.chat_type == "group":
        try:
            owner = await bot.api.chat_owner(native(m.chat_id))
            is_admin = owner is not None and f"feishu:{owner}" == m.sender.user_id
        except FeishuError:
            log.info("the owner of chat %s is not known", m.chat_id)
    await _answer(bot, got, await bot.services.reports.bind(m.chat_id, m.chat_type, m.sender, is_admin, args))


async def cmd_iam(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    await _answer(bot, got, await bot.services.reports.iam(m.chat_id, m.chat_type, m.sender, args))


async def cmd_mystatus(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    await _answer(bot, got, await bot.services.reports.mystatus(m.chat_id, m.chat_type, m.sender))


async def cmd_undo(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    await _answer(bot, got, await bot.services.reports.undo(m.chat_id, m.chat_type, m.sender))


async def cmd_schedule(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    reply, changed = await bot.services.reminders.set_schedule(m.chat_id, m.chat_type, m.sender, args.split())
    try:
        await _answer(bot, got, reply)
    finally:  # the change is stored: a time moved into the recent past is due now, even if the answer failed
        if changed and bot.schedule_changed is not None:
            await bot.schedule_changed()


async def cmd_pause(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    await _answer(bot, got, await bot.services.reminders.pause(m.chat_id, m.chat_type, m.sender, args.split()))


async def cmd_resume(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    await _answer(bot, got, await bot.services.reminders.resume(m.chat_id, m.chat_type, m.sender))


async def cmd_leave(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    await _answer(bot, got, await bot.services.reminders.leave(m.chat_id, m.chat_type, m.sender, args.split()))


async def send_stats(bot: FeishuBot, got: events.Received, reply: StatsReply) -> None:
    """The texts (the first quoting the command), then the document (uploaded as a file) or the chart
    (uploaded as an image)."""
    m = got.message
    for i, text in enumerate(reply.texts):
        r = Reply(text, html=reply.html)
        if i == 0:
            await bot.answer(m.chat_id, m.message_id, r)
        else:
            await bot.say(m.chat_id, render.plain(text, reply.html))
    if reply.document is not None:
        await send_file(bot, m.chat_id, reply.document.data, reply.document.filename, reply.document.caption)
    if reply.photo is not None:
        key = await bot.api.upload_image(reply.photo.data)
        await bot.send(m.chat_id, "image", {"image_key": key})
        if reply.photo.caption:
            await bot.say(m.chat_id, reply.photo.caption)


async def send_file(bot: FeishuBot, chat: str, data: bytes, filename: str, caption: str = "") -> None:
    """Upload a file (``im/v1/files``) and post it; the caption goes first, as a text."""
    if caption:
        await bot.say(chat, caption)
    lower = filename.lower()
    kind = "xls" if lower.endswith((".xlsx", ".xls", ".csv")) else "pdf" if lower.endswith(".pdf") else "stream"
    key = await bot.api.upload_file(data, filename, kind)
    await bot.send(chat, "file", {"file_key": key})


async def cmd_summary(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    await send_stats(bot, got, await bot.services.stats.summary(m.chat_id, m.chat_type, m.sender, args))


async def cmd_chart(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    await send_stats(bot, got, await bot.services.stats.chart(m.chat_id, m.chat_type, m.sender, args))


async def cmd_statistician(bot: FeishuBot, got: events.Received, args: str) -> None:
    await send_stats(bot, got, await bot.services.stats.statistician(got.message.sender, args, None))


async def cmd_export(bot: FeishuBot, got: events.Received, args: str) -> None:
    """The ledger, in a private chat: written, uploaded as a file and posted."""
    m = got.message
    st = bot.services.stats
    job = await st.plan_export(m.chat_id, m.chat_type, m.sender, args)
    if isinstance(job, StatsReply):
        await send_stats(bot, got, job)
        return
    buf = io.BytesIO()
    counts = await st.write_export(job, buf)
    tpl = texts.EXPORT_CAPTION_CSV if job.fmt == "csv" else texts.EXPORT_CAPTION
    caption = tpl.format(title=job.title, period=job.period.label(), detail=counts.detail, missing=counts.missing,
                         anomalies=counts.anomalies, csv=job.csv_command())
    await send_file(bot, m.chat_id, buf.getvalue(), job.filename, caption)
    log.info("export sent to chat %s: %d bytes", m.chat_id, buf.tell())


async def cmd_form(bot: FeishuBot, got: events.Received, args: str) -> None:
    m = got.message
    svc = bot.services
    req = await svc.photos.form_request(None if m.chat_type == "private" else m.chat_id, m.sender, args)
    if isinstance(req, Reply):
        await _answer(bot, got, req)
        return
    form = await svc.photos.render_form(req, svc.reader)
    if isinstance(form, Reply):
        await _answer(bot, got, form)
        return
    await send_file(bot, m.chat_id, form.data, form.filename, form.caption)


async def cmd_web(bot: FeishuBot, got: events.Received, args: str) -> None:
    """The web console's one-time sign-in link, in a private chat."""
    m = got.message
    await _answer(bot, got, await bot.services.web.link(m.chat_type, m.sender))


COMMANDS: dict[str, Command] = {
    "start": cmd_start, "help": cmd_help, "bind": cmd_bind, "iam": cmd_iam, "mystatus": cmd_mystatus,
    "undo": cmd_undo, "form": cmd_form, "summary": cmd_summary, "export": cmd_export, "chart": cmd_chart,
    "statistician": cmd_statistician, "schedule": cmd_schedule, "pause": cmd_pause, "resume": cmd_resume,
    "leave": cmd_leave, "web": cmd_web,
}


# ---------------------------------------------------------------------------------------------- photos
async def on_photo(bot: FeishuBot, photo: IncomingPhoto) -> None:
    svc = bot.services
    job, reply = await svc.photos.accept(photo)
    if job is None:
        await bot.answer(photo.chat_id, photo.message_id, reply)
        return
    if svc.reader.full:
        await bot.answer(photo.chat_id, photo.message_id, Reply(texts.OCR_ERRORS["busy"]))
        return
    note = await bot.api.reply(native(photo.chat_id), photo.message_id, "interactive", render.card(texts.OCR_READING))
    svc.reader.submit(lambda: read_and_reply(bot, job, note))


async def read_and_reply(bot: FeishuBot, job: PhotoJob, note: str, attempt: int = 0,
                         pending_id: int | None = None) -> None:
    svc = bot.services
    photo = job.photo
    try:
        kind, key = events.split_photo_key(photo.file_id)
        data = await bot.api.download(photo.message_id, key, kind)
        if len(data) > svc.config.ocr.max_bytes:
            raise OcrError("too_large")
        if not data:
            raise OcrError("failed")
    except (OcrError, FeishuError, events.BadEvent) as e:
        code = e.code if isinstance(e, OcrError) else "failed"
        log.info("photo in chat %s not downloaded: %s", photo.chat_id, code)
        await _update(bot, photo.chat_id, note, Reply(texts.OCR_ERRORS[code]))
        return
    reply = await svc.photos.read(job, data, svc.reader, attempt, pending_id)
    if reply is None:
        return
    if pending_id is None and reply.ref is not None:
        await svc.photos.attach_reply(reply.ref, note)
    await _update(bot, photo.chat_id, note, reply)


async def _update(bot: FeishuBot, chat: str, message_id: str, reply: Reply) -> None:
    try:
        await bot.api.update_card(native(chat), message_id, render.card(render.plain(reply.text, reply.html),
                                                                        reply.buttons))
    except FeishuError:
        log.warning("could not update the photo card in chat %s", chat)


# ---------------------------------------------------------------------------------------------- card clicks
async def on_card(bot: FeishuBot, event: dict[str, Any]) -> dict[str, Any] | None:
    """A button of a photo reading (确认 / 重新识别 / 取消) or of an /iam request (同意 / 拒绝), checked against
    the stored state; the answer is a toast for the clicker, and the card is updated when it is done."""
    click = events.card_click(event)
    svc = bot.services
    names = await bot.names(click.chat_id, native(click.user.user_id), True)
    user = Sender(click.user.user_id, None, names.get(native(click.user.user_id), ""))
    parts = click.data.split(":")
    if len(parts) == 3 and parts[0] == "iam" and parts[1] in ("a", "r") and parts[2].isdigit():
        done, text = await svc.reports.decide_link(user, int(parts[2]), parts[1] == "a")
    elif len(parts) == 4 and parts[0] == "ocr" and parts[1] in ("c", "x", "r") and parts[2].isdigit():
        pid, nonce = int(parts[2]), parts[3]
        if parts[1] == "r":
            return await _reread(bot, click, user, pid, nonce)
        if parts[1] == "c":
            done, text = await svc.photos.confirm(user, pid, nonce)
        else:
            done, text = await svc.photos.cancel(user, pid, nonce)
    else:
        log.info("a card click with unknown data in chat %s dropped", click.chat_id)
        return None
    if done:
        await _update(bot, click.chat_id, click.message_id, Reply(text))
    return render.toast(text, done)


async def _reread(bot: FeishuBot, click: events.CardClick, user: Sender, pid: int, nonce: str
                  ) -> dict[str, Any] | None:
    svc = bot.services
    reading, why = await svc.photos.check(user, pid, nonce)
    if reading is None:
        return render.toast(why, False)
    if svc.reader.full:
        return render.toast(texts.OCR_ERRORS["busy"], False)
    await _update(bot, click.chat_id, click.message_id, Reply(texts.OCR_REREADING))
    job = await svc.photos.job_for(reading)
    if job is None:
        await _update(bot, click.chat_id, click.message_id, Reply(texts.OCR_GONE))
        return None
    attempt = reading.attempts
    svc.reader.submit(lambda: read_and_reply(bot, job, click.message_id, attempt=attempt, pending_id=pid))
    return None
