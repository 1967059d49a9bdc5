"""Every delivery ends in exactly one of: ack, answer-and-ack, retry later, or dead letter.

This broker middleware runs around every subscriber (their ack policy is ``MANUAL``):

- handled: ack;
- a business rule refused a command (:class:`~shared.domain.DomainError`): publish
  ``<service>.command_rejected`` (and answer ``reply_to``), then ack;
- a command that is not JSON or not its contract: answer ``invalid_message`` naming what is
  wrong, then ack (the sender's mistake, told to the sender: no dead letter);
- an event that is not JSON or not its contract, or a message no handler takes: dead-letter
  with the reason in the headers, log it with its ids, answer it if it was a command, then ack,
  so the queue moves on;
- a command addressed to no service (it came through ``oms.unrouted``): dead-lettered and
  answered with reason ``unknown_command``, for the service it names or else for ``oms``;
- an infrastructure hiccup (database unreachable, write conflict after retries): wait, then
  requeue; quorum queues dead-letter after ``x-delivery-limit`` attempts;
- anything else (a bug): dead-letter with the exception, so that nothing is lost or looping.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from types import TracebackType
from typing import Any
from uuid import UUID, uuid4

import structlog
from aio_pika.abc import AbstractIncomingMessage
from aio_pika.exceptions import AMQPError
from faststream import BaseMiddleware, ContextRepo
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure, ExecutionTimeout, WTimeoutError

from shared import names
from shared.concurrency import KeyedLocks, on_ordering_turn, on_turn_waits
from shared.contracts.base import CommandRejected, Message
from shared.domain import DomainError
from shared.messaging.deadletters import failure_headers
from shared.messaging.publisher import Publisher
from shared.messaging.routing import Routed, Routing
from shared.metrics import Metrics
from shared.registry import SERVICES
from shared.storage.aggregates import ConcurrencyConflict

log = structlog.get_logger(__name__)

TRANSIENT: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    ExecutionTimeout,
    WTimeoutError,
    ConcurrencyConflict,
    AMQPError,
    TimeoutError,
)
UNREADABLE: tuple[type[BaseException], ...] = (
    json.JSONDecodeError,
    UnicodeDecodeError,
)


class UnknownCommand(Exception):
    """A command whose routing key no service's queue is bound to: the sender's typo."""

    def __init__(self, routing_key: str) -> None:
        services = ", ".join(service.name for service in SERVICES)
        super().__init__(
            f"no service takes the command {routing_key!r}: commands are <service>.<verb>, "
            f"and the services are {services}"
        )
        prefix = routing_key.split(".", 1)[0]
        self.answered_for = prefix if prefix in {s.name for s in SERVICES} else names.SYSTEM


class NoHandler(Exception):
    """No route of the queue's service takes this routing key: an unknown message type."""

    def __init__(self, routing_key: str) -> None:
        super().__init__(f"no handler takes {routing_key!r} on this queue")


