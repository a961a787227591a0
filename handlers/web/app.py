"""The web console's aiohttp application: sign-in, today's progress (grid → member → households), 未报.

An adapter like the chat ones: it turns HTTP requests into calls of the core's services
(:class:`bot.web.signin.WebSignIn`, :class:`bot.web.progress.LiveBoard`) and renders what comes back with the
Jinja2 templates beside this file. The pages keep no state of their own (sessions and links are in the
database), so any number of processes on one database can serve them.

Every response says ``Cache-Control: no-store``; household data goes only into page bodies, never into a
URL (the pages name grids and members by number). Every POST carries the session's CSRF token (the sign-in
POST a token of its own, in a cookie and the form), and a POST from another origin is refused. The access
log holds the route, never a query string.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

from bot.core import texts
from bot.services import Services
from handlers.web import anomalies, household
from handlers.web.render import SERVICES, TEMPLATES, VISIT, Visit
from handlers.web.render import page as _page
from handlers.web.render import signed_in_page as _signed_in_page
from handlers.web.render import who as _who

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
HTMX = STATIC / "vendor" / "htmx.min.js"
SESSION_COOKIE = "gb_session"
PRE_COOKIE = "gb_signin"
#: the routes that need no session
OPEN_ROUTES = frozenset({"home", "signin", "signin_post", "static"})
#: the routes whose pages poll for changes
LIVE_ROUTES = frozenset({"progress", "grid", "missing"})
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["htmx"] = HTMX.exists()
    return env


def build_app(services: Services) -> web.Application:
    app = web.Application(middlewares=[headers_middleware, session_middleware])
    app[SERVICES] = services
    app[TEMPLATES] = templates()
    if not HTMX.exists():
        log.warning("htmx is not installed in %s (scripts/setup): the console's pages will not update live", HTMX)
    r = app.router
    r.add_get("/", home, name="home")
    r.add_get("/signin", signin_page, name="signin")
    r.add_post("/signin", signin_post, name="signin_post")
    r.add_post("/signout", signout, name="signout")
    r.add_get("/progress", progress, name="progress")
    r.add_get("/grid/{grid_id:\\d+}", grid, name="grid")
    r.add_get("/member/{member_id:\\d+}", member, name="member")
    r.add_get("/missing", missing, name="missing")
    anomalies.add_routes(r)
    household.add_routes(r)
    r.add_static("/static", STATIC, name="static")
    return app


# ---------------------------------------------------------------------------------------------- middleware
@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route.name
    try:
        resp = await handler(request)
    except web.HTTPException as e:
        _secure_headers(e.headers, route)
        log.debug("web %s %s -> %s", request.method, route or "?", e.status)
        raise
    _secure_headers(resp.headers, route)
    log.debug("web %s %s -> %s", request.method, route or "?", resp.status)
    return resp


def _secure_headers(headers: Any, route: str | None) -> None:
    if route == "static":
        headers["Cache-Control"] = "public, max-age=3600"  # the script and the style sheet: no data
    else:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    for k, v in SECURITY_HEADERS.items():
        headers.setdefault(k, v)


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route but the sign-in's needs an open session; every POST its CSRF token and our origin."""
    svc = request.app[SERVICES]
    if request.method == "POST" and not _same_origin(request, svc):
        return _page(request, "message.html", {"title": texts.WEB_FORBIDDEN_TITLE, "text": texts.WEB_REFUSED["csrf"]}, status=403)
    if request.match_info.route.name in OPEN_ROUTES:
        return await handler(request)
    value = request.cookies.get(SESSION_COOKIE)
    session = await svc.web.session(value)
    if session is None or value is None:
        if request.headers.get("HX-Request"):
            return web.Response(status=401, headers={"HX-Redirect": "/"})
        raise web.HTTPSeeOther("/")
    if request.method == "GET" and await _unchanged(request, svc):
        return web.Response(status=204)  # an open page's poll, nothing new: no roles or figures read
    if request.method == "POST":
        form = await request.post()
        token = str(form.get("csrf", "")) or request.headers.get("X-CSRF-Token", "")
        if not await svc.web.csrf_ok(value, token):
            log.info("web POST refused: bad CSRF token")
            return _page(request, "message.html", {"title": texts.WEB_FORBIDDEN_TITLE, "text": texts.WEB_REFUSED["csrf"]}, status=403)
    h, viewer = await svc.web.viewer(session)
    request[VISIT] = Visit(session, value, h, viewer)
    if viewer.stranger:
        return _page(request, "message.html", {"title": texts.WEB_NO_ROLE_TITLE, "text": texts.WEB_NO_ROLE}, status=403)
    return await handler(request)


def _same_origin(request: web.Request, svc: Services) -> bool:
    """A POST's Origin (when the browser sends one) is the console's own address."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    ours = urlsplit(svc.config.web.root)
    theirs = urlsplit(origin)
    return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc) or theirs.netloc == request.host


def _client(request: web.Request) -> str:
    """The client's address: the proxy's X-Forwarded-For (its last hop) when the request came from this
    machine, else the peer."""
    peer = request.remote or ""
    fwd = request.headers.get("X-Forwarded-For")
    if fwd and peer in ("127.0.0.1", "::1"):
        return fwd.split(",")[-1].strip()
    return peer


# ---------------------------------------------------------------------------------------------- rendering
async def live_version(request: web.Request, svc: Services) -> str:
    """What a live page shows changes only when this does: the day's reports and the roster (and, for 未报,
    the minute: the next nag's time passes too)."""
    now = svc.clock.now()
    version = await svc.board.version(svc.clock.day_of(now))
    return f"{version}.{now:%H%M}" if request.match_info.route.name == "missing" else version


