"""On a real RabbitMQ, a connection whose writer joins its queued frames
(``shared/messaging/frames.py``) loses, reorders and leaves unconfirmed nothing: publications
with publisher confirms from several channels at once (a channel sends its next publication
only once the last is written, so joins come from channels side by side, as a service's
consumers and its relay are) go out joined, and each channel's arrive whole and in order."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from aiormq.abc import ChannelFrame

from shared.messaging import frames
from shared.messaging.client import connect
from tests.support.services import Environment

CHANNELS = 6
EACH = 50


async def test_a_burst_goes_out_joined_and_arrives_whole_and_in_order(
    env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined: list[int] = []

    class Counted(frames.JoinedFrames):
        def __init__(self, queued: list[ChannelFrame]) -> None:
            super().__init__(queued)
            joined.append(len(queued))

    monkeypatch.setattr(frames, "JoinedFrames", Counted)
    connection = await connect(env.amqp_url, "frames-test")
    async with connection:
        channels = [await connection.channel(publisher_confirms=True) for _ in range(CHANNELS)]
        queue = await channels[0].declare_queue("", exclusive=True)

        async def publish(number: int) -> None:
            for n in range(EACH):
                message = aio_pika.Message(f"{number}:{n}".encode())
                await channels[number].default_exchange.publish(message, routing_key=queue.name)

        await asyncio.gather(*(publish(number) for number in range(CHANNELS)))
        received: dict[str, list[int]] = {}
        async with queue.iterator() as messages:
            async for message in messages:
                number, n = message.body.decode().split(":")
                received.setdefault(number, []).append(int(n))
                await message.ack()
                if sum(map(len, received.values())) == CHANNELS * EACH:
                    break
        assert received == {str(number): list(range(EACH)) for number in range(CHANNELS)}
    assert max(joined, default=0) > 1, "nothing was joined"
