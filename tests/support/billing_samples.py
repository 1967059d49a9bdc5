"""A valid message per billing consumer (and notification's billing consumers), and the
evidence that it was processed, for ``tests/integration/test_bad_input.py``.

The billing service there looks for due renewals every 0.2 s (``billing_sample_settings``), so
a subscription started now is billed at once and its renewal order can be told about.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from services.billing.settings import BillingSettings
from services.billing.subscriptions.handlers import ACTING_USER
from shared.contracts import OrderApproved, OrderCreated, OrderKind, OrderRejected, utcnow
from shared.contracts.billing import (
    CancelSubscription,
    ChangeSubscriptionPlan,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceStatus,
    InvoiceUncollectible,
    InvoiceVoided,
    PauseSubscription,
    PaymentRecorded,
    RecordPayment,
    ResumeSubscription,
    SubscriptionCancelled,
    SubscriptionStatus,
    VoidInvoice,
    WithdrawCancellation,
)
from shared.contracts.orders import Availability, OrderCommandRejected, StockAvailability
from tests.support.billing import BillingContactFor, plan, subscribe
from tests.support.consumers import command, event
from tests.support.factories import lines, unique
from tests.support.inventory import eventually
from tests.support.inventory_samples import Sample, SampleContext, _answered


def billing_sample_settings(**values: Any) -> BillingSettings:
    """The billing service's settings in the bad-input test: it looks every 0.2 s."""
    return BillingSettings(**{"schedule_interval_seconds": 0.2, **values})


async def _asked(ctx: SampleContext, command: Any) -> dict[str, Any]:
    body = await _answered(ctx, command)
    assert "command_type" not in body, body  # not a refusal
    return body


async def _subscription(ctx: SampleContext) -> tuple[str, str]:
    """A subscription billed now: its id and its renewal order's."""
    monthly = plan("SKU-1", "BR-1")
    await _asked(ctx, monthly)
    start = subscribe(monthly.plan_id, utcnow())
    await _asked(ctx, start)
    order_id = f"{start.subscription_id}-R1"
    await ctx.bus.wait_for(
        "billing.subscription_renewed",
        lambda b: b["renewal"]["order_id"] == order_id,
        timeout=20,
    )
    return start.subscription_id, order_id


async def _renewal_is(ctx: SampleContext, order_id: str, **expected: object) -> None:
    await ctx.bus.wait_for(
        "billing.subscription_renewal_updated",
        lambda b: (
            b["renewal"]["order_id"] == order_id
            and all(b["renewal"].get(k) == v for k, v in expected.items())
        ),
    )


def _order(order_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "kind": OrderKind.SALES,
        "party_id": "C-1",
        "attempt": 1,
        **fields,
    }


def _facts(subscription_id: str, order_id: str) -> dict[str, Any]:
    """An invoice's facts, as the billing service publishes them."""
    return {
        "invoice_id": unique("INV"),
        "series": "INV",
        "number": 1,
        "subscription_id": subscription_id,
        "customer_id": "C-1",
        "order_id": order_id,
        "status": InvoiceStatus.OPEN,
        "currency": "EUR",
        "total": Decimal(30),
        "amount_paid": Decimal(0),
        "balance": Decimal(30),
        "due_at": utcnow(),
        "billing_contact": BillingContactFor,
    }


async def s_start(ctx: SampleContext) -> None:
    await _subscription(ctx)


async def s_change_plan(ctx: SampleContext) -> None:
    sub, _ = await _subscription(ctx)
    other = plan("SKU-1", "BR-1", price=Decimal(60), items=[])
    await _asked(ctx, other)
    await _asked(
        ctx, ChangeSubscriptionPlan(subscription_id=sub, plan_id=other.plan_id, changed_by="root")
    )


async def s_pause(ctx: SampleContext) -> None:
    sub, _ = await _subscription(ctx)
    resume = utcnow() + timedelta(days=30)
    await _asked(ctx, PauseSubscription(subscription_id=sub, resume_at=resume, paused_by="root"))


async def s_cancel(ctx: SampleContext) -> None:
    sub, _ = await _subscription(ctx)
    await _asked(ctx, CancelSubscription(subscription_id=sub, cancelled_by="root"))


