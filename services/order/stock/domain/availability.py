"""Whether a sales order can be served from its branch's stock, and what a branch does when not.

Inventory publishes every stock movement with the on-hand and reserved quantities after it; the
order service keeps the latest per item and location. When a sales order is created or changed,
each item's total quantity on the order is compared with what is available (on hand minus
reserved) at the branch's sales location: ``available`` when all of it can be served, ``short``
when part of it, ``backorder`` when none. The order's status is the worst of its items, and
``unknown`` when the branch has no stock location yet. A branch set to ``refuse`` refuses a
sales order that is not ``available``; one set to ``allow`` (the default) takes it and shows the
shortage. It is a first look: the stock is held when the order is submitted, by inventory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from shared.contracts import (
    Availability,
    BranchConfigured,
    LineAvailability,
    OrderLineInput,
    StockAvailability,
    WhenStockShort,
)
from shared.contracts.parties import UnknownParty
from shared.domain import Aggregate, DomainError


class InsufficientStock(DomainError):
    """The branch refuses sales orders its stock cannot serve (``order.configure_branch``)."""

    reason = "insufficient_stock"

    def __init__(self, detail: str, *, lines: Sequence[LineAvailability] = ()) -> None:
        super().__init__(detail)
        self.lines = list(lines)
        """Each item short: requested and available."""


RANK = {
    Availability.AVAILABLE: 0,
    Availability.SHORT: 1,
    Availability.BACKORDER: 2,
    Availability.UNKNOWN: 3,
}


def requested(lines: Sequence[OrderLineInput]) -> dict[str, Decimal]:
    """Quantity per item over all lines, items in the order they first appear."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, Decimal(0)) + line.quantity
    return totals


def assess(
    lines: Sequence[OrderLineInput],
    *,
    location_id: str | None,
    available: Mapping[str, Decimal],
    at: datetime,
) -> StockAvailability:
    """``available``: on hand minus reserved per item at ``location_id`` (absent: none)."""
    if location_id is None:
        return StockAvailability(status=Availability.UNKNOWN, checked_at=at)
    assessed = []
    for sku, quantity in requested(lines).items():
        free = max(available.get(sku, Decimal(0)), Decimal(0))
        if free >= quantity:
            status = Availability.AVAILABLE
        elif free > 0:
            status = Availability.SHORT
        else:
            status = Availability.BACKORDER
        assessed.append(
            LineAvailability(sku=sku, requested=quantity, available=free, status=status)
        )
    worst = max((line.status for line in assessed), key=RANK.__getitem__)
    return StockAvailability(status=worst, location_id=location_id, lines=assessed, checked_at=at)


def check(availability: StockAvailability, policy: WhenStockShort, *, branch_id: str) -> None:
    """Refuse what the branch's stock cannot serve, if the branch says so."""
    if policy is WhenStockShort.ALLOW or availability.status is Availability.AVAILABLE:
        return
    if availability.status is Availability.UNKNOWN:
        raise InsufficientStock(
            f"Branch {branch_id} refuses sales orders its stock cannot serve, and it has no "
            "stock location yet."
        )
    short = [line for line in availability.lines if line.status is not Availability.AVAILABLE]
    lacking = ", ".join(
        f"{line.sku}: {line.requested} requested, {line.available} available" for line in short
    )
    raise InsufficientStock(
        f"Branch {branch_id} refuses sales orders its stock cannot serve ({lacking}) at "
        f"{availability.location_id}.",
        lines=short,
    )


class Branch(Aggregate):
    """A branch's settings for orders."""

    when_stock_short: WhenStockShort = WhenStockShort.ALLOW
    unknown_party: UnknownParty = UnknownParty.ALLOW

    def configure(
        self,
        *,
        when_stock_short: WhenStockShort,
        by: str,
        unknown_party: UnknownParty | None = None,
    ) -> None:
        """Set the rules; ``unknown_party`` None keeps the stored one."""
        self.when_stock_short = when_stock_short
        self.unknown_party = unknown_party or self.unknown_party
        self.record(
            BranchConfigured(
                branch_id=self.id,
                when_stock_short=when_stock_short,
                configured_by=by,
                unknown_party=self.unknown_party,
            )
        )
