"""Group commit for inserts: documents inserted at about the same time share one round trip.

A consumer that stores one document per message (a ledger, a projection) awaits
:meth:`InsertBatch.insert`; the documents of deliveries handled concurrently go to the
database together (``insert_many``, unordered). A document whose key is already stored counts
as stored (a redelivery); any other failure fails every insert of that batch, so each delivery
is retried on its own.
"""

from __future__ import annotations

import asyncio

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from shared.storage.mongo import Document

DUPLICATE_KEY = 11000


class InsertBatch:
    def __init__(self, collection: AsyncCollection[Document], *, linger: float = 0.005) -> None:
        self.collection = collection
        self.linger = linger
        self._waiting: list[tuple[Document, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def insert(self, doc: Document) -> None:
        """Store ``doc`` once; returns when it is stored (or was already)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((doc, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon(), name="insert-batch")
        await done

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.linger)
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self.collection.insert_many([doc for doc, _ in batch], ordered=False)
            except BulkWriteError as error:
                others = [e for e in error.details["writeErrors"] if e["code"] != DUPLICATE_KEY]
                failed = {e["index"] for e in others}
                for index, (_, done) in enumerate(batch):
                    if index in failed:
                        done.set_exception(error)
                    else:
                        done.set_result(None)
                continue
            except Exception as error:  # the database is away: every delivery retries
                for _, done in batch:
                    done.set_exception(error)
                continue
            for _, done in batch:
                done.set_result(None)
