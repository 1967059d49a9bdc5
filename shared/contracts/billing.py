"""Commands and events of the subscription-billing service: plans here; subscriptions and
invoices in :mod:`shared.contracts.subscriptions` and :mod:`shared.contracts.invoices`
(importable from here too).

Times are UTC instants (ISO 8601 with an offset); a subscription's periods are computed on the
wall clock of its ``time_zone``. Money travels as decimal strings in the plan's currency.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

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
from shared.contracts.pricing import PricingTerms

Price = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
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


# Subscriptions and invoices live in modules of their own; their names are billing's too.
from shared.contracts.invoices import (  # noqa: E402
    InvoiceIssued,
    InvoiceLine,
    InvoiceOverdue,
    InvoiceStatus,
    InvoiceUncollectible,
    InvoiceVoided,
    PaymentRecorded,
    RecordPayment,
    VoidInvoice,
)
from shared.contracts.subscriptions import (  # noqa: E402
    BillingContact,
    CancelSubscription,
    ChangeSubscriptionPlan,
    PauseSubscription,
    Renewal,
    RenewalStatus,
    ResumeSubscription,
    StartSubscription,
    SubscriptionCancellationWithdrawn,
    SubscriptionCancelled,
    SubscriptionExpired,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionPlanChanged,
    SubscriptionRenewalUpdated,
    SubscriptionRenewed,
    SubscriptionResumed,
    SubscriptionStarted,
    SubscriptionStatus,
    WithdrawCancellation,
)

__all__ = [
    "BillingContact",
    "BillingInterval",
    "CancelSubscription",
    "ChangeSubscriptionPlan",
    "DefinePlan",
    "InvoiceIssued",
    "InvoiceLine",
    "InvoiceOverdue",
    "InvoiceStatus",
    "InvoiceUncollectible",
    "InvoiceVoided",
    "PauseSubscription",
    "PaymentRecorded",
    "PlanDefined",
    "PlanItem",
    "RecordPayment",
    "Renewal",
    "RenewalStatus",
    "ResumeSubscription",
    "StartSubscription",
    "SubscriptionCancellationWithdrawn",
    "SubscriptionCancelled",
    "SubscriptionExpired",
    "SubscriptionPastDue",
    "SubscriptionPaused",
    "SubscriptionPlanChanged",
    "SubscriptionRenewalUpdated",
    "SubscriptionRenewed",
    "SubscriptionResumed",
    "SubscriptionStarted",
    "SubscriptionStatus",
    "VoidInvoice",
    "WithdrawCancellation",
]
