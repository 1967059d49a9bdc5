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

__all__ = [
    "CANCELLABLE",
    "EDITABLE",
    "PARTLY_DONE",
    "HistoryEntry",
    "InvalidTransition",
    "NotTheCreator",
    "Order",
    "OrderExists",
    "OrderLocked",
    "OrderStatus",
    "PendingApproval",
    "Rejection",
    "UnknownOrder",
]
