"""Over-receipt approval over the broker, with the order, approval and inventory services: a
receipt beyond the order's tolerance is held, sent to the vendor's purchase cycle's first-level
approver, received when approved, refused with the notes when rejected; a vendor in no cycle
is refused as before; a cancelled order refuses what it holds. And bad input to each new
consumer is dead-lettered while the queue goes on."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import (
    ApproveRequest,
    AssignParty,
    CancelOrder,
    DefineCycle,
    LevelRule,
    OrderKind,
    RejectRequest,
    SubmitOrder,
    UpsertUser,
)
from shared.contracts.receipts import HeldLine, ReceiptApprovalApproved, ReceiptApprovalRejected
from shared.names import EVENTS
from shared.storage.mongo import Document
from tests.integration.inventory.test_bad_input import BROKEN
from tests.support.bus import Received
from tests.support.factories import lines, purchase_order, unique
from tests.support.inventory import InventoryDriver, eventually, receive
from tests.support.services import asgi_get

# Level 1 is the creator's manager, above an amount no test order reaches: the orders are
# approved at once, and an over-receipt still goes to the manager (thresholds do not apply).
MANAGER_ABOVE = LevelRule(approver="creator_manager", above=Decimal(1_000_000))


async def command(inventory: InventoryDriver, cmd: Any) -> Received:
    reply = await inventory.command(cmd)
    assert reply.type != "CommandRejected", reply.body
    return reply


async def purchase_cycle(inventory: InventoryDriver, vendor: str) -> None:
    """alice (manager mary) buys from ``vendor``, who is in a purchase cycle."""
    for user in (
        UpsertUser(user_id="mary", name="Mary Manager", changed_by="root"),
        UpsertUser(user_id="alice", name="Alice Buyer", manager_id="mary", changed_by="root"),
        UpsertUser(user_id="adam", name="Adam Admin", admin=True, changed_by="root"),
    ):
        await command(inventory, user)
    cycle_id = unique("CYC")
    await command(
        inventory,
        DefineCycle(
            cycle_id=cycle_id,
            name="buying",
            order_kind=OrderKind.PURCHASE,
            levels=[MANAGER_ABOVE],
            fallback_approver_id="adam",
            defined_by="root",
        ),
    )
    await command(inventory, AssignParty(cycle_id=cycle_id, party_id=vendor, assigned_by="root"))


async def approved_po(inventory: InventoryDriver, vendor: str, quantity: str = "10") -> str:
    po = purchase_order(vendor_id=vendor, lines=lines(("SKU-1", quantity, "4.50")))
    await command(inventory, po)
    await command(inventory, SubmitOrder(order_id=po.order_id, submitted_by="alice"))
    await eventually(
        lambda: inventory.order(po.order_id),
        lambda doc: doc is not None and doc["state"] == "approved",
        what="inventory to learn the PO approved",
    )
    return po.order_id


async def held(
    inventory: InventoryDriver,
    order_id: str,
    loc: str,
    quantity: str,
    *,
    on_hand: int | None = 0,
) -> str:
    """Receive beyond the tolerance: held, nothing more in stock; the receipt id."""
    receipt = receive(order_id, loc, ("SKU-1", quantity))
    reply = await command(inventory, receipt)
    assert reply.type == "ReceiptHeld", reply.body
    assert reply.body["receipt_id"] == receipt.receipt_id
    if on_hand is not None:
        assert (await inventory.stock("SKU-1", loc))["on_hand"] == on_hand
    return receipt.receipt_id


async def timeline(
    order_service: Any, order_id: str, event: str, *, count: int = 1
) -> list[dict[str, Any]]:
    """The order's timeline once it holds ``count`` entries of ``event``."""

    async def story() -> list[dict[str, Any]]:
        _, answer = await asgi_get(order_service, "/orders/timeline", f"order_id={order_id}")
        return list(answer["timeline"])

    return await eventually(
        story,
        lambda entries: sum(e["event"] == event for e in entries) >= count,
        what=f"{event} on the timeline of {order_id}",
    )


