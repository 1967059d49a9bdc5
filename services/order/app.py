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
    ReservationConfirmed,
    ReservationReleased,
    StockMoved,
    StockReserved,
    SubmitOrder,
    TaxRateDefined,
    UpdateOrder,
    UserUpserted,
)
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import OnQueue, Service, via
from shared.settings import ServiceSettings


async def setup(runtime: Runtime[ServiceSettings]) -> OrderHandlers:
    db, relay = runtime.database, runtime.outbox
    await create_indexes(db)
    await create_stock_indexes(db)
    return OrderHandlers(
        order_store(db, relay),
        Admins(db),
        StockLevels(db),
        Branches(db, relay),
        PricingConfiguration(tax_rate_store(db, relay), price_list_store(db, relay)),
    )


def _config(handlers: OrderHandlers) -> PricingConfiguration:
    return handlers.config


SERVICE = Service(
    entry=entry("order"),
    description="Purchase and sales orders: drafting, pricing (tax rates, price lists), "
    "submission, approval outcome, history.",
    setup=setup,
    commands={
        CreatePurchaseOrder: OrderHandlers.create,
        CreateSalesOrder: OrderHandlers.create,
        UpdateOrder: OrderHandlers.update,
        SubmitOrder: OrderHandlers.submit,
        CancelOrder: OrderHandlers.cancel,
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
    ],
    outbox_collections=[ORDERS, BRANCHES, TAX_RATES, PRICE_LISTS],
    queries=queries,
)
