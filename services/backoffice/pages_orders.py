"""Orders (open by id, create, edit, submit, receive or issue) and stock, for the person signed
in; every change is one of the services' public commands, sent for them."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.books import (
    RETURN_REASONS,
    BadInput,
    goods_issued,
    item_lines,
    may_authorize_return,
)
from services.backoffice.domain import (
    Forbidden,
    came_from,
    fulfilment_step,
    may_cancel,
    may_edit,
    parse_lines,
)
from services.backoffice.pages_preview import shown_preview
from services.backoffice.web import backoffice, form, problem, render, signed_in, viewer
from shared.contracts import (
    AuthorizeReturn,
    CancelOrder,
    Command,
    IssueGoods,
    OrderStockHoldRequested,
    ReceiveGoods,
    ReceiveReturn,
    SubmitOrder,
)

DONE = {
    "created": "The order was created as a draft.",
    "updated": "Your changes were saved.",
    "submitted": "The order was submitted for approval.",
    "awaiting_stock": "The order was submitted. Its branch holds stock before approval: once "
    "inventory holds all of it the order enters approval; if some is short it comes back as it "
    "was, naming what is short. Reload this page in a moment.",
    "received": "The goods were received into stock.",
    "held": "The receipt goes beyond the order's tolerance: it is held, nothing in stock yet, "
    "and waits for the approver of the vendor's purchase cycle. Approved, it is received; "
    "rejected, it is refused with the approver's notes (see the timeline below).",
    "issued": "The goods were issued from stock.",
    "cancelled": "The order was cancelled.",
    "return_authorized": "The return was authorized: receive the goods below when they come.",
    "return_received": "The returned goods were received; billing credits their invoice.",
}


def _invalid(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in error.errors()
    )


async def send(request: Request, build: Any, **fields: Any) -> str | None:
    """Build and send a command for the person signed in: ``None``, or why it failed."""
    why, _ = await send_for_answer(request, build, **fields)
    return why


async def send_for_answer(request: Request, build: Any, **fields: Any) -> tuple[str | None, str]:
    """As ``send``, with the answer's kind (``ReceiptHeld`` for a receipt held for approval)."""
    me = viewer(request)
    try:
        command: Command = build(**fields)
    except ValidationError as error:
        return _invalid(error), ""
    except ValueError as error:
        return str(error), ""
    answer = await backoffice(request).broker.send(command, me.user_id)
    return (answer.words if answer.refused else None), answer.kind


async def load_order(request: Request) -> dict[str, Any]:
    order = await backoffice(request).reads.order(request.path_params["order_id"])
    if order is None:
        raise Forbidden(f"There is no order {request.path_params['order_id']}.")
    return order


@signed_in
async def order_page(request: Request) -> Response:
    """An order's lines, totals, status history and the timeline of what every service did."""
    return await _show_order(request)


async def _show_order(
    request: Request, error: str = "", status: int = 200, sent: dict[str, str] | None = None
) -> Response:
    office, me = backoffice(request), viewer(request)
    order = await office.reads.order(request.path_params["order_id"])
    if order is None:
        return problem(request, 404, "No such order", "There is no such order.")
    timeline = await office.reads.timeline(order["order_id"])
    return render(
        request,
        "order.html",
        status,
        order=order,
        error=error,
        timeline=timeline,
        came_from=came_from(timeline),
        requests=await office.reads.requests_of(order["order_id"]),
        preview=await shown_preview(request, order),
        editable=may_edit(order, me),
        cancellable=may_cancel(order, me),
        step=fulfilment_step(order),
        shipped=goods_issued(order),
        returnable=may_authorize_return(order, me),
        return_reasons=RETURN_REASONS,
        return_id=request.query_params.get("return_id", ""),
        sent=sent or {},
        done=_done(request.query_params.get("done", ""), order),
    )


def _done(done: str, order: dict[str, Any]) -> str | None:
    """What the person's last action did; the wait for stock is over once the order moved on."""
    if done == "awaiting_stock" and order.get("status") != "awaiting_stock":
        return None
    return DONE.get(done)


@signed_in
async def submit_order(request: Request) -> Response:
    """Send a draft or rejected order (again) into its approval cycle."""
    order, me = await load_order(request), viewer(request)
    command = SubmitOrder(
        order_id=order["order_id"], submitted_by=me.user_id, correlation_id=order["order_id"]
    )
    answer = await backoffice(request).broker.send(command, me.user_id)
    if answer.refused:
        return await _show_order(request, answer.words, 409)
    # A branch that refuses short orders holds the stock first: the answer says so, and the
    # outcome comes later (into approval, or back with the shortage).
    held = answer.kind == OrderStockHoldRequested.__name__
    done = "awaiting_stock" if held else "submitted"
    return RedirectResponse(f"/orders/{order['order_id']}?done={done}", status_code=303)


