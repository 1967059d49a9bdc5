"""Subscription plans: what is sold on a recurring basis, at what price, how often."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import utcnow
from shared.contracts.billing import BillingInterval, PlanDefined
from shared.domain import Aggregate


class PlanTerms(BaseModel):
    """What a plan costs and how often it bills."""

    model_config = ConfigDict(frozen=True)

    name: str
    price: Decimal
    currency: str
    interval: BillingInterval
    interval_count: int = 1


class Plan(Aggregate):
    name: str
    price: Decimal
    currency: str
    interval: BillingInterval
    interval_count: int = 1
    revision: int = 0
    updated_by: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def define(cls, plan_id: str, terms: PlanTerms, *, by: str) -> Plan:
        plan = cls(id=plan_id, **terms.model_dump())
        plan.redefine(terms, by=by)
        return plan

    def redefine(self, terms: PlanTerms, *, by: str) -> None:
        """A new revision of the plan; subscriptions pick it up at their next renewal."""
        for field, value in terms:
            setattr(self, field, value)
        self.revision += 1
        self.updated_by, self.updated_at = by, utcnow()
        self.record(PlanDefined(plan_id=self.id, revision=self.revision, **terms.model_dump()))
