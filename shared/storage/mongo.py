"""The asyncio MongoDB client (PyMongo's ``AsyncMongoClient``) with the codecs the system needs.

Money and quantities are ``Decimal`` in Python and ``Decimal128`` in MongoDB; datetimes are
timezone-aware UTC both ways.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Any

import bson
import prometheus_client
from bson.codec_options import CodecOptions, TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128, create_decimal128_context
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]

_D128 = create_decimal128_context()
CONVERSIONS_REMEMBERED = 4096
"""Decimals converted each way that are remembered, per way: bson converts a Decimal128 bit
by bit in Python (~9 µs each way, where the rest of a document's encoding is C), and the same
prices, quantities and amounts are written and read again and again."""


@lru_cache(maxsize=CONVERSIONS_REMEMBERED)
def _to_decimal128(text: str) -> Decimal128:
    with localcontext(_D128) as ctx:
        return Decimal128(ctx.create_decimal(text))


@lru_cache(maxsize=CONVERSIONS_REMEMBERED)
def _from_bid(bid: bytes) -> Decimal:
    return Decimal128.from_bid(bid).to_decimal()


class DecimalCodec(TypeCodec):
    """Both conversions are remembered by the value's exact form: its text (sign, digits and
    exponent, so ``1.0`` and ``1.00``, equal as numbers, stay apart) and the stored bits. Both
    results are immutable, so one may be shared."""

    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Decimal) -> Decimal128:
        return _to_decimal128(str(value))

    def transform_bson(self, value: Decimal128) -> Decimal:
        return _from_bid(value.bid)


CODEC_OPTIONS: CodecOptions[Document] = CodecOptions(
    tz_aware=True, type_registry=TypeRegistry([DecimalCodec()])
)


UNCOUNTED = "oms-metrics"
"""The comment of the reads ``/metrics`` makes for its figures: not the service's round trips."""


class CommandCounter(monitoring.CommandListener):
    """Counts every command the process sends to the database: its round trips, by command and
    collection (``oms_db_commands_total``), for operators and for the round-trip budget."""

    def __init__(self, registry: prometheus_client.CollectorRegistry | None) -> None:
        self.total = prometheus_client.Counter(
            "oms_db_commands",
            "Commands (round trips) sent to the database, by command and collection.",
            ["command", "collection"],
            registry=registry,
        )
        self.bytes = prometheus_client.Counter(
            "oms_db_command_bytes",
            "Bytes of the commands sent to the database (BSON), by command and collection.",
            ["command", "collection"],
            registry=registry,
        )

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command.get("comment") == UNCOUNTED:
            return
        target = event.command.get(event.command_name)
        collection = target if isinstance(target, str) else ""
        if event.command_name == "getMore":
            collection = str(event.command.get("collection", ""))
        self.total.labels(event.command_name, collection).inc()
        size = len(bson.encode(event.command, codec_options=CODEC_OPTIONS))
        self.bytes.labels(event.command_name, collection).inc(size)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def connect(
    url: str, *, app_name: str, listeners: list[monitoring.CommandListener] | None = None
) -> AsyncMongoClient[Document]:
    """A client that fails fast enough for health checks and retries writes once on failover."""
    return AsyncMongoClient(
        url,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        retryWrites=True,
        retryReads=True,
        event_listeners=listeners or [],
    )


def database(client: AsyncMongoClient[Document], name: str) -> AsyncDatabase[Document]:
    return client.get_database(name, codec_options=CODEC_OPTIONS)


async def ping(db: AsyncDatabase[Document]) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True
