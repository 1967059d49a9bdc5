"""The preview before submit in the back office, over the real order, inventory and approval
services (their HTTP queries in process, the broker and database real): a draft sales order's
page and ``/orders/{id}/preview.json`` show who would approve it (the manager away, so their
delegate, for them; a level whose threshold does not apply, and why), the stock it would
reserve (a short line marked) and its taxes per rate; looking changes nothing stored, and a
submitted order is no longer previewed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase
from starlette.applications import Starlette

from services.backoffice import pages_orders, pages_preview
from services.backoffice.reads import Reads
from services.backoffice.settings import BackofficeSettings
from services.backoffice.web import SESSION_COOKIE
from shared.contracts import (
    AssignParty,
    DefineCycle,
    DefineTaxRate,
    LevelRule,
    OrderKind,
    OrderLine,
    SetAway,
    SubmitOrder,
    UpsertUser,
    utcnow,
)
from shared.runtime import OmsApp
from shared.storage.aggregates import HIDE_BOOKKEEPING
from shared.storage.mongo import Document, database
from tests.support.factories import sales_order, unique
from tests.support.inventory import InventoryDriver, eventually, opening
from tests.support.services import Environment
from tests.unit.test_backoffice_books import Office, People

SERVICES = ("order", "inventory", "approval")
SCHEDULE = {"jobs", "locks"}
"""Leases of the services' scheduled work, renewed on their own."""


@pytest.fixture
async def office(
    order_service: OmsApp, inventory_service: OmsApp, approval_service: OmsApp
) -> AsyncIterator[httpx.AsyncClient]:
    """The back office's order pages for ada (an administrator), reading the three services'
    queries in process with the back office's own credential."""
    reads = Reads(BackofficeSettings(environment="development"))
    await reads.client.aclose()
    apps = dict(zip(SERVICES, (order_service, inventory_service, approval_service), strict=True))
    reads.client = httpx.AsyncClient(
        mounts={f"http://{name}": httpx.ASGITransport(app=app) for name, app in apps.items()}
    )
    reads.urls.update({name: f"http://{name}" for name in SERVICES})
    people = People({"_id": "ada", "name": "Ada", "admin": True}, {"_id": "mary", "name": "Mary"})
    app = Starlette(routes=[*pages_preview.ROUTES, *pages_orders.ROUTES])
    app.state.backoffice = Office(reads=reads, people=people)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://office", cookies={SESSION_COOKIE: "ada"}
    ) as client:
        yield client
    await reads.close()


async def stored(env: Environment, mongo_client: Any) -> dict[str, list[Any]]:
    """Every document of the three services, without the relay's bookkeeping."""
    found: dict[str, list[Any]] = {}
    for name in SERVICES:
        db: AsyncDatabase[Document] = database(mongo_client, env.database(name))
        for collection in set(await db.list_collection_names()) - SCHEDULE:
            cursor = db[collection].find({}, HIDE_BOOKKEEPING, sort=[("_id", 1)])
            found[f"{name}.{collection}"] = [doc async for doc in cursor]
    return found


