"""A valid message per consumer of over-receipt approval, and the evidence it was processed.

For the test that sends bad input to every consumer of every service (one service running at
a time): ``RECEIPT_SAMPLES`` covers inventory's consumers of the approval decisions, approval's
of ``inventory.receipt_held``, the order's of the held and refused receipts, and notification's
e-mails about over-receipt requests, keyed by (queue, routing key).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import ApprovalBasis, OrderKind, Person, WithdrawalReason, utcnow
from shared.contracts.receipts import (
    HeldLine,
    ReceiptApprovalApproved,
    ReceiptApprovalPending,
    ReceiptApprovalReassigned,
    ReceiptApprovalRejected,
    ReceiptApprovalWithdrawn,
    ReceiptHeld,
    ReceiptRefused,
    ReceiptReminderDue,
)
from tests.support.consumers import event
from tests.support.factories import purchase_order, unique
from tests.support.inventory import (
    approved,
    define_item,
    define_location,
    eventually,
    receive,
    submitted,
)
from tests.support.inventory_samples import Sample, SampleContext, _answered

D = Decimal
LINE = HeldLine(sku="S", ordered=D(1), received=D(0), offered=D(2), allowed=D(1), excess=D(1))
NO_MAIL = Person(user_id="nomail")


def _held(order_id: str, receipt_id: str | None = None) -> ReceiptHeld:
    return ReceiptHeld(
        order_id=order_id,
        party_id=unique("V"),
        attempt=1,
        receipt_id=receipt_id or unique("GR"),
        location_id="L-1",
        branch_id="B1",
        received_by="clerk",
        tolerance_percent=D(5),
        lines=[LINE],
    )


def _facts(order_id: str, receipt_id: str, *, creator: Person = NO_MAIL) -> dict[str, Any]:
    return {
        "request_id": f"{order_id}:receipt:{receipt_id}",
        "order_id": order_id,
        "order_kind": OrderKind.PURCHASE,
        "party_id": "V-1",
        "attempt": 1,
        "creator": creator,
        "cycle_id": "CYC-1",
        "notify": True,
        "receipt_id": receipt_id,
        "location_id": "L-1",
        "received_by": "clerk",
        "lines": [LINE],
    }


# --- inventory: the approval's decision -------------------------------------------------------


async def _held_in_inventory(ctx: SampleContext) -> tuple[str, str]:
    """A PO approved in inventory, with a receipt held beyond its tolerance."""
    location, item = define_location("B1"), define_item()
    await _answered(ctx, location)
    await _answered(ctx, item)
    order_id = unique("PO")
    for fact in (submitted, approved):
        await ctx.bus.send(fact(OrderKind.PURCHASE, order_id, "B1", (item.sku, "1")))
    await eventually(
        lambda: ctx.db.orders.find_one({"_id": order_id}),
        lambda doc: doc is not None and doc["state"] == "approved",
        what="the PO approved in inventory",
    )
    receipt = receive(order_id, location.location_id, (item.sku, "2"))
    assert (await _answered(ctx, receipt))["receipt_id"] == receipt.receipt_id
    return order_id, receipt.receipt_id


async def s_inventory_receipt_approved(ctx: SampleContext) -> None:
    order_id, receipt_id = await _held_in_inventory(ctx)
    decision = ReceiptApprovalApproved(
        **_facts(order_id, receipt_id), basis=ApprovalBasis.ALL_LEVELS_APPROVED
    )
    await ctx.bus.send(decision)
    await ctx.bus.wait_for("inventory.goods_received", lambda b: b.get("receipt_id") == receipt_id)


async def s_inventory_receipt_rejected(ctx: SampleContext) -> None:
    order_id, receipt_id = await _held_in_inventory(ctx)
    decision = ReceiptApprovalRejected(
        **_facts(order_id, receipt_id), level=1, approver=Person(user_id="mary"), notes="no"
    )
    await ctx.bus.send(decision)
    await ctx.bus.wait_for("inventory.receipt_refused", lambda b: b.get("receipt_id") == receipt_id)


# --- approval: a held receipt -----------------------------------------------------------------


async def s_approval_receipt_held(ctx: SampleContext) -> None:
    held = _held(unique("PO"))  # its vendor is in no cycle: refused at once
    await ctx.bus.send(held)
    await ctx.bus.wait_for(
        "approval.receipt_rejected", lambda b: b.get("receipt_id") == held.receipt_id
    )


# --- order: the timeline ----------------------------------------------------------------------


async def _noted(ctx: SampleContext, fact: ReceiptHeld | ReceiptRefused) -> None:
    await ctx.bus.send(fact)
    await eventually(
        lambda: ctx.db.orders.find_one({"_id": fact.order_id}),
        lambda doc: doc is not None and str(fact.message_id) in doc["applied_messages"],
        what=f"{fact.type_name()} on the order's timeline",
    )


async def _draft(ctx: SampleContext) -> str:
    create = purchase_order()
    await _answered(ctx, create)
    return create.order_id


async def s_order_receipt_held(ctx: SampleContext) -> None:
    await _noted(ctx, _held(await _draft(ctx)))


async def s_order_receipt_refused(ctx: SampleContext) -> None:
    order_id = await _draft(ctx)
    refused = ReceiptRefused(
        order_id=order_id,
        receipt_id=unique("GR"),
        location_id="L-1",
        received_by="clerk",
        lines=[LINE],
        reason="over_receipt",
        detail="nobody may approve it",
    )
    await _noted(ctx, refused)


# --- notification: e-mails ---------------------------------------------------------------------


async def _mail_failed(ctx: SampleContext, fact: Any) -> None:
    """An e-mail to someone without an address: processed, and failed (no address)."""
    await ctx.bus.send(fact)
    await ctx.bus.wait_for(
        "notification.email_failed", lambda b: b.get("source_message_id") == str(fact.message_id)
    )


def _waiting() -> dict[str, Any]:
    return {**_facts(unique("PO"), unique("GR")), "level": 1, "levels": 1, "approver": NO_MAIL}


async def s_notify_receipt_pending(ctx: SampleContext) -> None:
    await _mail_failed(ctx, ReceiptApprovalPending(**_waiting()))


async def s_notify_receipt_reassigned(ctx: SampleContext) -> None:
    moved = ReceiptApprovalReassigned(
        **_waiting(), previous_approver=Person(user_id="mary"), reassigned_by="root"
    )
    await _mail_failed(ctx, moved)


async def s_notify_receipt_reminder(ctx: SampleContext) -> None:
    await _mail_failed(ctx, ReceiptReminderDue(**_waiting(), reminder=1, waiting_since=utcnow()))


async def s_notify_receipt_withdrawn(ctx: SampleContext) -> None:
    withdrawn = ReceiptApprovalWithdrawn(**_waiting(), reason=WithdrawalReason.ORDER_CANCELLED)
    await _mail_failed(ctx, withdrawn)


async def s_notify_receipt_approved(ctx: SampleContext) -> None:
    facts = _facts(unique("PO"), unique("GR"))
    await _mail_failed(
        ctx, ReceiptApprovalApproved(**facts, basis=ApprovalBasis.ALL_LEVELS_APPROVED)
    )


async def s_notify_receipt_rejected(ctx: SampleContext) -> None:
    facts = _facts(unique("PO"), unique("GR"))
    await _mail_failed(
        ctx, ReceiptApprovalRejected(**facts, level=1, approver=Person(user_id="m"), notes="no")
    )


RECEIPT_SAMPLES: dict[tuple[str, str], Sample] = {
    event("inventory", "approval.receipt_approved"): s_inventory_receipt_approved,
    event("inventory", "approval.receipt_rejected"): s_inventory_receipt_rejected,
    event("approval", "inventory.receipt_held"): s_approval_receipt_held,
    event("order", "inventory.receipt_held"): s_order_receipt_held,
    event("order", "inventory.receipt_refused"): s_order_receipt_refused,
    event("notification", "approval.receipt_pending"): s_notify_receipt_pending,
    event("notification", "approval.receipt_reassigned"): s_notify_receipt_reassigned,
    event("notification", "approval.receipt_reminder_due"): s_notify_receipt_reminder,
    event("notification", "approval.receipt_withdrawn"): s_notify_receipt_withdrawn,
    event("notification", "approval.receipt_approved"): s_notify_receipt_approved,
    event("notification", "approval.receipt_rejected"): s_notify_receipt_rejected,
}
