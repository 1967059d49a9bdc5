"""The order form, to create an order or change one: every line field (tax codes, discounts,
descriptions) and the pricing terms (price list, order discount, tax basis, rounding), and the
total the order service will compute, shown before anything is saved."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.domain import Forbidden, may_edit
from services.backoffice.order_form import (
    Draft,
    Refused,
    changed_at,
    form_values,
    preview,
    rates_in_force,
    read_form,
    row_count,
)
from services.backoffice.pages_orders import load_order, send
from services.backoffice.web import backoffice, form, render, signed_in, utcnow, viewer
from shared.contracts import CreatePurchaseOrder, CreateSalesOrder, UpdateOrder

CHANGED_MEANWHILE = (
    "Someone changed this order after you opened it, so your changes were not saved: here it "
    "is as it is now. Make your changes again, then save."
)


async def _priced(
    request: Request, values: dict[str, str], draft: Draft, tax_rates: list[dict[str, Any]]
) -> dict[str, Any]:
    """The order as the order service would price it now: its lines, pricing and currency."""
    reads = backoffice(request).reads
    list_id = draft.terms.price_list_id
    currency = values.get("currency", "").strip().upper()
    lines, priced = preview(
        draft,
        currency=currency,
        branch_id=values.get("branch_id", "").strip(),
        tax_rates=tax_rates,
        price_list=await reads.price_list(list_id) if list_id else None,
        at=utcnow(),
    )
    return {
        "lines": [line.model_dump(mode="json") for line in lines],
        "pricing": priced.model_dump(mode="json"),
        "terms": draft.terms.model_dump(mode="json"),
        "currency": currency,
    }


async def _form(
    request: Request,
    order: dict[str, Any] | None,
    values: dict[str, str],
    *,
    status: int = 200,
    error: str = "",
    priced: bool = False,
    more: bool = False,
) -> Response:
    """The form with ``values``; with ``priced``, the total the order service will compute."""
    reads = backoffice(request).reads
    values = {**values, "rows": str(row_count(values, more=more))}
    tax_rates = await reads.tax_rates()
    shown = None
    if priced and not error:
        try:
            shown = await _priced(request, values, read_form(values), tax_rates)
        except Refused as refused:
            status, error = 422, str(refused)
    in_force = rates_in_force(tax_rates, {str(r.get("code")) for r in tax_rates}, utcnow())
    return render(
        request,
        "order_form.html",
        status,
        order=order,
        values=values,
        rows=int(values["rows"]),
        price_lists=await reads.price_lists(),
        tax_rates=sorted(in_force.values(), key=lambda rate: rate.code),
        preview=shown,
        error=error,
    )


def _party(values: dict[str, str]) -> dict[str, str]:
    purchase = values.get("kind") == "purchase"
    return {"vendor_id" if purchase else "customer_id": values.get("party_id", "").strip()}


@signed_in
async def new_order(request: Request) -> Response:
    """Create a purchase or sales order as a draft, for the person signed in."""
    if request.method == "GET":
        return await _form(request, None, {"currency": "USD"})
    sent, me = form(request), viewer(request)
    if (action := sent.get("action")) in {"preview", "more"}:
        return await _form(request, None, sent, priced=action == "preview", more=action == "more")
    try:
        draft = read_form(sent)
    except Refused as refused:
        return await _form(request, None, sent, status=422, error=str(refused))
    order_id = sent.get("order_id", "").strip()
    why = await send(
        request,
        CreatePurchaseOrder if sent.get("kind") == "purchase" else CreateSalesOrder,
        order_id=order_id,
        branch_id=sent.get("branch_id", "").strip(),
        created_by=me.user_id,
        currency=sent.get("currency", "").strip().upper(),
        lines=draft.lines,
        notes=draft.notes or None,
        pricing=draft.terms,
        correlation_id=order_id,
        **_party(sent),
    )
    if why:
        return await _form(request, None, sent, status=409, error=why)
    return RedirectResponse(f"/orders/{order_id}?done=created", status_code=303)


@signed_in
async def edit_order(request: Request) -> Response:
    """Change a draft or rejected order, as its creator (or an admin): the form holds every
    field of the order, so what is not changed is sent back as it was."""
    order, me = await load_order(request), viewer(request)
    if not may_edit(order, me):
        raise Forbidden("Only its creator may change an order, and only a draft or a rejected one.")
    if request.method == "GET":
        return await _form(request, order, form_values(order), priced=True)
    sent = form(request)
    if (action := sent.get("action")) in {"preview", "more"}:
        return await _form(request, order, sent, priced=action == "preview", more=action == "more")
    if sent.get("seen", "") != changed_at(order):
        return await _form(request, order, form_values(order), status=409, error=CHANGED_MEANWHILE)
    try:
        draft = read_form(sent)
    except Refused as refused:
        return await _form(request, order, sent, status=422, error=str(refused))
    branch_id = sent.get("branch_id", "").strip()
    currency = sent.get("currency", "").strip().upper()
    why = await send(
        request,
        UpdateOrder,
        order_id=order["order_id"],
        updated_by=me.user_id,
        lines=draft.lines,
        notes=draft.notes,
        pricing=draft.terms,
        branch_id=branch_id if branch_id != order.get("branch_id") else None,
        currency=currency if currency != order.get("currency") else None,
        correlation_id=order["order_id"],
    )
    if why:
        return await _form(request, order, sent, status=409, error=why)
    return RedirectResponse(f"/orders/{order['order_id']}?done=updated", status_code=303)


ROUTES = [
    Route("/orders/new", new_order, methods=["GET", "POST"]),
    Route("/orders/{order_id}/edit", edit_order, methods=["GET", "POST"]),
]
