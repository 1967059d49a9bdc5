"""A service's life at its edges: it waits for late dependencies, says why it is not ready, and
stops within its bound.

- Start: the broker and the database are tried with capped exponential backoff for up to
  ``OMS_STARTUP_WAIT_SECONDS``, each wait logged; meanwhile ``/health/ready`` answers 503 and
  names what is missing. A dependency that never comes ends the process with status 3 and one
  log line, never a stack trace; a login that is refused ends it at once.
- Readiness: every probe asks again (no cache), with short timeouts and on a database
  connection of its own, so that a backlog of messages does not delay the answer.
- Stop: every consumer stops taking deliveries at once; what waits for a turn (a slot, its
  entity's, a busy record's inside its handler) goes back to its queue at once; jobs and the
  relay's poller stop beside the rest; in-flight messages get ``OMS_GRACEFUL_TIMEOUT`` s to
  finish; what cannot finish is nacked back to its queue; the relay publishes what is owed and
  records it. Those last two share ``AFTER_GRACEFUL`` s, counted from the signal, so that
  under load a service exits at most about ``OMS_GRACEFUL_TIMEOUT`` + 2 s after SIGTERM (5 s
  by default), and within ``OMS_GRACEFUL_TIMEOUT`` + 5 s even if something hangs. The
  ``consumers_stopped`` log line says where the time went (``phases``).
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import structlog
from aiormq.exceptions import (
    AMQPError,
    AuthenticationError,
    ChannelInvalidStateError,
    ConnectionNotAllowed,
    ProbableAuthenticationError,
)
from faststream.rabbit import RabbitBroker
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import ConnectionFailure, OperationFailure

from shared import names
from shared.messaging.settlement import Settlement
from shared.messaging.topology import DEAD_LETTERS, Topology, declare_commands_exchange
from shared.settings import STOP_MARGIN_SECONDS
from shared.storage.mongo import Document, connect, database
from shared.storage.outbox import OutboxRelay, create_outbox_index

if TYPE_CHECKING:
    from shared.runtime import Runtime
    from shared.service import Service

log = structlog.get_logger(__name__)

FIRST_DELAY = 0.25
MAX_DELAY = 3.0
PROBE_TIMEOUT = 1.5
"""Each readiness check answers within this, so a probe answers within 2 s."""
STOP_MARGIN = STOP_MARGIN_SECONDS
OWED_EVENTS_TIMEOUT = 1.5
"""After in-flight messages: the relay's publications under way, and the jobs, get this."""
AFTER_GRACEFUL = 1.5
"""Seconds, counted from the signal, past ``OMS_GRACEFUL_TIMEOUT``: giving back what is still in
hand and publishing what is owed share them, however late the in-flight messages ended."""
CLOSE_TIMEOUT = 0.5
"""Each database client gets this to close (they close at once); then the process exits."""

REFUSED: tuple[type[BaseException], ...] = (
    AuthenticationError,
    ProbableAuthenticationError,
    ConnectionNotAllowed,
)
"""Not late but wrong (credentials, virtual host): waiting would not help."""


class GaveUp(Exception):
    """A dependency did not answer in time, or refused us: the process exits with status 3."""


