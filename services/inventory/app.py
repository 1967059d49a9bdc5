"""Wiring of the inventory service: its subscribers, stores, handlers and upkeep job."""

from __future__ import annotations

from datetime import timedelta

from faststream.asgi import AsgiFastStream

from services.inventory.consumers import routers
from services.inventory.handlers import InventoryHandlers, inventory_handlers
from services.inventory.queries import queries
from services.inventory.repository import OUTBOX_COLLECTIONS, create_indexes, stores
from services.inventory.settings import InventorySettings
from shared.contracts import (
    GoodsIssued,
    GoodsReceived,
    ItemDefined,
    LocationDefined,
    OpeningBalanceSet,
    ReservationConfirmed,
    ReservationReleased,
    StockAdjusted,
    StockMoved,
    StockReserved,
)
from shared.jobs import LeasedJob
from shared.runtime import Runtime, ServiceDefinition, build_app


async def setup(runtime: Runtime) -> InventoryHandlers:
    settings = runtime.settings
    assert isinstance(settings, InventorySettings)
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


SERVICE = ServiceDefinition(
    name="inventory",
    description="Items, stock per branch and warehouse, reservations, goods receipt and issue.",
    routers=routers,
    setup=setup,
    outbox_collections=OUTBOX_COLLECTIONS,
    queries=queries,
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
    ],
)


def create_app(settings: InventorySettings | None = None) -> AsgiFastStream:
    return build_app(SERVICE, settings or InventorySettings())
