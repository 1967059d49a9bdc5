"""Fixtures giving tests real servers: RabbitMQ (own virtual host per test) and MongoDB-wire."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack

import pytest

from shared.storage.mongo import connect
from tests.support.bus import Bus
from tests.support.servers import MongoServer, RabbitServer, start_mongo, start_rabbit
from tests.support.services import Environment


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The folder a test lives in is its kind: unit, integration or e2e.
    for item in items:
        for kind in ("unit", "integration", "e2e"):
            if f"/tests/{kind}/" in str(item.path):
                item.add_marker(getattr(pytest.mark, kind))


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[RabbitServer, MongoServer]]:
    with ExitStack() as stack:
        yield start_rabbit(stack), start_mongo(stack)


@pytest.fixture(scope="session")
def rabbit(servers: tuple[RabbitServer, MongoServer]) -> RabbitServer:
    return servers[0]


@pytest.fixture(scope="session")
def mongo(servers: tuple[RabbitServer, MongoServer]) -> MongoServer:
    return servers[1]


@pytest.fixture
def vhost(rabbit: RabbitServer) -> Iterator[str]:
    name = rabbit.create_vhost()
    yield name
    rabbit.delete_vhost(name)


@pytest.fixture
def env(rabbit: RabbitServer, mongo: MongoServer, vhost: str) -> Environment:
    return Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)


@pytest.fixture
async def bus(env: Environment) -> AsyncIterator[Bus]:
    async with Bus(env.amqp_url) as connected:
        yield connected


@pytest.fixture
async def mongo_client(mongo: MongoServer) -> AsyncIterator[object]:
    client = connect(mongo.url, app_name="oms-tests")
    yield client
    await client.close()
