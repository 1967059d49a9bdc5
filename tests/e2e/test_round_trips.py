"""The round-trip budget: database commands per order, counted by the services' own
``oms_db_commands_total`` (PyMongo command monitoring), never timed.

The services run as processes at production pace (outbox polls and retries as operators run
them), so that pollers count what they cost in production; everything every service sends
between the first order and the completion of the last one counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.settings import ServiceSettings
from shared.storage.outbox import RECOVERY_MARGIN_SECONDS
from tests.bench.phases import measured
from tests.bench.system import start_all, stop_all
from tests.support.flows import FlowBus, Stockroom, purchase_flow, sales_flow, stockroom
from tests.support.metrics import RoundTrips
from tests.support.services import Environment, ServiceProcess

SALES_ORDER_BUDGET = 24
"""Auto-approved sales order: create, submit, approved, goods issued; every process `make run`
starts, the back office included (its views are written in rounds: about one per order).
About 5 of them are billing's (it invoices every sales order and keeps the books, issue 24):
its copy of the order (inserted at approval, changed at the goods issue and at completion),
the invoice (numbered and stored; the copy learns its id with its next write, none of its own),
and the journal entries, held in these flows, which define no chart (the chart is looked up at
most every 2 s per replica), and the invoicing policies, read all at once every 2 s. The ten
orders in flight share one item: its stock record is written about once per order, not twice
(changes that come while it is being written are written together); they are sent at once, so
a submit does not join its create's insert here (it does when sent as the create begins).
Measured 19.3-20.0 on a quiet machine (2026-12-06, BENCHMARKS.md "Issue 27, fourth pass");
loaded machines count 2-4 more (pollers and freshness windows run out while the orders crawl),
hence 24."""
PURCHASE_ORDER_BUDGET = 10
"""Auto-approved purchase order: create, submit, approved."""
ORDERS = 10
IN_FLIGHT = 10


@pytest.fixture(scope="module")
async def paced(system_env: Environment, log_dir: Path) -> AsyncIterator[dict[str, ServiceProcess]]:
    processes, _ = await start_all(system_env, log_dir)
    try:
        # Each outbox poller looks at every collection once more one lease after its start
        # (for what a dead predecessor left): a start-up cost, not the orders'.
        lease = ServiceSettings.model_fields["outbox_lease_seconds"].default
        await asyncio.sleep(lease + RECOVERY_MARGIN_SECONDS + 0.5)
        yield processes
    finally:
        await stop_all(processes)


@pytest.fixture
async def flow_bus(system_env: Environment) -> AsyncIterator[FlowBus]:
    async with FlowBus(system_env.amqp_url) as bus:
        yield bus


@pytest.fixture
async def room(flow_bus: FlowBus, paced: dict[str, ServiceProcess]) -> Stockroom:
    return await stockroom(flow_bus)


def explain(trips: RoundTrips) -> str:
    return f"by service {trips.per_service()}; most frequent {trips.top()}"


async def test_an_auto_approved_sales_order_through_goods_issue_stays_in_budget(
    flow_bus: FlowBus, room: Stockroom, paced: dict[str, ServiceProcess]
) -> None:
    await sales_flow(flow_bus, room)  # the first order of a kind warms caches up

    run = await measured(flow_bus, paced, lambda: sales_flow(flow_bus, room), ORDERS, IN_FLIGHT)

    trips = run.round_trips
    assert trips.per_order <= SALES_ORDER_BUDGET, f"{trips.per_order:.1f}: {explain(trips)}"


async def test_an_auto_approved_purchase_order_stays_in_budget(
    flow_bus: FlowBus, paced: dict[str, ServiceProcess]
) -> None:
    await purchase_flow(flow_bus)

    run = await measured(flow_bus, paced, lambda: purchase_flow(flow_bus), ORDERS, IN_FLIGHT)

    trips = run.round_trips
    assert trips.per_order <= PURCHASE_ORDER_BUDGET, f"{trips.per_order:.1f}: {explain(trips)}"
