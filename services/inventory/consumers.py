"""Subscribers of the inventory service: each translates one message into one handler call."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.rabbit import RabbitRouter

from services.inventory.handlers import InventoryHandlers
from shared.contracts import (
    AdjustStock,
    DefineItem,
    DefineLocation,
    IssueGoods,
    OrderApproved,
    OrderCancelled,
    OrderRejected,
    OrderSubmitted,
    ReceiveGoods,
    SetOpeningBalance,
    StockMoved,
)
from shared.messaging.topology import COMMANDS, EVENTS, Topology, routed
from shared.names import Inventory as N
from shared.names import Order

Handlers = Annotated[InventoryHandlers, Context("deps")]


def routers(topology: Topology) -> list[RabbitRouter]:
    return [_commands(topology), _order_events(topology), _ledger(topology)]


def _commands(topology: Topology) -> RabbitRouter:
    router = RabbitRouter()
    commands = topology.subscriber(router, N.COMMANDS_QUEUE, "inventory.*", COMMANDS)

    @commands(filter=routed(N.DEFINE_ITEM))
    async def define_item(cmd: DefineItem, handlers: Handlers) -> None:
        """Register an item and its unit of measure."""
        await handlers.catalog.define_item(cmd)

    @commands(filter=routed(N.DEFINE_LOCATION))
    async def define_location(cmd: DefineLocation, handlers: Handlers) -> None:
        """Register a warehouse of a branch."""
        await handlers.catalog.define_location(cmd)

    @commands(filter=routed(N.SET_OPENING_BALANCE))
    async def set_opening_balance(cmd: SetOpeningBalance, handlers: Handlers) -> None:
        """Record the counted stock an item starts with at a location."""
        await handlers.catalog.set_opening_balance(cmd)

    @commands(filter=routed(N.ADJUST_STOCK))
    async def adjust_stock(cmd: AdjustStock, handlers: Handlers) -> None:
        """Correct on-hand stock, with a reason."""
        await handlers.catalog.adjust_stock(cmd)

    @commands(filter=routed(N.RECEIVE_GOODS))
    async def receive_goods(cmd: ReceiveGoods, handlers: Handlers) -> None:
        """Receive goods against an approved purchase order."""
        await handlers.movements.receive(cmd)

    @commands(filter=routed(N.ISSUE_GOODS))
    async def issue_goods(cmd: IssueGoods, handlers: Handlers) -> None:
        """Issue goods against an approved sales order."""
        await handlers.movements.issue(cmd)

    return router


def _order_events(topology: Topology) -> RabbitRouter:
    router = RabbitRouter()

    @topology.subscriber(router, N.ORDER_SUBMITTED_QUEUE, Order.SUBMITTED, EVENTS)
    async def order_submitted(event: OrderSubmitted, handlers: Handlers) -> None:
        """Learn a submitted order; reserve a sales order's stock."""
        await handlers.reservations.order_submitted(event)

    @topology.subscriber(router, N.ORDER_APPROVED_QUEUE, Order.APPROVED, EVENTS)
    async def order_approved(event: OrderApproved, handlers: Handlers) -> None:
        """Allow receipts/issues; make a sales order's reservation firm."""
        await handlers.reservations.order_approved(event)

    @topology.subscriber(router, N.ORDER_REJECTED_QUEUE, Order.REJECTED, EVENTS)
    async def order_rejected(event: OrderRejected, handlers: Handlers) -> None:
        """Release a rejected sales order's reservation."""
        await handlers.reservations.order_rejected(event)

    @topology.subscriber(router, N.ORDER_CANCELLED_QUEUE, Order.CANCELLED, EVENTS)
    async def order_cancelled(event: OrderCancelled, handlers: Handlers) -> None:
        """Release a cancelled sales order's reservation; refuse further receipts/issues."""
        await handlers.reservations.order_cancelled(event)

    return router


def _ledger(topology: Topology) -> RabbitRouter:
    router = RabbitRouter()

    @topology.subscriber(router, N.LEDGER_QUEUE, N.STOCK_MOVED, EVENTS)
    async def stock_moved(entry: StockMoved, handlers: Handlers) -> None:
        """Keep the stock ledger: one entry per movement."""
        await handlers.ledger.record(entry)

    return router
