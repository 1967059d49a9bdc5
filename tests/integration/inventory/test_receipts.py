"""Goods receipt over the broker: only against approved POs, within the order plus tolerance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

from shared.contracts import OrderKind
from tests.support.factories import unique
from tests.support.inventory import InventoryDriver, approved, receive, submitted

PO = OrderKind.PURCHASE


async def approved_po(inventory: InventoryDriver, branch: str, *lines: tuple[str, str]) -> str:
    order_id = unique("PO")
    await inventory.learnt(submitted(PO, order_id, branch, *lines))
    await inventory.learnt(approved(PO, order_id, branch, *lines))
    return order_id


async def test_receipt_before_approval_is_refused_and_after_approval_accepted(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1")
    po = unique("PO")
    await inventory.learnt(submitted(PO, po, "BR-N", ("SKU-1", "10")))

    early = await inventory.refused(receive(po, loc, ("SKU-1", "4")))
    assert early.body["reason"] == "order_not_approved"
    assert "approved" in early.body["detail"]
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == 0

    await inventory.learnt(approved(PO, po, "BR-N", ("SKU-1", "10")))
    receipt = receive(po, loc, ("SKU-1", "4"))
    reply = await inventory.accepted(receipt)

    assert reply.type == "GoodsReceived"
    assert reply.body["receipt_id"] == receipt.receipt_id
    assert reply.body["order_lines"] == [{"sku": "SKU-1", "ordered": "10", "fulfilled": "4"}]
    assert reply.body["fully_received"] is False
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == Decimal(4)
    await inventory.bus.wait_for("inventory.goods_received", lambda b: b["order_id"] == po)


async def test_partial_then_final_receipt_completes_the_po(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1", "SKU-2")
    po = await approved_po(inventory, "BR-N", ("SKU-1", "10"), ("SKU-2", "3"))

    first = await inventory.accepted(receive(po, loc, ("SKU-1", "6"), ("SKU-2", "3")))
    final = await inventory.accepted(receive(po, loc, ("SKU-1", "4")))

    assert first.body["fully_received"] is False
    assert final.body["fully_received"] is True
    assert final.body["order_lines"] == [
        {"sku": "SKU-1", "ordered": "10", "fulfilled": "10"},
        {"sku": "SKU-2", "ordered": "3", "fulfilled": "3"},
    ]
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == Decimal(10)
    assert (await inventory.stock("SKU-2", loc))["on_hand"] == Decimal(3)


async def test_over_receipt_beyond_tolerance_is_held_within_it_accepted(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1")
    po = await approved_po(inventory, "BR-N", ("SKU-1", "100"))
    await inventory.accepted(receive(po, loc, ("SKU-1", "100")))

    beyond = await inventory.accepted(receive(po, loc, ("SKU-1", "6")))
    within = await inventory.accepted(receive(po, loc, ("SKU-1", "5")))  # default tolerance 5 %

    # Beyond the tolerance the receipt waits for approval (see test_over_receipts).
    assert beyond.type == "ReceiptHeld"
    assert beyond.body["lines"] == [
        {
            "sku": "SKU-1",
            "ordered": "100",
            "received": "100",
            "offered": "6",
            "allowed": "105.00",
            "excess": "1.00",
        }
    ]
    assert within.type == "GoodsReceived"
    assert within.body["order_lines"][0]["fulfilled"] == "105"
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == Decimal(105)


async def test_receipts_that_break_a_rule_name_it(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1", "SKU-OTHER")
    elsewhere = await inventory.branch("BR-S")
    po = await approved_po(inventory, "BR-N", ("SKU-1", "10"))
    so = unique("SO")
    await inventory.learnt(approved(OrderKind.SALES, so, "BR-N", ("SKU-1", "1")))

    cases = {
        "unknown_order": receive(unique("PO"), loc, ("SKU-1", "1")),
        "unknown_location": receive(po, unique("NOWHERE"), ("SKU-1", "1")),
        "unknown_item": receive(po, loc, ("SKU-NEVER-DEFINED", "1")),
        "invalid_quantity": receive(po, loc, ("SKU-1", "1.5")),
        "not_on_order": receive(po, loc, ("SKU-OTHER", "1")),
        "wrong_location": receive(po, elsewhere, ("SKU-1", "1")),
        "wrong_order_kind": receive(so, loc, ("SKU-1", "1")),
    }
    for reason, cmd in cases.items():
        reply = await inventory.refused(cmd)
        assert reply.body["reason"] == reason, reply.body
        assert reply.body["detail"]
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == 0


async def test_a_receipt_is_applied_once_however_often_it_arrives(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1")
    po = await approved_po(inventory, "BR-N", ("SKU-1", "10"))
    receipt = receive(po, loc, ("SKU-1", "4"))

    for _ in range(3):  # the same message, redelivered
        await inventory.bus.send(receipt, reply=True)
    await inventory.bus.reply_for(receipt)
    resent = receipt.model_copy(update={"message_id": uuid4()})
    again = await inventory.refused(resent)  # the same receipt under a new message

    assert again.body["reason"] == "duplicate_document"
    await inventory.ledger_caught_up()
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == Decimal(4)
    assert [e["kind"] for e in await inventory.ledger("SKU-1", loc)] == ["receipt"]
    assert (
        len(inventory.bus.matching("inventory.goods_received", lambda b: b["order_id"] == po)) == 1
    )
