"""Who holds reserved stock and how much it may hold: one rule for sales and work orders.

A sales order and a work order each hold stock while they wait (a reservation, or components
held for production). When either changes (a new plan, a cancellation, a race between two
events), what it may hold is recomputed (``reservation_targets``) and every stock record it
holds beyond that is trimmed down (``Holder.trim``): trimming never adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.inventory.domain.stock import ZERO, Stock, stock_id


@dataclass(frozen=True)
class Holder:
    """A sales order (its id holds its reservation) or a work order (``work_order|<id>``)."""

    id: str
    work_order: bool = False

    @classmethod
    def sales_order(cls, order_id: str) -> Holder:
        return cls(order_id)

    @classmethod
    def for_work_order(cls, work_order_id: str) -> Holder:
        return cls(work_order_id, work_order=True)

    def held(self, stock: Stock) -> Decimal:
        """What ``stock`` holds for it now."""
        if self.work_order:
            return stock.held_for_work_order(self.id)
        return stock.reserved_for(self.id)

    def holds_more(self, stock: Stock | None, target: Decimal) -> bool:
        """Whether ``stock`` (if it exists) holds more for it than ``target``: trim it then."""
        return stock is not None and self.held(stock) > target

    def trim(self, stock: Stock, target: Decimal) -> None:
        """Release what ``stock`` holds for it beyond ``target`` (never adds)."""
        if self.work_order:
            stock.reserve_for_work_order(work_order_id=self.id, target=target, may_increase=False)
        else:
            stock.reserve_toward(order_id=self.id, target=target, may_increase=False)


def reservation_targets(
    touched: Iterable[str], location_id: str | None, needs: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    """At most how much a holder may hold per stock id: its ``needs`` at ``location_id``, and
    zero at every other stock record it ``touched`` (nothing at all without a location)."""
    targets = dict.fromkeys(touched, ZERO)
    if location_id is not None:
        for sku, need in needs.items():
            targets[stock_id(sku, location_id)] = need
    return targets
