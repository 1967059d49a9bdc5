"""Work a replica left half done (it crashed after claiming) is finished by the upkeep job.

The claim is planted as a crashed replica would have left it: recorded on the order, with no
stock moved yet and nobody left to answer.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from shared.contracts import OrderKind, utcnow
from tests.support.factories import unique
from tests.support.inventory import InventoryDriver, approved, eventually, opening


async def plant_claim(
    inventory: InventoryDriver, order_id: str, kind: OrderKind, location: str, **lines: str
) -> str:
    document_id = unique("DOC")
    claim = {
        "document_id": document_id,
        "kind": kind.value,
        "message_id": unique("lost-message"),
        "location_id": location,
        "lines": [{"sku": sku, "quantity": Decimal(q)} for sku, q in sorted(lines.items())],
        "by": "clerk",
        "state": "pending",
        "taken": [],
        "failure": None,
        "claimed_at": utcnow() - timedelta(hours=1),
    }
    # As the replica's own write would: a new version of the order with the claim on it.
    await inventory.db.orders.update_one(
        {"_id": order_id}, {"$push": {"claims": claim}, "$inc": {"version": 1}}
    )
    return document_id


async def test_a_stalled_receipt_is_completed(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-N", "SKU-1")
    po = unique("PO")
    await inventory.learnt(approved(OrderKind.PURCHASE, po, "BR-N", ("SKU-1", "10")))

    receipt = await plant_claim(inventory, po, OrderKind.PURCHASE, loc, **{"SKU-1": "4"})

    [event] = await inventory.bus.wait_for(
        "inventory.goods_received", lambda b: b["receipt_id"] == receipt
    )
    assert event.body["order_lines"][0]["fulfilled"] == "4"
    assert (await inventory.stock("SKU-1", loc))["on_hand"] == Decimal(4)
    order = await inventory.order(po)
    assert order is not None
    assert order["claims"] == []


async def test_a_stalled_issue_that_cannot_be_taken_in_full_is_put_back(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-A", "SKU-B")
    await inventory.accepted(opening("SKU-A", loc, "5"))
    await inventory.accepted(opening("SKU-B", loc, "1"))
    so = unique("SO")
    await inventory.learnt(approved(OrderKind.SALES, so, "BR-S", ("SKU-A", "3"), ("SKU-B", "3")))

    # SKU-A can be taken, SKU-B cannot (1 on hand): the whole issue must be undone.
    await plant_claim(inventory, so, OrderKind.SALES, loc, **{"SKU-A": "3", "SKU-B": "2"})

    order = await eventually(
        lambda: inventory.order(so),
        lambda doc: doc is not None and doc["claims"] == [],
        what="the stalled issue to be undone",
    )
    assert order is not None
    assert order["deliveries"] == []
    await inventory.ledger_caught_up()
    kinds = [e["kind"] for e in await inventory.ledger("SKU-A", loc)]
    assert kinds == ["opening", "reservation", "issue", "issue_reversal"]
    a, b = await inventory.stock("SKU-A", loc), await inventory.stock("SKU-B", loc)
    assert (a["on_hand"], a["issued"], a["reserved"]) == (5, 0, 3)  # held for the order again
    assert (b["on_hand"], b["issued"], b["reserved"]) == (1, 0, 1)
    assert not inventory.bus.matching("inventory.goods_issued", lambda body: body["order_id"] == so)
