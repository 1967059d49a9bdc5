"""Invoice numbers without gaps per series: a number is taken only by a stored document.

Each numbered collection has a unique index on ``(series, number)``; the next number is the
highest stored one plus one, and a document that meets the index (another replica stored that
number first) is made again with the next. ``issued_already`` tells a redelivered cause from a
race: it finds the document the same cause stored before.

A process numbers one document of a series at a time and remembers the last number it stored
(:class:`Numbering`): its next document takes the number after it without asking the database,
and only a number another replica took meanwhile sends it to the database for the highest.
Numbers stay gap-free: a number is still taken only by a stored document.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pymongo import DESCENDING

from shared.contracts.base import Message
from shared.domain import Aggregate
from shared.storage.aggregates import AggregateStore, AlreadyExists

N = TypeVar("N", bound=Aggregate)


@dataclass
class Numbering:
    """This process's numbering: the last number it stored per series, one at a time."""

    last: dict[str, int] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def lock(self, series: str) -> asyncio.Lock:
        return self.locks.setdefault(series, asyncio.Lock())


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
    numbering: Numbering | None = None,
) -> N:
    """Store the document ``make(number)`` makes with the next free number of ``series``.
    Another document storing the same number first makes this one take the next; a document
    the cause stored already (``issued_already``) is returned as it is. With ``numbering``,
    the number after the last one this process stored is tried first."""
    numbering = numbering or Numbering()
    async with numbering.lock(series):
        known = numbering.last.get(series)
        while True:
            number = known + 1 if known is not None else await next_number(store, series)
            document = make(number)
            try:
                await store.add(document, cause=cause)
            except AlreadyExists:
                if (existing := await issued_already(document)) is not None:
                    return existing
                known = None  # another replica took it: the database says what is next
                continue
            numbering.last[series] = number
            return document
