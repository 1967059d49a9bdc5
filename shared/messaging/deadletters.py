"""Dead letters: the headers that say why a message was set aside, reading them, and replay.

A dead letter sits in ``<queue>.dlq``. Whoever gave up on a message (a service's settlement,
the back office's views) put the reason in its headers (:func:`failure_headers`); the broker,
when a quorum queue's delivery limit ran out, puts its own ``x-death``. Replay publishes the
message again to its original exchange and routing key with a new message id (in the AMQP
property and the body) and headers that remember: ``x-oms-replay-of`` (the dead letter's
message id), ``x-oms-first-failed-at``, ``x-oms-failures`` (failures before this replay) and
``x-oms-history`` (JSON: each earlier failure). The services keep a message's headers when they
dead-letter it, so a replayed message that fails again comes back with its whole history.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from aiormq.exceptions import ChannelNotFoundEntity

from shared import names
from shared.contracts.base import utcnow
from shared.messaging.client import JSON, connect, login

REASON = "x-oms-reason"
DETAIL = "x-oms-detail"
SERVICE = "x-oms-service"
QUEUE = "x-oms-queue"
ORIGINAL_EXCHANGE = "x-oms-original-exchange"
ORIGINAL_ROUTING_KEY = "x-oms-original-routing-key"
DEAD_LETTERED_AT = "x-oms-dead-lettered-at"
REPLAY_OF = "x-oms-replay-of"
FIRST_FAILED = "x-oms-first-failed-at"
FAILURES = "x-oms-failures"
HISTORY = "x-oms-history"
FAILURE_HEADERS = (
    REASON,
    DETAIL,
    SERVICE,
    QUEUE,
    ORIGINAL_EXCHANGE,
    ORIGINAL_ROUTING_KEY,
    DEAD_LETTERED_AT,
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
)
"""Headers of one failure, which a replay does not carry (its history does)."""


def failure_headers(
    *, reason: str, detail: str, service: str, queue: str, exchange: str, routing_key: str
) -> dict[str, str]:
    """Why a message is being set aside, by whom, from where: what :class:`DeadLetter` reads."""
    return {
        REASON: reason,
        DETAIL: detail[:2000],
        SERVICE: service,
        QUEUE: queue,
        ORIGINAL_EXCHANGE: exchange,
        ORIGINAL_ROUTING_KEY: routing_key,
        DEAD_LETTERED_AT: utcnow().isoformat(),
    }


@dataclass(frozen=True)
class DeadLetter:
    """One message of a dead-letter queue, read from its headers."""

    message_id: str | None
    routing_key: str
    exchange: str
    reason: str
    detail: str
    first_failed_at: str | None
    last_failed_at: str | None
    failures: int
    history: list[dict[str, Any]]
    replay_of: str | None
    headers: dict[str, Any]
    body: str
    type: str | None
    correlation_id: str | None

    @classmethod
    def read(cls, message: AbstractIncomingMessage) -> DeadLetter:
        headers = {key: _plain(value) for key, value in (message.headers or {}).items()}
        death = _first_death(headers)
        last = headers.get(DEAD_LETTERED_AT) or _text(death.get("time"))
        earlier = int(headers.get(FAILURES) or 0)
        return cls(
            message_id=message.message_id,
            routing_key=str(
                headers.get(ORIGINAL_ROUTING_KEY)
                or (death.get("routing-keys") or [message.routing_key or ""])[0]
            ),
            exchange=str(headers.get(ORIGINAL_EXCHANGE) or death.get("exchange") or ""),
            reason=str(headers.get(REASON) or death.get("reason") or "unknown"),
            detail=str(headers.get(DETAIL) or ""),
            first_failed_at=headers.get(FIRST_FAILED) or last,
            last_failed_at=last,
            failures=earlier + max(int(death.get("count") or 1), 1),
            history=_history(headers),
            replay_of=headers.get(REPLAY_OF),
            headers=headers,
            body=message.body.decode(errors="replace"),
            type=message.type,
            correlation_id=message.correlation_id,
        )

    def summary(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "routing_key": self.routing_key,
            "reason": self.reason,
            "first_failed_at": self.first_failed_at,
            "last_failed_at": self.last_failed_at,
            "failures": self.failures,
            "replay_of": self.replay_of,
            "detail": self.detail,
        }

    def replayed(self, body: str | None, user: str) -> aio_pika.Message:
        """This message once more, under a new id that links to this one."""
        new_id = str(uuid4())
        headers = {k: v for k, v in self.headers.items() if k not in FAILURE_HEADERS}
        failure = {
            "message_id": self.message_id,
            "at": self.last_failed_at,
            "reason": self.reason,
            "detail": self.detail[:500],
        }
        headers |= {
            REPLAY_OF: self.message_id or "",
            FIRST_FAILED: self.first_failed_at or "",
            FAILURES: self.failures,
            HISTORY: json.dumps([*self.history, failure]),
        }
        return aio_pika.Message(
            _with_message_id(body if body is not None else self.body, new_id).encode(),
            content_type=JSON,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=new_id,
            correlation_id=self.correlation_id,
            type=self.type,
            headers=headers,
            user_id=user,
        )


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _first_death(headers: dict[str, Any]) -> dict[str, Any]:
    deaths = headers.get("x-death")
    return deaths[0] if isinstance(deaths, list) and deaths else {}


def _history(headers: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        history = json.loads(headers.get(HISTORY) or "[]")
    except ValueError:
        return []
    return history if isinstance(history, list) else []


def _with_message_id(body: str, message_id: str) -> str:
    """The body with its ``message_id`` replaced (consumers apply a message id once)."""
    try:
        value = json.loads(body)
    except ValueError:
        return body
    if isinstance(value, dict) and "message_id" in value:
        value["message_id"] = message_id
        return json.dumps(value)
    return body


class NoSuchQueue(LookupError):
    """No dead-letter queue of that name."""


class DeadLetters:
    """The dead-letter queues as an operator's tool sees them, over one short connection per
    call: how many wait where, peek, replay, purge."""

    def __init__(self, amqp_url: str, *, name: str, timeout: float) -> None:
        self.amqp_url, self.name, self.timeout = amqp_url, name, timeout

    @asynccontextmanager
    async def _channel(self) -> AsyncIterator[AbstractChannel]:
        connection = await connect(self.amqp_url, self.name, self.timeout)
        async with connection:
            yield await connection.channel(publisher_confirms=True)

    async def counts(self, queues: Iterable[str]) -> list[dict[str, Any]]:
        """How many dead letters wait in each of ``queues``' ``.dlq`` (those that exist)."""
        found = []
        connection = await connect(self.amqp_url, self.name, self.timeout)
        async with connection:
            for queue in queues:
                # A passive declare of a queue that does not exist closes its channel.
                async with connection.channel() as probe:
                    try:
                        dlq = await probe.declare_queue(
                            names.dead_letter_queue(queue), passive=True
                        )
                    except ChannelNotFoundEntity:
                        continue
                    found.append(
                        {"queue": queue, "dead_letters": dlq.declaration_result.message_count or 0}
                    )
        return found

    async def peek(self, queue: str, limit: int) -> list[DeadLetter]:
        """The dead letters of ``queue``, oldest first, left where they are."""
        async with self._channel() as channel:
            return [letter for _, letter in await _take(channel, queue, limit)]

    async def replay(
        self, queue: str, message_ids: set[str] | None, body: str | None
    ) -> list[dict[str, Any]]:
        """Publish the chosen dead letters (all when ``message_ids`` is None) again, each
        removed from the dead-letter queue once the broker confirmed its replay."""
        done = []
        async with self._channel() as channel:
            for message, letter in await _take(channel, queue, 10_000):
                if message_ids is not None and letter.message_id not in message_ids:
                    continue
                replayed = letter.replayed(body, login(self.amqp_url))
                exchange = await channel.get_exchange(letter.exchange or names.EVENTS, ensure=False)
                await exchange.publish(replayed, routing_key=letter.routing_key)
                await message.ack()
                done.append(
                    {
                        "replay_of": letter.message_id,
                        "message_id": replayed.message_id,
                        "exchange": letter.exchange,
                        "routing_key": letter.routing_key,
                    }
                )
        return done

    async def purge(self, queue: str, message_ids: set[str] | None) -> list[dict[str, Any]]:
        """Remove the chosen dead letters (all when ``message_ids`` is None) for good."""
        removed = []
        async with self._channel() as channel:
            for message, letter in await _take(channel, queue, 10_000):
                if message_ids is None or letter.message_id in message_ids:
                    await message.ack()
                    removed.append(letter.summary())
        return removed


async def _take(
    channel: AbstractChannel, queue: str, limit: int
) -> list[tuple[AbstractIncomingMessage, DeadLetter]]:
    """Up to ``limit`` dead letters, held unacknowledged: the caller acks the ones it is done
    with; closing the channel gives the others back."""
    try:
        dlq = await channel.declare_queue(names.dead_letter_queue(queue), passive=True)
    except ChannelNotFoundEntity as error:
        raise NoSuchQueue(queue) from error
    held: list[tuple[AbstractIncomingMessage, DeadLetter]] = []
    while len(held) < limit and (message := await dlq.get(no_ack=False, fail=False)):
        held.append((message, DeadLetter.read(message)))
    return held
