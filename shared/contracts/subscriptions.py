"""Commands and events of subscriptions: start, plan changes, pauses, cancellations and
renewals (each period billed as a renewal sales order). Times are UTC instants."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import (
    CurrencyCode,
    DecimalText,
    Identifier,
)


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


class ResumeSubscription(Command):
    """End a pause now. Billing resumes with the next period that starts from now on: the
    period in progress started during the pause and stays unbilled."""

    ordering_key: ClassVar[str | None] = "subscription_id"
    routing_key: ClassVar[str] = "billing.resume_subscription"
    answered_by: ClassVar[tuple[str, ...]] = (
        "billing.subscription_resumed",
        "billing.subscription_expired",
    )
    acting_person: ClassVar[str | None] = "resumed_by"
    subscription_id: Identifier
    resumed_by: Identifier


class WithdrawCancellation(Command):
    """Keep a subscription whose cancellation at the end of the billed period is still ahead:
    it renews as if it had never been cancelled."""

    ordering_key: ClassVar[str | None] = "subscription_id"
    routing_key: ClassVar[str] = "billing.withdraw_cancellation"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.subscription_cancellation_withdrawn",)
    acting_person: ClassVar[str | None] = "withdrawn_by"
    subscription_id: Identifier
    withdrawn_by: Identifier


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
    """Active again (or past due, with invoices still overdue): its pause ended, was ended
    early, or the overdue invoices were settled."""

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


class SubscriptionCancellationWithdrawn(_SubscriptionFacts):
    """The cancellation at period end was withdrawn: the subscription goes on renewing."""

    routing_key: ClassVar[str] = "billing.subscription_cancellation_withdrawn"


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
