"""Summaries and exports on Telegram: /summary, /export, /chart, /statistician, and the daily retention job.

Each handler is one call into :class:`bot.stats.service.StatsService` and sends what comes back.

* The daily digest goes out through the reminders' digest slot (``handlers/telegram/reminders.py``: the
  ``schedule.digest`` time, to ``schedule.statisticians_chat_id``); its content, the statisticians'
  summary, is wired in ``bot/services.py``.
* Retention is a daily job of its own (``summary.retention_time``, time-zone aware), named
  :data:`RETENTION_JOB`.
"""

from __future__ import annotations

import io
import logging

from telegram import Chat, InputFile, Message, Update, User
from telegram.constants import ChatAction, ParseMode
from telegram.ext import Application, CommandHandler

from bot.core import texts
from bot.stats.service import StatsReply
from handlers.telegram.context import Context, app_services, services
from handlers.telegram.convert import command, tg_id, to_sender

log = logging.getLogger(__name__)

RETENTION_JOB = "gridbot retention"


def register(app: Application) -> None:
    app.add_handler(CommandHandler("summary", summary))
    app.add_handler(CommandHandler("export", export))
    app.add_handler(CommandHandler("chart", chart))
    app.add_handler(CommandHandler("statistician", statistician))


async def start(app: Application) -> None:
    """Schedule the daily retention job (the digest's content is wired in ``bot/services.py``). Called by the
    Application's start-up once the services are open."""
    st = app_services(app).stats
    jq = app.job_queue
    if jq is None:
        log.warning("no job queue: reports are not purged automatically")
        return
    for job in jq.get_jobs_by_name(RETENTION_JOB):
        job.schedule_removal()
    cfg = st.config.summary
    if cfg.retention_days > 0:
        jq.run_daily(retention_job, cfg.retention_time.replace(tzinfo=st.config.tz), name=RETENTION_JOB,
                     job_kwargs={"misfire_grace_time": None, "coalesce": True})


async def retention_job(context: Context) -> None:
    await services(context).stats.purge_expired()


# ---------------------------------------------------------------------------------------------- sending
async def send_stats_reply(context: Context, msg: Message, reply: StatsReply) -> None:
    """The texts (the first quoting the command), then the document or the photo."""
    mode = ParseMode.HTML if reply.html else None
    for i, text in enumerate(reply.texts):
        if i == 0:
            await msg.reply_text(text, parse_mode=mode, do_quote=True)
        else:
            await context.bot.send_message(msg.chat_id, text, parse_mode=mode)
    if reply.document is not None:
        d = reply.document
        await context.bot.send_document(msg.chat_id, InputFile(d.data, filename=d.filename), caption=d.caption or None)
    if reply.photo is not None:
        p = reply.photo
        await context.bot.send_photo(msg.chat_id, InputFile(p.data, filename=p.filename), caption=p.caption or None)


# ---------------------------------------------------------------------------------------------- commands
@command
async def summary(msg: Message, user: User, chat: Chat, context: Context) -> None:
    st = services(context).stats
    reply = await st.summary(tg_id(chat.id), chat.type, to_sender(user), " ".join(context.args or []))
    await send_stats_reply(context, msg, reply)


@command
async def chart(msg: Message, user: User, chat: Chat, context: Context) -> None:
    st = services(context).stats
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_PHOTO)
    reply = await st.chart(tg_id(chat.id), chat.type, to_sender(user), " ".join(context.args or []))
    await send_stats_reply(context, msg, reply)


@command
async def export(msg: Message, user: User, chat: Chat, context: Context) -> None:
    """The ledger file, in a private chat. A large one shows a progress message that is edited as the rows
    are written; every export shows the "sending a file" chat action."""
    st = services(context).stats
    job = await st.plan_export(tg_id(chat.id), chat.type, to_sender(user), " ".join(context.args or []))
    if isinstance(job, StatsReply):
        await send_stats_reply(context, msg, job)
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    period = job.period.label()
    progress_msg: Message | None = None
    if job.rows > st.config.summary.progress_rows:
        progress_msg = await msg.reply_text(
            texts.EXPORT_PROGRESS.format(title=job.title, period=period, rows=job.rows, pct=0), do_quote=True
        )
    shown = [0]

    async def progress(done: int, total: int) -> None:
        pct = done * 100 // total if total else 100
        if progress_msg is None or pct // 10 <= shown[0] // 10 or pct >= 100:
            return
        shown[0] = pct
        await progress_msg.edit_text(texts.EXPORT_PROGRESS.format(title=job.title, period=period, rows=job.rows,
                                                                  pct=pct // 10 * 10))
        await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)

    buf = io.BytesIO()
    counts = await st.write_export(job, buf, progress)
    tpl = texts.EXPORT_CAPTION_CSV if job.fmt == "csv" else texts.EXPORT_CAPTION
    caption = tpl.format(title=job.title, period=period, detail=counts.detail, missing=counts.missing,
                         anomalies=counts.anomalies, csv=job.csv_command())
    if progress_msg is not None:
        await progress_msg.edit_text(texts.EXPORT_DONE.format(rows=counts.detail))
    await context.bot.send_document(chat.id, InputFile(buf.getvalue(), filename=job.filename), caption=caption)
    log.info("export sent to chat %s: %d bytes", chat.id, buf.tell())


async def statistician(update: Update, context: Context) -> None:
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    replied = msg.reply_to_message.from_user if msg.reply_to_message is not None else None
    st = services(context).stats
    reply = await st.statistician(
        to_sender(user), " ".join(context.args or []),
        to_sender(replied) if replied is not None and not replied.is_bot else None,
    )
    await send_stats_reply(context, msg, reply)
