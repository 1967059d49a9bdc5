"""Reads of documents by ``_id`` made at about the same time share one round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from shared.storage.mongo import Document

READS_PER_ROUND = 64
"""At most this many reads (each a delivery waiting) share one query."""


class ReadBatch:
    """Documents of one collection read by their ``_id``: a read goes as soon as the one
    before it is back, with every other one asked for meanwhile, as one ``$in`` query (alone,
    a read goes at once). Each caller gets the documents it asked for, as the query found
    them; a failed query fails every caller of its round."""

    def __init__(self, collection: AsyncCollection[Document], projection: Document) -> None:
        self.collection = collection
        self.projection = projection
        self._waiting: list[tuple[Collection[Any], asyncio.Future[dict[Any, Document]]]] = []
        self._task: asyncio.Task[None] | None = None

    async def get(self, ids: Collection[Any]) -> dict[Any, Document]:
        """The documents with these ids that exist, by id."""
        done: asyncio.Future[dict[Any, Document]] = asyncio.get_running_loop().create_future()
        self._waiting.append((ids, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._send(), name="read-batch")
        return await done

    async def _send(self) -> None:
        while self._waiting:
            await asyncio.sleep(0)  # the reads of deliveries handled in this turn join
            batch = [
                (ids, done) for ids, done in self._waiting[:READS_PER_ROUND] if not done.done()
            ]
            del self._waiting[:READS_PER_ROUND]
            wanted = list(dict.fromkeys(key for ids, _ in batch for key in ids))
            if not wanted:
                continue
            try:
                cursor = self.collection.find({"_id": {"$in": wanted}}, self.projection)
                found = {doc["_id"]: doc async for doc in cursor}
            except BaseException as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                if isinstance(error, asyncio.CancelledError):
                    raise
                continue
            for ids, done in batch:
                if not done.done():
                    done.set_result({key: found[key] for key in ids if key in found})
