"""The service's consumers: one per queue, each handing a delivery to the route the settlement
chose for it when it arrived (:mod:`shared.messaging.routing`), so nothing decides twice.

FastStream's decoder (a public hook) gives each consumer an :class:`Arrival`: the message and its
route, as its one argument. Not as FastStream's ``Context`` fields (the message, or a route the
settlement put in the context): FastDepends resolves a ``Context`` field in a worker thread, once
per delivery, which cost more CPU than the handlers' own work; and the broker runs without
injection (``apply_types=False``), which has nothing to resolve here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import prometheus_client
from faststream.rabbit import RabbitBroker
from faststream.rabbit.message import RabbitMessage
from pydantic import ValidationError

from shared import names
from shared.contracts.base import Command, Delivery
from shared.messaging.callers import acting_person, check_acting_person, check_routing_key
from shared.messaging.settlement import InvalidMessage, NoHandler, Settlement, UnknownCommand
from shared.messaging.topology import EXCHANGES, Topology
from shared.service import Route
from shared.tracing import name_span


class Arrival:
    """What a consumer is called with: the delivery, and the route chosen for it (None: no
    handler of the service takes its routing key).

    A plain class: were injection on, FastDepends would only check that the argument is one,
    where it validates a dataclass field by field (the route's too) at every delivery.
    """

    __slots__ = ("message", "route")

    def __init__(self, message: RabbitMessage, route: Route | None) -> None:
        self.message, self.route = message, route


def subscribe(
    broker: RabbitBroker, topology: Topology, settlement: Settlement, handlers: Callable[[], Any]
) -> None:
    """One subscriber and one consumer per queue, without filters."""
    arrival = _arrivals(settlement)
    for queue, on_queue in settlement.routing.queues().items():
        first = on_queue[0]
        subscriber = broker.subscriber(
            topology.queue(queue, first.binding_key),
            EXCHANGES[first.exchange],
            no_reply=True,
            decoder=arrival,
        )
        subscriber(_consumer(queue, on_queue, handlers))


def subscribe_unrouted(
    broker: RabbitBroker,
    topology: Topology,
    settlement: Settlement,
    registry: prometheus_client.CollectorRegistry,
) -> None:
    """Every service takes its turn at the commands that reached no service's queue: each is
    answered ``unknown_command`` and dead-lettered (the settlement does both), and counted."""
    unrouted = prometheus_client.Counter(
        "oms_unrouted_commands",
        "Commands whose routing key matched no binding on oms.commands (taken by this process).",
        registry=registry,
    )
    subscriber = broker.subscriber(
        topology.queue(names.UNROUTED_COMMANDS, ""),
        EXCHANGES[names.UNROUTED],
        no_reply=True,
        decoder=_arrivals(settlement),
    )

    @subscriber
    async def unknown_command(arrival: Arrival) -> None:
        """A command addressed to no service: answered ``unknown_command``, kept for operators."""
        unrouted.inc()
        raise UnknownCommand(arrival.message.raw_message.routing_key or "")


def _arrivals(settlement: Settlement) -> Callable[[RabbitMessage], Awaitable[Arrival]]:
    """The decoder: a coroutine, as FastStream would run a plain function in a worker thread."""

    async def arrival(message: RabbitMessage) -> Arrival:
        return Arrival(message, settlement.routed().route)

    return arrival


def _consumer(
    queue: str, routes: list[Route], handlers: Callable[[], Any]
) -> Callable[[Arrival], Awaitable[None]]:
    """The consumer of one queue; its name and description are the queue's and its routes'."""

    async def consume(arrival: Arrival) -> None:
        route = arrival.route
        if route is None or route.queue != queue:
            raise NoHandler(arrival.message.raw_message.routing_key or "")
        await _consume(route, arrival.message, handlers())

    consume.__name__ = consume.__qualname__ = queue
    consume.__doc__ = "\n".join(f"{r.contract.routing_key}: {r.summary}" for r in routes)
    return consume


async def _consume(route: Route, message: RabbitMessage, handlers: Any) -> None:
    """Validate the body against the route's contract, then hand it to the route's handler."""
    contract = route.contract
    raw = message.raw_message  # FastStream invents a correlation_id when none was sent
    name_span(route.queue)
    person = None
    if issubclass(contract, Command):  # who may send it, before reading what it says
        person = acting_person(contract, raw.user_id, raw.headers or {})
    try:
        body = contract.model_validate_json(message.body)
    except ValidationError as error:
        raise InvalidMessage(error) from None
    if isinstance(body, Command) and person is not None:
        check_acting_person(body, person)
    check_routing_key(body, raw.routing_key)
    delivery = Delivery(
        reply_to=raw.reply_to,
        correlation_id=raw.correlation_id,
        sender=raw.user_id,
        person=person,
    )
    await route.handler(handlers, body.delivered(delivery))
