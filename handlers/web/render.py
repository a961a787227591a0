"""What every page of the web console shares: the application's keys, the signed-in visit, and rendering a
template with the base layout's values (the viewer, the CSRF token, the poll interval).

``handlers/web/app.py`` (sign-in, progress, 未报) and each page module (``handlers/web/anomalies.py``, …) import
it; it imports no page module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2
from aiohttp import web

from bot.core.chat import Sender
from bot.core.web import WebSession
from bot.services import Services
from bot.stats.hierarchy import Hierarchy
from bot.stats.roles import Viewer

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
TEMPLATES: web.AppKey[jinja2.Environment] = web.AppKey("templates", jinja2.Environment)


@dataclass
class Visit:
    """A signed-in request: its session, the cookie's value, and the user as the chat sees them now."""

    session: WebSession
    cookie: str
    hierarchy: Hierarchy
    viewer: Viewer
    csrf: str = ""

    @property
    def sender(self) -> Sender:
        """The signed-in user as the chat's services take them."""
        return Sender(self.session.user_id, self.session.username)


VISIT: Any = web.RequestKey("visit", Visit) if hasattr(web, "RequestKey") else "gridbot.visit"


def page(request: web.Request, name: str, ctx: dict[str, Any], status: int = 200) -> web.Response:
    """The template ``name`` rendered with the layout's values and ``ctx``."""
    env = request.app[TEMPLATES]
    visit: Visit | None = request.get(VISIT)
    base = {"viewer": visit.viewer if visit else None, "csrf": visit.csrf if visit else "",
            "signed_in": visit is not None and not visit.viewer.stranger,
            "poll": request.app[SERVICES].config.web.poll_seconds}
    html = env.get_template(name).render(**base, **ctx)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


async def signed_in_page(request: web.Request, name: str, ctx: dict[str, Any], status: int = 200) -> web.Response:
    """A signed-in page: with the session's CSRF token for its forms."""
    visit: Visit = request[VISIT]
    visit.csrf = await request.app[SERVICES].web.csrf(visit.cookie)
    return page(request, name, ctx, status)


def who(request: web.Request) -> tuple[Services, Hierarchy, Viewer, WebSession]:
    """The services, and the signed-in user's hierarchy, roles and session."""
    visit: Visit = request[VISIT]
    return request.app[SERVICES], visit.hierarchy, visit.viewer, visit.session
