"""Stock of one item at one location: the gate that keeps on-hand and reservations consistent.

One document per item and location holds on-hand, what is reserved for which sales order, and
running totals. Every change is checked here and recorded as a ``StockMoved`` ledger entry in
the same write, so that for every item and location, always:

    on_hand == opening + received - issued + adjusted + returned   (issued net of reversals)
    0 <= reserved <= on_hand

A reservation belongs to a sales order or a work order; an issue for it uses its reservation
first, then stock nobody reserved. Goods returned damaged or defective are ``quarantined``:
kept apart from ``on_hand`` (sellable stock), never reserved or issued. Each movement carries
its cost (``costing``): the record keeps the item's moving average cost at the location.
"""

from __future__ import annotations

from decimal import Decimal

from services.inventory.domain.errors import (
    InsufficientStock,
    OpeningAlreadySet,
    StockReservedForOrders,
)
from services.inventory.domain.stock_record import (
    ZERO,
    Held,
    StockInvariantBroken,
    StockRecord,
    cost_key,
    stock_id,
    work_order_holder,
)
from shared.contracts import (
    MovementKind,
    OpeningBalanceSet,
    SourceType,
    StockAdjusted,
)

__all__ = [
    "ZERO",
    "Held",
    "Stock",
    "StockInvariantBroken",
    "cost_key",
    "stock_id",
    "work_order_holder",
]


