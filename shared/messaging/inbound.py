"""Transport facts about the delivery being handled, for code that must answer it.

The settlement middleware sets them for each delivery (each runs in its own task); a store
reads ``reply_to`` so that the first event a command causes also answers the caller.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Inbound:
    """Transport facts about the delivery being handled, for code that must answer it."""

    message_id: str | None
    correlation_id: str | None
    reply_to: str | None
    routing_key: str
    queue: str


inbound: ContextVar[Inbound | None] = ContextVar("oms_inbound", default=None)


def current_reply_to() -> str | None:
    current = inbound.get()
    return current.reply_to if current else None
