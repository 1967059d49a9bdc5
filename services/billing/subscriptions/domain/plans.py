"""Subscription plans: what is sold on a recurring basis, at what price, how often."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from services.billing.subscriptions.domain.errors import InvalidPlan
from shared.contracts import utcnow
from shared.contracts.billing import BillingInterval, PlanDefined, PlanItem
from shared.contracts.pricing import PricingTerms
from shared.domain import Aggregate


class PlanTerms(BaseModel):
    """What a plan costs, what it delivers and how often it bills."""

    model_config = ConfigDict(frozen=True)

    name: str
    price: Decimal
    currency: str
    interval: BillingInterval
    interval_count: int = 1
    items: list[PlanItem] = Field(default_factory=list)
    trial_days: int = 0
    branch_id: str | None = None
    pricing: PricingTerms | None = None
    payment_terms_days: int = 14
    invoice_series: str = "INV"

    def checked(self) -> PlanTerms:
        """These terms, or a refusal that names what is wrong with them."""
        skus = [item.sku for item in self.items]
        if len(set(skus)) != len(skus):
            raise InvalidPlan("A plan names each sku once; merge the lines of the same sku.")
        if self.items and (total := self.items_total()) != self.price:
            raise InvalidPlan(
                f"The items add up to {total} a period but the price is {self.price}: "
                "make them agree."
            )
        return self

    def items_total(self) -> Decimal:
        return sum((item.quantity * item.unit_price for item in self.items), Decimal(0))

    def billed_items(self, plan_id: str) -> list[PlanItem]:
        """The renewal order's lines: the items, or the plan itself as one line."""
        return self.items or [PlanItem(sku=plan_id, unit_price=self.price)]


class Plan(Aggregate):
    name: str
    price: Decimal
    currency: str
    interval: BillingInterval
    interval_count: int = 1
    items: list[PlanItem] = []
    trial_days: int = 0
    branch_id: str | None = None
    pricing: PricingTerms | None = None
    payment_terms_days: int = 14
    invoice_series: str = "INV"
    revision: int = 0
    updated_by: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def define(cls, plan_id: str, terms: PlanTerms, *, by: str) -> Plan:
        plan = cls(id=plan_id, **dict(terms))
        plan.redefine(terms, by=by)
        return plan

    def redefine(self, terms: PlanTerms, *, by: str) -> None:
        """A new revision of the plan; subscriptions bill it from their next period."""
        terms.checked()
        for field, value in terms:
            setattr(self, field, value)
        self.revision += 1
        self.updated_by, self.updated_at = by, utcnow()
        self.record(
            PlanDefined(
                plan_id=self.id,
                revision=self.revision,
                **terms.model_dump(),
            )
        )

    @property
    def terms(self) -> PlanTerms:
        return PlanTerms.model_validate(self.model_dump(include=set(PlanTerms.model_fields)))
