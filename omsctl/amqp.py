"""Sending a command as a caller and waiting for its one answer on a reply queue."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from aiormq.exceptions import AMQPConnectionError

from omsctl.outcome import Unreachable
from shared import names
from shared.messaging.callers import USER_HEADER

CLIENT_NAME = "omsctl"


def login(amqp_url: str) -> str:
    """The RabbitMQ user of ``amqp_url``: the AMQP ``user_id`` every command carries."""
    return urllib.parse.unquote(urllib.parse.urlsplit(amqp_url).username or "guest")


@dataclass(frozen=True)
class Answer:
    """The answer a service sent to the reply queue: an event, or a refusal."""

    type: str | None
    body: dict[str, Any]


async def connect(amqp_url: str, timeout: float) -> AbstractConnection:
    try:
        return await asyncio.wait_for(
            aio_pika.connect(amqp_url, client_properties={"connection_name": CLIENT_NAME}),
            timeout,
        )
    except (AMQPConnectionError, OSError, TimeoutError) as error:
        where = urllib.parse.urlsplit(amqp_url)
        raise Unreachable(
            f"cannot connect to RabbitMQ at {where.hostname}:{where.port or 5672}{where.path} "
            f"as {login(amqp_url)}: {error or type(error).__name__}"
        ) from error


async def send_command(
    amqp_url: str,
    routing_key: str,
    body: bytes,
    *,
    message_type: str,
    person: str | None,
    message_id: str | None = None,
    correlation_id: str | None = None,
    timeout: float = 10.0,
) -> tuple[str, Answer | None]:
    """Publish one command on ``oms.commands`` and wait up to ``timeout`` seconds for its
    answer; ``(message_id, None)`` when none came."""
    message_id = message_id or str(uuid4())
    connection = await connect(amqp_url, timeout)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        replies = await channel.declare_queue(exclusive=True, auto_delete=True)
        answered: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()

        async def on_reply(message: AbstractIncomingMessage) -> None:
            answer = _answer(message)
            ids = (answer.body.get("causation_id"), answer.body.get("command_message_id"))
            if message_id in ids and not answered.done():
                answered.set_result(answer)

        await replies.consume(on_reply, no_ack=True)
        exchange = await channel.get_exchange(names.COMMANDS, ensure=False)
        user = login(amqp_url)
        await exchange.publish(
            aio_pika.Message(
                body,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message_id,
                correlation_id=correlation_id,
                type=message_type,
                reply_to=replies.name,
                user_id=user,
                headers={USER_HEADER: person} if person else {},
            ),
            routing_key=routing_key,
        )
        try:
            return message_id, await asyncio.wait_for(answered, timeout)
        except TimeoutError:
            return message_id, None


def _answer(message: AbstractIncomingMessage) -> Answer:
    try:
        body = json.loads(message.body)
    except ValueError:
        body = {"_raw": message.body.decode(errors="replace")}
    return Answer(message.type, body if isinstance(body, dict) else {"_value": body})
