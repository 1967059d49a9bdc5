"""The work order aggregate: an item to produce or a job to do, and its bill of materials.

created -> released (inventory reserves and issues the components) -> in_progress (issued) ->
partially_completed ... -> completed. A completion with good units of an item moves the status
only when inventory answers: received (``inventory.production_received``), or refused
(``inventory.production_refused``: the completion is taken back and may be reported again);
until then it is counted, and waits for its receipt (``awaiting_receipt``). Released while a
component is short, it waits as ``short`` (what is available stays reserved) until it is
released again. It may be cancelled until it is completed; components already issued stay
consumed. Every status change and every fact inventory reports is kept in ``history``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from services.order.work_orders.domain.errors import (
    CompletionExceedsQuantity,
    ComponentsNotIssued,
    DuplicateCompletion,
    EmptyCompletion,
    InvalidWorkOrder,
    WorkOrderClosed,
    WorkOrderNotReleasable,
    WorkOrderNotReleased,
)
from services.order.work_orders.domain.parts import (
    CLOSED,
    IN_PRODUCTION,
    RELEASABLE,
    WAITING_FOR_STOCK,
    ZERO,
    Completion,
    Receipt,
    Shortage,
    WorkOrderHistory,
    WorkOrderStatus,
    bill_of_materials,
    describe,
)
from shared.contracts import (
    ComponentLine,
    ReservedLine,
    StockLine,
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderKind,
    WorkOrderPartiallyCompleted,
    WorkOrderReleased,
    utcnow,
)
from shared.domain import Aggregate

__all__ = ["WorkOrder", "WorkOrderStatus", "bill_of_materials", "describe"]


class WorkOrder(Aggregate):
    kind: WorkOrderKind
    branch_id: str
    item_sku: str | None = None
    description: str | None = None
    quantity: Decimal
    components: list[StockLine] = Field(default_factory=list)
    created_by: str
    due_date: date | None = None
    status: WorkOrderStatus = WorkOrderStatus.CREATED
    attempt: int = 0
    location_id: str | None = None
    issued: list[StockLine] = Field(default_factory=list)
    shortage: Shortage | None = None
    completions: list[Completion] = Field(default_factory=list)
    completed: Decimal = ZERO
    scrapped: Decimal = ZERO
    receipts: list[Receipt] = Field(default_factory=list)
    released_components: list[StockLine] = Field(default_factory=list)
    history: list[WorkOrderHistory] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.completed - self.scrapped

    @property
    def received(self) -> Decimal:
        return sum((receipt.quantity for receipt in self.receipts), ZERO)

    @classmethod
    def create(
        cls,
        *,
        work_order_id: str,
        kind: WorkOrderKind,
        branch_id: str,
        item_sku: str | None,
        description: str | None,
        quantity: Decimal,
        components: list[ComponentLine],
        created_by: str,
        due_date: date | None = None,
    ) -> WorkOrder:
        _check_definition(work_order_id, kind, item_sku, description, components)
        order = cls(
            id=work_order_id,
            kind=kind,
            branch_id=branch_id,
            item_sku=item_sku,
            description=description,
            quantity=quantity,
            components=bill_of_materials(quantity, components),
            created_by=created_by,
            due_date=due_date,
        )
        order._transition(WorkOrderStatus.CREATED, by=created_by)
        order.record(WorkOrderCreated(**order._facts()))
        return order

    def release(self, *, by: str) -> None:
        if self.status not in RELEASABLE:
            raise WorkOrderNotReleasable(
                f"Work order {self.id} is {self.status.value}: only a created work order, or one "
                "short of components, can be released."
            )
        self.attempt += 1
        self._transition(WorkOrderStatus.RELEASED, by=by)
        self.record(WorkOrderReleased(**self._facts(), attempt=self.attempt, released_by=by))

    def complete(self, *, completion_id: str, quantity: Decimal, scrap: Decimal, by: str) -> None:
        self._check_completable(completion_id)
        if quantity + scrap <= 0:
            raise EmptyCompletion(f"A completion of work order {self.id} reports nothing.")
        if quantity + scrap > self.remaining:
            raise CompletionExceedsQuantity(
                f"Work order {self.id} has {self.remaining} of {self.quantity} left to do; "
                f"{quantity} finished and {scrap} scrapped is more than that."
            )
        # Good units of an item wait for inventory; a job or scrap has nothing to receive.
        waits = self.item_sku is not None and quantity > 0
        self.completions.append(
            Completion(
                completion_id=completion_id,
                quantity=quantity,
                scrap=scrap,
                by=by,
                at=utcnow(),
                awaiting_receipt=waits,
            )
        )
        self.completed += quantity
        self.scrapped += scrap
        done = self.remaining == 0
        note = f"{completion_id}: {quantity} finished, {scrap} scrapped"
        if waits:
            self._note(f"{note}; waiting for inventory to receive them", by=by)
        else:
            self._settle(by=by, note=note)
        event = WorkOrderCompleted if done else WorkOrderPartiallyCompleted
        self.record(
            event(
                work_order_id=self.id,
                kind=self.kind,
                branch_id=self.branch_id,
                item_sku=self.item_sku,
                completion_id=completion_id,
                quantity=quantity,
                scrap=scrap,
                completed_total=self.completed,
                scrapped_total=self.scrapped,
                remaining=self.remaining,
                completed_by=by,
            )
        )

    def _check_completable(self, completion_id: str) -> None:
        if any(c.completion_id == completion_id for c in self.completions):
            raise DuplicateCompletion(
                f"Completion {completion_id} of work order {self.id} was reported already."
            )
        if self.status in CLOSED:
            raise WorkOrderClosed(f"Work order {self.id} is {self.status.value}.")
        if self.status is WorkOrderStatus.CREATED:
            raise WorkOrderNotReleased(
                f"Work order {self.id} is not released yet: release it first."
            )
        if self.status not in IN_PRODUCTION:
            raise ComponentsNotIssued(
                f"Work order {self.id} is {self.status.value}: its components are not issued "
                "yet, so nothing can be completed."
            )

    def cancel(self, *, by: str, reason: str | None) -> None:
        if self.status in CLOSED:
            raise WorkOrderClosed(
                f"Work order {self.id} is {self.status.value} and cannot be cancelled."
            )
        self._transition(WorkOrderStatus.CANCELLED, by=by, note=reason)
        self.record(
            WorkOrderCancelled(
                work_order_id=self.id,
                kind=self.kind,
                branch_id=self.branch_id,
                cancelled_by=by,
                reason=reason,
            )
        )

    # --- what inventory reports ---------------------------------------------------------------

    def components_issued(self, *, attempt: int, location_id: str, lines: list[StockLine]) -> None:
        """The components left stock; a cancellation that crossed the issue keeps them consumed."""
        if attempt != self.attempt or self.issued:
            return
        self.issued, self.location_id, self.shortage = lines, location_id, None
        note = f"components issued at {location_id}: {describe(lines)}"
        if self.status in WAITING_FOR_STOCK:
            self._transition(WorkOrderStatus.IN_PROGRESS, note=note)
        else:
            self._note(note)

    def components_short(
        self,
        *,
        attempt: int,
        location_id: str | None,
        lines: list[ReservedLine],
        unknown_skus: list[str],
    ) -> None:
        if attempt != self.attempt or self.status is not WorkOrderStatus.RELEASED:
            return
        self.location_id = location_id
        self.shortage = Shortage(
            attempt=attempt, location_id=location_id, lines=lines, unknown_skus=unknown_skus
        )
        short = [f"{line.sku} short by {line.short}" for line in lines if line.short > 0]
        short += [f"{sku} unknown" for sku in unknown_skus]
        self._transition(WorkOrderStatus.SHORT, note="components short: " + ", ".join(short))

    def production_received(
        self, *, completion_id: str, location_id: str, quantity: Decimal
    ) -> None:
        """Inventory received a completion's good units: the status follows."""
        if any(receipt.completion_id == completion_id for receipt in self.receipts):
            return
        self.receipts.append(
            Receipt(
                completion_id=completion_id, location_id=location_id, quantity=quantity, at=utcnow()
            )
        )
        note = f"{quantity} {self.item_sku} received at {location_id} ({completion_id})"
        if (completion := self._completion(completion_id)) is not None:
            completion.awaiting_receipt = False
        self._settle(note=note)

    def production_refused(self, *, completion_id: str, reason: str, detail: str) -> None:
        """Inventory could not receive a completion's good units: the completion is taken back
        (report it again, with a new completion id, once the cause is fixed)."""
        completion = self._completion(completion_id)
        if completion is None or not completion.awaiting_receipt:
            return
        completion.awaiting_receipt, completion.refused = False, reason
        self.completed -= completion.quantity
        self.scrapped -= completion.scrap
        self._settle(note=f"{completion_id} taken back, inventory refused it ({reason}): {detail}")

    def _completion(self, completion_id: str) -> Completion | None:
        return next((c for c in self.completions if c.completion_id == completion_id), None)

    def _settle(self, *, by: str | None = None, note: str) -> None:
        """The status the completions inventory answered for give (only while in production):
        completed once nothing is left to do and nothing awaits its receipt."""
        if self.status not in IN_PRODUCTION:
            self._note(note, by=by)
            return
        status = WorkOrderStatus.IN_PROGRESS
        if any(c.settled for c in self.completions):
            waiting = any(c.awaiting_receipt for c in self.completions)
            done = self.remaining == 0 and not waiting
            status = WorkOrderStatus.COMPLETED if done else WorkOrderStatus.PARTIALLY_COMPLETED
        self._transition(status, by=by, note=note)  # the same status: a note in the history

    def components_released(self, *, released: list[StockLine]) -> None:
        self.released_components = released
        self._note(f"reservation released: {describe(released)}")

    # --- bookkeeping ----------------------------------------------------------------------------

    def _note(self, note: str, *, by: str | None = None) -> None:
        self.updated_at = utcnow()
        self.history.append(
            WorkOrderHistory(
                status=self.status, at=self.updated_at, by=by, attempt=self.attempt, note=note
            )
        )

    def _transition(
        self, status: WorkOrderStatus, *, by: str | None = None, note: str | None = None
    ) -> None:
        self.status = status
        self.updated_at = utcnow()
        self.history.append(
            WorkOrderHistory(
                status=status, at=self.updated_at, by=by, attempt=self.attempt, note=note
            )
        )

    def _facts(self) -> dict[str, object]:
        return {
            "work_order_id": self.id,
            "kind": self.kind,
            "branch_id": self.branch_id,
            "item_sku": self.item_sku,
            "description": self.description,
            "quantity": self.quantity,
            "components": self.components,
            "created_by": self.created_by,
            "due_date": self.due_date,
        }


def _check_definition(
    work_order_id: str,
    kind: WorkOrderKind,
    item_sku: str | None,
    description: str | None,
    components: list[ComponentLine],
) -> None:
    if kind is WorkOrderKind.PRODUCTION and item_sku is None:
        raise InvalidWorkOrder(
            f"Production work order {work_order_id} must name the item it produces (item_sku)."
        )
    if kind is WorkOrderKind.SERVICE and (item_sku is not None or not (description or "").strip()):
        raise InvalidWorkOrder(
            f"Service work order {work_order_id} must describe the job (description) and "
            "produces no item (no item_sku)."
        )
    if item_sku is not None and any(line.sku == item_sku for line in components):
        raise InvalidWorkOrder(
            f"Work order {work_order_id} cannot consume the item it produces ({item_sku})."
        )
