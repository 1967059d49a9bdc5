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
from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.concurrency import KeyedLocks
from shared.contracts.base import utcnow
from shared.logging import log_failure
from shared.storage.mongo import Document
from shared.storage.writes import forget_pipeline

PublishEntry = Callable[[Document], Awaitable[None]]
AnswerEntry = Callable[[Document, str], Awaitable[None]]

RECOVERY_MARGIN_SECONDS = 0.25
FORGET_LINGER_SECONDS = 1.0
"""How long published entries wait to be forgotten: the document's next save removes them at
no cost, and what is left then is forgotten in one round trip per collection."""

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
        idle_poll_seconds: float = 8.0,
        answer: AnswerEntry | None = None,
    ) -> None:
        self.db = db
        self._answer = answer
        self.collections = tuple(collections)
        self.publish = publish
        self.owner = owner
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks = KeyedLocks()
        self._poller: asyncio.Task[None] | None = None
        self._running = False
        self._forgetting = {
            name: _Forgetter(db, name, linger=FORGET_LINGER_SECONDS) for name in self.collections
        }
        self._wake = asyncio.Event()
        self.max_poll_seconds = max(poll_seconds, idle_poll_seconds)
        """Idle polls cost one query per collection each: a service with many collections
        with outboxes would otherwise pay for its pollers more than for its work."""

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
        for forgetter in self._forgetting.values():
            await forgetter.stop()

    async def answer(self, entry: Document, reply_to: str) -> None:
        """Send a stored answer again, to ``reply_to`` only."""
        if self._answer is not None:
            await self._answer(entry, reply_to)

    def take_published(self, collection: str, doc_id: Any) -> list[str]:
        """Published entries of a document not yet forgotten: the caller's write removes them
        (and gives them back with :meth:`forget_later` if it fails)."""
        forgetter = self._forgetting.get(collection)
        return forgetter.take(doc_id) if forgetter is not None else []

    def forget_later(self, collection: str, doc_id: Any, published: list[str]) -> None:
        if published:
            self._forgetting[collection].forget(doc_id, published)

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
        except Exception as error:
            # The entries stay stored; the poll loop publishes them once the lease runs out.
            log_failure(log, "outbox_fast_path_failed", error, collection=collection, id=doc_id)

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
        """Drain, then wait: ``poll_seconds`` after finding work, twice as long after each idle
        round up to ``max_poll_seconds``, and at once when the
        fast path gives a document back."""
        interval = self.poll_seconds
        # What a process that died before this one started left behind comes free at the
        # latest one lease after this start: look again then, so it goes out within seconds.
        loop = asyncio.get_running_loop()
        recovery_at = loop.time() + self.lease.total_seconds() + RECOVERY_MARGIN_SECONDS
        while True:
            try:
                found = await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log_failure(log, "outbox_poll_failed", error)
                found = 0
            interval = self.poll_seconds if found else min(interval * 2, self.max_poll_seconds)
            if (until_recovery := recovery_at - loop.time()) > 0:
                interval = min(interval, until_recovery)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()

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
        sent: list[str] = []
        try:
            # One document's entries go out in the order they were recorded.
            async with self._locks.hold((collection, doc_id)):
                await self._publish_in_order(collection, doc_id, entries, sent)
        finally:
            if sent:
                self._forgetting[collection].forget(doc_id, sent)
        return len(sent)

    async def _publish_in_order(
        self, collection: str, doc_id: Any, entries: list[Document], sent: list[str]
    ) -> None:
        try:
            for entry in entries:
                await self.publish(entry)
                sent.append(entry["message_id"])
        except Exception as error:
            log_failure(log, "outbox_publish_failed", error, collection=collection, id=doc_id)
            # Give the document back at once so that a poll loop retries it.
            await self.db[collection].update_one(
                {"_id": doc_id, "outbox_lease.owner": self.owner},
                {"$set": {"outbox_lease.until": utcnow()}},
            )
            self._wake.set()
            raise PublishFailed(f"{collection}/{doc_id}") from error


class _Forgetter:
    """Removes published entries from their documents, off the publishing path.

    Entries published within ``linger`` seconds of each other are forgotten in one round trip
    (one bulk write, one update per document). Each update removes exactly the published
    entries and drops the ``outbox_pending`` marker only when nothing is left: a writer may have
    added entries meanwhile. An entry not forgotten (a crash, the database away) is published
    again once its lease runs out; consumers drop the duplicate.
    """

    def __init__(self, db: AsyncDatabase[Document], collection: str, linger: float) -> None:
        self.collection = db[collection]
        self.linger = linger
        self._waiting: dict[Any, list[str]] = {}
        self._task: asyncio.Task[None] | None = None
        self._now = asyncio.Event()

    def forget(self, doc_id: Any, sent: list[str]) -> None:
        self._waiting.setdefault(doc_id, []).extend(sent)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon(), name="outbox-forget")

    def take(self, doc_id: Any) -> list[str]:
        return self._waiting.pop(doc_id, [])

    async def _flush_soon(self) -> None:
        # Every round lingers: what is published during a write waits for the next round
        # (where a save may absorb it) instead of going out in a round trip of its own.
        while self._waiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._now.wait(), self.linger)
            await self._flush_once()

    async def flush(self) -> None:
        while self._waiting:
            await self._flush_once()

    async def _flush_once(self) -> None:
        batch, self._waiting = self._waiting, {}
        if not batch:
            return
        try:
            await self.collection.bulk_write(
                [
                    UpdateOne({"_id": doc_id}, forget_pipeline(sent))
                    for doc_id, sent in batch.items()
                ],
                ordered=False,
            )
        except Exception as error:  # published again once their lease runs out
            log_failure(log, "outbox_forget_failed", error, ids=list(batch))

    async def stop(self) -> None:
        """Forget what is waiting now, without lingering."""
        self._now.set()
        if self._task is not None:
            await self._task
        await self.flush()


async def create_outbox_index(db: AsyncDatabase[Document], collection: str) -> None:
    """The relay looks for pending documents through this sparse index."""
    await db[collection].create_index("outbox_pending", sparse=True)
