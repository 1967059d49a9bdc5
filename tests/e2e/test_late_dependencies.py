"""A service whose broker or database comes late, or goes away, waits and says so; it never
exits for it, and it is ready again within 2 s of the dependency's return."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import pytest

from tests.e2e.conftest import start
from tests.support.bus import Bus
from tests.support.factories import purchase_order
from tests.support.rabbitnode import RabbitNode, unavailable
from tests.support.servers import RestartableMongo
from tests.support.services import Environment, ServiceProcess, free_port

NOTICED = 2.0
"""/health/ready turns 503 within this of losing a dependency, and 200 within this of its return."""
STARTING = 10.0
"""How long a process may take to answer its first probe on a loaded machine."""


async def waits_for(process: ServiceProcess, dependency: str, seconds: float = 3.0) -> None:
    """For ``seconds`` the process stays alive, not ready, naming ``dependency`` (asked again
    until it answers: on a loaded machine the interpreter may take longer than ``seconds`` to
    start serving)."""
    await asyncio.sleep(seconds)
    deadline = asyncio.get_running_loop().time() + STARTING
    while (answer := await asyncio.to_thread(process.probe))[0] == 0:
        assert asyncio.get_running_loop().time() < deadline, "no answer on /health/ready"
        await asyncio.sleep(0.1)
    status, body = answer
    assert (status, body["status"]) == (503, "not_ready"), body
    assert dependency in body["waiting_for"], body
    assert body[dependency] is False
    assert process.running
    assert process.health("live") == 200


async def answered(bus: Bus) -> None:
    create = purchase_order()
    await bus.send(create, reply=True)
    assert (await bus.reply_for(create, timeout=20)).type == "OrderCreated"


@pytest.fixture
def own_mongo(tmp_path: Path) -> RestartableMongo:
    if importlib.util.find_spec("mongoeco") is None:
        pytest.skip("the embedded MongoDB-wire server needs Python >= 3.13 (mongoeco)")
    return RestartableMongo(tmp_path / "mongo.sqlite3", free_port())


async def test_the_database_comes_late_goes_away_and_comes_back(
    env: Environment, bus: Bus, own_mongo: RestartableMongo, tmp_path: Path
) -> None:
    order = start(env, "order", tmp_path, mongodb_url=own_mongo.url)
    try:
        await waits_for(order, "database")
        own_mongo.start()
        await order.wait_ready(timeout=15)
        await answered(bus)

        own_mongo.stop()
        assert await order.until_ready_is(503) <= NOTICED
        own_mongo.start()
        assert await order.until_ready_is(200) <= NOTICED
        await answered(bus)
        assert "Traceback" not in order.log()
    finally:
        assert await order.stop() == 0
        own_mongo.stop()


async def test_the_broker_comes_late_goes_away_and_comes_back(
    env: Environment, tmp_path: Path
) -> None:
    if reason := unavailable():
        pytest.skip(reason)
    node = RabbitNode()
    order = start(env, "order", tmp_path, amqp_url=node.url)
    try:
        await waits_for(order, "broker")
        await asyncio.to_thread(node.start)
        await asyncio.to_thread(node.add_user, "operator")  # the test's caller
        await order.wait_ready(timeout=20)
        async with Bus(node.url) as bus:
            await answered(bus)

        await asyncio.to_thread(node.stop)
        assert await order.until_ready_is(503) <= NOTICED
        await asyncio.to_thread(node.start)
        assert await order.until_ready_is(200) <= NOTICED
        async with Bus(node.url) as bus:  # consumers resumed by themselves
            await answered(bus)
        assert "Traceback" not in order.log()
    finally:
        assert await order.stop() == 0
        await asyncio.to_thread(node.remove)


async def test_a_broker_that_never_comes_ends_the_wait_with_status_3_and_one_line(
    env: Environment, tmp_path: Path
) -> None:
    broken = start(
        env, "order", tmp_path, amqp_url="amqp://guest:guest@127.0.0.1:1/", startup_wait_seconds=3
    )
    await waits_for(broken, "broker", seconds=1.0)
    assert await broken.wait_exit(timeout=30) == 3
    log = broken.log()
    assert "waiting_for_dependency" in log
    assert "the broker did not answer within 3 s" in log
    assert "Traceback" not in log
