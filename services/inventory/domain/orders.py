"""Orders as inventory knows them: learnt from order events, never read from the order service.

A ``TrackedOrder`` decides everything that concerns the order as a whole: whether it is
approved, how much of each item was ordered, received or issued (``order_record``), and what
its stock reservation should be (here). Stock of each item at each location decides the rest
(``stock``).

Order events arrive on separate queues and may be processed out of order; ``attempt`` numbers
tell newer from older, and a cancellation is final.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from services.inventory.domain.holds import reservation_targets
from services.inventory.domain.order_parts import (
    ACTIVE,
    OrderState,
    Reservation,
    ReservationChanged,
    ReservationPlan,
    ReservationState,
    TrackedLine,
)
from services.inventory.domain.returns import OrderWithReturns
from services.inventory.domain.stock import ZERO, stock_id
from shared.contracts import (
    OrderKind,
    OrderLine,
    ReleaseReason,
    ReservationConfirmed,
    ReservationReleased,
    ReservedLine,
    StockReserved,
    StockStatus,
    utcnow,
)

FINAL = frozenset({OrderState.CANCELLED, OrderState.CLOSED})
"""Nothing moves an order on from these."""


class TrackedOrder(OrderWithReturns):
    @classmethod
    def new(cls, *, order_id: str, kind: OrderKind, party_id: str) -> TrackedOrder:
        return cls(id=order_id, kind=kind, party_id=party_id)

    # --- what the order service tells us ------------------------------------------------------

    def submitted(
        self,
        *,
        attempt: int,
        branch_id: str,
        lines: list[OrderLine],
        sales_location: str | None,
        expires_at: datetime,
        all_or_nothing: bool = False,
        currency: str | None = None,
        unit_costs: dict[str, Decimal] | None = None,
    ) -> None:
        """Submitted (or, ``all_or_nothing``, asked to hold its stock before approval at a
        branch that refuses short orders; its ``order.submitted`` then changes nothing)."""
        if not self._is_news(attempt, OrderState.SUBMITTED):
            return
        self._learn(
            attempt,
            OrderState.SUBMITTED,
            branch_id,
            lines,
            currency=currency,
            unit_costs=unit_costs,
        )
        if self.kind is OrderKind.SALES:
            self._plan(ReservationState.SOFT, sales_location, expires_at=expires_at)
            assert self.reservation is not None
            self.reservation.all_or_nothing = all_or_nothing

    def approved(
        self,
        *,
        attempt: int,
        branch_id: str,
        lines: list[OrderLine],
        sales_location: str | None,
        currency: str | None = None,
        unit_costs: dict[str, Decimal] | None = None,
    ) -> None:
        if not self._is_news(attempt, OrderState.APPROVED):
            return
        self._learn(
            attempt,
            OrderState.APPROVED,
            branch_id,
            lines,
            currency=currency,
            unit_costs=unit_costs,
        )
        if self.kind is OrderKind.SALES:
            current = self.reservation
            same_attempt = current is not None and current.attempt == attempt
            location = (current.location_id if current and same_attempt else None) or sales_location
            self._plan(ReservationState.FIRM, location)

    def rejected(self, *, attempt: int) -> None:
        if not self._is_news(attempt, OrderState.REJECTED):
            return
        self.attempt, self.state = attempt, OrderState.REJECTED
        self._release(ReleaseReason.REJECTED)

    def cancelled(self) -> None:
        if self.state in FINAL:
            return
        self.state = OrderState.CANCELLED
        self._release(ReleaseReason.CANCELLED)
        self.refuse_all_held()

    def closed(self) -> None:
        """The order was closed short: what it still holds is let go, and it takes no more
        receipts or issues."""
        if self.state in FINAL:
            return
        self.state = OrderState.CLOSED
        self._release(ReleaseReason.CLOSED_SHORT)
        self.refuse_all_held()

    def expire_reservation(self, *, now: datetime) -> None:
        """A soft reservation of an order that was not approved in time lets its stock go."""
        reservation = self.reservation
        if (
            self.state is OrderState.SUBMITTED
            and reservation is not None
            and reservation.state is ReservationState.SOFT
            and reservation.expires_at is not None
            and reservation.expires_at <= now
        ):
            self._release(ReleaseReason.EXPIRED)

    def _is_news(self, attempt: int, state: OrderState) -> bool:
        """Whether an event about ``attempt`` moves the order on (events may come out of order)."""
        if self.state in FINAL or attempt < self.attempt:
            return False
        if attempt > self.attempt or self.state is None:
            return True
        # Same attempt: submitted comes first, then one decision.
        return self.state is OrderState.SUBMITTED and state is not OrderState.SUBMITTED

    def _learn(
        self,
        attempt: int,
        state: OrderState,
        branch_id: str,
        lines: list[OrderLine],
        *,
        currency: str | None,
        unit_costs: dict[str, Decimal] | None,
    ) -> None:
        costs = unit_costs or {}
        if attempt > self.attempt or not self.lines:
            # An order is edited only before approval, so nothing was received or issued yet.
            totals: dict[str, Decimal] = {}
            for line in lines:
                totals[line.sku] = totals.get(line.sku, ZERO) + line.quantity
            self.lines = [
                TrackedLine(sku=sku, ordered=qty, unit_cost=costs.get(sku))
                for sku, qty in totals.items()
            ]
        for tracked in self.lines:
            # An order learnt before its prices were kept here takes them from the next event.
            tracked.unit_cost = (
                tracked.unit_cost if tracked.unit_cost is not None else costs.get(tracked.sku)
            )
        self.currency = currency or self.currency
        self.attempt, self.state, self.branch_id = attempt, state, branch_id
        self.updated_at = utcnow()

    # --- reservations -------------------------------------------------------------------------

    def _plan(
        self,
        state: ReservationState,
        location_id: str | None,
        *,
        expires_at: datetime | None = None,
    ) -> None:
        previous = self.reservation.lines if self.reservation else []
        self.reservation = Reservation(
            attempt=self.attempt,
            location_id=location_id,
            state=state,
            expires_at=expires_at,
            lines=previous,
        )
        if location_id is not None:
            for line in self.lines:
                if (held := stock_id(line.sku, location_id)) not in self.touched:
                    self.touched.append(held)
        self._changed()

    def _release(self, reason: ReleaseReason) -> None:
        reservation = self.reservation
        if reservation is None or reservation.state not in ACTIVE:
            return
        reservation.state = (
            ReservationState.EXPIRED
            if reason is ReleaseReason.EXPIRED
            else ReservationState.RELEASED
        )
        reservation.reason = reason
        self._changed()
        self.record(
            ReservationReleased(
                order_id=self.id,
                attempt=reservation.attempt,
                location_id=reservation.location_id,
                reason=reason,
                lines=reservation.lines,
            )
        )

    def reservation_plan(self) -> ReservationPlan | None:
        """What the order should hold now, or None when it should hold nothing."""
        reservation = self.reservation
        if (
            reservation is None
            or reservation.state not in ACTIVE
            or self.state not in {OrderState.SUBMITTED, OrderState.APPROVED}
        ):
            return None
        return ReservationPlan(
            seq=self.seq,
            attempt=reservation.attempt,
            location_id=reservation.location_id,
            needs={line.sku: line.outstanding for line in self.lines},
        )

    def reservation_targets(self) -> dict[str, Decimal]:
        """At most how much the order may hold per stock id (zero where it should hold none)."""
        plan = self.reservation_plan()
        if plan is None:
            return reservation_targets(self.touched, None, {})
        return reservation_targets(self.touched, plan.location_id, plan.needs)

    def record_reservation(self, plan: ReservationPlan, held: dict[str, Decimal]) -> None:
        """Note what the stock holds for the plan and tell the order service, once per fact.

        A fact is the reservation's state (soft or firm) with what it holds: a plan carried out
        again (a late ``submitted`` after ``approved``, two events racing) announces nothing new.
        """
        reservation = self.reservation
        if plan.seq != self.seq or reservation is None:
            raise ReservationChanged(f"{self.id}: planned at {plan.seq}, now {self.seq}")
        lines = [
            ReservedLine(sku=sku, needed=need, reserved=held.get(sku, ZERO))
            for sku, need in plan.needs.items()
        ]
        self.dirty_since = None
        if reservation.announced and lines == reservation.lines:
            return  # a late or repeated event: the fact was told already, under its own id
        reservation.lines, reservation.announced = lines, True
        short = any(line.reserved < line.needed for line in reservation.lines)
        facts = {
            "order_id": self.id,
            "attempt": reservation.attempt,
            "location_id": reservation.location_id,
            "lines": reservation.lines,
            "stock_status": StockStatus.SHORT if short else StockStatus.CONFIRMED,
        }
        if reservation.state is ReservationState.SOFT:
            self.record(StockReserved(**facts, expires_at=reservation.expires_at))
        else:
            self.record(ReservationConfirmed(**facts))
        if reservation.all_or_nothing:
            reservation.all_or_nothing = False  # decided: held in full, or not at all
            if short:
                self.state = OrderState.REJECTED  # the order service sends it back
                self._release(ReleaseReason.STOCK_SHORT)

    def mark_synced(self, seq: int) -> None:
        """The stock matches the reservation as it stood at ``seq``."""
        if seq == self.seq:
            self.dirty_since = None
