"""Wiring of the subscription-billing service."""

from __future__ import annotations

from faststream.asgi import AsgiFastStream

from services.billing.consumers import routers
from services.billing.domain import Plan
from services.billing.handlers import BillingHandlers
from services.billing.settings import BillingSettings
from shared.contracts.billing import PlanDefined
from shared.runtime import Runtime, ServiceDefinition, build_app
from shared.storage.aggregates import AggregateStore

PLANS = "plans"


async def setup(runtime: Runtime) -> BillingHandlers:
    return BillingHandlers(AggregateStore(runtime.database[PLANS], Plan, runtime.outbox))


SERVICE = ServiceDefinition(
    name="billing",
    description="Subscription plans and, in later releases, subscriptions, renewals and invoices.",
    routers=routers,
    setup=setup,
    outbox_collections=[PLANS],
    publishes=[PlanDefined],
)


def create_app(settings: BillingSettings | None = None) -> AsgiFastStream:
    return build_app(SERVICE, settings or BillingSettings())
