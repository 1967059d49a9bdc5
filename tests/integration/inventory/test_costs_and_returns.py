"""Stock at cost and returns over the broker: receipts at the PO's price move the moving
average, an issue carries its cost, returns come back at it into stock or quarantine, and
every refusal changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from shared.contracts import OrderKind, ReturnReason, StockLine, WorkOrderKind, WorkOrderReleased
from shared.names import COMMANDS
from tests.support.credentials import headers
from tests.support.factories import unique
from tests.support.inventory import (
    InventoryDriver,
    adjust,
    approved_at,
    authorize_return,
    issue,
    opening,
    receive,
    receive_return,
)

PO, SO = OrderKind.PURCHASE, OrderKind.SALES
D = Decimal


async def stock_answer(app: Any, sku: str, location_id: str) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://inventory", headers=headers("inventory")
    ) as http:
        answer = await http.get("/stock", params={"sku": sku, "location_id": location_id})
    assert answer.status_code == 200, answer.text
    [record] = answer.json()["stock"]
    return dict(record)


async def received_at(
    inventory: InventoryDriver, branch: str, loc: str, sku: str, *prices: str
) -> None:
    """One purchase order of 10 per price, approved and received in full."""
    for price in prices:
        po = unique("PO")
        await inventory.learnt(approved_at(PO, po, branch, (sku, "10", price)))
        await inventory.accepted(receive(po, loc, (sku, "10")))


async def issued(inventory: InventoryDriver, branch: str, loc: str, sku: str, quantity: str) -> str:
    so = unique("SO")
    await inventory.learnt(approved_at(SO, so, branch, (sku, "10", "30.00")))
    reply = await inventory.accepted(issue(so, loc, (sku, quantity)))
    assert reply.type == "GoodsIssued"
    return so


async def test_receipts_at_12_and_13_50_then_an_issue_carries_its_cost(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    branch, sku = unique("BR"), unique("SKU")
    loc = await inventory.branch(branch, sku)
    po = unique("PO")
    await inventory.learnt(approved_at(PO, po, branch, (sku, "20", "12.00")))
    first = await inventory.accepted(receive(po, loc, (sku, "10")))
    assert first.body["costs"] == [
        {"sku": sku, "quantity": "10", "unit_cost": "12.000000", "cost": "120.00"}
    ]
    assert (first.body["cost_currency"], first.body["uncosted"]) == ("USD", [])
    await received_at(inventory, branch, loc, sku, "13.50")

    so = unique("SO")
    await inventory.learnt(approved_at(SO, so, branch, (sku, "4", "30.00")))
    reply = await inventory.accepted(issue(so, loc, (sku, "4")))

    assert reply.body["costs"] == [
        {"sku": sku, "quantity": "4", "unit_cost": "12.750000", "cost": "51.00"}
    ]
    assert reply.body["cost_currency"] == "USD"
    record = await stock_answer(inventory_service, sku, loc)
    assert (record["on_hand"], record["unit_cost"], record["value"]) == (
        "16",
        "12.750000",
        "204.00",
    )
    assert record["cost_currency"] == "USD"
    await inventory.ledger_caught_up()
    ledger = await inventory.ledger(sku, loc)
    assert [(e["kind"], e["cost"], e["average_cost"]) for e in ledger] == [
        ("receipt", D("120.00"), D("12.000000")),
        ("receipt", D("135.00"), D("12.750000")),
        ("reservation", None, D("12.750000")),
        ("issue", D("51.00"), D("12.750000")),
    ]
    order = await inventory.order(so)
    assert order is not None
    assert order["deliveries"][0]["costs"][0]["cost"] == D("51.00")


async def test_a_return_comes_back_into_stock_or_quarantine_at_its_issue_cost(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    branch, sku = unique("BR"), unique("SKU")
    loc = await inventory.branch(branch, sku)
    await received_at(inventory, branch, loc, sku, "12.00", "13.50")
    so = await issued(inventory, branch, loc, sku, "4")

    unwanted = authorize_return(so, (sku, "1"))
    authorized = await inventory.accepted(unwanted)
    assert authorized.type == "ReturnAuthorized"
    assert authorized.body["lines"] == [{"sku": sku, "quantity": "1"}]
    back = await inventory.accepted(receive_return(unwanted, loc))

    assert back.type == "ReturnReceived"
    assert (back.body["destination"], back.body["currency"]) == ("stock", "USD")
    assert back.body["lines"] == [
        {"sku": sku, "quantity": "1", "unit_cost": "12.750000", "cost": "12.75"}
    ]

    damaged = authorize_return(so, (sku, "2"), reason=ReturnReason.DAMAGED)
    await inventory.accepted(damaged)
    apart = await inventory.accepted(receive_return(damaged, loc))

    assert apart.body["destination"] == "quarantine"
    assert apart.body["lines"][0]["cost"] == "25.50"
    record = await stock_answer(inventory_service, sku, loc)
    # 17 on hand, of which 6 still reserved for the first order; the 2 quarantined are apart.
    assert (record["on_hand"], record["available"], record["quarantined"]) == ("17", "11", "2")
    assert (record["returned"], record["quarantined_value"]) == ("1", "25.50")
    # Quarantined goods are never reserved nor issued: 11 can go, not 12.
    other = unique("SO")
    await inventory.learnt(approved_at(SO, other, branch, (sku, "13", "30.00")))
    short = await inventory.refused(issue(other, loc, (sku, "12")))
    assert short.body["reason"] == "insufficient_stock"
    await inventory.accepted(issue(other, loc, (sku, "11")))
    assert (await stock_answer(inventory_service, sku, loc))["quarantined"] == "2"
    await inventory.ledger_caught_up()
    kinds = [e["kind"] for e in await inventory.ledger(sku, loc)]
    assert {"return", "quarantine"} <= set(kinds)


async def test_return_exceeds_issued_and_other_refusals_change_nothing(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    branch, sku = unique("BR"), unique("SKU")
    loc = await inventory.branch(branch, sku)
    await inventory.accepted(opening(sku, loc, "10"))
    so = await issued(inventory, branch, loc, sku, "3")
    first = authorize_return(so, (sku, "2"))
    await inventory.accepted(first)
    before = await inventory.order(so)

    too_many = await inventory.refused(authorize_return(so, (sku, "2")))

    assert too_many.body["reason"] == "return_exceeds_issued"
    assert sku in too_many.body["detail"]
    assert "3 issued" in too_many.body["detail"]
    assert "1 returnable" in too_many.body["detail"]
    not_issued = unique("SO")
    await inventory.learnt(approved_at(SO, not_issued, branch, (sku, "1", "5.00")))
    never = await inventory.refused(authorize_return(not_issued, (sku, "1")))
    assert never.body["reason"] == "order_not_issued"
    unknown = await inventory.refused(authorize_return(unique("SO"), (sku, "1")))
    assert unknown.body["reason"] == "unknown_order"
    fraction = await inventory.refused(authorize_return(so, (sku, "0.5")))
    assert fraction.body["reason"] == "invalid_quantity"
    unchanged = await inventory.order(so)
    assert unchanged is not None
    assert before is not None
    assert unchanged["version"] == before["version"]
    await inventory.accepted(authorize_return(so, (sku, "1")))
    nothing_left = await inventory.refused(authorize_return(so, (sku, "1")))
    assert nothing_left.body["reason"] == "return_exceeds_issued"
    stranger = authorize_return(so, (sku, "1"))
    unknown_return = await inventory.refused(receive_return(stranger, loc))
    assert unknown_return.body["reason"] == "unknown_return"
    after = await inventory.order(so)
    assert after is not None
    assert len(after["returns"]) == 2
    assert after["lines"][0]["returned"] == D(3)

    await inventory.accepted(receive_return(first, loc))
    stock = await inventory.stock(sku, loc)
    twice = await inventory.refused(receive_return(first, loc))
    assert twice.body["reason"] == "return_already_received"
    assert (await inventory.stock(sku, loc))["version"] == stock["version"]
    far = await inventory.branch(unique("BR"), sku)
    second = after["returns"][1]["return_id"]
    wrong = await inventory.refused(
        receive_return(first.model_copy(update={"return_id": second}), far)
    )
    assert wrong.body["reason"] == "wrong_location"
    assert (await inventory.stock(sku, far))["movements"] == 0


async def test_an_opening_balance_at_cost_and_components_issued_at_the_average(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    branch, sku = unique("BR"), unique("SKU")
    loc = await inventory.branch(branch, sku)
    set_at_cost = opening(sku, loc, "10").model_copy(
        update={"unit_cost": D("2.125"), "currency": "EUR"}
    )
    opened = await inventory.accepted(set_at_cost)
    assert (opened.body["unit_cost"], opened.body["cost_currency"]) == ("2.125000", "EUR")
    adjusted = await inventory.accepted(adjust(sku, loc, "-2", reason="broken"))
    assert adjusted.body["costs"] == [
        {"sku": sku, "quantity": "2", "unit_cost": "2.125000", "cost": "4.25"}
    ]
    wo = unique("WO")

    await inventory.bus.send(
        WorkOrderReleased(
            work_order_id=wo,
            kind=WorkOrderKind.SERVICE,
            branch_id=branch,
            item_sku=None,
            description="assemble",
            quantity=D(1),
            components=[StockLine(sku=sku, quantity=D(3))],
            created_by="planner",
            due_date=None,
            attempt=1,
            released_by="planner",
            correlation_id=wo,
        )
    )

    [issued] = await inventory.bus.wait_for(
        "inventory.components_issued", lambda body: body["work_order_id"] == wo
    )
    assert issued.body["costs"] == [
        {"sku": sku, "quantity": "3", "unit_cost": "2.125000", "cost": "6.38"}
    ]
    assert issued.body["cost_currency"] == "EUR"
    record = await stock_answer(inventory_service, sku, loc)
    assert (record["on_hand"], record["value"], record["cost_currency"]) == (
        "5",
        "10.62",
        "EUR",
    )  # 10.625, half to even


async def test_an_opening_cost_without_its_currency_is_refused_naming_the_field(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    branch, sku = unique("BR"), unique("SKU")
    loc = await inventory.branch(branch, sku)
    body = opening(sku, loc, "10").model_dump(mode="json") | {"unit_cost": "2.50"}
    message_id = body["message_id"]

    await inventory.bus.send_raw(
        COMMANDS,
        "inventory.set_opening_balance",
        json.dumps(body).encode(),
        reply=True,
        message_id=message_id,
    )

    reply = await inventory.bus.reply_for_id(message_id)
    assert reply.body["reason"] == "invalid_message"
    assert "unit_cost and currency" in reply.body["detail"]
    assert (await inventory.stock(sku, loc))["movements"] == 0


async def test_a_receipt_priced_in_another_currency_is_received_uncosted_and_flagged(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    branch, sku = unique("BR"), unique("SKU")
    loc = await inventory.branch(branch, sku)
    in_euros = opening(sku, loc, "4").model_copy(update={"unit_cost": D("2"), "currency": "EUR"})
    await inventory.accepted(in_euros)
    po = unique("PO")
    await inventory.learnt(approved_at(PO, po, branch, (sku, "6", "3.00")))  # in USD

    reply = await inventory.accepted(receive(po, loc, (sku, "6")))

    assert (reply.body["costs"], reply.body["cost_currency"]) == ([], None)
    assert reply.body["uncosted"] == [sku]
    record = await stock_answer(inventory_service, sku, loc)
    assert (record["on_hand"], record["unit_cost"], record["value"]) == ("10", "2.000000", "20.00")
    await inventory.ledger_caught_up()
    receipt = (await inventory.ledger(sku, loc))[-1]
    assert "USD left out" in receipt["reason"]
    assert (receipt["cost"], receipt["cost_currency"]) == (D("12.00"), "EUR")  # at the average
