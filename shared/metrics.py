"""Business metrics in each service's ``/metrics`` (Prometheus names and labels by convention).

Counters are counted where things happen (a dead letter, a refusal); figures that live in the
database (outbox entries waiting, approval requests waiting) are read when Prometheus scrapes,
so they are current without a polling loop. Every replica reports the same database figures:
aggregate those with ``max``, counters with ``sum``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import prometheus_client
import structlog
from faststream.asgi.types import ASGIApp, Receive, Scope, Send
from prometheus_client.metrics import MetricWrapperBase
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.base import utcnow
from shared.logging import log_failure
from shared.storage.mongo import UNCOUNTED, Document

log = structlog.get_logger(__name__)

SCRAPE_TIMEOUT = 5.0
"""How long a scrape waits for the database figures (they are left as they were if slower)."""
SCANNED = 10_000
"""Pending outbox documents looked at for the age of the oldest entry."""

M = TypeVar("M", bound=MetricWrapperBase)
Refresh = Callable[[], Awaitable[None]]


class Metrics:
    """One process's metrics: the registry ``/metrics`` serves, and what to read on a scrape."""

    def __init__(self, registry: prometheus_client.CollectorRegistry) -> None:
        self.registry = registry
        self._made: dict[str, MetricWrapperBase] = {}
        self._on_scrape: dict[str, Refresh] = {}
        self.dead_lettered = self.metric(
            prometheus_client.Counter,
            "oms_messages_dead_lettered",
            "Messages this process moved to a dead-letter queue, by queue and reason.",
            ("queue", "reason"),
        )
        self.refused = self.metric(
            prometheus_client.Counter,
            "oms_commands_refused",
            "Commands this process answered with <service>.command_rejected, by command "
            "(routing key) and reason.",
            ("command", "reason"),
        )

    def metric(
        self, kind: type[M], name: str, documentation: str, labels: Sequence[str] = (), **kw: Any
    ) -> M:
        """The metric ``name``, made once per process (a set-up done again gets the same)."""
        if name not in self._made:
            self._made[name] = kind(name, documentation, labels, registry=self.registry, **kw)
        made = self._made[name]
        assert isinstance(made, kind)
        return made

    def on_scrape(self, name: str, refresh: Refresh) -> None:
        """Run ``refresh`` (it sets gauges from the database) before each scrape; ``name``
        replaces an earlier one of that name (a set-up done again)."""
        self._on_scrape[name] = refresh

    async def refresh(self) -> None:
        for refresh in list(self._on_scrape.values()):
            try:
                async with asyncio.timeout(SCRAPE_TIMEOUT):
                    await refresh()
            except Exception as error:  # the last figures stay; the scrape still answers
                log_failure(log, "metrics_refresh_failed", error)

    def asgi(self) -> ASGIApp:
        exposition = prometheus_client.make_asgi_app(self.registry)

        async def metrics(scope: Scope, receive: Receive, send: Send) -> None:
            await self.refresh()
            await exposition(scope, receive, send)

        return metrics

    def watch_outbox(self, db: AsyncDatabase[Document], collections: Sequence[str]) -> None:
        """``oms_outbox_entries_waiting`` and ``oms_outbox_oldest_entry_age_seconds`` for each
        collection whose documents carry an outbox."""
        waiting = self.metric(
            prometheus_client.Gauge,
            "oms_outbox_entries_waiting",
            "Events stored with a state change and not yet forgotten by the relay (published "
            "ones linger about a second), by collection.",
            ("collection",),
        )
        age = self.metric(
            prometheus_client.Gauge,
            "oms_outbox_oldest_entry_age_seconds",
            "Age of the oldest event waiting in the outbox (0 when none): a relay that cannot "
            "publish makes it grow.",
            ("collection",),
        )

        async def refresh() -> None:
            now = utcnow()
            for name in collections:
                cursor = db[name].find(
                    {"outbox_pending": True},
                    {"outbox.created_at": 1},
                    limit=SCANNED,
                    comment=UNCOUNTED,
                )
                created = [
                    entry["created_at"]
                    async for doc in cursor
                    for entry in doc.get("outbox", [])
                    if isinstance(entry.get("created_at"), datetime)
                ]
                waiting.labels(name).set(len(created))
                age.labels(name).set((now - min(created)).total_seconds() if created else 0)

        self.on_scrape("outbox", refresh)
