"""What a sales order would reserve, asked before it is submitted: the reservation preview.

The same rule as a submission: the order's quantities of each item added up, each held at the
branch's sales location as far as stock there is available (on hand less what others hold;
goods in quarantine are never on hand), what the order itself already holds counting as its
own. Nothing is held by asking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.inventory.domain.stock import ZERO, Stock


@dataclass(frozen=True)
class LinePreview:
    """One item of the order at the location it would be held at."""

    sku: str
    requested: Decimal
    available: Decimal
    would_reserve: Decimal
    location_id: str | None

    @property
    def short(self) -> Decimal:
        return self.requested - self.would_reserve


def needs(lines: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Each item's quantity over the lines, in the order items first appear."""
    totals: dict[str, Decimal] = {}
    for sku, quantity in lines:
        totals[sku] = totals.get(sku, ZERO) + quantity
    return totals


def preview_reservation(
    wanted: Mapping[str, Decimal],
    stock: Mapping[str, Stock],
    *,
    location_id: str | None,
    order_id: str = "",
) -> list[LinePreview]:
    """Per item of ``wanted``: what ``stock`` (the records at ``location_id``, by sku) would
    hold for the order ``order_id`` (none: a new order). A branch without a location, or an
    item that never moved there, holds nothing."""
    previews = []
    for sku, requested in wanted.items():
        record = stock.get(sku) if location_id is not None else None
        held = (
            record.reservation_target(target=requested, order_id=order_id, may_increase=True)
            if record
            else ZERO
        )
        available = record.available + record.reserved_for(order_id) if record else ZERO
        previews.append(LinePreview(sku, requested, available, held, location_id))
    return previews
