"""The e-mails to a customer: dunning steps, the final notices, cart reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from services.notification import templates
from shared.contracts.billing import (
    BillingContact,
    InvoiceOverdue,
    InvoiceStatus,
    InvoiceUncollectible,
    SubscriptionCancelled,
    SubscriptionStatus,
)
from shared.contracts.carts import CartRecoveryDue, RecoveryItem
from shared.contracts.receivables import CustomerInvoiceOverdue, CustomerInvoiceStatus

CONTACT = BillingContact(email="ap@customer.example", name="Accounts")
DUE = datetime(2026, 2, 10, 9, tzinfo=UTC)


def facts(**overrides: Any) -> dict[str, Any]:
    return {
        "invoice_id": "INV-000001",
        "series": "INV",
        "number": 1,
        "subscription_id": "SUB-1",
        "customer_id": "C-1",
        "order_id": "SUB-1-R1",
        "status": InvoiceStatus.OPEN,
        "currency": "EUR",
        "total": Decimal("30.00"),
        "amount_paid": Decimal("10.00"),
        "balance": Decimal("20.00"),
        "due_at": DUE,
        "billing_contact": CONTACT,
        **overrides,
    }


def test_a_reminder_names_the_invoice_the_balance_and_the_next_step() -> None:
    event = InvoiceOverdue(
        **facts(),
        attempt=1,
        attempts=2,
        next_attempt_at=datetime(2026, 2, 15, 9, tzinfo=UTC),
        final_action="cancel_subscription",
    )
    subject, body = templates.invoice_overdue(event)
    assert subject == "Payment reminder 1/2: invoice INV-000001"
    assert body.startswith("Hello Accounts,")
    assert "was due on 2026-02-10 09:00 UTC" in body
    assert "20.00 EUR of it is still unpaid. This is reminder 1 of 2." in body
    assert "the next reminder is due on 2026-02-15 09:00 UTC" in body


def test_the_last_reminder_says_what_happens_now() -> None:
    last = {"attempt": 2, "attempts": 2, "next_attempt_at": None}
    cancel = InvoiceOverdue(**facts(), **last, final_action="cancel_subscription")
    subject, body = templates.invoice_overdue(cancel)
    assert subject == "Payment reminder 2/2: invoice INV-000001"
    assert "subscription SUB-1 is being cancelled" in body
    write_off = InvoiceOverdue(**facts(), **last, final_action="mark_uncollectible")
    assert "written off as uncollectible" in templates.invoice_overdue(write_off)[1]


def test_only_the_email_after_the_last_reminder_calls_itself_the_final_notice() -> None:
    last = {"attempt": 3, "attempts": 3, "next_attempt_at": None}
    for action in ("cancel_subscription", "mark_uncollectible"):
        _, reminder = templates.invoice_overdue(
            InvoiceOverdue(**facts(), **last, final_action=action)
        )
        assert "This is the final notice" not in reminder
        assert "This was the last reminder" not in reminder
        assert "No further reminder follows" in reminder
    cancelled = SubscriptionCancelled(
        subscription_id="SUB-1",
        customer_id="C-1",
        plan_id="BOX",
        status=SubscriptionStatus.CANCELLED,
        billing_contact=CONTACT,
        reason="invoice INV-000001 unpaid after every reminder",
    )
    assert (
        "This is the final notice about this subscription."
        in (templates.subscription_cancelled(cancelled)[1])
    )
    at_period_end = cancelled.model_copy(update={"at_period_end": True, "current_period_end": DUE})
    assert "final notice" not in templates.subscription_cancelled(at_period_end)[1]
    written_off = InvoiceUncollectible(**facts(status=InvoiceStatus.UNCOLLECTIBLE))
    assert (
        "This is the final notice about this invoice."
        in (templates.invoice_uncollectible(written_off)[1])
    )


def test_a_write_off_and_a_cancellation_are_told_to_the_contact() -> None:
    subject, body = templates.invoice_uncollectible(
        InvoiceUncollectible(**facts(status=InvoiceStatus.UNCOLLECTIBLE))
    )
    assert subject == "Invoice INV-000001 written off"
    assert "20.00 EUR is written off" in body
    cancelled = SubscriptionCancelled(
        subscription_id="SUB-1",
        customer_id="C-1",
        plan_id="BOX",
        status=SubscriptionStatus.CANCELLED,
        billing_contact=BillingContact(email="ap@customer.example"),
        reason="invoice INV-000001 unpaid after every reminder",
    )
    subject, body = templates.subscription_cancelled(cancelled)
    assert subject == "Subscription SUB-1 cancelled"
    assert body.startswith("Hello ap@customer.example,")
    assert "is cancelled: nothing more is billed" in body
    assert "Reason: invoice INV-000001 unpaid after every reminder" in body
    later = cancelled.model_copy(
        update={"at_period_end": True, "reason": None, "current_period_end": DUE}
    )
    _, body = templates.subscription_cancelled(later)
    assert "ends with its current period, on 2026-02-10 09:00 UTC" in body
    assert "Reason: (none given)" in body


def test_a_later_cart_reminder_claims_no_expiry_nor_to_be_the_last() -> None:
    due = CartRecoveryDue(
        cart_id="C-1",
        storefront_id="demo",
        step=3,
        email="shopper@example.com",
        currency="EUR",
        total=Decimal("2.00"),
        items=[RecoveryItem(sku="A", quantity=Decimal(1), unit_price=Decimal(2))],
    )
    subject, _ = templates.cart_recovery(due)
    assert subject == "A reminder: your cart is still saved"
    assert "expire" not in subject


def sales_overdue(**overrides: Any) -> CustomerInvoiceOverdue:
    values: dict[str, Any] = {
        "invoice_id": "SI-000007",
        "series": "SI",
        "number": 7,
        "order_id": "SO-9",
        "customer_id": "C-1",
        "branch_id": "BR-1",
        "status": CustomerInvoiceStatus.OPEN,
        "currency": "EUR",
        "total": Decimal("187.58"),
        "amount_credited": Decimal(0),
        "amount_paid": Decimal("100.00"),
        "amount_refunded": Decimal(0),
        "balance": Decimal("87.58"),
        "due_at": DUE,
        "billing_contact": CONTACT,
        "attempt": 1,
        "attempts": 3,
        "next_attempt_at": datetime(2026, 2, 13, 9, tzinfo=UTC),
        **overrides,
    }
    return CustomerInvoiceOverdue(**values)


def test_a_sales_invoice_reminder_names_the_order_the_balance_and_the_next_step() -> None:
    subject, body = templates.customer_invoice_overdue(sales_overdue(), CONTACT)
    assert subject == "Payment reminder 1/3: invoice SI-000007"
    assert body.startswith("Hello Accounts,")
    assert "invoice SI-000007 (187.58 EUR, for order SO-9) was due on 2026-02-10 09:00 UTC" in body
    assert "and 87.58 EUR of it is still unpaid. This is reminder 1 of 3." in body
    assert "the next reminder is due on 2026-02-13 09:00 UTC" in body
    _, last = templates.customer_invoice_overdue(
        sales_overdue(attempt=3, next_attempt_at=None), CONTACT
    )
    assert "This is the last reminder." in last
    assert "subscription" not in last
