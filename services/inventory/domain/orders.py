"""Orders as inventory knows them: learnt from order events, never read from the order service.

A ``TrackedOrder`` decides everything that concerns the order as a whole: whether it is
approved, how much of each item was ordered, received or issued, and what its stock
reservation should be. Stock of each item at each location decides the rest (see ``stock``).

A receipt or issue touches several documents (this one, and the stock of each item), so it is
done in steps that can each be repeated safely:

1. *claim*: the order checks the rules (approved, not more than ordered) and records the
   receipt or issue as pending, so that concurrent requests cannot together exceed the order;
2. the stock of each line is moved (each move is keyed, so a repeat is recognised);
3. *complete*: the order counts the quantities and announces them (``GoodsReceived`` /
   ``GoodsIssued``); or, when an issue line found too little stock, the claim is marked
   *failing*, the lines already taken are put back, and the claim is dropped.

Order events arrive on separate queues and may be processed out of order; ``attempt`` numbers
tell newer from older, and a cancellation is final.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from services.inventory.domain.catalog import Location
from services.inventory.domain.errors import (
    DuplicateDocument,
    NotOnOrder,
    OrderNotApproved,
    OverIssue,
    OverReceipt,
    WrongLocation,
    WrongOrderKind,
)
from services.inventory.domain.stock import ZERO, stock_id
from shared.contracts import (
    GoodsIssued,
    GoodsReceived,
    LineProgress,
    OrderKind,
    OrderLine,
    ReleaseReason,
    ReservationConfirmed,
    ReservationReleased,
    ReservedLine,
    StockLine,
    StockReserved,
    StockStatus,
    utcnow,
)
from shared.domain import Aggregate

KIND_NAME = {OrderKind.PURCHASE: "Purchase order", OrderKind.SALES: "Sales order"}


class OrderState(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class TrackedLine(BaseModel):
    """One item of the order (order lines for the same sku are summed)."""

    sku: str
    ordered: Decimal
    fulfilled: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return max(self.ordered - self.fulfilled, ZERO)


class ClaimState(StrEnum):
    PENDING = "pending"
    FAILING = "failing"


class Claim(BaseModel):
    """A receipt or issue being carried out (steps 1-3 above)."""

    document_id: str
    kind: OrderKind
    message_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    state: ClaimState = ClaimState.PENDING
    taken: list[str] = Field(default_factory=list, description="skus moved before it failed")
    failure: str | None = None
    claimed_at: datetime = Field(default_factory=utcnow)

    def movement_key(self, order_id: str, sku: str, *, reversal: bool = False) -> str:
        step = (
            "reversal" if reversal else ("receipt" if self.kind is OrderKind.PURCHASE else "issue")
        )
        return f"{step}:{order_id}:{self.document_id}:{sku}"


class Delivery(BaseModel):
    """A completed receipt (PO) or issue (SO)."""

    document_id: str
    message_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    at: datetime


class ReservationState(StrEnum):
    SOFT = "soft"
    FIRM = "firm"
    RELEASED = "released"
    EXPIRED = "expired"


ACTIVE = frozenset({ReservationState.SOFT, ReservationState.FIRM})


class Reservation(BaseModel):
    """What a sales order should hold, and what it was last found to hold."""

    attempt: int
    location_id: str | None
    state: ReservationState
    expires_at: datetime | None = None
    lines: list[ReservedLine] = Field(default_factory=list)
    reason: ReleaseReason | None = None


class ReservationPlan(BaseModel):
    """Hold ``needs`` (per sku) at ``location_id`` for the order, as the order stood at ``seq``."""

    seq: int
    attempt: int
    location_id: str | None
    needs: dict[str, Decimal]


class ReservationChanged(Exception):
    """The order's reservation changed since the plan was made; the newer change decides."""


