"""Invoice numbers without gaps per series: a number is taken only by a stored document.

Each numbered collection has a unique index on ``(series, number)``; the next number is the
highest stored one plus one, and a document that meets the index (another replica stored that
number first) is made again with the next. ``issued_already`` tells a redelivered cause from a
race: it finds the document the same cause stored before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo import DESCENDING

from shared.contracts.base import Message
from shared.domain import Aggregate
from shared.storage.aggregates import AggregateStore, AlreadyExists

N = TypeVar("N", bound=Aggregate)


async def next_number(store: AggregateStore[N], series: str) -> int:
    last = await store.collection.find_one(
        {"series": series}, {"number": 1}, sort=[("number", DESCENDING)]
    )
    return int(last["number"]) + 1 if last else 1


async def add_numbered(
    store: AggregateStore[N],
    make: Callable[[int], N],
    series: str,
    *,
    cause: Message,
    issued_already: Callable[[N], Awaitable[N | None]],
) -> N:
    """Store the document ``make(number)`` makes with the next free number of ``series``.
    Another document storing the same number first makes this one take the next; a document
    the cause stored already (``issued_already``) is returned as it is."""
    while True:
        document = make(await next_number(store, series))
        try:
            await store.add(document, cause=cause)
        except AlreadyExists:
            if (existing := await issued_already(document)) is not None:
                return existing
            continue
        return document
