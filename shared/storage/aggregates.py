"""Versioned aggregate documents that carry their own outbox and inbox.

One aggregate is one document. Saving it is a single conditional write that, atomically,
changes its state, bumps its ``version``, appends the events it recorded to ``outbox`` and the
id of the message that caused the change to ``applied_messages``. A stale version matches
nothing and raises :class:`ConcurrencyConflict`; the caller reloads and tries again.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Command, Event, Message, utcnow
from shared.domain import Aggregate, DomainError
from shared.names import COMMANDS, EVENTS
from shared.storage.bodies import pack
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments
from shared.storage.writes import ANSWER_TO, ANSWER_WINDOW, APPLIED_WINDOW, save_pipeline
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


def appended_items(changed: Document, stored: object) -> dict[str, list[Any]]:
    """The changed lists that only grew since the aggregate was read (a history, a timeline):
    their new items, which are all a save needs to send."""
    if not isinstance(stored, Stored):
        return {}
    before = stored.doc
    tails = {}
    for name, value in changed.items():
        old = before.get(name)
        if (
            isinstance(value, list)
            and isinstance(old, list)
            and 0 < len(old) < len(value)
            and same_value(old, value[: len(old)])
        ):
            tails[name] = value[len(old) :]
    return tails


def same_value(a: Any, b: Any) -> bool:
    """Whether two stored values are the same, stored: of one type (text and its enums alike),
    lists and documents item by item and in order, decimals digit for digit (``1.0`` is not
    ``1.00``), ``1`` not ``1.0`` nor ``True``. Uncertain means different: the field is
    written."""
    if a is b:
        # One object: stored alike. A state made from the stored document shares its values
        # (the model keeps them as validated, and dumps them as kept), so most fields end here.
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[key], b[key]) for key in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(_exact(a) == _exact(b))


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.as_tuple()  # digits and exponent
    if isinstance(value, datetime):
        # Stored to the millisecond: a time read back is the same as the one written.
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, float):
        return repr(value)  # -0.0 and 0.0 differ, NaN is NaN
    return value


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
    return {
        "message_id": str(event.message_id),
        "created_at": utcnow(),
        "packed": pack(fields, event.model_dump_json()),
    }


A = TypeVar("A", bound=Aggregate)


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
    ) -> A | None:
        """Load, mutate and save one aggregate for ``cause``, exactly once.

        A redelivered ``cause`` is recognised and ignored (``None`` is returned). A write
        conflict reloads and applies ``mutate`` again, up to ``attempts`` times. ``mutate`` may
        be a coroutine function when applying needs lookups (they are redone on each attempt).
        ``key`` is what "already applied" is remembered by (default: the cause's
        ``message_id``); a message that changes one aggregate in several steps gives each step
        its own key.
        """
        applied_key = key or str(cause.message_id)
        fresh = self.recent is None  # a remembered copy first, the database after a conflict
        for attempt in range(1, attempts + 1):
            aggregate = await (
                self.read(aggregate_id) if fresh else self.get(aggregate_id, max_age=None)
            )
            if aggregate is None:
                raise missing()
            if aggregate.has_applied(applied_key):
                if key is None:
                    await self.answer_again(aggregate_id, cause)
                return None
            try:
                if inspect.isawaitable(outcome := mutate(aggregate)):
                    await outcome
            except DomainError:
                if fresh:
                    raise
                fresh = True  # refused by a copy that may be stale: ask the database
                continue
            try:
                await self.save(aggregate, cause=cause, key=applied_key)
            except ConcurrencyConflict:
                self._forget(aggregate_id)
                fresh = True
                if attempt == attempts:
                    raise
                continue
            return aggregate
        raise ConcurrencyConflict(f"{self.collection.name}/{aggregate_id}: {attempts} attempts")

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

    async def add(self, aggregate: A, *, cause: Message) -> None:
        """Insert a new aggregate with its recorded events; ``AlreadyExists`` if the id is taken."""
        entries = self._entries(aggregate, cause)
        applied = [*aggregate.applied_messages, str(cause.message_id)][-APPLIED_WINDOW:]
        state = self._state(aggregate)
        lease = self.relay.new_lease()
        doc = {
            "_id": aggregate.id,
            **state,
            "version": 1,
            "applied_messages": applied,
            "outbox": entries,
            **({"outbox_lease": lease, "outbox_pending": True} if entries else {}),
        }
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError as error:
            raise AlreadyExists(aggregate.id) from error
        aggregate.version, aggregate.applied_messages = 1, applied
        self._remember_saved(aggregate, state)
        self.relay.notify(self.collection.name, aggregate.id, entries, lease)

    async def add_once(self, aggregate: A, *, cause: Message) -> bool:
        """Insert for ``cause``; a resent ``cause`` is answered again. False when another
        message created the id."""
        try:
            await self.add(aggregate, cause=cause)
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
        entries = self._entries(aggregate, cause)
        applied = aggregate.applied_messages
        applied_key = None
        if cause is not None:
            applied_key = key or str(cause.message_id)
            applied = [*applied, applied_key][-APPLIED_WINDOW:]
        # Entries of this document that were published meanwhile go in the same write.
        published = self.relay.take_published(self.collection.name, aggregate.id)
        state = self._state(aggregate)
        lease = self.relay.new_lease()
        changed = changed_fields(state, aggregate._stored)
        update = save_pipeline(
            changed,
            applied=applied_key,
            window=APPLIED_WINDOW,
            entries=entries,
            lease=lease,
            published=published,
            answering=self.relay.answering_among(published),
            appended=appended_items(changed, aggregate._stored),
        )
        try:
            result = await self.collection.update_one(
                {"_id": aggregate.id, "version": aggregate.version}, update
            )
        except BaseException:
            self.relay.forget_later(self.collection.name, aggregate.id, published)
            raise
        if result.matched_count == 0:
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

    def _entries(self, aggregate: A, cause: Message | None) -> list[Document]:
        # The caller that sent the cause asked for its answer on its own queue.
        delivery = cause.delivery if cause is not None and self.answers else None
        reply_to = delivery.reply_to if delivery is not None else None
        entries = []
        for event in aggregate.collect_events():
            stamped = event if cause is None else event.caused_by(cause)
            if stamped.correlation_id is None:
                stamped = stamped.model_copy(update={"correlation_id": aggregate.id})
            # Only the first event answers the command; later ones are consequences.
            entries.append(outbox_entry(stamped, reply_to=reply_to))
            reply_to = None
        if entries and self.answers and isinstance(cause, Command):
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
