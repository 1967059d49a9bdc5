"""Commands and events of the subscription-billing service: plans, subscriptions, invoices.

Times are UTC instants (ISO 8601 with an offset); a subscription's periods are computed on the
wall clock of its ``time_zone``. Money travels as decimal strings in the plan's currency.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import (
    AS_TEXT,
    FROM_TEXT,
    CurrencyCode,
    DecimalText,
    Identifier,
    Quantity,
    UnitPrice,
)
from shared.contracts.pricing import PricedDocument, PricingTerms

Price = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]
Amount = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]


class BillingInterval(StrEnum):
    """How long one billing period is (times ``interval_count``): ``day`` with a count of N is
    "every N days"; ``quarter`` is three calendar months."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PlanItem(BaseModel):
    """One line of every renewal order: the sku, how many per period, the unit price."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: Quantity = Decimal(1)
    unit_price: UnitPrice = Field(description="per unit and period, before taxes")
    description: str | None = Field(default=None, max_length=500)
    tax_codes: list[Identifier] = Field(
        default_factory=list,
        description="the order service's tax rate codes (order.define_tax_rate) of this line",
    )


class DefinePlan(Command):
    """Create or change a subscription plan; changes apply to periods billed after the change.

    A plan with ``items`` bills them (their quantity x unit price must add up to ``price``);
    without items it bills one line: sku = the plan id, quantity 1, unit price = ``price``.
    Renewal orders are placed at ``branch_id`` (required for a plan anyone subscribes to)."""

    ordering_key: ClassVar[str | None] = "plan_id"
    routing_key: ClassVar[str] = "billing.define_plan"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.plan_defined",)
    acting_person: ClassVar[str | None] = "defined_by"
    plan_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    price: Price = Field(description="the price of one period before taxes")
    currency: CurrencyCode
    interval: BillingInterval
    interval_count: int = Field(default=1, ge=1, le=36, description="periods of N intervals")
    defined_by: Identifier
    items: list[PlanItem] = Field(default_factory=list, max_length=100)
    trial_days: int = Field(default=0, ge=0, le=365, description="free days before billing")
    branch_id: Identifier | None = Field(
        default=None, description="the branch whose stock serves the renewal orders"
    )
    pricing: PricingTerms | None = Field(
        default=None, description="pricing terms of the renewal orders (the order service's)"
    )
    payment_terms_days: int = Field(
        default=14, ge=0, le=365, description="an invoice is due this many days after issue"
    )
    invoice_series: Identifier = Field(
        default="INV", description="invoices are numbered without gaps within their series"
    )


class PlanDefined(Event):
    ordering_key: ClassVar[str | None] = "plan_id"
    routing_key: ClassVar[str] = "billing.plan_defined"
    plan_id: Identifier
    name: str
    price: DecimalText
    currency: CurrencyCode
    interval: BillingInterval
    interval_count: int
    revision: int
    items: list[PlanItem] = Field(default_factory=list)
    trial_days: int = 0
    branch_id: Identifier | None = None
    payment_terms_days: int = 14
    invoice_series: Identifier = "INV"


# --- subscriptions ------------------------------------------------------------------------


class BillingContact(BaseModel):
    """Who receives the customer's invoices and payment reminders."""

    model_config = ConfigDict(frozen=True)

    email: EmailStr
    name: str | None = Field(default=None, max_length=200)


