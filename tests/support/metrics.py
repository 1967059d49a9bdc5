"""Database round trips as the services report them: ``oms_db_commands_total`` in ``/metrics``."""

from __future__ import annotations

import asyncio
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.support.services import ServiceProcess

COUNTER = "oms_db_commands"
Key = tuple[str, str, str]
"""(service, command, collection)"""


BYTES = "oms_db_command_bytes"
"""The same commands' size in bytes (BSON), as sent."""


def read_commands(process: ServiceProcess, counter: str = COUNTER) -> Counter[Key]:
    """What one service process has sent to its database so far, by command and collection
    (``counter``: how many commands, or with ``BYTES`` how many bytes)."""
    url = f"http://127.0.0.1:{process.port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as reply:
        text = reply.read().decode()
    counts: Counter[Key] = Counter()
    for family in text_string_to_metric_families(text):
        if family.name != counter:
            continue
        for sample in family.samples:
            if sample.name == f"{counter}_total":
                key = (process.service, sample.labels["command"], sample.labels["collection"])
                counts[key] += int(sample.value)
    return counts


async def snapshot(processes: Mapping[str, ServiceProcess], counter: str = COUNTER) -> Counter[Key]:
    """Every service's counters at one moment (read off the event loop)."""
    readings = await asyncio.gather(
        *(asyncio.to_thread(read_commands, p, counter) for p in processes.values())
    )
    total: Counter[Key] = Counter()
    for reading in readings:
        total.update(reading)
    return total


@dataclass(frozen=True)
class RoundTrips:
    """The commands sent between two snapshots, and per order."""

    counts: Counter[Key]
    orders: int

    @classmethod
    def between(cls, before: Counter[Key], after: Counter[Key], orders: int) -> RoundTrips:
        return cls(after - before, orders)

    @property
    def per_order(self) -> float:
        return self.counts.total() / self.orders

    def per_service(self) -> dict[str, float]:
        by_service: Counter[str] = Counter()
        for (service, _, _), count in self.counts.items():
            by_service[service] += count
        return {service: count / self.orders for service, count in sorted(by_service.items())}

    def top(self, n: int = 8) -> list[tuple[str, float]]:
        """The most frequent (service, command, collection), per order."""
        return [
            (f"{service} {command} {collection}".strip(), count / self.orders)
            for (service, command, collection), count in self.counts.most_common(n)
        ]


class CountedBulkWrites:
    """A collection that counts the statements of each bulk write sent through it (a view's
    rounds), and is otherwise the collection itself."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self.name = collection.name
        self.sent: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.collection, name)

    async def bulk_write(self, requests: list[Any], **options: Any) -> Any:
        self.sent.append(len(requests))
        return await self.collection.bulk_write(requests, **options)
