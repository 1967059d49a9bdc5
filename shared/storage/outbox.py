"""The outbox relay: publishes events that were stored with a state change, each once.

An entry leaves its document only after the broker confirmed it. The relay publishes an entry
once and never again, however long the write that records it (removes it from the document)
is delayed, because of three rules:

1. **What this process published it remembers** until the database has recorded it: the entry's
   message id stays in :attr:`OutboxRelay.unrecorded` from the broker's confirm until the write
   that removes it (a forget round, or the document's next save) is acknowledged. Whatever path
   finds the entry again in this process (its own poll loop, a claim after a lease ran out)
   skips it.
2. **Other processes keep out while the lease lasts**, and the record is sent before it ends.
   A document's entries are published under a lease (``outbox_lease``: owner and end) that a
   poll loop elsewhere respects. Published entries wait for their forget round at most until
   their lease's end less a margin (a quarter of the lease), not the whole linger, so the
   removal is on its way to the database before any other relay may claim the document; a
   claim sent later arrives after it. A publication still waiting for the broker's confirm
   near the end of its lease renews the lease first (a write conditional on still holding it;
   if another relay took it meanwhile, this one stops and leaves the rest to it).
3. **Only a crash between the broker's confirm and the record** publishes an entry again: a
   process that dies forgets rule 1, and its lease runs out. Consumers drop the repeat by its
   ``message_id`` (delivery is at least once, and says so in the README and AsyncAPI).

Documents with entries left carry ``outbox_pending: true`` (sparse-indexed), so that looking
for work does not scan a collection.

Fast path: the process that saved a document already holds its lease and publishes the new
entries at once. Slow path: a poll loop claims documents whose lease ran out with entries left
(their writer crashed or could not reach the broker) and publishes what this process has not.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from pymongo import ReturnDocument, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.concurrency import KeyedLocks
from shared.contracts.base import utcnow
from shared.logging import log_failure
from shared.storage.mongo import Document
from shared.storage.writes import ANSWER_TO, forget_pipeline, literal

PublishEntry = Callable[[Document], Awaitable[None]]
AnswerEntry = Callable[[Document, str], Awaitable[None]]
Key = tuple[str, Any]
"""(collection, document id)"""

RECOVERY_MARGIN_SECONDS = 0.25
FORGET_LINGER_SECONDS = 1.0
"""How long published entries wait to be forgotten: the document's next save removes them at
no cost, and what is left then is forgotten in one round trip per collection."""
LEASE_MARGIN = 0.25
"""The share of a lease kept in hand: records and renewals are sent before it is reached."""
FORGET_RETRY_SECONDS = 1.0
FORGET_IDS_PER_UPDATE = 48
"""At most this many published entries are removed by one update (each document it changes
tests each of its entries against all of them)."""

log = structlog.get_logger(__name__)


class PublishFailed(Exception):
    """The broker did not confirm an entry; it stays stored and is retried."""


class LeaseLost(Exception):
    """Another relay claimed the document while this one was still publishing it."""


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
        self.margin = lease_seconds * LEASE_MARGIN
        self.poll_seconds = poll_seconds
        self.unrecorded: dict[Key, set[str]] = {}
        """Entries the broker confirmed whose removal the database has not acknowledged yet."""
        self.answering: set[str] = set()
        """Of those, the ones that answer a command (their removal keeps them as answers)."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks = KeyedLocks()
        self._poller: asyncio.Task[None] | None = None
        self._in_hand = False
        """Whether the poll loop holds a document (from its claim until its entries are
        recorded as published)."""
        self._running = False
        self._stopping = False
        self._forgetting = {
            name: _Forgetter(self, db, name, linger=FORGET_LINGER_SECONDS)
            for name in self.collections
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

    def hurry(self) -> None:
        """The process is stopping: removals of published entries go out at once from now on,
        while the handlers in hand finish, rather than after a linger the process may not
        live through (an entry whose removal is never written is published again by whoever
        claims its document next)."""
        for forgetter in self._forgetting.values():
            forgetter.hurry()

    def stop_polling(self) -> None:
        """The process is stopping: the poll loop claims no more documents (it ends after the
        one in hand), while the fast path still publishes what the handlers in hand store."""
        self._stopping = True
        self._wake.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop polling and let publications in flight finish (all within ``timeout``), then
        write the removals of what they published."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        deadline = began + timeout
        self.hurry()
        self._running = False
        self.stop_polling()
        if self._poller is not None:
            # The poll loop ends after the document in hand: cut off in the middle of a
            # publication, it could not record an entry the broker confirmed. Holding none (it
            # waits, or asks where work is), it has nothing to finish and ends at once, rather
            # than after a query a busy database answers late.
            if not self._in_hand:
                self._poller.cancel()
            done, _ = await asyncio.wait({self._poller}, timeout=deadline - loop.time())
            if not done:
                self._poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._poller
        polled = loop.time()
        publishing = len(self._tasks)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=max(deadline - loop.time(), 0.01))
        published = loop.time()
        log.info(
            "outbox_recording",
            poll_loop_s=round(polled - began, 3),
            publications=publishing,
            publications_s=round(published - polled, 3),
        )
        for forgetter in self._forgetting.values():
            await forgetter.stop()
        log.info("outbox_stopped", records_s=round(loop.time() - published, 3))

    async def answer(self, entry: Document, reply_to: str) -> None:
        """Send a stored answer again, to ``reply_to`` only."""
        if self._answer is not None:
            await self._answer(entry, reply_to)

    # --- what a save writes along ----------------------------------------------------------

    def take_published(self, collection: str, doc_id: Any) -> list[str]:
        """Published entries of a document not yet forgotten: the caller's write removes them
        and says so with :meth:`recorded` (or gives them back with :meth:`forget_later`)."""
        forgetter = self._forgetting.get(collection)
        return forgetter.take(doc_id) if forgetter is not None else []

    def ride(self, collection: str, besides: Collection[Any]) -> ForgetRide | None:
        """The published entries of ``collection``'s documents (other than ``besides``) that
        wait to be forgotten, as updates to send along with a round of saves of it (one round
        trip for both, and sooner than the forget round would have gone)."""
        forgetter = self._forgetting.get(collection)
        if forgetter is None or not (taken := forgetter.take_all(besides)):
            return None
        return ForgetRide(self, forgetter, taken)

    def forget_later(self, collection: str, doc_id: Any, published: list[str]) -> None:
        if published:
            # A save that failed gives them back: the next round (one linger) records them.
            self._forgetting[collection].forget(doc_id, published, float("inf"))

    def answering_among(self, published: Iterable[str]) -> list[str]:
        """Which of these published entries answer a command."""
        return [message_id for message_id in published if message_id in self.answering]

    def recorded(self, collection: str, doc_id: Any, published: Iterable[str]) -> None:
        """The database acknowledged a write that removed these published entries."""
        key = (collection, doc_id)
        done = set(published)
        self.answering.difference_update(done)
        if (left := self.unrecorded.get(key)) is not None:
            left.difference_update(done)
            if not left:
                del self.unrecorded[key]

    def notify(
        self, collection: str, doc_id: Any, entries: list[Document], lease: Document
    ) -> None:
        """The caller just stored ``entries`` under its own ``lease``: publish them now."""
        if not entries or not self._running:
            return
        deadline = self._loop_time(lease["until"])
        task = asyncio.create_task(self._publish_logged(collection, doc_id, entries, deadline))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish_logged(
        self, collection: str, doc_id: Any, entries: list[Document], deadline: float
    ) -> None:
        try:
            await self._publish_entries(collection, doc_id, entries, deadline)
        except LeaseLost:
            pass  # another relay publishes what is left
        except Exception as error:
            # The entries stay stored; the poll loop publishes them once the lease runs out.
            log_failure(log, "outbox_fast_path_failed", error, collection=collection, id=doc_id)

    # --- the poll loop ---------------------------------------------------------------------

    async def drain(self) -> int:
        """Claim and publish every document with entries left whose lease ran out."""
        published = 0
        for name in await self._with_work():
            while not self._stopping:
                # From the claim to the record: cut off in between, a claimed document would
                # wait out its lease, or an entry the broker confirmed go unrecorded.
                self._in_hand = True
                try:
                    if (claimed := await self._claim(name)) is None:
                        break
                    doc, deadline = claimed
                    published += await self._publish_entries(
                        name, doc["_id"], doc["outbox"], deadline
                    )
                except LeaseLost:
                    continue
                except PublishFailed:
                    break  # the broker is likely away: try this collection again next round
                finally:
                    self._in_hand = False
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
        while not self._stopping:
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

    async def _with_work(self) -> Sequence[str]:
        """The collections holding a document to claim, asked in one round trip for all of
        them (``$unionWith``): an idle poll costs one query per process, not one per
        collection. With one collection, the claim itself asks."""
        if len(self.collections) < 2:
            return self.collections
        claimable = _claimable(utcnow())

        def first(name: str) -> list[Document]:
            return [
                {"$match": claimable},
                {"$limit": 1},
                {"$project": {"_id": 0, "collection": literal(name)}},
            ]

        head, *rest = self.collections
        pipeline = first(head) + [
            {"$unionWith": {"coll": name, "pipeline": first(name)}} for name in rest
        ]
        cursor = await self.db[head].aggregate(pipeline)
        found = {doc["collection"] async for doc in cursor}
        return [name for name in self.collections if name in found]

    async def _claim(self, collection: str) -> tuple[Document, float] | None:
        now = utcnow()
        until = now + self.lease
        doc = await self.db[collection].find_one_and_update(
            _claimable(now),
            {"$set": {"outbox_lease": {"owner": self.owner, "until": until}}},
            projection={"outbox": 1},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else (doc, self._loop_time(until))

    # --- publishing ------------------------------------------------------------------------

    async def _publish_entries(
        self, collection: str, doc_id: Any, entries: list[Document], deadline: float
    ) -> int:
        sent: list[str] = []
        lease = _Lease(deadline)
        try:
            # One document's entries go out in the order they were recorded.
            async with self._locks.hold((collection, doc_id)):
                await self._publish_in_order(collection, doc_id, entries, sent, lease)
        finally:
            if sent:
                self._forgetting[collection].forget(doc_id, sent, lease.deadline - self.margin)
        return len(sent)

    async def _publish_in_order(
        self,
        collection: str,
        doc_id: Any,
        entries: list[Document],
        sent: list[str],
        lease: _Lease,
    ) -> None:
        key = (collection, doc_id)
        try:
            for entry in entries:
                message_id = entry["message_id"]
                if message_id in self.unrecorded.get(key, ()):
                    continue  # published already; its removal is on its way
                if asyncio.get_running_loop().time() > lease.deadline - self.margin:
                    await self._renew(collection, doc_id, lease)
                await self.publish(entry)
                self.unrecorded.setdefault(key, set()).add(message_id)
                if entry.get(ANSWER_TO) is not None:
                    self.answering.add(message_id)
                sent.append(message_id)
        except LeaseLost:
            raise
        except Exception as error:
            log_failure(log, "outbox_publish_failed", error, collection=collection, id=doc_id)
            # Give the document back at once so that a poll loop retries it.
            await self.db[collection].update_one(
                {"_id": doc_id, "outbox_lease.owner": self.owner},
                {"$set": {"outbox_lease.until": utcnow()}},
            )
            self._wake.set()
            raise PublishFailed(f"{collection}/{doc_id}") from error

    async def _renew(self, collection: str, doc_id: Any, lease: _Lease) -> None:
        """Extend the lease before publishing near its end, if this relay still holds it."""
        until = utcnow() + self.lease
        result = await self.db[collection].update_one(
            {"_id": doc_id, "outbox_lease.owner": self.owner},
            {"$set": {"outbox_lease.until": until}},
        )
        if result.matched_count == 0:
            log.info("outbox_lease_lost", collection=collection, id=doc_id)
            raise LeaseLost(f"{collection}/{doc_id}")
        lease.deadline = self._loop_time(until)

    # --- time ------------------------------------------------------------------------------

    def _loop_time(self, until: datetime) -> float:
        """A lease's end as event-loop time (the loop's clock does not jump)."""
        return asyncio.get_running_loop().time() + (until - utcnow()).total_seconds()


class _Lease:
    __slots__ = ("deadline",)

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline


class _Forgetter:
    """Removes published entries from their documents, off the publishing path.

    Entries published within ``linger`` seconds of each other are forgotten in one round trip
    (one bulk write of a few updates, each for several documents), but none waits past its
    deadline (its lease's end less the margin). Each document loses exactly its published
    entries and its ``outbox_pending`` marker only when nothing is left: a writer may have added
    entries meanwhile. An update of several documents is not retried by the driver on a
    failover (a retryable write changes one document); the round's own retry covers it, and
    removing an entry twice removes nothing more. A round that fails is tried again; rounds do
    not wait for each other, so a slow write holds up no deadline.
    """

    def __init__(
        self, relay: OutboxRelay, db: AsyncDatabase[Document], collection: str, linger: float
    ) -> None:
        self.relay = relay
        self.name = collection
        self.collection = db[collection]
        self.linger = linger
        self._waiting: dict[Any, list[str]] = {}
        self._deadline = float("inf")
        self._task: asyncio.Task[None] | None = None
        self._writes: set[asyncio.Task[None]] = set()
        self._sooner = asyncio.Event()
        self._stopping = False
        self._hurried = False

    def forget(self, doc_id: Any, sent: list[str], deadline: float) -> None:
        self._waiting.setdefault(doc_id, []).extend(sent)
        if deadline < self._deadline:
            self._deadline = deadline
            self._sooner.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon(), name="outbox-forget")

    def take(self, doc_id: Any) -> list[str]:
        return self._waiting.pop(doc_id, [])

    def take_all(self, besides: Collection[Any]) -> dict[Any, list[str]]:
        taken = {doc_id: sent for doc_id, sent in self._waiting.items() if doc_id not in besides}
        for doc_id in taken:
            del self._waiting[doc_id]
        return taken

    def updates(self, batch: dict[Any, list[str]]) -> list[Forget]:
        """The updates removing exactly the published entries of ``batch``'s documents: one
        for several documents (``_id`` among theirs, the entries among all of theirs: a message
        id is unique, so each document loses its own and no other), as few as
        :data:`FORGET_IDS_PER_UPDATE` allows. One statement for a round's documents rather than
        one each: the pipeline is sent, parsed and compiled once."""
        forgets: list[Forget] = []
        group: dict[Any, list[str]] = {}
        count = 0
        for doc_id, sent in batch.items():
            if group and count + len(sent) > FORGET_IDS_PER_UPDATE:
                forgets.append(self._forget(group))
                group, count = {}, 0
            group[doc_id] = sent
            count += len(sent)
        if group:
            forgets.append(self._forget(group))
        return forgets

    def _forget(self, group: dict[Any, list[str]]) -> Forget:
        sent = [message_id for ids in group.values() for message_id in ids]
        change = forget_pipeline(sent, self.relay.answering_among(sent))
        if len(group) == 1:
            (doc_id,) = group
            return Forget(UpdateOne({"_id": doc_id}, change), group)
        return Forget(UpdateMany({"_id": {"$in": list(group)}}, change), group)

    async def _flush_soon(self) -> None:
        # Every round lingers: what is published during a write waits for the next round
        # (where a save may absorb it) instead of going out in a round trip of its own.
        loop = asyncio.get_running_loop()
        while self._waiting:
            started = loop.time()
            while not self._hurried:
                wait = min(started + self.linger, self._deadline) - loop.time()
                if wait <= 0:
                    break
                self._sooner.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._sooner.wait(), wait)
            self._round()
            await asyncio.sleep(0)

    def _round(self) -> None:
        batch, self._waiting, self._deadline = self._waiting, {}, float("inf")
        if batch:
            write = asyncio.create_task(self._write(batch), name="outbox-forget-write")
            self._writes.add(write)
            write.add_done_callback(self._writes.discard)

    async def _write(self, batch: dict[Any, list[str]]) -> None:
        forgets = self.updates(batch)
        try:
            await self.collection.bulk_write([f.update for f in forgets], ordered=False)
        except Exception as error:
            log_failure(log, "outbox_forget_failed", error, ids=list(batch))
            if not self._stopping:
                await asyncio.sleep(FORGET_RETRY_SECONDS)
                retry_by = asyncio.get_running_loop().time()
                for doc_id, sent in batch.items():
                    self.forget(doc_id, sent, retry_by)
            return
        for doc_id, sent in batch.items():
            self.relay.recorded(self.name, doc_id, sent)

    async def flush(self) -> None:
        """Write what is waiting and wait for every round under way (each wait yields to the
        event loop, so a round that ended is seen as ended)."""
        while True:
            self._round()
            under_way = {write for write in self._writes if not write.done()}
            if not under_way and not self._waiting:
                return
            if under_way:
                await asyncio.wait(under_way)
            else:
                await asyncio.sleep(0)

    def hurry(self) -> None:
        """Linger no more: what is published from now on is forgotten at once."""
        self._hurried = True
        self._sooner.set()

    async def stop(self) -> None:
        """Forget what is waiting now, without lingering (a failed round is not retried)."""
        self._stopping = True
        self.hurry()
        if self._task is not None:
            await self._task
        await self.flush()


