"""The one AMQP client of the callers outside the services (the back office, omsctl): connect
as a RabbitMQ login, send a command for a person and wait for its one answer on a reply queue.

A command carries the AMQP ``user_id`` (the login, which the broker checks) and, from a gateway
acting for people, the person in ``x-oms-user`` (:mod:`shared.messaging.callers` reads both on
the services' side). Its answer (its success event or a ``CommandRejected``) comes to the
caller's own exclusive queue, named in ``reply_to``, and names the command in
``command_message_id`` or ``causation_id``. Dead letters are read and replayed by
:mod:`shared.messaging.deadletters`, connecting the same way.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
)
from aiormq.exceptions import AMQPConnectionError

from shared import names
from shared.contracts.base import Command, CommandRejected
from shared.messaging.callers import USER_HEADER
from shared.messaging.frames import coalesce_frames

JSON = "application/json"


class Unreachable(ConnectionError):
    """The broker (or, for a caller's other reads, a service) did not answer: the message says
    where, and as whom."""


def login(amqp_url: str) -> str:
    """The RabbitMQ user of ``amqp_url`` (guest when it names none, as the client connects):
    the AMQP ``user_id`` a command it publishes carries."""
    return urllib.parse.unquote(urllib.parse.urlsplit(amqp_url).username or "guest")


async def connect(
    amqp_url: str, name: str, timeout: float | None = None, *, robust: bool = False
) -> AbstractConnection:
    """A connection named ``name`` (as the broker's management shows it); robust ones
    reconnect by themselves after a broker restart."""
    coalesce_frames()
    opening = aio_pika.connect_robust if robust else aio_pika.connect
    try:
        return await asyncio.wait_for(
            opening(amqp_url, client_properties={"connection_name": name}), timeout
        )
    except (AMQPConnectionError, OSError, TimeoutError) as error:
        where = urllib.parse.urlsplit(amqp_url)
        raise Unreachable(
            f"cannot connect to RabbitMQ at {where.hostname}:{where.port or 5672}{where.path} "
            f"as {login(amqp_url)}: {error or type(error).__name__}"
        ) from error


@dataclass(frozen=True)
class Answer:
    """The answer a service sent to the reply queue: an event, or a refusal."""

    type: str | None
    """The answer's contract (the AMQP ``type``): ``UserUpserted``, ``CommandRejected``..."""
    body: dict[str, Any]

    @classmethod
    def read(cls, message: AbstractIncomingMessage) -> Answer:
        try:
            body = json.loads(message.body)
        except ValueError:
            body = {"_raw": message.body.decode(errors="replace")}
        return cls(message.type, body if isinstance(body, dict) else {"_value": body})

    @property
    def refused(self) -> bool:
        return self.type == CommandRejected.type_name()

    @property
    def in_answer_to(self) -> tuple[str, ...]:
        """The message ids of the command it answers, as its body names them."""
        ids = (self.body.get("command_message_id"), self.body.get("causation_id"))
        return tuple(str(found) for found in ids if found)


class Caller:
    """One login's connection: it sends commands on ``oms.commands`` and waits for each one's
    answer on its own reply queue; any number of commands may wait at once."""

    def __init__(self, amqp_url: str, *, name: str, user: str | None = None) -> None:
        self.amqp_url, self.name = amqp_url, name
        self.user = user or login(amqp_url)
        """The AMQP ``user_id``: the broker refuses one that is not the connection's login."""
        self.connection: AbstractConnection | None = None
        self.reply_queue = ""
        self._waiting: dict[str, asyncio.Future[Answer]] = {}
        self._commands: AbstractExchange | None = None

    async def open(self, timeout: float | None = None, *, robust: bool = False) -> AbstractChannel:
        """Connect, and listen on a new reply queue; the channel (publisher confirms on) is the
        caller's to consume from too."""
        self.connection = await connect(self.amqp_url, self.name, timeout, robust=robust)
        channel = await self.connection.channel(publisher_confirms=True)
        self._commands = await channel.get_exchange(names.COMMANDS, ensure=False)
        replies = await channel.declare_queue(exclusive=True, auto_delete=True)
        self.reply_queue = replies.name
        await replies.consume(self._on_answer, no_ack=True)
        return channel

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = None

    @property
    def connected(self) -> bool:
        return self.connection is not None and not self.connection.is_closed

    async def send(
        self,
        command: Command,
        *,
        person: str | None,
        timeout: float,
        correlation_id: str | None = None,
    ) -> Answer | None:
        """Publish ``command`` (for ``person``, when the login acts for people) and wait up to
        ``timeout`` seconds for its answer: None when none came."""
        assert self._commands is not None, "Caller.open() comes first"
        message_id = str(command.message_id)
        waiting = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = waiting
        try:
            await self._commands.publish(
                aio_pika.Message(
                    command.model_dump_json().encode(),
                    content_type=JSON,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=message_id,
                    correlation_id=correlation_id or command.correlation_id,
                    type=command.type_name(),
                    reply_to=self.reply_queue,
                    user_id=self.user,
                    headers={USER_HEADER: person} if person else {},
                ),
                routing_key=command.route,
            )
            return await asyncio.wait_for(waiting, timeout)
        except TimeoutError:
            return None
        finally:
            self._waiting.pop(message_id, None)

    async def _on_answer(self, message: AbstractIncomingMessage) -> None:
        answer = Answer.read(message)
        for message_id in answer.in_answer_to:
            waiting = self._waiting.get(message_id)
            if waiting is not None and not waiting.done():
                waiting.set_result(answer)
                return


@asynccontextmanager
async def calling(amqp_url: str, name: str, timeout: float) -> AsyncIterator[Caller]:
    """A caller for a few commands (a command line's): connected within ``timeout`` seconds,
    closed afterwards."""
    caller = Caller(amqp_url, name=name)
    try:
        await caller.open(timeout)
        yield caller
    finally:
        await caller.close()
