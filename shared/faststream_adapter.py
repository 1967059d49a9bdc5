"""ADAPTER: the one hook the runtime needs that FastStream 0.7 lacks, and nothing else.

Everything else in the runtime uses FastStream's public API. The hook below names the private
detail it leans on and carries the text of the upstream request that would make it public;
``tests/unit/test_faststream_adapter.py`` fails when a FastStream upgrade breaks it (then use
the public hook, if upstream took the request, or adapt it here).
"""

from __future__ import annotations

from faststream.asgi import AsgiFastStream


class DeferredBrokerStart(AsgiFastStream):
    """An ASGI FastStream application whose broker starts when :meth:`start_broker` says, while
    the HTTP routes (health probes) already answer.

    Leans on: ``AsgiFastStream`` answering ``lifespan.startup.complete`` and then calling the
    private ``Application._start_broker()`` in a background task.

    Upstream request (ag2ai/faststream), "AsgiFastStream: a public hook to wait before the
    broker starts, while ASGI routes already answer":

        A service behind Kubernetes probes should answer ``/health/live`` and a 503 on
        ``/health/ready`` while it waits (with backoff, for a bounded time) for RabbitMQ and
        its database, then start its subscribers. ``AsgiFastStream`` answers the ASGI lifespan
        only after every ``on_startup`` hook, so a hook that waits holds HTTP up too; the
        broker's start right after the lifespan is not configurable, so the wait can only go
        into an override of the private ``_start_broker``. Proposal: an overridable public
        coroutine (e.g. ``async def start_brokers(self)``, the default calling
        ``broker.start()`` for each broker), or an ``AsgiFastStream(before_broker_start=[...])``
        hook list run in the background task before the brokers start.
    """

    async def start_broker(self) -> None:
        """Start the brokers (public ``broker.start()``); a subclass waits for what they need
        first."""
        for broker in self.brokers:
            await broker.start()

    async def _start_broker(self) -> None:
        await self.start_broker()
