"""Goods issue over the broker: only against approved SOs, never beyond the order or the stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import OrderKind
from tests.support.factories import unique
from tests.support.inventory import (
    InventoryDriver,
    adjust,
    approved,
    issue,
    opening,
    submitted,
)

SO = OrderKind.SALES


async def test_issue_before_approval_is_refused(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-9")
    await inventory.accepted(opening("SKU-9", loc, "10"))
    so = unique("SO")
    await inventory.learnt(submitted(SO, so, "BR-S", ("SKU-9", "2")))

    reply = await inventory.refused(issue(so, loc, ("SKU-9", "2")))

    assert reply.body["reason"] == "order_not_approved"
    assert "approved" in reply.body["detail"]
    stock = await inventory.stock("SKU-9", loc)
    assert (stock["on_hand"], stock["reserved"]) == (Decimal(10), Decimal(2))


async def test_partial_issue_leaves_a_backorder_and_the_final_issue_completes(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-9")
    await inventory.accepted(opening("SKU-9", loc, "3"))
    so = unique("SO")
    await inventory.learnt(submitted(SO, so, "BR-S", ("SKU-9", "5")))
    await inventory.learnt(approved(SO, so, "BR-S", ("SKU-9", "5")))

    partial = await inventory.accepted(issue(so, loc, ("SKU-9", "3")))
    assert partial.type == "GoodsIssued"
    assert partial.body["backorder"] == [{"sku": "SKU-9", "quantity": "2"}]
    assert partial.body["completed"] is False

    short = await inventory.refused(issue(so, loc, ("SKU-9", "2")))
    assert short.body["reason"] == "insufficient_stock"

    await inventory.accepted(adjust("SKU-9", loc, "4", reason="found in the back room"))
    final = await inventory.accepted(issue(so, loc, ("SKU-9", "2")))
    assert final.body["backorder"] == []
    assert final.body["completed"] is True
    stock = await inventory.stock("SKU-9", loc)
    assert (stock["on_hand"], stock["reserved"], stock["issued"]) == (2, 0, 5)


async def test_never_more_than_ordered(inventory: InventoryDriver, inventory_service: Any) -> None:
    loc = await inventory.branch("BR-S", "SKU-9")
    await inventory.accepted(opening("SKU-9", loc, "50"))
    so = unique("SO")
    await inventory.learnt(approved(SO, so, "BR-S", ("SKU-9", "4")))
    await inventory.accepted(issue(so, loc, ("SKU-9", "3")))

    reply = await inventory.refused(issue(so, loc, ("SKU-9", "2")))

    assert reply.body["reason"] == "exceeds_ordered"
    assert "4 ordered" in reply.body["detail"]
    assert "3 issued" in reply.body["detail"]
    assert (await inventory.stock("SKU-9", loc))["on_hand"] == Decimal(47)


async def test_an_issue_uses_its_reservation_and_leaves_others_alone(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-9")
    await inventory.accepted(opening("SKU-9", loc, "5"))
    holder, latecomer = unique("SO"), unique("SO")
    await inventory.learnt(approved(SO, holder, "BR-S", ("SKU-9", "4")))
    await inventory.learnt(approved(SO, latecomer, "BR-S", ("SKU-9", "3")))

    refused = await inventory.refused(issue(latecomer, loc, ("SKU-9", "2")))
    await inventory.accepted(issue(latecomer, loc, ("SKU-9", "1")))
    await inventory.accepted(issue(holder, loc, ("SKU-9", "4")))

    assert refused.body["reason"] == "insufficient_stock"
    assert "4 reserved for other orders" in refused.body["detail"]
    stock = await inventory.stock("SKU-9", loc)
    assert (stock["on_hand"], stock["reserved"], stock["held"]) == (0, 0, [])


async def test_a_sales_order_is_issued_from_where_its_stock_is_reserved(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    sales = await inventory.branch("BR-S", "SKU-9")
    other = await inventory.branch("BR-S")
    await inventory.accepted(opening("SKU-9", other, "5"))
    so = unique("SO")
    await inventory.learnt(approved(SO, so, "BR-S", ("SKU-9", "1")))

    reply = await inventory.refused(issue(so, other, ("SKU-9", "1")))

    assert reply.body["reason"] == "wrong_location"
    assert sales in reply.body["detail"]


async def test_an_issue_is_applied_once_however_often_it_arrives(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-9")
    await inventory.accepted(opening("SKU-9", loc, "5"))
    so = unique("SO")
    await inventory.learnt(approved(SO, so, "BR-S", ("SKU-9", "5")))
    cmd = issue(so, loc, ("SKU-9", "2"))

    for _ in range(3):
        await inventory.bus.send(cmd, reply=True)
    await inventory.bus.reply_for(cmd)
    await inventory.bus.settle()

    await inventory.ledger_caught_up()
    kinds = [e["kind"] for e in await inventory.ledger("SKU-9", loc)]
    assert kinds == ["opening", "reservation", "issue"]
    assert (await inventory.stock("SKU-9", loc))["on_hand"] == Decimal(3)
    assert len(inventory.bus.matching("inventory.goods_issued", lambda b: b["order_id"] == so)) == 1
