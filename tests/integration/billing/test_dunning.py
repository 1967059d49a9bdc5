"""Dunning: an unpaid invoice is reminded on the configured days after its due date, the
subscription goes past due, and the last step cancels it or writes the invoice off; every
step is an e-mail to the customer's billing contact."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.billing.conftest import billing_app
from tests.support.billing import MovedClock, payment, plan, subscribe, utc, with_clock
from tests.support.bus import Bus
from tests.support.flows import accepted, stockroom
from tests.support.services import Environment, running
from tests.support.smtp import SmtpServer

SECONDS = 30.0


@pytest.fixture(params=["cancel_subscription", "mark_uncollectible"])
async def dunning_billing(
    request: pytest.FixtureRequest, env: Environment, clock: MovedClock, pipeline: None
) -> AsyncIterator[Any]:
    app = billing_app(env, dunning_delays_days=[2, 5], dunning_final_action=request.param)
    async with running(app):
        with_clock(app, clock)
        yield request.param


async def _mails(smtp: SmtpServer, address: str, count: int) -> list[Any]:
    for _ in range(200):
        if len(found := smtp.to(address)) >= count:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(smtp.to(address))} e-mails to {address}, not {count}")


async def test_a_missed_payment_is_reminded_then_ends_as_configured(
    dunning_billing: str, notification: Any, smtp: SmtpServer, bus: Bus, clock: MovedClock
) -> None:
    final = dunning_billing
    room = await stockroom(bus)
    monthly = plan(room.sku, room.branch_id, payment_terms_days=10)
    await accepted(bus, monthly)
    start = subscribe(monthly.plan_id, clock.now)
    contact = str(start.billing_contact.email)
    await accepted(bus, start)
    sub = start.subscription_id
    [invoice] = await bus.wait_for(
        "billing.invoice_issued", lambda b: b["order_id"] == f"{sub}-R1", timeout=SECONDS
    )
    assert invoice.body["due_at"].startswith("2026-02-10T09:00")
    await accepted(bus, payment(invoice.body, "10.00"))  # a partial payment: 20.00 left

    clock.move_to(utc("2026-02-12T09:00"))  # due + 2 days: the first reminder
    [first] = await bus.wait_for("billing.invoice_overdue", timeout=SECONDS)
    assert (first.body["attempt"], first.body["attempts"]) == (1, 2)
    assert first.body["balance"] == "20.00"
    assert first.body["next_attempt_at"].startswith("2026-02-15T09:00")
    [past_due] = await bus.wait_for("billing.subscription_past_due", timeout=SECONDS)
    assert past_due.body["invoice_id"] == invoice.body["invoice_id"]
    [mail] = await _mails(smtp, contact, 1)
    assert "reminder 1/2" in mail.subject
    assert "20.00 EUR of it is still unpaid" in mail.body

    clock.move_to(utc("2026-02-15T09:00"))  # due + 5 days: the last
    await bus.wait_for("billing.invoice_overdue", lambda b: b["attempt"] == 2, timeout=SECONDS)
    if final == "cancel_subscription":
        [ended] = await bus.wait_for("billing.subscription_cancelled", timeout=SECONDS)
        assert ended.body["status"] == "cancelled"
        assert invoice.body["invoice_id"] in ended.body["reason"]
        mails = await _mails(smtp, contact, 3)
        assert {m.subject.split(":")[0] for m in mails} >= {"Payment reminder 2/2"}
        assert any(m.subject.startswith("Subscription") for m in mails)
    else:
        [written_off] = await bus.wait_for("billing.invoice_uncollectible", timeout=SECONDS)
        assert written_off.body["status"] == "uncollectible"
        # Written off: the subscription is no longer held past due by it, and renews.
        await bus.wait_for(
            "billing.subscription_resumed", lambda b: b["status"] == "active", timeout=SECONDS
        )
        mails = await _mails(smtp, contact, 3)
        assert any("written off" in m.subject for m in mails)
        clock.move_to(utc("2026-02-28T09:00"))
        await bus.wait_for(
            "billing.invoice_issued", lambda b: b["order_id"] == f"{sub}-R2", timeout=SECONDS
        )
    await bus.settle(0.5)
    assert len(bus.matching("billing.invoice_overdue")) == 2
    assert Decimal(first.body["total"]) == Decimal("30.00")
