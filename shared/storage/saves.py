"""Saves of aggregates made at about the same time share one round trip (group commit of
:class:`~shared.storage.aggregates.AggregateStore`'s writes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pymongo import InsertOne, UpdateMany, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from shared.storage.batch import DUPLICATE_KEY, NextRound, settle
from shared.storage.mongo import Document


class Passengers(Protocol):
    """Updates a round of saves carries along, told which of them were not written."""

    updates: Sequence[UpdateOne | UpdateMany]

    def settle(self, failed: set[int]) -> None: ...


class SaveBatch(NextRound["_Save"]):
    """The conditional saves and the inserts of one collection's aggregates, made by
    deliveries handled at about the same time: a write goes as soon as the round before it is
    back, with every other one made meanwhile, in one unordered bulk write. Nothing waits to be
    batched: alone, a write goes at once, exactly as ``update_one`` or ``insert_one``; under
    load, one round trip carries several.

    Each write keeps its own outcome. An update is conditional (its filter names the ``_id``
    and the ``version`` it was read at), and a bulk write counts matches only in total; so in
    a round of several, an update is sent as an upsert: one that matches nothing tries to
    insert its ``_id``, and that duplicate key is reported for it alone. Any error of an update
    in a round is settled by sending it again alone, as a plain update: its match count, or its
    own error, is then the answer (a conflict, or a unique index the change would break, say).
    Aggregates are never deleted, so such an upsert never inserts; should one (its document
    was removed by hand), that document is removed again and the write reported unmatched."""

    def __init__(
        self,
        collection: AsyncCollection[Document],
        ride: Callable[[set[Any]], Passengers | None] | None = None,
    ) -> None:
        super().__init__()
        self.collection = collection
        self.ride = ride
        """What else a round may carry: updates of documents other than those it saves (the
        outbox's removals of published entries)."""

    async def update(self, where: Document, change: list[Document]) -> bool:
        """Apply the pipeline ``change`` to the document ``where`` names (its ``_id`` and
        ``version``); False when it matched nothing."""
        matched: bool = await self._request(_Save(where, change))
        return matched

    async def insert(self, doc: Document) -> None:
        """Insert ``doc``; ``DuplicateKeyError`` when its ``_id`` is taken."""
        await self._request(_Save(doc, None))

    async def _round(self, batch: list[_Save]) -> None:
        along = self._along(batch)
        if len(batch) == 1 and along is None:
            await batch[0].alone(self.collection)
        else:
            await self._together(batch, along)

    def _along(self, batch: list[_Save]) -> Passengers | None:
        """What rides with a round that updates (its updates go in one command with them; a
        round of inserts alone would need a second command for them)."""
        if self.ride is None or all(save.change is None for save in batch):
            return None
        return self.ride({save.where["_id"] for save in batch})

    async def _together(self, batch: list[_Save], along: Passengers | None) -> None:
        writes: list[InsertOne[Document] | UpdateOne | UpdateMany] = [
            InsertOne(save.where)
            if save.change is None
            else UpdateOne(save.where, save.change, upsert=True)
            for save in batch
        ]
        riders = along.updates if along is not None else []
        try:
            result = await self.collection.bulk_write([*writes, *riders], ordered=False)
            errors: dict[int, Document] = {}
            upserted = dict(result.upserted_ids or {})
        except BulkWriteError as error:
            if error.details.get("writeConcernErrors"):
                _fail_all(batch, along, error)
                return
            errors = {e["index"]: e for e in error.details["writeErrors"]}
            upserted = {u["index"]: u["_id"] for u in error.details.get("upserted", [])}
        except asyncio.CancelledError as error:
            _fail_all(batch, along, error)
            raise
        except Exception as error:  # the database is away: every delivery retries
            _fail_all(batch, along, error)
            return
        if along is not None:
            along.settle({index - len(writes) for index in errors if index >= len(writes)})
        for index, save in enumerate(batch):
            failed = errors.get(index)
            if index in upserted:  # its document had been removed: undo the insert
                removed = {"_id": upserted[index], "version": save.where["version"] + 1}
                await self.collection.delete_one(removed)
                save.settle(False)
            elif failed is None:
                save.settle(True)
            elif save.change is not None:
                await save.alone(self.collection)
            elif failed["code"] == DUPLICATE_KEY:
                errmsg = failed.get("errmsg", "duplicate key")
                save.settle(error=DuplicateKeyError(errmsg, DUPLICATE_KEY, failed))
            else:
                errmsg = failed.get("errmsg", "insert failed")
                save.settle(error=OperationFailure(errmsg, failed.get("code"), failed))


class _Save:
    """One write waiting in a :class:`SaveBatch`: an insert (``change`` is None: ``where`` is
    the document) or a conditional update."""

    __slots__ = ("change", "done", "where")

    def __init__(self, where: Document, change: list[Document] | None) -> None:
        self.where, self.change = where, change
        self.done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def settle(self, matched: bool = True, *, error: BaseException | None = None) -> None:
        settle(self.done, error, matched)

    async def alone(self, collection: AsyncCollection[Document]) -> None:
        """Write it in a round trip of its own, as the driver's single-document call."""
        try:
            if self.change is None:
                await collection.insert_one(self.where)
                self.settle(True)
            else:
                result = await collection.update_one(self.where, self.change)
                self.settle(result.matched_count > 0)
        except Exception as error:
            self.settle(error=error)


def _fail_all(batch: list[_Save], along: Passengers | None, error: BaseException) -> None:
    """Nothing of the round is known to be written: each save fails, and what rode along is
    given back."""
    if along is not None:
        along.settle(set(range(len(along.updates))))
    for save in batch:
        save.settle(error=error)
