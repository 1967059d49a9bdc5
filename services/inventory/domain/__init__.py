"""The inventory domain (pure): items and locations, stock per location, orders as seen here."""

from services.inventory.domain.catalog import Item, Location
from services.inventory.domain.order_parts import (
    Claim,
    ClaimState,
    OrderState,
    ReservationChanged,
    ReservationPlan,
    ReservationState,
)
from services.inventory.domain.orders import TrackedOrder
from services.inventory.domain.stock import Stock, stock_id

__all__ = [
    "Claim",
    "ClaimState",
    "Item",
    "Location",
    "OrderState",
    "ReservationChanged",
    "ReservationPlan",
    "ReservationState",
    "Stock",
    "TrackedOrder",
    "stock_id",
]
