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
    UpsertUser,
)
from tests.support.billing import MovedClock, payment, plan, subscribe, utc
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.flows import accepted, stockroom

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
        [approved] = await bus.wait_for(
            "order.approved", lambda b, o=order_id: b["order_id"] == o, timeout=SECONDS
        )
        assert approved.body["created_by"] == "billing"
        assert approved.body["party_id"] == start.customer_id
        [invoice] = await bus.wait_for(
            "billing.invoice_issued", lambda b, o=order_id: b["order_id"] == o, timeout=SECONDS
        )
        await accepted(bus, payment(invoice.body))

    invoices = bus.matching("billing.invoice_issued", lambda b: b["subscription_id"] == sub)
    assert len(invoices) == 3
    numbers = [i.body["number"] for i in invoices]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert all(Decimal(i.body["total"]) == Decimal("30.00") for i in invoices)
    renewed = bus.matching("billing.subscription_renewed", lambda b: b["subscription_id"] == sub)
    starts = [r.body["renewal"]["period_start"][:10] for r in renewed]
    assert starts == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert renewed[-1].body["next_billing_at"].startswith("2026-04-30T09:00")
    await bus.settle(1.0)
    assert len(bus.matching("order.created", lambda b: b["order_id"].startswith(sub))) == 3
