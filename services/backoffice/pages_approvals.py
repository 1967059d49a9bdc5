"""Sign-in, the approvals inbox, one request with its order, decisions, and the e-mailed link."""

from __future__ import annotations

import asyncio
import math

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.domain import (
    Forbidden,
    link_refusal,
    may_view_request,
    oldest_first,
    request_state,
)
from services.backoffice.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    backoffice,
    current_viewer,
    form,
    login_redirect,
    new_login_csrf,
    problem,
    render,
    safe_next,
    signed_in,
    utcnow,
    viewer,
)
from shared.contracts import ApproveRequest, RejectRequest
from shared.links import BadLink, ExpiredLink, read

DONE = {
    "approved": "You approved the request.",
    "rejected": "You rejected the request; the creator is told, with your notes.",
}


async def login_page(request: Request, status: int = 200, error: str = "") -> Response:
    token = new_login_csrf()
    response = render(
        request,
        "login.html",
        status,
        login_csrf=token,
        error=error,
        next=safe_next(request.query_params.get("next")),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=backoffice(request).settings.secure_cookies,
    )
    return response


async def login(request: Request) -> Response:
    """Sign in with the user id of the approval directory and the password set for it."""
    if request.method == "GET":
        return await login_page(request)
    office = backoffice(request)
    sent = await request.form()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or sent.get("csrf") != expected:
        return await login_page(request, 403, "The form expired; please sign in again.")
    user_id, now = str(sent.get("user_id", "")), utcnow()
    address = request.client.host if request.client else "unknown"
    if (wait := await office.guard.locked_for(user_id, address, now)) is not None:
        seconds = math.ceil(wait.total_seconds())
        minutes = math.ceil(seconds / 60)
        response = await login_page(
            request,
            429,
            f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        )
        response.headers["retry-after"] = str(seconds)
        return response
    person = await office.people.check(user_id, str(sent.get("password", "")))
    if person is None:
        await office.guard.failed(user_id, address, now)
        return await login_page(request, 401, "That user id and password do not match.")
    await office.guard.succeeded(user_id)
    token, _csrf = await office.sessions.open(person["_id"], now)
    response = RedirectResponse(safe_next(str(sent.get("next", ""))), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=office.settings.secure_cookies,
        max_age=int(office.settings.session_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@signed_in
async def logout(request: Request) -> Response:
    await backoffice(request).sessions.close(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@signed_in
async def inbox(request: Request) -> Response:
    """The requests waiting for me, oldest first, with each order's party, branch and total."""
    office, me = backoffice(request), viewer(request)
    waiting = oldest_first(await office.reads.requests_waiting_for(me.user_id))
    ids = sorted({r["order_id"] for r in waiting})
    found = await asyncio.gather(*(office.reads.order(order_id) for order_id in ids))
    orders = dict(zip(ids, found, strict=True))
    return render(request, "inbox.html", requests=waiting, orders=orders)


@signed_in
async def request_page(request: Request) -> Response:
    """One request: the order's lines and totals, every attempt's decisions, and the buttons
    while it waits for me; a decided or superseded request says so instead."""
    office, me = backoffice(request), viewer(request)
    found = await office.reads.request(request.path_params["request_id"])
    if found is None:
        return problem(request, 404, "No such request", "There is no such approval request.")
    if not may_view_request(found, me):
        raise Forbidden("This request is not waiting for you, and you did not take part in it.")
    order = await office.reads.order(found["order_id"])
    history = await office.reads.requests_of(found["order_id"])
    return render(
        request,
        "request.html",
        req=found,
        order=order,
        attempts=sorted(history, key=lambda r: r.get("attempt", 0)),
        closed=request_state(found, me),
        done=DONE.get(request.query_params.get("done", "")),
    )


@signed_in
async def decide(request: Request) -> Response:
    """Approve, or reject with notes, the level this request waits at."""
    office, me, sent = backoffice(request), viewer(request), form(request)
    request_id = request.path_params["request_id"]
    found = await office.reads.request(request_id)
    if found is None:
        return problem(request, 404, "No such request", "There is no such approval request.")
    decision = sent.get("decision")
    notes = sent.get("notes", "").strip() or None
    if decision == "reject" and not notes:
        return await _again(request, found, "Say why you reject it: the creator reads your notes.")
    kind = ApproveRequest if decision == "approve" else RejectRequest
    level = sent.get("level", "")
    try:
        command = kind(
            request_id=request_id,
            level=int(level) if level.isdigit() else 0,
            approver_id=me.user_id,
            notes=notes,
            correlation_id=found["order_id"],
        )
    except ValidationError:
        return await _again(request, found, "Reload the page: the form does not name a level.")
    answer = await office.broker.send(command, me.user_id)
    if answer.refused:
        return await _again(request, found, answer.words)
    done = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/requests/{request_id}?done={done}", status_code=303)


async def _again(request: Request, found: dict[str, object], error: str) -> Response:
    office, me = backoffice(request), viewer(request)
    order_id = str(found["order_id"])
    history = await office.reads.requests_of(order_id)
    return render(
        request,
        "request.html",
        409,
        req=found,
        order=await office.reads.order(order_id),
        attempts=sorted(history, key=lambda r: r.get("attempt", 0)),
        closed=request_state(found, me),
        error=error,
    )


async def link(request: Request) -> Response:
    """The pending e-mail's signed link: to its request while that still waits for the
    approver it was sent to, at the same level of the same attempt."""
    office = backoffice(request)
    key = office.settings.link_signing_key.get_secret_value()
    try:
        signed = read(request.query_params.get("token", ""), key, now=utcnow())
    except BadLink as forged:
        return problem(request, 403, "This link is not valid", str(forged))
    except ExpiredLink as expired:
        return problem(request, 410, "This link has expired", str(expired))
    found = await office.reads.request(signed.request_id)
    why = link_refusal(
        found, attempt=signed.attempt, level=signed.level, approver_id=signed.approver_id
    )
    if why is not None:
        return problem(request, 410, "This link no longer works", why)
    me = await current_viewer(request)
    if me is None:
        return login_redirect(request)
    if me.user_id != signed.approver_id:
        return problem(
            request,
            403,
            "This link is for someone else",
            f"It was sent to {signed.approver_id}; sign out and sign in as them.",
        )
    return RedirectResponse(f"/requests/{signed.request_id}", status_code=303)


ROUTES = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/inbox", inbox),
    Route("/requests/{request_id}", request_page),
    Route("/requests/{request_id}/decide", decide, methods=["POST"]),
    Route("/link", link),
]
