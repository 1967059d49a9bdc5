"""Subscribers of the approval service: its commands and the order submissions."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.rabbit import RabbitRouter

from services.approval.handlers import ApprovalHandlers
from shared.contracts import (
    ApproveRequest,
    AssignParty,
    DefineCycle,
    OrderCancelled,
    OrderSubmitted,
    RejectRequest,
    UnassignParty,
    UpsertUser,
)
from shared.messaging.topology import COMMANDS, EVENTS, Topology, routed
from shared.names import Approval as N
from shared.names import Order

Handlers = Annotated[ApprovalHandlers, Context("deps")]


def routers(topology: Topology) -> list[RabbitRouter]:
    router = RabbitRouter()
    commands = topology.subscriber(router, N.COMMANDS_QUEUE, "approval.*", COMMANDS)

    @commands(filter=routed(N.UPSERT_USER))
    async def upsert_user(cmd: UpsertUser, handlers: Handlers) -> None:
        """Add or change a user of the approval directory."""
        await handlers.upsert_user(cmd)

    @commands(filter=routed(N.DEFINE_CYCLE))
    async def define_cycle(cmd: DefineCycle, handlers: Handlers) -> None:
        """Create or change an approval cycle."""
        await handlers.define_cycle(cmd)

    @commands(filter=routed(N.ASSIGN_PARTY))
    async def assign_party(cmd: AssignParty, handlers: Handlers) -> None:
        """Put a vendor or customer into a cycle."""
        await handlers.assign_party(cmd)

    @commands(filter=routed(N.UNASSIGN_PARTY))
    async def unassign_party(cmd: UnassignParty, handlers: Handlers) -> None:
        """Take a vendor or customer out of its cycle."""
        await handlers.unassign_party(cmd)

    @commands(filter=routed(N.APPROVE))
    async def approve(cmd: ApproveRequest, handlers: Handlers) -> None:
        """The current level's approver approves."""
        await handlers.approve(cmd)

    @commands(filter=routed(N.REJECT))
    async def reject(cmd: RejectRequest, handlers: Handlers) -> None:
        """The current level's approver rejects, with notes."""
        await handlers.reject(cmd)

    @topology.subscriber(router, N.ORDER_SUBMITTED_QUEUE, Order.SUBMITTED, EVENTS)
    async def order_submitted(event: OrderSubmitted, handlers: Handlers) -> None:
        """Open an approval request for a submitted order."""
        await handlers.order_submitted(event)

    @topology.subscriber(router, N.ORDER_CANCELLED_QUEUE, Order.CANCELLED, EVENTS)
    async def order_cancelled(event: OrderCancelled, handlers: Handlers) -> None:
        """Withdraw the pending request of a cancelled order."""
        await handlers.order_cancelled(event)

    return [router]
