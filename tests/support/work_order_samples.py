"""A valid message per work-order consumer, and the evidence that it was processed.

For the test that sends bad input to every consumer (``tests/integration/test_bad_input.py``):
the order service's work-order commands and its consumers of inventory's work-order events,
and the inventory service's consumers of the order service's work-order events.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import (
    CancelWorkOrder,
    CompleteWorkOrder,
    ComponentLine,
    ComponentsIssued,
    ComponentsReleased,
    ComponentsShort,
    CreateWorkOrder,
    ProductionReceived,
    ProductionRefused,
    ReleaseWorkOrder,
    ReservedLine,
    StockLine,
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderKind,
    WorkOrderPartiallyCompleted,
    WorkOrderReleased,
)
from tests.support.consumers import command, event
from tests.support.factories import unique
from tests.support.inventory import eventually
from tests.support.inventory_samples import Sample, SampleContext, _answered, _location_with_item


def create_work_order(work_order_id: str | None = None) -> CreateWorkOrder:
    return CreateWorkOrder(
        work_order_id=work_order_id or unique("WO"),
        branch_id="B1",
        kind=WorkOrderKind.PRODUCTION,
        item_sku="WIDGET",
        quantity=Decimal(2),
        components=[ComponentLine(sku="PART", quantity=Decimal(3))],
        created_by="planner",
    )


async def _applied(ctx: SampleContext, event: Any) -> None:
    await ctx.bus.send(event)
    await eventually(
        lambda: ctx.db.work_orders.find_one({"_id": event.work_order_id}),
        lambda doc: doc is not None and str(event.message_id) in doc["applied_messages"],
        what=f"{event.type_name()} applied",
    )


async def _released(ctx: SampleContext) -> str:
    create = create_work_order()
    assert (await _answered(ctx, create))["work_order_id"] == create.work_order_id
    release = ReleaseWorkOrder(work_order_id=create.work_order_id, released_by="planner")
    assert (await _answered(ctx, release))["attempt"] == 1
    return create.work_order_id


def _issued(work_order_id: str) -> ComponentsIssued:
    return ComponentsIssued(
        work_order_id=work_order_id,
        attempt=1,
        location_id="L-1",
        branch_id="B1",
        lines=[StockLine(sku="PART", quantity=Decimal(6))],
    )


# --- the order service: commands and inventory's events -------------------------------------


async def s_create_work_order(ctx: SampleContext) -> None:
    assert (await _answered(ctx, create_work_order()))["quantity"] == "2"


async def s_release_work_order(ctx: SampleContext) -> None:
    await _released(ctx)


async def s_complete_work_order(ctx: SampleContext) -> None:
    work_order_id = await _released(ctx)
    await _applied(ctx, _issued(work_order_id))
    complete = CompleteWorkOrder(
        work_order_id=work_order_id,
        completion_id="WC-1",
        quantity=Decimal(1),
        completed_by="foreman",
    )
    assert (await _answered(ctx, complete))["remaining"] == "1"


async def s_cancel_work_order(ctx: SampleContext) -> None:
    create = create_work_order()
    await _answered(ctx, create)
    cancel = CancelWorkOrder(work_order_id=create.work_order_id, cancelled_by="planner")
    assert (await _answered(ctx, cancel))["cancelled_by"] == "planner"


async def s_order_components_issued(ctx: SampleContext) -> None:
    await _applied(ctx, _issued(await _released(ctx)))


async def s_order_components_short(ctx: SampleContext) -> None:
    work_order_id = await _released(ctx)
    line = ReservedLine(sku="PART", needed=Decimal(6), reserved=Decimal(2))
    await _applied(
        ctx,
        ComponentsShort(
            work_order_id=work_order_id,
            attempt=1,
            location_id="L-1",
            branch_id="B1",
            lines=[line],
        ),
    )


async def s_order_production_received(ctx: SampleContext) -> None:
    await _applied(
        ctx,
        ProductionReceived(
            work_order_id=await _released(ctx),
            completion_id="WC-1",
            location_id="L-1",
            branch_id="B1",
            sku="WIDGET",
            quantity=Decimal(1),
            received_total=Decimal(1),
        ),
    )


async def s_order_production_refused(ctx: SampleContext) -> None:
    await _applied(
        ctx,
        ProductionRefused(
            work_order_id=await _released(ctx),
            completion_id="WC-1",
            branch_id="B1",
            sku="WIDGET",
            quantity=Decimal(1),
            reason="no_location",
            detail="Branch B1 has no location to receive finished units at.",
        ),
    )


async def s_order_components_released(ctx: SampleContext) -> None:
    await _applied(
        ctx,
        ComponentsReleased(
            work_order_id=await _released(ctx),
            location_id="L-1",
            released=[StockLine(sku="PART", quantity=Decimal(2))],
            consumed=[],
        ),
    )


# --- the inventory service: the order service's work-order events ----------------------------


def _released_event(work_order_id: str) -> WorkOrderReleased:
    return WorkOrderReleased(
        work_order_id=work_order_id,
        kind=WorkOrderKind.PRODUCTION,
        branch_id="B1",
        item_sku="WIDGET",
        description=None,
        quantity=Decimal(2),
        components=[StockLine(sku="PART", quantity=Decimal(6))],
        created_by="planner",
        due_date=None,
        attempt=1,
        released_by="planner",
    )


async def _completion(ctx: SampleContext) -> dict[str, Any]:
    """A completion of a production work order whose item and branch location exist."""
    _, sku = await _location_with_item(ctx)
    return {
        "work_order_id": unique("WO"),
        "kind": WorkOrderKind.PRODUCTION,
        "branch_id": "B1",
        "item_sku": sku,
        "completion_id": unique("WC"),
        "quantity": Decimal(1),
        "scrap": Decimal(0),
        "completed_total": Decimal(1),
        "scrapped_total": Decimal(0),
        "remaining": Decimal(1),
        "completed_by": "foreman",
    }


async def s_inventory_work_order_released(ctx: SampleContext) -> None:
    event = _released_event(unique("WO"))
    await _applied(ctx, event)  # no location, unknown items: reported short
    await ctx.bus.wait_for(
        "inventory.components_short", lambda b: b["work_order_id"] == event.work_order_id
    )


async def _received(ctx: SampleContext, event: Any) -> None:
    await _applied(ctx, event)
    await ctx.bus.wait_for(
        "inventory.production_received", lambda b: b["completion_id"] == event.completion_id
    )


async def s_inventory_work_order_partially_completed(ctx: SampleContext) -> None:
    await _received(ctx, WorkOrderPartiallyCompleted(**await _completion(ctx)))


async def s_inventory_work_order_completed(ctx: SampleContext) -> None:
    facts = await _completion(ctx)
    await _received(ctx, WorkOrderCompleted(**{**facts, "remaining": Decimal(0)}))


def _cancelled(work_order_id: str) -> WorkOrderCancelled:
    return WorkOrderCancelled(
        work_order_id=work_order_id,
        kind=WorkOrderKind.SERVICE,
        branch_id="B1",
        cancelled_by="planner",
    )


async def s_inventory_work_order_cancelled(ctx: SampleContext) -> None:
    await _applied(ctx, _cancelled(unique("WO")))


WORK_ORDER_SAMPLES: dict[tuple[str, str], Sample] = {
    command("order.create_work_order"): s_create_work_order,
    command("order.release_work_order"): s_release_work_order,
    command("order.complete_work_order"): s_complete_work_order,
    command("order.cancel_work_order"): s_cancel_work_order,
    event("order", "inventory.components_issued"): (s_order_components_issued),
    event("order", "inventory.components_short"): s_order_components_short,
    event("order", "inventory.production_received"): (s_order_production_received),
    event("order", "inventory.production_refused"): s_order_production_refused,
    event("order", "inventory.components_released"): (s_order_components_released),
    event("inventory", "order.work_order_released"): (s_inventory_work_order_released),
    event("inventory", "order.work_order_partially_completed"): (
        s_inventory_work_order_partially_completed
    ),
    event("inventory", "order.work_order_completed"): (s_inventory_work_order_completed),
    event("inventory", "order.work_order_cancelled"): (s_inventory_work_order_cancelled),
}
