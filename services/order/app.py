"""The order service as data: the messages it takes, its handlers, what it publishes."""

from __future__ import annotations

from services.order.configuration import PricingConfiguration
from services.order.handlers import OrderHandlers
from services.order.queries import queries
from services.order.repository import (
    ORDERS,
    PRICE_LISTS,
    TAX_RATES,
    Admins,
    create_indexes,
    order_store,
    price_list_store,
    tax_rate_store,
)
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
    DefinePriceList,
    DefineTaxRate,
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
    PriceListDefined,
    ProductionReceived,
    ReleaseWorkOrder,
    ReservationConfirmed,
    ReservationReleased,
    StockMoved,
    StockReserved,
    SubmitOrder,
    TaxRateDefined,
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
    db, relay = runtime.database, runtime.outbox
    await create_indexes(db)
    await create_stock_indexes(db)
    await work_order_repository.create_indexes(db)
    return OrderServiceHandlers(
        order_store(db, relay),
        Admins(db),
        StockLevels(db),
        Branches(db, relay),
        PricingConfiguration(tax_rate_store(db, relay), price_list_store(db, relay)),
        work_orders=WorkOrderHandlers(work_order_repository.work_order_store(db, relay)),
    )


def _config(handlers: OrderHandlers) -> PricingConfiguration:
    return handlers.config


SERVICE = Service(
    entry=entry("order"),
    description="Purchase and sales orders: drafting, pricing (tax rates, price lists), "
    "submission, approval outcome, history; work orders: release, completion, cancellation.",
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
        DefineTaxRate: via(_config, PricingConfiguration.define_tax_rate),
        DefinePriceList: via(_config, PricingConfiguration.define_price_list),
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
        OrderCompleted,
        BranchConfigured,
        TaxRateDefined,
        PriceListDefined,
        WorkOrderCreated,
        WorkOrderReleased,
        WorkOrderPartiallyCompleted,
        WorkOrderCompleted,
        WorkOrderCancelled,
    ],
    outbox_collections=[
        ORDERS,
        BRANCHES,
        TAX_RATES,
        PRICE_LISTS,
        work_order_repository.WORK_ORDERS,
    ],
    queries=lambda runtime: [*queries(runtime), *work_order_queries(runtime)],
)
