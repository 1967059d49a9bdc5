"""Each event is published once: a shop's mixed load with no fault publishes no message id
twice on ``oms.events``.

The services run as processes at production pace (a 2 s outbox lease, removals of published
entries lingering up to a second) on the embedded server's SQLite engine, the one ``make run``
uses, where writes queue behind each other: before the relay sent its records ahead of its
leases, a quarter of the orders got some event twice under this load.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.bench.phases import mixed_load
from tests.bench.system import start_all, stop_all
from tests.support.flows import FlowBus, stockroom
from tests.support.servers import RabbitServer, launch_mongowire
from tests.support.services import Environment

RATE = 8.0
SECONDS = 8.0


@pytest.fixture(scope="module")
def slow_env(rabbit: RabbitServer) -> Iterator[Environment]:
    with ExitStack() as stack:
        if not (url := os.environ.get("OMS_TEST_MONGODB_URL")):
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = launch_mongowire(stack, "--engine", "sqlite", "--path", f"{folder}/db").url
        vhost = rabbit.create_vhost()
        stack.callback(rabbit.delete_vhost, vhost)
        yield Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=url)


@pytest.fixture
async def flow_bus(slow_env: Environment, log_dir: Path) -> AsyncIterator[FlowBus]:
    processes, _ = await start_all(slow_env, log_dir)
    try:
        async with FlowBus(slow_env.amqp_url) as bus:
            bus.timeout = 120.0
            yield bus
    finally:
        await stop_all(processes)


async def test_a_mixed_load_without_faults_publishes_every_event_once(flow_bus: FlowBus) -> None:
    room = await stockroom(flow_bus)
    mixed = await mixed_load(flow_bus, room, rate=RATE, seconds=SECONDS)
    await flow_bus.settle(3.0)

    assert mixed.failed == 0
    repeated = [(e.routing_key, e.body.get("order_id")) for e in flow_bus.repeated_events()]
    assert flow_bus.duplicates() == 0, repeated
