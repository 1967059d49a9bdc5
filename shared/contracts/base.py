"""Message base classes every command and event derives from.

A message is frozen, carries its own identity (``message_id``), when it happened, the business
flow it belongs to (``correlation_id``) and the message that caused it (``causation_id``).
Contracts change additively only: consumers ignore fields they do not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PrivateAttr

from shared.contracts.common import IDENTIFIER_PATTERN


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Delivery:
    """How a message reached this service: the AMQP properties an answer needs."""

    reply_to: str | None = None
    correlation_id: str | None = None
    sender: str | None = None
    """The caller, as the broker vouches for it (the AMQP ``user_id``); commands only."""
    person: str | None = None
    """The person acting: ``x-oms-user`` from a gateway acting for people, else the caller."""


class Message(BaseModel):
    """Common envelope fields; subclasses add the business keys.

    A contract names its own ``routing_key`` and its ``ordering_key``: the business id whose
    messages a service handles one after the other, in arrival order (``None``: no order).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    routing_key: ClassVar[str] = ""
    ordering_key: ClassVar[str | None] = None
    routed_by: ClassVar[str | None] = None
    """For a routing key with a ``*`` word (``cart.*.created``): the body field that word is,
    so that each sender publishes on keys of its own (``cart.web-eu.created``)."""
    message_id: UUID = Field(default_factory=uuid4)
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    correlation_id: str | None = None
    causation_id: UUID | None = None
    schema_version: int = 1

    _delivery: Delivery | None = PrivateAttr(default=None)

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    @classmethod
    def business_keys(cls) -> tuple[str, ...]:
        """The fields that hold business ids (order, sku, user...), for logs."""
        return _identifier_fields(cls)

    @property
    def route(self) -> str:
        """The routing key this message is published with."""
        if self.routed_by is None:
            return self.routing_key
        return self.routing_key.replace("*", str(getattr(self, self.routed_by)))

    def delivered(self, delivery: Delivery) -> Self:
        """This message as received, with what its answer needs (it is the same message)."""
        self._delivery = delivery
        return self

    @property
    def delivery(self) -> Delivery | None:
        """How it was received; ``None`` for a message this service made itself."""
        return self._delivery

    def caused_by(self, cause: Message, **changes: Any) -> Self:
        """This message as a consequence of ``cause``: same flow, caused by it.

        The flow is the one the cause's sender named in the AMQP ``correlation_id``, else the
        one in its body.
        """
        sent_as = cause.delivery.correlation_id if cause.delivery else None
        return self.model_copy(
            update={
                "correlation_id": sent_as or cause.correlation_id or self.correlation_id,
                "causation_id": cause.message_id,
                **changes,
            }
        )


PEOPLE_GATEWAYS = frozenset({"backoffice", "operator"})
"""Callers (RabbitMQ users) that act for people they authenticated, named in ``x-oms-user``."""


class Command(Message):
    """An imperative request to one service (``<service>.<verb>`` on ``oms.commands``).

    Who sent it is the AMQP ``user_id`` property, which RabbitMQ checks against the login of
    the connection: only the callers in ``senders`` may send it. A gateway that acts for people
    names the person in the ``x-oms-user`` header; any other caller acts as itself. The body's
    ``acting_person`` field (``created_by``, ``approver_id``...) must name that same person.
    """

    answered_by: ClassVar[tuple[str, ...]] = ()
    """The routing keys of the events that answer it when it succeeds (one of them)."""
    senders: ClassVar[frozenset[str]] = PEOPLE_GATEWAYS
    """The kinds of caller that may send it (their RabbitMQ user names)."""
    acting_person: ClassVar[str | None] = None
    """The body field that names the person acting, checked against the authenticated one."""


class Event(Message):
    """A fact that happened (``<service>.<past_tense>`` on ``oms.events``)."""


class CommandRejected(Event):
    """The answer to a command that could not be carried out, naming the rule it broke."""

    command_message_id: UUID | None
    command_type: str
    reason: str = Field(description="machine-readable reason code, e.g. order_locked")
    detail: str = Field(description="a sentence a person can act on")
    service: str


_ENVELOPE = frozenset({"message_id", "correlation_id", "causation_id"})


@cache
def _identifier_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Fields named ``*_id`` or typed as an :data:`Identifier` (``sku``, ``created_by``...)."""
    return tuple(
        name
        for name, info in model.model_fields.items()
        if name not in _ENVELOPE
        and (
            name.endswith("_id")
            or any(getattr(meta, "pattern", None) == IDENTIFIER_PATTERN for meta in info.metadata)
        )
    )
