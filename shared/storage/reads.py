"""Reads of documents by ``_id`` made at about the same time share one round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from shared.storage.batch import NextRound, fail_all, settle
from shared.storage.mongo import Document


class ReadBatch(NextRound["_Read"]):
    """Documents of one collection read by their ``_id``: a read goes as soon as the one
    before it is back, with every other one asked for meanwhile, as one ``$in`` query (alone,
    a read goes at once). Each caller gets the documents it asked for, as the query found
    them; a failed query fails every caller of its round."""

    per_round = 64

    def __init__(self, collection: AsyncCollection[Document], projection: Document) -> None:
        super().__init__()
        self.collection = collection
        self.projection = projection

    async def get(self, ids: Collection[Any]) -> dict[Any, Document]:
        """The documents with these ids that exist, by id."""
        found: dict[Any, Document] = await self._request(_Read(ids))
        return found

    async def _round(self, batch: list[_Read]) -> None:
        wanted = list(dict.fromkeys(key for read in batch for key in read.ids))
        if not wanted:
            for read in batch:
                settle(read.done, result={})
            return
        try:
            cursor = self.collection.find({"_id": {"$in": wanted}}, self.projection)
            found = {doc["_id"]: doc async for doc in cursor}
        except Exception as error:
            fail_all(batch, error)
            return
        for read in batch:
            settle(read.done, result={key: found[key] for key in read.ids if key in found})


class _Read:
    """One caller's ids, waiting for their round."""

    __slots__ = ("done", "ids")

    def __init__(self, ids: Collection[Any]) -> None:
        self.ids = ids
        self.done: asyncio.Future[dict[Any, Document]] = asyncio.get_running_loop().create_future()
