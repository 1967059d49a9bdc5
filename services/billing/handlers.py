"""Handlers of the billing service."""

from __future__ import annotations

from services.billing.domain import Plan, PlanTerms
from shared.contracts.billing import DefinePlan
from shared.storage.aggregates import AggregateStore


class BillingHandlers:
    def __init__(self, plans: AggregateStore[Plan]) -> None:
        self.plans = plans

    async def define_plan(self, cmd: DefinePlan) -> None:
        """Create the plan, or record a new revision of an existing one."""
        terms = PlanTerms(
            name=cmd.name,
            price=cmd.price,
            currency=cmd.currency,
            interval=cmd.interval,
            interval_count=cmd.interval_count,
        )
        await self.plans.create_or_change(
            cmd.plan_id,
            cmd,
            create=lambda: Plan.define(cmd.plan_id, terms, by=cmd.defined_by),
            change=lambda plan: plan.redefine(terms, by=cmd.defined_by),
        )
