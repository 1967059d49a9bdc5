"""Events of the notification service: what was sent, and what could not be."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.contracts.base import Event


class _EmailFacts(Event):
    ordering_key: ClassVar[str | None] = "email_id"
    email_id: str = Field(min_length=1, max_length=200)
    kind: str
    to: str | None
    order_id: str | None = None
    source_message_id: str


class EmailSent(_EmailFacts):
    """An e-mail was accepted by the SMTP server."""

    routing_key: ClassVar[str] = "notification.email_sent"
    attempts: int


class EmailFailed(_EmailFacts):
    """An e-mail could not be delivered and will not be retried; an operator should look."""

    routing_key: ClassVar[str] = "notification.email_failed"
    attempts: int
    error: str
