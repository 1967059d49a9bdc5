"""A work order's status follows inventory's answer to a completion, over the real broker and
database: it moves when inventory received the finished units, and a completion inventory
refuses is taken back (``inventory.production_refused``) instead of showing done."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import (
    CompleteWorkOrder,
    ComponentsIssued,
    CreateWorkOrder,
    ProductionReceived,
    ProductionRefused,
    ReleaseWorkOrder,
    WorkOrderCompleted,
    WorkOrderKind,
)
from shared.storage.mongo import Document
from tests.support.bus import Bus, having
from tests.support.consumers import event
from tests.support.factories import unique
from tests.support.inventory import eventually

D = Decimal


async def answered(bus: Bus, command: Any) -> dict[str, Any]:
    await bus.send(command, reply=True)
    reply = await bus.reply_for(command)
    assert reply.type != "CommandRejected", reply.body
    return reply.body


async def applied(order_db: AsyncDatabase[Document], work_order_id: str, event: Any) -> Document:
    doc = await eventually(
        lambda: order_db.work_orders.find_one({"_id": work_order_id}),
        lambda doc: doc is not None and str(event.message_id) in doc["applied_messages"],
        what=f"{event.type_name()} applied",
    )
    assert doc is not None
    return doc


def completion(work_order_id: str, quantity: str) -> CompleteWorkOrder:
    return CompleteWorkOrder(
        work_order_id=work_order_id,
        completion_id=unique("WC"),
        quantity=D(quantity),
        completed_by="foreman",
    )


async def test_the_status_moves_on_inventorys_answer_and_a_refusal_takes_the_completion_back(
    order_service: Any, bus: Bus, order_db: AsyncDatabase[Document]
) -> None:
    """The test answers as inventory would, to hold each answer back as long as it likes."""
    create = CreateWorkOrder(
        work_order_id=unique("WO"),
        branch_id="B1",
        kind=WorkOrderKind.PRODUCTION,
        item_sku="WIDGET",
        quantity=D(2),
        created_by="planner",
    )
    wo = create.work_order_id
    await answered(bus, create)
    await answered(bus, ReleaseWorkOrder(work_order_id=wo, released_by="planner"))
    issued = ComponentsIssued(
        work_order_id=wo, attempt=1, location_id="L-1", branch_id="B1", lines=[]
    )
    await bus.send(issued)
    await applied(order_db, wo, issued)

    first = completion(wo, "2")
    assert (await answered(bus, first))["remaining"] == "0"  # reported: the whole quantity
    doc = await order_db.work_orders.find_one({"_id": wo})
    assert doc is not None
    assert (doc["status"], doc["completions"][0]["awaiting_receipt"]) == ("in_progress", True)

    refused = ProductionRefused(
        work_order_id=wo,
        completion_id=first.completion_id,
        branch_id="B1",
        sku="WIDGET",
        quantity=D(2),
        reason="no_location",
        detail="Branch B1 has no location to receive finished units at.",
    )
    await bus.send(refused)
    doc = await applied(order_db, wo, refused)
    assert (doc["status"], doc["completed"]) == ("in_progress", D(0))
    assert doc["completions"][0]["refused"] == "no_location"
    assert "taken back" in doc["history"][-1]["note"]

    again = completion(wo, "2")
    await answered(bus, again)
    received = ProductionReceived(
        work_order_id=wo,
        completion_id=again.completion_id,
        location_id="L-1",
        branch_id="B1",
        sku="WIDGET",
        quantity=D(2),
        received_total=D(2),
    )
    await bus.send(received)
    doc = await applied(order_db, wo, received)
    assert (doc["status"], doc["completed"]) == ("completed", D(2))


async def test_inventory_answers_a_completion_it_cannot_receive_instead_of_dead_lettering_it(
    inventory_service: Any, bus: Bus, inventory_db: AsyncDatabase[Document]
) -> None:
    """A branch with no location to receive at: refused once, redelivery included, and kept."""
    completed = WorkOrderCompleted(
        work_order_id=unique("WO"),
        kind=WorkOrderKind.PRODUCTION,
        branch_id=unique("BR"),
        item_sku="WIDGET",
        completion_id=unique("WC"),
        quantity=D(1),
        scrap=D(0),
        completed_total=D(1),
        scrapped_total=D(0),
        remaining=D(0),
        completed_by="foreman",
    )
    await bus.send(completed)
    await bus.send(completed)  # redelivered
    [refusal] = await bus.wait_for(
        "inventory.production_refused", having(work_order_id=completed.work_order_id)
    )
    assert (refusal.body["completion_id"], refusal.body["reason"]) == (
        completed.completion_id,
        "no_location",
    )
    assert "has no location" in refusal.body["detail"]
    await bus.settle()
    same = having(work_order_id=completed.work_order_id)
    assert len(bus.matching("inventory.production_refused", same)) == 1
    queue, _ = event("inventory", "order.work_order_completed")
    assert await bus.dead_letter_count(queue) == 0
    record = await inventory_db.work_orders.find_one({"_id": completed.work_order_id})
    assert record is not None
    assert [r["completion_id"] for r in record["refused_receipts"]] == [completed.completion_id]
    assert not record["receipts"]
