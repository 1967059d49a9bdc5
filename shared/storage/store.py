"""What a handler may ask of the place its aggregates live: the repository, as a type.

Handlers are typed with :class:`Store`, never with the MongoDB class behind it
(:class:`~shared.storage.aggregates.AggregateStore`), so that unit tests drive them with
in-memory stores of their own that satisfy the same type (no ``type: ignore``).
Every write is one document (its outbox and applied message ids in it): a change that spans
aggregates is a sequence of these, and its handler's module says what each write commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from shared.contracts.base import Message
from shared.domain import Aggregate
from shared.storage.mongo import Document

A = TypeVar("A", bound=Aggregate)


class Store(Protocol[A]):
    """Load, add and change one kind of aggregate; each write is conditional and once per
    message (see ``AggregateStore`` for the rules)."""

    async def get(self, aggregate_id: str) -> A | None:
        """The aggregate, possibly as remembered a moment ago."""
        ...

    async def read(self, aggregate_id: str) -> A | None:
        """The aggregate as the database has it now."""
        ...

    async def find(self, query: Document, *, limit: int = 100, sort: Any = None) -> list[A]: ...

    async def add(self, aggregate: A, *, cause: Message, last_step: bool = False) -> None:
        """Insert; ``AlreadyExists`` if the id is taken."""
        ...

    async def add_once(self, aggregate: A, *, cause: Message, last_step: bool = False) -> bool:
        """Insert for ``cause`` (a resent cause is answered again); False when another
        message created the id."""
        ...

    async def save(self, aggregate: A, *, cause: Message | None, key: str | None = None) -> None:
        """Write if nobody changed it since it was read (else ``ConcurrencyConflict``)."""
        ...

    async def change(
        self,
        aggregate_id: str,
        cause: Message,
        mutate: Callable[[A], object | Awaitable[object]],
        *,
        missing: Callable[[], Exception],
        key: str | None = None,
    ) -> A | None:
        """Load, mutate and save once per ``cause`` (or ``key``); ``None`` if done before."""
        ...

    async def create_or_change(
        self,
        aggregate_id: str,
        cause: Message,
        *,
        create: Callable[[], A],
        change: Callable[[A], object],
        new_first: bool = False,
    ) -> None:
        """Add the aggregate ``create`` makes, or ``change`` the stored one (``new_first``: try
        the insert before any look, for what is most often new)."""
        ...
