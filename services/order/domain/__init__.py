"""The order service's pure domain."""

from services.order.domain.errors import (
    InvalidTransition,
    NotTheCreator,
    OrderExists,
    OrderLocked,
    UnknownOrder,
)
from services.order.domain.order import Order
from services.order.domain.status import (
    CANCELLABLE,
    EDITABLE,
    PARTLY_DONE,
    HistoryEntry,
    OrderStatus,
    PendingApproval,
    Rejection,
)
from services.order.pricing import (
    DiscountExceedsDocument,
    DiscountExceedsLine,
    EmptyDocument,
    InvalidDiscount,
    InvalidLine,
    PricingError,
    UnknownPrice,
    UnknownTaxRate,
)

__all__ = [
    "CANCELLABLE",
    "EDITABLE",
    "PARTLY_DONE",
    "DiscountExceedsDocument",
    "DiscountExceedsLine",
    "EmptyDocument",
    "HistoryEntry",
    "InvalidDiscount",
    "InvalidLine",
    "InvalidTransition",
    "NotTheCreator",
    "Order",
    "OrderExists",
    "OrderLocked",
    "OrderStatus",
    "PendingApproval",
    "PricingError",
    "Rejection",
    "UnknownOrder",
    "UnknownPrice",
    "UnknownTaxRate",
]