class Waiting:
    """What a starting service still waits for, and until when."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.missing: set[str] = set()

    async def until(
        self,
        dependency: str,
        attempt: Callable[[], Awaitable[Any]],
        *,
        retry_on: tuple[type[BaseException], ...],
        attempt_timeout: float | None = None,
    ) -> Any:
        """Run ``attempt`` until it succeeds, backing off between failures."""
        delay, began = FIRST_DELAY, time.monotonic()
        transient: tuple[type[BaseException], ...] = (*retry_on, TimeoutError, OSError)
        while True:
            try:
                async with asyncio.timeout(attempt_timeout):
                    result = await attempt()
            except REFUSED as error:
                raise GaveUp(f"the {dependency} refused us: {error}") from None
            except transient as error:
                self.missing.add(dependency)
                if time.monotonic() + delay > self.deadline:
                    msg = f"the {dependency} did not answer within {self.seconds:g} s: {error!r}"
                    raise GaveUp(msg) from None
                log.warning(
                    "waiting_for_dependency",
                    dependency=dependency,
                    error=repr(error),
                    retry_in=delay,
                    waited=round(time.monotonic() - began, 1),
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
            else:
                if dependency in self.missing:
                    self.missing.discard(dependency)
                    log.info(
                        "dependency_ready",
                        dependency=dependency,
                        waited=round(time.monotonic() - began, 1),
                    )
                return result


async def database_answers(client: AsyncMongoClient[Any]) -> bool:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            await client.admin.command("ping")
    except (TimeoutError, ConnectionFailure, OperationFailure):
        return False
    return True


class Stopwatch:
    """Durations of the phases of a start-up, for its log line and BENCHMARKS.md."""

    def __init__(self) -> None:
        self.began = self.last = time.monotonic()
        self.phases: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.phases[phase] = round(now - self.last, 3)
        self.last = now

    @property
    def total(self) -> float:
        return round(time.monotonic() - self.began, 3)


def exit_after(seconds: float) -> None:
    """The bound holds even if something hangs: after ``seconds`` the process ends. Nothing is
    lost by it: unacknowledged messages go back to their queues when the connection drops, and
    unpublished events stay in the outbox for the relay of another process."""

    def force() -> None:
        log.error("stop_forced", after_seconds=seconds)
        os._exit(0)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()


class Lifecycle:
    """Start-up, readiness and stop of one service process (:func:`shared.runtime.build_app`)."""

    def __init__(
        self,
        service: Service[Any, Any],
        runtime: Runtime[Any],
        settlement: Settlement,
        topology: Topology,
        listeners: list[monitoring.CommandListener],
    ) -> None:
        self.service = service
        self.runtime = runtime
        self.settlement = settlement
        self.topology = topology
        self.listeners = listeners
        self.handlers: list[Any] = []
        """The service's handlers object, once its set-up made it."""
        self.waiting = Waiting(runtime.settings.startup_wait_seconds)
        self.clock = Stopwatch()
        self.health: AsyncMongoClient[Document] | None = None
        self.prepared = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._stopped_at: float | None = None
        self._signalled: float | None = None

    # --- start -----------------------------------------------------------------------------

    async def start(self) -> bool:
        """Wait for the broker and the database, then prepare the database. Run before the
        broker starts its subscribers; False when the service gives up (it then exits 3)."""
        self.loop = asyncio.get_running_loop()
        runtime, settings = self.runtime, self.runtime.settings
        try:
            connection = await self.waiting.until(
                "broker", runtime.broker.connect, retry_on=(AMQPError,), attempt_timeout=10
            )
            await self.waiting.until(
                "broker",
                lambda: declare_commands_exchange(connection),
                retry_on=(AMQPError, ChannelInvalidStateError),
                attempt_timeout=10,
            )
            self.clock.lap("broker")
            name = f"oms-{self.service.name}"
            runtime.client = connect(settings.mongodb_url, app_name=name, listeners=self.listeners)
            # Probes ask on connections of their own: a backlog does not queue them.
            self.health = connect(settings.mongodb_url, app_name=f"{name}-health")
            runtime.db = database(runtime.client, runtime.database_name)
            await self.waiting.until(
                "database", self._prepare_database, retry_on=(ConnectionFailure,)
            )
            self.clock.lap("database")
        except GaveUp as error:
            runtime.fatal(str(error))
            return False
        self.prepared = True
        self._watchdog = asyncio.create_task(self._consumers_watchdog())
        return True

    async def _prepare_database(self) -> None:
        runtime, settings = self.runtime, self.runtime.settings
        db = runtime.database
        async with asyncio.timeout(2 * PROBE_TIMEOUT):
            await db.command("ping")
        runtime.relay = OutboxRelay(
            db,
            self.service.outbox_collections,
            runtime.publisher.publish_entry,
            owner=runtime.owner,
            lease_seconds=settings.outbox_lease_seconds,
            poll_seconds=settings.outbox_poll_seconds,
            idle_poll_seconds=settings.outbox_idle_poll_seconds,
            answer=runtime.publisher.answer,
        )
        for name in self.service.outbox_collections:
            await create_outbox_index(db, name)
        runtime.metrics.watch_outbox(db, self.service.outbox_collections)
        runtime.jobs.clear()  # a set-up that failed half-way is done again
        self.handlers[:] = [await self.service.setup(runtime)]

    async def started(self) -> None:
        """After the subscribers started: dead-letter queues, relay, jobs; now ready."""
        runtime = self.runtime
        if not self.prepared or runtime.failed:
            return
        self.clock.lap("subscribers")
        queues = {route.queue for route in self.service.routes()} | {names.UNROUTED_COMMANDS}
        await _declare_dead_letter_queues(runtime.broker, self.topology, queues)
        await runtime.outbox.start()
        for job in runtime.jobs:
            job.start()
        self.clock.lap("dead_letter_queues_relay_jobs")
        if self._watchdog is not None:
            self._watchdog.cancel()
        runtime.started.set()
        log.info(
            "service_started",
            http_port=runtime.settings.http_port,
            database=runtime.database_name,
            startup_seconds=self.clock.total,
            phases=self.clock.phases,
        )

    async def _consumers_watchdog(self) -> None:
        """Once the broker and database answer, consumers must run within
        ``OMS_STARTUP_TIMEOUT_SECONDS``; a process that cannot start them exits 3."""
        timeout = self.runtime.settings.startup_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                await self.runtime.started.wait()
        except TimeoutError:
            self.runtime.fatal(f"consumers did not start within {timeout:g} s; see above")

    # --- readiness -------------------------------------------------------------------------

    async def readiness(self) -> tuple[int, dict[str, Any]]:
        """Asked afresh at every probe: broker connected, database answering, consumers up."""
        runtime = self.runtime
        broker, db = await asyncio.gather(
            runtime.broker.ping(timeout=0.5),
            database_answers(self.health) if self.health is not None else _false(),
        )
        checks = {"broker": broker, "database": db, "consumers": runtime.started.is_set()}
        missing = [name for name, ok in checks.items() if not ok]
        if runtime.stopping:
            return 503, {"status": "stopping", **checks}
        if missing:
            return 503, {"status": "not_ready", "waiting_for": missing, **checks}
        return 200, {"status": "ready", **checks}

    # --- stop ------------------------------------------------------------------------------

    def begin_stop(self) -> None:
        """On SIGTERM, from the signal handler: start stopping at once."""
        self._signalled = time.monotonic()
        if self.loop is not None:
            # A context of its own: the signal may come while a delivery's runs (its log
            # fields, its turns), which the stop must not take along.
            self.loop.call_soon_threadsafe(self._begin, context=contextvars.Context())

    def _begin(self) -> None:
        if self._stop is None:
            self._stop = asyncio.create_task(self._stopping(), name="graceful-stop")

    async def stop(self) -> None:
        """Stop consuming, let in-flight messages finish, publish what is owed (idempotent)."""
        self._begin()
        assert self._stop is not None
        await self._stop

    async def _stopping(self) -> None:
        runtime, settlement = self.runtime, self.settlement
        runtime.stopping = True
        settlement.stopping.set()  # a delivery that failed goes back to its queue at once
        began = self._stopped_at = time.monotonic()
        clock = Stopwatch()
        graceful = runtime.settings.graceful_timeout
        # The budget counts from the signal (the stop may begin a little after it).
        signalled = began if self._signalled is None else self._signalled
        in_hand_until = signalled + graceful
        done_by = in_hand_until + AFTER_GRACEFUL
        log.info(
            "service_stopping",
            in_flight=len(settlement.in_flight),
            waiting=len(settlement.waiting),
            after_signal=None if self._signalled is None else round(began - self._signalled, 3),
        )
        if self._watchdog is not None:
            self._watchdog.cancel()
        # Work besides the deliveries in hand stops now, beside them rather than after them:
        # the jobs end (their leases released), the poll loop claims nothing more; the fast
        # path still publishes what the handlers in hand store, and the records of what is
        # published go out at once.
        jobs = [
            asyncio.create_task(_timed(clock, "jobs", _bounded(job.stop(), graceful)))
            for job in runtime.jobs
        ]
        if runtime.relay is not None:
            runtime.relay.stop_polling()
            runtime.relay.hurry()
        # Every subscriber at once: none handles a new delivery from now on (what arrives
        # stays unacknowledged and goes back to its queue when the channel closes); each
        # waits (up to the broker's graceful timeout) for what it has in hand, then cancels
        # its consumer.
        stops = [
            # FastStream's own wait ends then; cancelling the consumer is one round trip more.
            asyncio.create_task(_bounded(sub.stop(), _left(in_hand_until) + 0.3))
            for sub in runtime.broker.subscribers
        ]
        await asyncio.sleep(0)  # every subscriber has stopped taking deliveries
        # What has not started yet goes back at once; what has, gets the graceful time.
        await settlement.give_back(waiting_only=True)
        in_hand = len(settlement.in_flight)
        await asyncio.gather(*stops)
        clock.lap("in_hand")
        if left := len(settlement.in_flight):
            log.warning("stop_giving_back", messages=left)
            # Cancelled, a delivery is nacked at once; a third of what is left at most.
            await settlement.give_back(timeout=min(1.0, _left(done_by) / 3))
            clock.lap("given_back")
        # The rest fits in the margin even when the database does not answer: what they do
        # not finish stays in the outbox, or in a lease that runs out.
        owed: list[Awaitable[None]] = [_bounded(asyncio.gather(*jobs), _left(done_by))]
        if runtime.relay is not None:
            owing = min(OWED_EVENTS_TIMEOUT, _left(done_by))
            relay = runtime.relay.stop(timeout=owing)
            owed.append(_timed(clock, "relay", _bounded(relay, owing + 0.2)))
        await asyncio.gather(*owed)
        clock.lap("owed")
        log.info(
            "consumers_stopped",
            seconds=round(time.monotonic() - began, 3),
            in_hand=in_hand,
            phases=clock.phases,
        )

    async def close(self) -> None:
        """Last: close the database clients (FastStream closes the broker before)."""
        clients = [c for c in (self.runtime.client, self.health) if c is not None]
        await asyncio.gather(*(_bounded(client.close(), CLOSE_TIMEOUT) for client in clients))
        if self._watchdog is not None:
            self._watchdog.cancel()
        took = None if self._stopped_at is None else round(time.monotonic() - self._stopped_at, 3)
        log.info("service_stopped", stop_seconds=took)


