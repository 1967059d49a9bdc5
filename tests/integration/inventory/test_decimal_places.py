"""Over the broker: an item's decimal places hold on every quantity, wherever it is typed
(order lines, quotations, RFQs, work orders and their completions, carts at checkout, receipts
and issues), each refusal naming the line."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import (
    ComponentLine,
    CreateQuotation,
    CreateRfq,
    CreateWorkOrder,
    OrderKind,
    RequestedLine,
    UpdateOrder,
    WorkOrderKind,
    utcnow,
)
from shared.storage.mongo import Document
from tests.support.factories import lines, sales_order, unique
from tests.support.inventory import (
    InventoryDriver,
    approved,
    define_item,
    define_location,
    eventually,
    receive,
    submitted,
)

D = Decimal


async def tenths(inventory: InventoryDriver, order_db: AsyncDatabase[Document]) -> str:
    """An item counted in tenths, once the order service knows it."""
    item = define_item(unique("ROPE"), decimal_places=1)
    await inventory.accepted(item)
    await eventually(
        lambda: order_db["items"].find_one({"_id": item.sku}),
        lambda doc: doc is not None,
        what="the order service to learn the item",
    )
    return item.sku


async def test_a_quarter_of_an_item_counted_in_tenths_is_refused_on_every_document(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    rope = await tenths(inventory, order_db)
    so = sales_order(lines=lines((rope, "2.5", "1"), (rope, "0.25", "1")))
    refused = (await inventory.refused(so)).body
    assert refused["reason"] == "invalid_quantity"
    assert refused["detail"] == (
        f"line 2: 0.25 kg of {rope} is finer than {rope} is counted in (1 decimal place)."
    )
    assert await order_db.orders.find_one({"_id": so.order_id}) is None

    fine = sales_order(lines=lines((rope, "2.5", "1")))
    await inventory.accepted(fine)
    edit = UpdateOrder(order_id=fine.order_id, updated_by="bob", lines=lines((rope, "0.05", "1")))
    assert (await inventory.refused(edit)).body["reason"] == "invalid_quantity"

    quotation = CreateQuotation(
        quotation_id=unique("Q"),
        customer_id="C-1",
        branch_id="BR",
        created_by="sam",
        currency="EUR",
        lines=lines((rope, "0.25", "4.00")),
        valid_until=utcnow() + timedelta(days=30),
    )
    assert "line 1: 0.25 kg" in (await inventory.refused(quotation)).body["detail"]

    rfq = CreateRfq(
        rfq_id=unique("RFQ"),
        branch_id="BR",
        created_by="pat",
        currency="EUR",
        lines=[RequestedLine(sku=rope, quantity=D("1.25"))],
        supplier_ids=["S-1"],
    )
    assert "line 1: 1.25 kg" in (await inventory.refused(rfq)).body["detail"]

    work_order = CreateWorkOrder(
        work_order_id=unique("WO"),
        branch_id="BR",
        kind=WorkOrderKind.PRODUCTION,
        item_sku=rope,
        quantity=D("3"),
        components=[ComponentLine(sku=rope, quantity=D("0.05"))],  # 0.15 in all
        created_by="pat",
    )
    detail = (await inventory.refused(work_order)).body["detail"]
    assert f"component {rope} (in all): 0.15 kg" in detail


async def test_a_receipt_finer_than_the_item_names_its_line(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    rope = await tenths(inventory, order_db)
    branch = unique("BR")
    location = define_location(branch)
    await inventory.accepted(location)
    po = unique("PO")
    await inventory.learnt(submitted(OrderKind.PURCHASE, po, branch, (rope, "10")))
    await inventory.learnt(approved(OrderKind.PURCHASE, po, branch, (rope, "10")))
    receipt = receive(po, location.location_id, (rope, "1"), (rope, "0.25"))
    refused = (await inventory.refused(receipt)).body
    assert refused["reason"] == "invalid_quantity"
    assert refused["detail"].startswith(f"line 2: 0.25 kg of {rope} is not a valid quantity")
