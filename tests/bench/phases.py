"""What ``make bench`` measures, one phase at a time, over the running services."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from shared.contracts import OrderKind
from tests.support.factories import unique
from tests.support.flows import Done, FlowBus, Stockroom, approval_cycles, purchase_flow, sales_flow
from tests.support.metrics import RoundTrips, snapshot
from tests.support.services import ServiceProcess

SETTLE_SECONDS = 1.0
"""Let the previous phase's last messages be handled before a phase's counters are read."""

Flow = Callable[[], Awaitable[Done]]


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


@dataclass(frozen=True)
class Run:
    """Orders driven through a flow: how fast, how long each took, what it cost."""

    done: list[Done]
    seconds: float
    round_trips: RoundTrips
    messages: int

    @property
    def throughput(self) -> float:
        return len(self.done) / self.seconds

    @property
    def messages_per_order(self) -> float:
        return self.messages / len(self.done)

    def latency_ms(self, q: float) -> float:
        return percentile([d.seconds * 1000 for d in self.done], q)


async def measured(
    bus: FlowBus,
    processes: Mapping[str, ServiceProcess],
    flow: Flow,
    count: int,
    in_flight: int,
) -> Run:
    """``count`` orders through ``flow``, ``in_flight`` at a time; counters read before the
    first and right after the last order completed (pollers' idle time counts too)."""
    await asyncio.sleep(SETTLE_SECONDS)
    before, sent = await snapshot(processes), bus.sent
    slots = asyncio.Semaphore(in_flight)

    async def one() -> Done:
        async with slots:
            return await flow()

    started = time.perf_counter()
    done = await asyncio.gather(*(one() for _ in range(count)))
    seconds = time.perf_counter() - started
    after = await snapshot(processes)
    await asyncio.sleep(SETTLE_SECONDS)  # the last events of the last orders arrive
    messages = bus.sent - sent + bus.messages_about(d.order_id for d in done)
    return Run(list(done), seconds, RoundTrips.between(before, after, count), messages)


async def one_at_a_time_ms(bus: FlowBus, room: Stockroom, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        done = await sales_flow(bus, room)
        latencies.append(done.seconds * 1000)
    return latencies


@dataclass(frozen=True)
class Mixed:
    latencies_s: list[float]
    failed: int
    offered_per_s: float
    seconds: float


async def mixed_load(
    bus: FlowBus, room: Stockroom, *, rate: float, seconds: float, seed: int = 8
) -> Mixed:
    """Purchase and sales orders offered at ``rate``/s, half of the parties in a one-level
    cycle whose approver approves as soon as ``approval.pending`` arrives. Terminal: a PO
    approved, an SO's goods issued after its approval."""
    rng = random.Random(seed)
    approver = unique("APPROVER")
    vendors, customers = [unique("V") for _ in range(10)], [unique("C") for _ in range(10)]
    cycled = set(vendors[:5] + customers[:5])
    await approval_cycles(
        bus, approver, {OrderKind.PURCHASE: vendors[:5], OrderKind.SALES: customers[:5]}
    )

    async def order(i: int, start: float) -> Done:
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        if i % 2:
            party = rng.choice(customers)
            by = approver if party in cycled else None
            return await sales_flow(bus, room, customer_id=party, approver=by)
        party = rng.choice(vendors)
        return await purchase_flow(
            bus, vendor_id=party, approver=approver if party in cycled else None
        )

    started = time.perf_counter()
    results = await asyncio.gather(
        *(order(i, started) for i in range(int(rate * seconds))), return_exceptions=True
    )
    done = [r for r in results if isinstance(r, Done)]
    return Mixed(
        [d.seconds for d in done], len(results) - len(done), rate, time.perf_counter() - started
    )
