"""Customer invoices (sales and subscription), one invoice with its payments and credit notes,
a customer's statement and the aged receivables, for administrators: read from the billing
service's queries; a payment or a credit note is one of its public commands, sent for them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice import charts
from services.backoffice.books import BUCKETS, BadInput, aged_report, amount, credit_fields, day
from services.backoffice.books import period as read_period
from services.backoffice.domain import require_admin
from services.backoffice.pages_orders import send
from services.backoffice.web import backoffice, form, problem, render, signed_in, viewer
from shared.contracts.receivables import IssueCreditNote, RecordCustomerPayment

STATUSES = ("open", "settled", "in_credit")
DONE = {
    "paid": "The payment was recorded.",
    "credited": "The credit note was issued.",
}


def _filters(request: Request) -> dict[str, str]:
    return {
        key: request.query_params.get(key, "").strip()
        for key in ("customer_id", "order_id", "status")
    }


@signed_in
async def invoice_list(request: Request) -> Response:
    """A customer's (or an order's) sales invoices and subscription invoices, by status; with
    no customer named, the customers who owe something today."""
    require_admin(viewer(request), "see invoices")
    reads, wanted = backoffice(request).reads, _filters(request)
    if wanted["status"] and wanted["status"] not in STATUSES:
        return problem(request, 400, "No such status", f"status: {wanted['status']!r} is none "
                       f"of {', '.join(STATUSES)}.")  # fmt: skip
    sales: list[dict[str, Any]] = []
    subscriptions: list[dict[str, Any]] = []
    owing: list[dict[str, Any]] = []
    if wanted["customer_id"] or wanted["order_id"]:
        sales = await reads.customer_invoices(**wanted)
        if wanted["customer_id"] and not wanted["order_id"]:
            subscriptions = await reads.subscription_invoices(
                customer_id=wanted["customer_id"], status=wanted["status"]
            )
    else:
        owing = (await reads.aged_receivables()).get("customers", [])
    return render(
        request, "invoices.html", query=wanted, sales=sales, subscriptions=subscriptions,
        owing=owing, statuses=STATUSES,
    )  # fmt: skip


async def _show_invoice(
    request: Request, error: str = "", status: int = 200, sent: dict[str, str] | None = None
) -> Response:
    invoice_id = request.path_params["invoice_id"]
    invoice = await backoffice(request).reads.customer_invoice(invoice_id)
    if invoice is None:
        return problem(request, 404, "No such invoice", f"There is no sales invoice {invoice_id}.")
    return render(
        request, "invoice.html", status, invoice=invoice, error=error, sent=sent or {},
        payment_id=f"PAY-{uuid.uuid4().hex[:10]}",
        done=DONE.get(request.query_params.get("done", "")),
    )  # fmt: skip


@signed_in
async def invoice_page(request: Request) -> Response:
    """One sales invoice: its lines, taxes per rate, credit notes, payments and balance."""
    require_admin(viewer(request), "see invoices")
    return await _show_invoice(request)


@signed_in
async def record_payment(request: Request) -> Response:
    """Record a customer's payment against the invoice (billing.record_customer_payment)."""
    me, sent = viewer(request), form(request)
    require_admin(me, "record payments")
    invoice_id = request.path_params["invoice_id"]
    try:
        paid = amount(sent.get("amount", ""))
        received = day(sent.get("received_on", ""), "received_on")
    except BadInput as refused:
        return await _show_invoice(request, str(refused), 422, sent)
    why = await send(
        request, RecordCustomerPayment, invoice_id=invoice_id,
        payment_id=sent.get("payment_id", "").strip(), amount=paid,
        currency=sent.get("currency", "").strip(), recorded_by=me.user_id,
        received_at=datetime.fromisoformat(received).replace(tzinfo=UTC) if received else None,
        correlation_id=invoice_id,
    )  # fmt: skip
    if why:
        return await _show_invoice(request, why, 409, sent)
    return RedirectResponse(f"/invoices/{invoice_id}?done=paid", status_code=303)


@signed_in
async def issue_credit_note(request: Request) -> Response:
    """Credit items or an amount of the invoice (billing.issue_credit_note)."""
    me, sent = viewer(request), form(request)
    require_admin(me, "issue credit notes")
    invoice_id = request.path_params["invoice_id"]
    try:
        fields = credit_fields(sent)
    except BadInput as refused:
        return await _show_invoice(request, str(refused), 422, sent)
    why = await send(
        request, IssueCreditNote, invoice_id=invoice_id, issued_by=me.user_id,
        correlation_id=invoice_id, **fields,
    )  # fmt: skip
    if why:
        return await _show_invoice(request, why, 409, sent)
    return RedirectResponse(f"/invoices/{invoice_id}?done=credited", status_code=303)


@signed_in
async def statement_page(request: Request) -> Response:
    """A customer's statement for a period (per currency, with the running balance) and the
    invoices it owes on today."""
    require_admin(viewer(request), "see statements")
    customer_id = request.path_params["customer_id"]
    try:
        chosen = read_period(request.query_params)
    except BadInput as refused:
        return problem(request, 400, "This statement cannot be made", str(refused))
    reads = backoffice(request).reads
    found = await reads.statement(customer_id=customer_id, **chosen)
    items = await reads.open_items(customer_id)
    return render(
        request, "statement.html", customer_id=customer_id, chosen=chosen,
        accounts=found.get("accounts", []), items=items.get("items", []),
        balances=items.get("balances", []),
    )  # fmt: skip


async def _aged(request: Request) -> tuple[str, Any]:
    as_of = day(request.query_params.get("as_of", ""), "as_of")
    customer_id = request.query_params.get("customer_id", "").strip()
    found = await backoffice(request).reads.aged_receivables(as_of=as_of, customer_id=customer_id)
    return as_of, aged_report(found)


@signed_in
async def aged_page(request: Request) -> Response:
    """What customers owe by days past due: one chart per currency, the table, a CSV."""
    require_admin(viewer(request), "see the aged receivables")
    try:
        as_of, report = await _aged(request)
    except BadInput as refused:
        return problem(request, 400, "This report cannot be made", str(refused))
    return render(
        request, "aged.html", report=report, as_of=as_of, buckets=BUCKETS,
        customer_id=request.query_params.get("customer_id", "").strip(),
        charts=[(c.title, charts.svg(c)) for c in charts.charts(report)],
        query=request.url.query,
    )  # fmt: skip


@signed_in
async def aged_csv(request: Request) -> Response:
    """The aged receivables' table as CSV."""
    require_admin(viewer(request), "see the aged receivables")
    try:
        _, report = await _aged(request)
    except BadInput as refused:
        return problem(request, 400, "This report cannot be made", str(refused))
    return Response(
        report.csv(),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="aged-receivables.csv"'},
    )


ROUTES = [
    Route("/invoices", invoice_list),
    Route("/invoices/{invoice_id}", invoice_page),
    Route("/invoices/{invoice_id}/pay", record_payment, methods=["POST"]),
    Route("/invoices/{invoice_id}/credit", issue_credit_note, methods=["POST"]),
    Route("/customers/{customer_id}/statement", statement_page),
    Route("/aged-receivables", aged_page),
    Route("/aged-receivables.csv", aged_csv),
]
