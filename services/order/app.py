"""The order service as data: the messages it takes, its handlers, what it publishes."""

from __future__ import annotations

from services.order.handlers import OrderHandlers
from services.order.queries import queries
from services.order.repository import ORDERS, Admins, create_indexes, order_store
from services.order.stock import BRANCHES, Branches, StockLevels, create_stock_indexes
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    BranchConfigured,
    CancelOrder,
    CloseOrderShort,
    ConfigureBranch,
    CreatePurchaseOrder,
    CreateSalesOrder,
    GoodsIssued,
    GoodsReceived,
    LocationDefined,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
    ReservationConfirmed,
    ReservationReleased,
    StockMoved,
    StockReserved,
    SubmitOrder,
    UpdateOrder,
    UserUpserted,
)
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import OnQueue, Service
from shared.settings import ServiceSettings


async def setup(runtime: Runtime[ServiceSettings]) -> OrderHandlers:
    await create_indexes(runtime.database)
    await create_stock_indexes(runtime.database)
    return OrderHandlers(
        order_store(runtime.database, runtime.outbox),
        Admins(runtime.database),
        StockLevels(runtime.database),
        Branches(runtime.database, runtime.outbox),
    )


SERVICE = Service(
    entry=entry("order"),
    description="Purchase and sales orders: drafting, submission, approval outcome, history.",
    setup=setup,
    commands={
        CreatePurchaseOrder: OrderHandlers.create,
        CreateSalesOrder: OrderHandlers.create,
        UpdateOrder: OrderHandlers.update,
        SubmitOrder: OrderHandlers.submit,
        CancelOrder: OrderHandlers.cancel,
        CloseOrderShort: OrderHandlers.close_short,
        ConfigureBranch: OrderHandlers.configure_branch,
    },
    events={
        ApprovalPending: OrderHandlers.approval_pending,
        ApprovalApproved: OrderHandlers.approval_approved,
        ApprovalRejected: OrderHandlers.approval_rejected,
        # These queues were named before the <service>.<event> rule; they keep their names.
        GoodsReceived: OnQueue(OrderHandlers.goods_received, "goods-received"),
        GoodsIssued: OnQueue(OrderHandlers.goods_issued, "goods-issued"),
        StockReserved: OnQueue(OrderHandlers.stock_validated, "stock-reserved"),
        ReservationConfirmed: OnQueue(OrderHandlers.stock_validated, "reservation-confirmed"),
        ReservationReleased: OnQueue(OrderHandlers.reservation_released, "reservation-released"),
        UserUpserted: OrderHandlers.user_upserted,
        LocationDefined: OrderHandlers.location_defined,
        StockMoved: OrderHandlers.stock_moved,
    },
    publishes=[
        OrderCreated,
        OrderUpdated,
        OrderSubmitted,
        OrderApproved,
        OrderRejected,
        OrderCancelled,
        OrderCompleted,
        BranchConfigured,
    ],
    outbox_collections=[ORDERS, BRANCHES],
    queries=queries,
)
