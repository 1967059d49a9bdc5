"""Over the broker: product records from the product system (product.upserted, versioned) and
from OMS (inventory.define_item), their query, and the order service checking orders with them."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from services.backoffice.product_form import product_command, product_values
from shared import names
from shared.contracts import (
    ConfigureBranch,
    DefineItem,
    DefineTaxRate,
    ItemDefined,
    OrderKind,
    ProductStatus,
    ProductUpserted,
    WhenStockShort,
)
from shared.contracts.parties import UnknownParty, UpsertCustomer, UpsertVendor
from shared.storage.mongo import Document
from tests.support.credentials import headers
from tests.support.factories import lines, purchase_order, sales_order, unique
from tests.support.inventory import (
    InventoryDriver,
    approved,
    define_item,
    eventually,
    opening,
)
from tests.support.party_samples import customer, vendor


def upserted(sku: str, version: int, **changes: Any) -> ProductUpserted:
    fields: dict[str, Any] = {
        "sku": sku,
        "version": version,
        "name": "Rope",
        "unit_of_measure": "m",
        "decimal_places": 1,
        "tax_codes": ["VAT"],
        "product_group": "ROPES",
    }
    return ProductUpserted(**(fields | changes))


def edit(item: DefineItem, expected_version: int, **changes: Any) -> DefineItem:
    fields = item.model_dump(exclude={"message_id", "expected_version"}) | changes
    return DefineItem(**fields, expected_version=expected_version)


async def item_defined(inventory: InventoryDriver, sku: str, version: int) -> dict[str, Any]:
    [event] = await inventory.bus.wait_for(
        "inventory.item_defined", lambda b: b["sku"] == sku and b["version"] == version
    )
    return event.body


async def test_an_older_product_upserted_is_ignored_and_a_newer_one_taken(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    sku = unique("ROPE")
    await inventory.bus.send(upserted(sku, 5))
    first = await item_defined(inventory, sku, 5)
    late = upserted(sku, 3, status=ProductStatus.DISCONTINUED)
    await inventory.bus.send(late)
    await inventory.bus.send(upserted(sku, 5, name="Repeated"))
    await inventory.bus.send(newer := upserted(sku, 9, description="Braided, 10 mm"))
    last = await item_defined(inventory, sku, 9)

    assert (first["tax_codes"], first["product_group"], first["status"]) == (
        ["VAT"],
        "ROPES",
        "active",
    )
    assert (last["name"], last["description"], last["status"]) == (
        "Rope",
        "Braided, 10 mm",
        "active",
    )
    versions = [
        e.body["version"]
        for e in inventory.bus.matching("inventory.item_defined")
        if e.body["sku"] == sku
    ]
    assert versions == [5, 9]  # the late and the repeated version changed nothing
    transport = httpx.ASGITransport(app=inventory_service)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://inventory", headers=headers("inventory")
    ) as http:
        one = (await http.get("/items", params={"sku": sku})).json()
        found = (await http.get("/items", params={"q": sku.lower()})).json()
        grouped = (await http.get("/items", params={"product_group": "ROPES"})).json()
        missing = await http.get("/items", params={"sku": unique("NONE")})
    assert (one["version"], one["source"], one["description"]) == (9, "products", "Braided, 10 mm")
    assert [entry["version"] for entry in one["history"]] == [5, 9]
    assert [item["sku"] for item in found["items"]] == [sku]
    assert "history" not in found["items"][0]
    assert sku in {item["sku"] for item in grouped["items"]}
    assert missing.status_code == 404
    assert newer.version == 9


async def test_define_item_bumps_the_version_and_refuses_stale_and_unit_changes(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    item = define_item(unique("BOLT"))
    assert (await inventory.accepted(item)).body["version"] == 1
    again = DefineItem(**item.model_dump(exclude={"message_id"}))
    assert (await inventory.refused(again)).body["reason"] == "item_exists"  # as before

    changed = await inventory.accepted(
        edit(item, 1, tax_codes=["VAT"], status=ProductStatus.DISCONTINUED, description="M8")
    )
    stale = await inventory.refused(edit(item, 1, name="Another"))
    unknown = await inventory.refused(edit(define_item(unique("NONE")), 3))

    assert (changed.body["version"], changed.body["tax_codes"], changed.body["status"]) == (
        2,
        ["VAT"],
        "discontinued",
    )
    assert stale.body["reason"] == "stale_record"
    assert "at version 2, the change was made on version 1" in stale.body["detail"]
    assert unknown.body["reason"] == "unknown_item"

    taken = await inventory.refused(edit(item, 0, name="Another"))
    assert taken.body["reason"] == "stale_record"
    legacy = unique("LEGACY")  # defined before versions: its version reads 0
    await inventory.db.items.insert_one(
        {
            "_id": legacy,
            "name": "Old",
            "unit_of_measure": "each",
            "decimal_places": 0,
            "version": 1,
            "applied_messages": [],
        }
    )
    first = await inventory.accepted(edit(define_item(legacy), 0, name="Old, versioned"))
    assert (first.body["version"], first.body["name"]) == (1, "Old, versioned")

    location = await inventory.branch("BR-P")
    await inventory.accepted(opening(item.sku, location, "4"))
    unit = await inventory.refused(edit(item, 2, unit_of_measure="box"))
    finer = await inventory.accepted(edit(item, 2, decimal_places=2))
    assert unit.body["reason"] == "unit_change_with_stock"
    assert finer.body["decimal_places"] == 2
    assert finer.body["version"] == 3
    ordered = define_item(unique("NUT"))
    await inventory.accepted(ordered)
    await inventory.learnt(approved(OrderKind.PURCHASE, unique("PO"), "BR-P", (ordered.sku, "5")))
    on_order = await inventory.refused(edit(ordered, 1, unit_of_measure="box"))
    assert on_order.body["reason"] == "unit_change_with_stock"
    stored = await inventory.db.items.find_one({"_id": item.sku})
    assert stored is not None
    assert stored["unit_of_measure"] == "each"


async def test_a_discontinued_product_is_refused_at_a_refusing_branch_and_flagged_elsewhere(
    inventory: InventoryDriver,
    inventory_service: Any,
    order_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    sku, strict, vat = unique("OLD"), unique("BR-STRICT"), unique("VAT")
    rate = DefineTaxRate(code=vat, name="VAT", rate=Decimal(20), defined_by="operator")
    await inventory.accepted(rate)
    await inventory.accepted(
        ConfigureBranch(
            branch_id=strict,
            when_stock_short=WhenStockShort.ALLOW,
            unknown_party=UnknownParty.REFUSE,
            configured_by="operator",
        )
    )
    facts = {"decimal_places": 0, "unit_of_measure": "each", "tax_codes": [vat]}
    await inventory.bus.send(upserted(sku, 10, **facts))
    await inventory.bus.send(upserted(sku, 11, **facts, status=ProductStatus.DISCONTINUED))
    await eventually(
        lambda: order_db["items"].find_one({"_id": sku}),
        lambda doc: doc is not None and doc["status"] == "discontinued",
        what="the order service to learn the product is discontinued",
    )

    # A late inventory.item_defined (an older version) does not bring the product back.
    await inventory.bus.send(
        ItemDefined(sku=sku, name="Late", unit_of_measure="each", decimal_places=0, version=10)
    )
    marker = unique("MARK")
    await inventory.bus.send(upserted(marker, 1))
    await eventually(
        lambda: order_db["items"].find_one({"_id": marker}),
        lambda doc: doc is not None,
        what="a later product learnt",
    )
    copy = await order_db["items"].find_one({"_id": sku})
    assert copy is not None
    assert (copy["name"], copy["status"], copy["product_version"]) == ("Rope", "discontinued", 11)

    # Known parties: the branch refuses unknown ones too, and that check comes first.
    buyer, seller = customer(currency="EUR"), vendor(currency="USD")
    await inventory.accepted(
        UpsertCustomer(customer_id=buyer.customer_id, record=buyer, changed_by="operator")
    )
    await inventory.accepted(
        UpsertVendor(vendor_id=seller.vendor_id, record=seller, changed_by="operator")
    )
    one = lines((sku, "1", "5"))
    refused = await inventory.refused(
        sales_order(customer_id=buyer.customer_id, branch_id=strict, lines=one)
    )
    allowed = await inventory.accepted(sales_order(customer_id=buyer.customer_id, lines=one))
    bought = await inventory.accepted(
        purchase_order(vendor_id=seller.vendor_id, branch_id=strict, lines=one)
    )

    assert refused.body["reason"] == "discontinued_product"
    assert f"{sku} is discontinued" in refused.body["detail"]
    for answer in (allowed, bought):
        doc = await order_db.orders.find_one({"_id": answer.body["order_id"]})
        assert doc is not None
        assert doc["flags"] == [
            {"reason": "discontinued_product", "detail": f"{sku} is a discontinued product"}
        ]
        # the product's default tax codes on a line that named none
        assert doc["lines"][0]["tax_codes"] == [vat]
        assert doc["pricing"]["grand_total"] == Decimal("6.00")


async def test_bad_product_events_are_dead_lettered_with_the_reason_and_change_nothing(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    sku = unique("CABLE")
    await inventory.bus.send(upserted(sku, 2, decimal_places=0, unit_of_measure="each"))
    await item_defined(inventory, sku, 2)
    location = await inventory.branch("BR-Q")
    await inventory.accepted(opening(sku, location, "3"))
    queue = names.event_queue("inventory", "product.upserted")

    no_version = upserted(sku, 7).model_dump(mode="json") | {"version": 0}
    await inventory.bus.send_raw(names.EVENTS, "product.upserted", json.dumps(no_version).encode())
    [invalid] = await inventory.bus.dead_letters(queue)
    await inventory.bus.send(upserted(sku, 8, unit_of_measure="box", decimal_places=0))
    [unit] = await inventory.bus.dead_letters(queue)

    assert invalid.headers["x-oms-reason"] == "invalid_message"
    assert "version" in invalid.headers["x-oms-detail"]
    assert unit.headers["x-oms-reason"] == "unit_change_with_stock"
    stored = await inventory.db.items.find_one({"_id": sku})
    assert stored is not None
    assert (stored["product_version"], stored["unit_of_measure"]) == (2, "each")


async def test_a_product_saved_untouched_from_the_back_office_form_keeps_its_record(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    sku = unique("ROPE")
    await inventory.bus.send(upserted(sku, 40, description="Braided", tax_codes=["VAT", "CITY"]))
    await item_defined(inventory, sku, 40)
    transport = httpx.ASGITransport(app=inventory_service)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://inventory", headers=headers("inventory")
    ) as http:
        before = (await http.get("/items", params={"sku": sku})).json()
        saved = await inventory.accepted(product_command(product_values(before)))
        after = (await http.get("/items", params={"sku": sku})).json()

    record = ("name", "description", "unit_of_measure", "decimal_places", "tax_codes", "status")
    assert {k: after[k] for k in (*record, "product_group")} == {
        k: before[k] for k in (*record, "product_group")
    }
    assert (saved.body["version"], after["version"], after["source"]) == (41, 41, "oms")
    assert after["history"][-1]["changes"] == []  # saved as it was: nothing changed
