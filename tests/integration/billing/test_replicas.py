"""Billing with several replicas: each period is billed once, however many processes look.

The schedule runs under a lease (one replica at a time); beneath it, each billing step is a
write conditional on the subscription's version, so even two processes billing at the same
moment (here: both told to run at once, lease or not) bill a period once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import Any

import aio_pika
import pytest

from shared import names
from tests.integration.billing.conftest import billing_app
from tests.support.billing import MovedClock, billing_handlers, plan, subscribe, utc, with_clock
from tests.support.bus import Bus
from tests.support.flows import accepted
from tests.support.services import Environment, running

RENEWAL = "order.create_sales_order"


@pytest.fixture
async def two_billers(env: Environment, clock: MovedClock) -> AsyncIterator[list[Any]]:
    """Two billing processes on one database, their schedule looking every 0.1 s."""
    async with AsyncExitStack() as stack:
        apps = [await stack.enter_async_context(running(billing_app(env))) for _ in range(2)]
        for app in apps:
            with_clock(app, clock)
        yield apps


class Orders:
    """Renewal orders as the order service would receive them (counted, not processed)."""

    def __init__(self) -> None:
        self.created: list[str] = []

    async def listen(self, bus: Bus) -> None:
        queue = await bus.channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(bus.exchanges[names.COMMANDS], routing_key=RENEWAL)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            assert message.user_id == "billing"
            self.created.append(json.loads(message.body)["order_id"])

        await queue.consume(on_message, no_ack=True)

    async def until(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.created) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


async def _subscriptions(bus: Bus, count: int, clock: MovedClock) -> tuple[str, list[str]]:
    monthly = plan("SKU-BOX", "BR-1")
    await accepted(bus, monthly)
    starts = [subscribe(monthly.plan_id, utc("2026-01-31T09:00")) for _ in range(count)]
    for batch in range(0, count, 50):
        chunk = starts[batch : batch + 50]
        await asyncio.gather(*(bus.send(s, reply=True) for s in chunk))
        await asyncio.gather(*(bus.reply_for(s, timeout=60) for s in chunk))
    return monthly.plan_id, [s.subscription_id for s in starts]


async def test_two_billing_processes_never_bill_one_period_twice(
    two_billers: list[Any], bus: Bus, clock: MovedClock
) -> None:
    orders = Orders()
    await orders.listen(bus)
    clock.move_to(utc("2026-01-01T00:00"))  # before the start: nothing due yet
    _, subs = await _subscriptions(bus, 20, clock)
    for moment in ("2026-01-31T09:00", "2026-02-28T09:00"):
        clock.move_to(utc(moment))
        # Both replicas run their schedule at the very same time, lease or not, twice over.
        handlers = [billing_handlers(app) for app in two_billers] * 2
        await asyncio.gather(*(h.run_schedule() for h in handlers))
    await orders.until(40, timeout=30)
    await bus.settle(1.0)  # and their own schedules went on looking meanwhile

    expected = sorted(f"{sub}-R{n}" for sub in subs for n in (1, 2))
    assert sorted(orders.created) == expected
    renewed = bus.matching("billing.subscription_renewed")
    assert len(renewed) == 40


@pytest.mark.slow
async def test_a_thousand_subscriptions_renewing_at_once_are_billed_exactly_once(
    two_billers: list[Any], bus: Bus, clock: MovedClock
) -> None:
    """Recorded in BENCHMARKS.md: subscriptions billed per second by two replicas."""
    orders = Orders()
    await orders.listen(bus)
    clock.move_to(utc("2026-01-01T00:00"))
    _, subs = await _subscriptions(bus, 1000, clock)

    clock.move_to(utc("2026-01-31T09:00"))
    started = time.perf_counter()
    await orders.until(1000, timeout=300)
    seconds = time.perf_counter() - started
    await bus.settle(1.0)

    assert sorted(orders.created) == sorted(f"{sub}-R1" for sub in subs)
    print(f"billing_renewals_per_s={1000 / seconds:.1f} seconds={seconds:.1f}")
    assert Decimal(len(bus.matching("billing.subscription_renewed"))) == 1000
