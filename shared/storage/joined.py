"""Changes of one aggregate written together (:meth:`AggregateStore.change
<shared.storage.aggregates.AggregateStore.change>`): one call waiting to be written, what a
pass over a group of them applied, and how long an insert waits for the change after it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shared.contracts.base import Message
from shared.domain import Aggregate
from shared.storage.mongo import Document

A = TypeVar("A", bound=Aggregate)

LEAD = object()
"""A waiting change's turn to write its group."""

JOIN_SECONDS = 0.05
"""How long an insert whose delivery gave its turn early waits for the next delivery's change
(that delivery is under way: it is decoded and handled in a few ms)."""


LOOK_AHEAD_SECONDS = 0.002
"""How long a last-step insert first lets the messages already received be taken up, before it
looks whether the next delivery of its flow waits (a submit sent right after its create)."""


class Change(Generic[A]):
    """One call of :meth:`AggregateStore.change`: what it applies, and how it ended."""

    __slots__ = (
        "answers",
        "cause",
        "error",
        "group",
        "key",
        "missing",
        "mutate",
        "outcome",
        "repeat_answered",
        "result",
        "settled",
    )

    def __init__(
        self,
        cause: Message,
        mutate: Callable[[A], object | Awaitable[object]],
        missing: Callable[[], Exception],
        key: str | None,
        *,
        answers: bool,
    ) -> None:
        self.cause, self.mutate, self.missing = cause, mutate, missing
        self.key = key or str(cause.message_id)
        """What it is remembered as applied by (default: the cause's message id)."""
        self.answers = answers
        """Whether its first event answers a command ``cause``."""
        self.repeat_answered = answers and key is None
        """Whether a repeat is answered again (it answers, and is remembered by its id)."""
        self.outcome: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        """For a waiting change: ``LEAD``, or what its call returns (or raises)."""
        self.group: list[Change[A]] = []
        self.result: A | None = None
        self.error: BaseException | None = None
        self.settled = False

    def waits(self) -> bool:
        return not self.outcome.done()

    def succeed(self, aggregate: A | None) -> None:
        if not self.settled:
            self.settled, self.result = True, aggregate
            if self.waits():
                self.outcome.set_result(aggregate)

    def fail(self, error: BaseException) -> Change[A]:
        """The change's error (its first outcome stands)."""
        if not self.settled:
            self.settled, self.error = True, error
            if self.waits():
                self.outcome.set_exception(error)
        return self


@dataclass
class Applied(Generic[A]):
    """What one pass over a group of changes applied."""

    entries: list[Document] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    repeats: list[Change[A]] = field(default_factory=list)
    stopped: Change[A] | None = None