class TrackedOrder(Aggregate):
    kind: OrderKind
    party_id: str
    branch_id: str | None = None
    attempt: int = 0
    state: OrderState | None = None
    lines: list[TrackedLine] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    deliveries: list[Delivery] = Field(default_factory=list)
    reservation: Reservation | None = None
    seq: int = Field(default=0, description="bumped whenever what should be reserved changes")
    touched: list[str] = Field(default_factory=list, description="stock ids it may hold")
    dirty_since: datetime | None = Field(
        default=None, description="set while the stock may not yet match the reservation"
    )
    updated_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def new(cls, *, order_id: str, kind: OrderKind, party_id: str) -> TrackedOrder:
        return cls(id=order_id, kind=kind, party_id=party_id)

    @property
    def name(self) -> str:
        return f"{KIND_NAME[self.kind]} {self.id}"

    def line(self, sku: str) -> TrackedLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    # --- what the order service tells us ------------------------------------------------------

    def submitted(
        self,
        *,
        attempt: int,
        branch_id: str,
        lines: list[OrderLine],
        sales_location: str | None,
        expires_at: datetime,
    ) -> None:
        if not self._is_news(attempt, OrderState.SUBMITTED):
            return
        self._learn(attempt, OrderState.SUBMITTED, branch_id, lines)
        if self.kind is OrderKind.SALES:
            self._plan(ReservationState.SOFT, sales_location, expires_at=expires_at)

    def approved(
        self, *, attempt: int, branch_id: str, lines: list[OrderLine], sales_location: str | None
    ) -> None:
        if not self._is_news(attempt, OrderState.APPROVED):
            return
        self._learn(attempt, OrderState.APPROVED, branch_id, lines)
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
        if self.state is OrderState.CANCELLED:
            return
        self.state = OrderState.CANCELLED
        self._release(ReleaseReason.CANCELLED)

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
        if self.state is OrderState.CANCELLED or attempt < self.attempt:
            return False
        if attempt > self.attempt or self.state is None:
            return True
        # Same attempt: submitted comes first, then one decision.
        return self.state is OrderState.SUBMITTED and state is not OrderState.SUBMITTED

    def _learn(
        self, attempt: int, state: OrderState, branch_id: str, lines: list[OrderLine]
    ) -> None:
        if attempt > self.attempt or not self.lines:
            # An order is edited only before approval, so nothing was received or issued yet.
            totals: dict[str, Decimal] = {}
            for line in lines:
                totals[line.sku] = totals.get(line.sku, ZERO) + line.quantity
            self.lines = [TrackedLine(sku=sku, ordered=qty) for sku, qty in totals.items()]
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

    def _changed(self) -> None:
        self.seq += 1
        self.dirty_since = self.dirty_since or utcnow()
        self.updated_at = utcnow()

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
        targets = dict.fromkeys(self.touched, ZERO)
        if plan is not None and plan.location_id is not None:
            for sku, need in plan.needs.items():
                targets[stock_id(sku, plan.location_id)] = need
        return targets

    def record_reservation(self, plan: ReservationPlan, held: dict[str, Decimal]) -> None:
        """Note what the stock holds for the plan and tell the order service."""
        reservation = self.reservation
        if plan.seq != self.seq or reservation is None:
            raise ReservationChanged(f"{self.id}: planned at {plan.seq}, now {self.seq}")
        reservation.lines = [
            ReservedLine(sku=sku, needed=need, reserved=held.get(sku, ZERO))
            for sku, need in plan.needs.items()
        ]
        self.dirty_since = None
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

    def mark_synced(self, seq: int) -> None:
        """The stock matches the reservation as it stood at ``seq``."""
        if seq == self.seq:
            self.dirty_since = None

    # --- receipts and issues ------------------------------------------------------------------

    def claim_for(self, document_id: str) -> Claim | None:
        return next((c for c in self.claims if c.document_id == document_id), None)

    def delivered(self, document_id: str) -> Delivery | None:
        return next((d for d in self.deliveries if d.document_id == document_id), None)

    def claim_receipt(
        self,
        *,
        receipt_id: str,
        message_id: str,
        location: Location,
        lines: list[StockLine],
        by: str,
        tolerance_percent: Decimal,
    ) -> None:
        self._check_claimable(OrderKind.PURCHASE, receipt_id, message_id, "received")
        self._check_branch(location)
        factor = 1 + tolerance_percent / 100
        for sku, quantity in _totals(lines).items():
            line = self._ordered_line(sku)
            after = line.fulfilled + self._pending(sku) + quantity
            if after > (limit := line.ordered * factor):
                raise OverReceipt(
                    f"Receiving {quantity} of {sku} would make {after} received against "
                    f"{line.ordered} ordered on {self.name}; the {tolerance_percent}% tolerance "
                    f"allows at most {limit}."
                )
        self._claim(
            kind=OrderKind.PURCHASE,
            document_id=receipt_id,
            message_id=message_id,
            location=location,
            lines=lines,
            by=by,
        )

    def claim_issue(
        self,
        *,
        issue_id: str,
        message_id: str,
        location: Location,
        lines: list[StockLine],
        by: str,
    ) -> None:
        self._check_claimable(OrderKind.SALES, issue_id, message_id, "issued")
        reserved_at = self.reservation.location_id if self.reservation else None
        if reserved_at is not None and location.id != reserved_at:
            raise WrongLocation(
                f"{self.name} is issued from {reserved_at}, where its stock is reserved, not "
                f"from {location.id}."
            )
        self._check_branch(location)
        for sku, quantity in _totals(lines).items():
            line = self._ordered_line(sku)
            pending = self._pending(sku)
            if line.fulfilled + pending + quantity > line.ordered:
                raise OverIssue(
                    f"Issuing {quantity} of {sku} would exceed the {line.ordered} ordered on "
                    f"{self.name} ({line.fulfilled} issued, {pending} being issued)."
                )
        self._claim(
            kind=OrderKind.SALES,
            document_id=issue_id,
            message_id=message_id,
            location=location,
            lines=lines,
            by=by,
        )

    def _check_claimable(
        self, kind: OrderKind, document_id: str, message_id: str, verb: str
    ) -> None:
        if self.kind is not kind:
            raise WrongOrderKind(
                f"{self.name} cannot be {verb}: only a {KIND_NAME[kind].lower()} can."
            )
        if (claim := self.claim_for(document_id)) and claim.message_id != message_id:
            raise DuplicateDocument(f"{document_id} is already being {verb} against {self.name}.")
        if self.delivered(document_id):
            raise DuplicateDocument(
                f"{document_id} was already {verb} against {self.name}; nothing changed."
            )
        if self.state is not OrderState.APPROVED:
            state = self.state.value if self.state else "unknown"
            raise OrderNotApproved(
                f"{self.name} is {state}: goods can be {verb} only against an approved order."
            )

    def _check_branch(self, location: Location) -> None:
        if location.branch_id != self.branch_id:
            raise WrongLocation(
                f"{location.id} belongs to branch {location.branch_id}, but {self.name} is for "
                f"branch {self.branch_id}."
            )

    def _ordered_line(self, sku: str) -> TrackedLine:
        if (line := self.line(sku)) is None:
            raise NotOnOrder(f"{sku} is not on {self.name}.")
        return line

    def _pending(self, sku: str) -> Decimal:
        return sum((ln.quantity for c in self.claims for ln in c.lines if ln.sku == sku), ZERO)

    def _claim(
        self,
        *,
        kind: OrderKind,
        document_id: str,
        message_id: str,
        location: Location,
        lines: list[StockLine],
        by: str,
    ) -> None:
        if self.claim_for(document_id):
            return  # the same message again: its claim stands
        merged = [StockLine(sku=sku, quantity=q) for sku, q in sorted(_totals(lines).items())]
        self.claims.append(
            Claim(
                document_id=document_id,
                kind=kind,
                message_id=message_id,
                location_id=location.id,
                lines=merged,
                by=by,
            )
        )
        self.updated_at = utcnow()

    def fail_claim(self, document_id: str, *, taken: list[str], failure: str) -> None:
        if (claim := self.claim_for(document_id)) and claim.state is ClaimState.PENDING:
            claim.state, claim.taken, claim.failure = ClaimState.FAILING, taken, failure

    def drop_claim(self, document_id: str) -> None:
        self.claims = [c for c in self.claims if c.document_id != document_id]

    def complete(self, document_id: str) -> None:
        """Count a receipt or issue whose stock moved, and announce it."""
        claim = self.claim_for(document_id)
        if claim is None or claim.state is not ClaimState.PENDING:
            return
        self.drop_claim(document_id)
        now = utcnow()
        self.deliveries.append(
            Delivery(
                document_id=document_id,
                message_id=claim.message_id,
                location_id=claim.location_id,
                lines=claim.lines,
                by=claim.by,
                at=now,
            )
        )
        for moved in claim.lines:
            self._ordered_line(moved.sku).fulfilled += moved.quantity
        self.updated_at = now
        if claim.kind is OrderKind.PURCHASE:
            self.record(
                GoodsReceived(
                    **self._delivery_facts(claim),
                    receipt_id=document_id,
                    received_by=claim.by,
                    fully_received=self.fully_fulfilled,
                )
            )
        else:
            self._changed()  # the reservation now covers less
            self.record(
                GoodsIssued(
                    **self._delivery_facts(claim),
                    issue_id=document_id,
                    issued_by=claim.by,
                    backorder=[
                        StockLine(sku=line.sku, quantity=line.outstanding)
                        for line in self.lines
                        if line.outstanding > 0
                    ],
                    completed=self.fully_fulfilled,
                )
            )

    @property
    def fully_fulfilled(self) -> bool:
        return all(line.outstanding == 0 for line in self.lines)

    def _delivery_facts(self, claim: Claim) -> dict[str, object]:
        return {
            "order_id": self.id,
            "location_id": claim.location_id,
            "branch_id": self.branch_id,
            "lines": claim.lines,
            "order_lines": [
                LineProgress(sku=line.sku, ordered=line.ordered, fulfilled=line.fulfilled)
                for line in self.lines
            ],
        }


def _totals(lines: list[StockLine]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, ZERO) + line.quantity
    return totals
