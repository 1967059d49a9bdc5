"""Over-receipt e-mails: the approver of the vendor's purchase cycle hears of a held receipt
(with its lines and how to decide), the order's creator of its outcome (approved, or rejected
with the approver's notes); bad input to notification's new consumers is dead-lettered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import LevelRule
from shared.contracts.receipts import HeldLine, ReceiptHeld
from shared.names import EVENTS
from tests.integration.approval.conftest import World
from tests.integration.inventory.test_bad_input import break_then_heal
from tests.support.factories import unique
from tests.support.inventory import eventually
from tests.support.smtp import Received, SmtpServer

D = Decimal
LINE = HeldLine(
    sku="BOLT", ordered=D(20), received=D(21), offered=D(1), allowed=D("21.00"), excess=D("1.00")
)


async def held_receipt(world: World, order_id: str, vendor: str) -> dict[str, Any]:
    """Inventory held a receipt of ``order_id``: the over-receipt request it opened."""
    receipt_id = unique("GR")
    await world.bus.send(
        ReceiptHeld(
            order_id=order_id,
            party_id=vendor,
            attempt=1,
            receipt_id=receipt_id,
            location_id="L-1",
            branch_id="BR-NORTH",
            received_by="clerk",
            tolerance_percent=D(5),
            lines=[LINE],
        )
    )
    [pending] = await world.bus.wait_for(
        "approval.receipt_pending", lambda b: b.get("receipt_id") == receipt_id
    )
    return pending.body


async def mail_about(smtp: SmtpServer, address: str, receipt_id: str) -> Received:
    """The e-mail to ``address`` about the receipt (others reach them too: the order's)."""

    async def mails() -> list[Received]:
        return smtp.to(address)

    found = await eventually(
        mails, lambda got: any(receipt_id in m.subject for m in got), what=f"mail to {address}"
    )
    return next(m for m in found if receipt_id in m.subject)


async def test_the_approver_and_then_the_creator_are_told(world: World, smtp: SmtpServer) -> None:
    vendor = unique("V")
    cycle = await world.cycle(LevelRule(approver="creator_manager", above=D(1_000_000)))
    await world.assign(cycle, vendor)
    order_id = await world.submitted_order(party_id=vendor)  # below the threshold: approved
    await world.order_status(order_id, "approved")

    first = await held_receipt(world, order_id, vendor)
    to_mary = await mail_about(smtp, "mary@example.com", first["receipt_id"])
    assert " ".join(to_mary.subject.split()) == (
        f"Over-receipt {first['receipt_id']}: Approval needed: Purchase order {order_id} "
        "(level 1 of 1)"
    )
    assert f"goods receipt {first['receipt_id']} (received by clerk at" in to_mary.body
    assert "BOLT: ordered 20, received 21, this receipt 1, the tolerance allows 21.00, " in (
        to_mary.body
    )
    assert f'"request_id": "{first["request_id"]}"' in to_mary.body
    assert (await world.approve(first, "mary")).type == "ReceiptApprovalApproved"
    approved = await mail_about(smtp, "alice@example.com", first["receipt_id"])
    assert " ".join(approved.subject.split()) == (
        f"Approved: over-receipt {first['receipt_id']} of purchase order {order_id}"
    )
    assert "approved by Mary Manager, and is received into stock now" in approved.body

    second = await held_receipt(world, order_id, vendor)
    answer = await world.reject(second, "mary", notes="Send the extra bolt back.")
    assert answer.type == "ReceiptApprovalRejected"
    rejected = await mail_about(smtp, "alice@example.com", second["receipt_id"])
    assert rejected.subject.startswith("Rejected: over-receipt")
    assert "rejected by Mary Manager, and nothing was received" in rejected.body
    assert "Notes: Send the extra bolt back." in rejected.body


async def test_notification_dead_letters_bad_over_receipt_events_and_goes_on(
    world: World, smtp: SmtpServer
) -> None:
    vendor = unique("V")
    cycle = await world.cycle(LevelRule(approver="creator_manager", above=D(1_000_000)))
    await world.assign(cycle, vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.order_status(order_id, "approved")

    async def pending() -> None:
        request = await held_receipt(world, order_id, vendor)
        await mail_about(smtp, "mary@example.com", request["receipt_id"])

    async def decided(approve: bool) -> None:
        request = await held_receipt(world, order_id, vendor)
        if approve:
            await world.approve(request, "mary")
        else:
            await world.reject(request, "mary", notes="no")
        await mail_about(smtp, "alice@example.com", request["receipt_id"])

    async def approved() -> None:
        await decided(True)

    async def rejected() -> None:
        await decided(False)

    for queue, routing_key, valid in (
        ("notification.approval-receipt-pending", "approval.receipt_pending", pending),
        ("notification.approval-receipt-approved", "approval.receipt_approved", approved),
        ("notification.approval-receipt-rejected", "approval.receipt_rejected", rejected),
    ):
        await break_then_heal(world.bus, EVENTS, queue, routing_key, valid)
