"""Supplier bills for administrators: the bills held for a variance with their reasons (each
line's expected and billed price or quantity), one bill, and accept or reject with notes
(billing.accept_bill, billing.reject_bill), sent for the person signed in."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.books import held_reasons
from services.backoffice.domain import require_admin
from services.backoffice.pages_orders import send
from services.backoffice.web import backoffice, form, problem, render, signed_in, viewer
from shared.contracts.payables import AcceptBill, BillStatus, RejectBill

DONE = {"accepted": "The bill was approved for payment.", "rejected": "The bill was rejected."}


@signed_in
async def bill_list(request: Request) -> Response:
    """Bills by status (held by default: those waiting for a person), vendor or order."""
    require_admin(viewer(request), "see supplier bills")
    wanted = {
        key: request.query_params.get(key, "").strip()
        for key in ("status", "vendor_id", "order_id")
    }
    if "status" not in request.query_params:
        wanted["status"] = BillStatus.HELD
    if wanted["status"] and wanted["status"] not in set(BillStatus):
        return problem(request, 400, "No such status", f"status: {wanted['status']!r} is none "
                       f"of {', '.join(BillStatus)}.")  # fmt: skip
    found = await backoffice(request).reads.bills(**wanted)
    bills = [{**bill, "reasons": held_reasons(bill)} for bill in found]
    return render(
        request, "bills.html", bills=bills, query=wanted, statuses=list(BillStatus),
        done=DONE.get(request.query_params.get("done", "")),
    )  # fmt: skip


async def _show_bill(
    request: Request, error: str = "", status: int = 200, sent: dict[str, str] | None = None
) -> Response:
    bill_id = request.path_params["bill_id"]
    bill: dict[str, Any] | None = await backoffice(request).reads.bill(bill_id)
    if bill is None:
        return problem(request, 404, "No such bill", f"There is no supplier bill {bill_id}.")
    return render(
        request, "bill.html", status, bill=bill, reasons=held_reasons(bill), error=error,
        sent=sent or {}, done=DONE.get(request.query_params.get("done", "")),
    )  # fmt: skip


@signed_in
async def bill_page(request: Request) -> Response:
    """One bill: its lines beside the order's price and what was received, its variances,
    payments and how it was approved or rejected."""
    require_admin(viewer(request), "see supplier bills")
    return await _show_bill(request)


@signed_in
async def decide_bill(request: Request) -> Response:
    """Accept a held bill's variances (approved for payment) or reject it; notes required."""
    me, sent = viewer(request), form(request)
    require_admin(me, "accept or reject supplier bills")
    bill_id, decision = request.path_params["bill_id"], request.path_params["decision"]
    if decision not in {"accept", "reject"}:
        return problem(
            request, 404, "No such action", f"A bill is accepted or rejected, not {decision}."
        )
    notes = sent.get("notes", "").strip()
    if not notes:
        return await _show_bill(request, "notes: say why.", 422, sent)
    if decision == "accept":
        why = await send(request, AcceptBill, bill_id=bill_id, notes=notes, accepted_by=me.user_id,
                         correlation_id=bill_id)  # fmt: skip
    else:
        why = await send(request, RejectBill, bill_id=bill_id, notes=notes, rejected_by=me.user_id,
                         correlation_id=bill_id)  # fmt: skip
    if why:
        return await _show_bill(request, why, 409, sent)
    done = "accepted" if decision == "accept" else "rejected"
    if sent.get("back") == "list":
        return RedirectResponse(f"/bills?done={done}", status_code=303)
    return RedirectResponse(f"/bills/{bill_id}?done={done}", status_code=303)


ROUTES = [
    Route("/bills", bill_list),
    Route("/bills/{bill_id}", bill_page),
    Route("/bills/{bill_id}/{decision:str}", decide_bill, methods=["POST"]),
]
