"""Group commit: writes made at about the same time share one round trip.

A consumer that stores one document per message (a ledger, a projection) awaits
:meth:`InsertBatch.insert` or :meth:`LatestBatch.put`; the writes of deliveries handled
concurrently go to the database together (one unordered bulk write), after ``linger`` or as
soon as ``full`` of them wait. A write that finds its key already stored counts as done (a
redelivery, or a newer version of a projected document); any other failure fails every write
of that batch, so each delivery is retried on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any, Generic, Protocol, TypeVar

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.storage.mongo import Document

DUPLICATE_KEY = 11000


VIEW_LINGER_SECONDS = 0.3
"""How long a projection's write waits for others to share its round trip: views a person reads
(the back office's order list) are a fraction of a second behind the events."""

FULL_BATCH = 16
"""A round is written at once when this many writes wait: each is a delivery waiting, holding
one of the process's ``OMS_PREFETCH`` turns, so under load a batch must not wait to be large."""


def settle(
    done: asyncio.Future[Any], error: BaseException | None = None, result: Any = None
) -> None:
    """Tell a waiting request how it went, unless its caller stopped waiting (a delivery given
    back to its queue while the process stops: the write was still made, or redone on
    redelivery). A round cancelled under it cancels it."""
    if done.done():
        return
    if error is None:
        done.set_result(result)
    elif isinstance(error, asyncio.CancelledError):
        done.cancel()
    else:
        done.set_exception(error)


class Pending(Protocol):
    """A request waiting for its round: its caller awaits ``done``."""

    done: asyncio.Future[Any]


R = TypeVar("R", bound=Pending)


def fail_all(requests: Iterable[Pending], error: BaseException) -> None:
    """Tell each of ``requests`` that its round failed with ``error``."""
    for request in requests:
        settle(request.done, error)


class NextRound(Generic[R]):
    """Requests made while a round is out go together in the next one, sent as soon as it is
    back: nothing waits to be batched (alone, a request goes at once); under load one round
    trip carries several. :meth:`_round` sends a round and settles each of its requests; a
    request whose caller stopped waiting before its round is not sent; a round stopped under
    way (the process stops) leaves no caller waiting."""

    per_round = 32
    """At most this many requests (each a delivery waiting) share a round."""

    def __init__(self) -> None:
        self._waiting: list[R] = []
        self._task: asyncio.Task[None] | None = None

    async def _request(self, request: R) -> Any:
        self._waiting.append(request)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._send(), name=type(self).__name__)
        return await request.done

    async def _send(self) -> None:
        while self._waiting:
            await asyncio.sleep(0)  # the requests of deliveries handled in this turn join
            batch = [r for r in self._waiting[: self.per_round] if not r.done.done()]
            del self._waiting[: self.per_round]
            if not batch:
                continue
            try:
                await self._round(batch)
            except BaseException as error:
                fail_all([*batch, *self._waiting], error)
                self._waiting.clear()
                raise

    async def _round(self, batch: list[R]) -> None:
        raise NotImplementedError


class _GroupCommit:
    def __init__(
        self, collection: AsyncCollection[Document], *, linger: float, full: int = FULL_BATCH
    ) -> None:
        self.collection = collection
        self.linger = linger
        self.full = full
        self._waiting: list[tuple[Document, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None
        self._filled = asyncio.Event()

    async def _add(self, doc: Document) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((doc, done))
        if len(self._waiting) >= self.full:
            self._filled.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon(), name=type(self).__name__)
        await done

    async def _write(self, docs: list[Document]) -> None:
        raise NotImplementedError

    async def _flush_soon(self) -> None:
        # Every round lingers, the first and the later ones: writes that arrive while a batch is
        # being written wait for the next round rather than each taking a round trip at once.
        while self._waiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._filled.wait(), self.linger)
            self._filled.clear()
            batch, self._waiting = self._waiting, []
            await self._round(batch)

    async def _round(self, batch: list[tuple[Document, asyncio.Future[None]]]) -> None:
        """Write one round, then tell each waiting delivery how its write went."""
        try:
            await self._write([doc for doc, _ in batch])
        except BulkWriteError as error:
            others = [e for e in error.details["writeErrors"] if e["code"] != DUPLICATE_KEY]
            failed = {e["index"] for e in others}
            for index, (_, done) in enumerate(batch):
                if index in failed:
                    settle(done, error)
                else:
                    settle(done)
            return
        except Exception as error:  # the database is away: every delivery retries
            for _, done in batch:
                settle(done, error)
            return
        for _, done in batch:
            settle(done)


class InsertBatch(_GroupCommit):
    """Inserts of new documents; one whose ``_id`` is stored already counts as stored."""

    def __init__(self, collection: AsyncCollection[Document], *, linger: float = 0.005) -> None:
        super().__init__(collection, linger=linger)

    async def insert(self, doc: Document) -> None:
        """Store ``doc`` once; returns when it is stored (or was already)."""
        await self._add(doc)

    async def _write(self, docs: list[Document]) -> None:
        await self.collection.insert_many(docs, ordered=False)