async def s_resume(ctx: SampleContext) -> None:
    sub, _ = await _subscription(ctx)
    resume = utcnow() + timedelta(days=30)
    await _asked(ctx, PauseSubscription(subscription_id=sub, resume_at=resume, paused_by="root"))
    await _asked(ctx, ResumeSubscription(subscription_id=sub, resumed_by="root"))


async def s_withdraw_cancellation(ctx: SampleContext) -> None:
    sub, _ = await _subscription(ctx)
    cancel = CancelSubscription(subscription_id=sub, at_period_end=True, cancelled_by="root")
    await _asked(ctx, cancel)
    await _asked(ctx, WithdrawCancellation(subscription_id=sub, withdrawn_by="root"))


async def _invoice(ctx: SampleContext) -> str:
    """An invoice issued for an approved renewal order: its id."""
    _, order_id = await _subscription(ctx)
    await ctx.bus.send(OrderApproved(**_approved(order_id)))
    [issued] = await ctx.bus.wait_for("billing.invoice_issued", lambda b: b["order_id"] == order_id)
    return str(issued.body["invoice_id"])


async def s_record_payment(ctx: SampleContext) -> None:
    payment = RecordPayment(
        invoice_id=await _invoice(ctx),
        payment_id=unique("PAY"),
        amount=Decimal(1),
        currency="EUR",
        recorded_by="root",
    )
    assert Decimal((await _asked(ctx, payment))["balance"]) == Decimal(29)


async def s_void_invoice(ctx: SampleContext) -> None:
    void = VoidInvoice(invoice_id=await _invoice(ctx), reason="issued in error", voided_by="root")
    assert (await _asked(ctx, void))["status"] == "void"


def _approved(order_id: str) -> dict[str, Any]:
    return _order(
        order_id,
        branch_id="BR-1",
        created_by=ACTING_USER,
        currency="EUR",
        lines=lines(("SKU-1", "3", "10.00")),
        total=Decimal(30),
    )


async def s_order_created(ctx: SampleContext) -> None:
    _, order_id = await _subscription(ctx)
    facts = _approved(order_id)
    del facts["attempt"]
    availability = StockAvailability(status=Availability.SHORT, checked_at=utcnow())
    await ctx.bus.send(OrderCreated(**facts, availability=availability))
    await _renewal_is(ctx, order_id, stock="short")


async def s_order_approved(ctx: SampleContext) -> None:
    _, order_id = await _subscription(ctx)
    await ctx.bus.send(OrderApproved(**_approved(order_id)))
    await _renewal_is(ctx, order_id, status="invoiced")


async def s_order_rejected(ctx: SampleContext) -> None:
    _, order_id = await _subscription(ctx)
    await ctx.bus.send(OrderRejected(**_order(order_id, level=1, approver_id="m", notes="no")))
    await _renewal_is(ctx, order_id, status="rejected")


async def s_order_command_rejected(ctx: SampleContext) -> None:
    _, order_id = await _subscription(ctx)
    await ctx.bus.send(
        OrderCommandRejected(
            command_message_id=None,
            command_type="CreateSalesOrder",
            reason="unknown_price",
            detail="no price for SKU-1",
            service="order",
            correlation_id=order_id,
        )
    )
    await _renewal_is(ctx, order_id, status="refused")


async def s_invoice_issued(ctx: SampleContext) -> None:
    sub, order_id = await _subscription(ctx)
    facts = _facts(sub, order_id)
    event = InvoiceIssued(**facts, lines=[], tax_total=Decimal(0), issued_at=utcnow())
    await ctx.bus.send(event)
    await _renewal_is(ctx, order_id, status="invoiced", invoice_id=facts["invoice_id"])


def _overdue(facts: dict[str, Any]) -> InvoiceOverdue:
    return InvoiceOverdue(
        **facts,
        attempt=1,
        attempts=3,
        next_attempt_at=utcnow() + timedelta(days=3),
        final_action="cancel_subscription",
    )


async def s_invoice_overdue(ctx: SampleContext) -> None:
    sub, order_id = await _subscription(ctx)
    await ctx.bus.send(_overdue(_facts(sub, order_id)))
    await ctx.bus.wait_for("billing.subscription_past_due", lambda b: b["subscription_id"] == sub)


