"""Operating the services: competing replicas, graceful shutdown."""

from __future__ import annotations

import asyncio
import re
import urllib.request
from collections import Counter
from decimal import Decimal
from pathlib import Path

from shared.contracts import OrderKind, OrderSubmitted
from tests.e2e.conftest import start
from tests.support.bus import Bus
from tests.support.factories import lines, purchase_order, unique
from tests.support.services import Environment, ServiceProcess


def received_by(process: ServiceProcess, handler: str) -> float:
    """How many messages a process took from a handler, from its Prometheus metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{process.port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    pattern = (
        rf'faststream_received_messages_total{{[^}}]*handler="{re.escape(handler)}"[^}}]*}} (\S+)'
    )
    return sum(float(value) for value in re.findall(pattern, text))


async def test_two_approval_processes_approve_each_of_50_orders_exactly_once(
    env: Environment, bus: Bus, tmp_path: Path
) -> None:
    replicas = [start(env, "approval", tmp_path) for _ in range(2)]
    try:
        await asyncio.gather(*(r.wait_ready() for r in replicas))
        events = [
            OrderSubmitted(
                order_id=unique("PO"),
                kind=OrderKind.PURCHASE,
                party_id=unique("V"),
                branch_id="B1",
                created_by="alice",
                currency="USD",
                lines=lines(("S", "1", "1")),
                total=Decimal(1),
                attempt=1,
                submitted_by="alice",
            )
            for _ in range(50)
        ]
        await asyncio.gather(*(bus.send(e) for e in events))

        await bus.wait_for("approval.approved", count=50, timeout=60)
        await bus.settle(1.0)
        approved = Counter(m.body["order_id"] for m in bus.matching("approval.approved"))
        assert approved == Counter({e.order_id: 1 for e in events})
        handler = "oms.events.order.submitted"
        taken = [received_by(r, handler) for r in replicas]
        assert sum(taken) == 50
        assert all(t > 0 for t in taken), f"both replicas should compete: {taken}"
    finally:
        codes = [await r.stop() for r in replicas]
    assert codes == [0, 0]


async def test_sigterm_finishes_in_flight_work_and_nothing_is_lost(
    env: Environment, bus: Bus, tmp_path: Path
) -> None:
    first = start(env, "order", tmp_path)
    await first.wait_ready()
    creates = [purchase_order() for _ in range(40)]
    await asyncio.gather(*(bus.send(c) for c in creates))
    await bus.wait_for("order.created", count=3, timeout=20)

    first.terminate()
    assert await first.wait_exit(timeout=30) == 0
    log = first.log()
    assert "service_stopping" in log
    assert "service_stopped" in log

    second = start(env, "order", tmp_path)
    try:
        await second.wait_ready()
        await bus.wait_for("order.created", count=40, timeout=30)
        await bus.settle(1.0)
        created = Counter(m.body["order_id"] for m in bus.matching("order.created"))
        assert created == Counter({c.order_id: 1 for c in creates})
    finally:
        assert await second.stop() == 0
