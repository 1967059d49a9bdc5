"""Plan changes mid-period (prorated on the next invoice, taxed as the plan's lines are),
pauses (periods that start during a pause are not billed), a pause ended early, and a
cancellation at period end withdrawn."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import DefineTaxRate
from shared.contracts.billing import (
    CancelSubscription,
    ChangeSubscriptionPlan,
    PauseSubscription,
    PlanItem,
    ResumeSubscription,
    WithdrawCancellation,
)
from tests.support.billing import MovedClock, payment, plan, subscribe, utc
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.flows import accepted, stockroom

SECONDS = 30.0


async def test_an_upgrade_mid_period_is_prorated_and_taxed_on_the_next_invoice(
    billing: Any, bus: Bus, clock: MovedClock
) -> None:
    """Basic 30.00 -> Plus 60.00 on 16 January, with 16 of January's 31 days left: 30.00 x
    16/31 = 15.4838... -> 15.48 charged on February's invoice, with its 20 % VAT (3.10)."""
    room = await stockroom(bus)
    vat = unique("VAT")
    await accepted(bus, DefineTaxRate(code=vat, name="VAT", rate=Decimal(20), defined_by="root"))
    taxed = [vat]
    basic = plan(
        room.sku,
        room.branch_id,
        items=[
            PlanItem(sku=room.sku, quantity=Decimal(3), unit_price=Decimal(10), tax_codes=taxed)
        ],
    )
    plus = plan(
        room.sku,
        room.branch_id,
        price=Decimal("60.00"),
        items=[
            PlanItem(sku=room.sku, quantity=Decimal(3), unit_price=Decimal(20), tax_codes=taxed)
        ],
    )
    for command in (basic, plus):
        await accepted(bus, command)
    clock.move_to(utc("2026-01-01T00:00:00"))
    start = subscribe(basic.plan_id, clock.now)
    await accepted(bus, start)
    sub = start.subscription_id
    [first] = await bus.wait_for(
        "billing.invoice_issued", lambda b: b["order_id"] == f"{sub}-R1", timeout=SECONDS
    )
    assert first.body["total"] == "36.00"  # 30.00 + 20 % VAT
    await accepted(bus, payment(first.body))

    clock.move_to(utc("2026-01-16T00:00:00"))
    changed = await accepted(
        bus, ChangeSubscriptionPlan(subscription_id=sub, plan_id=plus.plan_id, changed_by="root")
    )
    assert changed.body["proration"] == "15.48"

    clock.move_to(utc("2026-02-01T00:00:00"))
    [second] = await bus.wait_for(
        "billing.invoice_issued", lambda b: b["order_id"] == f"{sub}-R2", timeout=SECONDS
    )
    [*plan_lines, proration] = second.body["lines"]
    assert [line["unit_price"] for line in plan_lines] == ["20"]
    assert proration["net"] == "15.48"
    assert proration["tax"] == "3.10"  # 15.48 x 12.00 / 60.00 = 3.096
    assert second.body["tax_total"] == "15.10"  # 12.00 on the plan + 3.10
    assert second.body["total"] == "90.58"  # 60.00 + 12.00 + 15.48 + 3.10


async def test_periods_starting_during_a_pause_are_not_billed(
    billing: Any, bus: Bus, clock: MovedClock
) -> None:
    """Billed 31 January; paused on 10 February until 15 April: neither 28 February nor 31
    March is billed; active again on 15 April; billed again on 30 April."""
    sub = await _billed_on_31_january(bus, clock)

    clock.move_to(utc("2026-02-10T12:00:00"))
    paused = await accepted(
        bus,
        PauseSubscription(subscription_id=sub, resume_at=utc("2026-04-15T00:00"), paused_by="root"),
    )
    assert paused.body["status"] == "paused"
    assert paused.body["next_billing_at"].startswith("2026-04-30T09:00")
    for moment in ("2026-02-28T09:00", "2026-03-31T09:00", "2026-04-14T23:59"):
        clock.move_to(utc(moment))
        await bus.settle(0.6)  # several runs of the schedule
    assert not bus.matching(
        "order.created", lambda b: b["order_id"] != f"{sub}-R1" and b["order_id"].startswith(sub)
    )
    assert not bus.matching("billing.subscription_resumed")

    clock.move_to(utc("2026-04-15T00:00"))
    [resumed] = await bus.wait_for("billing.subscription_resumed", timeout=SECONDS)
    assert resumed.body["status"] == "active"
    clock.move(days=15, hours=9)
    [renewed] = await bus.wait_for(
        "billing.subscription_renewed",
        lambda b: b["renewal"]["period_start"].startswith("2026-04-30"),
        timeout=SECONDS,
    )
    # Renewal orders are numbered by period: the 2nd and 3rd were skipped, this is the 4th.
    assert renewed.body["renewal"]["order_id"] == f"{sub}-R4"
    assert renewed.body["renewal"]["period"] == 3


