"""A valid message per consumer of approval's credit part (customer records, billing's invoice
events, approval.configure_credit), and the evidence that it was processed, for
``tests/integration/test_bad_input.py``; and the messages the credit tests build."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import (
    ConfigureCredit,
    CustomerRecord,
    CustomerRecorded,
    OrderKind,
    OrderSubmitted,
    UpsertUser,
    utcnow,
)
from shared.contracts.invoices import (
    InvoiceStatus,
    InvoiceUncollectible,
    InvoiceVoided,
    PaymentRecorded,
)
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceStatus,
    CustomerPaymentRecorded,
    RefundRecorded,
)
from tests.support.billing import BillingContactFor
from tests.support.consumers import command, event
from tests.support.factories import lines, unique
from tests.support.inventory import eventually
from tests.support.inventory_samples import Sample, SampleContext, _answered


def customer_recorded(
    customer_id: str, limit: str | None, *, version: int = 1, currency: str = "USD"
) -> CustomerRecorded:
    """``order.customer_recorded`` as the order service publishes it."""
    record: dict[str, Any] = {"customer_id": customer_id, "name": "Acme", "currency": currency}
    if limit is not None:
        record["credit_limit"] = {"amount": limit, "currency": currency}
    return CustomerRecorded(
        customer_id=customer_id,
        version=version,
        record=CustomerRecord.model_validate(record),
        source="oms",
    )


def sales_submitted(customer_id: str, total: str, *, order_id: str | None = None) -> OrderSubmitted:
    return OrderSubmitted(
        order_id=order_id or unique("SO"),
        kind=OrderKind.SALES,
        party_id=customer_id,
        branch_id="B1",
        created_by="alice",
        currency="USD",
        lines=lines(("S", "1", total)),
        total=Decimal(total),
        attempt=1,
        submitted_by="alice",
    )


def receivable(order_id: str, customer_id: str, *, total: str, settled: str) -> dict[str, Any]:
    """A sales invoice's facts (billing.customer_*), ``settled`` of ``total`` paid."""
    balance = Decimal(total) - Decimal(settled)
    return {
        "invoice_id": unique("SI"),
        "series": "SI",
        "number": 1,
        "order_id": order_id,
        "customer_id": customer_id,
        "branch_id": "B1",
        "status": CustomerInvoiceStatus.OPEN if balance > 0 else CustomerInvoiceStatus.SETTLED,
        "currency": "USD",
        "total": Decimal(total),
        "amount_credited": Decimal(0),
        "amount_paid": Decimal(settled),
        "amount_refunded": Decimal(0),
        "balance": balance,
        "due_at": utcnow(),
    }


def customer_payment(
    order_id: str, customer_id: str, *, total: str, paid: str
) -> CustomerPaymentRecorded:
    facts = receivable(order_id, customer_id, total=total, settled=paid)
    return CustomerPaymentRecorded(
        **facts, payment_id=unique("P"), amount=Decimal(paid), received_at=utcnow()
    )


def subscription_invoice(order_id: str, customer_id: str, total: str) -> dict[str, Any]:
    return {
        "invoice_id": unique("INV"),
        "series": "INV",
        "number": 1,
        "subscription_id": unique("SUB"),
        "customer_id": customer_id,
        "order_id": order_id,
        "status": InvoiceStatus.OPEN,
        "currency": "USD",
        "total": Decimal(total),
        "amount_paid": Decimal(0),
        "balance": Decimal(total),
        "due_at": utcnow(),
        "billing_contact": BillingContactFor,
    }


async def _counted(ctx: SampleContext) -> tuple[str, str]:
    """A customer approval knows (limit 1000 USD) with one order of 100 USD counted."""
    customer = unique("C")
    await ctx.bus.send(customer_recorded(customer, "1000.00"))
    await _customer(ctx, customer, lambda doc: doc is not None)
    submitted = sales_submitted(customer, "100.00")
    await ctx.bus.send(submitted)
    await ctx.bus.wait_for("approval.approved", lambda b: b["order_id"] == submitted.order_id)
    return customer, submitted.order_id


async def _customer(ctx: SampleContext, customer: str, accept: Any) -> Any:
    return await eventually(
        lambda: ctx.db.assignments.find_one({"_id": f"credit:{customer}"}),
        accept,
        what=f"customer {customer}",
    )


