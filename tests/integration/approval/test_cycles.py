"""Every rule of the approval-cycles description, one scenario each, over the broker."""

from __future__ import annotations

import asyncio

from shared.contracts import (
    ApproveRequest,
    CancelOrder,
    DefineCycle,
    OrderKind,
    UpdateOrder,
    UpsertUser,
)
from tests.integration.approval.conftest import MANAGER, World, named
from tests.support.factories import lines, unique
from tests.support.smtp import SmtpServer


async def test_an_unassigned_party_is_approved_automatically(world: World, smtp: SmtpServer):
    order_id = await world.submitted_order(party_id=unique("V"))

    [approved] = await world.bus.wait_for("approval.approved", lambda b: b["order_id"] == order_id)
    assert approved.body["basis"] == "no_cycle"
    await world.order_status(order_id, "approved")
    order = await world.order(order_id)
    assert [h["status"] for h in order["history"]] == ["draft", "pending_approval", "approved"]
    await world.bus.settle(0.5)
    assert smtp.received == []  # no cycle, no one to notify
    assert not world.bus.matching("approval.pending", lambda b: b["order_id"] == order_id)


async def test_one_level_cycle_approved_by_the_creators_manager(world: World, smtp: SmtpServer):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    order_id = await world.submitted_order(party_id=vendor)

    pending = await world.pending(order_id, 1)
    assert pending["approver"]["user_id"] == "mary"
    assert pending["via"] == "manager"
    [mail] = await smtp.wait_for("mary@example.com")
    assert order_id in mail.subject
    order = await world.order_waiting_at(order_id, 1)
    assert order["status"] == "pending_approval"
    assert order["pending"]["approver_id"] == "mary"
    assert order["pending"]["level"] == 1

    reply = await world.approve(pending, by="mary", notes="fine")
    assert reply.type == "ApprovalApproved"
    await world.order_status(order_id, "approved")
    [final] = await smtp.wait_for("alice@example.com")
    assert "Approved" in final.subject
    assert "Level 1: approved by Mary Manager (fine)" in final.body


async def test_two_levels_each_approver_is_mailed_and_the_creator_last(
    world: World, smtp: SmtpServer
):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)

    first = await world.pending(order_id, 1)
    await smtp.wait_for("mary@example.com")
    assert (await world.approve(first, by="mary")).type == "ApprovalPending"
    second = await world.pending(order_id, 2)
    assert second["approver"]["user_id"] == "ann"
    [to_ann] = await smtp.wait_for("ann@example.com")
    assert "level 2" in to_ann.subject
    assert (await world.order(order_id))["status"] == "pending_approval"

    await world.approve(second, by="ann")
    await world.order_status(order_id, "approved")
    [to_alice] = await smtp.wait_for("alice@example.com")
    assert "Approved" in to_alice.subject
    history = (await world.order(order_id))["history"]
    notes = [h.get("note") for h in history]
    assert "level 1 approved" in notes
    assert "level 2 approved" in notes
    assert history[-1]["status"] == "approved"


async def test_a_level_one_rejection_ends_the_cycle_with_the_notes(world: World, smtp: SmtpServer):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    first = await world.pending(order_id, 1)

    reply = await world.reject(first, by="mary", notes="Price too high; ask for 10% off")
    assert reply.type == "ApprovalRejected"
    assert reply.body["level"] == 1
    assert reply.body["approver"]["user_id"] == "mary"
    assert reply.body["notes"] == "Price too high; ask for 10% off"
    await world.order_status(order_id, "rejected")
    order = await world.order(order_id)
    assert order["status"] == "rejected"
    assert order["last_rejection"]["notes"] == "Price too high; ask for 10% off"
    [to_alice] = await smtp.wait_for("alice@example.com")
    assert "Price too high; ask for 10% off" in to_alice.body
    await world.bus.settle(0.5)
    assert not world.bus.matching(
        "approval.pending", lambda b: b["order_id"] == order_id and b["level"] == 2
    )
    assert smtp.to("ann@example.com") == []


async def test_a_level_two_rejection(world: World, smtp: SmtpServer):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.approve(await world.pending(order_id, 1), by="mary")

    reply = await world.reject(await world.pending(order_id, 2), by="ann", notes="Not this year")
    assert reply.body["level"] == 2
    await world.order_status(order_id, "rejected")
    order = await world.order(order_id)
    assert order["last_rejection"]["level"] == 2
    assert order["last_rejection"]["approver_id"] == "ann"
    assert "level 1 approved" in [h.get("note") for h in order["history"]]
    [to_alice] = await smtp.wait_for("alice@example.com")
    assert "Not this year" in to_alice.body


