"""An approval and a cancellation sent together: the services end up agreeing, and nobody is
told something false (the creator hears "approved" only if the order really was)."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.contracts import ApproveRequest, CancelOrder
from tests.integration.approval.conftest import World, named
from tests.support.bus import having
from tests.support.factories import unique
from tests.support.smtp import SmtpServer

AGREEING = {
    "approved": {"approved"},  # the approval won: the order may go ahead
    "cancelled": {"superseded", "cancelled"},  # the cancellation won, or crossed the approval
}


async def test_approve_racing_cancel_leaves_both_services_agreeing(
    world: World, smtp: SmtpServer, approval_db: Any
) -> None:
    cycle = await world.cycle(named("adam"))
    outcomes = []
    for _ in range(4):
        vendor = unique("V")
        await world.assign(cycle, vendor)
        order_id = await world.submitted_order(party_id=vendor)
        request = await world.pending(order_id, 1)
        await world.order_waiting_at(order_id, 1)

        approve = ApproveRequest(request_id=request["request_id"], level=1, approver_id="adam")
        cancel = CancelOrder(order_id=order_id, cancelled_by="alice", reason="changed my mind")
        await asyncio.gather(world.bus.send(approve), world.bus.send(cancel))

        order, stored = await _settled(world, approval_db, order_id, request["request_id"])
        assert stored["status"] in AGREEING[order["status"]], (order["status"], stored["status"])
        told_approved = [m for m in smtp.to("alice@example.com") if order_id in m.subject]
        announced = world.bus.matching("order.approved", having(order_id=order_id))
        assert bool(told_approved) == bool(announced), "the creator was told something false"
        outcomes.append((order["status"], stored["status"]))
    assert outcomes  # four races, each ending in agreement


async def _settled(
    world: World, approval_db: Any, order_id: str, request_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both services' final word: nothing changes any more for a while."""
    last: tuple[str, str] | None = None
    for _ in range(100):
        order = await world.order(order_id)
        stored = await approval_db.requests.find_one({"_id": request_id})
        now = (order["status"], stored["status"])
        terminal = now[0] in AGREEING and now[1] != "pending"
        if terminal and now == last:
            await world.bus.settle(0.5)  # let any e-mail the outcome causes go out
            return order, stored
        last = now
        await world.bus.settle(0.1)
    raise AssertionError(f"order {order_id} and its request never settled: {last}")
