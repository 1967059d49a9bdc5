"""What one part of a service adds to the service's table (``shared.service.Service``): the
contracts its handlers take, the events it publishes, the collections whose outboxes the relay
empties, and its queries. The order and billing services are built of parts.

Each part's ``table`` module holds its part, written against its own handlers object; the app
says where each part's handlers are in the service's (:func:`within`) and joins the parts
(:func:`joined`), refusing a contract that two parts would take or publish.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from shared.contracts import Command, Event, Message
from shared.http import Route
from shared.runtime import Runtime
from shared.service import Handler, OnQueue, via

H = TypeVar("H")
S = TypeVar("S")


def _no_queries(_runtime: Runtime[Any]) -> Sequence[Route]:
    return ()


@dataclass(frozen=True)
class Part(Generic[H]):
    """A part's rows of the service table, its handlers being an ``H``."""

    commands: Mapping[type[Command], Handler[H]] = field(default_factory=dict)
    events: Mapping[type[Event], Handler[H] | OnQueue[H]] = field(default_factory=dict)
    publishes: Sequence[type[Event]] = ()
    outbox_collections: Sequence[str] = ()
    """The collections of its aggregates, whose outboxes the relay publishes."""
    queries: Callable[[Runtime[Any]], Sequence[Route]] = _no_queries


def within(handlers: Callable[[S], H], part: Part[H]) -> Part[S]:
    """The part, its handlers found in the service's handlers object by ``handlers``."""

    def on(entry: Handler[H] | OnQueue[H]) -> Handler[S] | OnQueue[S]:
        if isinstance(entry, OnQueue):
            return OnQueue(via(handlers, entry.handler), entry.queue)
        return via(handlers, entry)

    return Part(
        commands={contract: via(handlers, handler) for contract, handler in part.commands.items()},
        events={contract: on(entry) for contract, entry in part.events.items()},
        publishes=part.publishes,
        outbox_collections=part.outbox_collections,
        queries=part.queries,
    )


def joined(*parts: Part[H]) -> Part[H]:
    """One table of the parts, in their order; a command two parts take, or an event two parts
    publish, is refused (at import of the app). An event two parts consume is handled by each,
    in the parts' order, from the one queue."""
    commands: dict[type[Command], Handler[H]] = {}
    events: dict[type[Event], Handler[H] | OnQueue[H]] = {}
    for part in parts:
        _add(commands, part.commands)
        for contract, entry in part.events.items():
            events[contract] = _both(events[contract], entry) if contract in events else entry
    publishes = [event for part in parts for event in part.publishes]
    if twice := sorted({event.__name__ for event in publishes if publishes.count(event) > 1}):
        msg = f"two parts of one service publish {', '.join(twice)}"
        raise TypeError(msg)

    def queries(runtime: Runtime[Any]) -> list[Route]:
        return [route for part in parts for route in part.queries(runtime)]

    return Part(
        commands=commands,
        events=events,
        publishes=publishes,
        outbox_collections=[name for part in parts for name in part.outbox_collections],
        queries=queries,
    )


def _both(first: Handler[H] | OnQueue[H], then: Handler[H] | OnQueue[H]) -> Handler[H]:
    """One handler doing what each part does with the event, in turn. A failure of the second
    redelivers the event to both; each part's handler is idempotent, as every handler is."""
    if isinstance(first, OnQueue) or isinstance(then, OnQueue):
        msg = "two parts of one service take an event from a queue of its own"
        raise TypeError(msg)

    async def handle(handlers: H, message: Any) -> object:
        await first(handlers, message)
        return await then(handlers, message)

    handle.__doc__ = "\n".join(filter(None, (first.__doc__, then.__doc__))) or None
    # The message type the table checks (shared/service.py) is the parts' handlers'.
    handle.__wrapped__ = first  # type: ignore[attr-defined]
    return handle


M = TypeVar("M", bound=Message)


def _add(table: dict[type[M], Any], rows: Mapping[type[M], Any]) -> None:
    for contract in rows:
        if contract in table:
            msg = f"two parts of one service take {contract.__name__}"
            raise TypeError(msg)
    table.update(rows)
