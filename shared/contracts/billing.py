"""Commands and events of the subscription-billing service."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from shared.contracts.base import Command, Event
from shared.contracts.common import AS_TEXT, FROM_TEXT, CurrencyCode, DecimalText, Identifier

Price = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]


class BillingInterval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class DefinePlan(Command):
    """Create or change a subscription plan; changes apply to renewals after the change."""

    ordering_key: ClassVar[str | None] = "plan_id"
    routing_key: ClassVar[str] = "billing.define_plan"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.plan_defined",)
    acting_person: ClassVar[str | None] = "defined_by"
    plan_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    price: Price
    currency: CurrencyCode
    interval: BillingInterval
    interval_count: int = Field(default=1, ge=1, le=36)
    defined_by: Identifier


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
