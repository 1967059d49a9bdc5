"""Versioned aggregate documents that carry their own outbox and inbox.

One aggregate is one document. Saving it is a single conditional write that, atomically,
changes its state, bumps its ``version``, appends the events it recorded to ``outbox`` and the
id of the message that caused the change to ``applied_messages``. A stale version matches
nothing and raises :class:`ConcurrencyConflict`; the caller reloads and tries again. Saves of
different aggregates made at about the same time share a round trip
(:class:`~shared.storage.saves.SaveBatch`), each keeping its own outcome.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Generic, TypeVar, cast

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.concurrency import ordering_turn, waiting_for_turn
from shared.contracts.base import Command, Event, Message, utcnow
from shared.domain import Aggregate, DomainError, applied_key
from shared.names import COMMANDS, EVENTS
from shared.storage.batch import DUPLICATE_KEY
from shared.storage.bodies import pack
from shared.storage.joined import JOIN_SECONDS, LEAD, LOOK_AHEAD_SECONDS, Applied, Change
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments
from shared.storage.saves import SaveBatch
from shared.storage.writes import (
    ANSWER_TO,
    ANSWER_WINDOW,
    APPLIED_WINDOW,
    same_value,
    save_pipeline,
)
from shared.tracing import current_context_headers

HIDE_BOOKKEEPING: dict[str, int] = {
    "outbox": 0,
    "outbox_lease": 0,
    "outbox_pending": 0,
    "applied_messages": 0,
    "answers": 0,
}
"""A projection for read-only queries: the document without the outbox and inbox fields."""

_BOOKKEEPING = frozenset({"id", "version", "applied_messages"})
_WITHOUT_OUTBOX = {name: 0 for name in HIDE_BOOKKEEPING if name != "applied_messages"}
"""What the store reads: everything but the outbox (it needs the applied message ids)."""
WITHOUT_OUTBOX = _WITHOUT_OUTBOX
"""The same, for a repository that reads documents of its stores itself."""
FRESH = -1.0
"""``get(max_age=FRESH)``: a remembered copy as fresh as the store trusts for plain reads."""


class Stored:
    """The document an aggregate was built from or last saved as: what the database holds at
    the aggregate's version. Never changed, so copies of the aggregate share it."""

    __slots__ = ("doc",)

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def __copy__(self) -> Stored:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Stored:
        return self


def changed_fields(state: Document, stored: object) -> Document:
    """The fields of ``state`` that differ from what is stored (all of them when that is not
    known). The save is conditional on the version, so the stored document is exactly the
    snapshot, and the fields left out hold the same values already."""
    if not isinstance(stored, Stored):
        return state
    before = stored.doc
    return {
        name: value
        for name, value in state.items()
        if name not in before or not same_value(before[name], value)
    }


class AlreadyApplied(DomainError):
    """A command applied long ago was sent again: its first answer is no longer kept."""

    reason = "already_applied"


class ConcurrencyConflict(Exception):
    """Someone else changed the document since it was read; reload and apply again."""


class AlreadyExists(Exception):
    """An insert met a document with the same id."""


def outbox_entry(event: Event | Command, *, reply_to: str | None = None) -> Document:
    """The stored form of an event (or of a command to another service) waiting to be
    published: its body kept as exact JSON, packed small (:mod:`shared.storage.bodies`)."""
    fields = {
        "exchange": COMMANDS if isinstance(event, Command) else EVENTS,
        "routing_key": event.routing_key,
        "type": event.type_name(),
        "correlation_id": event.correlation_id,
        "reply_to": reply_to,
        "trace": current_context_headers(),
    }
    message_id = str(event.message_id)
    return {
        "message_id": message_id,
        "created_at": utcnow(),
        "packed": pack(fields, event.model_dump_json(), message_id),
    }


A = TypeVar("A", bound=Aggregate)


def remembered(aggregate: Aggregate, keys: list[str]) -> tuple[list[str], list[str]]:
    """``keys`` as the document remembers them (:func:`~shared.domain.applied_key`), and its
    window of applied keys once they are added."""
    stored = [applied_key(key) for key in keys]
    return stored, [*aggregate.applied_messages, *stored][-APPLIED_WINDOW:]


