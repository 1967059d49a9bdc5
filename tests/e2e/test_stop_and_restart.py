"""SIGTERM under load ends every service within its documented bound with nothing unanswered,
and a restarted service with a backlog is ready within 5 s and answers all of it."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from shared.contracts import ApprovalPending, OrderKind, Person, UpsertUser
from shared.contracts.base import Command, Message
from shared.contracts.billing import BillingInterval, DefinePlan
from shared.settings import STOP_MARGIN_SECONDS, ServiceSettings
from tests.e2e.conftest import start
from tests.support.bus import Bus, Received
from tests.support.factories import purchase_order, unique
from tests.support.inventory import approved, cancelled, define_item, rejected, submitted
from tests.support.servers import MongoServer, RabbitServer, RestartableMongo
from tests.support.services import SERVICES, Environment, ServiceProcess, free_port

GRACEFUL_TIMEOUT = ServiceSettings.model_fields["graceful_timeout"].default
BOUND = GRACEFUL_TIMEOUT + STOP_MARGIN_SECONDS  # deploy/README.md
STOPS = 10
RATE = 20  # messages per second and service, sent all along, also while a service is down


def approval_pending() -> ApprovalPending:
    """For notification, which takes no command: an event whose e-mail fails at once (the
    approver has no address), answered by ``notification.email_failed``."""
    order_id = unique("PO")
    return ApprovalPending(
        request_id=f"{order_id}:1",
        order_id=order_id,
        order_kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        creator=Person(user_id="alice"),
        notify=True,
        level=1,
        levels=1,
        approver=Person(user_id="nomail"),
    )


LOAD: dict[str, Callable[[], Message]] = {
    "order": purchase_order,
    "approval": lambda: UpsertUser(user_id=unique("u"), name="U", changed_by="root"),
    "inventory": define_item,
    "billing": lambda: DefinePlan(
        plan_id=unique("P"),
        name="Gold",
        price=Decimal("9.90"),
        currency="EUR",
        interval=BillingInterval.MONTH,
        defined_by="root",
    ),
    "notification": approval_pending,
}


def answered(bus: Bus) -> set[str]:
    """The ids of the messages answered so far: on reply_to, or by an e-mail's outcome."""
    replies: list[Received] = list(bus.replies)
    found = {str(r.body.get("causation_id") or r.body.get("command_message_id")) for r in replies}
    failed = bus.matching("notification.email_failed")
    return found | {str(e.body["source_message_id"]) for e in failed}


async def until_all_answered(bus: Bus, sent: list[Message], timeout: float) -> set[str]:
    deadline = time.monotonic() + timeout
    while (missing := {str(m.message_id) for m in sent} - answered(bus)) and (
        time.monotonic() < deadline
    ):
        await asyncio.sleep(0.2)
    return missing


async def stop_under_load(
    service: str, rabbit: RabbitServer, mongo: MongoServer, log_dir: Path
) -> list[tuple[int, float]]:
    """Start and SIGTERM ``service`` ten times while messages keep coming; then one more
    process answers what is left, and no event was published twice. Returns each stop's
    (exit status, seconds)."""
    vhost = rabbit.create_vhost()
    env = Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
    settings = env.env(service, graceful_timeout=GRACEFUL_TIMEOUT)
    stops: list[tuple[int, float]] = []
    process: ServiceProcess | None = None
    try:
        async with Bus(env.amqp_url) as bus:
            sent: list[Message] = []
            sending = True

            async def load() -> None:
                while sending:
                    message = LOAD[service]()
                    await bus.send(message, reply=isinstance(message, Command))
                    sent.append(message)
                    await asyncio.sleep(1 / RATE)

            loader: asyncio.Task[None] | None = None
            for round_ in range(STOPS + 1):
                process = ServiceProcess(service, settings, log_dir)
                process.log_path = log_dir / f"{service}-{round_}.log"
                await process.start().wait_ready(timeout=30)
                # Once the service has declared its queues: before, nothing could keep them.
                loader = loader or asyncio.create_task(load())
                if round_ == STOPS:
                    break
                await asyncio.sleep(1.0)  # under load
                began = time.monotonic()
                process.terminate()
                code = await process.wait_exit(timeout=BOUND + 10)
                stops.append((code, time.monotonic() - began))
            sending = False
            assert loader is not None
            assert process is not None
            await loader
            missing = await until_all_answered(bus, sent, timeout=90)
            assert await process.stop() == 0
            assert not missing, f"{service}: {len(missing)} of {len(sent)} never answered"
            # A stop is not a crash: nothing it published is published again after it.
            assert bus.duplicates() == 0, [
                (e.routing_key, e.message_id) for e in bus.repeated_events()
            ]
    finally:
        if process is not None:  # another service's failure must not leave this one running
            process.terminate()
        rabbit.delete_vhost(vhost)
    return stops


