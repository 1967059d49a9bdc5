"""The two commercial flows over the broker, with the order, approval and inventory services:

- quotation -> sales order -> approval -> goods issue;
- RFQ with three suppliers -> purchase order -> approval -> partial receipts.

Each party is in a one-level approval cycle, so a person approves each order as in production.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import (
    ChooseRfqReply,
    ConvertQuotation,
    OrderKind,
    SubmitOrder,
)
from shared.storage.mongo import Document
from tests.integration.inventory.test_order_flow import order_status
from tests.support.documents import accepted_quotation, ask, rfq, rfq_reply
from tests.support.factories import lines, unique
from tests.support.flows import FlowBus, approval_cycles, approved_by
from tests.support.inventory import InventoryDriver, eventually, issue, opening, receive
from tests.support.services import Environment

APPROVER = "adam"


async def test_a_quotation_becomes_a_sales_order_that_is_approved_and_issued(
    env: Environment,
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    customer, branch = unique("C"), unique("BR")
    location = await inventory.branch(branch, "SKU-Q1", "SKU-Q2")
    await inventory.accepted(opening("SKU-Q1", location, "10"))
    await inventory.accepted(opening("SKU-Q2", location, "10"))
    async with FlowBus(env.amqp_url) as bus:
        await approval_cycles(bus, APPROVER, {OrderKind.SALES: [customer]})
        create = await accepted_quotation(
            bus,
            customer_id=customer,
            branch_id=branch,
            lines=lines(("SKU-Q1", "4", "25.00"), ("SKU-Q2", "1", "3.50")),
        )
        converted = await ask(
            bus, ConvertQuotation(quotation_id=create.quotation_id, converted_by="bob")
        )
        order_id = converted.body["order_id"]
        created = await bus.first("order.created", order_id)
        assert created.body["quotation_id"] == create.quotation_id
        assert created.body["total"] == "103.50"

        await ask(bus, SubmitOrder(order_id=order_id, submitted_by="bob", correlation_id=order_id))
        await approved_by(bus, order_id, APPROVER)
        await bus.first("inventory.reservation_confirmed", order_id)
        await inventory.accepted(issue(order_id, location, ("SKU-Q1", "3")))

    issued = await order_status(order_db, order_id, "partially_issued")
    assert issued["quotation_id"] == create.quotation_id
    assert [(f["sku"], f["fulfilled"]) for f in issued["fulfilment"]] == [
        ("SKU-Q1", Decimal(3)),
        ("SKU-Q2", Decimal(0)),
    ]
    quotation = await order_db.quotations.find_one({"_id": create.quotation_id})
    assert quotation is not None
    assert (quotation["status"], quotation["order_id"]) == ("converted", order_id)


async def test_an_rfq_to_three_suppliers_becomes_a_purchase_order_approved_and_received_in_parts(
    env: Environment,
    inventory: InventoryDriver,
    order_service: Any,
    approval_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    branch = unique("BR")
    location = await inventory.branch(branch, "BOLT-M8", "NUT-M8")
    create = rfq(branch_id=branch)
    cheap, dear, slow = create.supplier_ids
    async with FlowBus(env.amqp_url) as bus:
        await approval_cycles(bus, APPROVER, {OrderKind.PURCHASE: [cheap]})
        await ask(bus, create)
        await ask(bus, rfq_reply(create, cheap, "0.10", "0.04", lead_time_days=5))
        await ask(bus, rfq_reply(create, dear, "0.15", "0.05", lead_time_days=2))
        await ask(bus, rfq_reply(create, slow, "0.09", "0.04", lead_time_days=60))
        chosen = await ask(
            bus, ChooseRfqReply(rfq_id=create.rfq_id, supplier_id=cheap, chosen_by="alice")
        )
        order_id = chosen.body["order_id"]
        assert sorted(chosen.body["closed_supplier_ids"]) == sorted([dear, slow])
        created = await bus.first("order.created", order_id)
        assert (created.body["party_id"], created.body["rfq_id"]) == (cheap, create.rfq_id)
        assert created.body["total"] == "70.00"

        await ask(
            bus, SubmitOrder(order_id=order_id, submitted_by="alice", correlation_id=order_id)
        )
        await approved_by(bus, order_id, APPROVER)
        await eventually(
            lambda: inventory.order(order_id),
            lambda doc: doc is not None and doc["state"] == "approved",
            what=f"inventory to learn that {order_id} is approved",
        )
        await inventory.accepted(receive(order_id, location, ("BOLT-M8", "200")))
        await inventory.accepted(receive(order_id, location, ("BOLT-M8", "100"), ("NUT-M8", "500")))

    received = await eventually(
        lambda: order_db.orders.find_one({"_id": order_id}),
        lambda doc: doc is not None and len(doc["deliveries"]) == 2,
        what=f"two receipts on {order_id}",
    )
    assert received is not None
    assert received["status"] == "partially_received"
    assert [(f["sku"], f["fulfilled"]) for f in received["fulfilment"]] == [
        ("BOLT-M8", Decimal(300)),
        ("NUT-M8", Decimal(500)),
    ]
    stored = await order_db.rfqs.find_one({"_id": create.rfq_id})
    assert stored is not None
    assert {s["supplier_id"]: s["status"] for s in stored["suppliers"]} == {
        cheap: "chosen",
        dear: "closed",
        slow: "closed",
    }