async def test_edit_after_rejection_and_resubmit_restarts_at_level_one(
    world: World, smtp: SmtpServer
):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.approve(await world.pending(order_id, 1), by="mary")
    await world.reject(await world.pending(order_id, 2), by="ann", notes="Too many units")
    await world.order_status(order_id, "rejected")

    edit = await world.command(
        UpdateOrder(order_id=order_id, updated_by="alice", lines=lines(("SKU-1", "2", "4.50")))
    )
    assert edit.type == "OrderUpdated"
    await world.submit(order_id)

    again = await world.pending(order_id, 1, attempt=2)
    assert again["approver"]["user_id"] == "mary"
    assert again["request_id"].endswith(":2")
    await world.approve(again, by="mary")
    await world.approve(await world.pending(order_id, 2, attempt=2), by="ann")
    await world.order_status(order_id, "approved", attempt=2)
    history = (await world.order(order_id))["history"]
    attempts = [(h["attempt"], h["status"]) for h in history if h["status"] != "pending_approval"]
    assert attempts == [(0, "draft"), (1, "rejected"), (2, "approved")]
    assert any(h.get("note") == "Too many units" for h in history)
    requests = await world.approval_db.requests.find({"order_id": order_id}).to_list()
    assert sorted((r["attempt"], r["status"]) for r in requests) == [
        (1, "rejected"),
        (2, "approved"),
    ]


async def test_an_order_cannot_be_edited_while_pending(world: World):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.pending(order_id, 1)
    before = await world.order_waiting_at(order_id, 1)

    reply = await world.command(UpdateOrder(order_id=order_id, updated_by="alice", notes="x"))
    assert reply.body["reason"] == "order_locked"
    assert await world.order(order_id) == before


async def test_only_the_current_levels_approver_may_decide(world: World):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    first = await world.pending(order_id, 1)

    wrong = await world.approve(first, by="ann")  # ann is level 2's approver, not level 1's
    assert wrong.body["reason"] == "not_the_approver"
    assert "mary" in wrong.body["detail"]
    early = await world.command(
        ApproveRequest(request_id=first["request_id"], level=2, approver_id="ann")
    )
    assert early.body["reason"] == "not_current_level"
    request = await world.approval_db.requests.find_one({"_id": first["request_id"]})
    assert request["level"] == 1
    assert request["decisions"] == []


async def test_the_creator_may_never_approve_their_own_order(world: World):
    vendor = unique("V")
    await world.assign(await world.cycle(named("adam")), vendor)
    order_id = await world.submitted_order(party_id=vendor, creator="ann")
    pending = await world.pending(order_id, 1)

    reply = await world.approve(pending, by="ann")
    assert reply.body["reason"] == "self_approval"
    assert (await world.approval_db.requests.find_one({"order_id": order_id}))["status"] == (
        "pending"
    )


async def test_a_named_admin_who_creates_the_order_is_replaced_by_the_fallback(world: World):
    vendor = unique("V")
    await world.assign(await world.cycle(named("adam"), fallback="ann"), vendor)
    order_id = await world.submitted_order(party_id=vendor, creator="adam")

    pending = await world.pending(order_id, 1)
    assert pending["approver"]["user_id"] == "ann"
    assert pending["via"] == "fallback"


async def test_duplicate_and_racing_approvals_make_one_transition(world: World):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    first = await world.pending(order_id, 1)

    duplicate = ApproveRequest(request_id=first["request_id"], level=1, approver_id="mary")
    racing = [
        ApproveRequest(request_id=first["request_id"], level=1, approver_id="mary")
        for _ in range(3)
    ]
    await asyncio.gather(*(world.bus.send(c, reply=True) for c in (duplicate, duplicate, *racing)))
    answers = [await world.bus.reply_for(c) for c in (duplicate, *racing)]

    assert [a.type for a in answers].count("ApprovalPending") == 1
    refused = [a.body["reason"] for a in answers if a.type == "CommandRejected"]
    assert refused == ["level_already_decided"] * 3
    await world.bus.settle(0.8)
    second = world.bus.matching(
        "approval.pending", lambda b: b["order_id"] == order_id and b["level"] == 2
    )
    assert len(second) == 1
    request = await world.approval_db.requests.find_one({"_id": first["request_id"]})
    assert len(request["decisions"]) == 1


async def test_a_decided_request_refuses_further_decisions(world: World):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    pending = await world.pending(order_id, 1)
    await world.reject(pending, by="mary", notes="no")

    late = await world.approve(pending, by="mary")
    assert late.body["reason"] == "request_already_decided"


async def test_with_notification_off_nothing_is_sent(world: World, smtp: SmtpServer):
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, notify=False), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.approve(await world.pending(order_id, 1), by="mary")
    await world.order_status(order_id, "approved")

    await world.bus.settle(0.8)
    assert smtp.received == []
    assert not world.bus.matching("notification.email_sent")


