"""Faults: the broker connection drops, the database restarts; nothing is lost."""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.order.app import SERVICE as ORDER
from services.order.settings import OrderSettings
from shared.contracts import SubmitOrder
from shared.runtime import build_app
from tests.support.bus import TEST_CLIENT, Bus, having
from tests.support.factories import purchase_order
from tests.support.servers import MONGOWIRE, ROOT, RabbitServer
from tests.support.services import Environment, free_port, running


async def service_connections(rabbit: RabbitServer, vhost: str) -> list[dict[str, Any]]:
    """The vhost's connections but the test's own (the management API lists them late)."""
    for _ in range(100):
        found = rabbit.api("GET", f"vhosts/{urllib.parse.quote(vhost, safe='')}/connections")
        assert isinstance(found, list)
        service = [
            c for c in found if c.get("client_properties", {}).get("connection_name") != TEST_CLIENT
        ]
        if service:
            return service
        await asyncio.sleep(0.1)
    raise AssertionError("the service's connection never showed up")


async def test_a_dropped_broker_connection_is_reestablished_and_work_resumes(
    env: Environment, bus: Bus, rabbit: RabbitServer, vhost: str
) -> None:
    async with running(build_app(ORDER, OrderSettings(**env.settings("order")))) as app:
        before = purchase_order()
        await bus.send(before)
        await bus.wait_for("order.created", having(order_id=before.order_id))

        for connection in await service_connections(rabbit, vhost):
            rabbit.api("DELETE", f"connections/{urllib.parse.quote(connection['name'], safe='')}")
        after = purchase_order()
        await bus.send(after)  # waits in the queue while the service reconnects

        await bus.wait_for("order.created", having(order_id=after.order_id), timeout=30)
        await bus.send(SubmitOrder(order_id=after.order_id, submitted_by="alice"))
        await bus.wait_for("order.submitted", having(order_id=after.order_id), timeout=15)
        assert app.runtime.ready


@pytest.fixture
def restartable_mongo(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A MongoDB-wire server of our own, on SQLite so that its data survives a restart."""
    if importlib.util.find_spec("mongoeco") is None:
        pytest.skip("the embedded MongoDB-wire server needs Python >= 3.13 (mongoeco)")
    port = free_port()
    path = tmp_path / "mongo.sqlite3"
    processes: list[subprocess.Popen[str]] = []

    def start() -> None:
        process = subprocess.Popen(
            [
                sys.executable,
                str(MONGOWIRE),
                "--port",
                str(port),
                "--engine",
                "sqlite",
                "--path",
                str(path),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        assert process.stdout.readline().startswith("READY")
        processes.append(process)

    def stop() -> None:
        processes[-1].terminate()
        processes[-1].wait(timeout=10)

    start()
    yield f"mongodb://127.0.0.1:{port}/?directConnection=true", (start, stop)
    stop()


async def test_a_database_restart_is_survived_and_the_message_is_redelivered(
    env: Environment,
    bus: Bus,
    restartable_mongo: tuple[str, Any],
    capfd: pytest.CaptureFixture[str],
) -> None:
    url, (start, stop) = restartable_mongo
    settings = OrderSettings(**env.settings("order", mongodb_url=url, retry_backoff_seconds=0.5))
    async with running(build_app(ORDER, settings)):
        first = purchase_order()
        await bus.send(first)
        await bus.wait_for("order.created", having(order_id=first.order_id))

        stop()
        during = purchase_order()
        await bus.send(during)  # fails while the database is down, and is requeued
        await asyncio.sleep(6.5)  # longer than the client's 5 s server selection timeout
        start()

        await bus.wait_for("order.created", having(order_id=during.order_id), timeout=30)
        await bus.send(SubmitOrder(order_id=first.order_id, submitted_by="alice"))
        await bus.wait_for("order.submitted", having(order_id=first.order_id), timeout=15)
    assert not bus.matching("order.command_rejected")
    assert "message_retry_later" in capfd.readouterr().err
