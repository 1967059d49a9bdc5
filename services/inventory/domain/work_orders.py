"""Work orders as inventory knows them: which components to reserve and issue, and where.

A release is carried out in steps that can each be repeated (each stock move is keyed):

1. *released*: the record learns the release (attempt, location, what is needed) -> reserving;
2. each component is reserved at the location, as far as stock allows;
3. *reserved*: all of it held -> issuing; otherwise -> short (``ComponentsShort``), and what
   is held stays held until the work order is released again or cancelled;
4. each component is issued from the reservation (it cannot fail: the stock is held);
5. *issued*: ``ComponentsIssued``.

A completion receives the good units of the finished item (``ProductionReceived``), once per
completion; one that cannot be received (unknown item, no location, a quantity finer than the
item is counted in) is answered ``ProductionRefused``, so that the work order takes it back.
A cancellation releases what is held (``ComponentsReleased``); components issued, or being
issued, stay consumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from services.inventory.domain.costing import MovedCost, line_costs
from services.inventory.domain.holds import reservation_targets
from services.inventory.domain.stock import ZERO, stock_id
from shared.contracts import (
    ComponentsIssued,
    ComponentsReleased,
    ComponentsShort,
    ProductionReceived,
    ProductionRefused,
    ReservedLine,
    StockLine,
    WorkOrderKind,
    utcnow,
)
from shared.domain import Aggregate


class Phase(StrEnum):
    RESERVING = "reserving"
    SHORT = "short"
    ISSUING = "issuing"
    ISSUED = "issued"


HOLDING = frozenset({Phase.RESERVING, Phase.SHORT})
"""Phases in which the work order holds stock it has not issued."""


class ProductionReceipt(BaseModel):
    completion_id: str
    location_id: str
    sku: str
    quantity: Decimal
    at: datetime


class RefusedReceipt(BaseModel):
    completion_id: str
    reason: str
    at: datetime


class WorkOrderRecord(Aggregate):
    kind: WorkOrderKind
    branch_id: str
    item_sku: str | None = None
    attempt: int = 0
    phase: Phase | None = None
    location_id: str | None = None
    needs: dict[str, Decimal] = Field(default_factory=dict)
    unknown_skus: list[str] = Field(default_factory=list)
    touched: list[str] = Field(default_factory=list, description="stock ids it may hold")
    cancelled: bool = False
    receipts: list[ProductionReceipt] = Field(default_factory=list)
    refused_receipts: list[RefusedReceipt] = Field(default_factory=list)
    updated_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def new(cls, *, work_order_id: str, kind: WorkOrderKind, branch_id: str) -> WorkOrderRecord:
        return cls(id=work_order_id, kind=kind, branch_id=branch_id)

    @property
    def received(self) -> Decimal:
        return sum((receipt.quantity for receipt in self.receipts), ZERO)

    def receipt(self, completion_id: str) -> ProductionReceipt | None:
        return next((r for r in self.receipts if r.completion_id == completion_id), None)

    def answered(self, completion_id: str) -> bool:
        """Whether the completion was received or refused already."""
        refused = any(r.completion_id == completion_id for r in self.refused_receipts)
        return refused or self.receipt(completion_id) is not None

    # --- release ------------------------------------------------------------------------------

    def released(
        self,
        *,
        attempt: int,
        item_sku: str | None,
        components: list[StockLine],
        location_id: str | None,
        unknown_skus: list[str],
    ) -> None:
        """A (new) release: reserve again, where earlier attempts already hold stock."""
        if self.cancelled or attempt <= self.attempt or self.phase in {Phase.ISSUING, Phase.ISSUED}:
            return
        self.attempt, self.item_sku, self.phase = attempt, item_sku, Phase.RESERVING
        self.location_id = self.location_id or location_id
        self.needs = {}
        for line in components:
            self.needs[line.sku] = self.needs.get(line.sku, ZERO) + line.quantity
        self.unknown_skus = unknown_skus
        if self.location_id is not None:
            for sku in self.needs:
                if (held := stock_id(sku, self.location_id)) not in self.touched:
                    self.touched.append(held)
        self.updated_at = utcnow()

    def reserving(self, attempt: int) -> bool:
        """Whether stock should be reserved for ``attempt`` now."""
        return not self.cancelled and self.phase is Phase.RESERVING and attempt == self.attempt

    def reserved(self, *, attempt: int, held: dict[str, Decimal]) -> None:
        """What the stock holds for the release: enough of everything, or a shortage."""
        if not self.reserving(attempt):
            return
        lines = [
            ReservedLine(sku=sku, needed=need, reserved=held.get(sku, ZERO))
            for sku, need in self.needs.items()
        ]
        short = any(line.short > 0 for line in lines)
        if not short and not self.unknown_skus and self.location_id is not None:
            self.phase = Phase.ISSUING
            return
        self.phase = Phase.SHORT
        self.record(
            ComponentsShort(
                work_order_id=self.id,
                attempt=attempt,
                location_id=self.location_id,
                branch_id=self.branch_id,
                lines=lines,
                unknown_skus=self.unknown_skus,
            )
        )

    def issued(self, *, attempt: int, moved: Mapping[str, MovedCost | None] | None = None) -> None:
        """All components were issued (at the costs ``moved``, per sku)."""
        if self.phase is not Phase.ISSUING or attempt != self.attempt or self.location_id is None:
            return
        self.phase = Phase.ISSUED
        self.updated_at = utcnow()
        costs, currency, _ = line_costs({sku: (moved or {}).get(sku) for sku in self.needs})
        self.record(
            ComponentsIssued(
                work_order_id=self.id,
                attempt=attempt,
                location_id=self.location_id,
                branch_id=self.branch_id,
                lines=self.issue_lines(),
                costs=costs,
                cost_currency=currency,
            )
        )

    def issue_lines(self) -> list[StockLine]:
        return [StockLine(sku=sku, quantity=need) for sku, need in self.needs.items()]

    def issue_id(self) -> str:
        return f"{self.id}#{self.attempt}"

    def reservation_targets(self) -> dict[str, Decimal]:
        """At most how much the work order may hold per stock id (zero where none)."""
        keeps = self.phase is Phase.ISSUING or (self.phase in HOLDING and not self.cancelled)
        return reservation_targets(self.touched, self.location_id if keeps else None, self.needs)

    # --- cancellation and completion ----------------------------------------------------------

    def cancel(self, *, held: dict[str, Decimal]) -> None:
        """Let go of what is held (``held``: per sku, as the stock holds it now); components
        issued, or already being issued, stay consumed."""
        if self.cancelled:
            return
        self.cancelled = True
        self.updated_at = utcnow()
        if self.phase is None:
            return  # never released here: nothing to tell
        consumed = self.issue_lines() if self.phase in {Phase.ISSUING, Phase.ISSUED} else []
        released = [] if consumed else [StockLine(sku=s, quantity=q) for s, q in held.items() if q]
        self.record(
            ComponentsReleased(
                work_order_id=self.id,
                location_id=self.location_id,
                released=released,
                consumed=consumed,
            )
        )

    def receive(self, *, completion_id: str, sku: str, quantity: Decimal, location_id: str) -> None:
        """Good units of a completion came into stock (counted once per completion; never
        after it was refused: the work order took it back)."""
        if self.answered(completion_id):
            return
        self.receipts.append(
            ProductionReceipt(
                completion_id=completion_id,
                location_id=location_id,
                sku=sku,
                quantity=quantity,
                at=utcnow(),
            )
        )
        self.updated_at = utcnow()
        self.record(
            ProductionReceived(
                work_order_id=self.id,
                completion_id=completion_id,
                location_id=location_id,
                branch_id=self.branch_id,
                sku=sku,
                quantity=quantity,
                received_total=self.received,
            )
        )

    def refuse_receipt(
        self, *, completion_id: str, sku: str, quantity: Decimal, reason: str, detail: str
    ) -> None:
        """The good units of a completion cannot come into stock: the work order is told."""
        if self.answered(completion_id):
            return
        self.updated_at = utcnow()
        self.refused_receipts.append(
            RefusedReceipt(completion_id=completion_id, reason=reason, at=self.updated_at)
        )
        self.record(
            ProductionRefused(
                work_order_id=self.id,
                completion_id=completion_id,
                branch_id=self.branch_id,
                sku=sku,
                quantity=quantity,
                reason=reason,
                detail=detail,
            )
        )
