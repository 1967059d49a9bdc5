"""What the billing service's queries answer: subscriptions (with their renewals) and invoices.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from shared.contracts.billing import (
    BillingContact,
    BillingInterval,
    InvoiceLine,
    InvoiceStatus,
    Renewal,
    SubscriptionStatus,
)
from shared.contracts.common import DecimalText
from shared.http import Answer

ZERO = Decimal(0)


class SubscriptionAnswer(Answer):
    """One subscription: its plan, calendar and status, and its latest renewals (order,
    status, stock, invoice)."""

    subscription_id: str
    customer_id: str
    plan_id: str
    currency: str
    interval: BillingInterval
    interval_count: int
    time_zone: str = "UTC"
    anchor: datetime
    trial_end: datetime | None = None
    status: SubscriptionStatus
    next_period: int = 0
    term_periods: int | None = None
    auto_renew: bool = True
    term: int = 1
    paused_until: datetime | None = None
    cancel_at_period_end: bool = False
    cancel_reason: str | None = None
    current_price: DecimalText = ZERO
    pending_adjustment: DecimalText = ZERO
    billing_contact: BillingContact
    renewals: list[Renewal] = []
    overdue_invoices: list[str] = []
    next_step_at: datetime | None = None
    version: int


class InvoiceAnswer(Answer):
    """One invoice: its lines and taxes as priced, what was paid, and where dunning stands."""

    invoice_id: str
    series: str
    number: int
    subscription_id: str
    customer_id: str
    order_id: str
    currency: str
    lines: list[InvoiceLine]
    tax_total: DecimalText
    total: DecimalText
    amount_paid: DecimalText = ZERO
    payments: list[str] = []
    status: InvoiceStatus = InvoiceStatus.OPEN
    issued_at: datetime
    due_at: datetime
    billing_contact: BillingContact
    attempts: int = 0
    next_attempt_at: datetime | None = None
    version: int
