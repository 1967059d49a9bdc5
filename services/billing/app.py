"""The subscription-billing service as data: the messages it takes, what it publishes."""

from __future__ import annotations

from services.billing.domain import Plan
from services.billing.handlers import BillingHandlers
from shared.contracts.billing import DefinePlan, PlanDefined
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import Service
from shared.settings import ServiceSettings
from shared.storage.aggregates import AggregateStore

PLANS = "plans"


async def setup(runtime: Runtime[ServiceSettings]) -> BillingHandlers:
    return BillingHandlers(AggregateStore(runtime.database[PLANS], Plan, runtime.outbox))


SERVICE = Service(
    entry=entry("billing"),
    description="Subscription plans and, in later releases, subscriptions, renewals and invoices.",
    setup=setup,
    commands={DefinePlan: BillingHandlers.define_plan},
    publishes=[PlanDefined],
    outbox_collections=[PLANS],
)
