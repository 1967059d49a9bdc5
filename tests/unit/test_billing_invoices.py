"""Invoices: lines and taxes as the approved order was priced, a proration line, payments
(partial, over, twice, in another currency), voiding, and the dunning schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.billing.subscriptions.domain import DunningPolicy, FinalAction, Invoice
from services.billing.subscriptions.domain.errors import (
    CurrencyMismatch,
    InvoiceClosed,
    Overpayment,
)
from services.billing.subscriptions.domain.invoice import DuplicatePayment, invoice_lines
from shared.contracts.billing import (
    BillingContact,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceStatus,
    InvoiceUncollectible,
    InvoiceVoided,
    PaymentRecorded,
)
from shared.contracts.common import OrderKind, OrderLine, OrderLineInput
from shared.contracts.orders import OrderApproved
from shared.contracts.pricing import PricingTerms, TaxRate
from shared.domain import Aggregate
from shared.pricing import price_document

CONTACT = BillingContact(email="pay@customer.example")
ISSUED = datetime(2026, 3, 1, 9, tzinfo=UTC)
POLICY = DunningPolicy((1, 3, 7), FinalAction.CANCEL_SUBSCRIPTION)
OPEN, PAID = InvoiceStatus.OPEN, InvoiceStatus.PAID


def drained(aggregate: Aggregate) -> list[Any]:
    """The events the aggregate recorded since last asked (typed loosely, for assertions)."""
    return list(aggregate.collect_events())


def approved(*, taxed: bool = True, price: str = "20.00", quantity: str = "3") -> OrderApproved:
    lines = [
        OrderLine(
            sku="SKU-A",
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            tax_codes=["VAT"] if taxed else [],
        )
    ]
    inputs = [OrderLineInput(**line.model_dump()) for line in lines]
    rates = {"VAT": TaxRate(code="VAT", rate=Decimal(20), version=1)}
    pricing = price_document(inputs, PricingTerms(), rates, currency="EUR")  # type: ignore[arg-type]
    return OrderApproved(
        order_id="SUB-1-R2",
        kind=OrderKind.SALES,
        party_id="C-1",
        branch_id="BR-1",
        created_by="billing",
        currency="EUR",
        lines=lines,
        total=pricing.grand_total,
        pricing=pricing,
        attempt=1,
    )


def issue(order: OrderApproved | None = None, **overrides: Any) -> Invoice:
    values: dict[str, Any] = {
        "series": "INV",
        "number": 7,
        "subscription_id": "SUB-1",
        "customer_id": "C-1",
        "order": order or approved(),
        "adjustment": Decimal(0),
        "contact": CONTACT,
        "at": ISSUED,
        "payment_terms_days": 14,
        "policy": POLICY,
        **overrides,
    }
    return Invoice.issue(**values)


def test_an_invoice_takes_the_orders_priced_lines_taxes_and_total() -> None:
    invoice = issue()
    [issued] = drained(invoice)
    assert isinstance(issued, InvoiceIssued)
    assert (issued.invoice_id, issued.series, issued.number) == ("INV-000007", "INV", 7)
    assert (issued.subscription_id, issued.customer_id, issued.order_id) == (
        "SUB-1",
        "C-1",
        "SUB-1-R2",
    )
    assert (issued.total, issued.tax_total, issued.balance, issued.amount_paid) == (
        Decimal("72.00"),
        Decimal("12.00"),
        Decimal("72.00"),
        Decimal(0),
    )
    assert (issued.status, issued.currency, issued.issued_at) == (OPEN, "EUR", ISSUED)
    assert issued.due_at == ISSUED + timedelta(days=14)
    assert issued.billing_contact == CONTACT
    assert issued.pricing is not None
    [line] = issued.lines
    assert (line.sku, line.description, line.quantity, line.unit_price) == (
        "SKU-A",
        "SKU-A",
        Decimal(3),
        Decimal(20),
    )
    assert (line.net, line.tax, line.total) == (Decimal(60), Decimal(12), Decimal(72))
    assert invoice.next_attempt_at == ISSUED + timedelta(days=15)


def test_an_order_without_pricing_is_invoiced_from_its_lines_untaxed() -> None:
    order = approved().model_copy(update={"pricing": None, "total": Decimal("60.00")})
    lines, net, tax = invoice_lines(order)
    assert (net, tax) == (Decimal("60.00"), Decimal(0))
    [line] = lines
    assert (line.net, line.tax, line.total) == (Decimal(60), Decimal(0), Decimal(60))
    assert issue(order).total == Decimal("60.00")


def test_a_proration_is_a_line_of_its_own_taxed_at_the_invoices_ratio() -> None:
    invoice = issue(adjustment=Decimal("15.48"))
    [issued] = drained(invoice)
    proration = issued.lines[-1]
    assert proration.description == "Proration of a plan change"
    assert (proration.sku, proration.quantity, proration.unit_price) == (None, 1, Decimal("15.48"))
    assert (proration.net, proration.tax, proration.total) == (
        Decimal("15.48"),
        Decimal("3.10"),
        Decimal("18.58"),
    )
    assert (issued.tax_total, issued.total) == (Decimal("15.10"), Decimal("90.58"))
    credited = issue(adjustment=Decimal("-10.00"))
    assert (credited.tax_total, credited.total) == (Decimal("10.00"), Decimal("60.00"))


def test_an_invoice_never_goes_below_zero_and_one_for_nothing_is_paid_at_once() -> None:
    invoice = issue(approved(taxed=False), adjustment=Decimal("-100"))
    assert (invoice.total, invoice.status, invoice.next_attempt_at) == (Decimal(0), PAID, None)
    assert drained(invoice)[0].status is PAID
    assert issue(approved(price="0"), adjustment=Decimal(0)).status is PAID
    assert issue(approved(price="0.01", quantity="1", taxed=False)).status is OPEN


def test_payments_add_up_until_the_invoice_is_paid() -> None:
    invoice = issue()
    drained(invoice)
    invoice.pay("P-1", Decimal("50.00"), "EUR")
    [partial] = drained(invoice)
    assert isinstance(partial, PaymentRecorded)
    assert (partial.status, partial.amount, partial.amount_paid, partial.balance) == (
        OPEN,
        Decimal(50),
        Decimal(50),
        Decimal(22),
    )
    assert partial.payment_id == "P-1"
    assert invoice.next_attempt_at is not None
    invoice.pay("P-2", Decimal("22.00"), "EUR")
    [full] = drained(invoice)
    assert (full.status, full.balance) == (PAID, Decimal(0))
    assert not invoice.is_overdue(ISSUED + timedelta(days=365))  # no more reminders
    assert invoice.payments == ["P-1", "P-2"]


def test_a_payment_is_refused_over_the_balance_twice_in_another_currency_or_when_closed() -> None:
    invoice = issue()
    with pytest.raises(Overpayment, match=r"72\.01 is more than the 72\.00 EUR left") as over:
        invoice.pay("P-1", Decimal("72.01"), "EUR")
    assert over.value.reason == "overpayment"
    with pytest.raises(CurrencyMismatch, match="is in EUR, not USD") as other:
        invoice.pay("P-1", Decimal(1), "USD")
    assert other.value.reason == "currency_mismatch"
    invoice.pay("P-1", Decimal(1), "EUR")
    with pytest.raises(DuplicatePayment, match="P-1 is recorded on INV-000007 already") as twice:
        invoice.pay("P-1", Decimal(1), "EUR")
    assert twice.value.reason == "duplicate_payment"
    invoice.pay("P-2", Decimal(71), "EUR")
    with pytest.raises(InvoiceClosed, match="INV-000007 is paid: it takes no payment") as closed:
        invoice.pay("P-3", Decimal(1), "EUR")
    assert closed.value.reason == "invoice_closed"


def test_only_an_open_unpaid_invoice_is_voided() -> None:
    invoice = issue()
    drained(invoice)
    invoice.void("issued twice")
    [voided] = drained(invoice)
    assert isinstance(voided, InvoiceVoided)
    assert (voided.status, voided.reason, invoice.next_attempt_at) == (
        InvoiceStatus.VOID,
        "issued twice",
        None,
    )
    with pytest.raises(InvoiceClosed, match="is void"):
        invoice.pay("P-1", Decimal(1), "EUR")
    with pytest.raises(InvoiceClosed, match="Only an open invoice with no payment"):
        invoice.void("again")
    part_paid = issue()
    part_paid.pay("P-1", Decimal(1), "EUR")
    with pytest.raises(InvoiceClosed, match="with 1 paid"):
        part_paid.void("oops")


def test_dunning_reminds_on_each_configured_day_then_takes_the_final_action() -> None:
    invoice = issue()
    drained(invoice)
    due = ISSUED + timedelta(days=14)
    invoice.remind(due + timedelta(hours=23), POLICY)
    assert drained(invoice) == []
    assert not invoice.is_overdue(due)
    steps = []
    for day in (1, 3, 7):
        invoice.remind(due + timedelta(days=day), POLICY)
        [step] = drained(invoice)
        assert isinstance(step, InvoiceOverdue)
        steps.append((step.attempt, step.attempts, step.next_attempt_at, step.final_action))
        invoice.remind(due + timedelta(days=day), POLICY)  # the same look again: nothing
        assert drained(invoice) == []
    assert steps == [
        (1, 3, due + timedelta(days=3), "cancel_subscription"),
        (2, 3, due + timedelta(days=7), "cancel_subscription"),
        (3, 3, None, "cancel_subscription"),
    ]
    assert invoice.status is OPEN  # the subscription is cancelled; the invoice stays owed
    assert not invoice.is_overdue(due + timedelta(days=100))


def test_dunning_set_to_write_off_marks_the_invoice_uncollectible_a_payment_still_settles() -> None:
    policy = DunningPolicy((2,), FinalAction.MARK_UNCOLLECTIBLE)
    invoice = issue(policy=policy)
    drained(invoice)
    due = ISSUED + timedelta(days=14)
    assert invoice.next_attempt_at == due + timedelta(days=2)
    invoice.remind(due + timedelta(days=2), policy)
    overdue, written_off = drained(invoice)
    assert isinstance(overdue, InvoiceOverdue)
    assert isinstance(written_off, InvoiceUncollectible)
    assert (overdue.attempt, overdue.attempts, overdue.status) == (1, 1, "uncollectible")
    assert written_off.status is InvoiceStatus.UNCOLLECTIBLE
    invoice.pay("LATE", Decimal(72), "EUR")
    assert invoice.status is PAID


def test_a_partly_paid_invoice_is_still_reminded_of_its_balance() -> None:
    invoice = issue()
    invoice.pay("P-1", Decimal(70), "EUR")
    drained(invoice)
    invoice.remind(ISSUED + timedelta(days=15), POLICY)
    [step] = drained(invoice)
    assert step.balance == Decimal(2)


def test_the_dunning_policy_says_when_each_attempt_is_due() -> None:
    due = ISSUED
    assert POLICY.attempt_at(due, 1) == due + timedelta(days=1)
    assert POLICY.attempt_at(due, 3) == due + timedelta(days=7)
    assert POLICY.attempt_at(due, 4) is None
    assert DunningPolicy().delays_days == (1, 3, 7)
    assert DunningPolicy().final_action is FinalAction.CANCEL_SUBSCRIPTION


def test_an_unpriced_orders_lines_keep_their_skus() -> None:
    order = approved().model_copy(update={"pricing": None, "total": Decimal("60.00")})
    [line] = invoice_lines(order)[0]
    assert (line.sku, line.description) == ("SKU-A", "SKU-A")


def test_a_proration_is_taxed_in_the_invoices_currency() -> None:
    order = approved().model_copy(update={"currency": "JPY"})
    invoice = issue(order, adjustment=Decimal(1))  # 1 x 12 / 60 = 0.2 yen: no tax
    assert invoice.lines[-1].tax == Decimal(0)
