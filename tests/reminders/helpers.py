"""Running the offline bot's scheduled jobs at their time on the injected clock, and reading what they sent."""

from __future__ import annotations

from datetime import date, datetime

from telegram.ext import Job

from bot.sample.cast import DAY
from handlers.offline.bot import OfflineBot
from handlers.offline.fake import FakeChat
from handlers.offline.recording import Call
from handlers.telegram.reminders import CATCH_UP_JOB, JOB_PREFIX


async def catch_up(bot: OfflineBot) -> list[Call]:
    """Run the one-off start-up job as the JobQueue does when it starts (and take it off the queue)."""
    [job] = bot.app.job_queue.get_jobs_by_name(CATCH_UP_JOB)
    before = len(bot.request.calls)
    await job.run(bot.app)
    job.schedule_removal()
    return bot.request.calls[before:]


def nag_jobs(bot: OfflineBot) -> dict[str, Job]:
    return {j.name: j for j in bot.app.job_queue.jobs() if j.name and j.name.startswith(JOB_PREFIX)}


async def run_job(bot: OfflineBot, hhmm: str, *, at: datetime | None = None, day: date = DAY) -> list[Call]:
    """Run the job scheduled for local time ``hhmm`` with the clock at that moment (or at ``at``)."""
    job = nag_jobs(bot)[JOB_PREFIX + hhmm]
    due = bot.at(hhmm, day)
    assert job.next_t is not None and job.next_t.astimezone(bot.tz).time() == due.time()
    bot.clock.set(at or due)
    before = len(bot.request.calls)
    await job.run(bot.app)
    return bot.request.calls[before:]


def sends(calls: list[Call], chat: FakeChat | int | None = None) -> list[str]:
    cid = chat.id if isinstance(chat, FakeChat) else chat
    return [str(c.params["text"]) for c in calls
            if c.method == "sendMessage" and (cid is None or int(c.params["chat_id"]) == cid)]
