"""Which route of the service's table takes a delivery: decided once per message.

The settlement decides it when the delivery arrives (it needs the contract for its logs and the
per-entity ordering), and the queue's consumer asks the settlement for that decision; each queue
has one consumer and no filters, so nothing decides a second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared import names
from shared.service import Route


@dataclass(frozen=True, slots=True)
class Routed:
    """The queue a delivery came from and the route that takes it (None: no handler does)."""

    queue: str
    route: Route | None


class Routing:
    """The service's routes, looked up by the exchange and routing key of a delivery."""

    def __init__(self, service: str, commands_queue: str, routes: Iterable[Route]) -> None:
        self.service = service
        self.commands_queue = commands_queue
        self.routes = list(routes)
        self.exact = {(r.exchange, r.contract.routing_key): r for r in self.routes}
        self.event_queues = {
            r.contract.routing_key: r.queue for r in self.routes if not r.is_command
        }
        # Contracts routed per sender (``cart.*.created``): matched word by word.
        self.patterns = [r for r in self.routes if "*" in r.contract.routing_key]

    def decide(self, exchange: str, routing_key: str) -> Routed:
        route = self.exact.get((exchange, routing_key)) or self._pattern(exchange, routing_key)
        return Routed(self._queue(exchange, routing_key, route), route)

    def on_queue(self, queue: str) -> list[Route]:
        """The routes a queue carries (the commands queue carries several)."""
        return [route for route in self.routes if route.queue == queue]

    def queues(self) -> dict[str, list[Route]]:
        """Every queue the service consumes, with its routes, in the table's order."""
        return {route.queue: self.on_queue(route.queue) for route in self.routes}

    def _queue(self, exchange: str, routing_key: str, route: Route | None) -> str:
        """Commands share one queue, each event has its own, and a command that matched no
        binding (``<service>.*``) came through ``oms.unrouted``."""
        if exchange == names.COMMANDS:
            service, _, verb = routing_key.partition(".")
            if service == self.service and verb and "." not in verb:
                return self.commands_queue
            return names.UNROUTED_COMMANDS
        if (queue := self.event_queues.get(routing_key)) is not None:
            return queue
        return route.queue if route is not None else ""

    def _pattern(self, exchange: str, routing_key: str) -> Route | None:
        for route in self.patterns:
            if route.exchange == exchange and names.topic_matches(
                route.contract.routing_key, routing_key
            ):
                return route
        return None
