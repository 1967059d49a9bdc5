"""Wiring of the order service: its subscribers, store and handlers on the shared runtime."""

from __future__ import annotations

from faststream.asgi import AsgiFastStream

from services.order.consumers import routers
from services.order.handlers import OrderHandlers
from services.order.queries import queries
from services.order.repository import ORDERS, create_indexes, order_store
from services.order.settings import OrderSettings
from shared.contracts import (
    OrderApproved,
    OrderCancelled,
    OrderCreated,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
)
from shared.runtime import Runtime, ServiceDefinition, build_app


async def setup(runtime: Runtime) -> OrderHandlers:
    await create_indexes(runtime.database)
    return OrderHandlers(order_store(runtime.database, runtime.outbox))


SERVICE = ServiceDefinition(
    name="order",
    description="Purchase and sales orders: drafting, submission, approval outcome, history.",
    routers=routers,
    setup=setup,
    outbox_collections=[ORDERS],
    queries=queries,
    publishes=[
        OrderCreated,
        OrderUpdated,
        OrderSubmitted,
        OrderApproved,
        OrderRejected,
        OrderCancelled,
    ],
)


def create_app(settings: OrderSettings | None = None) -> AsgiFastStream:
    return build_app(SERVICE, settings or OrderSettings())
