"""Who sent a command, from what the broker vouches for, never from the body alone.

RabbitMQ refuses a message whose AMQP ``user_id`` property differs from the login of the
connection that published it, so ``user_id`` names the caller for certain: a service, a
``storefront``, or a gateway that acts for people it authenticated (``backoffice``,
``operator``), which names that person in the ``x-oms-user`` header. Each command lists the
callers that may send it (``Command.senders``) and the body field that names the person acting
(``Command.acting_person``), which must name the same person.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.contracts.base import PEOPLE_GATEWAYS, Command, Message
from shared.domain import DomainError

USER_HEADER = "x-oms-user"


class Unauthenticated(DomainError):
    """The command does not say who sends it: set the AMQP user_id property (and, from a
    gateway acting for people, the x-oms-user header)."""

    reason = "unauthenticated"


class NotAllowed(DomainError):
    """This kind of caller may not send this command."""

    reason = "not_allowed"


class NotTheActingUser(DomainError):
    """The body names another person than the one the caller authenticated."""

    reason = "not_the_acting_user"


class WrongRoutingKey(DomainError):
    """A message published on another sender's routing key than its body names."""

    reason = "wrong_routing_key"


def check_routing_key(message: Message, routing_key: str | None) -> None:
    """A message routed per sender (``cart.<storefront_id>.created``) must come on its own
    sender's key: the broker lets each sender publish only on its own keys."""
    if type(message).routed_by is not None and routing_key != message.route:
        raise WrongRoutingKey(
            f"{type(message).routed_by} {getattr(message, type(message).routed_by or '')!r} "
            f"publishes on {message.route}, not on {routing_key}."
        )


def acting_person(
    contract: type[Command], user_id: str | None, headers: Mapping[str, object]
) -> str:
    """The person (or caller) on whose behalf the command is sent; refuses the caller if it
    may not send it."""
    if not user_id:
        raise Unauthenticated(
            f"{contract.routing_key} needs the AMQP user_id property set to your RabbitMQ user "
            "(the broker checks it against your login)."
        )
    if user_id not in contract.senders:
        raise NotAllowed(
            f"{user_id} may not send {contract.routing_key}; it is for "
            f"{', '.join(sorted(contract.senders))}."
        )
    if user_id not in PEOPLE_GATEWAYS:
        return user_id
    person = headers.get(USER_HEADER)
    if not isinstance(person, str) or not person.strip():
        raise Unauthenticated(
            f"{user_id} acts for people: name the person sending {contract.routing_key} in the "
            f"{USER_HEADER} header."
        )
    return person.strip()


def check_acting_person(command: Command, person: str) -> None:
    """The body's person field must name the person acting."""
    field = type(command).acting_person
    if field is not None and (named := getattr(command, field)) != person:
        raise NotTheActingUser(
            f"{field} is {named!r} but the command is sent by {person!r}: a caller acts only "
            "for itself or for the person it authenticated."
        )
