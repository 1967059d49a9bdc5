"""In-memory stand-ins for the MongoDB stores, for unit tests of handlers.

They keep the semantics the handlers rely on (versions, remembered message ids, recorded
events stamped with their cause), with none of the I/O; :class:`FakeStore` is a
:class:`shared.storage.store.Store`, checked by the type checker wherever a handler takes one.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from shared.contracts.base import Event, Message
from shared.domain import Aggregate
from shared.storage.aggregates import AlreadyExists, ConcurrencyConflict

A = TypeVar("A", bound=Aggregate)


def _holds(op: str, value: Any, operand: Any) -> bool:
    """One MongoDB comparison; an ordering never matches a missing value."""
    if op == "$eq":
        return bool(value == operand)
    if op == "$ne":
        return bool(value != operand)
    if op == "$in":
        return value in operand
    if value is None:
        return False
    return bool({"$lt": value < operand, "$lte": value <= operand}[op])


class FakeStore(Generic[A]):
    def __init__(self, model: type[A]) -> None:
        self.model = model
        self.docs: dict[str, dict[str, Any]] = {}
        self.published: list[Event] = []

    async def get(self, aggregate_id: str) -> A | None:
        doc = self.docs.get(aggregate_id)
        return None if doc is None else self.model.model_validate(doc)

    async def find(self, query: dict[str, Any], *, limit: int = 100, sort: Any = None) -> list[A]:
        def matches(doc: dict[str, Any]) -> bool:
            for key, wanted in query.items():
                value: Any = doc
                for part in ("id" if key == "_id" else key).split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                tests = wanted if isinstance(wanted, dict) else {"$eq": wanted}
                if not all(_holds(op, value, operand) for op, operand in tests.items()):
                    return False
            return True

        return [self.model.model_validate(d) for d in self.docs.values() if matches(d)][:limit]

    async def read(self, aggregate_id: str) -> A | None:
        return await self.get(aggregate_id)

    async def add(self, aggregate: A, *, cause: Message, last_step: bool = False) -> None:
        if aggregate.id in self.docs:
            raise AlreadyExists(aggregate.id)
        aggregate.version = 1
        aggregate.applied_messages = [str(cause.message_id)]
        self._keep(aggregate, cause)

    async def add_once(self, aggregate: A, *, cause: Message, last_step: bool = False) -> bool:
        try:
            await self.add(aggregate, cause=cause)
        except AlreadyExists:
            existing = await self.get(aggregate.id)
            return existing is not None and existing.has_applied(cause.message_id)
        return True

    async def save(self, aggregate: A, *, cause: Message | None, key: str | None = None) -> None:
        stored = self.docs.get(aggregate.id)
        if stored is None or stored["version"] != aggregate.version:
            raise ConcurrencyConflict(aggregate.id)
        aggregate.version += 1
        if cause is not None:
            applied = key or str(cause.message_id)
            aggregate.applied_messages = [*aggregate.applied_messages, applied]
        self._keep(aggregate, cause)

    async def change(
        self,
        aggregate_id: str,
        cause: Message,
        mutate: Callable[[A], object | Awaitable[object]],
        *,
        missing: Callable[[], Exception],
        key: str | None = None,
    ) -> A | None:
        aggregate = await self.get(aggregate_id)
        if aggregate is None:
            raise missing()
        if aggregate.has_applied(key or cause.message_id):
            return None
        if inspect.isawaitable(outcome := mutate(aggregate)):
            await outcome
        await self.save(aggregate, cause=cause, key=key)
        return aggregate

    async def create_or_change(
        self,
        aggregate_id: str,
        cause: Message,
        *,
        create: Callable[[], A],
        change: Callable[[A], object],
        new_first: bool = False,
    ) -> None:
        if aggregate_id not in self.docs:
            await self.add(create(), cause=cause)
        else:
            await self.change(aggregate_id, cause, change, missing=LookupError)

    def _keep(self, aggregate: A, cause: Message | None) -> None:
        events = aggregate.collect_events()
        self.published.extend(e if cause is None else e.caused_by(cause) for e in events)
        self.docs[aggregate.id] = aggregate.model_dump(mode="python")

    def events(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.published if isinstance(e, kind)]
