"""The queries of every service, over stored documents that carry
more than a caller may see (bookkeeping, an outbox, a lease, a field the answer does not name):
each answer is what the AsyncAPI document says (``asgi_get`` checks it against the schema, made
strict) and none of the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.approval.domain import ApprovalRequest, Cycle, User
from services.billing.settings import BillingSettings
from services.billing.subscriptions.domain import Invoice, Subscription
from services.inventory.domain import Stock, TrackedOrder
from services.inventory.domain.work_orders import WorkOrderRecord
from services.inventory.handlers.ledger import LedgerProjection
from services.inventory.settings import InventorySettings
from services.notification.domain import Email
from services.notification.settings import NotificationSettings
from services.order.carts.domain.cart import Cart
from services.order.orders.domain.order import Order
from services.order.pricing.domain.configuration import PriceList, TaxRateCode
from services.order.pricing.domain.storefront import Storefront
from services.order.quotations.domain.quotation import Quotation
from services.order.rfqs.domain.rfq import Rfq
from services.order.settings import OrderSettings
from services.order.work_orders.domain.work_order import WorkOrder
from shared.asyncapi import load
from shared.contracts import (
    ApproverRule,
    CartCreated,
    CartItemAdded,
    ComponentLine,
    DefinePriceList,
    DefineTaxRate,
    ItemPrice,
    LevelRule,
    MovementKind,
    OrderKind,
    OrderLineInput,
    Person,
    RequestedLine,
    SourceType,
    StockMoved,
    WorkOrderKind,
    utcnow,
)
from shared.contracts.billing import (
    BillingContact,
    BillingInterval,
    InvoiceLine,
    SubscriptionStatus,
)
from shared.domain import Aggregate
from shared.runtime import OmsApp, build_app
from shared.settings import ServiceSettings
from shared.storage.mongo import Document, database
from tests.support.factories import unique
from tests.support.services import Environment, asgi_get, running

SETTINGS: dict[str, type[ServiceSettings]] = {
    "order": OrderSettings,
    "approval": ServiceSettings,
    "inventory": InventorySettings,
    "billing": BillingSettings,
    "notification": NotificationSettings,
}
NOT_FOR_CALLERS = {
    "outbox": [{"message_id": "m-2", "body": "{}"}],
    "outbox_pending": True,
    "outbox_lease": {"owner": "a replica", "until": utcnow()},
    "applied_messages": ["m-1"],
    "answers": [{"command": "m-1"}],
    "send_lease": {"owner": "a replica", "until": utcnow()},
    "seq": 7,
    "touched": ["A|L"],
    "internal_note": "kept by the service for itself",
}


@pytest.fixture
async def system(env: Environment, mongo_client: Any) -> AsyncIterator[dict[str, Any]]:
    async with AsyncExitStack() as stack:
        apps: dict[str, Any] = {}
        for name, settings in SETTINGS.items():
            app = build_app(load(name), settings(**env.settings(name)))
            apps[name] = await stack.enter_async_context(running(app))
            apps[f"{name}_db"] = database(mongo_client, env.database(name))
        yield apps


async def store(db: AsyncDatabase[Document], collection: str, aggregate: Aggregate) -> None:
    state = aggregate.model_dump(mode="python", exclude={"id"})
    stored = {"_id": aggregate.id, **state, "version": 2, **NOT_FOR_CALLERS}
    await db[collection].insert_one(stored)


async def answered(app: OmsApp, path: str, query: str) -> Any:
    status, body = await asgi_get(app, path, query)  # checked against the document
    assert status == 200, (path, body)
    assert body, (path, query)
    text = repr(body)
    for name in NOT_FOR_CALLERS:
        assert f"'{name}'" not in text, (path, name)
    return body


async def test_approval_answers_requests_cycles_and_users_as_documented(
    system: dict[str, Any],
) -> None:
    app, db = system["approval"], system["approval_db"]
    user, order_id = unique("ada"), unique("SO")
    await store(db, "users", User(id=user, name="Ada", email="ada@example.com", admin=True))
    levels = [LevelRule(approver=ApproverRule.NAMED_USER, user_id=user)]
    cycle_id = unique("C")
    cycle = Cycle(id=cycle_id, name="C", order_kind=OrderKind.SALES, levels=levels)
    await store(db, "cycles", cycle)
    request = ApprovalRequest.open(
        order_id=order_id,
        order_kind=OrderKind.SALES,
        party_id="P",
        attempt=1,
        creator=Person(user_id=user, name="Ada"),
        cycle=None,
    )
    await store(db, "requests", request)
    [found] = await answered(app, "/requests", f"order_id={order_id}")
    assert (found["id"], found["status"], found["version"]) == (request.id, "approved", 2)
    assert user in {u["id"] for u in await answered(app, "/users", "")}
    [listed] = await answered(app, "/cycles", "")
    assert listed["id"] == cycle_id
    assert listed["levels"] == [
        {"approver": "named_user", "user_id": user, "above": None, "above_in": {}}
    ]
    assert listed["parties"] == []


async def test_inventory_answers_stock_ledger_orders_and_work_orders_as_documented(
    system: dict[str, Any],
) -> None:
    app, db = system["inventory"], system["inventory_db"]
    sku, order_id, work_order_id = unique("SKU"), unique("SO"), unique("WO")
    stock = Stock.empty(sku=sku, location_id="L", branch_id="B")
    await store(db, "stock", stock.model_copy(update={"on_hand": Decimal(5)}))
    order = TrackedOrder.new(order_id=order_id, kind=OrderKind.SALES, party_id="P")
    await store(db, "orders", order)
    await store(
        db,
        "work_orders",
        WorkOrderRecord(id=work_order_id, kind=WorkOrderKind.PRODUCTION, branch_id="B"),
    )
    moved = StockMoved(
        movement_id=unique("M"),
        kind=MovementKind.OPENING,
        sku=sku,
        location_id="L",
        branch_id="B",
        on_hand_change=Decimal(5),
        reserved_change=Decimal(0),
        on_hand_after=Decimal(5),
        reserved_after=Decimal(0),
        source_type=SourceType.OPENING_BALANCE,
        source_id="opening",
        sequence=1,
    )
    await LedgerProjection(db).record(moved)
    await db["ledger"].update_one({"_id": moved.movement_id}, {"$set": NOT_FOR_CALLERS})

    found = await answered(app, "/stock", f"sku={sku}")
    assert found["totals"] == {
        sku: {"on_hand": "5", "reserved": "0", "available": "5", "quarantined": "0"}
    }
    ledger = await answered(app, "/ledger", f"sku={sku}")
    assert [entry["movement_id"] for entry in ledger["entries"]] == [moved.movement_id]
    assert ledger["balances"]["L"]["balanced"] is True
    assert (await answered(app, "/orders", f"order_id={order_id}"))["order_id"] == order_id
    work_order = await answered(app, "/work-orders", f"work_order_id={work_order_id}")
    assert work_order["work_order_id"] == work_order_id
    assert (await asgi_get(app, "/orders", "order_id=nothing"))[0] == 404


async def test_billing_and_notification_answer_as_documented(system: dict[str, Any]) -> None:
    billing, db = system["billing"], system["billing_db"]
    customer, now = unique("CUST"), utcnow()
    contact = BillingContact(email="billing@example.com")
    subscription = Subscription(
        id=unique("SUB"),
        customer_id=customer,
        plan_id="PLAN",
        currency="USD",
        interval=BillingInterval.MONTH,
        interval_count=1,
        anchor=now,
        status=SubscriptionStatus.ACTIVE,
        billing_contact=contact,
    )
    await store(db, "subscriptions", subscription)
    line = InvoiceLine(
        description="Plan",
        quantity=Decimal(1),
        unit_price=Decimal("9.50"),
        net=Decimal("9.50"),
        tax=Decimal("0.50"),
        total=Decimal(10),
    )
    invoice = Invoice(
        id=unique("INV"),
        series=unique("S"),
        number=1,
        subscription_id=subscription.id,
        customer_id=customer,
        order_id=unique("SO"),
        currency="USD",
        lines=[line],
        tax_total=Decimal("0.50"),
        total=Decimal(10),
        issued_at=now,
        due_at=now + timedelta(days=14),
        billing_contact=contact,
    )
    await store(db, "invoices", invoice)
    [found] = await answered(billing, "/subscriptions", f"customer_id={customer}")
    assert (found["subscription_id"], found["status"]) == (subscription.id, "active")
    [billed] = await answered(billing, "/invoices", f"customer_id={customer}")
    assert (billed["invoice_id"], billed["total"], billed["lines"][0]["net"]) == (
        invoice.id,
        "10",
        "9.50",
    )

    notification, emails = system["notification"], system["notification_db"]
    order_id = unique("SO")
    email = Email.compose(
        email_id=unique("E"),
        kind="approval_pending",
        to="mary@example.com",
        subject="An order waits for you",
        body="Dear Mary, ...",
        source_message_id="m-0",
        order_id=order_id,
    )
    await store(emails, "emails", email)
    [sent] = await answered(notification, "/emails", f"order_id={order_id}")
    assert (sent["email_id"], sent["to"]) == (email.id, "mary@example.com")
    assert "body" not in sent


async def test_order_answers_its_documents_as_documented(system: dict[str, Any]) -> None:
    app, db = system["order"], system["order_db"]
    now, customer, storefront = utcnow(), unique("CUST"), unique("web")
    sold = [OrderLineInput(sku="A", quantity=Decimal(2), unit_price=Decimal("9.50"))]
    quotation = Quotation.create(
        quotation_id=unique("Q"),
        customer_id=customer,
        branch_id="B",
        created_by="ada",
        currency="USD",
        lines=sold,
        valid_until=now + timedelta(days=30),
        notes=None,
        now=now,
    )
    await store(db, "quotations", quotation)
    order = Order.create(
        order_id=unique("SO"),
        kind=OrderKind.SALES,
        party_id=customer,
        branch_id="B",
        created_by="ada",
        currency="USD",
        lines=sold,
        quotation_id=quotation.id,
    )
    await store(db, "orders", order)
    # A made-up field inside a stored entry is no more answered than one beside it.
    await db["orders"].update_one({"_id": order.id}, {"$set": {"history.0.seq": 7}})

    found = await answered(app, "/orders", f"order_id={order.id}")
    assert (found["order_id"], found["status"], found["version"]) == (order.id, "draft", 2)
    assert found["pricing"]["grand_total"] == "19.00"
    assert found["lines"][0]["unit_price"] == "9.50"
    assert [entry["status"] for entry in found["history"]] == ["draft"]
    [listed] = await answered(app, "/orders", f"party_id={customer}")
    assert (listed["order_id"], listed["total"], listed["created_by"]) == (order.id, "19.00", "ada")
    assert "lines" not in listed
    story = await answered(app, "/orders/timeline", f"order_id={order.id}")
    assert story["came_from"] == [{"document": "quotation", "id": quotation.id}]
    assert [(e["document"], e["event"]) for e in story["timeline"]] == [
        ("quotation", "order.quotation_created"),
        ("order", "order.created"),
    ]
    shown = await answered(app, "/quotations", f"quotation_id={quotation.id}")
    assert (shown["quotation_id"], shown["status"], shown["history"][0]["revision"]) == (
        quotation.id,
        "draft",
        1,
    )
    [offered] = await answered(app, "/quotations", f"customer_id={customer}")
    assert offered["quotation_id"] == quotation.id
    assert "history" not in offered
    assert "timeline" not in offered

    rfq = Rfq.create(
        rfq_id=unique("RFQ"),
        branch_id="B",
        created_by="ada",
        currency="USD",
        lines=[RequestedLine(sku="A", quantity=Decimal(5))],
        supplier_ids=["V1", "V2"],
        notes=None,
        now=now,
    )
    await store(db, "rfqs", rfq)
    asked = await answered(app, "/rfqs", f"rfq_id={rfq.id}")
    assert [s["status"] for s in asked["suppliers"]] == ["invited", "invited"]
    assert rfq.id in {r["rfq_id"] for r in await answered(app, "/rfqs", "status=open")}

    await _pricing_answers(app, db, storefront)
    await _cart_and_work_order_answers(app, db, storefront, now)
    assert (await asgi_get(app, "/orders", "order_id=nothing"))[0] == 404
    assert (await asgi_get(app, "/orders/timeline", ""))[0] == 400


async def _pricing_answers(app: OmsApp, db: AsyncDatabase[Document], storefront: str) -> None:
    code, price_list_id = unique("TAX"), unique("PL")
    rate = DefineTaxRate(code=code, name="State", rate=Decimal("7.25"), defined_by="ada")
    await store(db, "tax_rates", TaxRateCode.define(rate))
    prices = [ItemPrice(sku="A", unit_price=Decimal("9.50"))]
    defined = DefinePriceList(
        price_list_id=price_list_id, name="Web", currency="USD", prices=prices, defined_by="ada"
    )
    await store(db, "price_lists", PriceList.define(defined))
    await store(db, "storefronts", Storefront(id=storefront, price_list_id=price_list_id))

    [taxed] = [t for t in await answered(app, "/tax-rates", "") if t["code"] == code]
    assert [(v["rate"], v["version"]) for v in taxed["versions"]] == [("7.25", 1)]
    price_list = await answered(app, "/price-lists", f"price_list_id={price_list_id}")
    assert price_list["prices"] == [{"sku": "A", "unit_price": "9.50"}]
    [listed] = [
        p for p in await answered(app, "/price-lists", "") if p["price_list_id"] == price_list_id
    ]
    assert "prices" not in listed
    shop = await answered(app, "/storefronts", f"storefront_id={storefront}")
    assert (shop["price_list_id"], shop["unknown_item"]) == (price_list_id, "refuse")
    assert storefront in {s["storefront_id"] for s in await answered(app, "/storefronts", "")}


async def _cart_and_work_order_answers(
    app: OmsApp, db: AsyncDatabase[Document], storefront: str, now: datetime
) -> None:
    cart_id = unique("CART")
    facts = {"storefront_id": storefront, "cart_id": cart_id}
    cart = Cart.start(CartCreated(**facts, sequence=1, currency="USD", branch_id="B"), now=now)
    added = CartItemAdded(**facts, sequence=2, sku="A", quantity=Decimal(1), unit_price=Decimal(9))
    cart.apply(added, now=now)
    await store(db, "carts", cart)
    shown = await answered(app, "/carts", f"cart_id={cart_id}")
    assert [(i["sku"], i["quantity"]) for i in shown["items"]] == [("A", "1")]
    assert (shown["in_stock"], shown["missing_sequences"], shown["event_count"]) == (
        {"A": None},
        [],
        2,
    )
    assert "settled" not in shown
    [listed] = await answered(app, "/carts", f"storefront_id={storefront}")
    assert (listed["cart_id"], listed["status"]) == (cart_id, "open")
    assert "timeline" not in listed
    recovery = await answered(app, "/carts/recovery", f"storefront_id={storefront}")
    assert (recovery["abandoned"], recovery["recovery_rate"], recovery["steps"]) == (0, "0", [])

    work_order = WorkOrder.create(
        work_order_id=unique("WO"),
        kind=WorkOrderKind.PRODUCTION,
        branch_id="B",
        item_sku="A",
        description=None,
        quantity=Decimal(3),
        components=[ComponentLine(sku="C", quantity=Decimal(2))],
        created_by="ada",
    )
    await store(db, "work_orders", work_order)
    made = await answered(app, "/work-orders", f"work_order_id={work_order.id}")
    assert (made["status"], made["quantity"], made["components"]) == (
        "created",
        "3",
        [{"sku": "C", "quantity": "6"}],
    )