async def test_a_cycle_naming_a_non_admin_approver_is_refused(world: World):
    cycle_id = unique("CYC")
    reply = await world.command(
        DefineCycle(
            cycle_id=cycle_id,
            name="bad",
            order_kind=OrderKind.PURCHASE,
            levels=[named("mary")],
            defined_by="root",
        )
    )
    assert reply.body["reason"] == "approver_not_admin"
    assert "mary" in reply.body["detail"]
    assert await world.approval_db.cycles.count_documents({"_id": cycle_id}) == 0


async def test_a_manager_level_without_a_fallback_is_refused(world: World):
    reply = await world.command(
        DefineCycle(
            cycle_id=unique("CYC"),
            name="no fallback",
            order_kind=OrderKind.SALES,
            levels=[MANAGER],
            defined_by="root",
        )
    )
    assert reply.body["reason"] == "fallback_approver_required"


async def test_a_creator_without_a_manager_goes_to_the_fallback(world: World, smtp: SmtpServer):
    customer = unique("C")
    await world.assign(await world.cycle(MANAGER, kind=OrderKind.SALES, fallback="adam"), customer)
    order_id = await world.submitted_order(party_id=customer, creator="bob", kind=OrderKind.SALES)

    pending = await world.pending(order_id, 1)
    assert pending["approver"]["user_id"] == "adam"
    assert pending["via"] == "fallback"
    await smtp.wait_for("adam@example.com")
    await world.approve(pending, by="adam")
    await world.order_status(order_id, "approved")


async def test_a_user_cannot_be_their_own_manager(world: World):
    reply = await world.command(
        UpsertUser(user_id="zed", name="Zed", manager_id="zed", changed_by="root")
    )
    assert reply.body["reason"] == "invalid_manager"


async def test_with_no_usable_approver_the_order_is_rejected_with_the_reason(world: World):
    vendor = unique("V")
    cycle = await world.cycle(MANAGER, fallback="adam")
    await world.assign(cycle, vendor)
    # The fallback admin is demoted after the cycle was defined.
    await world.command(UpsertUser(user_id="adam", name="Adam", admin=False, changed_by="root"))
    order_id = await world.submitted_order(party_id=vendor, creator="bob")

    [rejected] = await world.bus.wait_for("approval.rejected", lambda b: b["order_id"] == order_id)
    assert rejected.body["approver"]["user_id"] == "system"
    assert "no manager" in rejected.body["notes"]
    await world.order_status(order_id, "rejected")


async def test_changing_a_cycle_affects_only_orders_submitted_afterwards(world: World):
    vendor = unique("V")
    cycle = await world.cycle(MANAGER)
    await world.assign(cycle, vendor)
    before = await world.submitted_order(party_id=vendor)
    pending = await world.pending(before, 1)

    await world.cycle(MANAGER, named("ann"), cycle_id=cycle)  # now two levels
    after = await world.submitted_order(party_id=vendor)
    await world.approve(pending, by="mary")
    await world.order_status(before, "approved")  # still one level for the earlier order

    await world.approve(await world.pending(after, 1), by="mary")
    assert (await world.pending(after, 2))["approver"]["user_id"] == "ann"


async def test_assigning_a_party_to_another_cycle_moves_it_and_says_so(world: World):
    vendor = unique("V")
    first, second = await world.cycle(MANAGER), await world.cycle(named("ann"))
    await world.assign(first, vendor)

    moved = await world.assign(second, vendor)
    assert moved.body["previous_cycle_id"] == first
    assert await world.approval_db.assignments.count_documents({"party_id": vendor}) == 1
    order_id = await world.submitted_order(party_id=vendor)
    assert (await world.pending(order_id, 1))["approver"]["user_id"] == "ann"


async def test_an_order_is_approved_only_for_the_attempt_it_was_submitted(world: World):
    """A decision for an older attempt does not move a newer one."""
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.reject(await world.pending(order_id, 1), by="mary", notes="again")
    await world.order_status(order_id, "rejected")
    await world.submit(order_id)
    await world.pending(order_id, 1, attempt=2)

    order = await world.order(order_id)
    assert order["status"] == "pending_approval"
    assert order["attempt"] == 2
    assert not world.bus.matching("order.approved", lambda b: b["order_id"] == order_id)


async def test_cancelling_an_order_withdraws_its_pending_request(world: World) -> None:
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    pending = await world.pending(order_id, 1)

    reply = await world.command(
        CancelOrder(order_id=order_id, cancelled_by="alice", reason="ordered twice")
    )
    assert reply.type == "OrderCancelled"
    for _ in range(100):
        request = await world.approval_db.requests.find_one({"_id": pending["request_id"]})
        if request["status"] == "superseded":
            break
        await world.bus.settle(0.05)
    assert request["status"] == "superseded"
    late = await world.approve(pending, by="mary")
    assert late.body["reason"] == "request_already_decided"
    assert (await world.order(order_id))["status"] == "cancelled"