class InvalidMessage(Exception):
    """The body does not match the contract of its routing key: the sender's mistake."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(describe(error))
        self.error = error


def business_ids(body: bytes, contract: type[Message] | None) -> dict[str, str]:
    """The business ids a message carries at its top level, for logs and ordering."""
    if contract is None:
        return {}
    try:
        fields = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(fields, dict):
        return {}
    keys = contract.business_keys()
    return {name: value for name in keys if isinstance(value := fields.get(name), str)}


def ordering_key(contract: type[Message] | None, ids: dict[str, str], queue: str) -> str | None:
    """The business entity a message is about (``order_id=PO-1``...), if its contract says.

    A message that lacks the id its contract orders by (unreadable, or not the contract) is
    about nothing in particular: such messages take their turns on their queue's own key, so
    that they are dead-lettered in the order they came.
    """
    name = contract.ordering_key if contract is not None else None
    if name is None:
        return None
    return f"{name}={ids[name]}" if name in ids else f"queue={queue}"


class Settlement:
    """Broker middleware factory: one :class:`_Settle` per delivery.

    Deliveries about the same business entity (same ``order_id``, ...) are handled one after
    the other, in the order they arrived, within this process: a caller that sends "create"
    and "submit" back to back sees them applied in that order. (Across replicas there is no
    order; handlers stay correct through versions and idempotency.)
    """

    def __init__(
        self,
        *,
        service: str,
        routing: Routing,
        retry_backoff: float = 1.0,
        concurrency: int = 32,
    ) -> None:
        self.service = service
        self.routing = routing
        self._routed: ContextVar[Routed] = ContextVar("routed")
        self.metrics: Metrics | None = None
        """Counts dead letters and refusals (set by the runtime)."""
        # RabbitMQ's prefetch counts per consumer, so a process with six queues and a backlog
        # would handle six times OMS_PREFETCH deliveries at once: no faster (the database is
        # the limit) and the event loop, starved, would answer probes only once the backlog
        # is gone. Deliveries beyond this wait for a turn, in arrival order.
        self.slots = asyncio.Semaphore(concurrency)
        self.retry_backoff = retry_backoff
        self.publisher: Publisher | None = None
        self.in_order = KeyedLocks()
        self.in_flight: set[asyncio.Task[Any]] = set()
        """Deliveries in hand, so that a stopping process can wait for them, or give back to
        their queue those that cannot finish in time (:meth:`give_back`)."""
        self.stopping = asyncio.Event()
        """Set when the process stops: a delivery that failed for a passing reason goes back to
        its queue at once rather than after the retry backoff (any replica takes it again)."""
        self.waiting: set[asyncio.Task[Any]] = set()
        """Deliveries in hand not started yet (waiting for a slot or their entity's turn): a
        stopping process gives them back at once."""

    def routed(self) -> Routed:
        """The routing decision for the delivery in hand (made once, when it arrived)."""
        return self._routed.get()

    def bind(self, publisher: Publisher) -> None:
        self.publisher = publisher

    async def finish(self, timeout: float) -> int:
        """Wait up to ``timeout`` s for the deliveries in hand; return how many are left."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=timeout)
        return len(self.in_flight)

    async def give_back(self, timeout: float = 2.0, *, waiting_only: bool = False) -> None:
        """Cancel what is still in hand (or only what has not started): each delivery is
        nacked back to its queue."""
        tasks = set(self.waiting if waiting_only else self.in_flight)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    @contextlib.contextmanager
    def waiting_for_turn(self) -> Iterator[None]:
        """A delivery in hand waits for a turn: like one waiting for its slot, a stopping
        process gives it back to its queue, and one that starts waiting after the stop began
        goes back at once (where the wait begins, it holds nothing)."""
        task = asyncio.current_task()
        if task is None or task not in self.in_flight:  # e.g. a publication it started
            yield
            return
        if self.stopping.is_set():
            task.cancel()
        self.waiting.add(task)
        try:
            yield
        finally:
            self.waiting.discard(task)

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> _Settle:
        return _Settle(msg, context=context, settlement=self)


class _Settle(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: ContextRepo, settlement: Settlement) -> None:
        super().__init__(msg, context=context)
        self.settlement = settlement
        self.turn = contextlib.AsyncExitStack()
        self.queue = ""

    @property
    def raw(self) -> AbstractIncomingMessage:
        assert self.msg is not None, "only deliveries are settled"
        message: AbstractIncomingMessage = self.msg
        return message

    async def on_receive(self) -> None:
        if self.msg is None:  # publishing goes through broker middlewares too
            return
        raw = self.raw
        if (task := asyncio.current_task()) is not None:
            self.settlement.in_flight.add(task)
            task.add_done_callback(self.settlement.in_flight.discard)
        # The one routing decision for this delivery; its consumer asks for it (routed()).
        routed = self.settlement.routing.decide(raw.exchange or "", raw.routing_key or "")
        self.turn.callback(self.settlement._routed.reset, self.settlement._routed.set(routed))
        self.queue = routed.queue
        contract = routed.route.contract if routed.route is not None else None
        ids = business_ids(raw.body, contract)
        structlog.contextvars.bind_contextvars(
            message_id=raw.message_id,
            correlation_id=raw.correlation_id,
            routing_key=raw.routing_key,
            queue=self.queue,
            **ids,
        )
        # These are the delivery's first waits (both first come, first served), so tasks
        # queue for their turn in arrival order.
        waiting = self.settlement.waiting
        if task is not None:
            waiting.add(task)
        try:
            await self.turn.enter_async_context(self.settlement.slots)
            if (key := ordering_key(contract, ids, self.queue)) is not None:
                held = await self.turn.enter_async_context(self.settlement.in_order.hold(key))
                self.turn.callback(on_ordering_turn(held))
            # The handler's own turns (a busy record's, the user directory's) count as
            # waiting too: a stopping process gives the delivery back rather than wait.
            self.turn.callback(on_turn_waits(self.settlement.waiting_for_turn))
        except BaseException:
            await self.turn.aclose()  # cancelled while waiting: give the turn back
            with contextlib.suppress(Exception):
                await raw.nack(requeue=True)  # and the message to its queue
            raise
        finally:
            waiting.discard(task)

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool:
        if self.msg is None:
            return False
        async with self.turn:  # the next delivery about the same entity goes after this one
            if isinstance(exc_val, asyncio.CancelledError):
                # Stopping, and it could not finish in time: back to its queue now (if the
                # channel is already gone, the broker requeues what was never acked).
                with contextlib.suppress(Exception):
                    await self.raw.nack(requeue=True)
                log.warning("message_given_back")
                return False
            try:
                await self._settle(exc_val)
            except Exception:
                # The channel or broker went away mid-settlement: the message stays unacked
                # and the broker redelivers it once we are back.
                log.warning("settlement_failed", exc_info=True)
            return True

    async def _settle(self, error: BaseException | None) -> None:
        raw = self.raw
        if error is None:
            await raw.ack()
        elif isinstance(error, DomainError):
            await self._refuse(error)
        elif isinstance(error, UnknownCommand):
            await self._dead_letter("unknown_command", str(error), error.answered_for)
        elif isinstance(error, TRANSIENT):
            log.warning("message_retry_later", error=repr(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.settlement.stopping.wait(), self.settlement.retry_backoff
                )
            await raw.nack(requeue=True)
        elif isinstance(error, (*UNREADABLE, InvalidMessage, NoHandler)):
            if self._is_command and not isinstance(error, NoHandler):
                await self._refuse_invalid(describe(error))
                return
            reason = "unknown_message_type" if isinstance(error, NoHandler) else "invalid_message"
            await self._dead_letter(reason, describe(error))
        else:
            log.error("handler_failed", exc_info=error)
            await self._dead_letter("handler_failed", f"{type(error).__name__}: {error}")

    async def _refuse_invalid(self, detail: str) -> None:
        """A malformed command is its sender's mistake, and the answer tells the sender (on
        ``oms.events`` and ``reply_to``): nothing is left for an operator, so it is not kept.
        Dead letters hold what an operator must look at: malformed events, unknown commands,
        failures."""
        log.warning("command_invalid", detail=detail)
        await self._answer("invalid_message", detail)
        await self.raw.ack()

    async def _refuse(self, error: DomainError) -> None:
        if self._is_command:
            log.info("command_rejected", reason=error.reason, detail=error.detail)
            await self._answer(error.reason, error.detail)
            await self.raw.ack()
        else:
            await self._dead_letter(error.reason, error.detail)

    async def _dead_letter(self, reason: str, detail: str, answered_for: str | None = None) -> None:
        raw = self.raw
        queue = self.queue
        log.error("message_dead_lettered", reason=reason, detail=detail)
        if self.settlement.metrics is not None:
            self.settlement.metrics.dead_lettered.labels(queue, reason).inc()
        headers: dict[str, object] = {
            **(raw.headers or {}),  # a replayed message's history stays with it
            **failure_headers(
                reason=reason,
                detail=detail,
                service=self.settlement.service,
                queue=queue,
                exchange=raw.exchange or "",
                routing_key=raw.routing_key or "",
            ),
        }
        await self._publisher.publish_raw(
            body=raw.body,
            exchange=names.DEAD_LETTERS,
            routing_key=queue,
            message_id=raw.message_id or str(uuid4()),
            correlation_id=raw.correlation_id,
            message_type=raw.type,
            timestamp=raw.timestamp,
            headers=headers,
            content_type=raw.content_type,
        )
        if self._is_command:
            await self._answer(reason, detail, answered_for)
        await raw.ack()

    async def _answer(self, reason: str, detail: str, answered_for: str | None = None) -> None:
        raw = self.raw
        if self.settlement.metrics is not None:
            self.settlement.metrics.refused.labels(raw.routing_key or "", reason).inc()
        service = answered_for or self.settlement.service
        rejection = CommandRejected(
            command_message_id=_command_id(raw),
            command_type=raw.type or raw.routing_key or "unknown",
            reason=reason,
            detail=detail,
            service=service,
            correlation_id=raw.correlation_id,
            causation_id=_command_id(raw),
        )
        await self._publisher.publish(
            rejection, routing_key=names.command_rejected(service), reply_to=raw.reply_to
        )

    @property
    def _is_command(self) -> bool:
        return self.raw.exchange == names.COMMANDS

    @property
    def _publisher(self) -> Publisher:
        assert self.settlement.publisher is not None, "Settlement.bind() was not called"
        return self.settlement.publisher


def _command_id(raw: AbstractIncomingMessage) -> UUID | None:
    candidates: list[Any] = [raw.message_id]
    try:
        body = json.loads(raw.body)
        if isinstance(body, dict):
            candidates.insert(0, body.get("message_id"))
    except ValueError:
        pass
    for candidate in candidates:
        try:
            return UUID(str(candidate))
        except ValueError:
            continue
    return None


def describe(error: BaseException) -> str:
    """A sentence naming what was wrong with a message, field by field."""
    if isinstance(error, InvalidMessage):
        return str(error)
    if isinstance(error, ValidationError):
        return _validation_errors(error)
    if isinstance(error, json.JSONDecodeError):
        return f"the body is not valid JSON: {error.msg} at position {error.pos}"
    if isinstance(error, UnicodeDecodeError):
        return "the body is not UTF-8 text"
    if isinstance(error, NoHandler):
        return "no handler accepts this routing key on this queue"
    return str(error)


def _validation_errors(error: ValidationError) -> str:
    errors = error.errors(include_url=False)
    if errors and errors[0]["type"] == "json_invalid":
        return f"the body is not valid JSON: {errors[0].get('ctx', {}).get('error', '')}"
    return "; ".join(_field_errors(errors))


def _field_errors(errors: Iterable[Any], limit: int = 10) -> list[str]:
    described = []
    for item in list(errors)[:limit]:
        location = [str(part) for part in item["loc"]]
        described.append(f"{'.'.join(location) or 'body'}: {item['msg']}")
    return described
