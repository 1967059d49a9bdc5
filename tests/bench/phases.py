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
from tests.support.metrics import BYTES, RoundTrips, snapshot
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
    db_bytes: RoundTrips
    """Bytes sent to the database, counted like the round trips."""

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
    bytes_before = await snapshot(processes, BYTES)
    slots = asyncio.Semaphore(in_flight)

    async def one() -> Done:
        async with slots:
            return await flow()

    started = time.perf_counter()
    done = await asyncio.gather(*(one() for _ in range(count)))
    seconds = time.perf_counter() - started
    after, bytes_after = await snapshot(processes), await snapshot(processes, BYTES)
    await asyncio.sleep(SETTLE_SECONDS)  # the last events of the last orders arrive
    messages = bus.sent - sent + bus.messages_about(d.order_id for d in done)
    trips = RoundTrips.between(before, after, count)
    return Run(
        list(done), seconds, trips, messages, RoundTrips.between(bytes_before, bytes_after, count)
    )


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


@dataclass(frozen=True)
class Faults:
    """A mixed load during which every process was stopped (or killed) and started again."""

    mixed: Mixed
    duplicates: int
    """Deliveries on ``oms.events`` that repeated a message id published before."""
    stop_seconds: dict[str, float]
    """Signal to exit, per process."""
    ready_seconds: dict[str, float]
    """Start again to ready, per process (a backlog waits for it meanwhile)."""


async def under_faults(
    bus: FlowBus,
    room: Stockroom,
    processes: dict[str, ServiceProcess],
    *,
    signal: int,
    rate: float,
    gap: float,
) -> Faults:
    """``rate`` orders/s offered while each process in turn gets ``signal`` (SIGTERM or
    SIGKILL), ``gap`` seconds apart, and is started again at once (``processes`` is updated
    with the new ones). Terminal as in :func:`mixed_load`: every order must still finish."""
    repeated_before = bus.duplicates()
    stops: dict[str, float] = {}
    ready: dict[str, float] = {}

    async def faults() -> None:
        for name in list(processes):
            await asyncio.sleep(gap)
            old = processes[name]
            assert old.process is not None
            began = time.perf_counter()
            old.process.send_signal(signal)
            await old.wait_exit(timeout=60)
            stops[name] = time.perf_counter() - began
            again = ServiceProcess(name, old.env, old.log_path.parent)
            again.log_path = old.log_path.with_name(f"{name}-{signal}-{len(stops)}.log")
            started = time.perf_counter()
            processes[name] = again.start()
            await again.wait_ready(timeout=180)
            ready[name] = time.perf_counter() - started

    seconds = gap * (len(processes) + 1)
    mixed, _ = await asyncio.gather(mixed_load(bus, room, rate=rate, seconds=seconds), faults())
    await asyncio.sleep(3 * SETTLE_SECONDS)
    return Faults(mixed, bus.duplicates() - repeated_before, stops, ready)