async def _settles(ctx: SampleContext, make: Any, *, gone: bool) -> None:
    """``make(order_id, customer)`` settles part (or, ``gone``, all) of a counted order."""
    customer, order_id = await _counted(ctx)
    await ctx.bus.send(make(order_id, customer))

    def applied(doc: Any) -> bool:
        orders = doc["orders"]
        return not orders if gone else bool(orders and orders[0]["invoices"])

    await _customer(ctx, customer, applied)


async def s_customer_recorded(ctx: SampleContext) -> None:
    customer = unique("C")
    await ctx.bus.send(customer_recorded(customer, "10.00"))
    await _customer(ctx, customer, lambda doc: doc is not None and doc["record_version"] == 1)


async def s_configure_credit(ctx: SampleContext) -> None:
    await _answered(ctx, UpsertUser(user_id="carl", name="Carl", admin=True, changed_by="root"))
    body = await _answered(ctx, ConfigureCredit(credit_approver_id="carl", configured_by="root"))
    assert body["credit_approver_id"] == "carl", body


async def s_customer_payment(ctx: SampleContext) -> None:
    await _settles(
        ctx, lambda o, c: customer_payment(o, c, total="100.00", paid="40.00"), gone=False
    )


async def s_credit_note(ctx: SampleContext) -> None:
    def make(order_id: str, customer: str) -> CreditNoteIssued:
        facts = receivable(order_id, customer, total="100.00", settled="0")
        facts |= {"amount_credited": Decimal(25), "balance": Decimal(75)}
        note = {
            "credit_note_id": f"{facts['invoice_id']}-CN1",
            "invoice_id": facts["invoice_id"],
            "reason": "damaged",
            "lines": [],
            "taxes": [],
            "net_total": "25.00",
            "tax_total": "0",
            "total": "25.00",
            "issued_at": utcnow().isoformat(),
            "issued_by": "root",
        }
        return CreditNoteIssued.model_validate({**_json(facts), "credit_note": note})

    await _settles(ctx, make, gone=False)


async def s_refund(ctx: SampleContext) -> None:
    def make(order_id: str, customer: str) -> RefundRecorded:
        facts = receivable(order_id, customer, total="100.00", settled="50.00")
        facts |= {"amount_paid": Decimal(60), "amount_refunded": Decimal(10)}
        return RefundRecorded.model_validate(
            {
                **_json(facts),
                "refund_id": unique("R"),
                "amount": "10.00",
                "paid_at": utcnow().isoformat(),
            }
        )

    await _settles(ctx, make, gone=False)


async def s_subscription_payment(ctx: SampleContext) -> None:
    def make(order_id: str, customer: str) -> PaymentRecorded:
        facts = subscription_invoice(order_id, customer, "100.00")
        facts |= {"amount_paid": Decimal(100), "balance": Decimal(0)}
        return PaymentRecorded(**facts, payment_id=unique("P"), amount=Decimal(100))

    await _settles(ctx, make, gone=True)


async def s_voided(ctx: SampleContext) -> None:
    await _settles(
        ctx,
        lambda o, c: InvoiceVoided(**subscription_invoice(o, c, "100.00"), reason="error"),
        gone=True,
    )


async def s_uncollectible(ctx: SampleContext) -> None:
    await _settles(
        ctx, lambda o, c: InvoiceUncollectible(**subscription_invoice(o, c, "100.00")), gone=True
    )


def _json(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in facts.items()} | {
        "due_at": facts["due_at"].isoformat()
    }


CREDIT_SAMPLES: dict[tuple[str, str], Sample] = {
    command("approval.configure_credit"): s_configure_credit,
    event("approval", "order.customer_recorded"): s_customer_recorded,
    event("approval", "billing.customer_payment_recorded"): s_customer_payment,
    event("approval", "billing.credit_note_issued"): s_credit_note,
    event("approval", "billing.refund_recorded"): s_refund,
    event("approval", "billing.payment_recorded"): s_subscription_payment,
    event("approval", "billing.invoice_voided"): s_voided,
    event("approval", "billing.invoice_uncollectible"): s_uncollectible,
}
