"""Where an order stands: the one list of order statuses, for the order service, its queries
(``GET :8081/orders?status=``) and everyone who shows or filters them (the back office)."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_STOCK = "awaiting_stock"
    """Submitted at a branch that refuses short orders: inventory is holding its stock."""
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    # goods receipt (PO) and goods issue (SO), reported by the inventory service
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    PARTIALLY_ISSUED = "partially_issued"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        """As a person reads it: ``partially received``."""
        return self.value.replace("_", " ")


EDITABLE = frozenset({OrderStatus.DRAFT, OrderStatus.REJECTED})
"""An order's lines and facts may change only in these."""
CANCELLABLE = frozenset(
    {
        OrderStatus.DRAFT,
        OrderStatus.REJECTED,
        OrderStatus.AWAITING_STOCK,
        OrderStatus.PENDING_APPROVAL,
        OrderStatus.APPROVED,
    }
)
"""Before anything was received or issued against it."""
CLOSABLE = frozenset(
    {OrderStatus.APPROVED, OrderStatus.PARTIALLY_RECEIVED, OrderStatus.PARTIALLY_ISSUED}
)
"""Goods may still be received or issued against it (or it may be closed short)."""
