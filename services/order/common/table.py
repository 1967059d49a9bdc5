"""What one part of the order service adds to the service's table (``shared.service.Service``):
the contracts its handlers take, the events it publishes, the collections whose outboxes the
relay empties, and its queries.

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
    """One table of the parts, in their order; a contract two parts take or publish is refused
    (at import of the app)."""
    commands: dict[type[Command], Handler[H]] = {}
    events: dict[type[Event], Handler[H] | OnQueue[H]] = {}
    for part in parts:
        _add(commands, part.commands)
        _add(events, part.events)
    publishes = [event for part in parts for event in part.publishes]
    if twice := sorted({event.__name__ for event in publishes if publishes.count(event) > 1}):
        msg = f"two parts of the order service publish {', '.join(twice)}"
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


M = TypeVar("M", bound=Message)


def _add(table: dict[type[M], Any], rows: Mapping[type[M], Any]) -> None:
    for contract in rows:
        if contract in table:
            msg = f"two parts of the order service take {contract.__name__}"
            raise TypeError(msg)
    table.update(rows)
