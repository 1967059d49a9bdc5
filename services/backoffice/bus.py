"""The back office on the broker, as the RabbitMQ user ``backoffice``: it sends the services'
public commands for the person signed in and waits for their answers on its own reply queue,
and it learns the approval directory from ``approval.user_upserted``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
)
from pydantic import ValidationError

from services.backoffice.domain import refusal_words
from shared import names
from shared.contracts import Command, CommandRejected, Event
from shared.messaging.client import Caller
from shared.messaging.deadletters import failure_headers

log = structlog.get_logger()
CALLER = "backoffice"
TIMEOUT = "timeout"


@dataclass(frozen=True)
class Subscription:
    """Events the back office keeps a view of: on one durable queue of its own (``backoffice.*``),
    each handed to ``learn`` once valid; a bad one is set aside in ``<queue>.dlq``."""

    queue: str
    contracts: Sequence[type[Event]]
    learn: Callable[[Any], Awaitable[None]]
    retired: Sequence[str] = ()
    """Queues of earlier versions whose events this one now takes (see ``Broker.retire``)."""

    def contract(self, routing_key: str) -> type[Event] | None:
        return next((c for c in self.contracts if c.routing_key == routing_key), None)


@dataclass(frozen=True)
class Answer:
    """A command's answer: its success event, or the refusal in words."""

    kind: str
    """The answer's contract (the AMQP ``type``: ``UserUpserted``, ``CommandRejected``), or
    ``timeout`` when none came in time."""
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.kind in {CommandRejected.__name__, TIMEOUT}

    @property
    def words(self) -> str:
        if self.kind == TIMEOUT:
            return refusal_words("timeout", "")
        return refusal_words(str(self.body.get("reason", "")), str(self.body.get("detail", "")))


async def _declared_once(channel: AbstractChannel, name: str) -> AbstractQueue:
    """A durable queue that a robust channel does not declare again when it reconnects."""
    if isinstance(channel, AbstractRobustChannel):
        return await channel.declare_queue(name, durable=True, robust=False)
    return await channel.declare_queue(name, durable=True)


async def _taken(queue: AbstractQueue, most: int) -> list[AbstractIncomingMessage]:
    """Up to ``most`` messages taken from ``queue`` (each to be acknowledged), fewer when it
    runs out."""
    taken: list[AbstractIncomingMessage] = []
    while len(taken) < most and (message := await queue.get(fail=False)) is not None:
        taken.append(message)
    return taken


