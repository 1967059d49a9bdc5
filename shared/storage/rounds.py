"""Writes of one collection that are waiting while another is sent go to the database together.

A store awaits :meth:`WriteRounds.update` or :meth:`WriteRounds.insert` as it would
``update_one`` or ``insert_one``. A write that finds none of its kind on the way is sent on the
event loop's next turn (with those made in the same turn), with no wait of its own. Those that
come while a round is on the way wait for it, then go together in one command: one ``update``
(or ``insert``) carrying each of them as its own statement, unordered. The busier the process,
the more each round carries; a process doing one thing at a time sends what it sent before.

Each write keeps its own outcome:

- an insert that meets a stored id raises ``DuplicateKeyError``, another failure its own
  ``WriteError``, and the rest of its round are stored;
- a conditional update learns whether it matched. The database counts the matches of a whole
  round, not of each statement, so each statement of a round of several also sets ``round_mark``
  to a number of its own. When the count is short (a conflict with another process, which is
  rare), one read of the round's documents tells which statements were written: a document that
  holds a statement's mark was written by it; one at the version a statement expected plus one,
  holding another mark, was written by someone else instead. What still cannot be told (a third
  writer came in between) raises :class:`WriteOutcomeUnknown`, a ``ConnectionFailure``: the
  delivery is retried as after a connection lost mid-write, and the applied message ids make
  the retry find what was done.

A caller that stops waiting (its delivery given back while the process stops) does not stop
its round: the write is made or not, as if the connection had been lost.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError, WriteError

from shared.storage.mongo import Document

ROUND_MARK = "round_mark"
"""The field a statement of a round of several sets to its own number."""
DUPLICATE_KEY = 11000

T = TypeVar("T")
R = TypeVar("R")


class WriteOutcomeUnknown(ConnectionFailure):
    """Whether a write of a round was made cannot be told; retry as after a lost connection."""


@dataclass
class _Lane(Generic[T, R]):
    """Writes of one kind: one round on the way at a time, the next gathering behind it."""

    send: Callable[[list[tuple[T, asyncio.Future[R]]]], Awaitable[None]]
    waiting: list[tuple[T, asyncio.Future[R]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def write(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, done))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._rounds(), name="write-rounds")
        return await done

    async def _rounds(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting, []
            try:
                await self.send(batch)
            except BaseException as error:  # sending failed as a whole: each write fails
                for _, done in batch:
                    _settle(done, error=error)
                if isinstance(error, asyncio.CancelledError):
                    for _, done in self.waiting:  # nobody is left to send them
                        _settle(done, error=error)
                    self.waiting = []
                    raise


def _settle(
    done: asyncio.Future[Any], result: Any = None, error: BaseException | None = None
) -> None:
    if done.done():  # its caller stopped waiting
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)


def _marked(update: Document | Sequence[Document], mark: int) -> Document | list[Document]:
    """``update`` (a pipeline or an update document) that also sets the round mark."""
    if isinstance(update, Sequence):
        return [*update, {"$set": {ROUND_MARK: mark}}]
    sets = {**update.get("$set", {}), ROUND_MARK: mark}
    return {**update, "$set": sets}


def _error_of(detail: Document) -> WriteError:
    message = detail.get("errmsg", "write failed")
    if detail.get("code") == DUPLICATE_KEY:
        return DuplicateKeyError(message, DUPLICATE_KEY, detail)
    return WriteError(message, detail.get("code"), detail)


Update = tuple[Document, Any]
"""A filter and its update (an update document or a pipeline)."""


class WriteRounds:
    """The rounds of one collection's inserts and conditional updates, in one process."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection
        self._updates: _Lane[Update, bool] = _Lane(self._send_updates)
        self._inserts: _Lane[Document, None] = _Lane(self._send_inserts)

    async def update(self, where: Document, change: Any) -> bool:
        """Apply ``change`` to the one document ``where`` finds; False when none matched."""
        return await self._updates.write((where, change))

    async def insert(self, doc: Document) -> None:
        """Store ``doc``; ``DuplicateKeyError`` when its id (or a unique key) is taken."""
        await self._inserts.write(doc)

    async def _send_inserts(self, batch: list[tuple[Document, asyncio.Future[None]]]) -> None:
        if len(batch) == 1:
            doc, done = batch[0]
            try:
                await self.collection.insert_one(doc)
            except Exception as error:
                _settle(done, error=error)
            else:
                _settle(done)
            return
        failed: dict[int, Document] = {}
        try:
            await self.collection.bulk_write([InsertOne(doc) for doc, _ in batch], ordered=False)
        except BulkWriteError as error:
            failed = {detail["index"]: detail for detail in error.details["writeErrors"]}
        for index, (_, done) in enumerate(batch):
            detail = failed.get(index)
            _settle(done, error=_error_of(detail) if detail is not None else None)

    async def _send_updates(self, batch: list[tuple[Update, asyncio.Future[bool]]]) -> None:
        if len(batch) == 1:
            (where, change), done = batch[0]
            try:
                alone = await self.collection.update_one(where, change)
            except Exception as error:
                _settle(done, error=error)
            else:
                _settle(done, alone.matched_count == 1)
            return
        marks = [random.getrandbits(62) for _ in batch]
        writes = [
            UpdateOne(where, _marked(change, mark))
            for ((where, change), _), mark in zip(batch, marks, strict=True)
        ]
        failed: dict[int, Document] = {}
        try:
            result = await self.collection.bulk_write(writes, ordered=False)
            matched = result.matched_count
        except BulkWriteError as error:
            failed = {detail["index"]: detail for detail in error.details["writeErrors"]}
            matched = error.details["nMatched"]
        for index, detail in failed.items():
            _settle(batch[index][1], error=_error_of(detail))
        written = [i for i in range(len(batch)) if i not in failed]
        if matched == len(written):
            for index in written:
                _settle(batch[index][1], True)
            return
        await self._tell_apart([(batch[i], marks[i]) for i in written], matched)

    async def _tell_apart(
        self, statements: list[tuple[tuple[Update, asyncio.Future[bool]], int]], matched: int
    ) -> None:
        """Which statements of a round matched, when fewer than all did (see the module)."""
        ids = [where["_id"] for ((where, _), _), _ in statements]
        found = self.collection.find({"_id": {"$in": ids}}, {ROUND_MARK: 1, "version": 1})
        stored = {doc["_id"]: doc async for doc in found}
        unsure = []
        for ((where, _), done), mark in statements:
            doc = stored.get(where["_id"], {})
            if doc.get(ROUND_MARK) == mark:
                matched -= 1
                _settle(done, True)
            elif "version" in where and doc.get("version") == where["version"] + 1:
                _settle(done, False)  # the version it expected was written over by another
            else:
                unsure.append(done)
        for done in unsure:
            if matched == 0:
                _settle(done, False)
            elif matched == len(unsure):
                _settle(done, True)
            else:
                _settle(done, error=WriteOutcomeUnknown("a write of a round may have been made"))
