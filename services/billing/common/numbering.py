"""Invoice numbers without gaps per series: a number is taken only by a stored document.

Each numbered collection has a unique index on ``(series, number)``; the next number is the
highest stored one plus one, and a document that meets the index (another replica stored that
number first) is made again with the next. ``issued_already`` tells a redelivered cause from a
race: it finds the document the same cause stored before.

A process numbers the documents of a series in rounds (:class:`Numbering`): those made while a
round is out go together in the next one, numbered one after the other from the last number it
stored (the database is asked for the highest only when another replica took a number
meanwhile), and are inserted in that order in one round trip, up to the first that fails
(``AggregateStore.add_in_order``). Those stored are always the first of the round, so numbers
stay gap-free: a number is still taken only by a stored document, and the rest of a round that
stopped are numbered again in the next. Alone, a document goes at once, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pymongo import DESCENDING

from shared.contracts.base import Message
from shared.domain import Aggregate
from shared.storage.aggregates import AggregateStore, AlreadyExists
from shared.storage.batch import NextRound, fail_all, settle

N = TypeVar("N", bound=Aggregate)


@dataclass
class Numbering:
    """This process's numbering: the last number it stored per series, and its rounds."""

    last: dict[str, int] = field(default_factory=dict)
    rounds: dict[tuple[int, str], _Rounds[Any]] = field(default_factory=dict)

    def of(self, store: AggregateStore[N], series: str) -> _Rounds[N]:
        key = (id(store), series)
        if (rounds := self.rounds.get(key)) is None:
            rounds = self.rounds[key] = _Rounds(self, store, series)
        return rounds


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
    the number after the last one this process stored is tried first, and documents made at
    about the same time share a round trip."""
    rounds = (numbering or Numbering()).of(store, series)
    document: N = await rounds.add(_Numbered(make, cause, issued_already))
    return document


class _Numbered(Generic[N]):
    """One document waiting for its number."""

    __slots__ = ("cause", "done", "issued_already", "make")

    def __init__(
        self,
        make: Callable[[int], N],
        cause: Message,
        issued_already: Callable[[N], Awaitable[N | None]],
    ) -> None:
        self.make, self.cause, self.issued_already = make, cause, issued_already
        self.done: asyncio.Future[N] = asyncio.get_running_loop().create_future()


class _Rounds(NextRound[_Numbered[N]]):
    """The documents of one series and store, numbered and inserted a round at a time."""

    def __init__(self, numbering: Numbering, store: AggregateStore[N], series: str) -> None:
        super().__init__()
        self.numbering, self.store, self.series = numbering, store, series

    async def add(self, request: _Numbered[N]) -> N:
        document: N = await self._request(request)
        return document

    async def _round(self, batch: list[_Numbered[N]]) -> None:
        last = self.numbering.last.get(self.series)
        if last is None:
            try:
                last = await next_number(self.store, self.series) - 1
            except Exception as away:  # the database is away: each delivery retries
                fail_all(batch, away)
                return
        made: list[tuple[N, Message]] = []
        numbered: list[_Numbered[N]] = []
        for request in batch:
            try:
                made.append((request.make(last + len(made) + 1), request.cause))
            except Exception as unmade:
                settle(request.done, unmade)
                continue
            numbered.append(request)
        if not made:
            return
        try:
            stored, error = await self.store.add_in_order(made)
        except Exception as away:  # each delivery retries
            self.numbering.last.pop(self.series, None)
            fail_all(numbered, away)
            return
        for request, (document, _) in zip(numbered[:stored], made, strict=False):
            settle(request.done, result=document)
        if stored:
            self.numbering.last[self.series] = last + stored
        if error is not None:
            await self._stopped_at(numbered[stored], made[stored][0], error, numbered[stored + 1 :])

    async def _stopped_at(
        self, request: _Numbered[N], document: N, error: Exception, rest: list[_Numbered[N]]
    ) -> None:
        """The round stopped at ``request``: the rest go first in the next round, numbered
        again; so does ``request`` when another document took its number."""
        self._waiting[:0] = rest
        if not isinstance(error, AlreadyExists):
            settle(request.done, error)
            return
        try:
            existing = await request.issued_already(document)
        except Exception as failed:
            settle(request.done, failed)
            return
        if existing is not None:
            settle(request.done, result=existing)  # the cause stored it before
        else:
            self.numbering.last.pop(self.series, None)  # another replica took the number
            self._waiting.insert(0, request)