async def _settled_by(ctx: SampleContext, settle: Any) -> None:
    """Past due for an invoice, then active again when ``settle(facts)`` says it is settled."""
    sub, order_id = await _subscription(ctx)
    facts = _facts(sub, order_id)
    await ctx.bus.send(_overdue(facts))
    await ctx.bus.wait_for("billing.subscription_past_due", lambda b: b["subscription_id"] == sub)
    await ctx.bus.send(settle(facts))
    await ctx.bus.wait_for(
        "billing.subscription_resumed",
        lambda b: b["subscription_id"] == sub and b["status"] == SubscriptionStatus.ACTIVE,
    )


async def s_payment_recorded(ctx: SampleContext) -> None:
    await _settled_by(
        ctx,
        lambda f: PaymentRecorded(
            **{**f, "status": InvoiceStatus.PAID, "balance": Decimal(0)},
            payment_id="P-1",
            amount=Decimal(30),
        ),
    )


async def s_invoice_uncollectible(ctx: SampleContext) -> None:
    await _settled_by(
        ctx, lambda f: InvoiceUncollectible(**{**f, "status": InvoiceStatus.UNCOLLECTIBLE})
    )


async def s_invoice_voided(ctx: SampleContext) -> None:
    await _settled_by(
        ctx, lambda f: InvoiceVoided(**{**f, "status": InvoiceStatus.VOID}, reason="test")
    )


# --- notification: dunning e-mails ------------------------------------------------------------


async def _queued(ctx: SampleContext, event: Any, kind: str) -> None:
    await ctx.bus.send(event)
    await eventually(
        lambda: ctx.db.emails.find_one({"source_message_id": str(event.message_id)}),
        lambda doc: doc is not None and doc["kind"] == kind,
        what=f"a {kind} e-mail queued",
    )


async def s_mail_overdue(ctx: SampleContext) -> None:
    await _queued(ctx, _overdue(_facts("SUB-1", "SUB-1-R1")), "invoice_overdue")


async def s_mail_uncollectible(ctx: SampleContext) -> None:
    facts = {**_facts("SUB-1", "SUB-1-R1"), "status": InvoiceStatus.UNCOLLECTIBLE}
    await _queued(ctx, InvoiceUncollectible(**facts), "invoice_uncollectible")


async def s_mail_cancelled(ctx: SampleContext) -> None:
    event = SubscriptionCancelled(
        subscription_id="SUB-1",
        customer_id="C-1",
        plan_id="P-1",
        status=SubscriptionStatus.CANCELLED,
        billing_contact=BillingContactFor,
        reason="test",
    )
    await _queued(ctx, event, "subscription_cancelled")


BILLING_SAMPLES: dict[tuple[str, str], Sample] = {
    command("billing.start_subscription"): s_start,
    command("billing.change_subscription_plan"): s_change_plan,
    command("billing.pause_subscription"): s_pause,
    command("billing.cancel_subscription"): s_cancel,
    command("billing.resume_subscription"): s_resume,
    command("billing.withdraw_cancellation"): s_withdraw_cancellation,
    command("billing.record_payment"): s_record_payment,
    command("billing.void_invoice"): s_void_invoice,
    event("billing", "order.created"): s_order_created,
    event("billing", "order.approved"): s_order_approved,
    event("billing", "order.rejected"): s_order_rejected,
    event("billing", "order.command_rejected"): s_order_command_rejected,
    event("billing", "billing.invoice_issued"): s_invoice_issued,
    event("billing", "billing.invoice_overdue"): s_invoice_overdue,
    event("billing", "billing.payment_recorded"): s_payment_recorded,
    event("billing", "billing.invoice_uncollectible"): (s_invoice_uncollectible),
    event("billing", "billing.invoice_voided"): s_invoice_voided,
    event("notification", "billing.invoice_overdue"): s_mail_overdue,
    event("notification", "billing.invoice_uncollectible"): (s_mail_uncollectible),
    event("notification", "billing.subscription_cancelled"): (s_mail_cancelled),
}
