"""Renewals go through the order pipeline: a sales order created and submitted by the billing
user, approved (by the customer's cycle, if any), stock reserved, and invoiced on approval."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import (
    ApproveRequest,
    AssignParty,
    DefineCycle,
    LevelRule,
    OrderKind,
    RejectRequest,
    UpsertUser,
)
from shared.contracts.billing import PlanItem
from tests.support.billing import MovedClock, about, payment, plan, subscribe, utc
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.flows import accepted, stockroom
from tests.support.services import asgi_get

SECONDS = 30.0


async def test_a_monthly_subscription_bills_three_periods_as_three_approved_orders_and_invoices(
    billing: Any, bus: Bus, clock: MovedClock
) -> None:
    """Started on 31 January: billed then, on 28 February (no 31st) and on 31 March again,
    each period as a renewal order approved through the pipeline and one invoice each,
    numbered without gaps."""
    room = await stockroom(bus)
    monthly = plan(room.sku, room.branch_id)
    await accepted(bus, monthly)
    start = subscribe(monthly.plan_id, clock.now)
    await accepted(bus, start)
    sub = start.subscription_id

    for n, moment in enumerate(("2026-01-31T09:00", "2026-02-28T09:00", "2026-03-31T09:00"), 1):
        clock.move_to(utc(moment))
        order_id = f"{sub}-R{n}"
        [approved] = await bus.wait_for("order.approved", about(order_id), timeout=SECONDS)
        assert approved.body["created_by"] == "billing"
        assert approved.body["party_id"] == start.customer_id
        [invoice] = await bus.wait_for("billing.invoice_issued", about(order_id), timeout=SECONDS)
        paid = payment(invoice.body)
        await accepted(bus, paid)
        again = await accepted(bus, paid)  # sent twice: applied once (counted below)
        assert again.body["status"] == "paid"

    invoices = bus.matching("billing.invoice_issued", lambda b: b["subscription_id"] == sub)
    assert len(invoices) == 3
    numbers = [i.body["number"] for i in invoices]
    assert numbers == [1, 2, 3]
    assert all(Decimal(i.body["total"]) == Decimal("30.00") for i in invoices)
    renewed = bus.matching("billing.subscription_renewed", lambda b: b["subscription_id"] == sub)
    starts = [r.body["renewal"]["period_start"][:10] for r in renewed]
    assert starts == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert renewed[-1].body["next_billing_at"].startswith("2026-04-30T09:00")
    await bus.settle(1.0)
    assert len(bus.matching("order.created", lambda b: b["order_id"].startswith(sub))) == 3
    assert len(bus.matching("billing.payment_recorded", lambda b: b["subscription_id"] == sub)) == 3


async def _two_level_cycle(bus: Bus, customer_id: str) -> tuple[str, str]:
    """Level 1: the creator's manager (the billing user's: mary); level 2: adam by name."""
    mary, adam = unique("mary"), unique("adam")
    await accepted(bus, UpsertUser(user_id=adam, name="Adam", admin=True, changed_by="root"))
    await accepted(bus, UpsertUser(user_id=mary, name="Mary", changed_by="root"))
    # The billing user is a member of the directory like any creator: its manager decides
    # level 1 of the renewals of customers in a creator_manager cycle.
    await accepted(
        bus, UpsertUser(user_id="billing", name="Billing", manager_id=mary, changed_by="root")
    )
    cycle = DefineCycle(
        cycle_id=unique("CYC"),
        name="two levels",
        order_kind=OrderKind.SALES,
        levels=[
            LevelRule(approver="creator_manager"),
            LevelRule(approver="named_user", user_id=adam),
        ],
        fallback_approver_id=adam,
        notify=False,
        defined_by="root",
    )
    await accepted(bus, cycle)
    await accepted(
        bus, AssignParty(cycle_id=cycle.cycle_id, party_id=customer_id, assigned_by="root")
    )
    return mary, adam


async def test_a_renewal_passes_both_levels_of_the_customers_cycle(
    billing: Any, bus: Bus, clock: MovedClock
) -> None:
    room = await stockroom(bus)
    monthly = plan(room.sku, room.branch_id)
    await accepted(bus, monthly)
    start = subscribe(monthly.plan_id, clock.now)
    mary, adam = await _two_level_cycle(bus, start.customer_id)
    await accepted(bus, start)
    order_id = f"{start.subscription_id}-R1"

    for level, approver in ((1, mary), (2, adam)):
        [pending] = await bus.wait_for(
            "approval.pending",
            about(order_id, level=level),
            timeout=SECONDS,
        )
        assert pending.body["approver"]["user_id"] == approver
        assert pending.body["creator"]["user_id"] == "billing"
        assert not bus.matching("billing.invoice_issued", lambda b: b["order_id"] == order_id)
        decision = ApproveRequest(
            request_id=pending.body["request_id"], level=level, approver_id=approver
        )
        await bus.send(decision)

    [approved] = await bus.wait_for(
        "order.approved", lambda b: b["order_id"] == order_id, timeout=SECONDS
    )
    assert [d["level"] for d in approved.body["decision"]["decisions"]] == [1, 2]
    [invoice] = await bus.wait_for(
        "billing.invoice_issued", lambda b: b["order_id"] == order_id, timeout=SECONDS
    )
    assert invoice.body["total"] == "30.00"


async def test_a_rejected_renewal_is_shown_on_the_subscription_and_not_invoiced(
    billing: Any, bus: Bus, clock: MovedClock
) -> None:
    room = await stockroom(bus, quantity="1")
    monthly = plan(room.sku, room.branch_id)
    await accepted(bus, monthly)
    start = subscribe(monthly.plan_id, clock.now)
    mary, _ = await _two_level_cycle(bus, start.customer_id)
    await accepted(bus, start)
    order_id = f"{start.subscription_id}-R1"
    [pending] = await bus.wait_for(
        "approval.pending", lambda b: b["order_id"] == order_id, timeout=SECONDS
    )
    await bus.send(
        RejectRequest(
            request_id=pending.body["request_id"],
            level=1,
            approver_id=mary,
            notes="customer moved away",
        )
    )

    [updated] = await bus.wait_for(
        "billing.subscription_renewal_updated",
        lambda b: b["renewal"]["status"] == "rejected",
        timeout=SECONDS,
    )
    renewal = updated.body["renewal"]
    assert renewal["order_id"] == order_id
    assert "customer moved away" in renewal["detail"]
    # Three units wanted, one in stock: the shortage is on the renewal too.
    assert renewal["stock"] in {"short", "backorder"}
    status, [subscription] = await asgi_get(
        billing, "/subscriptions", f"subscription_id={start.subscription_id}"
    )
    assert status == 200
    assert subscription["renewals"][0]["status"] == "rejected"
    await bus.settle(0.5)
    assert not bus.matching("billing.invoice_issued", lambda b: b["order_id"] == order_id)


async def test_a_renewal_the_order_service_refuses_is_shown_refused_with_its_reason(
    billing: Any, bus: Bus, clock: MovedClock
) -> None:
    room = await stockroom(bus)
    taxed = [PlanItem(sku=room.sku, unit_price=Decimal(30), tax_codes=["NO-SUCH-RATE"])]
    monthly = plan(room.sku, room.branch_id, items=taxed)
    await accepted(bus, monthly)
    start = subscribe(monthly.plan_id, clock.now)
    await accepted(bus, start)

    [refused] = await bus.wait_for(
        "billing.subscription_renewal_updated",
        lambda b: b["renewal"]["status"] == "refused",
        timeout=SECONDS,
    )
    assert refused.body["renewal"]["order_id"] == f"{start.subscription_id}-R1"
    assert refused.body["renewal"]["detail"].startswith("unknown_tax_rate: ")
    assert refused.body["status"] == "active"
