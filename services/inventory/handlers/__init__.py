"""Handlers of the inventory service, one group per concern; subscribers call into these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from services.inventory.handlers.catalog import CatalogHandlers
from services.inventory.handlers.held_receipts import HeldReceiptHandlers
from services.inventory.handlers.ledger import LedgerProjection
from services.inventory.handlers.movements import MovementHandlers
from services.inventory.handlers.reservations import ReservationHandlers
from services.inventory.handlers.returns import ReturnHandlers
from services.inventory.handlers.upkeep import Upkeep
from services.inventory.handlers.work_orders import WorkOrderHandlers
from services.inventory.repository import Stores


@dataclass(frozen=True)
class InventoryHandlers:
    catalog: CatalogHandlers
    reservations: ReservationHandlers
    movements: MovementHandlers
    ledger: LedgerProjection
    upkeep: Upkeep
    work_orders: WorkOrderHandlers
    returns: ReturnHandlers
    held_receipts: HeldReceiptHandlers


def inventory_handlers(
    stores: Stores,
    *,
    receipt_tolerance_percent: Decimal,
    reservation_ttl: timedelta,
    stale_after: timedelta,
) -> InventoryHandlers:
    reservations = ReservationHandlers(stores, reservation_ttl=reservation_ttl)
    movements = MovementHandlers(
        stores, reservations, receipt_tolerance_percent=receipt_tolerance_percent
    )
    return InventoryHandlers(
        catalog=CatalogHandlers(stores),
        reservations=reservations,
        movements=movements,
        ledger=LedgerProjection(stores.db),
        upkeep=Upkeep(stores, reservations, movements, stale_after=stale_after),
        work_orders=WorkOrderHandlers(stores),
        returns=ReturnHandlers(stores),
        held_receipts=HeldReceiptHandlers(stores, movements),
    )


__all__ = ["InventoryHandlers", "inventory_handlers"]
