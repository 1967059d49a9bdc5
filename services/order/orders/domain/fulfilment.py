"""How far an order is received (PO) or issued (SO), and whether its stock is confirmed.

Pure values the order aggregate keeps, filled from the inventory service's events. Inventory
reports quantities per item to date; they are spread over the order's lines for that item in
line order, and never go down (a late, older report changes nothing).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.contracts import LineProgress, OrderLine, ReservedLine, StockLine

ZERO = Decimal(0)


class LineFulfilment(BaseModel):
    """One order line: ordered, and received (PO) or issued (SO) so far."""

    line: int
    sku: str
    ordered: Decimal
    fulfilled: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return max(self.ordered - self.fulfilled, ZERO)


class Delivery(BaseModel):
    """One goods receipt or goods issue against the order."""

    document_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    at: datetime


class StockState(StrEnum):
    CONFIRMED = "confirmed"
    SHORT = "short"
    RELEASED = "released"


class StockCheck(BaseModel):
    """What inventory holds for a sales order (its latest stock validation)."""

    attempt: int
    status: StockState
    firm: bool = False
    location_id: str | None = None
    lines: list[ReservedLine] = Field(default_factory=list)
    released_because: str | None = None
    at: datetime


def spread(
    lines: list[OrderLine], current: list[LineFulfilment], to_date: list[LineProgress]
) -> list[LineFulfilment]:
    """Per-line quantities from per-item totals to date (monotonic: never lowers a line)."""
    totals = {progress.sku: progress.fulfilled for progress in to_date}
    before = {item.line: item.fulfilled for item in current}
    spread_lines: list[LineFulfilment] = []
    for index, line in enumerate(lines):
        left = totals.get(line.sku, ZERO)
        is_last = all(other.sku != line.sku for other in lines[index + 1 :])
        share = left if is_last else min(left, line.quantity)
        totals[line.sku] = left - share
        fulfilled = max(share, before.get(index, ZERO))
        spread_lines.append(
            LineFulfilment(line=index, sku=line.sku, ordered=line.quantity, fulfilled=fulfilled)
        )
    return spread_lines


def all_fulfilled(progress: list[LineFulfilment]) -> bool:
    return bool(progress) and all(item.outstanding == 0 for item in progress)


def describe(lines: list[StockLine]) -> str:
    return ", ".join(f"{line.sku} x {line.quantity}" for line in lines)
