"""An order's history and timeline, as the order service keeps them from the approval
service's events: in the order things happened, each entry naming who was behind it."""

from __future__ import annotations

from tests.integration.approval.conftest import MANAGER, World, named
from tests.support.factories import unique


async def test_the_history_lists_level_one_approval_before_level_two_waiting(world: World):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.approve(await world.pending(order_id, 1), by="mary", notes="fine")
    await world.order_waiting_at(order_id, 2)
    await world.approve(await world.pending(order_id, 2), by="ann")
    await world.order_status(order_id, "approved")

    history = (await world.order(order_id))["history"]
    assert [(h["status"], h.get("by"), h.get("note")) for h in history] == [
        ("draft", "alice", None),
        ("pending_approval", "alice", None),
        ("pending_approval", "mary", "waiting for approval at level 1 of 2"),
        ("pending_approval", "mary", "level 1 approved: fine"),
        ("pending_approval", "ann", "waiting for approval at level 2 of 2"),
        ("pending_approval", "ann", "level 2 approved"),
        ("approved", None, "all_levels_approved"),
    ]
    times = [h["at"] for h in history]
    assert times == sorted(times)
