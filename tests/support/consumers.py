"""Which queue takes a message, by ``shared/names.py``'s rules: the keys of the tests' tables
of consumers (a queue a service names itself, ``OnQueue``, is written as it is)."""

from __future__ import annotations

from shared import names


def command(routing_key: str) -> tuple[str, str]:
    """``order.submit``: taken from ``order.commands``."""
    return names.commands_queue(routing_key.split(".", 1)[0]), routing_key


def event(service: str, routing_key: str) -> tuple[str, str]:
    """``approval.pending`` consumed by order: taken from ``order.approval-pending``."""
    return names.event_queue(service, routing_key), routing_key
