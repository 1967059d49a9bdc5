"""What a service consumes, read from its FastStream app, so that tests cover every consumer."""

from __future__ import annotations

from dataclasses import dataclass

from shared import names
from shared.runtime import OmsApp


@dataclass(frozen=True)
class Consumer:
    queue: str
    exchange: str
    routing_key: str
    handler: str


def consumers(app: OmsApp) -> list[Consumer]:
    """Every (queue, routing key, handler) of a contract the app's broker subscribes to; the
    consumer of unrouted commands takes no contract (tests/integration/test_unrouted.py)."""
    found = []
    assert app.broker is not None
    for subscriber in app.broker.subscribers:
        queue = subscriber.queue  # type: ignore[attr-defined]
        if queue.name == names.UNROUTED_COMMANDS:
            continue
        exchange = subscriber.exchange.name  # type: ignore[attr-defined]
        # One consumer per queue; the routes it hands deliveries to are the service's table's.
        for route in app.routing.on_queue(queue.name):
            key = route.contract.routing_key
            found.append(Consumer(queue.name, exchange, key, f"{queue.name}:{key}"))
    return found
