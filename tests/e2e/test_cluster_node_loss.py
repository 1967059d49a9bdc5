"""A RabbitMQ cluster that loses a node: three local nodes, the services on quorum queues
replicated across them, and the node leading the busiest queues stopped in the middle of a run.
No order is lost and the run completes. Needs root (the nodes run as user rabbitmq); the
shared node on 5672 is not touched."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest

from services.approval.app import SERVICE as APPROVAL
from services.order.app import SERVICE as ORDER
from shared.contracts import SubmitOrder
from shared.messaging.topology import Topology
from shared.settings import QueueKind, ServiceSettings
from tests.e2e.conftest import start
from tests.support.bus import Bus, having
from tests.support.factories import purchase_order
from tests.support.rabbitcluster import RabbitCluster
from tests.support.rabbitnode import unavailable
from tests.support.servers import MongoServer
from tests.support.services import Environment, ServiceProcess

pytestmark = pytest.mark.cluster

ORDERS = 60
BUSIEST = ("order.commands", "approval.order-submitted", "order.approval-approved")


@pytest.fixture(scope="module")
def cluster() -> Iterator[RabbitCluster]:
    if reason := unavailable():
        pytest.skip(reason)
    nodes = RabbitCluster(3)
    try:
        nodes.start()
        nodes.add_user("operator")  # the test's caller
        yield nodes
    finally:
        nodes.remove()


async def lead_from(url: str, topology: Topology) -> None:
    """Declare the services' queues from the node at ``url``: quorum queues are led by the node
    that declares them, so that node leads the busiest queues when the services start."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for route in (*ORDER.routes(), *APPROVAL.routes()):
            queue = topology.queue(route.queue, route.binding_key)
            await channel.declare_queue(queue.name, durable=True, arguments=queue.arguments)


def order_status(process: ServiceProcess, order_id: str) -> Any:
    return process.query(f"/orders?order_id={order_id}")["status"]


async def test_no_order_is_lost_when_the_node_leading_the_busiest_queues_stops(
    cluster: RabbitCluster, mongo: MongoServer, tmp_path: Path
) -> None:
    first, leader, third = cluster.nodes
    settings = ServiceSettings()
    await lead_from(leader.url, Topology(QueueKind.QUORUM, settings.delivery_limit))
    env = Environment(amqp_url=first.url, mongodb_url=mongo.url)
    quorum = {"amqp_url": first.url, "queue_type": "quorum"}
    services = {name: start(env, name, tmp_path, **quorum) for name in ("order", "approval")}
    try:
        await asyncio.gather(*(p.wait_ready() for p in services.values()))
        leaders = await asyncio.to_thread(cluster.leaders, first)
        assert {leaders[queue] for queue in BUSIEST} == {leader.name}, leaders

        orders = [purchase_order() for _ in range(ORDERS)]
        async with Bus(third.url) as bus:  # the caller is on the node that stays
            stopping = None
            for number, order in enumerate(orders):
                await bus.send(order)
                await bus.send(SubmitOrder(order_id=order.order_id, submitted_by="alice"))
                if number == ORDERS // 3:
                    stopping = asyncio.create_task(asyncio.to_thread(leader.stop))
                await asyncio.sleep(0.05)
            assert stopping is not None
            await stopping
            for order in orders:
                await bus.wait_for("order.approved", having(order_id=order.order_id), timeout=60)

        moved = await asyncio.to_thread(cluster.leaders, first)
        assert {moved[queue] for queue in BUSIEST} <= {first.name, third.name}, moved
        statuses = [order_status(services["order"], o.order_id) for o in orders]
        assert statuses == ["approved"] * ORDERS
        for process in services.values():
            assert process.health() == 200
            assert "Traceback" not in process.log()
    finally:
        for process in services.values():
            process.terminate()
        for process in services.values():
            await process.wait_exit()
