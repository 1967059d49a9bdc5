"""No double effects: a redelivered message is acknowledged and ignored."""

from __future__ import annotations

from typing import Any

from services.order.orders.domain.status import OrderStatus
from shared.contracts import OrderKind, OrderSubmitted, SubmitOrder
from tests.support.bus import Bus
from tests.support.factories import lines, purchase_order, unique


def submitted(order_id: str, attempt: int = 1) -> OrderSubmitted:
    return OrderSubmitted(
        order_id=order_id,
        kind=OrderKind.PURCHASE,
        party_id=unique("V"),
        branch_id="BR-1",
        created_by="alice",
        currency="USD",
        lines=lines(("SKU-1", "1", "2.00")),
        total="2.00",
        attempt=attempt,
        submitted_by="alice",
        correlation_id=order_id,
    )


async def test_the_same_submission_delivered_twice_is_decided_once(
    bus: Bus, approval_service: Any, approval_db: Any
) -> None:
    event = submitted(unique("PO"))
    await bus.send(event)
    await bus.send(event)

    await bus.wait_for("approval.approved", lambda b: b["order_id"] == event.order_id)
    await bus.settle(1.0)
    assert len(bus.matching("approval.approved", lambda b: b["order_id"] == event.order_id)) == 1
    assert await approval_db.requests.count_documents({"order_id": event.order_id}) == 1


async def test_a_resent_submission_with_a_new_message_id_is_decided_once(
    bus: Bus, approval_service: Any, approval_db: Any
) -> None:
    first = submitted(unique("PO"))
    again = submitted(first.order_id)
    await bus.send(first)
    await bus.send(again)

    await bus.wait_for("approval.approved", lambda b: b["order_id"] == first.order_id)
    await bus.settle(1.0)
    assert len(bus.matching("approval.approved", lambda b: b["order_id"] == first.order_id)) == 1
    assert await approval_db.requests.count_documents({"order_id": first.order_id}) == 1


async def test_a_redelivered_submit_command_submits_once(
    bus: Bus, order_service: Any, order_db: Any
) -> None:
    create = purchase_order()
    await bus.send(create)
    await bus.wait_for("order.created", lambda b: b["order_id"] == create.order_id)
    submit = SubmitOrder(order_id=create.order_id, submitted_by="alice")
    await bus.send(submit)
    await bus.send(submit)

    await bus.wait_for("order.submitted", lambda b: b["order_id"] == create.order_id)
    await bus.settle(1.0)
    assert len(bus.matching("order.submitted", lambda b: b["order_id"] == create.order_id)) == 1
    assert not bus.matching("order.command_rejected")
    stored = await order_db.orders.find_one({"_id": create.order_id})
    assert stored["status"] == OrderStatus.PENDING_APPROVAL
    assert stored["attempt"] == 1
    assert stored["applied_messages"].count(str(submit.message_id)) == 1
