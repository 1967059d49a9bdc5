"""Billing service settings (``OMS_*`` environment variables)."""

from __future__ import annotations

from pydantic import Field

from services.billing.common.dunning import DunningPolicy, FinalAction
from shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    schedule_interval_seconds: float = Field(
        default=30.0, gt=0, description="how often due renewals and reminders are looked for"
    )
    schedule_batch: int = Field(
        default=500, ge=1, description="subscriptions or invoices taken per look, at most"
    )
    dunning_delays_days: list[int] = Field(
        default=[1, 3, 7],
        min_length=1,
        description="reminders this many days after an invoice's due date (subscription and "
        "sales invoices); the last one also takes the final action (JSON list: "
        "OMS_DUNNING_DELAYS_DAYS='[1,3,7]')",
    )
    dunning_final_action: FinalAction = Field(
        default=FinalAction.CANCEL_SUBSCRIPTION,
        description="after the last reminder of a subscription invoice: cancel_subscription or "
        "mark_uncollectible (a sales invoice is only reminded)",
    )

    @property
    def dunning(self) -> DunningPolicy:
        return DunningPolicy(tuple(self.dunning_delays_days), self.dunning_final_action)
