"""Subscribers of the approval service."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.rabbit import RabbitRouter

from services.approval.handlers import ApprovalHandlers
from shared.contracts import OrderSubmitted
from shared.messaging.topology import EVENTS, Topology
from shared.names import Approval as N
from shared.names import Order

Handlers = Annotated[ApprovalHandlers, Context("deps")]


def routers(topology: Topology) -> list[RabbitRouter]:
    router = RabbitRouter()

    @topology.subscriber(router, N.ORDER_SUBMITTED_QUEUE, Order.SUBMITTED, EVENTS)
    async def order_submitted(event: OrderSubmitted, handlers: Handlers) -> None:
        """Open an approval request for a submitted order."""
        await handlers.order_submitted(event)

    return [router]