async def _unchanged(request: web.Request, svc: Services) -> bool:
    """Whether this is a live part's poll that already shows the current version (then the answer is 204 and
    htmx keeps the page). It costs the session's row and the version's."""
    shown = request.headers.get("X-Board-Version")
    if not shown or not request.headers.get("HX-Request") or request.match_info.route.name not in LIVE_ROUTES:
        return False
    return shown == await live_version(request, svc)


# ---------------------------------------------------------------------------------------------- sign-in
async def home(request: web.Request) -> web.StreamResponse:
    svc = request.app[SERVICES]
    if await svc.web.session(request.cookies.get(SESSION_COOKIE)) is not None:
        raise web.HTTPSeeOther("/progress")
    return _page(request, "message.html", {"title": texts.WEB_HOME_TITLE, "text": texts.WEB_HOME})


async def signin_page(request: web.Request) -> web.StreamResponse:
    """The link's page: one button. Opening it uses nothing (a chat's link preview may open it too)."""
    token = request.query.get("t", "")
    pre = secrets.token_urlsafe(16)
    resp = _page(request, "signin.html", {"token": token, "pre": pre})
    _set_cookie(request, resp, PRE_COOKIE, pre, max_age=15 * 60)
    return resp


async def signin_post(request: web.Request) -> web.StreamResponse:
    svc = request.app[SERVICES]
    form = await request.post()
    pre = request.cookies.get(PRE_COOKIE, "")
    if not pre or not secrets.compare_digest(pre, str(form.get("pre", ""))):
        log.info("web sign-in refused: no sign-in cookie or a form of another page")
        return _page(request, "message.html", {"title": texts.WEB_REFUSED_TITLE, "text": texts.WEB_REFUSED["csrf"]}, status=403)
    opened = await svc.web.redeem(str(form.get("t", "")), _client(request))
    if isinstance(opened, str):
        resp = _page(request, "message.html", {"title": texts.WEB_REFUSED_TITLE, "text": texts.WEB_REFUSED[opened]},
                     status=429 if opened == "blocked" else 403)
        resp.del_cookie(PRE_COOKIE, path="/")
        return resp
    resp = web.HTTPSeeOther("/progress")
    _set_cookie(request, resp, SESSION_COOKIE, opened.value)
    resp.del_cookie(PRE_COOKIE, path="/")
    raise resp


def _set_cookie(request: web.Request, resp: web.StreamResponse, name: str, value: str,
                max_age: int | None = None) -> None:
    secure = request.app[SERVICES].config.web.secure
    resp.set_cookie(name, value, path="/", httponly=True, samesite="Strict", secure=secure, max_age=max_age)


async def signout(request: web.Request) -> web.StreamResponse:
    svc = request.app[SERVICES]
    await svc.web.sign_out(request[VISIT].cookie)
    resp = web.HTTPSeeOther("/")
    resp.del_cookie(SESSION_COOKIE, path="/")
    raise resp


# ---------------------------------------------------------------------------------------------- pages
async def progress(request: web.Request) -> web.StreamResponse:
    """今日进度: a bar per grid of the scope."""
    svc, h, viewer, _ = _who(request)
    day = svc.clock.today()
    version = await live_version(request, svc)
    board = await svc.board.progress(h, viewer, day)
    name = "_board.html" if request.headers.get("HX-Request") else "progress.html"
    return await _signed_in_page(request, name, {"board": board, "version": version, "level": "grid",
                                                 "live_url": "/progress", "tab": "progress"})


async def grid(request: web.Request) -> web.StreamResponse:
    """One grid: a bar per member."""
    svc, h, viewer, _ = _who(request)
    day = svc.clock.today()
    gid = int(request.match_info["grid_id"])
    version = await live_version(request, svc)
    board = await svc.board.grid(h, viewer, gid, day)
    if board is None:
        raise web.HTTPNotFound(text=texts.WEB_NO_GRID)
    name = "_board.html" if request.headers.get("HX-Request") else "progress.html"
    return await _signed_in_page(request, name, {"board": board, "version": version, "level": "member",
                                                 "live_url": f"/grid/{gid}", "tab": "progress"})


async def member(request: web.Request) -> web.StreamResponse:
    """One member: their households and what each reported today."""
    svc, h, viewer, _ = _who(request)
    day = svc.clock.today()
    found = await svc.board.member(h, viewer, int(request.match_info["member_id"]), day)
    if found is None:
        raise web.HTTPNotFound(text=texts.WEB_NO_MEMBER)
    unit, lines = found
    return await _signed_in_page(request, "member.html", {
        "unit": unit, "lines": lines, "day": day, "tab": "progress",
        "reported": sum(1 for x in lines if x.reported)})


async def missing(request: web.Request) -> web.StreamResponse:
    """未报: who is still missing, what is missing, their leave, the next nag."""
    svc, h, viewer, _ = _who(request)
    now = svc.clock.now()
    day = svc.clock.day_of(now)
    version = await live_version(request, svc)
    grids = await svc.board.missing(h, viewer, day, now)
    name = "_missing.html" if request.headers.get("HX-Request") else "missing.html"
    return await _signed_in_page(request, name, {"grids": grids, "day": day, "version": version,
                                                 "live_url": "/missing", "tab": "missing"})
