"""The 异常 page: fever, symptoms, returnees, isolation and visitors over a chosen period, filtered by kind and
grid, each row linking to its household's page.

It renders :meth:`bot.console.service.ConsoleService.anomalies`, which scopes the rows as the chat does (a
statistician their town or village, a leader their grids, a member their own households). The filters are a
GET form: dates, a field key and a grid id go into the query string, never a household's data. A bad value
gets the page back with a Chinese message (status 400), never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from aiohttp import web

from bot.console.service import Refused
from bot.core import texts
from handlers.web.render import VISIT, Visit, signed_in_page, who

#: the quick choices of period above the form: (label, days back from today)
QUICK = (("今天", 0), ("近3天", 2), ("近7天", 6), ("近30天", 29))


def add_routes(r: web.UrlDispatcher) -> None:
    r.add_get("/anomalies", anomalies, name="anomalies")


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def day_label(d: date) -> str:
    """2月3日, as the chat writes a day."""
    return f"{d.month}月{d.day}日"


def read_day(raw: str, default: date) -> date | str:
    """A date from a form (``2020-02-03``; empty: ``default``), or the Chinese message for a bad one."""
    raw = raw.strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return texts.WEB_BAD_DATE.format(value=raw[:20])


def read_period(query: Mapping[str, str], today: date, back: int = 0) -> Period | str:
    """The ``start`` and ``end`` of a query (by default the ``back`` days before today, to today)."""
    end = read_day(query.get("end", ""), today)
    if isinstance(end, str):
        return end
    start = read_day(query.get("start", ""), min(end, today) - timedelta(days=back))
    if isinstance(start, str):
        return start
    return Period(start, end)


async def anomalies(request: web.Request) -> web.StreamResponse:
    svc, _, _, _ = who(request)
    visit: Visit = request[VISIT]
    today = svc.clock.today()
    q = request.query
    form = {k: q.get(k, "").strip()[:40] for k in ("start", "end", "kind", "grid")}
    quick = [(label, (today - timedelta(days=n)).isoformat()) for label, n in QUICK]
    ctx = {"form": form, "today": today.isoformat(), "quick": quick, "tab": "anomalies", "error": None,
           "found": None, "day_label": day_label}
    period = read_period(q, today)
    grid_id: int | None = None
    if form["grid"]:
        if not form["grid"].isdigit():
            period = texts.WEB_BAD_GRID
        else:
            grid_id = int(form["grid"])
    if isinstance(period, str):
        found: object = Refused(period)
    else:
        form["start"], form["end"] = period.start.isoformat(), period.end.isoformat()
        found = await svc.console.anomalies(visit.sender, period.start, period.end,
                                            [form["kind"]] if form["kind"] else (), grid_id)
    if isinstance(found, Refused):
        # the filters' choices still show: those of an unfiltered day
        choices = await svc.console.anomalies(visit.sender, today, today)
        ctx.update(error=found.text, choices=None if isinstance(choices, Refused) else choices)
        status = 403 if found.text == texts.CONSOLE_NOT_IN_SCOPE else 400
        return await signed_in_page(request, "anomalies.html", ctx, status=status)
    ctx.update(found=found, choices=found, labels={k.key: k.label for k in found.kinds})
    return await signed_in_page(request, "anomalies.html", ctx)