class AggregateStore(Generic[A]):
    """Loads and saves one kind of aggregate in one collection."""

    def __init__(
        self,
        collection: AsyncCollection[Document],
        model: type[A],
        relay: OutboxRelay,
        *,
        answers: bool = True,
        recent: RecentDocuments | None = None,
    ) -> None:
        self.collection = collection
        self.model = model
        self.relay = relay
        self.answers = answers
        """Whether the first event a command causes answers its sender (on its reply_to)."""
        self.recent = recent
        """Aggregates this process wrote or read lately (only for collections that no code
        writes to but the stores sharing it)."""
        self._save_batch: SaveBatch | None = None
        self._waiting: dict[str, list[Change[A]]] = {}
        """Per aggregate being changed here: the changes that came while it is written."""
        self._arrivals: dict[str, asyncio.Future[None]] = {}
        """Per aggregate whose insert waits for the change of a delivery let go ahead."""
        self._inserting: dict[str, asyncio.Future[None]] = {}
        """Per aggregate such an insert is under way for: done when it is over."""

    @property
    def _saves(self) -> SaveBatch:
        """This store's writes, shared with the others made at about the same time (made on
        the first write: a store that only reads needs none)."""
        if self._save_batch is None:
            ride = partial(self.relay.ride, self.collection.name)
            self._save_batch = SaveBatch(self.collection, ride)
        return self._save_batch

    async def get(self, aggregate_id: str, *, max_age: float | None = FRESH) -> A | None:
        """The aggregate, as remembered if that copy is at most ``max_age`` seconds old
        (default: the store's freshness; ``None``: any age), else from the database."""
        if self.recent is not None:
            age = self.recent.fresh_seconds if max_age == FRESH else max_age
            if (doc := self.recent.get(aggregate_id, max_age=age)) is not None:
                return self.from_document(doc)
        return await self.read(aggregate_id)

    async def read(self, aggregate_id: str) -> A | None:
        """The aggregate as the database has it now."""
        doc = await self.collection.find_one({"_id": aggregate_id}, _WITHOUT_OUTBOX)
        if doc is None:
            return None
        self._remember(doc)
        return self.from_document(doc)

    def _remember(self, doc: Document) -> None:
        if self.recent is not None:
            self.recent.put(doc["_id"], doc)

    def _forget(self, aggregate_id: str) -> None:
        if self.recent is not None:
            self.recent.drop(aggregate_id)

    async def find(self, query: Document, *, limit: int = 100, sort: Any = None) -> list[A]:
        cursor = self.collection.find(query, _WITHOUT_OUTBOX, limit=limit, sort=sort)
        found = []
        async for doc in cursor:
            self._remember(doc)
            found.append(self.from_document(doc))
        return found

    def from_document(self, doc: Document) -> A:
        aggregate = self.model.model_validate({**doc, "id": doc["_id"]})
        aggregate._stored = Stored(doc)
        return aggregate

    async def change(
        self,
        aggregate_id: str,
        cause: Message,
        mutate: Callable[[A], object | Awaitable[object]],
        *,
        missing: Callable[[], Exception],
        attempts: int = 5,
        key: str | None = None,
        answers: bool | None = None,
    ) -> A | None:
        """Load, mutate and save one aggregate for ``cause``, exactly once.

        A redelivered ``cause`` is recognised and ignored (``None`` is returned). A write
        conflict reloads and applies ``mutate`` again, up to ``attempts`` times. ``mutate`` may
        be a coroutine function when applying needs lookups (they are redone on each attempt).
        ``key`` is what "already applied" is remembered by (default: the cause's
        ``message_id``); a message that changes one aggregate in several steps gives each step
        its own key. ``answers``: whether the first event answers a command ``cause`` (default:
        the store's ``answers``).

        Changes of one aggregate that arrive in this process while one of it is being written
        wait, and are then applied one after another, in the order they came, and written
        together (:class:`Change`): one write instead of one each, and no conflict among
        themselves. Each is still its own: one refused or failing leaves the others as if it
        had never come.
        """
        answering = self.answers if answers is None else answers
        mine = Change(cause, mutate, missing, key, answers=answering)
        waiting = self._waiting.get(aggregate_id)
        if waiting is None:
            self._waiting[aggregate_id] = []
            group = [mine]
        else:
            waiting.append(mine)
            if (arrival := self._arrivals.get(aggregate_id)) is not None and not arrival.done():
                arrival.set_result(None)
            try:
                with waiting_for_turn():  # a stopping process gives it back: nothing changed yet
                    outcome = await mine.outcome
            except asyncio.CancelledError:
                self._lead_lost(aggregate_id, mine)
                raise
            if outcome is not LEAD:
                return cast("A | None", outcome)
            group = mine.group
        try:
            await self._write_together(aggregate_id, group, attempts)
        finally:
            self._pass_turn(aggregate_id)
        if mine.error is not None:
            raise mine.error
        return mine.result

    def _pass_turn(self, aggregate_id: str) -> None:
        """The changes that came during a write: the first of them writes them all next."""
        waiting = [change for change in self._waiting.pop(aggregate_id, []) if change.waits()]
        if not waiting:
            return
        self._waiting[aggregate_id] = []
        waiting[0].group = waiting
        waiting[0].outcome.set_result(LEAD)

    def _lead_lost(self, aggregate_id: str, change: Change[A]) -> None:
        """A change told to write its group was cancelled before it could: the turn, and the
        rest of its group, go to the next one."""
        outcome = change.outcome
        if outcome.done() and not outcome.cancelled() and outcome.result() is LEAD:
            rest = [other for other in change.group if other is not change]
            self._waiting[aggregate_id][:0] = rest
            self._pass_turn(aggregate_id)

    async def _write_together(
        self, aggregate_id: str, group: list[Change[A]], attempts: int
    ) -> None:
        """Apply each change of ``group`` in turn to one copy and write them in one save; each
        change is given its outcome (the others' through their futures).

        A change whose ``mutate`` fails is given its error and the rest are applied again
        without it, as if it had never come. A failed write is every change's error."""
        fresh = self.recent is None  # a remembered copy first, the database after a conflict
        live = [change for change in group if change.waits() or change is group[0]]
        writes, before = 0, None
        try:
            while live:
                aggregate = await self._copy(aggregate_id, before, fresh=fresh)
                if aggregate is None:
                    self._missing(live)
                    return
                done = await self._apply_each(aggregate, live, fresh=fresh)
                before = None
                if done.stopped is not None:
                    if done.stopped.error is None:
                        fresh = True  # refused by a copy that may be stale: ask the database
                    else:
                        live.remove(done.stopped)
                        stored = aggregate._stored
                        before = stored.doc if isinstance(stored, Stored) else None
                    continue
                if done.keys:
                    writes += 1
                    try:
                        await self._write(aggregate, done.entries, done.keys)
                    except ConcurrencyConflict:
                        self._forget(aggregate_id)
                        fresh = True
                        if writes >= attempts:
                            raise
                        continue
                await self._settle(aggregate_id, aggregate, live, done)
                return
        except asyncio.CancelledError:
            for change in group[1:]:
                change.fail(ConcurrencyConflict(f"{aggregate_id}: the write it joined stopped"))
            raise
        except Exception as error:
            for change in group:
                change.fail(error)

    async def _copy(self, aggregate_id: str, before: Document | None, *, fresh: bool) -> A | None:
        """The aggregate to apply changes to: ``before``, the stored document a failed change
        was applied to (unchanged, so no round trip); else as :meth:`change` reads it."""
        if before is not None:
            return self.from_document(before)
        return await (self.read(aggregate_id) if fresh else self.get(aggregate_id, max_age=None))

    @staticmethod
    def _missing(changes: list[Change[A]]) -> None:
        for change in changes:
            change.fail(change.missing())

    async def _apply_each(
        self, aggregate: A, changes: list[Change[A]], *, fresh: bool
    ) -> Applied[A]:
        """Apply ``changes`` in order until one fails (``stopped``, with its error; without
        one when a copy that may be stale refused it)."""
        done: Applied[A] = Applied()
        for change in changes:
            if aggregate.has_applied(change.key) or change.key in done.keys:
                done.repeats.append(change)
                continue
            try:
                if inspect.isawaitable(outcome := change.mutate(aggregate)):
                    await outcome
            except DomainError as error:
                done.stopped = change.fail(error) if fresh else change
                return done
            except Exception as error:
                done.stopped = change.fail(error)
                return done
            done.entries += self._entries(aggregate, change.cause, answers=change.answers)
            done.keys.append(change.key)
        return done

    async def _settle(
        self, aggregate_id: str, aggregate: A, changes: list[Change[A]], done: Applied[A]
    ) -> None:
        """Written: each change has the aggregate; one applied before has nothing (a repeated
        command is answered again)."""
        for change in changes:
            if change not in done.repeats:
                change.succeed(aggregate)
                continue
            try:
                if change.repeat_answered:
                    await self.answer_again(aggregate_id, change.cause)
            except Exception as error:
                change.fail(error)
            else:
                change.succeed(None)

    async def create_or_change(
        self,
        aggregate_id: str,
        cause: Message,
        *,
        create: Callable[[], A],
        change: Callable[[A], object],
        new_first: bool = False,
    ) -> None:
        """For upsert-like commands: add the aggregate ``create`` makes, or ``change`` it.
        ``new_first``: the aggregate is most often new, so the insert is tried without a look
        first (a taken id makes it a change, as a concurrent creation does). A remembered copy,
        however old, says that the aggregate exists (aggregates are never deleted): the change
        starts from it, as ``change`` does, and its conditional write tells a stale one."""
        if new_first or await self.get(aggregate_id, max_age=None) is None:
            try:
                await self.add(create(), cause=cause)
                return
            except AlreadyExists:
                pass  # created concurrently: change it instead
        await self.change(
            aggregate_id, cause, change, missing=lambda: LookupError(f"{aggregate_id} vanished")
        )

    async def add(self, aggregate: A, *, cause: Message, last_step: bool = False) -> None:
        """Insert a new aggregate with its recorded events; ``AlreadyExists`` if the id is taken.

        ``last_step``: the insert is the last thing its delivery does. When the next delivery
        of the same flow already waits for its turn (a create and its submit, sent one after
        the other), the turn passes to it now, and its change of the new aggregate, arriving
        within ``JOIN_SECONDS``, is inserted with it: one write for both. The aggregate stored
        is then a copy of ``aggregate`` with that change applied. A joined change that fails
        is given its error, and ``aggregate`` is inserted without it; an insert that fails
        leaves the joined change to be made on its own afterwards, as if it had come after."""
        if (inserting := self._inserting.get(aggregate.id)) is not None:
            with waiting_for_turn():  # a delivery let go ahead: the insert before it goes first
                await asyncio.shield(inserting)
        turn = ordering_turn() if last_step else None
        if turn is not None and not turn.others_waiting():
            await asyncio.sleep(LOOK_AHEAD_SECONDS)  # the flow's next message may be in
        if turn is None or not turn.others_waiting() or aggregate.id in self._waiting:
            await self._insert(aggregate, self._entries(aggregate, cause), [str(cause.message_id)])
            return
        turn.pass_on()
        joining: list[Change[A]] = []
        self._waiting[aggregate.id] = joining
        self._inserting[aggregate.id] = asyncio.get_running_loop().create_future()
        try:
            await self._joined(aggregate.id)
            self._waiting[aggregate.id] = []  # a change that comes now waits for the insert
            if not joining or not await self._insert_joined(aggregate, cause, joining):
                await self._insert(
                    aggregate, self._entries(aggregate, cause), [str(cause.message_id)]
                )
        finally:
            self._inserting.pop(aggregate.id).set_result(None)
            queue = self._waiting.setdefault(aggregate.id, [])
            if queue is not joining:  # those not inserted go first, made on their own
                queue[:0] = [change for change in joining if change.waits()]
            self._pass_turn(aggregate.id)

    async def _joined(self, aggregate_id: str) -> None:
        arrival: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._arrivals[aggregate_id] = arrival
        try:
            async with asyncio.timeout(JOIN_SECONDS):
                await arrival
        except TimeoutError:
            pass  # the delivery let go ahead changes something else, or nothing
        finally:
            del self._arrivals[aggregate_id]

    async def _insert_joined(self, aggregate: A, cause: Message, joining: list[Change[A]]) -> bool:
        """Insert a copy of ``aggregate`` with the ``joining`` changes applied; False (nothing
        written) when one of them fails (it is given its error)."""
        joined = aggregate.model_copy(deep=True)
        entries = self._entries(joined, cause)
        joined.applied_messages = [*joined.applied_messages, str(cause.message_id)]
        done = await self._apply_each(joined, joining, fresh=True)
        if done.stopped is not None:
            return False
        await self._insert(joined, [*entries, *done.entries], done.keys)
        await self._settle(joined.id, joined, joining, done)
        return True

    async def _insert(self, aggregate: A, entries: list[Document], keys: list[str]) -> None:
        """One insert: the state, the ``entries`` to publish, ``keys`` applied."""
        new = _New(self, aggregate, entries, keys)
        try:
            await self._saves.insert(new.doc)
        except DuplicateKeyError as error:
            raise AlreadyExists(aggregate.id) from error
        new.stored()

    async def add_in_order(self, made: list[tuple[A, Message]]) -> tuple[int, Exception | None]:
        """Insert new aggregates (each with its cause) in this order, in one round trip, up to
        the first that fails: how many were stored (the first ones), and why the next was not
        (``AlreadyExists``: its id, or another unique key, is taken; else the database's
        error). For documents whose numbers follow each other without gaps: those stored are
        always the first ones."""
        new = [_New(self, a, self._entries(a, cause), [str(cause.message_id)]) for a, cause in made]
        stored, error = len(new), None
        try:
            await self.collection.insert_many([n.doc for n in new], ordered=True)
        except BulkWriteError as failed:
            if failed.details.get("writeConcernErrors"):
                raise  # which of them were stored is not known
            first = failed.details["writeErrors"][0]
            stored = first["index"]
            taken = first["code"] == DUPLICATE_KEY
            error = AlreadyExists(first.get("errmsg", "duplicate key")) if taken else failed
        for each in new[:stored]:
            each.stored()
        return stored, error

    async def add_once(self, aggregate: A, *, cause: Message, last_step: bool = False) -> bool:
        """Insert for ``cause``; a resent ``cause`` is answered again. False when another
        message created the id. ``last_step``: as for :meth:`add`."""
        try:
            await self.add(aggregate, cause=cause, last_step=last_step)
        except AlreadyExists:
            existing = await self.read(aggregate.id)
            if existing is None or not existing.has_applied(str(cause.message_id)):
                return False
            await self.answer_again(aggregate.id, cause)
        return True

    async def save(self, aggregate: A, *, cause: Message | None, key: str | None = None) -> None:
        """Write the aggregate if nobody changed it since it was read.

        ``cause`` is the message being applied (remembered, so that its redelivery is ignored);
        ``None`` for the service's own scheduled work, such as a retry or an expiry. ``key``
        (default: the cause's ``message_id``) is what is remembered.
        """
        keys = [key or str(cause.message_id)] if cause is not None else []
        await self._write(aggregate, self._entries(aggregate, cause), keys)

    async def _write(self, aggregate: A, entries: list[Document], keys: list[str]) -> None:
        """One conditional write: the state, the ``entries`` to publish, ``keys`` applied."""
        keys, applied = remembered(aggregate, keys)
        # Entries of this document that were published meanwhile go in the same write.
        published = self.relay.take_published(self.collection.name, aggregate.id)
        state = self._state(aggregate)
        lease = self.relay.new_lease()
        changed = changed_fields(state, aggregate._stored)
        stored = aggregate._stored.doc if isinstance(aggregate._stored, Stored) else None
        update = save_pipeline(
            changed,
            applied=keys,
            window=APPLIED_WINDOW,
            entries=entries,
            lease=lease,
            published=published,
            answering=self.relay.answering_among(published),
            stored=stored,
            version=aggregate.version,
        )
        try:
            matched = await self._saves.update(
                {"_id": aggregate.id, "version": aggregate.version}, update
            )
        except BaseException:
            self.relay.forget_later(self.collection.name, aggregate.id, published)
            raise
        if not matched:
            self.relay.forget_later(self.collection.name, aggregate.id, published)
            raise ConcurrencyConflict(f"{self.collection.name}/{aggregate.id}@{aggregate.version}")
        aggregate.version += 1
        aggregate.applied_messages = applied
        self._remember_saved(aggregate, state)
        self.relay.recorded(self.collection.name, aggregate.id, published)
        self.relay.notify(self.collection.name, aggregate.id, entries, lease)

    def _remember_saved(self, aggregate: A, state: Document) -> None:
        """What is stored now: the aggregate's snapshot, and this process's remembered copy."""
        doc = {
            "_id": aggregate.id,
            **state,
            "version": aggregate.version,
            "applied_messages": list(aggregate.applied_messages),
        }
        aggregate._stored = Stored(doc)
        if self.recent is not None:
            self._remember(doc)

    def _entries(
        self, aggregate: A, cause: Message | None, *, answers: bool | None = None
    ) -> list[Document]:
        answers = self.answers if answers is None else answers
        # The caller that sent the cause asked for its answer on its own queue.
        delivery = cause.delivery if cause is not None and answers else None
        reply_to = delivery.reply_to if delivery is not None else None
        entries = []
        for event in aggregate.collect_events():
            stamped = event if cause is None else event.caused_by(cause)
            if stamped.correlation_id is None:
                stamped = stamped.model_copy(update={"correlation_id": aggregate.id})
            # Only the first event answers the command; later ones are consequences.
            entries.append(outbox_entry(stamped, reply_to=reply_to))
            reply_to = None
        if entries and answers and isinstance(cause, Command):
            entries[0][ANSWER_TO] = str(cause.message_id)  # kept among the answers once sent
        # Commands go after the events, in the order sent; each names its own flow.
        entries += [outbox_entry(command) for command in aggregate.collect_commands()]
        return entries

    async def answer_again(self, aggregate_id: str, cause: Message) -> None:
        """A command applied before was sent again (its sender lost the answer, say): the
        sender gets the same answer again on its ``reply_to``, and nothing else happens. Past
        the last ``ANSWER_WINDOW`` commands the answer is no longer kept: the repeat is refused
        as ``already_applied`` (on ``oms.events`` and ``reply_to``), never left unanswered."""
        if not self.answers or not isinstance(cause, Command):
            return
        reply_to = cause.delivery.reply_to if cause.delivery else None
        command = str(cause.message_id)
        doc = await self.collection.find_one({"_id": aggregate_id}, {"answers": 1, "outbox": 1})
        doc = doc or {}
        sent = [a["entry"] for a in doc.get("answers", []) if a.get("command") == command]
        sent += [a for a in doc.get("answers", []) if a.get(ANSWER_TO) == command]
        waiting = [e for e in doc.get("outbox", []) if e.get(ANSWER_TO) == command]
        for entry in [*sent, *waiting][:1]:  # sent already, or still to be sent
            if reply_to:
                await self.relay.answer(entry, reply_to)
            return
        raise AlreadyApplied(
            f"{cause.type_name()} {command} was applied to {aggregate_id} before, and its "
            f"answer is no longer kept (only the last {ANSWER_WINDOW} commands' answers are): "
            f"read {aggregate_id} through its query for its state now"
        )

    @staticmethod
    def _state(aggregate: Aggregate) -> Document:
        return aggregate.model_dump(mode="python", exclude=set(_BOOKKEEPING))


class _New(Generic[A]):
    """A new aggregate's document as inserted, and what its store does once it is stored."""

    __slots__ = ("aggregate", "applied", "doc", "entries", "lease", "state", "store")

    def __init__(
        self, store: AggregateStore[A], aggregate: A, entries: list[Document], keys: list[str]
    ) -> None:
        self.store, self.aggregate, self.entries = store, aggregate, entries
        _, self.applied = remembered(aggregate, keys)
        self.state = store._state(aggregate)
        self.lease = store.relay.new_lease()
        self.doc: Document = {
            "_id": aggregate.id,
            **self.state,
            "version": 1,
            "applied_messages": self.applied,
            "outbox": entries,
            **({"outbox_lease": self.lease, "outbox_pending": True} if entries else {}),
        }

    def stored(self) -> None:
        """The database acknowledged the insert: remember it, publish its entries."""
        aggregate, store = self.aggregate, self.store
        aggregate.version, aggregate.applied_messages = 1, self.applied
        store._remember_saved(aggregate, self.state)
        store.relay.notify(store.collection.name, aggregate.id, self.entries, self.lease)
