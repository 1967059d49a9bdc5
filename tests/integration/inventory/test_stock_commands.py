"""Items, locations, opening balances and adjustments: answers, refusals with reasons, once-only."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import uuid4

from shared.contracts import OrderKind
from shared.names import COMMANDS
from tests.support.factories import unique
from tests.support.inventory import (
    InventoryDriver,
    adjust,
    approved,
    define_item,
    define_location,
    opening,
)


async def test_items_and_locations_are_defined_once(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    item, location = define_item(), define_location("BR-N")

    defined = await inventory.accepted(item)
    await inventory.accepted(location)
    again = await inventory.refused(item.model_copy(update={"message_id": uuid4()}))
    elsewhere = await inventory.refused(location.model_copy(update={"message_id": uuid4()}))

    assert defined.type == "ItemDefined"
    assert defined.body["unit_of_measure"] == "each"
    assert again.body["reason"] == "item_exists"
    assert elsewhere.body["reason"] == "location_exists"
    await inventory.bus.send(item)  # a redelivery of the first: nothing new
    await inventory.bus.settle()
    assert (
        len(inventory.bus.matching("inventory.item_defined", lambda b: b["sku"] == item.sku)) == 1
    )


async def test_opening_balance_is_set_once_then_adjustments_correct_it(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1")

    answer = await inventory.accepted(opening("SKU-1", loc, "12"))
    second = await inventory.refused(opening("SKU-1", loc, "3"))
    down = await inventory.accepted(adjust("SKU-1", loc, "-2", reason="damaged in transit"))

    assert answer.type == "OpeningBalanceSet"
    assert answer.body["on_hand"] == "12"
    assert second.body["reason"] == "opening_already_set"
    assert down.type == "StockAdjusted"
    assert (down.body["on_hand"], down.body["reason"]) == ("10", "damaged in transit")
    await inventory.ledger_caught_up()
    entries = await inventory.ledger("SKU-1", loc)
    assert [(e["kind"], e["on_hand_change"], e["reason"]) for e in entries] == [
        ("opening", Decimal(12), "go-live count"),
        ("adjustment", Decimal(-2), "damaged in transit"),
    ]
    assert all(e["caused_by"] for e in entries)  # the message that caused each movement


async def test_stock_never_goes_below_zero_or_below_what_is_reserved(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    await inventory.accepted(opening("SKU-1", loc, "5"))
    so = unique("SO")
    await inventory.learnt(approved(OrderKind.SALES, so, "BR-S", ("SKU-1", "3")))

    below_zero = await inventory.refused(adjust("SKU-1", loc, "-6"))
    below_reserved = await inventory.refused(adjust("SKU-1", loc, "-3"))
    await inventory.accepted(adjust("SKU-1", loc, "-2"))

    assert below_zero.body["reason"] == "insufficient_stock"
    assert below_reserved.body["reason"] == "stock_reserved"
    assert "3 of the 5 on hand are reserved" in below_reserved.body["detail"]
    stock = await inventory.stock("SKU-1", loc)
    assert (stock["on_hand"], stock["reserved"]) == (Decimal(3), Decimal(3))


async def test_unknown_items_locations_and_impossible_quantities_are_refused(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1")
    flour = define_item(decimal_places=3)
    await inventory.accepted(flour)

    unknown_item = await inventory.refused(adjust("SKU-NONE", loc, "1"))
    unknown_location = await inventory.refused(adjust("SKU-1", unique("NOWHERE"), "1"))
    half_a_unit = await inventory.refused(adjust("SKU-1", loc, "0.5"))
    weighed = await inventory.accepted(opening(flour.sku, loc, "2.125"))

    assert unknown_item.body["reason"] == "unknown_item"
    assert "SKU-NONE" in unknown_item.body["detail"]
    assert unknown_location.body["reason"] == "unknown_location"
    assert half_a_unit.body["reason"] == "invalid_quantity"
    assert "whole units" in half_a_unit.body["detail"]
    assert weighed.body["on_hand"] == "2.125"


async def test_schema_invalid_quantities_are_refused_and_dead_lettered(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1")
    details: list[str] = []
    for routing_key, body in (
        ("inventory.adjust_stock", {**_json(adjust("SKU-1", loc, "1")), "quantity": "0"}),
        ("inventory.set_opening_balance", {**_json(opening("SKU-1", loc, "1")), "quantity": "-4"}),
        ("inventory.adjust_stock", {**_json(adjust("SKU-1", loc, "1")), "reason": ""}),
    ):
        mid = body["message_id"]
        await inventory.bus.send_raw(
            COMMANDS, routing_key, json.dumps(body).encode(), reply=True, message_id=mid
        )
        [rejected] = await inventory.bus.wait_for(
            "inventory.command_rejected", partial(_answers, mid)
        )
        assert rejected.body["reason"] == "invalid_message"
        details.append(rejected.body["detail"])
    assert "quantity: Value error, must not be zero" in details[0]
    assert "quantity: Input should be greater than 0" in details[1]
    assert "reason: String should have at least 1 character" in details[2]
    assert (await inventory.stock("SKU-1", loc))["movements"] == 0


async def test_an_adjustment_is_applied_once_per_adjustment_id(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1")
    cmd = adjust("SKU-1", loc, "4", reason="found")

    await inventory.accepted(cmd)
    await inventory.bus.send(cmd)  # redelivered
    await inventory.bus.send(cmd.model_copy(update={"message_id": uuid4()}))  # resent by a client
    await inventory.bus.settle()

    stock = await inventory.stock("SKU-1", loc)
    assert (stock["on_hand"], stock["movements"]) == (Decimal(4), 1)


def _answers(message_id: str, body: dict[str, Any]) -> bool:
    return bool(body["command_message_id"] == message_id)


def _json(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(message.model_dump_json())
    return body
