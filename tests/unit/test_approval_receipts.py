"""Over-receipt requests, driven through the approval handlers with in-memory stores: routed
to the first level's approver of the vendor's purchase cycle, decided with the ordinary
approve and reject, refused at once for a vendor in no cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.approval.domain import RequestStatus, SelfApproval
from services.approval.domain.receipts import receipt_request_id
from services.approval.handlers import ApprovalHandlers
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApproveRequest,
    AssignParty,
    DefineCycle,
    LevelRule,
    OrderCancelled,
    OrderKind,
    RejectRequest,
    UpsertUser,
)
from shared.contracts.receipts import (
    HeldLine,
    ReceiptApprovalApproved,
    ReceiptApprovalPending,
    ReceiptApprovalReassigned,
    ReceiptApprovalRejected,
    ReceiptApprovalWithdrawn,
    ReceiptHeld,
    ReceiptReminderDue,
)
from tests.unit.test_approval_handlers import FakeStores, submitted

D = Decimal
NOW = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
LINE = HeldLine(sku="S", ordered=D(1), received=D(1), offered=D(1), allowed=D(1), excess=D(1))


def held(vendor: str = "V", receipt_id: str = "GR-1", by: str = "clerk") -> ReceiptHeld:
    return ReceiptHeld(
        order_id="PO-9",
        party_id=vendor,
        attempt=1,
        receipt_id=receipt_id,
        location_id="L",
        branch_id="B",
        received_by=by,
        tolerance_percent=D(5),
        lines=[LINE],
    )


async def world(
    *levels: LevelRule, vendor: str | None = "V"
) -> tuple[FakeStores, ApprovalHandlers]:
    stores = FakeStores()
    handlers = ApprovalHandlers(stores)
    for user in (
        UpsertUser(user_id="mary", name="Mary", changed_by="r"),
        UpsertUser(user_id="alice", name="Alice", manager_id="mary", changed_by="r"),
        UpsertUser(user_id="adam", name="Adam", admin=True, changed_by="r"),
    ):
        await handlers.upsert_user(user)
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=list(levels) or [LevelRule(approver="creator_manager", above=D(1000))],
            fallback_approver_id="adam",
            defined_by="r",
        )
    )
    if vendor is not None:
        await handlers.assign_party(AssignParty(cycle_id="C", party_id=vendor, assigned_by="r"))
    return stores, handlers


async def test_a_held_receipt_waits_for_the_first_level_approver_of_the_vendor_cycle() -> None:
    stores, handlers = await world(
        LevelRule(approver="creator_manager", above=D(1000)),
        LevelRule(approver="named_user", user_id="adam"),
    )
    await handlers.order_submitted(submitted("V"))  # total 1: below level 1's threshold
    await handlers.approve(ApproveRequest(request_id="PO-9:1", level=1, approver_id="adam"))
    handlers.clock = lambda: NOW
    await handlers.receipt_held(held())
    await handlers.receipt_held(held())  # redelivered

    [pending] = stores.requests.events(ReceiptApprovalPending)
    assert pending.request_id == "PO-9:receipt:GR-1"
    assert (pending.approver.user_id, pending.via, pending.level, pending.levels) == (
        "mary",
        "manager",
        1,
        1,
    )
    assert (pending.creator.user_id, pending.party_id, pending.cycle_id) == ("alice", "V", "C")
    assert (pending.receipt_id, pending.received_by, pending.lines) == ("GR-1", "clerk", [LINE])
    [routed] = pending.routing
    assert (routed.cycle_level, routed.applies) == (1, True)
    assert "whatever its threshold" in routed.why
    request = await stores.requests.get("PO-9:receipt:GR-1")
    assert request is not None
    assert (request.opened_at, request.waiting_since) == (NOW, NOW)
    assert (request.subject, request.receipt and request.receipt.receipt_id) == (
        "over_receipt",
        "GR-1",
    )

    await handlers.approve(
        ApproveRequest(request_id=pending.request_id, level=1, approver_id="mary", notes="ok")
    )
    [approved] = stores.requests.events(ReceiptApprovalApproved)
    assert (approved.receipt_id, approved.decisions[0].approver.user_id) == ("GR-1", "mary")
    # The order's own approval events are never published for a receipt.
    assert [type(e) for e in stores.requests.events(ApprovalApproved)] == [
        ApprovalApproved,
        ReceiptApprovalApproved,
    ]
    assert [type(e) for e in stores.requests.events(ApprovalPending)] == [
        ApprovalPending,
        ReceiptApprovalPending,
    ]


async def test_a_rejected_over_receipt_carries_the_approver_notes() -> None:
    stores, handlers = await world()
    await handlers.order_submitted(submitted("V"))  # approved: below the threshold
    await handlers.receipt_held(held())
    await handlers.reject(
        RejectRequest(
            request_id="PO-9:receipt:GR-1", level=1, approver_id="mary", notes="Send it back"
        )
    )
    [rejected] = stores.requests.events(ReceiptApprovalRejected)
    assert (rejected.refusal, rejected.notes, rejected.approver.user_id) == (
        "rejected",
        "Send it back",
        "mary",
    )
    assert [type(e) for e in stores.requests.events(ApprovalRejected)] == [ReceiptApprovalRejected]


async def test_the_receiver_is_the_creator_when_the_order_is_unknown_here() -> None:
    stores, handlers = await world()
    await handlers.upsert_user(
        UpsertUser(user_id="clerk", name="Clerk", manager_id="adam", changed_by="r")
    )
    await handlers.receipt_held(held())
    [pending] = stores.requests.events(ReceiptApprovalPending)
    assert (pending.creator.user_id, pending.approver.user_id) == ("clerk", "adam")


async def test_the_creator_may_not_decide_the_over_receipt() -> None:
    _, handlers = await world(LevelRule(approver="named_user", user_id="adam"))
    await handlers.order_submitted(submitted("V"))
    await handlers.approve(ApproveRequest(request_id="PO-9:1", level=1, approver_id="adam"))
    await handlers.receipt_held(held())
    with pytest.raises(SelfApproval):
        await handlers.approve(
            ApproveRequest(request_id="PO-9:receipt:GR-1", level=1, approver_id="alice")
        )


async def test_a_vendor_in_no_cycle_is_refused_over_receipt_at_once() -> None:
    stores, handlers = await world(vendor=None)
    handlers.clock = lambda: NOW
    await handlers.receipt_held(held("LONELY"))
    [rejected] = stores.requests.events(ReceiptApprovalRejected)
    assert rejected.level == 1
    assert [d.level for d in rejected.decisions] == [1]
    request = await stores.requests.get("PO-9:receipt:GR-1")
    assert request is not None
    assert (request.level, request.opened_at, request.status) == (1, NOW, RequestStatus.REJECTED)
    assert (rejected.refusal, rejected.approver.user_id, rejected.cycle_id) == (
        "no_cycle",
        "system",
        None,
    )
    assert rejected.notes is not None
    assert "LONELY is in no purchase approval cycle" in rejected.notes
    assert "5% tolerance" in rejected.notes
    assert stores.requests.events(ReceiptApprovalPending) == []


async def test_a_cycle_with_nobody_to_approve_refuses_it() -> None:
    stores, handlers = await world(LevelRule(approver="named_user", user_id="adam"))
    await handlers.receipt_held(held(by="adam"))  # order unknown: adam counts as creator
    [rejected] = stores.requests.events(ReceiptApprovalRejected)
    assert rejected.refusal == "no_approver"
    assert rejected.notes is not None
    assert "No approver for level 1" in rejected.notes


async def test_cancelling_the_order_withdraws_a_waiting_one_and_keeps_an_approved_one() -> None:
    stores, handlers = await world()
    await handlers.order_submitted(submitted("V"))
    await handlers.receipt_held(held(receipt_id="GR-1"))
    await handlers.receipt_held(held(receipt_id="GR-2"))
    await handlers.approve(
        ApproveRequest(request_id="PO-9:receipt:GR-1", level=1, approver_id="mary")
    )
    cancel = OrderCancelled(
        order_id="PO-9", kind=OrderKind.PURCHASE, party_id="V", cancelled_by="alice"
    )
    await handlers.order_cancelled(cancel)
    [withdrawn] = stores.requests.events(ReceiptApprovalWithdrawn)
    assert withdrawn.receipt_id == "GR-2"
    first = await stores.requests.get("PO-9:receipt:GR-1")
    assert first is not None
    assert first.status is RequestStatus.APPROVED


async def test_a_new_attempt_of_the_order_leaves_a_waiting_over_receipt_alone() -> None:
    stores, handlers = await world()
    await handlers.order_submitted(submitted("V"))
    await handlers.receipt_held(held())
    await handlers.order_submitted(submitted("V", attempt=2))
    request = await stores.requests.get("PO-9:receipt:GR-1")
    assert request is not None
    assert request.status is RequestStatus.PENDING


def test_a_long_request_id_is_a_digest_of_order_and_receipt() -> None:
    assert receipt_request_id("PO-1", "GR-1") == "PO-1:receipt:GR-1"
    long_one = receipt_request_id("P" * 64, "G" * 64)
    assert long_one.startswith("receipt:")
    assert len(long_one) == 48
    assert long_one != receipt_request_id("P" * 64, "G" * 63 + "H")
    assert len(receipt_request_id("P" * 35, "G" * 36)) == 80


async def test_a_waiting_over_receipt_is_reminded_then_escalated_as_its_own_kind() -> None:
    stores = FakeStores()
    handlers = ApprovalHandlers(stores)
    for user in (
        UpsertUser(user_id="mary", name="Mary", changed_by="r"),
        UpsertUser(user_id="alice", name="Alice", manager_id="mary", changed_by="r"),
        UpsertUser(user_id="adam", name="Adam", admin=True, changed_by="r"),
    ):
        await handlers.upsert_user(user)
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=[LevelRule(approver="creator_manager", above=D(1000))],
            fallback_approver_id="adam",
            remind_after=timedelta(hours=1),
            escalate_after=timedelta(hours=3),
            defined_by="r",
        )
    )
    await handlers.assign_party(AssignParty(cycle_id="C", party_id="V", assigned_by="r"))
    await handlers.order_submitted(submitted("V"))
    handlers.clock = lambda: NOW
    await handlers.receipt_held(held())

    assert await handlers.remind_and_escalate(NOW + timedelta(hours=1)) == 1
    assert await handlers.remind_and_escalate(NOW + timedelta(hours=3)) == 1
    [reminder] = stores.requests.events(ReceiptReminderDue)
    assert (reminder.receipt_id, reminder.approver.user_id, reminder.reminder) == (
        "GR-1",
        "mary",
        1,
    )
    [moved] = stores.requests.events(ReceiptApprovalReassigned)
    assert (moved.reason, moved.approver.user_id, moved.receipt_id) == ("escalated", "adam", "GR-1")
    assert [type(e) for e in stores.requests.events(ApprovalReassigned)] == [
        ReceiptApprovalReassigned
    ]
