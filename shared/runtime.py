"""Wiring shared by every service: broker, database, outbox relay, health, metrics, shutdown.

:func:`build_app` turns a :class:`~shared.service.Service` (its handler table) into an ASGI
FastStream application that uvicorn serves (``python -m services.<name>``). Start-up order:
database, then indexes and handlers, then the broker (subscribers consume), then the relay and
background jobs. Shutdown reverses it: stop consuming and let in-flight messages finish, stop
the relay and jobs, close the broker, close the database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Generic, Protocol, TypeVar
from uuid import uuid4

import prometheus_client
import structlog
import uvicorn
from faststream import AckPolicy
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from pydantic import ValidationError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.base import Command, Delivery
from shared.http import json_response
from shared.logging import configure_logging
from shared.messaging.callers import acting_person, check_acting_person
from shared.messaging.publisher import Publisher
from shared.messaging.settlement import InvalidMessage, Settlement
from shared.messaging.topology import DEAD_LETTERS, EXCHANGES, Topology, routed
from shared.service import Route, Service
from shared.settings import ServiceSettings
from shared.storage.mongo import CommandCounter, Document, connect, database, ping
from shared.storage.outbox import OutboxRelay, create_outbox_index

log = structlog.get_logger(__name__)

VERSION = "0.1.0"

S = TypeVar("S", bound=ServiceSettings)
H = TypeVar("H")


class BackgroundJob(Protocol):
    """Work a service does besides consuming (scheduled jobs, dispatchers); started after the
    broker, stopped before it."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Runtime(Generic[S]):
    """What a running service process holds; handed to the service's own set-up."""

    name: str
    settings: S
    broker: RabbitBroker
    publisher: Publisher
    owner: str
    client: AsyncMongoClient[Document] | None = None
    db: AsyncDatabase[Document] | None = None
    relay: OutboxRelay | None = None
    db_commands: CommandCounter | None = None
    """Counts the database round trips this process makes (``oms_db_commands_total``)."""
    jobs: list[BackgroundJob] = field(default_factory=list)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: bool = False
    failed: str | None = None
    on_fatal: Callable[[], None] = lambda: None
    """Set by :func:`serve`: ends the process when start-up cannot complete."""

    @property
    def ready(self) -> bool:
        return self.started.is_set() and not self.stopping

    def fatal(self, reason: str) -> None:
        self.failed = reason
        log.error("service_failed", reason=reason)
        self.on_fatal()

    @property
    def database_name(self) -> str:
        return self.settings.mongodb_database or f"oms_{self.name}"

    @property
    def database(self) -> AsyncDatabase[Document]:
        assert self.db is not None, "the database is connected in the lifespan"
        return self.db

    @property
    def outbox(self) -> OutboxRelay:
        assert self.relay is not None, "the relay is made in the lifespan"
        return self.relay


