"""Message base classes every command and event derives from.

A message is frozen, carries its own identity (``message_id``), when it happened, the business
flow it belongs to (``correlation_id``) and the message that caused it (``causation_id``).
Contracts change additively only: consumers ignore fields they do not know.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """Common envelope fields; subclasses add the business keys."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    routing_key: ClassVar[str] = ""
    message_id: UUID = Field(default_factory=uuid4)
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    correlation_id: str | None = None
    causation_id: UUID | None = None
    schema_version: int = 1

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def caused_by(self, cause: Message, **changes: Any) -> Self:
        """This message as a consequence of ``cause``: same flow, caused by it."""
        return self.model_copy(
            update={
                "correlation_id": cause.correlation_id or self.correlation_id,
                "causation_id": cause.message_id,
                **changes,
            }
        )


class Command(Message):
    """An imperative request to one service (``<service>.<verb>`` on ``oms.commands``)."""


class Event(Message):
    """A fact that happened (``<service>.<past_tense>`` on ``oms.events``)."""


class CommandRejected(Event):
    """The answer to a command that could not be carried out, naming the rule it broke."""

    command_message_id: UUID | None
    command_type: str
    reason: str = Field(description="machine-readable reason code, e.g. order_locked")
    detail: str = Field(description="a sentence a person can act on")
    service: str
