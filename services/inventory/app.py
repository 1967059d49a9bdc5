"""The inventory service as data: the messages it takes, its handlers, what it publishes."""

from __future__ import annotations

from datetime import timedelta

from services.inventory.handlers import InventoryHandlers, inventory_handlers
from services.inventory.handlers.catalog import CatalogHandlers
from services.inventory.handlers.held_receipts import HeldReceiptHandlers
from services.inventory.handlers.ledger import LedgerProjection
from services.inventory.handlers.movements import MovementHandlers
from services.inventory.handlers.reservations import ReservationHandlers
from services.inventory.handlers.returns import ReturnHandlers
from services.inventory.handlers.work_orders import WorkOrderHandlers
from services.inventory.queries import queries
from services.inventory.repository import OUTBOX_COLLECTIONS, create_indexes, stores
from services.inventory.settings import InventorySettings
from shared.contracts import (
    AdjustStock,
    AuthorizeReturn,
    ComponentsIssued,
    ComponentsReleased,
    ComponentsShort,
    DefineItem,
    DefineLocation,
    GoodsIssued,
    GoodsReceived,
    IssueGoods,
    ItemDefined,
    LocationDefined,
    OpeningBalanceSet,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderRejected,
    OrderStockHoldRequested,
    OrderSubmitted,
    ProductionReceived,
    ProductionRefused,
    ProductUpserted,
    ReceiveGoods,
    ReceiveReturn,
    ReservationConfirmed,
    ReservationReleased,
    ReturnAuthorized,
    ReturnReceived,
    SetOpeningBalance,
    StockAdjusted,
    StockMoved,
    StockReserved,
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderPartiallyCompleted,
    WorkOrderReleased,
)
from shared.contracts.receipts import (
    ReceiptApprovalApproved,
    ReceiptApprovalRejected,
    ReceiptHeld,
    ReceiptRefused,
)
from shared.jobs import LeasedJob
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import OnQueue, Service, via


async def setup(runtime: Runtime[InventorySettings]) -> InventoryHandlers:
    settings = runtime.settings
    await create_indexes(runtime.database)
    handlers = inventory_handlers(
        stores(runtime.database, runtime.outbox),
        receipt_tolerance_percent=settings.receipt_tolerance_percent,
        reservation_ttl=timedelta(seconds=settings.reservation_ttl_seconds),
        stale_after=timedelta(seconds=settings.stale_after_seconds),
    )
    runtime.jobs.append(
        LeasedJob(
            runtime.database,
            "inventory-upkeep",
            handlers.upkeep.run,
            owner=runtime.owner,
            interval_seconds=settings.upkeep_interval_seconds,
        )
    )
    return handlers


def _catalog(handlers: InventoryHandlers) -> CatalogHandlers:
    return handlers.catalog


def _movements(handlers: InventoryHandlers) -> MovementHandlers:
    return handlers.movements


def _reservations(handlers: InventoryHandlers) -> ReservationHandlers:
    return handlers.reservations


def _ledger(handlers: InventoryHandlers) -> LedgerProjection:
    return handlers.ledger


def _returns(handlers: InventoryHandlers) -> ReturnHandlers:
    return handlers.returns


def _work_orders(handlers: InventoryHandlers) -> WorkOrderHandlers:
    return handlers.work_orders


def _held_receipts(handlers: InventoryHandlers) -> HeldReceiptHandlers:
    return handlers.held_receipts


SERVICE = Service(
    entry=entry("inventory"),
    description="Items, stock per branch and warehouse, reservations, goods receipt and issue, "
    "work orders' components and finished goods, returns of sales orders, and stock at moving "
    "average cost.",
    setup=setup,
    settings=InventorySettings,
    commands={
        DefineItem: via(_catalog, CatalogHandlers.define_item),
        DefineLocation: via(_catalog, CatalogHandlers.define_location),
        SetOpeningBalance: via(_catalog, CatalogHandlers.set_opening_balance),
        AdjustStock: via(_catalog, CatalogHandlers.adjust_stock),
        ReceiveGoods: via(_movements, MovementHandlers.receive),
        IssueGoods: via(_movements, MovementHandlers.issue),
        AuthorizeReturn: via(_returns, ReturnHandlers.authorize),
        ReceiveReturn: via(_returns, ReturnHandlers.receive),
    },
    events={
        OrderSubmitted: via(_reservations, ReservationHandlers.order_submitted),
        OrderStockHoldRequested: via(_reservations, ReservationHandlers.order_submitted),
        OrderApproved: via(_reservations, ReservationHandlers.order_approved),
        OrderRejected: via(_reservations, ReservationHandlers.order_rejected),
        OrderCancelled: via(_reservations, ReservationHandlers.order_cancelled),
        OrderCompleted: via(_reservations, ReservationHandlers.order_completed),
        StockMoved: OnQueue(via(_ledger, LedgerProjection.record), queue="ledger"),
        WorkOrderReleased: via(_work_orders, WorkOrderHandlers.released),
        WorkOrderPartiallyCompleted: via(_work_orders, WorkOrderHandlers.completed),
        WorkOrderCompleted: via(_work_orders, WorkOrderHandlers.completed),
        WorkOrderCancelled: via(_work_orders, WorkOrderHandlers.cancelled),
        ProductUpserted: via(_catalog, CatalogHandlers.product_upserted),
        # Over-receipts: the approval service's decision on a held receipt.
        ReceiptApprovalApproved: via(_held_receipts, HeldReceiptHandlers.approved),
        ReceiptApprovalRejected: via(_held_receipts, HeldReceiptHandlers.rejected),
    },
    publishes=[
        ItemDefined,
        LocationDefined,
        OpeningBalanceSet,
        StockAdjusted,
        GoodsReceived,
        GoodsIssued,
        StockReserved,
        ReservationConfirmed,
        ReservationReleased,
        StockMoved,
        ComponentsIssued,
        ComponentsShort,
        ProductionReceived,
        ProductionRefused,
        ComponentsReleased,
        ReturnAuthorized,
        ReturnReceived,
        ReceiptHeld,
        ReceiptRefused,
    ],
    outbox_collections=OUTBOX_COLLECTIONS,
    queries=queries,
)
