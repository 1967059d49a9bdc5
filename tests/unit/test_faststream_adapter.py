"""The adapter's promise holds on the installed FastStream: the broker starts when the app says,
after the ASGI lifespan has answered and while HTTP routes answer.

This fails when a FastStream upgrade stops calling the hook the adapter overrides
(``shared/faststream_adapter.py``): then use the public hook, if there is one by then.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from faststream.asgi import AsgiResponse, get
from faststream.rabbit import RabbitBroker

from shared.faststream_adapter import DeferredBrokerStart

WAIT = 5.0


@get
async def ping() -> AsgiResponse:
    return AsgiResponse(b"pong", status_code=200)


class Gated(DeferredBrokerStart):
    """Its broker's start waits until the test says; the broker itself is never connected."""

    def __init__(self) -> None:
        super().__init__(
            RabbitBroker("amqp://nobody:nothing@127.0.0.1:9/"),
            asgi_routes=[("/ping", ping)],
            logger=None,
        )
        self.asked, self.release = asyncio.Event(), asyncio.Event()
        self.starts = 0

    async def start_broker(self) -> None:
        self.starts += 1
        self.asked.set()
        await self.release.wait()


async def get_status(app: Gated, path: str) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    await app(scope, receive, send)
    return int(sent[0]["status"])


async def test_the_broker_starts_when_the_app_says_while_http_already_answers() -> None:
    app = Gated()
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(app({"type": "lifespan"}, inbox.get, outbox.put))

    answered = await asyncio.wait_for(outbox.get(), WAIT)
    assert answered["type"] == "lifespan.startup.complete"
    await asyncio.wait_for(app.asked.wait(), WAIT)  # FastStream asked the hook to start
    assert not app.release.is_set()  # ... and the lifespan did not wait for it
    assert await get_status(app, "/ping") == 200  # HTTP answers while the start waits

    app.release.set()
    await inbox.put({"type": "lifespan.shutdown"})
    assert (await asyncio.wait_for(outbox.get(), WAIT))["type"] == "lifespan.shutdown.complete"
    await asyncio.wait_for(lifespan, WAIT)
    assert app.starts == 1
