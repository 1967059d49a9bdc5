"""A sales order shows, when created or changed, whether its branch's stock can serve it (from
the stock inventory publishes), and a branch may refuse the orders its stock cannot serve."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import ConfigureBranch, UpdateOrder, WhenStockShort
from shared.storage.mongo import Document
from tests.support.factories import lines, sales_order, unique
from tests.support.inventory import InventoryDriver, eventually, opening


async def test_a_sales_order_shows_what_its_branch_can_serve_and_a_branch_may_refuse(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    branch = unique("BR")
    loc = await inventory.branch(branch, "SKU-A", "SKU-B")
    await inventory.accepted(opening("SKU-A", loc, "5"))
    await inventory.accepted(opening("SKU-B", loc, "1"))
    await eventually(
        lambda: order_db.stock_levels.count_documents({"location_id": loc}),
        lambda count: count == 2,
        what="the order service to learn the stock",
    )

    so = sales_order(branch_id=branch, lines=lines(("SKU-A", "3", "1"), ("SKU-B", "2", "1")))
    await inventory.bus.send(so, reply=True)
    created = (await inventory.bus.reply_for(so)).body
    availability = created["availability"]
    assert (availability["status"], availability["location_id"]) == ("short", loc)
    assert [
        (x["sku"], x["requested"], x["available"], x["status"]) for x in availability["lines"]
    ] == [
        ("SKU-A", "3", "5", "available"),
        ("SKU-B", "2", "1", "short"),
    ]
    stored = await order_db.orders.find_one({"_id": so.order_id})
    assert stored is not None
    assert stored["availability"]["status"] == "short"

    configure = ConfigureBranch(
        branch_id=branch, when_stock_short=WhenStockShort.REFUSE, configured_by="root"
    )
    await inventory.bus.send(configure, reply=True)
    assert (await inventory.bus.reply_for(configure)).type == "BranchConfigured"

    too_many = sales_order(branch_id=branch, lines=lines(("SKU-A", "6", "1")))
    await inventory.bus.send(too_many, reply=True)
    refused = (await inventory.bus.reply_for(too_many)).body
    assert refused["reason"] == "insufficient_stock"
    assert "SKU-A: 6 requested, 5 available" in refused["detail"]
    assert await order_db.orders.find_one({"_id": too_many.order_id}) is None

    nowhere = sales_order(branch_id=unique("BR"), lines=lines(("SKU-A", "1", "1")))
    await inventory.bus.send(nowhere, reply=True)
    unknown = (await inventory.bus.reply_for(nowhere)).body
    assert unknown["availability"]["status"] == "unknown"  # that branch allows

    # the short order changed to what the stock serves, then beyond it: refused
    fits = UpdateOrder(order_id=so.order_id, updated_by="bob", lines=lines(("SKU-A", "5", "1")))
    await inventory.bus.send(fits, reply=True)
    assert (await inventory.bus.reply_for(fits)).body["availability"]["status"] == "available"
    beyond = UpdateOrder(order_id=so.order_id, updated_by="bob", lines=lines(("SKU-B", "9", "1")))
    await inventory.bus.send(beyond, reply=True)
    assert (await inventory.bus.reply_for(beyond)).body["reason"] == "insufficient_stock"
