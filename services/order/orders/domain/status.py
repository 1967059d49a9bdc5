"""Where an order stands: its statuses, its history entries, its approval progress."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.contracts import LineAvailability, OrderKind
from shared.contracts.statuses import CANCELLABLE, CLOSABLE, EDITABLE, OrderStatus

__all__ = [
    "CANCELLABLE",
    "CLOSABLE",
    "EDITABLE",
    "PARTLY_DONE",
    "HistoryEntry",
    "OrderStatus",
    "PendingApproval",
    "Rejection",
    "StockHold",
    "StockRefusal",
]

PARTLY_DONE = {
    OrderKind.PURCHASE: OrderStatus.PARTIALLY_RECEIVED,
    OrderKind.SALES: OrderStatus.PARTIALLY_ISSUED,
}


class HistoryEntry(BaseModel):
    status: OrderStatus
    at: datetime
    attempt: int = 0
    by: str | None = None
    level: int | None = None
    note: str | None = None


class PendingApproval(BaseModel):
    """Where an order stands in its approval cycle (filled from the approval service's events)."""

    level: int | None = None
    levels: int | None = None
    approver_id: str | None = None
    approver_name: str | None = None
    since: datetime | None = None
    """When the approval service said so (its event's time): older news of the level is
    stale (a reassignment's and the level's first word may arrive in either order)."""


class Rejection(BaseModel):
    attempt: int
    level: int | None = None
    approver_id: str | None = None
    notes: str | None = None
    at: datetime


class StockHold(BaseModel):
    """A submission waiting for inventory to hold the order's stock, all of it or none."""

    attempt: int
    submitted_by: str
    command_id: str | None = None
    """The ``order.submit`` that asked: a refusal answers it (``order.command_rejected``)."""
    returns_to: OrderStatus
    """Where a refused hold sends the order back: draft, or rejected for a resubmission."""


class StockRefusal(BaseModel):
    """Why the latest submission was refused for stock: each item, requested and available."""

    attempt: int
    detail: str
    shortages: list[LineAvailability]
    at: datetime
