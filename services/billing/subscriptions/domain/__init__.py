"""The billing rules, pure: plans, the calendar, subscriptions, proration, invoices, dunning."""

from services.billing.common.dunning import DunningPolicy, FinalAction
from services.billing.subscriptions.domain.invoice import Invoice
from services.billing.subscriptions.domain.plans import Plan, PlanTerms
from services.billing.subscriptions.domain.subscription import Subscription

__all__ = ["DunningPolicy", "FinalAction", "Invoice", "Plan", "PlanTerms", "Subscription"]
