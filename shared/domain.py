"""Pure building blocks for aggregates: recorded events, versions and typed business errors.

Nothing here touches the broker or the database; repositories persist what aggregates record.
"""

from __future__ import annotations

import base64
import hashlib

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
        """Whether the message (or the step, by its key) was applied: remembered as it is, or
        as its digest (:func:`applied_key`; a key stored whole by an earlier version is still
        recognised)."""
        key = str(message_id)
        applied = self.applied_messages
        return key in applied or (len(key) > KEY_KEPT_AS_IS and applied_key(key) in applied)


KEY_KEPT_AS_IS = 36
"""A message id (a UUID, 36 characters) is remembered as it is."""


def applied_key(key: str) -> str:
    """What a document remembers an applied message or step by: a message id as it is; a
    longer key (a step of a message, such as ``reserve:<order>:<seq>:<message id>``) as a
    17-character digest of it (``~`` and 96 bits, URL-safe base64). A stock record remembers
    200 of them and is read and written whole at every movement: 55-80 characters each made
    them three quarters of its size."""
    if len(key) <= KEY_KEPT_AS_IS:
        return key
    digest = hashlib.blake2b(key.encode(), digest_size=12).digest()
    return "~" + base64.urlsafe_b64encode(digest).decode()