class SubscriptionStatus(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class StartSubscription(Command):
    """Subscribe a customer to a plan. Billing is in advance: the first period is billed at
    ``start_at`` (after the trial, if the plan has one), then at the start of each period."""

    ordering_key: ClassVar[str | None] = "subscription_id"
    routing_key: ClassVar[str] = "billing.start_subscription"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.subscription_started",)
    acting_person: ClassVar[str | None] = "started_by"
    subscription_id: Identifier
    customer_id: Identifier
    plan_id: Identifier
    billing_contact: BillingContact
    start_at: AwareDatetime | None = Field(default=None, description="absent: now")
    time_zone: str = Field(
        default="UTC",
        max_length=64,
        description="IANA name (Europe/Berlin): periods start at the anchor's local wall time",
    )
    term_periods: int | None = Field(
        default=None, ge=1, le=1200, description="periods in one term; absent: no term"
    )
    auto_renew: bool = Field(
        default=True, description="at the end of a term, a new term starts; else it expires"
    )
    started_by: Identifier


class ChangeSubscriptionPlan(Command):
    """Move a subscription to another plan now; the rest of the period is prorated."""

    ordering_key: ClassVar[str | None] = "subscription_id"
    routing_key: ClassVar[str] = "billing.change_subscription_plan"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.subscription_plan_changed",)
    acting_person: ClassVar[str | None] = "changed_by"
    subscription_id: Identifier
    plan_id: Identifier
    changed_by: Identifier


class PauseSubscription(Command):
    """Stop billing until ``resume_at``: periods starting before then are not billed."""

    ordering_key: ClassVar[str | None] = "subscription_id"
    routing_key: ClassVar[str] = "billing.pause_subscription"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.subscription_paused",)
    acting_person: ClassVar[str | None] = "paused_by"
    subscription_id: Identifier
    resume_at: AwareDatetime
    paused_by: Identifier


class CancelSubscription(Command):
    """End a subscription now, or at the end of the period already billed."""

    ordering_key: ClassVar[str | None] = "subscription_id"
    routing_key: ClassVar[str] = "billing.cancel_subscription"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.subscription_cancelled",)
    acting_person: ClassVar[str | None] = "cancelled_by"
    subscription_id: Identifier
    at_period_end: bool = False
    reason: str | None = Field(default=None, max_length=500)
    cancelled_by: Identifier


class RenewalStatus(StrEnum):
    ORDERED = "ordered"
    APPROVED = "approved"
    INVOICED = "invoiced"
    REJECTED = "rejected"
    REFUSED = "refused"


class Renewal(BaseModel):
    """One billed period: its renewal order and what became of it."""

    model_config = ConfigDict(frozen=True)

    period: int = Field(description="0 for the first billed period")
    period_start: AwareDatetime
    period_end: AwareDatetime
    order_id: Identifier
    plan_id: Identifier
    plan_revision: int
    status: RenewalStatus
    stock: str | None = Field(
        default=None, description="the order's stock availability: available, short..."
    )
    detail: str | None = Field(default=None, description="why it was rejected or refused")
    invoice_id: Identifier | None = None
    adjustment: DecimalText = Field(
        default=Decimal(0),
        description="proration from plan changes put on this period's invoice, net of taxes "
        "(positive: charged, negative: credited)",
    )


class _SubscriptionFacts(Event):
    """The subscription as it is after the event."""

    ordering_key: ClassVar[str | None] = "subscription_id"
    subscription_id: Identifier
    customer_id: Identifier
    plan_id: Identifier
    status: SubscriptionStatus
    current_period_start: AwareDatetime | None = None
    current_period_end: AwareDatetime | None = None
    next_billing_at: AwareDatetime | None = Field(
        default=None, description="when the next period is billed; none once it ends"
    )
    billing_contact: BillingContact


class SubscriptionStarted(_SubscriptionFacts):
    routing_key: ClassVar[str] = "billing.subscription_started"
    trial_end: AwareDatetime | None = None


class SubscriptionPlanChanged(_SubscriptionFacts):
    """The plan changed; ``proration`` is charged (positive) or credited (negative) on the
    next renewal's invoice, net of taxes."""

    routing_key: ClassVar[str] = "billing.subscription_plan_changed"
    previous_plan_id: Identifier
    proration: DecimalText
    currency: CurrencyCode


class SubscriptionPaused(_SubscriptionFacts):
    routing_key: ClassVar[str] = "billing.subscription_paused"
    resume_at: AwareDatetime


class SubscriptionResumed(_SubscriptionFacts):
    """Active again: its pause ended, or the overdue invoices were settled."""

    routing_key: ClassVar[str] = "billing.subscription_resumed"


class SubscriptionPastDue(_SubscriptionFacts):
    """An invoice is unpaid after its due date; renewals go on while dunning runs."""

    routing_key: ClassVar[str] = "billing.subscription_past_due"
    invoice_id: Identifier


class SubscriptionCancelled(_SubscriptionFacts):
    """Cancelled now, or (``at_period_end``) scheduled to end with the billed period."""

    routing_key: ClassVar[str] = "billing.subscription_cancelled"
    at_period_end: bool = False
    reason: str | None = None


class SubscriptionExpired(_SubscriptionFacts):
    """The term ended without auto-renewal, or a cancellation at period end took effect."""

    routing_key: ClassVar[str] = "billing.subscription_expired"


class SubscriptionRenewed(_SubscriptionFacts):
    """A period was billed: its renewal order was sent to the order service."""

    routing_key: ClassVar[str] = "billing.subscription_renewed"
    renewal: Renewal


class SubscriptionRenewalUpdated(_SubscriptionFacts):
    """A renewal order's fate: approved, rejected, refused, invoiced, or short of stock."""

    routing_key: ClassVar[str] = "billing.subscription_renewal_updated"
    renewal: Renewal


# --- invoices -------------------------------------------------------------------------------


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


class InvoiceLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    description: str
    sku: Identifier | None = None
    quantity: DecimalText
    unit_price: DecimalText
    net: DecimalText
    tax: DecimalText
    total: DecimalText


class RecordPayment(Command):
    """Record money received for an invoice (the payment provider is outside OMS); partial
    payments add up; more than the balance is refused (overpayment)."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    routing_key: ClassVar[str] = "billing.record_payment"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.payment_recorded",)
    acting_person: ClassVar[str | None] = "recorded_by"
    invoice_id: Identifier
    payment_id: Identifier = Field(description="the provider's reference; one payment once")
    amount: Amount
    currency: CurrencyCode
    received_at: AwareDatetime | None = Field(default=None, description="absent: now")
    recorded_by: Identifier


class VoidInvoice(Command):
    """Cancel an open invoice issued in error; it is kept, numbered, as void."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    routing_key: ClassVar[str] = "billing.void_invoice"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.invoice_voided",)
    acting_person: ClassVar[str | None] = "voided_by"
    invoice_id: Identifier
    reason: str = Field(min_length=1, max_length=500)
    voided_by: Identifier