async def _billed_on_31_january(bus: Bus, clock: MovedClock) -> str:
    """A monthly subscription started (and billed) on 31 January 09:00: its id."""
    room = await stockroom(bus)
    monthly = plan(room.sku, room.branch_id)
    await accepted(bus, monthly)
    start = subscribe(monthly.plan_id, clock.now)
    await accepted(bus, start)
    sub = start.subscription_id
    [first] = await bus.wait_for(
        "billing.invoice_issued", lambda b: b["order_id"] == f"{sub}-R1", timeout=SECONDS
    )
    await accepted(bus, payment(first.body))
    return sub


async def test_a_pause_ended_early_bills_the_next_period_that_starts(
    billing: Any, bus: Bus, clock: MovedClock
) -> None:
    """Paused on 10 February until December; resumed on 5 April: 28 February and 31 March
    began paused and are not billed, 30 April is."""
    sub = await _billed_on_31_january(bus, clock)
    clock.move_to(utc("2026-02-10T12:00:00"))
    pause = PauseSubscription(
        subscription_id=sub, resume_at=utc("2026-12-01T00:00"), paused_by="root"
    )
    await accepted(bus, pause)

    clock.move_to(utc("2026-04-05T00:00:00"))
    resumed = await accepted(bus, ResumeSubscription(subscription_id=sub, resumed_by="root"))

    assert resumed.type == "SubscriptionResumed"
    assert resumed.body["status"] == "active"
    assert resumed.body["next_billing_at"].startswith("2026-04-30T09:00")
    clock.move_to(utc("2026-04-30T09:00:00"))
    [renewed] = await bus.wait_for(
        "billing.subscription_renewed",
        lambda b: b["subscription_id"] == sub and b["renewal"]["period"] == 3,
        timeout=SECONDS,
    )
    assert renewed.body["renewal"]["order_id"] == f"{sub}-R4"
    again = ResumeSubscription(subscription_id=sub, resumed_by="root")  # not paused any more
    await bus.send(again, reply=True)
    answer = await bus.reply_for(again, timeout=SECONDS)
    assert (answer.type, answer.body["reason"]) == ("CommandRejected", "invalid_change")


async def test_a_withdrawn_cancellation_lets_the_subscription_renew(
    billing: Any, bus: Bus, clock: MovedClock
) -> None:
    sub = await _billed_on_31_january(bus, clock)
    clock.move_to(utc("2026-02-10T12:00:00"))
    cancel = CancelSubscription(subscription_id=sub, at_period_end=True, cancelled_by="root")
    await accepted(bus, cancel)

    kept = await accepted(bus, WithdrawCancellation(subscription_id=sub, withdrawn_by="root"))

    assert kept.type == "SubscriptionCancellationWithdrawn"
    assert kept.body["status"] == "active"
    clock.move_to(utc("2026-02-28T09:00:00"))
    [renewed] = await bus.wait_for(
        "billing.subscription_renewed",
        lambda b: b["subscription_id"] == sub and b["renewal"]["period"] == 1,
        timeout=SECONDS,
    )
    assert renewed.body["renewal"]["order_id"] == f"{sub}-R2"
    assert not bus.matching("billing.subscription_expired", lambda b: b["subscription_id"] == sub)
