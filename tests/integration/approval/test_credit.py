"""Credit limits over the broker and the database, with order, approval and notification
running: an order over its customer's limit goes to the credit approver though the customer is
in no cycle (and the e-mail says by how much), one within it is approved at once, a payment
brings the exposure down; the preview answers the same without storing anything; bad input
(a credit approver who is no active admin, an older customer record) changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import ConfigureCredit, DefineCycle, OrderKind, UpsertUser
from tests.integration.approval.conftest import World, named
from tests.support.credit_samples import customer_payment, customer_recorded
from tests.support.factories import sales_order, unique
from tests.support.inventory import eventually
from tests.support.services import asgi_get
from tests.support.smtp import SmtpServer

SECONDS = 20.0


async def credit_approver(world: World, user_id: str = "adam") -> None:
    reply = await world.command(ConfigureCredit(credit_approver_id=user_id, configured_by="root"))
    assert reply.type == "CreditConfigured", reply.body


async def known(world: World, customer: str, limit: Decimal, version: int = 1) -> None:
    """Tell approval of the customer (as the order service would) and wait until it holds it."""
    await world.bus.send(customer_recorded(customer, str(limit), version=version))
    await eventually(
        lambda: world.approval_db.assignments.find_one({"_id": f"credit:{customer}"}),
        lambda doc: doc is not None and doc["record_version"] == version,
        what=f"customer {customer} at version {version}",
    )


async def created(world: World, customer: str) -> tuple[str, Decimal]:
    create = sales_order(customer_id=customer, created_by="alice", currency="USD")
    reply = await world.command(create)
    assert reply.type == "OrderCreated", reply.body
    return str(create.order_id), Decimal(reply.body["total"])


async def approved(world: World, order_id: str) -> dict[str, Any]:
    [event] = await world.bus.wait_for(
        "approval.approved", lambda b: b["order_id"] == order_id, timeout=SECONDS
    )
    return event.body


async def test_over_the_limit_goes_to_the_credit_approver_though_in_no_cycle(
    world: World, smtp: SmtpServer
) -> None:
    await credit_approver(world)
    customer = unique("C")
    first, total = await created(world, customer)
    await known(world, customer, total * 2 - Decimal("0.01"))

    await world.submit(first)  # within the limit: approved at once
    body = await approved(world, first)
    assert body["basis"] == "no_cycle"
    assert body["credit"]["applies"] is False
    await world.order_status(first, "approved")

    second, _ = await created(world, customer)
    await world.submit(second)  # 2 x total: 0.01 over
    pending = await world.pending(second, 1)
    assert pending["approver"]["user_id"] == "adam"
    assert pending["levels"] == 1
    credit = pending["credit"]
    assert (credit["applies"], credit["over_by"], credit["level"]) == (True, "0.01", 1)
    assert Decimal(credit["exposure"]) == total
    mails = await smtp.wait_for("adam@example.com", timeout=SECONDS)
    assert any(second in m.subject and "by 0.01 USD" in m.body for m in mails)

    assert (await world.approve(pending, by="adam")).type == "ApprovalApproved"
    await world.order_status(second, "approved")


async def test_a_payment_brings_the_exposure_down_so_the_next_order_is_approved(
    world: World,
) -> None:
    await credit_approver(world)
    customer = unique("C")
    first, total = await created(world, customer)
    half = (total / 2).quantize(Decimal("0.01"))
    await known(world, customer, total + half)
    await world.submit(first)
    await approved(world, first)

    await world.bus.send(
        customer_payment(first, customer, total=str(total), paid=str(total - half))
    )
    await eventually(
        lambda: world.approval_db.assignments.find_one({"_id": f"credit:{customer}"}),
        lambda doc: bool(doc["orders"] and doc["orders"][0]["invoices"]),
        what="the payment applied",
    )

    second, _ = await created(world, customer)  # half + total: at the limit exactly
    await world.submit(second)
    body = await approved(world, second)
    assert body["basis"] == "no_cycle"
    assert Decimal(body["credit"]["exposure_after"]) == total + half


async def test_the_credit_level_follows_the_cycle_and_the_preview_says_so(
    world: World, approval_service: Any
) -> None:
    await credit_approver(world, "ann")  # the approval-wide one: the cycle's wins
    customer, cycle_id = unique("C"), unique("CYC")
    order_id, total = await created(world, customer)
    await known(world, customer, total - Decimal("0.01"))
    reply = await world.command(
        DefineCycle(
            cycle_id=cycle_id,
            name=cycle_id,
            order_kind=OrderKind.SALES,
            levels=[named("ann")],
            credit_approver_id="adam",
            defined_by="root",
        )
    )
    assert reply.type == "CycleDefined", reply.body
    assert reply.body["credit_approver_id"] == "adam"
    await world.assign(cycle_id, customer)
    query = f"kind=sales&party_id={customer}&created_by=alice&total={total}&currency=USD"
    before = await world.approval_db.requests.count_documents({})

    status, preview = await asgi_get(approval_service, "/routing-preview", query)

    assert status == 200, preview
    assert await world.approval_db.requests.count_documents({}) == before
    assert preview["cycle_id"] == cycle_id
    assert preview["auto_approved"] is False
    assert [(lv["approver_id"], lv["applies"]) for lv in preview["levels"]] == [("ann", True)]
    assert preview["credit"]["over_by"] == "0.01"
    assert preview["credit"]["approver_id"] == "adam"

    await world.submit(order_id)
    level1 = await world.pending(order_id, 1)
    assert level1["levels"] == 2
    await world.approve(level1, by="ann")
    level2 = await world.pending(order_id, 2)
    assert level2["approver"]["user_id"] == "adam"
    assert level2["credit"]["level"] == 2

    status, bad = await asgi_get(approval_service, "/routing-preview", "kind=sales&total=x")
    assert status == 400
    assert "kind" in bad["error"] or "party_id" in bad["error"]


async def test_bad_input_is_refused_and_changes_nothing(world: World) -> None:
    await credit_approver(world)
    for user in ("bob", "gone"):
        if user == "gone":
            await world.command(
                UpsertUser(user_id="gone", name="Gone", admin=True, changed_by="root")
            )
            await world.command(
                UpsertUser(user_id="gone", name="Gone", admin=True, active=False, changed_by="root")
            )
        reply = await world.command(ConfigureCredit(credit_approver_id=user, configured_by="root"))
        assert reply.type == "CommandRejected", reply.body
        assert reply.body["reason"] == "approver_not_admin"
    settings = await world.approval_db.settings.find_one({"_id": "credit"})
    assert settings["credit_approver_id"] == "adam"

    cycle_id = unique("CYC")
    refused = await world.command(
        DefineCycle(
            cycle_id=cycle_id,
            name="c",
            order_kind=OrderKind.SALES,
            levels=[named("ann")],
            credit_approver_id="bob",
            defined_by="root",
        )
    )
    assert refused.body["reason"] == "approver_not_admin"
    assert await world.approval_db.cycles.find_one({"_id": cycle_id}) is None

    customer = unique("C")
    await known(world, customer, Decimal("500.00"), version=5)
    older = customer_recorded(customer, "9999.00", version=4)
    await world.bus.send(older)
    doc = await eventually(
        lambda: world.approval_db.assignments.find_one({"_id": f"credit:{customer}"}),
        lambda doc: str(older.message_id) in doc["applied_messages"],
        what="the older record looked at",
    )
    assert (doc["record_version"], doc["limit"]) == (5, Decimal("500.00"))

    await world.bus.send_raw(
        "oms.events",
        "order.customer_recorded",
        older.model_dump_json().replace('"version":4', '"version":0').encode(),
        message_id=unique("m"),
    )
    [dead] = await world.bus.dead_letters("approval.order-customer-recorded")
    assert "version" in dead.headers["x-oms-detail"]
