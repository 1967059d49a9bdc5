"""The back office's sales view on the real broker and database: an order's amounts, its goods
issues and its invoices are learnt from the order, inventory and billing events (each once,
whatever the order they arrive in) onto the order list's document, and the sales reports add
them up by each date basis. An earlier version's documents of their own are merged in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.backoffice import reports, sales_view
from services.backoffice.app import ORDER_EVENTS_QUEUE, order_views, subscriptions
from services.backoffice.approvals_view import ApprovalLevels
from services.backoffice.bus import Broker
from services.backoffice.orders_view import OrderList
from services.backoffice.sales_view import EARLIER_SALES, SalesView, merge_earlier
from services.backoffice.store import People
from shared.contracts import GoodsIssued, LineProgress, OrderApproved, OrderCreated, OrderKind
from shared.contracts.billing import BillingContact, InvoiceIssued, InvoiceVoided
from shared.contracts.inventory import StockLine
from shared.storage.mongo import database
from tests.support.bus import Bus
from tests.support.factories import lines, unique
from tests.support.metrics import CountedBulkWrites
from tests.support.services import Environment

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)


@pytest.fixture
async def sales(env: Environment, mongo_client: Any, bus: Bus) -> AsyncIterator[SalesView]:
    db = database(mongo_client, env.database("backoffice"))
    orders = OrderList(db)
    view = SalesView(orders)
    broker = Broker(
        env.settings("backoffice")["amqp_url"],
        subscriptions(People(db), orders, ApprovalLevels(db), view),
        answer_timeout=10,
    )
    await broker.start()
    yield view
    await broker.stop()


def issued(order_id: str, issue_id: str, done: str, at: datetime) -> GoodsIssued:
    return GoodsIssued(
        order_id=order_id,
        issue_id=issue_id,
        location_id="L",
        branch_id="BR",
        lines=[StockLine(sku="BOLT", quantity=Decimal(1))],
        issued_by="carl",
        order_lines=[LineProgress(sku="BOLT", ordered=Decimal(4), fulfilled=Decimal(done))],
        backorder=[],
        completed=done == "4",
        occurred_at=at,
    )


def created_and_approved(order_id: str) -> tuple[OrderCreated, OrderApproved]:
    """A sales order of four bolts at 2.50, created at T0 and approved five minutes later."""
    created = OrderCreated(
        order_id=order_id,
        kind=OrderKind.SALES,
        party_id="SHOP",
        branch_id="BR",
        created_by="carl",
        currency="EUR",
        lines=lines(("BOLT", "4", "2.50")),
        total=Decimal("10.00"),
        occurred_at=T0,
    )
    approved = OrderApproved(
        **created.model_dump(exclude={"message_id", "occurred_at"}),
        attempt=1,
        occurred_at=T0 + timedelta(minutes=5),
    )
    return created, approved


def invoice(order_id: str, invoice_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "series": "INV",
        "number": int(invoice_id[-1]),
        "subscription_id": "SUB-1",
        "customer_id": "SHOP",
        "order_id": order_id,
        "status": "open",
        "currency": "EUR",
        "total": Decimal("11.90"),
        "amount_paid": Decimal(0),
        "balance": Decimal("11.90"),
        "due_at": T0 + timedelta(days=14),
        "billing_contact": BillingContact(email="ap@example.com"),
        **fields,
    }


async def test_amounts_issues_and_invoices_are_learnt_once_in_any_order(
    sales: SalesView, bus: Bus
) -> None:
    order_id = unique("SO")
    created, approved = created_and_approved(order_id)
    first = issued(order_id, "ISS-1", "1", T0 + timedelta(hours=1))
    second = issued(order_id, "ISS-2", "4", T0 + timedelta(days=3))
    billed = InvoiceIssued(
        **invoice(order_id, "INV-1"),
        lines=[],
        tax_total=Decimal("1.90"),
        issued_at=T0 + timedelta(days=4),
    )
    wrong = InvoiceIssued(
        **invoice(order_id, "INV-2"), lines=[], tax_total=Decimal("1.90"), issued_at=T0
    )
    voided = InvoiceVoided(**invoice(order_id, "INV-2", status="void"), reason="twice")
    bought = created.model_copy(update={"order_id": unique("PO"), "kind": OrderKind.PURCHASE})
    # A purchase order first (delivered before the rest); the issues before the order itself,
    # one of them twice; the invoice voided.
    for event in (bought, second, first, first, approved, created, billed, wrong, voided):
        await bus.send(event)
    for _ in range(200):
        doc = await sales.orders.find_one({"_id": order_id}) or {}
        if (
            doc.get("status") == "partially_issued"  # the order list's: the first issue's
            and len(doc.get("issues", [])) == 2
            and len(doc.get("invoices", [])) == 2
            and doc.get("voided") == ["INV-2"]
        ):
            break
        await asyncio.sleep(0.05)
    assert doc["ordered_at"] == T0
    assert (doc["net"], doc["tax"], doc["gross"]) == ("10.00", "0", "10.00")
    assert len(doc["invoices"]) == 2

    def report(basis: str, by: str = "period") -> list[Any]:
        return reports.sales(reports.sales_of(doc, basis), by, basis, reports.Period(UTC)).rows

    assert report("ordered") == [["2026-11", "EUR", 1, Decimal("10.00"), 0, Decimal("10.00")]]
    assert report("issued") == [
        ["2026-11", "EUR", 1, Decimal("2.50"), 0, Decimal("2.50")],
        ["2026-12", "EUR", 1, Decimal("7.50"), 0, Decimal("7.50")],
    ]
    assert report("invoiced", "customer") == [
        ["SHOP", "EUR", 1, Decimal("10.00"), Decimal("1.90"), Decimal("11.90")]
    ]
    assert await bus.dead_letter_count(ORDER_EVENTS_QUEUE) == 0
    purchase = await sales.orders.find_one({"_id": bought.order_id})  # in the list: no sale
    assert purchase is not None
    assert not {"net", "lines", "ordered_at"} & set(purchase)
    assert reports.sales_of(purchase, "ordered") == []
    # Each basis reads what it needs, and only sales orders.
    assert bought.order_id not in {d["_id"] for d in await sales.everything("ordered")}
    [ordered] = [d for d in await sales.everything("ordered") if d["_id"] == order_id]
    assert not {"lines", "issues", "invoices", "created_on", "total_value"} & set(ordered)
    [by_invoice] = [d for d in await sales.everything("invoiced") if d["_id"] == order_id]
    assert by_invoice["invoices"] == doc["invoices"]
    assert "issues" not in by_invoice


async def test_older_events_and_repeats_fail_no_write_so_none_is_sent_twice(
    env: Environment, mongo_client: Any
) -> None:
    orders = OrderList(database(mongo_client, env.database("backoffice")))
    view = SalesView(orders)
    learn = order_views(orders, view)
    counted = orders.writes.collection = CountedBulkWrites(orders.orders)  # type: ignore[assignment]
    order_id = unique("SO")
    created, approved = created_and_approved(order_id)
    first = issued(order_id, "ISS-1", "1", T0 + timedelta(hours=1))
    # The newer status first, then the older one; the issue three times: one round.
    events = (approved, first, created, first, approved, first)

    await asyncio.gather(*(learn(event) for event in events))

    assert counted.sent == [1]  # one round; both views' writes about one order, one statement
    doc = await orders.orders.find_one({"_id": order_id})
    assert doc is not None
    assert (doc["status"], doc["status_at"]) == ("partially_issued", first.occurred_at)
    assert doc["ordered_at"] == T0
    assert (doc["net"], doc["total"]) == ("10.00", "10.00")  # the sales view's, the list's
    assert [issue["issue_id"] for issue in doc["issues"]] == ["ISS-1"]


async def test_an_earlier_versions_documents_are_merged_into_the_order_lists(
    env: Environment, mongo_client: Any
) -> None:
    """What the list learnt since stays; issues, invoices and voided invoices are joined; an
    order only the sales view knew gets a document; the earlier collection is emptied, and
    dropped by the last round."""
    db = database(mongo_client, env.database("backoffice"))
    orders = OrderList(db)
    learn = order_views(orders, SalesView(orders))
    known, alone = unique("SO"), unique("SO")
    created, approved = created_and_approved(known)
    first = issued(known, "ISS-1", "1", T0 + timedelta(hours=1))
    for event in (created, approved, first):  # learnt since the upgrade
        await learn(event)
    earlier: list[dict[str, Any]] = [
        {
            "_id": known,
            "kind": "sales",
            "branch_id": "BR",
            "party_id": "SHOP",
            "currency": "EUR",
            "gross": "9.00",  # older than what the list learnt since
            "net": "9.00",
            "tax": "0",
            "lines": [],
            "ordered_at": T0,
            "status": "approved",
            "status_at": T0 + timedelta(minutes=5),
            "issues": [
                {"issue_id": "ISS-0", "at": T0, "progress": []},
                {"issue_id": "ISS-1", "at": T0 + timedelta(hours=1), "progress": []},
            ],
            "voided": ["INV-9"],
        },
        {
            "_id": alone,
            "kind": "sales",
            "currency": "EUR",
            "invoices": [{"invoice_id": "INV-1", "at": T0, "net": "1", "tax": "0"}],
            "voided": ["INV-1"],
        },
    ]
    await db[EARLIER_SALES].insert_many(earlier)

    assert await merge_earlier(db) == 2
    assert await db[EARLIER_SALES].count_documents({}) == 0  # each merged, then removed
    assert await merge_earlier(db, last=True) == 0
    assert EARLIER_SALES not in await db.list_collection_names()  # the last round drops it
    doc = await db["orders"].find_one({"_id": known})
    assert doc is not None
    assert (doc["net"], doc["gross"], doc["total"]) == ("10.00", "10.00", "10.00")
    assert (doc["status"], doc["status_at"]) == ("partially_issued", first.occurred_at)
    assert [issue["issue_id"] for issue in doc["issues"]] == ["ISS-1", "ISS-0"]
    assert doc["voided"] == ["INV-9"]
    only = await db["orders"].find_one({"_id": alone})
    assert only is not None
    assert (only["kind"], only["invoices"][0]["invoice_id"], only["voided"]) == (
        "sales",
        "INV-1",
        ["INV-1"],
    )


async def test_an_earlier_document_changed_while_it_is_merged_stays_to_be_merged_again(
    env: Environment, mongo_client: Any
) -> None:
    """A replica of the earlier version still running (a rolling upgrade) adds an issue after
    the document was read: the merge does not remove it, and the next one merges the issue."""
    db = database(mongo_client, env.database("backoffice"))
    order_id = unique("SO")
    first = {"issue_id": "ISS-1", "at": T0, "progress": []}
    await db[EARLIER_SALES].insert_one({"_id": order_id, "kind": "sales", "issues": [first]})
    read = await db[EARLIER_SALES].find_one({"_id": order_id})
    assert read is not None
    later = {"issue_id": "ISS-2", "at": T0, "progress": []}
    await db[EARLIER_SALES].update_one({"_id": order_id}, {"$push": {"issues": later}})

    await sales_view._merge(db, [read])

    assert await db[EARLIER_SALES].find_one({"_id": order_id}) is not None  # kept: it changed
    assert await merge_earlier(db) == 1
    doc = await db["orders"].find_one({"_id": order_id})
    assert doc is not None
    assert [issue["issue_id"] for issue in doc["issues"]] == ["ISS-1", "ISS-2"]
    assert await db[EARLIER_SALES].find_one({"_id": order_id}) is None
