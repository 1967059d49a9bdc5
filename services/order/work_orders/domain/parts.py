"""What a work order is made of: its statuses, history entries, completions, receipts and
shortage, and its bill of materials (the aggregate itself is in ``work_order``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.contracts import ComponentBasis, ComponentLine, ReservedLine, StockLine

ZERO = Decimal(0)


class WorkOrderStatus(StrEnum):
    CREATED = "created"
    RELEASED = "released"
    SHORT = "short"
    IN_PROGRESS = "in_progress"
    PARTIALLY_COMPLETED = "partially_completed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


RELEASABLE = frozenset({WorkOrderStatus.CREATED, WorkOrderStatus.SHORT})
WAITING_FOR_STOCK = frozenset({WorkOrderStatus.RELEASED, WorkOrderStatus.SHORT})
IN_PRODUCTION = frozenset({WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.PARTIALLY_COMPLETED})
CLOSED = frozenset({WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED})


class WorkOrderHistory(BaseModel):
    status: WorkOrderStatus
    at: datetime
    by: str | None = None
    attempt: int = 0
    note: str | None = None


class Completion(BaseModel):
    completion_id: str
    quantity: Decimal
    scrap: Decimal
    by: str
    at: datetime
    awaiting_receipt: bool = False
    """Good units inventory has not answered for yet: the status waits for its answer."""
    refused: str | None = None
    """Why inventory could not receive them: the completion no longer counts."""

    @property
    def counts(self) -> bool:
        return self.refused is None

    @property
    def settled(self) -> bool:
        return self.counts and not self.awaiting_receipt


class Receipt(BaseModel):
    """Good units inventory received into stock for one completion."""

    completion_id: str
    location_id: str
    quantity: Decimal
    at: datetime


class Shortage(BaseModel):
    """What inventory could not reserve for the latest release."""

    attempt: int
    location_id: str | None
    lines: list[ReservedLine]
    unknown_skus: list[str] = Field(default_factory=list)


def bill_of_materials(quantity: Decimal, components: list[ComponentLine]) -> list[StockLine]:
    """What the whole work order consumes per sku: per-unit lines times the quantity, summed."""
    totals: dict[str, Decimal] = {}
    for line in components:
        needed = (
            line.quantity * quantity if line.basis is ComponentBasis.PER_UNIT else line.quantity
        )
        totals[line.sku] = totals.get(line.sku, ZERO) + needed
    return [StockLine(sku=sku, quantity=qty) for sku, qty in totals.items()]


def describe(lines: list[StockLine]) -> str:
    return ", ".join(f"{line.quantity} {line.sku}" for line in lines) or "nothing"
