"""The order service as data: the messages it takes, its handlers, what it publishes."""

from __future__ import annotations

from services.order.handlers import OrderHandlers
from services.order.queries import queries
from services.order.repository import ORDERS, Admins, create_indexes, order_store
from services.order.stock import BRANCHES, Branches, StockLevels, create_stock_indexes
from services.order.work_orders import repository as work_order_repository
from services.order.work_orders.handlers import (
    OrderServiceHandlers,
    WorkOrderHandlers,
    work_orders,
)
from services.order.work_orders.queries import work_order_queries
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    BranchConfigured,
    CancelOrder,
    CancelWorkOrder,
    CloseOrderShort,
    CompleteWorkOrder,
    ComponentsIssued,
    ComponentsReleased,
    ComponentsShort,
    ConfigureBranch,
    CreatePurchaseOrder,
    CreateSalesOrder,
    CreateWorkOrder,
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
    ProductionReceived,
    ReleaseWorkOrder,
    ReservationConfirmed,
    ReservationReleased,
    StockMoved,
    StockReserved,
    SubmitOrder,
    UpdateOrder,
    UserUpserted,
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderPartiallyCompleted,
    WorkOrderReleased,
)
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import OnQueue, Service, via
from shared.settings import ServiceSettings


async def setup(runtime: Runtime[ServiceSettings]) -> OrderServiceHandlers:
    await create_indexes(runtime.database)
    await create_stock_indexes(runtime.database)
    await work_order_repository.create_indexes(runtime.database)
    return OrderServiceHandlers(
        order_store(runtime.database, runtime.outbox),
        Admins(runtime.database),
        StockLevels(runtime.database),
        Branches(runtime.database, runtime.outbox),
        work_orders=WorkOrderHandlers(
            work_order_repository.work_order_store(runtime.database, runtime.outbox)
        ),
    )


SERVICE = Service(
    entry=entry("order"),
    description="Purchase and sales orders: drafting, submission, approval outcome, history; "
    "work orders: release, completion, cancellation.",
    setup=setup,
    commands={
        CreatePurchaseOrder: OrderHandlers.create,
        CreateSalesOrder: OrderHandlers.create,
        UpdateOrder: OrderHandlers.update,
        SubmitOrder: OrderHandlers.submit,
        CancelOrder: OrderHandlers.cancel,
        CreateWorkOrder: via(work_orders, WorkOrderHandlers.create),
        ReleaseWorkOrder: via(work_orders, WorkOrderHandlers.release),
        CompleteWorkOrder: via(work_orders, WorkOrderHandlers.complete),
        CancelWorkOrder: via(work_orders, WorkOrderHandlers.cancel),
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
        ComponentsIssued: via(work_orders, WorkOrderHandlers.components_issued),
        ComponentsShort: via(work_orders, WorkOrderHandlers.components_short),
        ProductionReceived: via(work_orders, WorkOrderHandlers.production_received),
        ComponentsReleased: via(work_orders, WorkOrderHandlers.components_released),
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
        WorkOrderCreated,
        WorkOrderReleased,
        WorkOrderPartiallyCompleted,
        WorkOrderCompleted,
        OrderCompleted,
        BranchConfigured,
        WorkOrderCreated,
        WorkOrderReleased,
        WorkOrderPartiallyCompleted,
        WorkOrderCompleted,
        WorkOrderCancelled,
    ],
    outbox_collections=[ORDERS, BRANCHES, work_order_repository.WORK_ORDERS],
    queries=lambda runtime: [*queries(runtime), *work_order_queries(runtime)],
)
