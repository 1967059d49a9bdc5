"""The stock record's state and bookkeeping: on hand, reserved, who holds what, running totals,
and the one place every movement is checked and recorded as a ``StockMoved`` ledger entry
(``stock`` has the rules that move it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from services.inventory.domain.costing import CostedStock, MovedCost
from shared.contracts import MovementKind, SourceType, StockMoved, utcnow

ZERO = Decimal(0)


def stock_id(sku: str, location_id: str) -> str:
    # "|" cannot occur in an identifier, so no two pairs share an id.
    return f"{sku}|{location_id}"


def work_order_holder(work_order_id: str) -> str:
    """Who holds a work order's reservation: "|" cannot occur in a sales order id."""
    return f"work_order|{work_order_id}"


class StockInvariantBroken(Exception):
    """Stock would go negative or reserve more than is on hand: refuse to write it."""


class Held(BaseModel):
    """What one sales order holds of this item at this location."""

    order_id: str
    quantity: Decimal


def cost_key(kind: MovementKind, source_id: str, reference: str) -> str:
    """The step a movement's cost is remembered by (``Stock.cost_moved``)."""
    return f"{kind.value}:{source_id}:{reference}"


class StockRecord(CostedStock):
    sku: str
    location_id: str
    branch_id: str
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    opening: Decimal = ZERO
    received: Decimal = ZERO
    issued: Decimal = ZERO
    adjusted: Decimal = ZERO
    returned: Decimal = ZERO
    opening_set: bool = False
    held: list[Held] = Field(default_factory=list)
    movements: int = 0
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    def reserved_for(self, order_id: str) -> Decimal:
        return next((h.quantity for h in self.held if h.order_id == order_id), ZERO)

    # --- bookkeeping --------------------------------------------------------------------------

    def _hold(self, order_id: str, quantity: Decimal) -> None:
        self.held = [h for h in self.held if h.order_id != order_id]
        if quantity > 0:
            self.held.append(Held(order_id=order_id, quantity=quantity))
        self.reserved = sum((h.quantity for h in self.held), ZERO)

    def _move(
        self,
        kind: MovementKind,
        source_type: SourceType,
        source_id: str,
        on_hand_change: Decimal,
        *,
        reserved_change: Decimal = ZERO,
        reference: str | None = None,
        reason: str | None = None,
        cost: MovedCost | None = None,
        quarantined_change: Decimal = ZERO,
    ) -> None:
        self.on_hand += on_hand_change
        if not ZERO <= self.reserved <= self.on_hand:
            # Every method checks its rule first; reaching this is a bug, never a user's error.
            raise StockInvariantBroken(
                f"{self.id}: on hand {self.on_hand}, reserved {self.reserved}"
            )
        self.movements += 1
        self.updated_at = utcnow()
        if cost is not None and reference is not None:
            self._remember_cost(cost)
        self.record(
            StockMoved(
                movement_id=f"{self.id}#{self.movements}",
                kind=kind,
                sku=self.sku,
                location_id=self.location_id,
                branch_id=self.branch_id,
                on_hand_change=on_hand_change,
                reserved_change=reserved_change,
                on_hand_after=self.on_hand,
                reserved_after=self.reserved,
                source_type=source_type,
                source_id=source_id,
                reference=reference,
                reason=reason,
                sequence=self.movements,
                unit_cost=cost.unit_cost if cost else None,
                cost=cost.cost if cost else None,
                cost_currency=cost.currency if cost else None,
                average_cost=self.unit_cost,
                quarantined_change=quarantined_change,
                quarantined_after=self.quarantined,
            )
        )
