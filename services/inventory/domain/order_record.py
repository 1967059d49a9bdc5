"""The part of an order that gates receipts and issues (inventory's own view of the order).

A receipt or issue touches several documents (the order, and the stock of each item), so it is
done in steps that can each be repeated safely:

1. *claim*: the order checks the rules (approved, not more than ordered) and records the
   receipt or issue as pending, so that concurrent requests cannot together exceed the order;
2. the stock of each line is moved (each move is keyed, so a repeat is recognised);
3. *complete*: the order counts the quantities and announces them (``GoodsReceived`` /
   ``GoodsIssued``); or, when an issue line found too little stock, the claim is marked
   *failing*, the lines already taken are put back, and the claim is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from services.inventory.domain.catalog import Location
from services.inventory.domain.costing import MovedCost, line_costs
from services.inventory.domain.errors import (
    DuplicateDocument,
    NotOnOrder,
    OrderClosed,
    OrderNotApproved,
    OverIssue,
    OverReceipt,
    WrongLocation,
    WrongOrderKind,
)
from services.inventory.domain.order_parts import (
    KIND_NAME,
    Claim,
    ClaimState,
    Delivery,
    OrderState,
    Reservation,
    TrackedLine,
    totals,
)
from services.inventory.domain.stock import ZERO
from shared.contracts import (
    GoodsIssued,
    GoodsReceived,
    LineProgress,
    OrderKind,
    StockLine,
    utcnow,
)
from shared.domain import Aggregate


class OrderRecord(Aggregate):
    kind: OrderKind
    party_id: str
    branch_id: str | None = None
    currency: str | None = None
    cost_currency: str | None = Field(
        default=None, description="sales orders: the currency of its issues' costs"
    )
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

    @property
    def name(self) -> str:
        return f"{KIND_NAME[self.kind]} {self.id}"

    def line(self, sku: str) -> TrackedLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    def _changed(self) -> None:
        self.seq += 1
        self.dirty_since = self.dirty_since or utcnow()
        self.updated_at = utcnow()

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
        for sku, quantity in totals(lines).items():
            line = self._ordered_line(sku)
            after = line.fulfilled + self._pending(sku) + quantity
            if after > (limit := self.receipt_limit(line, tolerance_percent)):
                raise OverReceipt(
                    f"Receiving {quantity} of {sku} would make {after} received against "
                    f"{line.ordered} ordered on {self.name}; the {tolerance_percent}% tolerance "
                    f"allows at most {limit}."
                )
        self._claim_receipt(receipt_id, message_id, location, lines, by)

    @staticmethod
    def receipt_limit(line: TrackedLine, tolerance_percent: Decimal) -> Decimal:
        """The most of an item the order may receive: ordered plus the tolerance."""
        return line.ordered * (1 + tolerance_percent / 100)

    def _claim_receipt(
        self, receipt_id: str, message_id: str, location: Location, lines: list[StockLine], by: str
    ) -> None:
        """Claim a receipt whose rules were checked, valued at the order's net unit prices."""
        self._claim(
            kind=OrderKind.PURCHASE,
            document_id=receipt_id,
            message_id=message_id,
            location=location,
            lines=lines,
            by=by,
        )
        if (claim := self.claim_for(receipt_id)) is not None and not claim.unit_costs:
            claim.currency = self.currency
            claim.unit_costs = {
                line.sku: line.unit_cost
                for line in self.lines
                if line.unit_cost is not None and line.sku in totals(lines)
            }

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
        for sku, quantity in totals(lines).items():
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
        if self.state is OrderState.CLOSED:
            raise OrderClosed(
                f"{self.name} was closed short: nothing more can be {verb} against it."
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
        merged = [StockLine(sku=sku, quantity=q) for sku, q in sorted(totals(lines).items())]
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

    def complete(
        self, document_id: str, moved: Mapping[str, MovedCost | None] | None = None
    ) -> None:
        """Count a receipt or issue whose stock moved (at the costs ``moved``, per sku), and
        announce it."""
        claim = self.claim_for(document_id)
        if claim is None or claim.state is not ClaimState.PENDING:
            return
        self.drop_claim(document_id)
        now = utcnow()
        issue = claim.kind is OrderKind.SALES
        costs, currency, left_out = line_costs(
            {line.sku: (moved or {}).get(line.sku) for line in claim.lines},
            currency=self.cost_currency if issue else None,
        )
        self.deliveries.append(
            Delivery(
                document_id=document_id,
                message_id=claim.message_id,
                location_id=claim.location_id,
                lines=claim.lines,
                by=claim.by,
                at=now,
                costs=costs,
                cost_currency=currency,
            )
        )
        for line in claim.lines:
            self._ordered_line(line.sku).fulfilled += line.quantity
        if issue:
            self.cost_currency = self.cost_currency or currency
            for cost in costs:
                tracked = self._ordered_line(cost.sku)
                tracked.issued_value += cost.quantity * cost.unit_cost
                tracked.issued_costed += cost.quantity
        self.updated_at = now
        costed = {"costs": costs, "cost_currency": currency}
        if claim.kind is OrderKind.PURCHASE:
            self.record(
                GoodsReceived(
                    **self._delivery_facts(claim),
                    **costed,
                    receipt_id=document_id,
                    received_by=claim.by,
                    fully_received=self.fully_fulfilled,
                    uncosted=left_out,
                )
            )
        else:
            self._changed()  # the reservation now covers less
            self.record(
                GoodsIssued(
                    **self._delivery_facts(claim),
                    **costed,
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
