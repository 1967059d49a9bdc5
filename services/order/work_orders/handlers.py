"""One handler per work-order command or inventory event: load the work order, call it, save."""

from __future__ import annotations

from collections.abc import Callable

from services.order.stock.domain.quantities import Counting
from services.order.stock.ports import Items
from services.order.work_orders.domain.errors import UnknownWorkOrder, WorkOrderExists
from services.order.work_orders.domain.work_order import WorkOrder, bill_of_materials
from shared.contracts import (
    CancelWorkOrder,
    CompleteWorkOrder,
    ComponentsIssued,
    ComponentsReleased,
    ComponentsShort,
    CreateWorkOrder,
    Message,
    ProductionReceived,
    ProductionRefused,
    ReleaseWorkOrder,
)
from shared.storage.store import Store


class WorkOrderHandlers:
    def __init__(self, work_orders: Store[WorkOrder], items: Items) -> None:
        self.work_orders = work_orders
        self.items = items

    async def _apply(
        self, work_order_id: str, cause: Message, mutate: Callable[[WorkOrder], object]
    ) -> None:
        await self.work_orders.change(
            work_order_id, cause, mutate, missing=lambda: UnknownWorkOrder(work_order_id)
        )

    async def create(self, cmd: CreateWorkOrder) -> None:
        """Create a work order; a redelivered create is ignored, a second one for the id refused.
        The item's quantity, and what each component comes to in all, must be quantities the
        items are counted in."""
        made = [Counting("quantity", cmd.item_sku, cmd.quantity)] if cmd.item_sku else []
        totals = bill_of_materials(cmd.quantity, cmd.components)
        await self.items.check(
            [*made, *(Counting(f"component {c.sku} (in all)", c.sku, c.quantity) for c in totals)]
        )
        work_order = WorkOrder.create(
            work_order_id=cmd.work_order_id,
            kind=cmd.kind,
            branch_id=cmd.branch_id,
            item_sku=cmd.item_sku,
            description=cmd.description,
            quantity=cmd.quantity,
            components=cmd.components,
            created_by=cmd.created_by,
            due_date=cmd.due_date,
        )
        if not await self.work_orders.add_once(work_order, cause=cmd):
            raise WorkOrderExists(f"Work order {cmd.work_order_id} already exists.")

    async def release(self, cmd: ReleaseWorkOrder) -> None:
        """Hand the work order to inventory (again, after a shortage) as a new attempt."""
        await self._apply(cmd.work_order_id, cmd, lambda wo: wo.release(by=cmd.released_by))

    async def complete(self, cmd: CompleteWorkOrder) -> None:
        """Count finished and scrapped units; inventory receives the finished ones."""
        work_order = await self.work_orders.get(cmd.work_order_id)
        if work_order is not None and work_order.item_sku is not None:
            sku = work_order.item_sku
            await self.items.check(
                [Counting("quantity", sku, cmd.quantity), Counting("scrap", sku, cmd.scrap)]
            )
        await self._apply(
            cmd.work_order_id,
            cmd,
            lambda wo: wo.complete(
                completion_id=cmd.completion_id,
                quantity=cmd.quantity,
                scrap=cmd.scrap,
                by=cmd.completed_by,
            ),
        )

    async def cancel(self, cmd: CancelWorkOrder) -> None:
        """Close the work order; inventory releases what it still holds for it."""
        await self._apply(
            cmd.work_order_id, cmd, lambda wo: wo.cancel(by=cmd.cancelled_by, reason=cmd.reason)
        )

    async def components_issued(self, event: ComponentsIssued) -> None:
        """Inventory issued the components: production may start."""
        await self._apply(
            event.work_order_id,
            event,
            lambda wo: wo.components_issued(
                attempt=event.attempt, location_id=event.location_id, lines=event.lines
            ),
        )

    async def components_short(self, event: ComponentsShort) -> None:
        """Show what is short; the work order waits to be released again."""
        await self._apply(
            event.work_order_id,
            event,
            lambda wo: wo.components_short(
                attempt=event.attempt,
                location_id=event.location_id,
                lines=event.lines,
                unknown_skus=event.unknown_skus,
            ),
        )

    async def production_received(self, event: ProductionReceived) -> None:
        """Show which finished units are in stock, and where; the status follows."""
        await self._apply(
            event.work_order_id,
            event,
            lambda wo: wo.production_received(
                completion_id=event.completion_id,
                location_id=event.location_id,
                quantity=event.quantity,
            ),
        )

    async def production_refused(self, event: ProductionRefused) -> None:
        """Inventory could not receive a completion: the work order takes it back."""
        await self._apply(
            event.work_order_id,
            event,
            lambda wo: wo.production_refused(
                completion_id=event.completion_id, reason=event.reason, detail=event.detail
            ),
        )

    async def components_released(self, event: ComponentsReleased) -> None:
        """Show what a cancellation gave back to stock."""
        await self._apply(
            event.work_order_id, event, lambda wo: wo.components_released(released=event.released)
        )
