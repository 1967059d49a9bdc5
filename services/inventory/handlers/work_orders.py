"""Work-order events: reserve and issue components, receive finished units, release on cancel.

Each step is keyed (``domain.work_orders`` lists them), so a redelivered event, or the same
event handled by two replicas at once, moves stock exactly once. A cancellation that crosses a
release is settled by whoever writes last: the record decides what may be held
(``reservation_targets``) and both handlers trim the stock down to it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import structlog

from services.inventory.domain import Location, Stock
from services.inventory.domain.costing import MovedCost
from services.inventory.domain.errors import NoLocation
from services.inventory.domain.holds import Holder
from services.inventory.domain.stock import ZERO, cost_key, work_order_holder
from services.inventory.domain.work_orders import Phase, WorkOrderRecord
from services.inventory.handlers.holds import trim_holds
from services.inventory.repository import Stores
from shared.contracts import (
    Message,
    MovementKind,
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderPartiallyCompleted,
    WorkOrderReleased,
)
from shared.domain import DomainError
from shared.storage.aggregates import AlreadyExists

log = structlog.get_logger(__name__)

WorkOrderEvent = (
    WorkOrderReleased | WorkOrderCompleted | WorkOrderPartiallyCompleted | WorkOrderCancelled
)


class WorkOrderHandlers:
    def __init__(self, stores: Stores) -> None:
        self.catalog = stores.catalog
        self.stock = stores.stock
        self.records = stores.work_orders

    async def released(self, event: WorkOrderReleased) -> None:
        """Reserve every component at the branch's location; issue them all once all are held."""
        location_id = await self.catalog.sales_location(event.branch_id)
        skus = [line.sku for line in event.components]
        unknown = [
            sku
            for sku in ([event.item_sku, *skus] if event.item_sku else skus)
            if await self.catalog.items.get(sku) is None
        ]
        await self._learn(
            event,
            lambda record: record.released(
                attempt=event.attempt,
                item_sku=event.item_sku,
                components=event.components,
                location_id=location_id,
                unknown_skus=unknown,
            ),
        )
        await self.carry_out(event.work_order_id, event.attempt, event)

    async def carry_out(self, work_order_id: str, attempt: int, cause: Message) -> None:
        """Steps 2-5 of a release, from wherever a previous delivery stopped."""
        record = await self.records.get(work_order_id)
        if record is not None and record.reserving(attempt):
            held = {
                sku: await self._reserve(record, sku, need, cause)
                for sku, need in record.needs.items()
            }
            record = await self._change(
                work_order_id,
                cause,
                lambda r: r.reserved(attempt=attempt, held=held),
                key=f"reserved:{attempt}",
            )
        if record is not None and record.phase is Phase.ISSUING and record.attempt == attempt:
            moved = await self._issue(record, cause)
            await self._change(
                work_order_id,
                cause,
                lambda r: r.issued(attempt=attempt, moved=moved),
                key=f"issued:{attempt}",
            )
            log.info("components_issued", work_order_id=work_order_id, attempt=attempt)
        await self.trim(work_order_id, cause)

    async def _reserve(
        self, record: WorkOrderRecord, sku: str, need: Decimal, cause: Message
    ) -> Decimal:
        if record.location_id is None:
            return ZERO
        stock = await self.stock.get(sku, record.location_id)
        if stock is None:
            return ZERO  # nothing ever moved there (or the item is unknown)
        wanted = stock.reservation_target(
            target=need, order_id=work_order_holder(record.id), may_increase=True
        )
        if wanted == stock.held_for_work_order(record.id):
            return wanted
        moved = await self.stock.change_existing(
            stock.id,
            cause,
            _reserver(record.id, need, may_increase=True),
            key=f"wo-reserve:{record.id}:{record.attempt}:{sku}",
        )
        return moved.held_for_work_order(record.id)

    async def _issue(self, record: WorkOrderRecord, cause: Message) -> dict[str, MovedCost | None]:
        """Issue every component; what each moved at cost, per sku."""
        assert record.location_id is not None
        location = await self.catalog.location(record.location_id)
        issue_id = record.issue_id()
        moved: dict[str, MovedCost | None] = {}
        for line in record.issue_lines():
            stock = await self.stock.change(
                location,
                line.sku,
                cause,
                _issuer(record.id, issue_id, line.quantity),
                key=f"wo-issue:{issue_id}:{line.sku}",
            )
            moved[line.sku] = stock.cost_moved(cost_key(MovementKind.ISSUE, record.id, issue_id))
        return moved

    async def trim(self, work_order_id: str, cause: Message) -> None:
        """Release whatever the work order holds beyond what it may hold now (never adds)."""
        record = await self.records.get(work_order_id)
        if record is None:
            return
        await trim_holds(
            self.stock,
            Holder.for_work_order(work_order_id),
            record.reservation_targets(),
            cause,
            key=f"wo-trim:{work_order_id}:{cause.message_id}",
        )

    async def cancelled(self, event: WorkOrderCancelled) -> None:
        """Release what is reserved; components issued (or being issued) stay consumed."""
        record = await self.records.get(event.work_order_id)
        held: dict[str, Decimal] = {}
        for record_id in record.touched if record else []:
            if (stock := await self.stock.by_id(record_id)) is not None:
                held[stock.sku] = stock.held_for_work_order(event.work_order_id)
        await self._learn(event, lambda r: r.cancel(held=held))
        await self.trim(event.work_order_id, event)

    async def completed(self, event: WorkOrderCompleted | WorkOrderPartiallyCompleted) -> None:
        """Receive the good units of a completion into stock where the components were issued;
        when they cannot be, say so (``inventory.production_refused``): the work order's status
        follows this answer."""
        if event.item_sku is None or event.quantity == 0:
            return  # a service job, or only scrap: nothing comes into stock
        record = await self.records.get(event.work_order_id)
        if record is not None and record.answered(event.completion_id):
            return
        sku, quantity = event.item_sku, event.quantity
        try:
            location = await self._receiving_location(record, event.branch_id)
            (await self.catalog.item(sku)).check_quantity(quantity)
        except DomainError as refusal:
            reason, detail = refusal.reason, refusal.detail
            await self._learn(
                event,
                lambda r: r.refuse_receipt(
                    completion_id=event.completion_id,
                    sku=sku,
                    quantity=quantity,
                    reason=reason,
                    detail=detail,
                ),
            )
            log.warning("production_refused", work_order_id=event.work_order_id, sku=sku)
            return
        await self.stock.change(
            location,
            sku,
            event,
            lambda stock: stock.receive_production(
                work_order_id=event.work_order_id,
                completion_id=event.completion_id,
                quantity=quantity,
            ),
            key=f"wo-receipt:{event.work_order_id}:{event.completion_id}",
        )
        await self._learn(
            event,
            lambda r: r.receive(
                completion_id=event.completion_id,
                sku=sku,
                quantity=quantity,
                location_id=location.id,
            ),
        )
        log.info("production_received", work_order_id=event.work_order_id, sku=sku)

    async def _receiving_location(self, record: WorkOrderRecord | None, branch_id: str) -> Location:
        """Where the components were issued, else the branch's sales location."""
        location_id = (record.location_id if record else None) or (
            await self.catalog.sales_location(branch_id)
        )
        if location_id is None:
            raise NoLocation(f"Branch {branch_id} has no location to receive finished units at.")
        return await self.catalog.location(location_id)

    async def _learn(
        self, event: WorkOrderEvent, mutate: Callable[[WorkOrderRecord], object]
    ) -> None:
        """Apply ``event`` to the record, creating it if this is the first we hear of it."""
        for _ in range(3):
            if await self.records.get(event.work_order_id) is not None:
                await self._change(event.work_order_id, event, mutate)
                return
            record = WorkOrderRecord.new(
                work_order_id=event.work_order_id, kind=event.kind, branch_id=event.branch_id
            )
            mutate(record)
            try:
                await self.records.add(record, cause=event)
            except AlreadyExists:
                continue  # another event about it got there first: apply ours to that
            return

    async def _change(
        self,
        work_order_id: str,
        cause: Message,
        mutate: Callable[[WorkOrderRecord], object],
        *,
        key: str | None = None,
    ) -> WorkOrderRecord | None:
        """Change the record once per ``key``; the record as it is now (also when done before)."""
        changed = await self.records.change(
            work_order_id,
            cause,
            mutate,
            missing=lambda: LookupError(f"work order {work_order_id} vanished"),
            key=key,
        )
        return changed or await self.records.get(work_order_id)


def _reserver(
    work_order_id: str, target: Decimal, *, may_increase: bool
) -> Callable[[Stock], None]:
    return lambda stock: stock.reserve_for_work_order(
        work_order_id=work_order_id, target=target, may_increase=may_increase
    )


def _issuer(work_order_id: str, issue_id: str, quantity: Decimal) -> Callable[[Stock], None]:
    return lambda stock: stock.issue_components(
        work_order_id=work_order_id, issue_id=issue_id, quantity=quantity
    )
