"""Subscribers of the order service: each translates one message into one handler call."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.rabbit import RabbitRouter

from services.order.handlers import OrderHandlers
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    CancelOrder,
    CreatePurchaseOrder,
    CreateSalesOrder,
    GoodsIssued,
    GoodsReceived,
    ReservationConfirmed,
    ReservationReleased,
    StockReserved,
    SubmitOrder,
    UpdateOrder,
)
from shared.messaging.topology import COMMANDS, EVENTS, Topology, routed
from shared.names import Approval, Inventory
from shared.names import Order as N

Handlers = Annotated[OrderHandlers, Context("deps")]


def routers(topology: Topology) -> list[RabbitRouter]:
    router = RabbitRouter()
    commands = topology.subscriber(router, N.COMMANDS_QUEUE, "order.*", COMMANDS)

    @commands(filter=routed(N.CREATE_PURCHASE_ORDER))
    async def create_purchase_order(cmd: CreatePurchaseOrder, handlers: Handlers) -> None:
        """Create a draft purchase order for a vendor."""
        await handlers.create(cmd)

    @commands(filter=routed(N.CREATE_SALES_ORDER))
    async def create_sales_order(cmd: CreateSalesOrder, handlers: Handlers) -> None:
        """Create a draft sales order for a customer."""
        await handlers.create(cmd)

    @commands(filter=routed(N.UPDATE))
    async def update_order(cmd: UpdateOrder, handlers: Handlers) -> None:
        """Change a draft or rejected order."""
        await handlers.update(cmd)

    @commands(filter=routed(N.SUBMIT))
    async def submit_order(cmd: SubmitOrder, handlers: Handlers) -> None:
        """Submit an order into its approval cycle."""
        await handlers.submit(cmd)

    @commands(filter=routed(N.CANCEL))
    async def cancel_order(cmd: CancelOrder, handlers: Handlers) -> None:
        """Cancel an order that was not received or issued against."""
        await handlers.cancel(cmd)

    @topology.subscriber(router, N.APPROVAL_PENDING_QUEUE, Approval.PENDING, EVENTS)
    async def approval_pending(event: ApprovalPending, handlers: Handlers) -> None:
        """Show which level and approver an order waits for."""
        await handlers.approval_pending(event)

    @topology.subscriber(router, N.APPROVAL_APPROVED_QUEUE, Approval.APPROVED, EVENTS)
    async def approval_approved(event: ApprovalApproved, handlers: Handlers) -> None:
        """Move an order to approved when its cycle passed."""
        await handlers.approval_approved(event)

    @topology.subscriber(router, N.APPROVAL_REJECTED_QUEUE, Approval.REJECTED, EVENTS)
    async def approval_rejected(event: ApprovalRejected, handlers: Handlers) -> None:
        """Move an order to rejected, keeping the approver's notes."""
        await handlers.approval_rejected(event)

    return [router, _inventory_events(topology)]


def _inventory_events(topology: Topology) -> RabbitRouter:
    router = RabbitRouter()

    @topology.subscriber(router, N.GOODS_RECEIVED_QUEUE, Inventory.GOODS_RECEIVED, EVENTS)
    async def goods_received(event: GoodsReceived, handlers: Handlers) -> None:
        """Track received quantities of a PO; mark it received when complete."""
        await handlers.goods_received(event)

    @topology.subscriber(router, N.GOODS_ISSUED_QUEUE, Inventory.GOODS_ISSUED, EVENTS)
    async def goods_issued(event: GoodsIssued, handlers: Handlers) -> None:
        """Track issued quantities of an SO; complete it when nothing is left on backorder."""
        await handlers.goods_issued(event)

    @topology.subscriber(router, N.STOCK_RESERVED_QUEUE, Inventory.STOCK_RESERVED, EVENTS)
    async def stock_reserved(event: StockReserved, handlers: Handlers) -> None:
        """Record whether a submitted SO's stock is confirmed or short."""
        await handlers.stock_validated(event)

    @topology.subscriber(
        router, N.RESERVATION_CONFIRMED_QUEUE, Inventory.RESERVATION_CONFIRMED, EVENTS
    )
    async def reservation_confirmed(event: ReservationConfirmed, handlers: Handlers) -> None:
        """Record an approved SO's firm reservation (confirmed or short)."""
        await handlers.stock_validated(event)

    @topology.subscriber(
        router, N.RESERVATION_RELEASED_QUEUE, Inventory.RESERVATION_RELEASED, EVENTS
    )
    async def reservation_released(event: ReservationReleased, handlers: Handlers) -> None:
        """Record that an SO no longer holds stock (rejected, cancelled, expired)."""
        await handlers.reservation_released(event)

    return router
