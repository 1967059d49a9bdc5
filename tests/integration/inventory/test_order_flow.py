"""The order, approval and inventory services together: POs received, SOs validated and issued.

With no approval cycle configured, the approval service approves every submitted order at
once, so these flows run: create -> submit -> approved -> receipts/issues -> received/completed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import CancelOrder, CloseOrderShort, SubmitOrder
from shared.storage.mongo import Document
from tests.support.factories import lines, purchase_order, sales_order
from tests.support.inventory import (
    InventoryDriver,
    adjust,
    eventually,
    issue,
    opening,
    receive,
)
from tests.support.services import asgi_get


async def order_status(order_db: AsyncDatabase[Document], order_id: str, status: str) -> Document:
    doc = await eventually(
        lambda: order_db.orders.find_one({"_id": order_id}),
        lambda doc: doc is not None and doc["status"] == status,
        what=f"{order_id} {status}",
    )
    assert doc is not None
    return doc


async def approved_in_inventory(inventory: InventoryDriver, order_id: str) -> None:
    await eventually(
        lambda: inventory.order(order_id),
        lambda doc: doc is not None and doc["state"] == "approved",
        what=f"inventory to learn that {order_id} is approved",
    )


async def test_purchase_order_is_received_in_parts_then_completed(
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    loc = await inventory.branch("BR-NORTH", "SKU-1", "SKU-2")
    po = purchase_order(lines=lines(("SKU-1", "10", "4.50"), ("SKU-2", "3", "19.99")))
    await inventory.bus.send(po)
    await inventory.bus.send(SubmitOrder(order_id=po.order_id, submitted_by="alice"))
    await approved_in_inventory(inventory, po.order_id)

    await inventory.accepted(receive(po.order_id, loc, ("SKU-1", "4")))
    partly = await order_status(order_db, po.order_id, "partially_received")
    assert [(f["sku"], f["fulfilled"]) for f in partly["fulfilment"]] == [
        ("SKU-1", Decimal(4)),
        ("SKU-2", Decimal(0)),
    ]

    await inventory.accepted(receive(po.order_id, loc, ("SKU-1", "6"), ("SKU-2", "3")))
    received = await order_status(order_db, po.order_id, "completed")
    assert [f["fulfilled"] for f in received["fulfilment"]] == [Decimal(10), Decimal(3)]
    assert len(received["deliveries"]) == 2
    assert [h["status"] for h in received["history"]][-2:] == ["received", "completed"]
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == Decimal(10)
    [done] = await inventory.bus.wait_for("order.completed", lambda b: b["order_id"] == po.order_id)
    assert (done.body["closed_short"], done.body["kind"]) == (False, "purchase")
    assert [(p["sku"], p["ordered"], p["fulfilled"]) for p in done.body["lines"]] == [
        ("SKU-1", "10", "10"),
        ("SKU-2", "3", "3"),
    ]


async def test_a_partly_issued_sales_order_closed_short_lets_its_stock_go_and_takes_no_more(
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    loc = await inventory.branch("BR-EAST", "SKU-5", "SKU-6")
    await inventory.accepted(opening("SKU-5", loc, "10"))
    await inventory.accepted(opening("SKU-6", loc, "10"))
    so = sales_order(
        branch_id="BR-EAST", lines=lines(("SKU-5", "4", "10.00"), ("SKU-6", "2", "5.00"))
    )
    await inventory.bus.send(so)
    await inventory.bus.send(SubmitOrder(order_id=so.order_id, submitted_by="bob"))
    await inventory.bus.wait_for(
        "inventory.reservation_confirmed", lambda b: b["order_id"] == so.order_id
    )
    await approved_in_inventory(inventory, so.order_id)
    await inventory.accepted(issue(so.order_id, loc, ("SKU-5", "1")))
    await order_status(order_db, so.order_id, "partially_issued")

    close = CloseOrderShort(order_id=so.order_id, closed_by="bob", reason="customer cancelled rest")
    await inventory.bus.send(close, reply=True)
    answer = await inventory.bus.reply_for(close)
    assert answer.type == "OrderCompleted"
    assert (answer.body["closed_short"], answer.body["reason"]) == (
        True,
        "customer cancelled rest",
    )
    assert [(p["sku"], p["fulfilled"]) for p in answer.body["lines"]] == [
        ("SKU-5", "1"),
        ("SKU-6", "0"),
    ]
    [released] = await inventory.bus.wait_for(
        "inventory.reservation_released", lambda b: b["order_id"] == so.order_id
    )
    assert released.body["reason"] == "closed_short"
    await eventually(
        lambda: inventory.stock("SKU-5", loc),
        lambda doc: doc["reserved"] == Decimal(0),
        what="the reservation let go",
    )
    assert (await inventory.stock("SKU-5", loc))["on_hand"] == Decimal(9)
    assert (await inventory.stock("SKU-6", loc))["reserved"] == Decimal(0)
    await eventually(
        lambda: inventory.order(so.order_id),
        lambda doc: doc is not None and doc["state"] == "closed",
        what="inventory to learn the order was closed",
    )

    late = await inventory.refused(issue(so.order_id, loc, ("SKU-5", "1")))
    assert late.body["reason"] == "order_closed"
    again = CloseOrderShort(order_id=so.order_id, closed_by="bob", reason="twice")
    await inventory.bus.send(again, reply=True)
    assert (await inventory.bus.reply_for(again)).body["reason"] == "invalid_transition"

    status, timeline = await asgi_get(order_service, "/orders/timeline", f"order_id={so.order_id}")
    assert status == 200
    events = [entry["event"] for entry in timeline["timeline"]]
    assert events[:2] == ["order.created", "order.submitted"]
    for expected in (
        "approval.approved",
        "inventory.reservation_confirmed",
        "inventory.goods_issued",
        "order.completed",
        "inventory.reservation_released",
    ):
        assert expected in events, events
    assert events.index("order.completed") < events.index("inventory.reservation_released")
    assert timeline["status"] == "completed"


async def test_sales_order_is_validated_issued_with_a_backorder_and_completed(
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    loc = await inventory.branch("BR-SOUTH", "SKU-9")
    await inventory.accepted(opening("SKU-9", loc, "3"))
    so = sales_order(lines=lines(("SKU-9", "5", "100.00")))
    await inventory.bus.send(so)
    await inventory.bus.send(SubmitOrder(order_id=so.order_id, submitted_by="bob"))

    # validate inventory: 3 of 5 held, firmly once approved; the order shows it
    await inventory.bus.wait_for(
        "inventory.reservation_confirmed", lambda b: b["order_id"] == so.order_id
    )
    validated = await eventually(
        lambda: order_db.orders.find_one({"_id": so.order_id}),
        lambda doc: doc is not None and doc["stock"] is not None and doc["stock"]["firm"],
        what="stock status on the order",
    )
    assert validated is not None
    assert validated["stock"]["status"] == "short"
    assert validated["stock"]["lines"][0]["reserved"] == Decimal(3)

    # goods issue: 3 now, the rest on backorder until stock arrives
    await inventory.accepted(issue(so.order_id, loc, ("SKU-9", "3")))
    partly = await order_status(order_db, so.order_id, "partially_issued")
    assert partly["fulfilment"][0]["fulfilled"] == Decimal(3)
    cancel = CancelOrder(order_id=so.order_id, cancelled_by="bob")
    await inventory.bus.send(cancel, reply=True)
    assert (await inventory.bus.reply_for(cancel)).body["reason"] == "invalid_transition"

    await inventory.accepted(adjust("SKU-9", loc, "2", reason="supplier delivery"))
    await inventory.accepted(issue(so.order_id, loc, ("SKU-9", "2")))
    completed = await order_status(order_db, so.order_id, "completed")
    assert completed["fulfilment"][0]["fulfilled"] == Decimal(5)
    assert [h["status"] for h in completed["history"]][-1] == "completed"
    await inventory.bus.wait_for("order.approved", lambda b: b["order_id"] == so.order_id)
