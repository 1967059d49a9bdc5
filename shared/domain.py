"""Pure building blocks for aggregates: recorded events, versions and typed business errors.

Nothing here touches the broker or the database; repositories persist what aggregates record.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, PrivateAttr

from shared.contracts.base import Command, Event


class DomainError(Exception):
    """A command broke a business rule; ``reason`` is a stable code, the message a sentence."""

    reason: str = "rule_violated"

    def __init__(self, detail: str, *, reason: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if reason is not None:
            self.reason = reason


class Aggregate(BaseModel):
    """A consistency boundary stored as one document.

    ``version`` guards against lost updates; ``applied_messages`` holds the ids of the latest
    messages already applied so that a redelivery is recognised and ignored.
    """

    model_config = ConfigDict(validate_assignment=False, extra="ignore")

    id: str
    version: int = 0
    applied_messages: list[str] = []

    _events: list[Event] = PrivateAttr(default_factory=list)
    _commands: list[Command] = PrivateAttr(default_factory=list)
    _stored: object = PrivateAttr(default=None)
    """What the store last read or wrote of this aggregate (the store's business: it writes
    only the fields that differ from it)."""

    def record(self, event: Event) -> None:
        self._events.append(event)

    def send_command(self, command: Command) -> None:
        """A command to another service, sent with the change (through the same outbox)."""
        self._commands.append(command)

    def collect_commands(self) -> list[Command]:
        commands, self._commands = self._commands, []
        return commands

    @property
    def pending_commands(self) -> tuple[Command, ...]:
        return tuple(self._commands)

    def collect_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    @property
    def pending_events(self) -> tuple[Event, ...]:
        return tuple(self._events)

    def has_applied(self, message_id: object) -> bool:
        return str(message_id) in self.applied_messages