class _InvoiceFacts(Event):
    """The invoice as it is after the event."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    invoice_id: Identifier = Field(description="<series>-<number>, e.g. INV-000042")
    series: Identifier
    number: int = Field(ge=1, description="gap-free within the series")
    subscription_id: Identifier
    customer_id: Identifier
    order_id: Identifier
    status: InvoiceStatus
    currency: CurrencyCode
    total: DecimalText
    amount_paid: DecimalText
    balance: DecimalText
    due_at: AwareDatetime
    billing_contact: BillingContact


class InvoiceIssued(_InvoiceFacts):
    """An invoice for an approved renewal order: its lines and taxes as the order was priced."""

    routing_key: ClassVar[str] = "billing.invoice_issued"
    lines: list[InvoiceLine]
    pricing: PricedDocument | None = None
    tax_total: DecimalText
    issued_at: AwareDatetime


class PaymentRecorded(_InvoiceFacts):
    routing_key: ClassVar[str] = "billing.payment_recorded"
    payment_id: Identifier
    amount: DecimalText


class InvoiceOverdue(_InvoiceFacts):
    """A dunning step: the invoice is unpaid after its due date (attempt ``attempt`` of
    ``attempts``); the billing contact is reminded; the subscription is past due."""

    routing_key: ClassVar[str] = "billing.invoice_overdue"
    attempt: int = Field(ge=1)
    attempts: int = Field(ge=1)
    next_attempt_at: AwareDatetime | None = Field(
        default=None, description="the next reminder; none at the last attempt"
    )
    final_action: str = Field(
        description="what happens after the last attempt: cancel_subscription or mark_uncollectible"
    )


class InvoiceUncollectible(_InvoiceFacts):
    """Dunning gave up: the invoice is written off (a later payment is still recorded)."""

    routing_key: ClassVar[str] = "billing.invoice_uncollectible"


class InvoiceVoided(_InvoiceFacts):
    routing_key: ClassVar[str] = "billing.invoice_voided"
    reason: str
