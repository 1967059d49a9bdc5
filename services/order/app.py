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
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    CancelOrder,
    CreatePurchaseOrder,
    CreateSalesOrder,
    DefinePriceList,
    DefineTaxRate,
    GoodsIssued,
    GoodsReceived,
    OrderApproved,
    OrderCancelled,
    OrderCreated,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
    PriceListDefined,
    ReservationConfirmed,
    ReservationReleased,
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
    config = PricingConfiguration(tax_rate_store(db, relay), price_list_store(db, relay))
    return OrderHandlers(order_store(db, relay), Admins(db), config)


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
    },
    publishes=[
        OrderCreated,
        OrderUpdated,
        OrderSubmitted,
        OrderApproved,
        OrderRejected,
        OrderCancelled,
        TaxRateDefined,
        PriceListDefined,
    ],
    outbox_collections=[ORDERS, TAX_RATES, PRICE_LISTS],
    queries=queries,
)
