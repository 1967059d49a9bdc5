"""The infrastructure ceiling, measured in the same run: what the broker and the database do
without OMS in between.

- broker: raw aio-pika, persistent messages to a durable queue with publisher confirms,
  publishes awaited together, consumed with prefetch 100 on a separate connection;
- database: raw PyMongo ``update_one`` (``$inc`` by ``_id``) on the same server, 10 at a time
  (as many as the flow has orders in flight), in a throwaway database.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from pymongo import AsyncMongoClient

BODY = b'{"padding": "' + b"x" * 700 + b'"}'  # about the size of an OMS event


async def broker_messages_per_s(amqp_url: str, count: int = 5000) -> float:
    consuming = await aio_pika.connect(amqp_url)
    publishing = await aio_pika.connect(amqp_url)
    try:
        channel = await consuming.channel()
        await channel.set_qos(prefetch_count=100)
        queue = await channel.declare_queue(f"bench.ceiling.{uuid.uuid4().hex[:8]}", durable=True)
        received, done = 0, asyncio.Event()

        async def on_message(message: AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received == count:
                done.set()

        tag = await queue.consume(on_message)
        sender = await publishing.channel(publisher_confirms=True)
        started = time.perf_counter()
        await asyncio.gather(
            *(
                sender.default_exchange.publish(
                    aio_pika.Message(BODY, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=queue.name,
                )
                for _ in range(count)
            )
        )
        await asyncio.wait_for(done.wait(), timeout=120)
        rate = count / (time.perf_counter() - started)
        await queue.cancel(tag)
        await queue.delete(if_unused=False, if_empty=False)
        return rate
    finally:
        await publishing.close()
        await consuming.close()


async def database_updates_per_s(
    mongodb_url: str, count: int = 3000, concurrency: int = 10
) -> float:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongodb_url)
    name = f"bench_ceiling_{uuid.uuid4().hex[:8]}"
    try:
        docs = client[name]["docs"]
        await docs.insert_many([{"_id": f"D-{i}", "n": 0} for i in range(100)])

        async def worker(first: int) -> None:
            for i in range(first, count, concurrency):
                await docs.update_one({"_id": f"D-{i % 100}"}, {"$inc": {"n": 1}})

        started = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        return count / (time.perf_counter() - started)
    finally:
        await client.drop_database(name)
        await client.close()
