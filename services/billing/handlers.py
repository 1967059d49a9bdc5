"""Handlers of the billing service."""

from __future__ import annotations

import contextlib

from services.billing.domain import Plan, PlanTerms
from shared.contracts.billing import DefinePlan
from shared.storage.aggregates import AggregateStore, AlreadyExists


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
        if await self.plans.get(cmd.plan_id) is None:
            with contextlib.suppress(AlreadyExists):  # defined concurrently: revise it below
                await self.plans.add(Plan.define(cmd.plan_id, terms, by=cmd.defined_by), cause=cmd)
                return
        await self.plans.change(
            cmd.plan_id,
            cmd,
            lambda plan: plan.redefine(terms, by=cmd.defined_by),
            missing=lambda: AssertionError(f"plan {cmd.plan_id} vanished"),
        )
