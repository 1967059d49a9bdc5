"""The queries of the services that document their answers, over stored documents that carry
more than a caller may see (bookkeeping, an outbox, a lease, a field the answer does not name):
each answer is what the AsyncAPI document says (``asgi_get`` checks it against the schema, made
strict) and none of the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.approval.domain import ApprovalRequest, Cycle, User
from services.billing.domain import Invoice, Subscription
from services.billing.settings import BillingSettings
from services.inventory.domain import Stock, TrackedOrder
from services.inventory.domain.work_orders import WorkOrderRecord
from services.inventory.handlers.ledger import LedgerProjection
from services.inventory.settings import InventorySettings
from services.notification.domain import Email
from services.notification.settings import NotificationSettings
from shared.asyncapi import load
from shared.contracts import (
    ApproverRule,
    LevelRule,
    MovementKind,
    OrderKind,
    Person,
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
    assert listed["levels"] == [{"approver": "named_user", "user_id": user}]
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
    assert found["totals"] == {sku: {"on_hand": "5", "reserved": "0", "available": "5"}}
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