async def draft(inventory: InventoryDriver, order_db: AsyncDatabase[Document]) -> str:
    """A draft sales order of bob (manager mary, away: ann decides for her) for a customer in
    a cycle of two levels (the second above 1000), 2 SKU-A at 100 + 20 % VAT, of which the
    branch has 1."""
    for user in (
        UpsertUser(user_id="ann", name="Ann Admin", admin=True, changed_by="root"),
        UpsertUser(user_id="adam", name="Adam Admin", admin=True, changed_by="root"),
        UpsertUser(user_id="mary", name="Mary Manager", changed_by="root"),
        UpsertUser(user_id="bob", name="Bob Seller", manager_id="mary", changed_by="root"),
    ):
        await inventory.accepted(user)
    now = utcnow()
    await inventory.accepted(
        SetAway(
            user_id="mary",
            delegate_id="ann",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            set_by="ann",
        )
    )
    customer, cycle_id, branch = unique("C"), unique("CYC"), unique("BR")
    levels = [
        LevelRule(approver="creator_manager"),
        LevelRule(approver="named_user", user_id="adam", above=Decimal(1000)),
    ]
    await inventory.accepted(
        DefineCycle(
            cycle_id=cycle_id,
            name="Sales",
            order_kind=OrderKind.SALES,
            levels=levels,
            fallback_approver_id="ann",
            defined_by="root",
        )
    )
    await inventory.accepted(AssignParty(cycle_id=cycle_id, party_id=customer, assigned_by="r"))
    await inventory.accepted(
        DefineTaxRate(code="VAT-20", name="VAT", rate=Decimal(20), defined_by="olga")
    )
    location = await inventory.branch(branch, "SKU-A")
    await inventory.accepted(opening("SKU-A", location, "1"))
    await eventually(
        lambda: order_db.stock_levels.count_documents({"location_id": location}),
        lambda count: count == 1,
        what="the order service to learn the stock",
    )
    line = OrderLine(
        sku="SKU-A", quantity=Decimal(2), unit_price=Decimal(100), tax_codes=["VAT-20"]
    )
    order = sales_order(
        customer_id=customer, branch_id=branch, created_by="bob", currency="USD", lines=[line]
    )
    await inventory.accepted(order)
    return str(order.order_id)


async def test_a_draft_is_previewed_and_nothing_changes(
    inventory: InventoryDriver,
    office: httpx.AsyncClient,
    env: Environment,
    mongo_client: Any,
    order_db: AsyncDatabase[Document],
) -> None:
    order_id = await draft(inventory, order_db)
    before = await stored(env, mongo_client)

    answer = await office.get(f"/orders/{order_id}/preview.json")
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert (shown["status"], shown["total"], shown["tax_total"]) == ("draft", "240.00", "40.00")
    [tax] = shown["taxes"]
    assert (tax["code"], tax["rate"], tax["base"], tax["tax"]) == (
        "VAT-20",
        "20",
        "200.00",
        "40.00",
    )
    approval = shown["approval"]
    assert (approval["auto_approved"], approval["credit"]) == (False, None)
    first, second = approval["levels"]
    assert (first["approver_id"], first["delegated_from"]) == ("ann", "mary")
    assert (first["approver_name"], first["delegated_from_name"]) == ("Ann Admin", "Mary")
    assert (second["applies"], second["approver_id"]) == (False, None)
    assert "not above the threshold 1000" in second["routing"]["why"]
    [line] = shown["stock"]["lines"]
    assert (line["sku"], line["requested"], line["would_reserve"], line["short"]) == (
        "SKU-A",
        "2",
        "1",
        "1",
    )
    assert shown["stock"]["complete"] is False

    page = await office.get(f"/orders/{order_id}")
    assert page.status_code == 200, page.text
    assert "Preview before submit" in page.text
    assert "Ann Admin (ann) for Mary (mary), away" in page.text
    assert '<tr class="short"><td>SKU-A</td>' in page.text
    assert "VAT-20 VAT 20 % of 200.00: 40.00" in page.text
    alone = await office.get(f"/orders/{order_id}/preview")
    assert alone.status_code == 200
    assert "Preview before submit" in alone.text
    assert await stored(env, mongo_client) == before
    unchanged = await order_db.orders.find_one({"_id": order_id})
    assert unchanged is not None
    assert (unchanged["version"], unchanged["status"]) == (shown["version"], "draft")

    await inventory.accepted(SubmitOrder(order_id=order_id, submitted_by="bob"))
    assert (await office.get(f"/orders/{order_id}/preview.json")).status_code == 409
    page = await office.get(f"/orders/{order_id}")
    assert "Preview before submit" not in page.text
    assert (await office.get("/orders/NOPE/preview.json")).status_code == 404
