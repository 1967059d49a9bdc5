"""The pieces every page shares: who is signed in, CSRF on every form, rendering, answers."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import pass_context
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from services.backoffice.approvals_view import ApprovalLevels
from services.backoffice.audit import AuditTrail, about
from services.backoffice.bus import Broker
from services.backoffice.domain import Forbidden, Viewer, figure, money
from services.backoffice.formats import Formats
from services.backoffice.orders_view import OrderList
from services.backoffice.reads import ACTING_FOR, Reads, Unavailable
from services.backoffice.sales_view import SalesView
from services.backoffice.settings import BackofficeSettings
from services.backoffice.store import People, Sessions, SignInGuard

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.filters["money"] = money
TEMPLATES.env.filters["figure"] = figure
TEMPLATES.env.filters["decimal"] = lambda value: Decimal(str(value or 0))
SESSION_COOKIE = "oms_session"
LOGIN_CSRF_COOKIE = "oms_login_csrf"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Backoffice:
    """What the pages use, made once the database and broker are up."""

    settings: BackofficeSettings
    people: People
    sessions: Sessions
    guard: SignInGuard
    broker: Broker
    reads: Reads
    orders: OrderList
    levels: ApprovalLevels
    sales: SalesView


def backoffice(request: Request) -> Backoffice:
    found: Backoffice = request.app.state.backoffice
    return found


@pass_context
def _when(context: Mapping[str, Any], value: Any, seconds: bool = False) -> str:
    """``{{ at|when }}``: a moment in the viewer's date format and time zone."""
    formats: Formats = context.get("fmt") or Formats()
    return formats.when(value, seconds=seconds)


@pass_context
def _day(context: Mapping[str, Any], value: Any) -> str:
    """``{{ at|day }}``: a date in the viewer's date format (and time zone)."""
    formats: Formats = context.get("fmt") or Formats()
    return formats.date(value)


TEMPLATES.env.filters.update(when=_when, day=_day)


def formats_for(request: Request, person: Mapping[str, Any] | None) -> Formats:
    """The person's saved formats, else their browser's language and the office's zone."""
    return Formats.of(
        (person or {}).get("preferences"),
        request.headers.get("accept-language", ""),
        backoffice(request).settings.time_zone,
    )


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("viewer", getattr(request.state, "viewer", None))
    context.setdefault("csrf", getattr(request.state, "csrf", ""))
    context.setdefault("fmt", getattr(request.state, "formats", None) or _anonymous(request))
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def _anonymous(request: Request) -> Formats:
    return Formats.of(None, request.headers.get("accept-language", ""))


def problem(request: Request, status: int, title: str, words: str) -> Response:
    return render(request, "problem.html", status, title=title, words=words)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def current_viewer(request: Request) -> Viewer | None:
    """Who is signed in (and their session's CSRF token), if anyone still active is."""
    office = backoffice(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    session = await office.sessions.find(token, utcnow()) if token else None
    person = await office.people.get(session["user_id"]) if session else None
    if session is None or person is None or not person.get("active", True):
        return None
    request.state.viewer = Viewer(
        person["_id"], person.get("name") or person["_id"], bool(person.get("admin"))
    )
    ACTING_FOR.set(person["_id"])
    request.state.csrf = session["csrf"]
    request.state.formats = formats_for(request, person)
    return request.state.viewer  # type: ignore[no-any-return]


Page = Callable[[Request], Awaitable[Response]]


def signed_in(page: Page) -> Page:
    """The page needs a live session; a form must carry the session's CSRF token; a page
    that refuses the person (Forbidden) answers 403, a service that is down 503."""

    async def guarded(request: Request) -> Response:
        if await current_viewer(request) is None:
            return login_redirect(request)
        response = await _answered(request)
        await audited(request, response.status_code)
        return response

    async def _answered(request: Request) -> Response:
        if request.method == "POST":
            form = await request.form()
            sent = str(form.get("csrf", ""))
            if not hmac.compare_digest(sent, request.state.csrf):
                return problem(request, 403, "Form expired", "Reload the page and try again.")
            request.state.form = {key: str(value) for key, value in form.items()}
        try:
            return await page(request)
        except Forbidden as refused:
            return problem(request, 403, "Not for you", str(refused))
        except Unavailable as down:
            return problem(request, 503, "A service is unavailable", str(down))

    guarded.__doc__ = page.__doc__
    return guarded


async def audited(request: Request, status: int) -> None:
    """The audit trail's entry for what the signed-in person just read or changed."""
    trail: AuditTrail | None = getattr(request.app.state, "audit", None)
    if trail is not None:
        await trail.record(
            viewer(request).user_id,
            request.method,
            request.url.path,
            query=request.url.query,
            status=status,
            at=utcnow(),
            about=about(form(request)),
        )


def form(request: Request) -> dict[str, str]:
    found: dict[str, str] = getattr(request.state, "form", {})
    return found


def viewer(request: Request) -> Viewer:
    found: Viewer = request.state.viewer
    return found


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def safe_next(target: str | None) -> str:
    """Only a path of this site, never another site's address."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/inbox"
