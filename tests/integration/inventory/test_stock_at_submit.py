"""A branch that refuses short sales orders refuses them when they are submitted too: inventory
holds the stock all or nothing before the order enters approval, so two orders created at once
on the same stock cannot both pass."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import CancelOrder, ConfigureBranch, SubmitOrder, WhenStockShort
from shared.storage.mongo import Document
from tests.support.bus import having
from tests.support.factories import lines, sales_order, unique
from tests.support.inventory import InventoryDriver, eventually, opening

D = Decimal


async def refusing_branch(
    inventory: InventoryDriver, order_db: AsyncDatabase[Document], on_hand: str
) -> tuple[str, str]:
    """A branch that refuses short orders, with ``on_hand`` of SKU-A; (branch, location)."""
    branch = unique("BR")
    location = await inventory.branch(branch, "SKU-A")
    await inventory.accepted(opening("SKU-A", location, on_hand))
    await inventory.accepted(
        ConfigureBranch(branch_id=branch, when_stock_short=WhenStockShort.REFUSE, configured_by="r")
    )
    await eventually(
        lambda: order_db.stock_levels.count_documents({"location_id": location}),
        lambda count: count == 1,
        what="the order service to learn the stock",
    )
    return branch, location


async def test_two_orders_created_at_once_cannot_both_pass_at_submit(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    bus = inventory.bus
    branch, location = await refusing_branch(inventory, order_db, "5")
    first, second = (
        sales_order(branch_id=branch, lines=lines(("SKU-A", "4", "1"))) for _ in range(2)
    )
    # Both are created: each alone is served by the 5 on hand (a first look).
    for created in await asyncio.gather(*(inventory.accepted(o) for o in (first, second))):
        assert created.body["availability"]["status"] == "available"

    submits = [SubmitOrder(order_id=o.order_id, submitted_by="bob") for o in (first, second)]
    answers = await asyncio.gather(*(inventory.accepted(s) for s in submits))
    assert {a.type for a in answers} == {"OrderStockHoldRequested"}

    [entered] = await bus.wait_for(
        "order.submitted", lambda b: b["order_id"] in {first.order_id, second.order_id}
    )
    [refused] = await bus.wait_for(
        "order.stock_hold_refused", lambda b: b["order_id"] in {first.order_id, second.order_id}
    )
    assert entered.body["order_id"] != refused.body["order_id"]
    assert [
        (s["sku"], D(s["requested"]), D(s["available"])) for s in refused.body["shortages"]
    ] == [("SKU-A", D(4), D(1))]
    assert "SKU-A: 4 requested, 1 available" in refused.body["detail"]
    late = next(s for s in submits if s.order_id == refused.body["order_id"])
    [answer] = await bus.wait_for(
        "order.command_rejected", having(command_message_id=str(late.message_id))
    )
    assert answer.body["reason"] == "insufficient_stock"

    # The refused order is a draft again, says why, and holds nothing; the other holds 4.
    stored = await order_db.orders.find_one({"_id": refused.body["order_id"]})
    assert stored is not None
    assert stored["status"] == "draft"
    assert stored["stock_refusal"]["shortages"][0]["available"] == D(1)
    stock = await eventually(
        lambda: inventory.stock("SKU-A", location),
        lambda doc: doc["reserved"] == D(4),
        what="only the order that passed to hold stock",
    )
    assert stock["on_hand"] == D(5)
    await bus.wait_for(
        "inventory.reservation_released",
        lambda b: b["order_id"] == refused.body["order_id"] and b["reason"] == "stock_short",
    )


async def test_an_order_short_at_submit_goes_back_and_passes_once_stock_is_freed(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    bus = inventory.bus
    branch, location = await refusing_branch(inventory, order_db, "5")
    big = sales_order(branch_id=branch, lines=lines(("SKU-A", "5", "1")))
    late = sales_order(branch_id=branch, lines=lines(("SKU-A", "2", "1")))
    for order in (big, late):
        await inventory.accepted(order)
    await inventory.accepted(SubmitOrder(order_id=big.order_id, submitted_by="bob"))
    await bus.wait_for("order.submitted", having(order_id=big.order_id))

    await inventory.accepted(SubmitOrder(order_id=late.order_id, submitted_by="bob"))
    [refused] = await bus.wait_for("order.stock_hold_refused", having(order_id=late.order_id))
    assert refused.body["shortages"][0]["available"] == "0"

    # The first is cancelled: its stock is free again, and the second passes when resubmitted.
    await inventory.accepted(CancelOrder(order_id=big.order_id, cancelled_by="bob"))
    await eventually(
        lambda: inventory.stock("SKU-A", location),
        lambda doc: doc["reserved"] == 0,
        what="the cancelled order's stock to be let go",
    )
    again = SubmitOrder(order_id=late.order_id, submitted_by="bob")
    await inventory.accepted(again)
    [entered] = await bus.wait_for("order.submitted", having(order_id=late.order_id))
    assert entered.body["attempt"] == 2
