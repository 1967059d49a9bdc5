"""The outbox relay: publishes events that were stored with a state change, then forgets them.

Publishing happens at least once: an entry leaves the document only after the broker confirmed
it, so a crash in between re-publishes it (consumers drop the duplicate by ``message_id``).
Each document is claimed with a lease, so N replicas do not publish the same entry N times.

Documents with entries left carry ``outbox_pending: true`` (sparse-indexed), so that looking
for work does not scan a collection.

Fast path: the process that saved a document already holds its lease and publishes the new
entries at once. Slow path: a poll loop claims documents whose lease expired with entries left
(their writer crashed or could not reach the broker) and publishes everything they hold.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import structlog
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.concurrency import KeyedLocks
from shared.contracts.base import utcnow
from shared.storage.mongo import Document

PublishEntry = Callable[[Document], Awaitable[None]]

log = structlog.get_logger(__name__)


class PublishFailed(Exception):
    """The broker did not confirm an entry; it stays stored and is retried."""


class OutboxRelay:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        collections: Sequence[str],
        publish: PublishEntry,
        *,
        owner: str,
        lease_seconds: float = 15.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.collections = tuple(collections)
        self.publish = publish
        self.owner = owner
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks = KeyedLocks()
        self._poller: asyncio.Task[None] | None = None
        self._running = False

    def new_lease(self) -> Document:
        return {"owner": self.owner, "until": utcnow() + self.lease}

    async def start(self) -> None:
        self._running = True
        self._poller = asyncio.create_task(self._poll_forever(), name="outbox-poller")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop polling and let fast-path publications in flight finish (up to ``timeout``)."""
        self._running = False
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def notify(self, collection: str, doc_id: Any, entries: list[Document]) -> None:
        """The caller just stored ``entries`` under its own lease: publish them now."""
        if not entries or not self._running:
            return
        task = asyncio.create_task(self._publish_logged(collection, doc_id, entries))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish_logged(self, collection: str, doc_id: Any, entries: list[Document]) -> None:
        try:
            await self._publish_entries(collection, doc_id, entries)
        except Exception:
            # The entries stay stored; the poll loop publishes them once the lease runs out.
            log.warning("outbox_fast_path_failed", collection=collection, id=doc_id, exc_info=True)

    async def drain(self) -> int:
        """Claim and publish every document with entries left whose lease ran out."""
        published = 0
        for name in self.collections:
            while (doc := await self._claim(name)) is not None:
                try:
                    published += await self._publish_entries(name, doc["_id"], doc["outbox"])
                except PublishFailed:
                    break  # the broker is likely away: try this collection again next round
        return published

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("outbox_poll_failed", exc_info=True)
            await asyncio.sleep(self.poll_seconds)

    async def _claim(self, collection: str) -> Document | None:
        now = utcnow()
        return await self.db[collection].find_one_and_update(
            {
                "outbox_pending": True,
                "$or": [{"outbox_lease": None}, {"outbox_lease.until": {"$lt": now}}],
            },
            {"$set": {"outbox_lease": {"owner": self.owner, "until": now + self.lease}}},
            projection={"outbox": 1},
            return_document=ReturnDocument.AFTER,
        )

    async def _publish_entries(self, collection: str, doc_id: Any, entries: list[Document]) -> int:
        # One document's entries go out in the order they were recorded.
        async with self._locks.hold((collection, doc_id)):
            return await self._publish_in_order(collection, doc_id, entries)

    async def _publish_in_order(self, collection: str, doc_id: Any, entries: list[Document]) -> int:
        sent: list[str] = []
        try:
            for entry in entries:
                await self.publish(entry)
                sent.append(entry["message_id"])
        except Exception as error:
            log.warning("outbox_publish_failed", collection=collection, id=doc_id, exc_info=True)
            # Give the document back at once so that a poll loop retries it.
            await self.db[collection].update_one(
                {"_id": doc_id, "outbox_lease.owner": self.owner},
                {"$set": {"outbox_lease.until": utcnow()}},
            )
            raise PublishFailed(f"{collection}/{doc_id}") from error
        finally:
            if sent:
                await self._forget(collection, doc_id, sent)
        return len(sent)

    async def _forget(self, collection: str, doc_id: Any, sent: list[str]) -> None:
        documents = self.db[collection]
        await documents.update_one(
            {"_id": doc_id}, {"$pull": {"outbox": {"message_id": {"$in": sent}}}}
        )
        # The marker goes only when nothing is left: a writer may have added entries meanwhile.
        await documents.update_one(
            {"_id": doc_id, "outbox": {"$size": 0}}, {"$unset": {"outbox_pending": ""}}
        )


async def create_outbox_index(db: AsyncDatabase[Document], collection: str) -> None:
    """The relay looks for pending documents through this sparse index."""
    await db[collection].create_index("outbox_pending", sparse=True)
