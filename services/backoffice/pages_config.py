"""Approval configuration, for administrators only: users, their managers and passwords, cycles
with one or two levels and their e-mail switches, and which parties are in which cycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.domain import require_admin
from services.backoffice.pages_users import invalid_words, learn_answer, user_command
from services.backoffice.web import backoffice, form, render, signed_in, viewer
from shared.contracts import AssignParty, Command, ConfigureStorefront, DefineCycle

DONE = {
    "password": "The password was set.",
    "user": "The user was saved.",
    "cycle": "The cycle was saved.",
    "party": "The party was assigned.",
    "storefront": "The storefront's pricing was saved.",
}
MIN_PASSWORD = 12


async def _page(request: Request, status: int = 200, error: str = "") -> Response:
    office = backoffice(request)
    cycles = await office.reads.cycles()
    chosen = request.query_params.get("cycle")
    return render(
        request,
        "configuration.html",
        status,
        people=await office.people.all(),
        cycles=cycles,
        storefronts=await office.reads.storefronts(),
        price_lists=await office.reads.price_lists(),
        cycle=cycle_values(next((c for c in cycles if c.get("id") == chosen), None)),
        error=error,
        done=DONE.get(request.query_params.get("done", "")),
    )


def cycle_values(cycle: dict[str, Any] | None) -> dict[str, Any]:
    """The cycle form's fields as the stored cycle has them (a new cycle's defaults without
    one), so that changing one field of a cycle sends every other as it was."""
    if cycle is None:
        return {"emails": {"pending": True, "approved": True, "rejected": True}, "levels": []}
    emails = cycle.get("emails")
    if not isinstance(emails, dict):  # stored before each e-mail had its own switch
        emails = dict.fromkeys(("pending", "approved", "rejected"), bool(cycle.get("notify")))
    return {**cycle, "emails": emails, "levels": list(cycle.get("levels") or [])}


@signed_in
async def configuration(request: Request) -> Response:
    """Everything an administrator configures, on one page."""
    require_admin(viewer(request), "configure approvals")
    return await _page(request)


async def _send(request: Request, build: Callable[[], Command], done: str) -> Response:
    me = viewer(request)
    try:
        command = build()
    except ValidationError as error:
        return await _page(request, 422, invalid_words(error))
    answer = await backoffice(request).broker.send(command, me.user_id)
    if answer.refused:
        return await _page(request, 409, answer.words)
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


def _level(sent: dict[str, str], number: int) -> dict[str, Any] | None:
    rule = sent.get(f"level{number}", "")
    if rule == "creator_manager":
        return {"approver": rule}
    if rule == "named_user":
        return {"approver": rule, "user_id": sent.get(f"level{number}_user") or None}
    return None


@signed_in
async def define_cycle(request: Request) -> Response:
    require_admin(viewer(request), "define cycles")
    sent = form(request)
    levels = [level for number in (1, 2) if (level := _level(sent, number))]
    fields: dict[str, Any] = {
        "cycle_id": sent.get("cycle_id", "").strip(),
        "name": sent.get("name", "").strip(),
        "order_kind": sent.get("order_kind"),
        "levels": levels,
        "notify_pending": sent.get("notify_pending") == "on",
        "notify_approved": sent.get("notify_approved") == "on",
        "notify_rejected": sent.get("notify_rejected") == "on",
        "fallback_approver_id": sent.get("fallback_approver_id") or None,
        "defined_by": viewer(request).user_id,
    }
    return await _send(request, lambda: DefineCycle(**fields), "cycle")


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


ROUTES = [
    Route("/configuration", configuration),
    Route("/configuration/password", set_password, methods=["POST"]),
    Route("/configuration/users", upsert_user, methods=["POST"]),
    Route("/configuration/cycles", define_cycle, methods=["POST"]),
    Route("/configuration/parties", assign_party, methods=["POST"]),
    Route("/configuration/storefronts", configure_storefront, methods=["POST"]),
]
