"""Commands as a careful caller sends them: answered with its correlation id, answered again
when resent, and applied in the order sent (issue: commands answered and authorized)."""

from __future__ import annotations

import uuid
from typing import Any

from shared.contracts import SubmitOrder, UpdateOrder
from shared.storage.writes import ANSWER_WINDOW
from tests.support.bus import Bus, having
from tests.support.factories import purchase_order


async def test_a_resent_command_is_applied_once_and_answered_again(
    bus: Bus, order_service: Any
) -> None:
    create = purchase_order()
    await bus.send(create, reply=True)
    first = await bus.reply_for(create)

    bus.replies.clear()
    await bus.send(create, reply=True)  # the caller lost the answer: same message id again
    again = await bus.reply_for(create)
    assert (again.type, again.message_id, again.body) == (first.type, first.message_id, first.body)
    await bus.settle()
    assert len(bus.matching("order.created", having(order_id=create.order_id))) == 1

    submit = SubmitOrder(order_id=create.order_id, submitted_by="alice")
    for _ in range(2):
        bus.replies.clear()
        await bus.send(submit, reply=True)
        answer = await bus.reply_for(submit)
        assert answer.type == "OrderSubmitted"
    await bus.settle()
    assert len(bus.matching("order.submitted", having(order_id=create.order_id))) == 1


async def test_every_answer_and_event_carries_the_callers_correlation_id(
    bus: Bus, order_service: Any, approval_service: Any
) -> None:
    flow = f"flow-{uuid.uuid4().hex[:8]}"
    create = purchase_order(correlation_id=flow)
    await bus.send(create, reply=True)
    assert (await bus.reply_for(create)).correlation_id == flow
    submit = SubmitOrder(order_id=create.order_id, submitted_by="alice", correlation_id=flow)
    await bus.send(submit, reply=True)
    assert (await bus.reply_for(submit)).correlation_id == flow
    # ... and so do the facts it caused in other services, down to the order's approval.
    [approved] = await bus.wait_for("order.approved", having(order_id=create.order_id))
    assert approved.correlation_id == flow
    assert approved.body["correlation_id"] == flow
    [decided] = bus.matching("approval.approved", having(order_id=create.order_id))
    assert decided.correlation_id == flow

    rejected = SubmitOrder(order_id=create.order_id, submitted_by="alice", correlation_id=flow)
    await bus.send(rejected, reply=True)  # approved orders are locked: refused
    refusal = await bus.reply_for(rejected)
    assert (refusal.type, refusal.correlation_id) == ("CommandRejected", flow)


async def test_a_command_resent_after_its_answer_is_no_longer_kept_is_answered_already_applied(
    bus: Bus, order_service: Any
) -> None:
    create = purchase_order()
    await bus.send(create, reply=True)
    await bus.reply_for(create)
    first = UpdateOrder(order_id=create.order_id, updated_by="alice", notes="first")
    await bus.send(first, reply=True)
    assert (await bus.reply_for(first)).type == "OrderUpdated"
    for n in range(ANSWER_WINDOW):  # more later commands on the order than answers are kept
        later = UpdateOrder(order_id=create.order_id, updated_by="alice", notes=f"later {n}")
        await bus.send(later, reply=True)
        latest = await bus.reply_for(later)

    await bus.settle(2.0)  # the last answers are published and kept among the answers
    bus.replies.clear()
    await bus.send(first, reply=True)  # resent with its first message id
    answer = await bus.reply_for(first)
    assert answer.type == "CommandRejected"
    assert answer.body["reason"] == "already_applied"
    assert create.order_id in answer.body["detail"]
    await bus.settle()
    updated = bus.matching("order.updated", having(order_id=create.order_id))
    assert len(updated) == ANSWER_WINDOW + 1, "applied once, not again"

    bus.replies.clear()
    await bus.send(later, reply=True)  # still among the answers kept: the first answer
    again = await bus.reply_for(later)
    assert (again.type, again.message_id) == ("OrderUpdated", latest.message_id)
