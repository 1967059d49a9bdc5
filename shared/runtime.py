"""Wiring shared by every service: broker, database, outbox relay, health, metrics, shutdown.

A service describes itself with a :class:`ServiceDefinition`; :func:`build_app` turns it into an
ASGI FastStream application that uvicorn serves (``python -m services.<name>``). Start-up
order: database, then indexes and handlers, then the broker (subscribers consume), then the
relay and background jobs. Shutdown reverses it: stop consuming and let in-flight messages
finish, stop the relay and jobs, close the broker, close the database.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Protocol
from uuid import uuid4

import prometheus_client
import structlog
import uvicorn
from faststream import AckPolicy, AsyncAPI, ContextRepo
from faststream.asgi import AsgiFastStream
from faststream.rabbit import Channel, RabbitBroker, RabbitRouter
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.base import Event
from shared.http import ASGIApp, Receive, Scope, Send, respond
from shared.logging import configure_logging
from shared.messaging.publisher import Publisher
from shared.messaging.settlement import Settlement
from shared.messaging.topology import DEAD_LETTERS, EVENTS, Topology
from shared.settings import ServiceSettings
from shared.storage.mongo import Document, connect, database, ping
from shared.storage.outbox import OutboxRelay, create_outbox_index

log = structlog.get_logger(__name__)

VERSION = "0.1.0"


class BackgroundJob(Protocol):
    """Work a service does besides consuming (scheduled jobs, dispatchers); started after the
    broker, stopped before it."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Runtime:
    """What a running service process holds; handed to the service's own set-up."""

    settings: ServiceSettings
    broker: RabbitBroker
    publisher: Publisher
    owner: str
    client: AsyncMongoClient[Document] | None = None
    db: AsyncDatabase[Document] | None = None
    relay: OutboxRelay | None = None
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
    def database(self) -> AsyncDatabase[Document]:
        assert self.db is not None, "the database is connected in the lifespan"
        return self.db

    @property
    def outbox(self) -> OutboxRelay:
        assert self.relay is not None, "the relay is made in the lifespan"
        return self.relay


@dataclass(frozen=True)
class ServiceDefinition:
    """How one service plugs into the shared runtime."""

    name: str
    description: str
    routers: Callable[[Topology], Sequence[RabbitRouter]]
    setup: Callable[[Runtime], Awaitable[object]]
    outbox_collections: Sequence[str] = ()
    publishes: Sequence[type[Event]] = ()
    queries: Callable[[Runtime], Sequence[tuple[str, ASGIApp]]] = lambda _runtime: ()
    """Read-only HTTP endpoints (``path``, ASGI app), e.g. stock levels or an order's status."""


