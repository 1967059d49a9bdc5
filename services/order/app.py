"""The order service as data: the messages it takes, its handlers, what it publishes."""

from __future__ import annotations

from services.order.carts import repository as cart_repository
from services.order.carts.handlers import CartHandlers
from services.order.carts.queries import cart_queries
from services.order.carts.recovery import CartRecovery
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
from services.order.settings import OrderSettings
from services.order.stock import BRANCHES, Branches, StockLevels, create_stock_indexes
from services.order.work_orders import repository as work_order_repository
from services.order.work_orders.handlers import (
    OrderServiceHandlers,
    WorkOrderHandlers,
    carts,
    work_orders,
)
from services.order.work_orders.queries import work_order_queries
from shared.contracts import (
    CART_EVENTS,
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    BranchConfigured,
    CancelOrder,
    CancelWorkOrder,
    CartConverted,
    CartRecoveryDue,
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
from shared.jobs import LeasedJob
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import OnQueue, Service, via


async def setup(runtime: Runtime[OrderSettings]) -> OrderServiceHandlers:
    db, relay = runtime.database, runtime.outbox
    await create_indexes(db)
    await create_stock_indexes(db)
    await work_order_repository.create_indexes(db)
    await cart_repository.create_indexes(db)
    stock = StockLevels(db)
    config = PricingConfiguration(tax_rate_store(db, relay), price_list_store(db, relay))
    handlers = OrderServiceHandlers(
        order_store(db, relay),
        Admins(db),
        stock,
        Branches(db, relay),
        config,
        work_orders=WorkOrderHandlers(work_order_repository.work_order_store(db, relay)),
    )
    handlers.carts = CartHandlers(cart_repository.cart_store(db, relay), handlers, config)
    recovery = CartRecovery(
        handlers.carts.carts, stock, handlers.carts, runtime.settings.recovery_policy
    )
    runtime.jobs.append(
        LeasedJob(
            db,
            "cart-recovery",
            recovery.scan,
            owner=runtime.owner,
            interval_seconds=runtime.settings.cart_scan_interval_seconds,
        )
    )
    return handlers


def _config(handlers: OrderHandlers) -> PricingConfiguration:
    return handlers.config


SERVICE = Service(
    entry=entry("order"),
    description="Purchase and sales orders: drafting, pricing (tax rates, price lists), "
    "submission, approval outcome, history; work orders: release, completion, cancellation; "
    "storefront carts: active carts, checkout into sales orders, abandoned-cart recovery.",
    setup=setup,
    settings=OrderSettings,
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
        # Storefronts publish these on cart.<storefront_id>.<event>.
        **{event: via(carts, CartHandlers.take) for event in CART_EVENTS},
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
        CartConverted,
        CartRecoveryDue,
    ],
    outbox_collections=[
        ORDERS,
        BRANCHES,
        TAX_RATES,
        PRICE_LISTS,
        work_order_repository.WORK_ORDERS,
        cart_repository.CARTS,
    ],
    queries=lambda runtime: [
        *queries(runtime),
        *work_order_queries(runtime),
        *cart_queries(runtime),
    ],
)
