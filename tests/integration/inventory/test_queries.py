"""Read-only HTTP queries of the inventory service: stock by item/location/branch, the ledger."""

from __future__ import annotations

from typing import Any

import httpx

from shared.contracts import OrderKind
from tests.support.credentials import headers
from tests.support.factories import unique
from tests.support.inventory import InventoryDriver, adjust, approved, opening


async def test_stock_by_item_location_and_branch_and_an_items_ledger(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    north = await inventory.branch("BR-N", "SKU-1", "SKU-2")
    second = await inventory.branch("BR-N")
    south = await inventory.branch("BR-S")
    await inventory.accepted(opening("SKU-1", north, "10"))
    await inventory.accepted(opening("SKU-1", second, "4"))
    await inventory.accepted(opening("SKU-1", south, "7"))
    await inventory.accepted(opening("SKU-2", north, "1"))
    await inventory.accepted(adjust("SKU-1", north, "-3", reason="breakage"))
    so = unique("SO")
    await inventory.learnt(approved(OrderKind.SALES, so, "BR-N", ("SKU-1", "2")))
    await inventory.ledger_caught_up()

    transport = httpx.ASGITransport(app=inventory_service)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://inventory", headers=headers("inventory")
    ) as http:
        one = (await http.get("/stock", params={"sku": "SKU-1", "location_id": north})).json()
        item = (await http.get("/stock", params={"sku": "SKU-1"})).json()
        branch = (await http.get("/stock", params={"branch_id": "BR-N"})).json()
        missing = await http.get("/stock")
        ledger = (await http.get("/ledger", params={"sku": "SKU-1"})).json()
        first = (await http.get("/ledger", params={"sku": "SKU-1", "limit": "1"})).json()
        bad_limit = await http.get("/ledger", params={"sku": "SKU-1", "limit": "ten"})
        order = (await http.get("/orders", params={"order_id": so})).json()

    [record] = one["stock"]
    assert (record["on_hand"], record["reserved"], record["available"]) == ("7", "2", "5")
    assert len(item["stock"]) == 3
    none_apart = {"quarantined": "0"}
    assert item["totals"]["SKU-1"] == {"on_hand": "18", "reserved": "2", "available": "16"} | (
        none_apart
    )
    assert branch["totals"] == {
        "SKU-1": {"on_hand": "11", "reserved": "2", "available": "9"} | none_apart,
        "SKU-2": {"on_hand": "1", "reserved": "0", "available": "1"} | none_apart,
    }
    assert missing.status_code == 400
    assert len(first["entries"]) == 1
    assert bad_limit.status_code == 400
    assert "limit must be a whole number" in bad_limit.json()["error"]
    assert [e["kind"] for e in ledger["entries"] if e["location_id"] == north] == [
        "opening",
        "adjustment",
        "reservation",
    ]
    assert ledger["balances"][north] | {"movements": 3} == {
        "opening": "10",
        "receipts": "0",
        "issues": "0",
        "adjustments": "-3",
        "returns": "0",
        "quarantined": "0",
        "reserved": "2",
        "on_hand": "7",
        "movements": 3,
        "balanced": True,
    }
    assert all(balance["balanced"] for balance in ledger["balances"].values())
    assert order["reservation"]["state"] == "firm"
