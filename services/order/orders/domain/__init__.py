"""The order service's pure domain."""

from services.order.domain.errors import (
    InvalidTransition,
    NotTheCreator,
    OrderExists,
    OrderLocked,
    QuotationExists,
    QuotationPastValidity,
    RfqExists,
    UnknownOrder,
    UnknownQuotation,
    UnknownRfq,
)
from services.order.domain.order import Order
from services.order.domain.quotation import Quotation
from services.order.domain.quotation_state import OPEN as OPEN_QUOTATIONS
from services.order.domain.rfq import Rfq
from services.order.domain.status import (
    CANCELLABLE,
    EDITABLE,
    PARTLY_DONE,
    HistoryEntry,
    OrderStatus,
    PendingApproval,
    Rejection,
)
from shared.pricing import (
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
    "FULLY_DONE",
    "OPEN_QUOTATIONS",
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
    "Quotation",
    "QuotationExists",
    "QuotationPastValidity",
    "Rejection",
    "Rfq",
    "RfqExists",
    "UnknownOrder",
    "UnknownPrice",
    "UnknownQuotation",
    "UnknownRfq",
    "UnknownTaxRate",
]
