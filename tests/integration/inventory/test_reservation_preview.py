"""Inventory's ``GET /reservation-preview`` over the real broker and database: what a sales
order would hold at its branch's sales location (stock others hold is not available, lines of
one item add up, an order's own hold is its own), bad parameters named; nothing is held or
stored by asking."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import OrderKind
from shared.runtime import OmsApp
from shared.storage.aggregates import HIDE_BOOKKEEPING
from shared.storage.mongo import Document
from tests.support.factories import unique
from tests.support.inventory import InventoryDriver, opening, submitted
from tests.support.services import asgi_get


async def stored(db: AsyncDatabase[Document]) -> list[Any]:
    return [
        [doc async for doc in db[name].find({}, HIDE_BOOKKEEPING, sort=[("_id", 1)])]
        for name in ("stock", "orders", "ledger")
    ]


def facts(answer: dict[str, Any]) -> list[tuple[str, ...]]:
    keys = ("sku", "requested", "available", "would_reserve", "short")
    return [tuple(line[key] for key in keys) for line in answer["lines"]]


async def test_the_preview_says_what_would_be_held_and_holds_nothing(
    inventory: InventoryDriver, inventory_service: OmsApp, inventory_db: AsyncDatabase[Document]
) -> None:
    location = await inventory.branch("BR-P", "BOLT", "NUT", "CAP")
    await inventory.accepted(opening("BOLT", location, "10"))
    await inventory.accepted(opening("NUT", location, "3"))
    held = unique("SO")
    await inventory.learnt(submitted(OrderKind.SALES, held, "BR-P", ("BOLT", "6")))
    await inventory.ledger_caught_up()
    before = await stored(inventory_db)

    lines = "BOLT:3,NUT:2,BOLT:2,CAP:1"
    status, answer = await asgi_get(
        inventory_service, "/reservation-preview", f"branch_id=BR-P&lines={lines}"
    )
    assert status == 200, answer
    assert (answer["branch_id"], answer["location_id"], answer["complete"]) == (
        "BR-P",
        location,
        False,
    )
    assert facts(answer) == [
        ("BOLT", "5", "4", "4", "1"),
        ("NUT", "2", "3", "2", "0"),
        ("CAP", "1", "0", "0", "1"),
    ]
    assert {line["location_id"] for line in answer["lines"]} == {location}
    # The order holding 6 BOLT asks for 8: its own 6 count as available to it.
    _, own = await asgi_get(
        inventory_service, "/reservation-preview", f"branch_id=BR-P&lines=BOLT:8&order_id={held}"
    )
    assert facts(own) == [("BOLT", "8", "10", "8", "0")]
    assert own["complete"] is True
    _, nowhere = await asgi_get(
        inventory_service, "/reservation-preview", "branch_id=NONE&lines=A:1"
    )
    assert (nowhere["location_id"], facts(nowhere)) == (None, [("A", "1", "0", "0", "1")])
    assert await stored(inventory_db) == before


async def test_bad_parameters_are_named(
    inventory_service: OmsApp, inventory_db: AsyncDatabase[Document]
) -> None:
    before = await stored(inventory_db)
    for query, named in (
        ("lines=A:1", "branch_id:"),
        ("branch_id=B", "lines:"),
        ("branch_id=B&lines=A", "write each line as SKU:QUANTITY"),
        ("branch_id=B&lines=A:0", "lines.0.quantity:"),
        ("branch_id=B&lines=A:1e3", "lines.0.quantity:"),
    ):
        status, body = await asgi_get(inventory_service, "/reservation-preview", query)
        assert status == 400, (query, body)
        assert named in body["error"], (query, body)
    assert await stored(inventory_db) == before