class Forget:
    """One update removing published entries, and the documents' entries it removes."""

    __slots__ = ("group", "update")

    def __init__(self, update: UpdateOne | UpdateMany, group: dict[Any, list[str]]) -> None:
        self.update, self.group = update, group


class ForgetRide:
    """Published entries of one collection forgotten by updates sent in a round of its saves
    (:class:`~shared.storage.saves.SaveBatch`). Each update that is written records its
    entries; one that is not gives them back to be forgotten at once, on their own (removing
    them again is harmless: an update that removed some of its entries before failing removes
    the rest)."""

    def __init__(
        self, relay: OutboxRelay, forgetter: _Forgetter, batch: dict[Any, list[str]]
    ) -> None:
        self.relay, self.forgetter = relay, forgetter
        self._forgets = forgetter.updates(batch)
        self.updates: Sequence[UpdateOne | UpdateMany] = [f.update for f in self._forgets]

    def settle(self, failed: Collection[int]) -> None:
        """The round is back: the updates at positions ``failed`` (of :attr:`updates`) were
        not written."""
        now = asyncio.get_running_loop().time()
        for position, forget in enumerate(self._forgets):
            for doc_id, sent in forget.group.items():
                if position in failed:
                    self.forgetter.forget(doc_id, sent, now)
                else:
                    self.relay.recorded(self.forgetter.name, doc_id, sent)


async def create_outbox_index(db: AsyncDatabase[Document], collection: str) -> None:
    """The relay looks for pending documents through this sparse index."""
    await db[collection].create_index("outbox_pending", sparse=True)


def _claimable(now: datetime) -> Document:
    """Documents with entries left whose lease ran out (or that never had one)."""
    return {
        "outbox_pending": True,
        "$or": [{"outbox_lease": None}, {"outbox_lease.until": {"$lt": now}}],
    }