async def test_sigterm_under_load_ten_times_per_service_exits_0_within_the_bound(
    rabbit: RabbitServer, mongo: MongoServer, tmp_path: Path
) -> None:
    results = await asyncio.gather(
        *(stop_under_load(service, rabbit, mongo, tmp_path) for service in SERVICES)
    )
    for service, stops in zip(SERVICES, results, strict=True):
        seconds = sorted(round(s, 2) for _, s in stops)
        print(f"{service}: stopped in {seconds} s (bound {BOUND:g} s)")
        assert [code for code, _ in stops] == [0] * STOPS, (service, stops)
        slowest = max(seconds for _, seconds in stops)
        assert slowest <= BOUND, (service, stops)


async def test_a_restart_with_300_commands_waiting_is_ready_within_5_s_and_answers_all(
    env: Environment, bus: Bus, tmp_path: Path
) -> None:
    first = start(env, "inventory", tmp_path)
    await first.wait_ready()
    assert await first.stop() == 0
    items = [define_item() for _ in range(300)]
    await asyncio.gather(*(bus.send(item, reply=True) for item in items))

    began = time.monotonic()
    again = start(env, "inventory", tmp_path)
    try:
        await again.wait_ready(timeout=30)
        ready = time.monotonic() - began
        assert ready <= 5.0, f"ready after {ready:.1f} s:\n{again.log()}"
        missing = await until_all_answered(bus, list(items), timeout=120)
        assert not missing, f"{len(missing)} of 300 never answered"
    finally:
        assert await again.stop() == 0


async def test_sigterm_while_the_database_hangs_returns_the_messages_within_the_bound(
    env: Environment, bus: Bus, tmp_path: Path
) -> None:
    """Messages on every queue are stuck (the database is away): none can finish, each is
    given back to its queue, and the process still exits 0 within the bound; once the
    database is back, a new process answers every command."""
    if importlib.util.find_spec("mongoeco") is None:
        pytest.skip("the embedded MongoDB-wire server needs Python >= 3.13 (mongoeco)")
    mongo = RestartableMongo(tmp_path / "mongo.sqlite3", free_port())
    mongo.start()
    settings = {"mongodb_url": mongo.url, "graceful_timeout": GRACEFUL_TIMEOUT}
    inventory = start(env, "inventory", tmp_path, **settings)
    try:
        await inventory.wait_ready()
        mongo.stop()
        commands: list[Message] = []
        for _ in range(40):  # on the commands queue and on each event queue
            order_id, item = unique("SO"), define_item()
            commands.append(item)
            await bus.send(item, reply=True)
            for event in (
                submitted(OrderKind.SALES, order_id, "B1", ("X", "1")),
                approved(OrderKind.SALES, order_id, "B1", ("X", "1")),
                rejected(OrderKind.SALES, order_id),
                cancelled(OrderKind.SALES, order_id),
            ):
                await bus.send(event)
        await asyncio.sleep(2.0)  # every queue's consumer now waits on the database

        began = time.monotonic()
        inventory.terminate()
        assert await inventory.wait_exit(timeout=BOUND + 15) == 0
        took = time.monotonic() - began
        print(f"inventory stopped in {took:.1f} s with the database away (bound {BOUND:g} s)")
        assert took <= BOUND, f"stopped in {took:.1f} s:\n{inventory.log()}"

        mongo.start()
        inventory = start(env, "inventory", tmp_path, **settings)
        await inventory.wait_ready(timeout=30)
        missing = await until_all_answered(bus, commands, timeout=60)
        assert not missing, f"{len(missing)} of {len(commands)} never answered"
        assert await inventory.stop() == 0
    finally:
        inventory.terminate()
        mongo.stop()