class LatestBatch(_GroupCommit):
    """Upserts of a projection whose documents carry an increasing ``field`` (a sequence
    number): a document is replaced only by a newer one, so a late or repeated write changes
    nothing, whatever order writes arrive in. A long ``linger`` trades the projection's delay
    for fewer round trips."""

    def __init__(self, collection: AsyncCollection[Document], *, field: str, linger: float) -> None:
        super().__init__(collection, linger=linger)
        self.field = field

    async def put(self, doc: Document) -> None:
        """Store ``doc`` (with its ``_id``) unless a newer version is stored; returns when done."""
        await self._add(doc)

    async def _write(self, docs: list[Document]) -> None:
        field = self.field
        newest: dict[Any, Document] = {}
        for doc in docs:  # one write per key: two upserts of one key could race each other
            if (seen := newest.get(doc["_id"])) is None or seen[field] < doc[field]:
                newest[doc["_id"]] = doc
        writes: list[Any] = [
            UpdateOne(
                {"_id": key, field: {"$lt": doc[field]}},
                {"$set": {k: v for k, v in doc.items() if k != "_id"}},
                upsert=True,
            )
            for key, doc in newest.items()
        ]
        try:
            await self.collection.bulk_write(writes, ordered=False)
        except BulkWriteError as error:
            # A newer version stored: no match, and the upsert's insert hits the key (done).
            if any(e["code"] != DUPLICATE_KEY for e in error.details["writeErrors"]):
                raise RuntimeError(f"projection write failed: {error.details}") from error


class UpdateBatch(_GroupCommit):
    """Updates and upserts of a projection, made by deliveries handled at about the same
    time, in one ordered bulk write: each applies as if it had been awaited alone, in the
    order they were made. One that fails raises its own error to its caller (a duplicate key
    of an upsert that matched nothing, say); those after it go in the next round.

    Update pipelines of one document (``where`` is its ``_id`` alone, the same ``upsert``)
    made one after the other in a round go as one statement, their stages in the order made:
    the stages of one pipeline run on what the previous left, as the second statement would
    run on what the first wrote (an upsert's first stage starts from the ``_id``, as the first
    statement's insert would), so the document ends the same. A view's writes about one order
    within a round (its status, an issue, an invoice) cost one read and one write of it."""

    def __init__(self, collection: AsyncCollection[Document], *, linger: float) -> None:
        super().__init__(collection, linger=linger)
        self._apart = False
        """The next round sends each write alone: a joined statement failed, and the writes
        in it are tried again one by one (only the one that fails fails)."""

    async def update(
        self, where: Document, change: Document | list[Document], *, upsert: bool = False
    ) -> None:
        """Apply ``change`` (an update document or a pipeline) to the document ``where``
        finds; returns once it is written."""
        await self._add({"where": where, "change": change, "upsert": upsert})

    async def _round(self, batch: list[tuple[Document, asyncio.Future[None]]]) -> None:
        ops = [op for op, _ in batch]
        statements = [(op, [i]) for i, op in enumerate(ops)] if self._apart else _joined(ops)
        self._apart = False
        writes = [UpdateOne(op["where"], op["change"], upsert=op["upsert"]) for op, _ in statements]
        try:
            await self.collection.bulk_write(writes, ordered=True)
        except BulkWriteError as error:
            failed = error.details["writeErrors"][0]
            index = failed["index"]
            for _, members in statements[:index]:
                for member in members:
                    settle(batch[member][1])
            cause = (
                DuplicateKeyError(failed.get("errmsg", "duplicate key"), DUPLICATE_KEY, failed)
                if failed["code"] == DUPLICATE_KEY
                else error
            )
            if len(failing := statements[index][1]) == 1:
                settle(batch[failing[0]][1], cause)
                failing = []
            else:  # which of the joined writes failed is found in the next round, alone
                self._apart = True
            untried = sorted([*failing, *(m for _, ms in statements[index + 1 :] for m in ms)])
            self._waiting[:0] = [batch[m] for m in untried]  # first in the next round
            return
        except Exception as error:  # the database is away: every delivery retries
            for _, done in batch:
                settle(done, error)
            return
        for _, done in batch:
            settle(done)


def _joinable(op: Document) -> bool:
    """An update pipeline of one document named by its ``_id`` alone."""
    return isinstance(op["change"], list) and list(op["where"]) == ["_id"]


def _joined(ops: list[Document]) -> list[tuple[Document, list[int]]]:
    """The statements of a round, in order, each with the positions of the writes it makes:
    a pipeline of a document is joined to the statement before it when that is the last
    statement about the document and a joinable one (same ``upsert``)."""
    statements: list[tuple[Document, list[int]]] = []
    last: dict[Any, int] = {}  # a document's _id -> its last statement's position
    for position, op in enumerate(ops):
        key = op["where"].get("_id")
        named = type(key) in (str, int)  # (not a bool: true is not the _id 1)
        if not named:
            last.clear()  # it may write any document: nothing is joined across it
        elif (at := last.get(key)) is not None and _joinable(op):
            before, members = statements[at]
            if _joinable(before) and before["upsert"] == op["upsert"]:
                joined = {**before, "change": [*before["change"], *op["change"]]}
                statements[at] = (joined, [*members, position])
                continue
        if named:
            last[key] = len(statements)
        statements.append((op, [position]))
    return statements
