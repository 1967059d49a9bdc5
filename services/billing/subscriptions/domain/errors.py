"""Refusals of the billing rules, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


class InvalidPlan(DomainError):
    """A plan whose items do not add up to its price, name a sku twice, or bill nothing."""

    reason = "invalid_plan"


class PlanNotFound(DomainError):
    """No plan with this id: define it with billing.define_plan first."""

    reason = "unknown_plan"


class PlanNotBillable(DomainError):
    """The plan names no branch to place its renewal orders at."""

    reason = "plan_not_billable"


class SubscriptionNotFound(DomainError):
    """No subscription with this id."""

    reason = "unknown_subscription"


class SubscriptionExists(DomainError):
    """A subscription with this id was started by another command."""

    reason = "subscription_exists"


class SubscriptionEnded(DomainError):
    """A cancelled or expired subscription changes no more."""

    reason = "subscription_ended"


class InvalidChange(DomainError):
    """A change the subscription's state does not allow (pause a paused one, resume in the
    past, another currency, resume one that is not paused, withdraw a cancellation that is not
    ahead)."""

    reason = "invalid_change"


class InvoiceNotFound(DomainError):
    """No invoice with this id."""

    reason = "unknown_invoice"


class InvoiceClosed(DomainError):
    """A paid or void invoice takes no payment; only an open invoice is voided."""

    reason = "invoice_closed"


class Overpayment(DomainError):
    """A payment larger than the invoice's balance."""

    reason = "overpayment"


class CurrencyMismatch(DomainError):
    """A payment in another currency than the invoice's."""

    reason = "currency_mismatch"
