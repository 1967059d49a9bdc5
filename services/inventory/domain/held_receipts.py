"""Receipts beyond a purchase order's tolerance, held until the approval service decides.

A receipt that would take any item beyond its ordered quantity plus the tolerance is not
refused: it is *held* on the order (stored, nothing moved into stock) and announced
(``ReceiptHeld``). Approved, it becomes an ordinary claim (received in the usual steps, at the
order's prices, whatever the tolerance says then: the approver saw the excess); rejected, or
the order cancelled or closed meanwhile, it is *refused* (``ReceiptRefused``). Held receipts
are not counted against later receipts: they may never arrive in stock.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from services.inventory.domain.catalog import Location
from services.inventory.domain.errors import DuplicateDocument
from services.inventory.domain.order_parts import OrderState, totals
from services.inventory.domain.order_record import OrderRecord
from services.inventory.domain.stock import ZERO
from shared.contracts import OrderKind, StockLine, utcnow
from shared.contracts.receipts import HeldLine, ReceiptHeld, ReceiptRefused


class HeldState(StrEnum):
    HELD = "held"
    APPROVED = "approved"
    """Released to an ordinary claim: received, or being received."""
    REFUSED = "refused"


class HeldReceipt(BaseModel):
    """One receipt waiting for (or given) the approval service's decision."""

    receipt_id: str
    message_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    tolerance_percent: Decimal
    facts: list[HeldLine]
    state: HeldState = HeldState.HELD
    held_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    detail: str | None = None
    notes: str | None = None


class OrderWithHeldReceipts(OrderRecord):
    held: list[HeldReceipt] = Field(default_factory=list)

    def held_receipt(self, receipt_id: str) -> HeldReceipt | None:
        return next((h for h in self.held if h.receipt_id == receipt_id), None)

    def receipt_lines(self, lines: list[StockLine], tolerance_percent: Decimal) -> list[HeldLine]:
        """Each item of a receipt against the order: ordered, received (with receipts in
        flight), offered, allowed by the tolerance, and the excess beyond it."""
        facts = []
        for sku, offered in totals(lines).items():
            line = self._ordered_line(sku)
            received = line.fulfilled + self._pending(sku)
            allowed = self.receipt_limit(line, tolerance_percent)
            facts.append(
                HeldLine(
                    sku=sku,
                    ordered=line.ordered,
                    received=received,
                    offered=offered,
                    allowed=allowed,
                    excess=max(received + offered - allowed, ZERO),
                )
            )
        return facts

    def receive_or_hold(
        self,
        *,
        receipt_id: str,
        message_id: str,
        location: Location,
        lines: list[StockLine],
        by: str,
        tolerance_percent: Decimal,
    ) -> None:
        """Claim the receipt as usual, or, when an item would go beyond the tolerance, hold
        it for approval (every other rule of a receipt still refuses first)."""
        if (held := self.held_receipt(receipt_id)) is not None and held.message_id != message_id:
            raise DuplicateDocument(
                f"{receipt_id} is already {held.state.value} for approval against {self.name}."
            )
        if held is not None:
            return  # the same message again: it is held already
        self._check_claimable(OrderKind.PURCHASE, receipt_id, message_id, "received")
        self._check_branch(location)
        facts = self.receipt_lines(lines, tolerance_percent)
        if not any(line.excess > 0 for line in facts):
            self._claim_receipt(receipt_id, message_id, location, lines, by)
            return
        merged = [StockLine(sku=line.sku, quantity=line.offered) for line in facts]
        self.held.append(
            HeldReceipt(
                receipt_id=receipt_id,
                message_id=message_id,
                location_id=location.id,
                lines=merged,
                by=by,
                tolerance_percent=tolerance_percent,
                facts=facts,
            )
        )
        self.updated_at = utcnow()
        assert self.branch_id is not None  # checked against the location above
        self.record(
            ReceiptHeld(
                order_id=self.id,
                party_id=self.party_id,
                attempt=max(self.attempt, 1),
                receipt_id=receipt_id,
                location_id=location.id,
                branch_id=self.branch_id,
                received_by=by,
                tolerance_percent=tolerance_percent,
                lines=facts,
            )
        )

    def approve_held(self, receipt_id: str, *, location: Location, decided_by: str) -> None:
        """The approver let the held receipt in: it is claimed as an ordinary receipt."""
        held = self.held_receipt(receipt_id)
        if held is None or held.state is not HeldState.HELD:
            return  # decided already (refused when the order closed): nothing to do
        if self.state is not OrderState.APPROVED:
            self._refuse(held, "order_closed", self._closed_detail(held))
            return
        held.state, held.decided_at, held.decided_by = HeldState.APPROVED, utcnow(), decided_by
        self._claim_receipt(receipt_id, held.message_id, location, held.lines, held.by)

    def refuse_held(
        self,
        receipt_id: str,
        *,
        reason: str,
        detail: str,
        decided_by: str | None = None,
        notes: str | None = None,
    ) -> None:
        """The held receipt will not be received: rejected, or nobody may approve it."""
        if (held := self.held_receipt(receipt_id)) is not None and held.state is HeldState.HELD:
            self._refuse(held, reason, detail, decided_by=decided_by, notes=notes)

    def refuse_all_held(self) -> None:
        """The order was cancelled or closed: nothing held will be received against it."""
        for held in self.held:
            if held.state is HeldState.HELD:
                self._refuse(held, "order_closed", self._closed_detail(held))

    def _closed_detail(self, held: HeldReceipt) -> str:
        state = self.state.value if self.state else "unknown"
        return f"{self.name} is {state}: the held receipt {held.receipt_id} is not received."

    def _refuse(
        self,
        held: HeldReceipt,
        reason: str,
        detail: str,
        *,
        decided_by: str | None = None,
        notes: str | None = None,
    ) -> None:
        held.state, held.decided_at, held.decided_by = HeldState.REFUSED, utcnow(), decided_by
        held.reason, held.detail, held.notes = reason, detail, notes
        self.updated_at = utcnow()
        self.record(
            ReceiptRefused(
                order_id=self.id,
                receipt_id=held.receipt_id,
                location_id=held.location_id,
                branch_id=self.branch_id,
                received_by=held.by,
                lines=held.facts,
                reason=reason,
                detail=detail,
                decided_by=decided_by,
                notes=notes,
            )
        )
