"""A valid message per consumer of billing's payables and receivables commands (and of
``order.completed``; notification's e-mail of a sales invoice's reminder; inventory's
returns commands), and the
evidence that it was processed, for ``tests/integration/test_bad_input.py``: each command is
answered (accepted, or refused by a rule: either way processed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.contracts.base import utcnow
from shared.contracts.common import OrderKind
from shared.contracts.inventory import LineProgress, StockLine
from shared.contracts.orders import OrderCompleted
from shared.contracts.payables import (
    AcceptBill,
    BillLineInput,
    RecordBill,
    RecordVendorPayment,
    RejectBill,
    SetMatchTolerance,
)
from shared.contracts.receivables import (
    CustomerInvoiceOverdue,
    CustomerInvoiceStatus,
    InvoicingPolicy,
    IssueCreditNote,
    RecordCustomerPayment,
    RecordRefund,
    SetInvoicingPolicy,
)
from shared.contracts.returns import AuthorizeReturn, ReceiveReturn, ReturnReason
from tests.support.billing import BillingContactFor
from tests.support.consumers import command, event
from tests.support.factories import unique
from tests.support.inventory import eventually
from tests.support.inventory_samples import Sample, SampleContext, _answered

D = Decimal


async def _refused(ctx: SampleContext, message: object, reason: str) -> None:
    body = await _answered(ctx, message)  # type: ignore[arg-type]
    assert body.get("reason") == reason, body


# --- payables ------------------------------------------------------------------------------


async def s_set_match_tolerance(ctx: SampleContext) -> None:
    body = await _answered(
        ctx,
        SetMatchTolerance(
            branch_id=unique("BR"),
            price_tolerance_percent=D(2),
            quantity_tolerance_percent=D(0),
            set_by="root",
        ),
    )
    assert body["price_tolerance_percent"] == "2", body


async def s_record_bill(ctx: SampleContext) -> None:
    bill = RecordBill(
        bill_id=unique("B"),
        vendor_id="V-1",
        vendor_bill_number=unique("VB"),
        order_id=unique("PO"),
        currency="EUR",
        lines=[BillLineInput(sku="A", quantity=D(1), unit_price=D("1.00"))],
        bill_date=date(2026, 3, 1),
        recorded_by="root",
    )
    await _refused(ctx, bill, "unknown_order")


async def s_accept_bill(ctx: SampleContext) -> None:
    accept = AcceptBill(bill_id=unique("B"), notes="agreed by phone", accepted_by="root")
    await _refused(ctx, accept, "unknown_bill")


async def s_reject_bill(ctx: SampleContext) -> None:
    reject = RejectBill(bill_id=unique("B"), notes="wrong vendor", rejected_by="root")
    await _refused(ctx, reject, "unknown_bill")


async def s_record_vendor_payment(ctx: SampleContext) -> None:
    payment = RecordVendorPayment(
        bill_id=unique("B"),
        payment_id=unique("PAY"),
        amount=D("1.00"),
        currency="EUR",
        recorded_by="root",
    )
    await _refused(ctx, payment, "unknown_bill")


# --- receivables ---------------------------------------------------------------------------


async def s_set_invoicing_policy(ctx: SampleContext) -> None:
    body = await _answered(
        ctx,
        SetInvoicingPolicy(branch_id=unique("BR"), policy=InvoicingPolicy.PER_ISSUE, set_by="root"),
    )
    assert body["policy"] == "per_issue", body


async def s_record_customer_payment(ctx: SampleContext) -> None:
    payment = RecordCustomerPayment(
        invoice_id=unique("SI"),
        payment_id=unique("PAY"),
        amount=D("1.00"),
        currency="EUR",
        recorded_by="root",
    )
    await _refused(ctx, payment, "unknown_invoice")


async def s_issue_credit_note(ctx: SampleContext) -> None:
    credit = IssueCreditNote(
        invoice_id=unique("SI"),
        lines=[StockLine(sku="A", quantity=D(1))],
        reason="damaged",
        issued_by="root",
    )
    await _refused(ctx, credit, "unknown_invoice")


async def s_record_refund(ctx: SampleContext) -> None:
    refund = RecordRefund(
        invoice_id=unique("SI"),
        refund_id=unique("REF"),
        amount=D("1.00"),
        currency="EUR",
        recorded_by="root",
    )
    await _refused(ctx, refund, "unknown_invoice")


async def s_order_completed(ctx: SampleContext) -> None:
    done = OrderCompleted(
        order_id=unique("SO"),
        kind=OrderKind.SALES,
        party_id="C-1",
        branch_id="BR-1",
        lines=[LineProgress(sku="A", ordered=D(1), fulfilled=D(1))],
    )
    await ctx.bus.send(done)
    await eventually(
        lambda: ctx.db.sales_orders.find_one({"_id": done.order_id}),
        lambda doc: doc is not None and str(done.message_id) in doc["applied_messages"],
        what="order.completed applied",
    )


async def s_mail_sales_overdue(ctx: SampleContext) -> None:
    reminder = CustomerInvoiceOverdue(
        invoice_id=unique("SI"),
        series="SI",
        number=1,
        order_id=unique("SO"),
        customer_id="C-1",
        branch_id="BR-1",
        status=CustomerInvoiceStatus.OPEN,
        currency="EUR",
        total=D(10),
        amount_credited=D(0),
        amount_paid=D(0),
        amount_refunded=D(0),
        balance=D(10),
        due_at=utcnow(),
        billing_contact=BillingContactFor,
        attempt=1,
        attempts=1,
    )
    await ctx.bus.send(reminder)
    await eventually(
        lambda: ctx.db.emails.find_one({"source_message_id": str(reminder.message_id)}),
        lambda doc: doc is not None and doc["kind"] == "customer_invoice_overdue",
        what="a customer_invoice_overdue e-mail queued",
    )


# --- inventory's returns (no sample had them) -------------------------------------------------


async def s_authorize_return(ctx: SampleContext) -> None:
    authorize = AuthorizeReturn(
        return_id=unique("RMA"),
        order_id=unique("SO"),
        lines=[StockLine(sku="A", quantity=D(1))],
        reason=ReturnReason.UNWANTED,
        authorized_by="root",
    )
    body = await _answered(ctx, authorize)
    assert body.get("reason") in ("unknown_order", "unknown_item"), body


async def s_receive_return(ctx: SampleContext) -> None:
    receive = ReceiveReturn(
        return_id=unique("RMA"), order_id=unique("SO"), location_id="L-1", received_by="root"
    )
    body = await _answered(ctx, receive)
    assert body.get("reason") in ("unknown_order", "unknown_return", "unknown_location"), body


PAYABLES_SAMPLES: dict[tuple[str, str], Sample] = {
    command("billing.set_match_tolerance"): s_set_match_tolerance,
    command("billing.record_bill"): s_record_bill,
    command("billing.accept_bill"): s_accept_bill,
    command("billing.reject_bill"): s_reject_bill,
    command("billing.record_vendor_payment"): s_record_vendor_payment,
    command("billing.set_invoicing_policy"): s_set_invoicing_policy,
    command("billing.record_customer_payment"): s_record_customer_payment,
    command("billing.issue_credit_note"): s_issue_credit_note,
    command("billing.record_refund"): s_record_refund,
    event("billing", "order.completed"): s_order_completed,
    event("notification", "billing.customer_invoice_overdue"): s_mail_sales_overdue,
    command("inventory.authorize_return"): s_authorize_return,
    command("inventory.receive_return"): s_receive_return,
}