def _left(until: float, least: float = 0.1) -> float:
    """Seconds until ``until`` (monotonic), at least ``least``: a step cut short by the budget
    still gets a moment to end cleanly."""
    return max(until - time.monotonic(), least)


async def _false() -> bool:
    return False


async def _timed(clock: Stopwatch, step: str, work: Awaitable[None]) -> None:
    """Run ``work``; when it ended, in seconds from the start of the stop, is one of the stop's
    phases (``<step>_ended``: the last, when several share the name)."""
    await work
    ended = round(time.monotonic() - clock.began, 3)
    clock.phases[f"{step}_ended"] = max(ended, clock.phases.get(f"{step}_ended", 0.0))


async def _bounded(step: Awaitable[Any], seconds: float) -> None:
    """A step of stopping that may not hold up the rest (its failure is only logged)."""
    try:
        async with asyncio.timeout(seconds):
            await step
    except Exception as error:
        log.warning("stop_step_failed", error=repr(error))


async def _declare_dead_letter_queues(
    broker: RabbitBroker, topology: Topology, queues: set[str]
) -> None:
    exchange = await broker.declare_exchange(DEAD_LETTERS)
    for name in sorted(queues):
        queue = await broker.declare_queue(topology.dead_letter_queue(name))
        await queue.bind(exchange, routing_key=name)
