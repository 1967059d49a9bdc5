"""Wiring shared by every service: broker, database, outbox relay, health, metrics, shutdown.

:func:`build_app` turns a :class:`~shared.service.Service` (its handler table) into an ASGI
FastStream application that uvicorn serves (``python -m services.<name>``). HTTP (health,
metrics) answers at once; then the service waits for its broker and database
(:mod:`shared.lifecycle`), prepares the database (indexes, handlers), starts its subscribers,
declares the dead-letter queues and starts the relay and background jobs. SIGTERM reverses it
within a bound: every consumer stops at once, in-flight messages finish, owed events go out,
the broker and the database are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Generic, Protocol, TypeVar
from uuid import uuid4

import prometheus_client
import structlog
import uvicorn
from aiormq.exceptions import AMQPError, ChannelInvalidStateError
from faststream import AckPolicy
from faststream.asgi import AsgiResponse, get
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.access.guard import QueryGuard
from shared.access.keys import KeyProblem, KeySet
from shared.faststream_adapter import DeferredBrokerStart
from shared.http import json_response
from shared.lifecycle import STOP_MARGIN, Lifecycle, exit_after
from shared.logging import configure_logging
from shared.messaging.client import login
from shared.messaging.consumers import subscribe, subscribe_unrouted
from shared.messaging.frames import coalesce_frames
from shared.messaging.publisher import Publisher
from shared.messaging.routing import Routing
from shared.messaging.settlement import Settlement
from shared.messaging.topology import Topology
from shared.metrics import Metrics
from shared.ports import listening, on_its_own_port
from shared.service import Service
from shared.settings import ServiceSettings
from shared.storage.mongo import CommandCounter, Document
from shared.storage.outbox import OutboxRelay
from shared.tracing import configure_tracing, flush_tracing, trace_messages

log = structlog.get_logger(__name__)

VERSION = "0.1.0"
RECONNECT_SECONDS = 1.0
"""After a broker outage, how soon the connection is tried again (aio-pika's default is 5 s)."""

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
    metrics: Metrics = field(default_factory=lambda: Metrics(prometheus_client.CollectorRegistry()))
    """The process's ``/metrics``: a service's set-up adds its own business figures."""
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
        assert self.db is not None, "the database is connected before the set-up runs"
        return self.db

    @property
    def outbox(self) -> OutboxRelay:
        assert self.relay is not None, "the relay is made before the set-up runs"
        return self.relay


class OmsApp(DeferredBrokerStart):
    """The service's ASGI application; it knows its :class:`Runtime`, and answers unknown
    paths with a JSON 404."""

    runtime: Runtime[Any]

    lifecycle: Lifecycle

    routing: Routing

    async def start_broker(self) -> None:
        """FastStream starts the broker right after the lifespan, while HTTP already answers:
        first wait for the broker and the database, and prepare the database."""
        if not await self.lifecycle.start():
            return
        try:
            await super().start_broker()
        except (AMQPError, ChannelInvalidStateError, ConnectionError) as error:
            self.runtime.fatal(f"the broker went away while consumers started: {error!r}")

    metrics_port: int | None = None
    """When set, ``/metrics`` answers on this port only, and nothing else does."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not on_its_own_port(scope, self.metrics_port):
            await self.not_found(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def not_found(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().not_found(scope, receive, send)
            return
        path = scope.get("path", "")
        await json_response(404, {"error": "not_found", "path": path})(scope, receive, send)


def build_app(service: Service[H, S], settings: S | None = None) -> OmsApp:
    coalesce_frames()
    settings = settings if settings is not None else service.settings()
    configure_logging(service.name, fmt=settings.log_format, level=settings.log_level)
    configure_tracing(service.name)
    routing = Routing(service.name, service.commands_queue, service.routes())
    settlement = Settlement(
        service=service.name,
        routing=routing,
        retry_backoff=settings.retry_backoff_seconds,
        concurrency=settings.prefetch,
    )
    registry = prometheus_client.CollectorRegistry()
    metrics = settlement.metrics = Metrics(registry)
    broker = RabbitBroker(
        settings.amqp_url,
        default_channel=Channel(prefetch_count=settings.prefetch, publisher_confirms=True),
        middlewares=[
            settlement,
            RabbitPrometheusMiddleware(registry=registry, app_name=service.name),
            trace_messages(RabbitTelemetryMiddleware()),
        ],
        ack_policy=AckPolicy.MANUAL,
        graceful_timeout=settings.graceful_timeout,
        reconnect_interval=RECONNECT_SECONDS,
        app_id=f"oms-{service.name}",
        logger=None,
        description=service.description,
        # FastStream's public switch: consumers take only what the decoder makes (the message
        # and its route), so injection would resolve nothing, and it cost 40-50 us CPU per
        # delivery (9 % of an event's handling, BENCHMARKS.md).
        apply_types=False,
    )
    publisher = Publisher(broker, user=login(settings.amqp_url))
    settlement.bind(publisher)
    owner = f"{service.name}@{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
    runtime = Runtime(
        name=service.name,
        settings=settings,
        broker=broker,
        publisher=publisher,
        owner=owner,
        metrics=metrics,
    )
    runtime.db_commands = commands = CommandCounter(registry)
    topology = Topology(settings.queue_type, settings.delivery_limit)
    lifecycle = Lifecycle(service, runtime, settlement, topology, [commands])
    keys = KeySet.from_setting(settings.query_keys, production=settings.environment == "production")
    guard = QueryGuard(service.name, keys, service.query_access, registry)
    subscribe(broker, topology, settlement, lambda: lifecycle.handlers[0])
    subscribe_unrouted(broker, topology, settlement, registry)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        # Nothing here waits: uvicorn answers /health/* once the lifespan yields, and
        # OmsApp.start_broker waits for the broker and the database meanwhile.
        try:
            yield
        finally:
            await lifecycle.close()

    app = OmsApp(
        broker,
        lifespan=lifespan,
        after_startup=[lifecycle.started],
        on_shutdown=[lifecycle.stop],
        asgi_routes=[
            ("/health/live", _live),
            ("/health/ready", _readiness(lifecycle)),
            ("/metrics", metrics.asgi()),
            ("/docs/asyncapi", _asyncapi(service)),
            *guard.wrap(list(service.queries(runtime))),
        ],
        logger=None,
    )
    app.runtime, app.lifecycle, app.routing = runtime, lifecycle, routing
    app.metrics_port = settings.metrics_port
    return app


@get
async def _live() -> AsgiResponse:
    return json_response(200, {"status": "alive"})


def _readiness(lifecycle: Lifecycle) -> Any:
    @get
    async def ready() -> AsgiResponse:
        status, body = await lifecycle.readiness()
        return json_response(status, body)

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

    lifecycle: Lifecycle | None = None
    stop_bound: float = 25.0

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
            return
        if not self.should_exit and self.lifecycle is not None:
            # Consumers stop now rather than after uvicorn closed its HTTP connections, and
            # the process ends within its bound whatever hangs.
            self.lifecycle.begin_stop()
            exit_after(self.stop_bound - 0.5)
        self.should_exit = True


def main(service: Service[Any, Any]) -> None:
    """``python -m services.<name>``: run the service with settings from the environment."""
    settings = service.settings()
    try:
        app = build_app(service, settings)
    except KeyProblem as problem:  # a setting, not a bug: one line, no stack trace
        log.error("service_failed", reason=str(problem))
        sys.exit(3)
    serve(app, settings, default_port=service.entry.port)


def serve(app: OmsApp, settings: ServiceSettings, *, default_port: int) -> None:
    """Run one service process; SIGTERM or SIGINT shut it down gracefully (exit 0) within
    ``OMS_GRACEFUL_TIMEOUT`` + 5 s.

    Exits 3 when the service cannot start: broker or database still unreachable after
    ``OMS_STARTUP_WAIT_SECONDS``, credentials refused, queues that cannot be declared, so that
    an orchestrator restarts it.
    """
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port or default_port,
            log_config=None,
            access_log=False,
            # HTTP serves probes and short queries; the stop's time goes to messages.
            timeout_graceful_shutdown=2,
            lifespan="on",
        )
    )
    server.lifecycle = app.lifecycle
    server.stop_bound = settings.graceful_timeout + STOP_MARGIN
    app.runtime.on_fatal = lambda: setattr(server, "should_exit", True)
    sockets = None
    if settings.metrics_port is not None:  # Prometheus's port beside the queries' one
        metrics = listening(settings.http_host, settings.metrics_port)
        sockets = [server.config.bind_socket(), metrics]
    server.run(sockets=sockets)
    if not server.started or app.runtime.failed:
        sys.exit(3)
    if app.runtime.stopping:
        end_now()


def end_now() -> None:
    """After a graceful stop, exit 0 without the interpreter's teardown: the broker and the
    database are closed, and what is still buffered (spans, logs) is written first. Freeing
    every module and object one by one cost about 0.5 s of CPU at each stop, more on a busy
    machine, and keeps nothing."""
    flush_tracing()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)
