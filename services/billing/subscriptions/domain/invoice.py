"""Invoices for approved renewal orders: lines and taxes as priced, payments, and dunning.

An invoice is numbered ``<series>-<number>`` with numbers that leave no gap in their series
(the repository takes the next free number when it stores a new one). Its lines and taxes are
the renewal order's, as the order service priced them with the shared pricing rules, plus a
proration line when a plan change left an adjustment (see proration).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from services.billing.common.dunning import DunningPolicy, FinalAction
from services.billing.subscriptions.domain.errors import (
    CurrencyMismatch,
    InvoiceClosed,
    Overpayment,
)
from services.billing.subscriptions.domain.proration import adjustment_tax
from shared.contracts.billing import (
    BillingContact,
    InvoiceIssued,
    InvoiceLine,
    InvoiceOverdue,
    InvoiceStatus,
    InvoiceUncollectible,
    InvoiceVoided,
    PaymentRecorded,
)
from shared.contracts.orders import OrderApproved
from shared.domain import Aggregate, DomainError

ZERO = Decimal(0)


class DuplicatePayment(DomainError):
    """A payment_id already recorded on the invoice (by another command)."""

    reason = "duplicate_payment"


def invoice_lines(order: OrderApproved) -> tuple[list[InvoiceLine], Decimal, Decimal]:
    """The order's lines as invoice lines, its net total and its tax total."""
    if order.pricing is not None:
        lines = [
            InvoiceLine(
                description=line.sku,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net=line.net,
                tax=line.tax,
                total=line.total,
            )
            for line in order.pricing.lines
        ]
        return lines, order.pricing.net_total, order.pricing.tax_total
    lines = [
        InvoiceLine(
            description=line.sku,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            net=line.quantity * line.unit_price,
            tax=ZERO,
            total=line.quantity * line.unit_price,
        )
        for line in order.lines
    ]
    return lines, order.total, ZERO


class Invoice(Aggregate):
    series: str
    number: int
    subscription_id: str
    customer_id: str
    order_id: str
    currency: str
    lines: list[InvoiceLine]
    tax_total: Decimal
    total: Decimal
    amount_paid: Decimal = ZERO
    payments: list[str] = []
    status: InvoiceStatus = InvoiceStatus.OPEN
    issued_at: datetime
    due_at: datetime
    billing_contact: BillingContact
    attempts: int = 0
    next_attempt_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        series: str,
        number: int,
        subscription_id: str,
        customer_id: str,
        order: OrderApproved,
        adjustment: Decimal,
        contact: BillingContact,
        at: datetime,
        payment_terms_days: int,
        policy: DunningPolicy,
    ) -> Invoice:
        lines, net, tax = invoice_lines(order)
        total = order.total
        if adjustment != ZERO:
            adj_tax = adjustment_tax(
                adjustment, net_total=net, tax_total=tax, currency=order.currency
            )
            lines.append(
                InvoiceLine(
                    description="Proration of a plan change",
                    quantity=Decimal(1),
                    unit_price=adjustment,
                    net=adjustment,
                    tax=adj_tax,
                    total=adjustment + adj_tax,
                )
            )
            tax, total = tax + adj_tax, total + adjustment + adj_tax
        due_at = at + timedelta(days=payment_terms_days)
        invoice = cls(
            id=f"{series}-{number:06d}",
            series=series,
            number=number,
            subscription_id=subscription_id,
            customer_id=customer_id,
            order_id=order.order_id,
            currency=order.currency,
            lines=lines,
            tax_total=tax,
            total=max(total, ZERO),
            issued_at=at,
            due_at=due_at,
            billing_contact=contact,
            next_attempt_at=policy.attempt_at(due_at, 1),
        )
        if invoice.total == ZERO:
            invoice.status, invoice.next_attempt_at = InvoiceStatus.PAID, None
        invoice.record(
            InvoiceIssued(
                **invoice.facts(),
                lines=lines,
                pricing=order.pricing,
                tax_total=tax,
                issued_at=at,
            )
        )
        return invoice

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid

    def facts(self) -> dict[str, Any]:
        return {
            "invoice_id": self.id,
            "series": self.series,
            "number": self.number,
            "subscription_id": self.subscription_id,
            "customer_id": self.customer_id,
            "order_id": self.order_id,
            "status": self.status,
            "currency": self.currency,
            "total": self.total,
            "amount_paid": self.amount_paid,
            "balance": self.balance,
            "due_at": self.due_at,
            "billing_contact": self.billing_contact,
        }

    def pay(self, payment_id: str, amount: Decimal, currency: str) -> None:
        """Record a payment; the invoice is paid once nothing is left (uncollectible too)."""
        if self.status in (InvoiceStatus.PAID, InvoiceStatus.VOID):
            raise InvoiceClosed(f"Invoice {self.id} is {self.status}: it takes no payment.")
        if currency != self.currency:
            raise CurrencyMismatch(f"Invoice {self.id} is in {self.currency}, not {currency}.")
        if payment_id in self.payments:
            raise DuplicatePayment(f"Payment {payment_id} is recorded on {self.id} already.")
        if amount > self.balance:
            raise Overpayment(
                f"{amount} is more than the {self.balance} {self.currency} left on {self.id}."
            )
        self.amount_paid += amount
        self.payments = [*self.payments, payment_id]
        if self.balance == ZERO:
            self.status, self.next_attempt_at = InvoiceStatus.PAID, None
        self.record(PaymentRecorded(**self.facts(), payment_id=payment_id, amount=amount))

    def void(self, reason: str) -> None:
        if self.status is not InvoiceStatus.OPEN or self.amount_paid != ZERO:
            raise InvoiceClosed(
                f"Only an open invoice with no payment is voided; {self.id} is {self.status} "
                f"with {self.amount_paid} paid."
            )
        self.status, self.next_attempt_at = InvoiceStatus.VOID, None
        self.record(InvoiceVoided(**self.facts(), reason=reason))

    def is_overdue(self, now: datetime) -> bool:
        return (
            self.status is InvoiceStatus.OPEN
            and self.next_attempt_at is not None
            and self.next_attempt_at <= now
        )

    def remind(self, now: datetime, policy: DunningPolicy) -> None:
        """The dunning attempt that is due: a reminder, and at the last the final action."""
        if not self.is_overdue(now):
            return
        self.attempts += 1
        attempts = len(policy.delays_days)
        self.next_attempt_at = policy.attempt_at(self.due_at, self.attempts + 1)
        last = self.next_attempt_at is None
        if last and policy.final_action is FinalAction.MARK_UNCOLLECTIBLE:
            self.status = InvoiceStatus.UNCOLLECTIBLE
        self.record(
            InvoiceOverdue(
                **self.facts(),
                attempt=self.attempts,
                attempts=attempts,
                next_attempt_at=self.next_attempt_at,
                final_action=policy.final_action,
            )
        )
        if self.status is InvoiceStatus.UNCOLLECTIBLE:
            self.record(InvoiceUncollectible(**self.facts()))