class OmsApp(AsgiFastStream):
    """The service's ASGI application; it knows its :class:`Runtime`, and answers unknown
    paths with a JSON 404."""

    runtime: Runtime[Any]

    async def not_found(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().not_found(scope, receive, send)
            return
        path = scope.get("path", "")
        await json_response(404, {"error": "not_found", "path": path})(scope, receive, send)


def build_app(service: Service[H, S], settings: S | None = None) -> OmsApp:
    settings = settings if settings is not None else service.settings()
    configure_logging(service.name, fmt=settings.log_format, level=settings.log_level)
    routes = service.routes()
    settlement = Settlement(
        service=service.name,
        commands_queue=service.commands_queue,
        routes=routes,
        retry_backoff=settings.retry_backoff_seconds,
    )
    registry = prometheus_client.CollectorRegistry()
    broker = RabbitBroker(
        settings.amqp_url,
        default_channel=Channel(prefetch_count=settings.prefetch, publisher_confirms=True),
        middlewares=[
            settlement,
            RabbitPrometheusMiddleware(registry=registry, app_name=service.name),
        ],
        ack_policy=AckPolicy.MANUAL,
        graceful_timeout=settings.graceful_timeout,
        app_id=f"oms-{service.name}",
        logger=None,
        description=service.description,
    )
    publisher = Publisher(broker)
    settlement.bind(publisher)
    owner = f"{service.name}@{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
    runtime = Runtime(
        name=service.name, settings=settings, broker=broker, publisher=publisher, owner=owner
    )
    runtime.db_commands = commands = CommandCounter(registry)
    handlers: list[H] = []  # the handlers object, once set-up made it
    topology = Topology(settings.queue_type, settings.delivery_limit)
    _subscribe(broker, topology, routes, lambda: handlers[0])

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        # Connect before FastStream starts the broker in the background, so that a broker
        # that is unreachable or refuses our credentials fails the start-up (and the process).
        await broker.connect()
        runtime.client = connect(
            settings.mongodb_url, app_name=f"oms-{service.name}", listeners=[commands]
        )
        runtime.db = database(runtime.client, runtime.database_name)
        runtime.relay = OutboxRelay(
            runtime.db,
            service.outbox_collections,
            publisher.publish_entry,
            owner=owner,
            lease_seconds=settings.outbox_lease_seconds,
            poll_seconds=settings.outbox_poll_seconds,
            answer=publisher.answer,
        )
        for name in service.outbox_collections:
            await create_outbox_index(runtime.db, name)
        handlers.append(await service.setup(runtime))
        watchdog = asyncio.create_task(_startup_watchdog(runtime))
        try:
            yield
        finally:
            watchdog.cancel()
            await runtime.client.close()
            log.info("service_stopped")

    async def after_startup() -> None:
        await _declare_dead_letter_queues(broker, topology, {route.queue for route in routes})
        await runtime.outbox.start()
        for job in runtime.jobs:
            job.start()
        runtime.started.set()
        log.info("service_started", http_port=settings.http_port, database=runtime.database_name)

    async def on_shutdown() -> None:
        runtime.stopping = True
        log.info("service_stopping")
        # Stop consuming and wait for in-flight messages before the relay stops, so that
        # their events still go out from this process.
        for subscriber in broker.subscribers:
            await subscriber.stop()
        for job in runtime.jobs:
            await job.stop()
        if runtime.relay is not None:
            await runtime.relay.stop()

    app = OmsApp(
        broker,
        lifespan=lifespan,
        after_startup=[after_startup],
        on_shutdown=[on_shutdown],
        asgi_routes=[
            ("/health/live", _live),
            ("/health/ready", _readiness(runtime)),
            ("/metrics", prometheus_client.make_asgi_app(registry)),
            ("/docs/asyncapi", _asyncapi(service)),
            *service.queries(runtime),
        ],
        logger=None,
    )
    app.runtime = runtime
    return app


def _subscribe(
    broker: RabbitBroker, topology: Topology, routes: list[Route], handlers: Callable[[], Any]
) -> None:
    """One subscriber per queue; on a queue that carries several contracts (the commands
    queue), each handler takes the messages sent with its contract's routing key."""
    by_queue: dict[str, list[Route]] = {}
    for route in routes:
        by_queue.setdefault(route.queue, []).append(route)
    for queue, on_queue in by_queue.items():
        first = on_queue[0]
        subscriber = broker.subscriber(
            topology.queue(queue, first.binding_key),
            EXCHANGES[first.exchange],
            no_reply=True,
            decoder=_undecoded,
        )
        for route in on_queue:
            subscriber(filter=routed(route.contract.routing_key))(_consumer(route, handlers))


async def _undecoded(message: RabbitMessage) -> bytes:
    """The body stays bytes: each consumer validates it against its contract, once."""
    return message.body


def _consumer(route: Route, handlers: Callable[[], Any]) -> Callable[..., Awaitable[None]]:
    """Validate the body against the route's contract, then hand it to the route's handler."""
    contract, handler = route.contract, route.handler

    async def consume(message: RabbitMessage) -> None:
        raw = message.raw_message  # FastStream invents a correlation_id when none was sent
        person = None
        if issubclass(contract, Command):  # who may send it, before reading what it says
            person = acting_person(contract, raw.user_id, raw.headers or {})
        try:
            body = contract.model_validate_json(message.body)
        except ValidationError as error:
            raise InvalidMessage(error) from None
        if isinstance(body, Command) and person is not None:
            check_acting_person(body, person)
        delivery = Delivery(
            reply_to=raw.reply_to,
            correlation_id=raw.correlation_id,
            sender=raw.user_id,
            person=person,
        )
        await handler(handlers(), body.delivered(delivery))

    consume.__name__ = consume.__qualname__ = f"{route.queue}:{contract.routing_key}"
    consume.__doc__ = route.summary
    return consume


async def _startup_watchdog(runtime: Runtime[Any]) -> None:
    """Declaring queues or starting consumers happens in the background; if it never completes,
    the process must fail rather than stay up without consuming."""
    timeout = runtime.settings.startup_timeout_seconds
    try:
        async with asyncio.timeout(timeout):
            await runtime.started.wait()
    except TimeoutError:
        runtime.fatal(f"consumers did not start within {timeout} s; see the errors above")


async def _declare_dead_letter_queues(
    broker: RabbitBroker, topology: Topology, queues: set[str]
) -> None:
    exchange = await broker.declare_exchange(DEAD_LETTERS)
    for name in sorted(queues):
        queue = await broker.declare_queue(topology.dead_letter_queue(name))
        await queue.bind(exchange, routing_key=name)


@get
async def _live() -> AsgiResponse:
    return json_response(200, {"status": "alive"})


def _readiness(runtime: Runtime[Any]) -> Any:
    @get
    async def ready() -> AsgiResponse:
        broker_ok = runtime.ready and await runtime.broker.ping(timeout=2.0)
        db_ok = runtime.db is not None and await ping(runtime.db)
        checks = {"started": runtime.ready, "broker": broker_ok, "database": db_ok}
        status = 200 if all(checks.values()) else 503
        return json_response(
            status, {"status": "ready" if status == 200 else "not_ready", **checks}
        )

    return ready


def _asyncapi(service: Service[Any, Any]) -> Any:
    from shared.asyncapi import document

    @get
    async def asyncapi() -> AsgiResponse:
        """The AsyncAPI document of this service (also committed in docs/asyncapi/)."""
        return json_response(200, document(service))

    return asyncapi


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM after a graceful shutdown (exit status 143); a service that
    stopped cleanly because it was asked to exits 0."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


def main(service: Service[Any, Any]) -> None:
    """``python -m services.<name>``: run the service with settings from the environment."""
    settings = service.settings()
    serve(build_app(service, settings), settings, default_port=service.entry.port)


def serve(app: OmsApp, settings: ServiceSettings, *, default_port: int) -> None:
    """Run one service process; SIGTERM or SIGINT shut it down gracefully (exit 0).

    Exits 3 when the service cannot start (broker or database unreachable, credentials
    refused, queues that cannot be declared), so that an orchestrator restarts it.
    """
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port or default_port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=int(settings.graceful_timeout) + 5,
            lifespan="on",
        )
    )
    app.runtime.on_fatal = lambda: setattr(server, "should_exit", True)
    server.run()
    if not server.started or app.runtime.failed:
        sys.exit(3)