class Stock(StockRecord):
    @classmethod
    def empty(cls, *, sku: str, location_id: str, branch_id: str) -> Stock:
        return cls(
            id=stock_id(sku, location_id), sku=sku, location_id=location_id, branch_id=branch_id
        )

    # --- opening balance and adjustments ----------------------------------------------------

    def set_opening(
        self,
        *,
        quantity: Decimal,
        reason: str,
        by: str,
        unit_cost: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        if self.opening_set or self.movements:
            raise OpeningAlreadySet(
                f"{self.sku} at {self.location_id} already has stock movements; correct it with "
                "an adjustment instead of an opening balance."
            )
        self.opening_set, self.opening = True, quantity
        moved, _ = self._take_in("opening", self.on_hand, quantity, unit_cost, currency)
        self.record(
            OpeningBalanceSet(
                sku=self.sku,
                location_id=self.location_id,
                branch_id=self.branch_id,
                quantity=quantity,
                reason=reason,
                set_by=by,
                on_hand=self.on_hand + quantity,
                unit_cost=moved.unit_cost,
                cost_currency=moved.currency,
            )
        )
        self._move(
            MovementKind.OPENING,
            SourceType.OPENING_BALANCE,
            "opening",
            quantity,
            reason=reason,
            cost=moved,
        )

    def adjust(self, *, adjustment_id: str, quantity: Decimal, reason: str, by: str) -> None:
        after = self.on_hand + quantity
        if after < 0:
            raise InsufficientStock(
                f"Cannot remove {-quantity} of {self.sku} at {self.location_id}: only "
                f"{self.on_hand} on hand; stock never goes below zero."
            )
        if after < self.reserved:
            raise StockReservedForOrders(
                f"Cannot remove {-quantity} of {self.sku} at {self.location_id}: {self.reserved} "
                f"of the {self.on_hand} on hand are reserved for sales orders; release or issue "
                "them first."
            )
        self.adjusted += quantity
        moved = self._at_average(f"adjustment:{adjustment_id}", quantity)
        line = moved.line(self.sku)
        self.record(
            StockAdjusted(
                adjustment_id=adjustment_id,
                sku=self.sku,
                location_id=self.location_id,
                branch_id=self.branch_id,
                quantity=quantity,
                reason=reason,
                adjusted_by=by,
                on_hand=after,
                costs=[line] if line else [],
                cost_currency=moved.currency if line else None,
            )
        )
        self._move(
            MovementKind.ADJUSTMENT,
            SourceType.ADJUSTMENT,
            adjustment_id,
            quantity,
            reason=reason,
            cost=moved,
        )

    # --- receipts and issues ------------------------------------------------------------------

    def receive(
        self,
        *,
        order_id: str,
        receipt_id: str,
        quantity: Decimal,
        unit_cost: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        """Goods of a purchase order came in at ``unit_cost`` (the order's net unit price)."""
        key = cost_key(MovementKind.RECEIPT, order_id, receipt_id)
        moved, note = self._take_in(key, self.on_hand, quantity, unit_cost, currency)
        self.received += quantity
        self._move(
            MovementKind.RECEIPT,
            SourceType.PURCHASE_ORDER,
            order_id,
            quantity,
            reference=receipt_id,
            reason=note,
            cost=moved,
        )

    def issuable_for(self, order_id: str) -> Decimal:
        """What an issue for ``order_id`` may take: its own reservation plus unreserved stock."""
        return self.available + self.reserved_for(order_id)

    def check_issue(self, *, order_id: str, quantity: Decimal) -> None:
        if quantity > (issuable := self.issuable_for(order_id)):
            others = self.reserved - self.reserved_for(order_id)
            raise InsufficientStock(
                f"Only {issuable} of {self.sku} can be issued at {self.location_id} for "
                f"{order_id} ({self.on_hand} on hand, {others} reserved for other orders); "
                f"{quantity} was asked for."
            )

    def issue(self, *, order_id: str, issue_id: str, quantity: Decimal) -> None:
        self._issue(order_id, SourceType.SALES_ORDER, order_id, issue_id, quantity)

    def _issue(
        self,
        holder: str,
        source_type: SourceType,
        source_id: str,
        issue_id: str,
        quantity: Decimal,
    ) -> None:
        self.check_issue(order_id=holder, quantity=quantity)
        from_reservation = min(quantity, self.reserved_for(holder))
        self._hold(holder, self.reserved_for(holder) - from_reservation)
        self.issued += quantity
        self._move(
            MovementKind.ISSUE,
            source_type,
            source_id,
            -quantity,
            reserved_change=-from_reservation,
            reference=issue_id,
            cost=self._at_average(cost_key(MovementKind.ISSUE, source_id, issue_id), quantity),
        )

    def reverse_issue(
        self, *, order_id: str, issue_id: str, quantity: Decimal, hold_up_to: Decimal
    ) -> None:
        """Undo one line of an issue whose other lines could not be taken.

        The goods go back to the order's reservation, as far as it may still hold them
        (``hold_up_to``), and to free stock beyond that.
        """
        held = self.reserved_for(order_id)
        holds = max(held, min(held + quantity, hold_up_to))
        issued = self.cost_moved(cost_key(MovementKind.ISSUE, order_id, issue_id))
        moved, _ = self._take_in(
            cost_key(MovementKind.ISSUE_REVERSAL, order_id, issue_id),
            self.on_hand,
            quantity,
            issued.unit_cost if issued else self.unit_cost,
            issued.currency if issued else self.cost_currency,
        )
        self._hold(order_id, holds)
        self.issued -= quantity
        self._move(
            MovementKind.ISSUE_REVERSAL,
            SourceType.SALES_ORDER,
            order_id,
            quantity,
            reserved_change=holds - held,
            reference=issue_id,
            reason="another line of the issue could not be taken",
            cost=moved,
        )

    # --- reservations -------------------------------------------------------------------------

    def reservation_target(self, *, target: Decimal, order_id: str, may_increase: bool) -> Decimal:
        """What ``order_id`` would hold if it asked for ``target`` now."""
        current = self.reserved_for(order_id)
        reachable = current + max(self.available, ZERO) if may_increase else current
        return max(min(target, reachable), ZERO)

    def reserve_toward(self, *, order_id: str, target: Decimal, may_increase: bool) -> None:
        """Hold as much of ``target`` as is available for the order (or only trim down to it)."""
        self._reserve(order_id, SourceType.SALES_ORDER, order_id, target, may_increase)

    def _reserve(
        self,
        holder: str,
        source_type: SourceType,
        source_id: str,
        target: Decimal,
        may_increase: bool,
    ) -> None:
        quantity = self.reservation_target(
            target=target, order_id=holder, may_increase=may_increase
        )
        change = quantity - self.reserved_for(holder)
        if change == 0:
            return
        self._hold(holder, quantity)
        self._move(MovementKind.RESERVATION, source_type, source_id, ZERO, reserved_change=change)

    # --- work orders: components reserved and issued, the finished item received -------------

    def held_for_work_order(self, work_order_id: str) -> Decimal:
        return self.reserved_for(work_order_holder(work_order_id))

    def reserve_for_work_order(
        self, *, work_order_id: str, target: Decimal, may_increase: bool
    ) -> None:
        """Hold as much of ``target`` as is available for the work order (or only trim to it)."""
        holder = work_order_holder(work_order_id)
        self._reserve(holder, SourceType.WORK_ORDER, work_order_id, target, may_increase)

    def issue_components(self, *, work_order_id: str, issue_id: str, quantity: Decimal) -> None:
        """Issue a component to the work order, from its reservation first."""
        holder = work_order_holder(work_order_id)
        self._issue(holder, SourceType.WORK_ORDER, work_order_id, issue_id, quantity)

    def receive_production(
        self, *, work_order_id: str, completion_id: str, quantity: Decimal
    ) -> None:
        """The work order's finished units come into stock."""
        self.received += quantity
        key = cost_key(MovementKind.RECEIPT, work_order_id, completion_id)
        self._move(
            MovementKind.RECEIPT,
            SourceType.WORK_ORDER,
            work_order_id,
            quantity,
            reference=completion_id,
            cost=self._at_average(key, quantity),
        )

    # --- returns of sales orders --------------------------------------------------------------

    def receive_return(
        self,
        *,
        order_id: str,
        return_id: str,
        quantity: Decimal,
        unit_cost: Decimal | None,
        currency: str | None,
        quarantine: bool,
    ) -> None:
        """Goods of a sales order came back at the cost they left at: into sellable stock (the
        average moves), or into quarantine (kept apart, at their own cost)."""
        if quarantine:
            key = cost_key(MovementKind.QUARANTINE, order_id, return_id)
            moved = self._quarantine_value(quantity, unit_cost, currency, key)
            self.quarantined += quantity
            self._move(
                MovementKind.QUARANTINE,
                SourceType.SALES_ORDER,
                order_id,
                ZERO,
                reference=return_id,
                cost=moved,
                quarantined_change=quantity,
            )
            return
        key = cost_key(MovementKind.RETURN, order_id, return_id)
        moved, note = self._take_in(key, self.on_hand, quantity, unit_cost, currency)
        self.returned += quantity
        self._move(
            MovementKind.RETURN,
            SourceType.SALES_ORDER,
            order_id,
            quantity,
            reference=return_id,
            reason=note,
            cost=moved,
        )