def build_app(service: ServiceDefinition, settings: ServiceSettings) -> AsgiFastStream:
    configure_logging(service.name, fmt=settings.log_format, level=settings.log_level)
    settlement = Settlement(service=service.name, retry_backoff=settings.retry_backoff_seconds)
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
    topology = Topology(settings.queue_type, settings.delivery_limit)
    for router in service.routers(topology):
        broker.include_router(router)
    for event in service.publishes:
        # Declared for the AsyncAPI document; the outbox relay does the publishing.
        broker.publisher(
            routing_key=event.routing_key,
            exchange=EVENTS,
            schema=event,
            title=f"{event.routing_key}:publish",
            description=inspect.cleandoc(event.__doc__ or "") or None,
            persist=True,
        )
    publisher = Publisher(broker)
    settlement.bind(publisher)
    owner = f"{service.name}@{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
    runtime = Runtime(settings=settings, broker=broker, publisher=publisher, owner=owner)

    @asynccontextmanager
    async def lifespan(context: ContextRepo) -> AsyncIterator[None]:
        # Connect before FastStream starts the broker in the background, so that a broker
        # that is unreachable or refuses our credentials fails the start-up (and the process).
        await broker.connect()
        runtime.client = connect(settings.mongodb_url, app_name=f"oms-{service.name}")
        runtime.db = database(runtime.client, settings.database)
        runtime.relay = OutboxRelay(
            runtime.db,
            service.outbox_collections,
            publisher.publish_entry,
            owner=owner,
            lease_seconds=settings.outbox_lease_seconds,
            poll_seconds=settings.outbox_poll_seconds,
        )
        for name in service.outbox_collections:
            await create_outbox_index(runtime.db, name)
        context.set_global("deps", await service.setup(runtime))
        watchdog = asyncio.create_task(_startup_watchdog(runtime))
        try:
            yield
        finally:
            watchdog.cancel()
            await runtime.client.close()
            log.info("service_stopped")

    async def after_startup() -> None:
        await _declare_dead_letter_queues(broker, topology)
        await runtime.outbox.start()
        for job in runtime.jobs:
            job.start()
        runtime.started.set()
        log.info("service_started", http_port=settings.http_port, database=settings.database)

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

    app = AsgiFastStream(
        broker,
        lifespan=lifespan,
        after_startup=[after_startup],
        on_shutdown=[on_shutdown],
        asgi_routes=[
            ("/health/live", _live),
            ("/health/ready", _readiness(runtime)),
            ("/metrics", prometheus_client.make_asgi_app(registry)),
            *service.queries(runtime),
        ],
        specification=AsyncAPI(
            title=f"OMS {service.name} service", version=VERSION, description=service.description
        ),
        asyncapi_path="/docs/asyncapi",
        logger=None,
    )
    app.context.set_global("runtime", runtime)
    return app


def runtime_of(app: AsgiFastStream) -> Runtime:
    runtime: Runtime = app.context.get("runtime")
    return runtime


async def _startup_watchdog(runtime: Runtime) -> None:
    """Declaring queues or starting consumers happens in the background; if it never completes,
    the process must fail rather than stay up without consuming."""
    timeout = runtime.settings.startup_timeout_seconds
    try:
        async with asyncio.timeout(timeout):
            await runtime.started.wait()
    except TimeoutError:
        runtime.fatal(f"consumers did not start within {timeout} s; see the errors above")


async def _declare_dead_letter_queues(broker: RabbitBroker, topology: Topology) -> None:
    exchange = await broker.declare_exchange(DEAD_LETTERS)
    for subscriber in broker.subscribers:
        name = subscriber.queue.name  # type: ignore[attr-defined]
        queue = await broker.declare_queue(topology.dead_letter_queue(name))
        await queue.bind(exchange, routing_key=name)


async def _live(scope: Scope, receive: Receive, send: Send) -> None:
    await respond(send, 200, {"status": "alive"})


def _readiness(runtime: Runtime) -> ASGIApp:
    async def ready(scope: Scope, receive: Receive, send: Send) -> None:
        broker_ok = runtime.ready and await runtime.broker.ping(timeout=2.0)
        db_ok = runtime.db is not None and await ping(runtime.db)
        checks = {"started": runtime.ready, "broker": broker_ok, "database": db_ok}
        status = 200 if all(checks.values()) else 503
        await respond(send, status, {"status": "ready" if status == 200 else "not_ready", **checks})

    return ready


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM after a graceful shutdown (exit status 143); a service that
    stopped cleanly because it was asked to exits 0."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


def serve(app: AsgiFastStream, settings: ServiceSettings) -> None:
    """Run one service process; SIGTERM or SIGINT shut it down gracefully (exit 0).

    Exits 3 when the service cannot start (broker or database unreachable, credentials
    refused, queues that cannot be declared), so that an orchestrator restarts it.
    """
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=int(settings.graceful_timeout) + 5,
            lifespan="on",
        )
    )
    runtime = runtime_of(app)
    runtime.on_fatal = lambda: setattr(server, "should_exit", True)
    server.run()
    if not server.started or runtime.failed:
        sys.exit(3)
