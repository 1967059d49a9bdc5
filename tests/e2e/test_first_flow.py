"""End to end, every service its own OS process: orders flow from creation to approval."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from shared.contracts import (
    ApproveRequest,
    AssignParty,
    DefineCycle,
    LevelRule,
    OrderKind,
    SubmitOrder,
    UpsertUser,
)
from tests.support.bus import Bus, having
from tests.support.factories import purchase_order, sales_order, unique
from tests.support.services import ServiceProcess
from tests.support.smtp import SmtpServer


def get(process: ServiceProcess, path: str) -> Any:
    return process.query(path)


async def test_a_purchase_and_a_sales_order_without_a_cycle_are_approved(
    system: dict[str, ServiceProcess], system_bus: Bus
) -> None:
    po, so = purchase_order(), sales_order()
    for create in (po, so):
        await system_bus.send(create)
        await system_bus.send(SubmitOrder(order_id=create.order_id, submitted_by="alice"))

    for create in (po, so):
        await system_bus.wait_for("order.approved", having(order_id=create.order_id), timeout=10)
        order = get(system["order"], f"/orders?order_id={create.order_id}")
        assert order["status"] == "approved"
        # Notes (e.g. the stock check of a sales order) repeat the status they were made in.
        statuses = [status for status, _ in groupby(h["status"] for h in order["history"])]
        assert statuses == ["draft", "pending_approval", "approved"]
        assert all(h["at"] for h in order["history"])
    assert get(system["order"], "/health/ready")["status"] == "ready"
    for process in system.values():
        assert process.health("live") == 200


async def test_a_two_level_cycle_across_processes_with_email(
    system: dict[str, ServiceProcess], system_bus: Bus, system_smtp: SmtpServer
) -> None:
    bus = system_bus
    for user in (
        UpsertUser(user_id="mgr", name="Manager", email="mgr@example.com", changed_by="root"),
        UpsertUser(
            user_id="clerk",
            name="Clerk",
            email="clerk@example.com",
            manager_id="mgr",
            changed_by="root",
        ),
        UpsertUser(
            user_id="cfo", name="CFO", email="cfo@example.com", admin=True, changed_by="root"
        ),
    ):
        await bus.send(user, reply=True)
        assert (await bus.reply_for(user)).type == "UserUpserted"
    cycle = DefineCycle(
        cycle_id=unique("CYC"),
        name="big purchases",
        order_kind=OrderKind.SALES,
        levels=[
            LevelRule(approver="creator_manager"),
            LevelRule(approver="named_user", user_id="cfo"),
        ],
        fallback_approver_id="cfo",
        defined_by="root",
    )
    customer = unique("C")
    for command in (
        cycle,
        AssignParty(cycle_id=cycle.cycle_id, party_id=customer, assigned_by="root"),
    ):
        await bus.send(command, reply=True)
        assert (await bus.reply_for(command)).type != "CommandRejected"
    order = sales_order(customer_id=customer, created_by="clerk")
    await bus.send(order)
    await bus.send(SubmitOrder(order_id=order.order_id, submitted_by="clerk"))

    for level, approver in ((1, "mgr"), (2, "cfo")):
        [pending] = await bus.wait_for(
            "approval.pending", having(order_id=order.order_id, level=level)
        )
        await system_smtp.wait_for(f"{approver}@example.com")
        await bus.send(
            ApproveRequest(request_id=pending.body["request_id"], level=level, approver_id=approver)
        )

    await bus.wait_for("order.approved", lambda b: b["order_id"] == order.order_id)
    await system_smtp.wait_for("clerk@example.com")
    await bus.wait_for(
        "notification.email_sent", lambda b: b["order_id"] == order.order_id, count=3
    )
    stored = get(system["order"], f"/orders?order_id={order.order_id}")
    assert stored["status"] == "approved"
    requests = get(system["approval"], f"/requests?order_id={order.order_id}")
    assert [len(r["decisions"]) for r in requests] == [2]
