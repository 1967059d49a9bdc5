"""Work orders over the real broker and database, with the order and inventory services running:
components reserved and issued on release, finished units received on completion (partial
completions too), reservations released on cancellation, and the ledger balanced throughout."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import (
    CancelWorkOrder,
    CompleteWorkOrder,
    ComponentBasis,
    ComponentLine,
    CreateWorkOrder,
    ReleaseWorkOrder,
    WorkOrderKind,
    WorkOrderReleased,
)
from shared.storage.mongo import Document
from tests.support.credentials import headers
from tests.support.factories import unique
from tests.support.inventory import InventoryDriver, adjust, define_item, eventually, opening

D = Decimal


def create_work_order(
    branch_id: str, item: str, quantity: str, **components: str
) -> CreateWorkOrder:
    """``components``: sku=quantity per unit; a quantity ending in "total" is for the order."""
    return CreateWorkOrder(
        work_order_id=unique("WO"),
        branch_id=branch_id,
        kind=WorkOrderKind.PRODUCTION,
        item_sku=item,
        quantity=D(quantity),
        components=[
            ComponentLine(
                sku=sku,
                quantity=D(spec.removesuffix(" total")),
                basis=ComponentBasis.TOTAL if spec.endswith("total") else ComponentBasis.PER_UNIT,
            )
            for sku, spec in components.items()
        ],
        created_by="planner",
    )


def complete(work_order_id: str, quantity: str, scrap: str = "0") -> CompleteWorkOrder:
    return CompleteWorkOrder(
        work_order_id=work_order_id,
        completion_id=unique("WC"),
        quantity=D(quantity),
        scrap=D(scrap),
        completed_by="foreman",
    )


async def work_order_status(order_db: AsyncDatabase[Document], wo: str, status: str) -> Document:
    doc = await eventually(
        lambda: order_db.work_orders.find_one({"_id": wo}),
        lambda doc: doc is not None and doc["status"] == status,
        what=f"{wo} {status}",
    )
    assert doc is not None
    return doc


async def ledgers(inventory_service: Any, *skus: str) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=inventory_service)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://inventory", headers=headers("inventory")
    ) as http:
        return {sku: (await http.get("/ledger", params={"sku": sku})).json() for sku in skus}


async def test_a_work_order_consumes_components_and_produces_the_item_with_the_ledger_balanced(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    loc = await inventory.branch("BR-WO", "WIDGET", "FRAME", "BOLT")
    await inventory.accepted(opening("FRAME", loc, "10"))
    await inventory.accepted(opening("BOLT", loc, "50"))
    await inventory.accepted(opening("WIDGET", loc, "1"))
    create = create_work_order("BR-WO", "WIDGET", "4", FRAME="2", BOLT="6 total")
    assert (await inventory.accepted(create)).type == "WorkOrderCreated"
    wo = create.work_order_id

    release = ReleaseWorkOrder(work_order_id=wo, released_by="planner")
    assert (await inventory.accepted(release)).body["components"] == [
        {"sku": "FRAME", "quantity": "8"},
        {"sku": "BOLT", "quantity": "6"},
    ]
    [issued] = await inventory.bus.wait_for(
        "inventory.components_issued", lambda b: b["work_order_id"] == wo
    )
    assert issued.body["location_id"] == loc
    in_progress = await work_order_status(order_db, wo, "in_progress")
    assert in_progress["location_id"] == loc

    first = complete(wo, "1")
    assert (await inventory.accepted(first)).type == "WorkOrderPartiallyCompleted"
    await work_order_status(order_db, wo, "partially_completed")
    last = complete(wo, "2", scrap="1")
    assert (await inventory.accepted(last)).body["remaining"] == "0"
    done = await eventually(
        lambda: order_db.work_orders.find_one({"_id": wo}),
        lambda doc: doc is not None and len(doc["receipts"]) == 2,
        what="both completions received",
    )
    assert done is not None
    assert done["status"] == "completed"
    assert [(r["completion_id"], r["quantity"]) for r in done["receipts"]] == [
        (first.completion_id, D(1)),
        (last.completion_id, D(2)),
    ]

    assert (await inventory.stock("FRAME", loc))["on_hand"] == D(2)
    assert (await inventory.stock("BOLT", loc))["on_hand"] == D(44)
    widget = await inventory.stock("WIDGET", loc)
    assert (widget["on_hand"], widget["reserved"]) == (D(4), D(0))
    await inventory.ledger_caught_up()
    books = await ledgers(inventory_service, "FRAME", "BOLT", "WIDGET")
    expected = {  # on hand before + receipts - issues = on hand after
        "FRAME": ("10", "0", "8", "2"),
        "BOLT": ("50", "0", "6", "44"),
        "WIDGET": ("1", "3", "0", "4"),
    }
    for sku, (before, receipts, issues, after) in expected.items():
        balance = books[sku]["balances"][loc]
        got = (balance["opening"], balance["receipts"], balance["issues"], balance["on_hand"])
        assert got == (before, receipts, issues, after), sku
        assert balance["balanced"] is True
        assert balance["reserved"] == "0"  # reserved, then issued from the reservation
        work_order_entries = [e for e in books[sku]["entries"] if e["kind"] != "opening"]
        assert {(e["source_type"], e["source_id"]) for e in work_order_entries} == {
            ("work_order", wo)
        }
    assert [e["kind"] for e in books["FRAME"]["entries"]] == ["opening", "reservation", "issue"]
    assert [e["reference"] for e in books["WIDGET"]["entries"][1:]] == [
        first.completion_id,
        last.completion_id,
    ]
    await both_views_show_it_done(order_service, inventory_service, wo)


async def both_views_show_it_done(order_service: Any, inventory_service: Any, wo: str) -> None:
    """``GET /work-orders`` on the order service and on inventory."""
    views = {}
    for name, app in (("order", order_service), ("inventory", inventory_service)):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{name}", headers=headers(name)
        ) as http:
            views[name] = (await http.get("/work-orders", params={"work_order_id": wo})).json()
            assert (await http.get("/work-orders")).status_code == 400
            assert (
                await http.get("/work-orders", params={"work_order_id": "no"})
            ).status_code == 404
    order_view, inventory_view = views["order"], views["inventory"]
    assert (order_view["work_order_id"], order_view["status"]) == (wo, "completed")
    assert (order_view["completed"], order_view["scrapped"]) == ("3", "1")
    assert "applied_messages" not in order_view
    assert [h["status"] for h in order_view["history"]][:3] == [
        "created",
        "released",
        "in_progress",
    ]
    assert (inventory_view["phase"], inventory_view["attempt"]) == ("issued", 1)
    assert [r["quantity"] for r in inventory_view["receipts"]] == ["1", "2"]


async def test_a_short_release_waits_holding_what_is_there_and_a_cancel_releases_it(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    loc = await inventory.branch("BR-WS", "GADGET", "GEAR")
    await inventory.accepted(opening("GEAR", loc, "3"))
    create = create_work_order("BR-WS", "GADGET", "5", GEAR="1")
    await inventory.accepted(create)
    wo = create.work_order_id
    await inventory.accepted(ReleaseWorkOrder(work_order_id=wo, released_by="planner"))

    short = await work_order_status(order_db, wo, "short")
    assert short["shortage"]["lines"] == [
        {"sku": "GEAR", "needed": D(5), "reserved": D(3)},
    ]
    gear = await inventory.stock("GEAR", loc)
    assert (gear["on_hand"], gear["reserved"]) == (D(3), D(3))  # held for the work order
    refused = await inventory.refused(complete(wo, "1"))
    assert refused.body["reason"] == "components_not_issued"

    cancel = CancelWorkOrder(work_order_id=wo, cancelled_by="planner", reason="customer gone")
    await inventory.accepted(cancel)
    [released] = await inventory.bus.wait_for(
        "inventory.components_released", lambda b: b["work_order_id"] == wo
    )
    assert released.body["released"] == [{"sku": "GEAR", "quantity": "3"}]
    assert released.body["consumed"] == []
    await eventually(
        lambda: inventory.stock("GEAR", loc),
        lambda doc: doc["reserved"] == 0,
        what="the work order's reservation released",
    )
    cancelled = await eventually(
        lambda: order_db.work_orders.find_one({"_id": wo}),
        lambda doc: doc is not None and doc["released_components"],
        what="the release shown on the work order",
    )
    assert cancelled is not None
    assert cancelled["status"] == "cancelled"
    assert cancelled["history"][-1]["note"] == "reservation released: 3 GEAR"
    refused = await inventory.refused(ReleaseWorkOrder(work_order_id=wo, released_by="planner"))
    assert refused.body["reason"] == "work_order_not_releasable"
    await inventory.ledger_caught_up()
    [book] = (await ledgers(inventory_service, "GEAR")).values()
    assert book["balances"][loc]["balanced"] is True
    assert [(e["kind"], e["reserved_change"]) for e in book["entries"]] == [
        ("opening", "0"),
        ("reservation", "3"),
        ("reservation", "-3"),
    ]


async def test_released_again_once_stock_arrived_it_issues_and_the_event_is_applied_once(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    loc = await inventory.branch("BR-WR", "ROTOR", "BLADE")
    await inventory.accepted(opening("BLADE", loc, "2"))
    create = create_work_order("BR-WR", "ROTOR", "1", BLADE="4")
    await inventory.accepted(create)
    wo = create.work_order_id
    await inventory.accepted(ReleaseWorkOrder(work_order_id=wo, released_by="planner"))
    await work_order_status(order_db, wo, "short")

    await inventory.accepted(adjust("BLADE", loc, "2", reason="found in the back"))
    release = ReleaseWorkOrder(work_order_id=wo, released_by="planner")
    again = await inventory.accepted(release)
    assert again.body["attempt"] == 2
    [released_event] = await inventory.bus.wait_for(
        "order.work_order_released", lambda b: b["work_order_id"] == wo and b["attempt"] == 2
    )
    await work_order_status(order_db, wo, "in_progress")
    # The same event delivered again issues nothing more.
    await inventory.bus.send(WorkOrderReleased.model_validate(released_event.body))
    await inventory.bus.settle(1.0)
    blade = await inventory.stock("BLADE", loc)
    assert (blade["on_hand"], blade["reserved"], blade["issued"]) == (D(0), D(0), D(4))
    await inventory.ledger_caught_up()
    [book] = (await ledgers(inventory_service, "BLADE")).values()
    assert book["balances"][loc]["balanced"] is True
    assert [e["kind"] for e in book["entries"]].count("issue") == 1


async def test_cancelled_after_the_issue_the_components_stay_consumed(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    loc = await inventory.branch("BR-WC", "STOOL", "SEAT")
    await inventory.accepted(opening("SEAT", loc, "5"))
    create = create_work_order("BR-WC", "STOOL", "2", SEAT="1")
    await inventory.accepted(create)
    wo = create.work_order_id
    await inventory.accepted(ReleaseWorkOrder(work_order_id=wo, released_by="planner"))
    await work_order_status(order_db, wo, "in_progress")

    await inventory.accepted(CancelWorkOrder(work_order_id=wo, cancelled_by="planner"))
    [released] = await inventory.bus.wait_for(
        "inventory.components_released", lambda b: b["work_order_id"] == wo
    )
    assert (released.body["released"], released.body["consumed"]) == (
        [],
        [{"sku": "SEAT", "quantity": "2"}],
    )
    seat = await inventory.stock("SEAT", loc)
    assert (seat["on_hand"], seat["reserved"], seat["issued"]) == (D(3), D(0), D(2))
    refused = await inventory.refused(complete(wo, "1"))
    assert refused.body["reason"] == "work_order_closed"


async def test_a_service_job_consumes_its_components_and_receives_nothing(
    inventory: InventoryDriver,
    order_service: Any,
    inventory_service: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    await inventory.accepted(define_item("OIL", decimal_places=1))
    loc = await inventory.branch("BR-WJ", "OIL")
    await inventory.accepted(opening("OIL", loc, "10"))
    job = CreateWorkOrder(
        work_order_id=unique("WO"),
        branch_id="BR-WJ",
        kind=WorkOrderKind.SERVICE,
        description="service the forklift",
        quantity=D(1),
        components=[ComponentLine(sku="OIL", quantity=D("2.5"), basis=ComponentBasis.TOTAL)],
        created_by="planner",
    )
    await inventory.accepted(job)
    wo = job.work_order_id
    await inventory.accepted(ReleaseWorkOrder(work_order_id=wo, released_by="planner"))
    await work_order_status(order_db, wo, "in_progress")
    assert (await inventory.accepted(complete(wo, "1"))).type == "WorkOrderCompleted"
    await inventory.bus.settle(0.5)
    assert (await inventory.stock("OIL", loc))["on_hand"] == D("7.5")
    assert (
        inventory.bus.matching("inventory.production_received", lambda b: b["work_order_id"] == wo)
        == []
    )
