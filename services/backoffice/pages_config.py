"""Approval configuration, for administrators only: users, their managers and passwords (and who
is away), cycles with one or two levels, their amount thresholds, e-mail switches and reminder
and escalation intervals, and which parties are in which cycle."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.away_form import away_state
from services.backoffice.cycle_form import FormError, cycle_command, cycle_values, typed_values
from services.backoffice.domain import require_admin
from services.backoffice.pages_users import invalid_words, learn_answer, user_command
from services.backoffice.web import backoffice, form, render, signed_in, utcnow, viewer
from shared.contracts import AssignParty, Command, ConfigureCredit, ConfigureStorefront

DONE = {
    "password": "The password was set.",
    "user": "The user was saved.",
    "cycle": "The cycle was saved.",
    "party": "The party was assigned.",
    "storefront": "The storefront's pricing was saved.",
    "credit": "The credit approver was saved.",
}
MIN_PASSWORD = 12


async def _page(
    request: Request, status: int = 200, error: str = "", typed: dict[str, str] | None = None
) -> Response:
    """The page; after a refused cycle form, ``typed`` is what was sent, shown again."""
    office = backoffice(request)
    cycles = await office.reads.cycles()
    chosen = typed.get("cycle_id", "").strip() if typed else request.query_params.get("cycle")
    stored = next((c for c in cycles if c.get("id") == chosen), None)
    now = utcnow()
    away = {user["id"]: away_state(user.get("away"), now) for user in await office.reads.users()}
    return render(
        request,
        "configuration.html",
        status,
        people=await office.people.all(),
        away=away,
        cycles=[cycle_values(c) for c in cycles],
        storefronts=await office.reads.storefronts(),
        credit=await office.reads.credit_settings(),
        price_lists=await office.reads.price_lists(),
        cycle=typed_values(typed, stored) if typed is not None else cycle_values(stored),
        error=error,
        done=DONE.get(request.query_params.get("done", "")),
    )


@signed_in
async def configuration(request: Request) -> Response:
    """Everything an administrator configures, on one page."""
    require_admin(viewer(request), "configure approvals")
    return await _page(request)


async def _send(
    request: Request, build: Callable[[], Command], done: str, typed: dict[str, str] | None = None
) -> Response:
    me = viewer(request)
    try:
        command = build()
    except ValidationError as error:
        return await _page(request, 422, invalid_words(error), typed)
    except FormError as error:
        return await _page(request, 422, str(error), typed)
    answer = await backoffice(request).broker.send(command, me.user_id)
    if answer.refused:
        return await _page(request, 409, answer.words, typed)
    await learn_answer(request, answer)
    return RedirectResponse(f"/configuration?done={done}", status_code=303)


@signed_in
async def set_password(request: Request) -> Response:
    """Set a directory user's back-office password (hashed with Argon2id)."""
    require_admin(viewer(request), "set passwords")
    sent = form(request)
    if len(sent.get("password", "")) < MIN_PASSWORD:
        return await _page(request, 422, f"A password needs at least {MIN_PASSWORD} characters.")
    if not await backoffice(request).people.set_password(sent.get("user_id", ""), sent["password"]):
        return await _page(request, 404, "The approval directory has no such user (yet).")
    return RedirectResponse("/configuration?done=password", status_code=303)


@signed_in
async def upsert_user(request: Request) -> Response:
    require_admin(viewer(request), "change users")
    sent = form(request)
    # An unticked box is not sent at all: absent means off (it defaulted to on, so unticking
    # "Active" was read as active and the page said "saved" while nothing changed).
    user_id, me = sent.get("user_id", "").strip(), viewer(request).user_id
    return await _send(request, lambda: user_command(user_id, sent, me), "user")


@signed_in
async def define_cycle(request: Request) -> Response:
    """Save the cycle form (every field of the cycle: what was not changed is sent as stored);
    a refusal shows the form again as it was typed."""
    require_admin(viewer(request), "define cycles")
    sent, me = form(request), viewer(request).user_id
    return await _send(request, lambda: cycle_command(sent, me), "cycle", typed=sent)


@signed_in
async def assign_party(request: Request) -> Response:
    require_admin(viewer(request), "assign parties to cycles")
    sent = form(request)
    cycle_id, party_id = sent.get("cycle_id", "").strip(), sent.get("party_id", "").strip()
    me = viewer(request).user_id
    return await _send(
        request,
        lambda: AssignParty(cycle_id=cycle_id, party_id=party_id, assigned_by=me),
        "party",
    )


@signed_in
async def configure_storefront(request: Request) -> Response:
    """Which price list prices a storefront's carts and orders, and whether an item it does not
    know refuses the checkout or holds the order for a person."""
    require_admin(viewer(request), "configure storefronts")
    sent, me = form(request), viewer(request).user_id
    fields = {
        "storefront_id": sent.get("storefront_id", "").strip(),
        "price_list_id": sent.get("price_list_id", "").strip(),
        "unknown_item": sent.get("unknown_item") or "refuse",
        "configured_by": me,
    }
    return await _send(request, lambda: ConfigureStorefront(**fields), "storefront")


@signed_in
async def configure_credit(request: Request) -> Response:
    """The approval-wide credit approver (an active admin, or nobody)."""
    require_admin(viewer(request), "configure the credit approver")
    sent, me = form(request), viewer(request).user_id
    approver = sent.get("credit_approver_id", "").strip() or None
    return await _send(
        request,
        lambda: ConfigureCredit(credit_approver_id=approver, configured_by=me),
        "credit",
    )


ROUTES = [
    Route("/configuration", configuration),
    Route("/configuration/password", set_password, methods=["POST"]),
    Route("/configuration/users", upsert_user, methods=["POST"]),
    Route("/configuration/cycles", define_cycle, methods=["POST"]),
    Route("/configuration/parties", assign_party, methods=["POST"]),
    Route("/configuration/storefronts", configure_storefront, methods=["POST"]),
    Route("/configuration/credit", configure_credit, methods=["POST"]),
]
