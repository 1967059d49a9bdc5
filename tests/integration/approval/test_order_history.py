"""An order's history and timeline, as the order service keeps them from the approval
service's events: in the order things happened, each entry naming who was behind it."""

from __future__ import annotations

from typing import Any

from shared.contracts import UpsertUser
from tests.integration.approval.conftest import MANAGER, World, named
from tests.support.factories import unique
from tests.support.inventory import eventually
from tests.support.services import asgi_get


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


async def test_the_timeline_names_who_was_behind_each_entry(world: World, order_service: Any):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.approve(await world.pending(order_id, 1), by="mary")
    await world.approve(await world.pending(order_id, 2), by="ann")
    await world.order_status(order_id, "approved")

    async def shown() -> dict[str, Any]:
        return dict((await asgi_get(order_service, "/orders/timeline", f"order_id={order_id}"))[1])

    timeline = await eventually(
        shown,
        lambda body: "order.approved" in [e["event"] for e in body["timeline"]],
        what="the approval on the timeline",
    )
    who = {e["event"]: (e["by"], e["by_kind"], e.get("by_name")) for e in timeline["timeline"]}
    assert who["order.created"] == ("alice", "person", None)
    assert who["order.submitted"] == ("alice", "person", None)
    assert who["approval.pending"] == ("approval", "service", None)
    assert who["approval.approved"] == ("ann", "person", "Ann Admin")
    assert who["order.approved"] == ("ann", "person", "Ann Admin")
    assert {e["document"] for e in timeline["timeline"]} == {"order"}
    assert timeline["came_from"] == []


async def test_the_timeline_of_a_reassigned_level_names_who_moved_it(
    world: World, order_service: Any
):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.pending(order_id, 1)
    reply = await world.command(
        UpsertUser(
            user_id="mary", name="Mary Manager", active=False, reassign_to="bob", changed_by="root"
        )
    )
    assert reply.type == "UserUpserted", reply.body

    async def shown() -> dict[str, Any]:
        return dict((await asgi_get(order_service, "/orders/timeline", f"order_id={order_id}"))[1])

    timeline = await eventually(
        shown,
        lambda body: "approval.reassigned" in [e["event"] for e in body["timeline"]],
        what="the reassignment on the timeline",
    )
    [moved] = [e for e in timeline["timeline"] if e["event"] == "approval.reassigned"]
    assert (moved["by"], moved["by_kind"]) == ("root", "person")
    assert moved["summary"] == "level 1 moved from mary to Bob NoManager"
