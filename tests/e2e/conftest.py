"""The whole system as OS processes (``python -m services.<name>``), on one vhost per module."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.bus import Bus
from tests.support.servers import MongoServer, RabbitServer, as_user
from tests.support.services import SERVICES, Environment, ServiceProcess
from tests.support.smtp import SmtpServer


@pytest.fixture(scope="module")
def system_env(rabbit: RabbitServer, mongo: MongoServer) -> Iterator[Environment]:
    vhost = rabbit.create_vhost()
    yield Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
    rabbit.delete_vhost(vhost)


@pytest.fixture(scope="module")
def system_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


def start(env: Environment, service: str, log_dir: Path, **overrides: Any) -> ServiceProcess:
    return ServiceProcess(service, env.env(service, **overrides), log_dir).start()


@contextlib.asynccontextmanager
async def five_services(
    env: Environment, log_dir: Path, *, smtp_port: int
) -> AsyncIterator[dict[str, ServiceProcess]]:
    """Every service as a process, notification sending to ``smtp_port``; each must exit 0."""
    extra = {"notification": {"smtp_port": smtp_port, "dispatch_interval_seconds": 0.2}}
    processes = {name: start(env, name, log_dir, **extra.get(name, {})) for name in SERVICES}
    try:
        await asyncio.gather(*(p.wait_ready() for p in processes.values()))
        yield processes
    finally:
        for process in processes.values():
            process.terminate()
        codes = {name: await p.wait_exit() for name, p in processes.items()}
        assert codes == dict.fromkeys(SERVICES, 0), codes


@pytest.fixture(scope="module")
async def system(
    system_env: Environment, system_smtp: SmtpServer, log_dir: Path
) -> AsyncIterator[dict[str, ServiceProcess]]:
    async with five_services(system_env, log_dir, smtp_port=system_smtp.port) as processes:
        yield processes


@pytest.fixture
async def system_bus(system_env: Environment) -> AsyncIterator[Bus]:
    async with Bus(system_env.amqp_url) as bus:
        yield bus


@pytest.fixture(scope="module")
def omsctl_env(system_env: Environment, system: dict[str, ServiceProcess]) -> dict[str, str]:
    """Where omsctl finds the system: the broker as the back office, each service's port."""
    urls = {
        f"OMSCTL_{name.upper()}_URL": f"http://127.0.0.1:{process.port}"
        for name, process in system.items()
    }
    return {"OMSCTL_AMQP_URL": as_user(system_env.amqp_url, "backoffice"), **urls}
