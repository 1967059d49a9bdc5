"""A service described as data: which contract each handler takes, and what it publishes.

Like Cosmic Python's ``COMMAND_HANDLERS``/``EVENT_HANDLERS``: a service lists its handlers by
the contract they take, and everything else is derived from that table: the queues and their
bindings, dead-letter queues, which handler takes each routing key, answers to commands, the
per-entity ordering and the AsyncAPI document. A handler is a function of the service's handlers
object (what its ``setup`` returns) and the message, usually an unbound method::

    SERVICE = Service(
        entry=registry.entry("order"),
        description="Purchase and sales orders ...",
        setup=setup,                                  # Runtime -> OrderHandlers
        commands={SubmitOrder: OrderHandlers.submit, ...},
        events={ApprovalApproved: OrderHandlers.approval_approved, ...},
        publishes=[OrderSubmitted, ...],
    )
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from shared import names
from shared.access.policy import QueryAccess
from shared.contracts.base import Command, Event, Message
from shared.registry import ServiceEntry
from shared.settings import ServiceSettings

if TYPE_CHECKING:
    from shared.http import Route as HttpRoute
    from shared.runtime import Runtime

H = TypeVar("H")
S = TypeVar("S", bound=ServiceSettings)
G = TypeVar("G")
M = TypeVar("M", bound=Message)

Handler = Callable[[H, Any], Awaitable[object]]
"""``handler(handlers, message)``: what the service does with one message."""


@dataclass(frozen=True)
class OnQueue(Generic[H]):
    """An event consumed from a queue named otherwise than ``<service>.<event>``."""

    handler: Handler[H]
    queue: str


def via(group: Callable[[H], G], method: Callable[[G, M], Awaitable[object]]) -> Handler[H]:
    """A handler that lives on a part of the handlers object: ``via(catalog, Catalog.define)``."""

    async def handle(handlers: H, message: M) -> object:
        return await method(group(handlers), message)

    handle.__wrapped__ = method  # type: ignore[attr-defined]
    handle.__doc__ = method.__doc__
    return handle


@dataclass(frozen=True)
class Route:
    """One contract consumed by a service: from which queue, bound how, handled by what."""

    contract: type[Message]
    queue: str
    exchange: str
    binding_key: str
    handler: Handler[Any]

    @property
    def is_command(self) -> bool:
        return self.exchange == names.COMMANDS

    @property
    def summary(self) -> str:
        return inspect.cleandoc(self.contract.__doc__ or "") or self.contract.__name__


def _no_queries(_runtime: Any) -> Sequence[HttpRoute]:
    return ()


@dataclass(frozen=True)
class Service(Generic[H, S]):
    """Everything the shared runtime needs to run one service."""

    entry: ServiceEntry
    description: str
    setup: Callable[[Runtime[S]], Awaitable[H]]
    """Makes the handlers object (stores, clients, background jobs) once the database is up."""
    commands: Mapping[type[Command], Handler[H]] = field(default_factory=dict)
    events: Mapping[type[Event], Handler[H] | OnQueue[H]] = field(default_factory=dict)
    publishes: Sequence[type[Event]] = ()
    settings: type[S] = ServiceSettings  # type: ignore[assignment]
    outbox_collections: Sequence[str] = ()
    queries: Callable[[Runtime[S]], Sequence[HttpRoute]] = _no_queries
    """Read-only HTTP endpoints, e.g. stock levels or an order's status."""
    query_access: QueryAccess = field(default_factory=QueryAccess)
    """Who besides the back office and operators reads which query (storefronts their own
    data), and which fields only operators see; every query needs a credential."""

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def commands_queue(self) -> str:
        return names.commands_queue(self.name)

    def routes(self) -> list[Route]:
        """Every contract the service consumes, with its queue; checked for consistency."""
        routes = [
            Route(contract, self.commands_queue, names.COMMANDS, f"{self.name}.*", handler)
            for contract, handler in self.commands.items()
        ]
        for contract, entry in self.events.items():
            handler, queue = (
                (entry.handler, f"{self.name}.{entry.queue}")
                if isinstance(entry, OnQueue)
                else (entry, names.event_queue(self.name, contract.routing_key))
            )
            routes.append(Route(contract, queue, names.EVENTS, contract.routing_key, handler))
        for route in routes:
            _check(self.name, route)
        return routes

    def contracts(self) -> dict[str, type[Message]]:
        """What each routing key the service consumes carries."""
        return {route.contract.routing_key: route.contract for route in self.routes()}

    def settings_from_environment(self) -> S:
        return self.settings()


def _check(service: str, route: Route) -> None:
    """Refuse a table that cannot work, at import of the app rather than at the first message."""
    key = route.contract.routing_key
    if not key:
        msg = f"{route.contract.__name__} declares no routing_key"
        raise TypeError(msg)
    if route.is_command and not key.startswith(f"{service}."):
        msg = f"{service} cannot take the command {key}: commands are <service>.<verb>"
        raise TypeError(msg)
    ordering = route.contract.ordering_key
    if ordering is not None and ordering not in route.contract.model_fields:
        msg = f"{route.contract.__name__}.ordering_key names no field: {ordering}"
        raise TypeError(msg)
    accepted = _message_type(route.handler)
    if accepted is not None and not _accepts(accepted, route.contract):
        msg = f"{service}: the handler for {route.contract.__name__} takes {accepted}"
        raise TypeError(msg)


def _message_type(handler: Handler[Any]) -> Any:
    """The annotated type of the handler's message parameter: its second, after the handlers
    object (``self`` of an unbound method)."""
    target = inspect.unwrap(handler)
    parameters = list(inspect.signature(target).parameters)
    try:
        hints = typing.get_type_hints(target)
    except (NameError, TypeError):
        return None
    return hints.get(parameters[1]) if len(parameters) > 1 else None


def _accepts(accepted: Any, contract: type[Message]) -> bool:
    if isinstance(accepted, types.UnionType) or typing.get_origin(accepted) is typing.Union:
        return any(_accepts(option, contract) for option in typing.get_args(accepted))
    return isinstance(accepted, type) and issubclass(contract, accepted)