class Broker:
    def __init__(
        self, amqp_url: str, subscriptions: Sequence[Subscription], *, answer_timeout: float
    ) -> None:
        self.amqp_url, self.answer_timeout = amqp_url, answer_timeout
        self.subscriptions: Mapping[str, Subscription] = {s.queue: s for s in subscriptions}
        self.caller = Caller(amqp_url, name=CALLER, user=CALLER)
        self.waiting_for = "broker: connecting"
        self.retiring: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        channel = await self.caller.open(robust=True)
        await channel.set_qos(prefetch_count=32)
        self.channel = channel
        events = await channel.get_exchange(names.EVENTS, ensure=False)
        for subscription in self.subscriptions.values():
            queue = await channel.declare_queue(subscription.queue, durable=True)
            await channel.declare_queue(names.dead_letter_queue(subscription.queue), durable=True)
            for contract in subscription.contracts:
                await queue.bind(events, routing_key=contract.routing_key)
            await queue.consume(self._consumer(subscription))
            for name in subscription.retired:
                retiring = self._retiring(name, subscription)
                task = asyncio.create_task(retiring, name=f"retire-{name}")
                self.retiring.add(task)
                task.add_done_callback(self.retiring.discard)
        self.waiting_for = ""

    async def retire(self, name: str, successor: Subscription, at_once: int = 32) -> None:
        """Take an earlier version's queue out of use: unbind it (its events now reach
        ``successor``'s queue), learn what it still holds as ``successor`` does, ``at_once``
        messages at a time, taken one by one until none is left (an older replica still
        consuming it learns some of them: learning is idempotent), then delete it. Declaring
        it first makes an absent one an empty one; it is not declared again after a
        reconnection, so a lost connection leaves it to the next start. Its ``.dlq`` stays,
        with whatever was set aside there."""
        events = await self.channel.get_exchange(names.EVENTS, ensure=False)
        queue = await _declared_once(self.channel, name)
        for contract in successor.contracts:
            await queue.unbind(events, routing_key=contract.routing_key)
        learnt = 0
        if queue.declaration_result.message_count:
            await self.channel.declare_queue(names.dead_letter_queue(name), durable=True)
            learn = self._consumer(replace(successor, queue=name))
            while batch := await _taken(queue, at_once):
                await asyncio.gather(*(learn(message) for message in batch))
                learnt += len(batch)
        await queue.delete(if_unused=False, if_empty=False)
        log.info("retired_queue_deleted", queue=name, learnt=learnt)

    async def _retiring(self, name: str, successor: Subscription) -> None:
        try:
            await self.retire(name, successor)
        except (
            aio_pika.exceptions.AMQPException,
            aio_pika.exceptions.ChannelInvalidStateError,  # the connection went meanwhile
            OSError,
        ) as error:
            log.warning("retired_queue_left", queue=name, error=str(error))

    async def keep_starting(self, every: float = 1.0) -> None:
        """Start once the broker answers and its exchanges exist (a back office may come up
        first); until then it is not ready and says why."""
        while True:
            try:
                await self.start()
            except (aio_pika.exceptions.AMQPException, OSError) as error:
                self.waiting_for = f"broker: {error}"
                log.warning("broker_not_ready", error=str(error))
                await self.stop()
                await asyncio.sleep(every)
            else:
                log.info("broker_connected")
                return

    async def stop(self) -> None:
        for task in list(self.retiring):
            task.cancel()
        await self.caller.close()

    @property
    def connected(self) -> bool:
        return not self.waiting_for and self.caller.connected

    async def send(self, command: Command, person: str) -> Answer:
        """Publish ``command`` for ``person`` and wait for its answer."""
        log.info("command_sent", routing_key=command.route, message_id=str(command.message_id))
        answer = await self.caller.send(command, person=person, timeout=self.answer_timeout)
        return Answer(TIMEOUT) if answer is None else Answer(answer.type or "", answer.body)

    def _consumer(
        self, subscription: Subscription
    ) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
        async def on_event(message: AbstractIncomingMessage) -> None:
            """An event for one of the views; a bad one is set aside with the reason. Learning
            is idempotent (the newest word wins), so a redelivery changes nothing."""
            queue = subscription.queue
            contract = subscription.contract(message.routing_key or "")
            if contract is None:
                await self._dead_letter(message, queue, "unknown_message_type", "")
                return
            try:
                event = contract.model_validate_json(message.body)
            except ValidationError as error:
                await self._dead_letter(message, queue, "invalid_message", str(error)[:500])
                return
            await subscription.learn(event)
            await message.ack()
            log.info(
                "event_learnt", routing_key=contract.routing_key, message_id=message.message_id
            )

        return on_event

    async def _dead_letter(
        self, message: AbstractIncomingMessage, queue: str, reason: str, detail: str
    ) -> None:
        await self.channel.default_exchange.publish(
            aio_pika.Message(
                message.body,
                content_type=message.content_type,
                message_id=message.message_id,
                headers={
                    **failure_headers(
                        reason=reason,
                        detail=detail,
                        service=CALLER,
                        queue=queue,
                        exchange=message.exchange or "",
                        routing_key=message.routing_key or "",
                    )
                },
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=names.dead_letter_queue(queue),
        )
        await message.ack()
        log.warning("event_dead_lettered", reason=reason, message_id=message.message_id)
