"""The order service as data: the messages it takes, its handlers, what it publishes."""

from __future__ import annotations

from datetime import timedelta

from services.order.carts import repository as cart_repository
from services.order.carts.handlers import CartHandlers
from services.order.carts.queries import cart_queries
from services.order.carts.recovery import CartRecovery
from services.order.configuration import PricingConfiguration
from services.order.conversions import Conversions
from services.order.documents import DocumentHandlers
from services.order.handlers import OrderHandlers
from services.order.items import ItemCatalog
from services.order.queries import queries
from services.order.repository import (
    ORDERS,
    PRICE_LISTS,
    QUOTATIONS,
    RFQS,
    STOREFRONTS,
    TAX_RATES,
    Admins,
    create_indexes,
    order_store,
    price_list_store,
    quotation_store,
    rfq_store,
    storefront_store,
    tax_rate_store,
)
from services.order.settings import OrderSettings
from services.order.stock import BRANCHES, Branches, StockLevels, create_stock_indexes
from services.order.work_orders import repository as work_order_repository
from services.order.work_orders.handlers import WorkOrderHandlers
from services.order.work_orders.queries import work_order_queries
from shared.access.policy import OwnData, QueryAccess
from shared.contracts import (
    CART_EVENTS,
    AcceptQuotation,
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    BranchConfigured,
    CancelOrder,
    CancelRfq,
    CancelWorkOrder,
    CartCheckoutFailed,
    CartConverted,
    CartRecoveryDue,
    ChooseRfqReply,
    CloseOrderShort,
    CompleteWorkOrder,
    ComponentsIssued,
    ComponentsReleased,
    ComponentsShort,
    ConfigureBranch,
    ConfigureStorefront,
    ConvertQuotation,
    CreatePurchaseOrder,
    CreateQuotation,
    CreateRfq,
    CreateSalesOrder,
    CreateWorkOrder,
    DeclineQuotation,
    DefinePriceList,
    DefineTaxRate,
    GoodsIssued,
    GoodsReceived,
    ItemDefined,
    LocationDefined,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderRejected,
    OrderStockHoldRefused,
    OrderStockHoldRequested,
    OrderSubmitted,
    OrderUpdated,
    PriceListDefined,
    ProductionReceived,
    ProductionRefused,
    QuotationAccepted,
    QuotationConverted,
    QuotationCreated,
    QuotationDeclined,
    QuotationExpired,
    QuotationRevised,
    QuotationSent,
    RecordRfqReply,
    ReleaseWorkOrder,
    ReservationConfirmed,
    ReservationReleased,
    ReviseQuotation,
    RfqCancelled,
    RfqCreated,
    RfqReplyChosen,
    RfqReplyRecorded,
    SendQuotation,
    StockMoved,
    StockReserved,
    StorefrontConfigured,
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

EXPIRY_INTERVAL_SECONDS = 30.0
"""How often quotations past their validity are looked for and marked expired."""


async def setup(runtime: Runtime[OrderSettings]) -> OrderHandlers:
    db, relay = runtime.database, runtime.outbox
    await create_indexes(db)
    await create_stock_indexes(db)
    await work_order_repository.create_indexes(db)
    await cart_repository.create_indexes(db)
    orders = order_store(db, relay)
    stock, branches = StockLevels(db), Branches(db, relay)
    config = PricingConfiguration(
        tax_rate_store(db, relay), price_list_store(db, relay), storefront_store(db, relay)
    )
    quotations, rfqs = quotation_store(db, relay), rfq_store(db, relay)
    items = ItemCatalog(db)
    documents = DocumentHandlers(
        quotations, rfqs, orders, stock=stock, branches=branches, config=config, items=items
    )
    runtime.jobs.append(
        LeasedJob(
            db,
            "quotation-expiry",
            documents.expire_due,
            owner=runtime.owner,
            interval_seconds=EXPIRY_INTERVAL_SECONDS,
        )
    )
    handlers = OrderHandlers(
        orders,
        Admins(db),
        stock,
        branches,
        config,
        documents=documents,
        work_orders=WorkOrderHandlers(work_order_repository.work_order_store(db, relay), items),
        items=items,
    )
    handlers.carts = carts = CartHandlers(cart_repository.cart_store(db, relay), handlers, config)
    recovery = CartRecovery(
        carts.carts,
        stock,
        carts,
        runtime.settings.recovery_policy,
        checkout_grace=timedelta(seconds=runtime.settings.cart_checkout_grace_seconds),
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


def _documents(handlers: OrderHandlers) -> DocumentHandlers:
    return handlers.documents


def _conversions(handlers: OrderHandlers) -> Conversions:
    return handlers.documents.conversions


def _work_orders(handlers: OrderHandlers) -> WorkOrderHandlers:
    return handlers.work_orders


def _config(handlers: OrderHandlers) -> PricingConfiguration:
    return handlers.config


def _carts(handlers: OrderHandlers) -> CartHandlers:
    return handlers.carts


SERVICE = Service(
    entry=entry("order"),
    description="Quotations, RFQs, purchase and sales orders: drafting, pricing (tax rates, "
    "price lists), submission, approval outcome, history; work orders: release, completion, "
    "cancellation; storefront carts: active carts, checkout into sales orders, abandoned-cart "
    "recovery.",
    setup=setup,
    settings=OrderSettings,
    commands={
        CreatePurchaseOrder: OrderHandlers.create,
        CreateSalesOrder: OrderHandlers.create,
        UpdateOrder: OrderHandlers.update,
        SubmitOrder: OrderHandlers.submit,
        CancelOrder: OrderHandlers.cancel,
        CreateWorkOrder: via(_work_orders, WorkOrderHandlers.create),
        ReleaseWorkOrder: via(_work_orders, WorkOrderHandlers.release),
        CompleteWorkOrder: via(_work_orders, WorkOrderHandlers.complete),
        CancelWorkOrder: via(_work_orders, WorkOrderHandlers.cancel),
        CloseOrderShort: OrderHandlers.close_short,
        ConfigureBranch: OrderHandlers.configure_branch,
        DefineTaxRate: via(_config, PricingConfiguration.define_tax_rate),
        DefinePriceList: via(_config, PricingConfiguration.define_price_list),
        ConfigureStorefront: via(_config, PricingConfiguration.configure_storefront),
        CreateQuotation: via(_documents, DocumentHandlers.create_quotation),
        ReviseQuotation: via(_documents, DocumentHandlers.revise_quotation),
        SendQuotation: via(_documents, DocumentHandlers.send_quotation),
        AcceptQuotation: via(_documents, DocumentHandlers.accept_quotation),
        DeclineQuotation: via(_documents, DocumentHandlers.decline_quotation),
        ConvertQuotation: via(_documents, DocumentHandlers.convert_quotation),
        CreateRfq: via(_documents, DocumentHandlers.create_rfq),
        RecordRfqReply: via(_documents, DocumentHandlers.record_rfq_reply),
        ChooseRfqReply: via(_documents, DocumentHandlers.choose_rfq_reply),
        CancelRfq: via(_documents, DocumentHandlers.cancel_rfq),
    },
    events={
        ApprovalPending: OrderHandlers.approval_pending,
        ApprovalReassigned: OrderHandlers.approval_pending,
        ApprovalApproved: OrderHandlers.approval_approved,
        ApprovalRejected: OrderHandlers.approval_rejected,
        # These queues were named before the <service>.<event> rule; they keep their names.
        GoodsReceived: OnQueue(OrderHandlers.goods_received, "goods-received"),
        GoodsIssued: OnQueue(OrderHandlers.goods_issued, "goods-issued"),
        StockReserved: OnQueue(OrderHandlers.stock_validated, "stock-reserved"),
        ReservationConfirmed: OnQueue(OrderHandlers.stock_validated, "reservation-confirmed"),
        ReservationReleased: OnQueue(OrderHandlers.reservation_released, "reservation-released"),
        UserUpserted: OrderHandlers.user_upserted,
        ComponentsIssued: via(_work_orders, WorkOrderHandlers.components_issued),
        ComponentsShort: via(_work_orders, WorkOrderHandlers.components_short),
        ProductionReceived: via(_work_orders, WorkOrderHandlers.production_received),
        ProductionRefused: via(_work_orders, WorkOrderHandlers.production_refused),
        ComponentsReleased: via(_work_orders, WorkOrderHandlers.components_released),
        ItemDefined: OrderHandlers.item_defined,
        LocationDefined: OrderHandlers.location_defined,
        StockMoved: OrderHandlers.stock_moved,
        # Its own: the order a conversion promised exists, also after a crash between writes.
        QuotationConverted: via(_conversions, Conversions.quotation_converted),
        RfqReplyChosen: via(_conversions, Conversions.rfq_reply_chosen),
        # A cart's sales order that waited for its stock hold: checked out, or refused.
        OrderSubmitted: via(_carts, CartHandlers.order_settled),
        OrderStockHoldRefused: via(_carts, CartHandlers.order_settled),
        # Storefronts publish these on cart.<storefront_id>.<event>.
        **{event: via(_carts, CartHandlers.take) for event in CART_EVENTS},
    },
    publishes=[
        OrderCreated,
        OrderUpdated,
        OrderSubmitted,
        OrderStockHoldRequested,
        OrderStockHoldRefused,
        OrderApproved,
        OrderRejected,
        OrderCancelled,
        OrderCompleted,
        BranchConfigured,
        TaxRateDefined,
        PriceListDefined,
        StorefrontConfigured,
        WorkOrderCreated,
        WorkOrderReleased,
        WorkOrderPartiallyCompleted,
        WorkOrderCompleted,
        WorkOrderCancelled,
        QuotationCreated,
        QuotationRevised,
        QuotationSent,
        QuotationAccepted,
        QuotationDeclined,
        QuotationExpired,
        QuotationConverted,
        RfqCreated,
        RfqReplyRecorded,
        RfqReplyChosen,
        RfqCancelled,
        CartConverted,
        CartCheckoutFailed,
        CartRecoveryDue,
    ],
    outbox_collections=[
        ORDERS,
        BRANCHES,
        TAX_RATES,
        PRICE_LISTS,
        STOREFRONTS,
        work_order_repository.WORK_ORDERS,
        QUOTATIONS,
        RFQS,
        cart_repository.CARTS,
    ],
    queries=lambda runtime: [
        *queries(runtime),
        *work_order_queries(runtime),
        *cart_queries(runtime),
    ],
    query_access=QueryAccess(
        # A storefront reads its own carts and the orders it created (checkouts), nothing else.
        own_data={
            "/carts": OwnData("storefront_id", "carts"),
            "/carts/recovery": OwnData("storefront_id", "carts"),
            "/orders": OwnData("created_by", "orders"),
            "/orders/timeline": OwnData("created_by", "orders", via="/orders", key="order_id"),
        }
    ),
)