@signed_in
async def cancel_order(request: Request) -> Response:
    """Withdraw an order before anything was received or issued against it (order.cancel)."""
    order, me = await load_order(request), viewer(request)
    if not may_cancel(order, me):
        raise Forbidden(
            "Only its creator (or an administrator) may cancel an order, and only before goods "
            "were received or issued against it."
        )
    why = await send(
        request,
        CancelOrder,
        order_id=order["order_id"],
        cancelled_by=me.user_id,
        reason=form(request).get("reason", "").strip() or None,
        correlation_id=order["order_id"],
    )
    if why:
        return await _show_order(request, why, 409)
    return RedirectResponse(f"/orders/{order['order_id']}?done=cancelled", status_code=303)


@signed_in
async def fulfil_order(request: Request) -> Response:
    """Receive goods against an approved purchase order, or issue them against a sales order."""
    order, me, sent = await load_order(request), viewer(request), form(request)
    step = fulfilment_step(order)
    if step is None:
        raise Forbidden("Goods are received or issued only against an approved order.")
    try:
        lines = [
            {"sku": line["sku"], "quantity": line["quantity"]}
            for line in parse_lines(sent.get("lines", ""))
        ]
    except ValueError as error:
        return await _show_order(request, str(error), 422)
    document = f"{order['order_id']}-{uuid.uuid4().hex[:8]}"
    common = {
        "order_id": order["order_id"],
        "location_id": sent.get("location_id", "").strip(),
        "lines": lines,
        "correlation_id": order["order_id"],
    }
    if step == "receive":
        why, kind = await send_for_answer(
            request, ReceiveGoods, receipt_id=document, received_by=me.user_id, **common
        )
    else:
        why = await send(request, IssueGoods, issue_id=document, issued_by=me.user_id, **common)
        kind = ""
    if why:
        return await _show_order(request, why, 409)
    done = "held" if kind == "ReceiptHeld" else "received" if step == "receive" else "issued"
    return RedirectResponse(f"/orders/{order['order_id']}?done={done}", status_code=303)


@signed_in
async def authorize_return(request: Request) -> Response:
    """Allow issued goods of a sales order back (inventory.authorize_return): never more than
    issued less already returned."""
    order, me, sent = await load_order(request), viewer(request), form(request)
    if not may_authorize_return(order, me):
        raise Forbidden(
            "Only a sales order's creator (or an administrator) may authorize a return, and "
            "only once goods were issued against it."
        )
    try:
        lines = item_lines(sent.get("lines", ""))
    except BadInput as error:
        return await _show_order(request, str(error), 422, sent)
    return_id = sent.get("return_id", "").strip() or f"RMA-{uuid.uuid4().hex[:8]}"
    why = await send(
        request, AuthorizeReturn, return_id=return_id, order_id=order["order_id"], lines=lines,
        reason=sent.get("reason", ""), notes=sent.get("notes", "").strip(),
        authorized_by=me.user_id, correlation_id=order["order_id"],
    )  # fmt: skip
    if why:
        return await _show_order(request, why, 409, sent)
    target = f"/orders/{order['order_id']}?done=return_authorized&return_id={return_id}"
    return RedirectResponse(target, status_code=303)


@signed_in
async def receive_return(request: Request) -> Response:
    """Take an authorized return's goods in at a location (inventory.receive_return): into
    stock or quarantine as its reason says."""
    order, me, sent = await load_order(request), viewer(request), form(request)
    why = await send(
        request, ReceiveReturn, return_id=sent.get("return_id", "").strip(),
        order_id=order["order_id"], location_id=sent.get("location_id", "").strip(),
        received_by=me.user_id, correlation_id=order["order_id"],
    )  # fmt: skip
    if why:
        return await _show_order(request, why, 409, sent)
    return RedirectResponse(f"/orders/{order['order_id']}?done=return_received", status_code=303)


@signed_in
async def stock(request: Request) -> Response:
    """Stock per item and location: on hand, reserved, free."""
    wanted = {
        key: value.strip()
        for key in ("sku", "location_id", "branch_id")
        if (value := request.query_params.get(key, "")).strip()
    }
    found = await backoffice(request).reads.stock(**wanted) if wanted else None
    return render(request, "stock.html", query=wanted, found=found)


ROUTES = [
    Route("/orders/{order_id}", order_page),
    Route("/orders/{order_id}/submit", submit_order, methods=["POST"]),
    Route("/orders/{order_id}/cancel", cancel_order, methods=["POST"]),
    Route("/orders/{order_id}/fulfil", fulfil_order, methods=["POST"]),
    Route("/orders/{order_id}/returns", authorize_return, methods=["POST"]),
    Route("/orders/{order_id}/returns/receive", receive_return, methods=["POST"]),
    Route("/stock", stock),
]
