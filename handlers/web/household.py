"""The household page and 更正: a household's reports over a period with the audit trail (who stored each
version, when, how, from which message or photo, what it changed, and why it was replaced), and a form that
corrects one stored value with a reason.

A household is named in the URL by its reference (``/household/h12``), never by its data; whoever opens it is
checked against their scope by :meth:`bot.console.service.ConsoleService.household` (outside it: 404, the same
whether the household exists or not). The correction is a POST with the session's CSRF token (checked by the
app's session middleware) and goes through :meth:`~bot.console.service.ConsoleService.correct`, i.e. through
``ReportService.store_correction`` and the audit table as a chat correction does. A refused correction shows
the page again with its Chinese reason (400; 403/404 for what the user may not do), and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from aiohttp import web

from bot.console.service import Refused
from bot.core import texts
from bot.core.template import Field, Template
from handlers.web.anomalies import day_label, read_day, read_period
from handlers.web.render import VISIT, Visit, signed_in_page, who

#: the days the page shows by default: the last week
DEFAULT_DAYS = 7
#: the longest value and reason a form may send
MAX_VALUE = 60
MAX_REASON = 200
#: what a value is written like, by field type (a hint under the form's input)
HINTS = {"int": "数字，例如 4", "temperature": "体温，例如 36.8", "bool": "是 或 否", "bool_int": "否，或人数",
         "symptoms": "例如 咳嗽、乏力；没有就写 无", "text": "文字"}
ROUTE = "/household/{ref:h[1-9][0-9]{0,15}}"


def add_routes(r: web.UrlDispatcher) -> None:
    r.add_get(ROUTE, household, name="household")
    r.add_post(ROUTE + "/correct", correct, name="household_correct")


@dataclass(frozen=True)
class Shown:
    """One version as the page shows it: its times in the report's time zone."""

    entry: Any  # bot.console.history.HistoryEntry
    at: str  # 09:10
    replaced_at: str  # 09:25, or ""


def _hm(stamp: str | None, tz: tzinfo) -> str:
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone(tz).strftime("%H:%M")
    except ValueError:
        return ""


def hint(f: Field) -> str:
    if f.type == "enum":
        return "、".join(o.value for o in f.options)
    return HINTS.get(f.type, "")


def fields(template: Template) -> list[tuple[str, str, str]]:
    """The fields a correction may set: (key, label, hint)."""
    return [(f.key, f.label, hint(f)) for f in template.fields]


async def _render(request: web.Request, ref: str, start: date, end: date, form: dict[str, str],
                  notice: str | None = None, error: str | None = None, status: int = 200) -> web.StreamResponse:
    svc = who(request)[0]
    visit: Visit = request[VISIT]
    found = await svc.console.household(visit.sender, ref, start, end)
    if isinstance(found, Refused):
        return await _refused(request, found, 400 if found.text == texts.CONSOLE_BAD_PERIOD else 404)
    tz = svc.clock.tz
    days = [(d, [Shown(e, _hm(e.version.reported_at, tz), _hm(e.version.replaced_at, tz)) for e in d.entries])
            for d in found.days]
    today = svc.clock.today()
    ctx: dict[str, Any] = {
        "history": found, "days": days, "editable": found.correctable, "fields": fields(svc.config.template),
        "form": form, "notice": notice, "error": error, "today": today.isoformat(), "day_label": day_label,
        "period": {"start": start.isoformat(), "end": end.isoformat()}, "tab": "anomalies",
        "title": found.household.name + "家"}
    return await signed_in_page(request, "household.html", ctx, status=status)


async def _refused(request: web.Request, refused: Refused, status: int) -> web.Response:
    """A refusal that shows no household: not found, or not allowed."""
    return await signed_in_page(request, "message.html", {"title": texts.WEB_FORBIDDEN_TITLE if status == 403 else "没有找到",
                                          "text": refused.text, "tab": ""}, status=status)


def _blank_form(day: str) -> dict[str, str]:
    return {"day": day, "field": "", "value": "", "reason": ""}


async def household(request: web.Request) -> web.StreamResponse:
    svc = who(request)[0]
    today = svc.clock.today()
    ref = request.match_info["ref"]
    q = request.query
    done = read_day(q.get("done", ""), today) if q.get("done") else None
    period = read_period(q, today, back=DEFAULT_DAYS - 1)
    if isinstance(period, str):
        return await _render(request, ref, today - timedelta(days=DEFAULT_DAYS - 1), today, _blank_form(today.isoformat()),
                             error=period, status=400)
    start = min(period.start, done) if isinstance(done, date) else period.start
    notice = texts.WEB_CORRECTED.format(day=day_label(done)) if isinstance(done, date) else None
    return await _render(request, ref, start, period.end, _blank_form(today.isoformat()), notice=notice)


async def correct(request: web.Request) -> web.StreamResponse:
    svc = who(request)[0]
    visit: Visit = request[VISIT]
    today = svc.clock.today()
    ref = request.match_info["ref"]
    post = await request.post()
    form = {k: str(post.get(k, "")).strip() for k in ("day", "field", "value", "reason")}
    error: str | None = None
    day = read_day(form["day"], today)
    if isinstance(day, str):
        error = day
    elif not form["value"]:
        error = texts.WEB_CORRECT_NO_VALUE
    elif len(form["value"]) > MAX_VALUE:
        error = texts.WEB_TOO_LONG.format(what="数值", n=MAX_VALUE)
    elif len(form["reason"]) > MAX_REASON:
        error = texts.WEB_TOO_LONG.format(what="原因", n=MAX_REASON)
    shown_from = today - timedelta(days=DEFAULT_DAYS - 1)
    if error is None:
        assert isinstance(day, date)
        done = await svc.console.correct(visit.sender, ref, day, form["field"], form["value"], form["reason"])
        if not isinstance(done, Refused):
            raise web.HTTPSeeOther(f"/household/{ref}?done={day.isoformat()}")
        if done.text in (texts.CONSOLE_NOT_FOUND, texts.CONSOLE_NO_ROLE):
            return await _refused(request, done, 404 if done.text == texts.CONSOLE_NOT_FOUND else 403)
        if done.text == texts.CONSOLE_CORRECT_NOT_ALLOWED:
            return await _refused(request, done, 403)
        error = done.text
        shown_from = min(shown_from, day)
    for k, limit in (("value", MAX_VALUE), ("reason", MAX_REASON), ("day", 10), ("field", 40)):
        form[k] = form[k][:limit]
    return await _render(request, ref, shown_from, today, form, error=error, status=400)