async def test_a_held_receipt_approved_by_the_manager_is_received_with_its_costs(
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    vendor = unique("V")
    await purchase_cycle(inventory, vendor)
    loc = await inventory.branch("BR-NORTH", "SKU-1")
    po = await approved_po(inventory, vendor, quantity="20")

    at_tolerance = await command(inventory, receive(po, loc, ("SKU-1", "21")))  # 20 + 5 %
    assert at_tolerance.type == "GoodsReceived"
    receipt_id = await held(inventory, po, loc, "1", on_hand=21)  # one unit above it

    [pending] = await inventory.bus.wait_for(
        "approval.receipt_pending", lambda b: b["receipt_id"] == receipt_id
    )
    assert (pending.body["approver"]["user_id"], pending.body["creator"]["user_id"]) == (
        "mary",
        "alice",
    )
    assert pending.body["lines"] == [
        HeldLine(
            sku="SKU-1",
            ordered=Decimal(20),
            received=Decimal(21),
            offered=Decimal(1),
            allowed=Decimal("21.00"),
            excess=Decimal("1.00"),
        ).model_dump(mode="json")
    ]
    request_id = pending.body["request_id"]
    status, [request] = await asgi_get(approval_service, "/requests", f"request_id={request_id}")
    assert (status, request["subject"], request["status"]) == (200, "over_receipt", "pending")
    assert (request["receipt"]["receipt_id"], request["receipt"]["received_by"]) == (
        receipt_id,
        "clerk",
    )
    _, attempts = await asgi_get(approval_service, "/requests", f"order_id={po}&subject=order")
    assert [r["id"] for r in attempts] == [f"{po}:1"]

    decide = ApproveRequest(request_id=request_id, level=1, approver_id="mary")
    answer = await command(inventory, decide)
    assert answer.type == ReceiptApprovalApproved.type_name()

    [received] = await inventory.bus.wait_for(
        "inventory.goods_received", lambda b: b["receipt_id"] == receipt_id
    )
    assert received.body["lines"] == [{"sku": "SKU-1", "quantity": "1"}]
    assert received.body["costs"] == [
        {"sku": "SKU-1", "quantity": "1", "unit_cost": "4.500000", "cost": "4.50"}
    ]
    assert received.body["order_lines"] == [{"sku": "SKU-1", "ordered": "20", "fulfilled": "22"}]
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == Decimal(22)
    order = await eventually(
        lambda: order_db.orders.find_one({"_id": po}),
        lambda doc: doc is not None and doc["status"] == "completed",
        what="the order service to count the receipt",
    )
    assert order is not None
    _, known = await asgi_get(inventory_service, "/orders", f"order_id={po}")
    assert [(h["receipt_id"], h["state"], h["decided_by"]) for h in known["held"]] == [
        (receipt_id, "approved", "mary")
    ]
    story = await timeline(order_service, po, "inventory.goods_received", count=2)
    held_entry = next(e for e in story if e["event"] == "inventory.receipt_held")
    assert held_entry["summary"] == (
        f"receipt {receipt_id} at {loc} held for approval, beyond the 5% tolerance: SKU-1 1.00 over"
    )
    assert held_entry["by"] == "clerk"


async def test_a_held_receipt_rejected_is_refused_with_the_notes_and_nothing_moves(
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
) -> None:
    vendor = unique("V")
    await purchase_cycle(inventory, vendor)
    loc = await inventory.branch("BR-NORTH", "SKU-1")
    po = await approved_po(inventory, vendor)
    receipt_id = await held(inventory, po, loc, "12")
    [pending] = await inventory.bus.wait_for(
        "approval.receipt_pending", lambda b: b["receipt_id"] == receipt_id
    )

    notes = "Two too many: send them back to the vendor."
    decide = RejectRequest(
        request_id=pending.body["request_id"], level=1, approver_id="mary", notes=notes
    )
    answer = await command(inventory, decide)
    assert answer.type == ReceiptApprovalRejected.type_name()
    assert answer.body["refusal"] == "rejected"

    [refused] = await inventory.bus.wait_for(
        "inventory.receipt_refused", lambda b: b["receipt_id"] == receipt_id
    )
    assert (refused.body["reason"], refused.body["notes"], refused.body["decided_by"]) == (
        "over_receipt_rejected",
        notes,
        "mary",
    )
    assert notes in refused.body["detail"]
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == 0
    assert not inventory.bus.matching(
        "inventory.goods_received", lambda b: b["receipt_id"] == receipt_id
    )
    [entry] = [
        e
        for e in await timeline(order_service, po, "inventory.receipt_refused")
        if e["event"] == "inventory.receipt_refused"
    ]
    assert entry["by"] == "mary"
    assert notes in entry["summary"]
    within = await command(inventory, receive(po, loc, ("SKU-1", "10")))  # still receivable
    assert within.type == "GoodsReceived"


async def test_a_vendor_in_no_cycle_is_refused_over_receipt_as_before(
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
) -> None:
    vendor = unique("V")  # in no cycle: the PO is approved at once
    loc = await inventory.branch("BR-NORTH", "SKU-1")
    po = await approved_po(inventory, vendor, quantity="100")
    receipt_id = await held(inventory, po, loc, "106")

    [refused] = await inventory.bus.wait_for(
        "inventory.receipt_refused", lambda b: b["receipt_id"] == receipt_id
    )
    assert refused.body["reason"] == "over_receipt"
    assert f"Vendor {vendor} is in no purchase approval cycle" in refused.body["detail"]
    assert refused.body["decided_by"] is None
    assert refused.body["lines"][0]["excess"] == "1.00"
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == 0
    assert not inventory.bus.matching(
        "approval.receipt_pending", lambda b: b["receipt_id"] == receipt_id
    )


async def test_cancelling_the_order_refuses_the_held_receipt_and_withdraws_its_request(
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
) -> None:
    vendor = unique("V")
    await purchase_cycle(inventory, vendor)
    loc = await inventory.branch("BR-NORTH", "SKU-1")
    po = await approved_po(inventory, vendor)
    receipt_id = await held(inventory, po, loc, "20")
    [pending] = await inventory.bus.wait_for(
        "approval.receipt_pending", lambda b: b["receipt_id"] == receipt_id
    )

    await command(inventory, CancelOrder(order_id=po, cancelled_by="alice", reason="not needed"))

    [refused] = await inventory.bus.wait_for(
        "inventory.receipt_refused", lambda b: b["receipt_id"] == receipt_id
    )
    assert refused.body["reason"] == "order_closed"
    await inventory.bus.wait_for(
        "approval.receipt_withdrawn", lambda b: b["request_id"] == pending.body["request_id"]
    )
    late = ApproveRequest(request_id=pending.body["request_id"], level=1, approver_id="mary")
    reply = await inventory.command(late)
    assert reply.body["reason"] == "request_already_decided"
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == 0


async def test_the_new_consumers_dead_letter_bad_input_and_go_on(
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
) -> None:
    vendor = unique("V")
    await purchase_cycle(inventory, vendor)
    loc = await inventory.branch("BR-NORTH", "SKU-1")
    po = await approved_po(inventory, vendor, quantity="100")
    ids: list[str] = []

    async def hold() -> None:
        ids.append(await held(inventory, po, loc, "200", on_hand=None))
        await inventory.bus.wait_for(
            "approval.receipt_pending", lambda b: b.get("receipt_id") == ids[-1]
        )

    async def decide(kind: type[ApproveRequest] | type[RejectRequest], event: str) -> None:
        await hold()
        [pending] = inventory.bus.matching(
            "approval.receipt_pending", lambda b: b.get("receipt_id") == ids[-1]
        )
        await command(
            inventory,
            kind(request_id=pending.body["request_id"], level=1, approver_id="mary", notes="n"),
        )
        await inventory.bus.wait_for(event, lambda b: b.get("receipt_id") == ids[-1])

    async def noted(event: str, act: Any) -> None:
        await act()
        await eventually(
            lambda: timeline(order_service, po, event),
            lambda entries: any(ids[-1] in (e.get("summary") or "") for e in entries),
            what=f"the order to note {event}",
        )

    # (routing key, the queues consuming it, a valid message each of them then takes)
    cases: list[tuple[str, list[str], Callable[[], Awaitable[None]]]] = [
        (
            "inventory.receipt_held",
            ["approval.inventory-receipt-held", "order.inventory-receipt-held"],
            lambda: noted("inventory.receipt_held", hold),
        ),
        (
            "approval.receipt_approved",
            ["inventory.approval-receipt-approved"],
            lambda: decide(ApproveRequest, "inventory.goods_received"),
        ),
        (
            "approval.receipt_rejected",
            ["inventory.approval-receipt-rejected"],
            lambda: decide(RejectRequest, "inventory.receipt_refused"),
        ),
        (
            "inventory.receipt_refused",
            ["order.inventory-receipt-refused"],
            lambda: noted(
                "inventory.receipt_refused",
                lambda: decide(RejectRequest, "inventory.receipt_refused"),
            ),
        ),
    ]
    for routing_key, queues, valid in cases:
        sent = [str(uuid.uuid4()) for _ in BROKEN]
        for body, message_id in zip(BROKEN, sent, strict=True):
            await inventory.bus.send_raw(EVENTS, routing_key, body, message_id=message_id)
        for queue in queues:
            letters = await inventory.bus.dead_letters(queue, count=len(BROKEN))
            assert {d.message_id for d in letters} == set(sent), queue
            reasons = {d.message_id: d.headers["x-oms-reason"] for d in letters}
            assert set(reasons.values()) == {"invalid_message"}, queue
        await valid()  # every queue moved on
