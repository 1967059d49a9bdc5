"""Supplier bills over the broker, with the order, approval, inventory and billing services
running: from an approved purchase order and its receipts to a bill matched three ways, held
for a quantity not yet received, approved when the receipt catches up, and paid in two
payments; a price variance held until a person accepts it; and bad input refused with its
reason, changing nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import uuid4

from shared import names
from shared.contracts.payables import (
    AcceptBill,
    BillLineInput,
    SetMatchTolerance,
)
from shared.runtime import OmsApp
from tests.support.bus import Bus, having
from tests.support.factories import unique
from tests.support.flows import SECONDS, accepted, answer, once_known
from tests.support.purchases import approved_purchase, bill, pay, received
from tests.support.services import asgi_get

D = Decimal


async def bill_now(app: OmsApp, bill_id: str) -> dict[str, Any]:
    status, [found] = await asgi_get(app, "/bills", f"bill_id={bill_id}")
    assert status == 200
    return dict(found)


async def test_from_a_purchase_order_and_its_receipts_to_a_paid_bill(
    billing: OmsApp, bus: Bus
) -> None:
    po = await approved_purchase(bus)
    await accepted(
        bus,
        SetMatchTolerance(
            branch_id=po.branch_id,
            price_tolerance_percent=D(1),
            quantity_tolerance_percent=D(0),
            set_by="controller",
        ),
    )
    await received(bus, po, (po.skus[0], "10"))  # B is not received yet
    record = bill(po, (0, "10", "4.05", "3.24"), (1, "3", "18.10", "0"))
    reply = await once_known(bus, record, "unknown_order")
    assert reply.type == "BillRecorded", reply.body
    assert reply.body["status"] == "open"
    [held] = await bus.wait_for(
        "billing.bill_held", having(bill_id=record.bill_id), timeout=SECONDS
    )
    [variance] = held.body["variances"]
    assert variance == {
        "line": 2,
        "sku": po.skus[1],
        "kind": "quantity_variance",
        "expected": "0",
        "billed": "3",
        "difference": "3",
        "allowed": "0",
        "amount": "54.30",
    }
    status, open_items = await asgi_get(billing, "/payables", f"vendor_id={po.vendor_id}")
    assert status == 200
    assert open_items["totals"] == [
        {"currency": "USD", "approved": "0", "held": "98.04", "balance": "98.04", "bills": 1}
    ]

    await received(bus, po, (po.skus[1], "3"))  # the receipt catches up
    [approved] = await bus.wait_for(
        "billing.bill_approved", having(bill_id=record.bill_id), timeout=SECONDS
    )
    body = approved.body
    assert (body["approval"], body["status"], body["vendor_id"]) == (
        "matched",
        "approved",
        po.vendor_id,
    )
    shown = ("net", "tax", "order_unit_price", "order_net", "price_variance")
    assert [tuple(line[name] for name in shown) for line in body["lines"]] == [
        ("40.50", "3.24", "4.05", "40.50", "0.00"),
        ("54.30", "0", "17.991", "53.97", "0.33"),
    ]
    assert (body["net_total"], body["tax_total"], body["total"]) == ("94.80", "3.24", "98.04")
    assert body["price_variance_total"] == "0.33"

    first = await answer(bus, pay(record.bill_id, "50.00"))
    assert first.type == "VendorPaymentRecorded", first.body
    assert (first.body["balance"], first.body["status"]) == ("48.04", "approved")
    last = await answer(bus, pay(record.bill_id, "48.04"))
    assert (last.body["balance"], last.body["status"]) == ("0.00", "paid")

    paid = await bill_now(billing, record.bill_id)
    assert (paid["status"], paid["amount_paid"], len(paid["payments"])) == ("paid", "98.04", 2)
    _, open_items = await asgi_get(billing, "/payables", f"vendor_id={po.vendor_id}")
    assert open_items == {"vendor_id": po.vendor_id, "bills": [], "totals": []}


async def test_a_price_variance_is_held_until_a_person_accepts_it(
    billing: OmsApp, bus: Bus
) -> None:
    po = await approved_purchase(bus)
    await received(bus, po, (po.skus[0], "10"), (po.skus[1], "3"))
    record = bill(po, (0, "10", "4.50", "0"))  # 4.05 ordered (net of the 10 % discount)
    await once_known(bus, record, "unknown_order")
    [held] = await bus.wait_for(
        "billing.bill_held", having(bill_id=record.bill_id), timeout=SECONDS
    )
    [variance] = held.body["variances"]
    assert (variance["kind"], variance["expected"], variance["billed"]) == (
        "price_variance",
        "4.05",
        "4.50",
    )
    assert (variance["difference"], variance["allowed"], variance["amount"]) == (
        "0.45",
        "0.00",
        "4.50",
    )
    _, listed = await asgi_get(billing, "/bills", f"status=held&vendor_id={po.vendor_id}")
    assert [found["bill_id"] for found in listed] == [record.bill_id]
    refused = await answer(bus, pay(record.bill_id, "1.00"))
    assert refused.body["reason"] == "bill_not_payable"

    accept = AcceptBill(bill_id=record.bill_id, notes="price rise agreed", accepted_by="cfo")
    approved = await answer(bus, accept)
    assert approved.type == "BillApproved", approved.body
    assert (approved.body["approval"], approved.body["approved_by"]) == ("accepted", "cfo")
    assert approved.body["lines"][0]["price_variance"] == "4.50"
    assert approved.body["accepted_variances"] == held.body["variances"]


async def test_bad_bills_and_payments_are_refused_and_change_nothing(
    billing: OmsApp, bus: Bus
) -> None:
    po = await approved_purchase(bus)
    await received(bus, po, (po.skus[0], "10"))
    good = bill(po, (0, "10", "4.05", "0"), vendor_bill_number=unique("VB"))
    assert (await once_known(bus, good, "unknown_order")).type == "BillRecorded"

    cases = {
        "duplicate_bill": bill(
            po, (0, "1", "4.05", "0"), vendor_bill_number=good.vendor_bill_number
        ),
        "vendor_mismatch": bill(po, (0, "1", "4.05", "0"), vendor_id=unique("V")),
        "currency_mismatch": bill(po, (0, "1", "4.05", "0"), currency="EUR"),
        "invalid_amount": bill(po, (0, "1", "4.05", "0.001")),
        "unknown_order": bill(po, (0, "1", "4.05", "0"), order_id=unique("PO")),
        "bill_exists": bill(po, (0, "1", "4.05", "0"), bill_id=good.bill_id),
    }
    for reason, command in cases.items():
        refused = await answer(bus, command)
        assert (refused.type, refused.body["reason"]) == ("CommandRejected", reason), refused.body
    not_on_order = bill(po, (0, "1", "4.05", "0")).model_copy(
        update={"lines": [BillLineInput(sku=unique("SKU-Z"), quantity=D(1), unit_price=D(1))]}
    )
    refused = await answer(bus, not_on_order)
    assert refused.body["reason"] == "sku_not_on_order"
    assert "not on purchase order" in refused.body["detail"]

    for reason, payment in {
        "overpayment": pay(good.bill_id, "40.51"),
        "currency_mismatch": pay(good.bill_id, "1.00", "EUR"),
        "invalid_amount": pay(good.bill_id, "1.005"),
        "unknown_bill": pay(unique("BILL"), "1.00"),
    }.items():
        refused = await answer(bus, payment)
        assert refused.body["reason"] == reason, refused.body

    # an amount as a JSON number is no amount: invalid_message, naming the field
    raw = json.loads(pay(good.bill_id, "1.00").model_dump_json())
    raw["amount"] = 1.5
    message_id = str(uuid4())
    raw["message_id"] = message_id
    await bus.send_raw(
        names.COMMANDS,
        "billing.record_vendor_payment",
        json.dumps(raw).encode(),
        reply=True,
        message_id=message_id,
        person="ap-clerk",
    )
    invalid = await bus.reply_for_id(message_id, timeout=SECONDS)
    assert invalid.body["reason"] == "invalid_message"
    assert "amount" in invalid.body["detail"]

    stored = await bill_now(billing, good.bill_id)
    assert (stored["status"], stored["amount_paid"], stored["payments"]) == ("approved", "0", [])
    _, mine = await asgi_get(billing, "/bills", f"order_id={po.order_id}")
    assert [found["bill_id"] for found in mine] == [good.bill_id]
    status, error = await asgi_get(billing, "/payables")
    assert (status, error) == (400, {"error": "vendor_id is required"})
