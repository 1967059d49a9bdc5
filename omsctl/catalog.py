"""Every public command, read from the services' handler tables and the contracts.

A command's routing key, summary, fields, acting person, senders and answering events come from
its contract class; which commands exist comes from each service's ``Service`` table (the same
source as the AsyncAPI documents). Nothing here is written per command.
"""

from __future__ import annotations

import inspect
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from shared.contracts.base import Command, CommandRejected, Message
from shared.registry import SERVICES

ENVELOPE = frozenset(
    {"message_id", "occurred_at", "correlation_id", "causation_id", "schema_version"}
)
"""Fields omsctl fills itself; not options of a command."""


@dataclass(frozen=True)
class Field:
    """One field of a command body, as an option: ``--order-id``."""

    name: str
    required: bool
    structured: bool
    """A list or an object: given as JSON (``--lines '[{"sku": ...}]'``)."""
    description: str
    type_text: str

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class CommandSpec:
    """A command a caller may send: what it is called, what it takes and what answers it."""

    contract: type[Command]
    service: str

    @property
    def routing_key(self) -> str:
        return self.contract.routing_key

    @property
    def summary(self) -> str:
        text = inspect.cleandoc(self.contract.__doc__ or "") or self.contract.__name__
        return text.split("\n\n")[0].replace("\n", " ")

    @property
    def acting_person(self) -> str | None:
        return self.contract.acting_person

    @property
    def senders(self) -> tuple[str, ...]:
        return tuple(sorted(self.contract.senders))

    @property
    def answered_by(self) -> tuple[str, ...]:
        return self.contract.answered_by

    def fields(self) -> list[Field]:
        return [
            Field(
                name=name,
                required=info.is_required(),
                structured=is_structured(info.annotation),
                description=describe(info),
                type_text=type_text(info.annotation),
            )
            for name, info in self.contract.model_fields.items()
            if name not in ENVELOPE
        ]


@cache
def commands() -> dict[str, CommandSpec]:
    """Every command of every service in the registry, by routing key."""
    from shared.asyncapi import load  # imports each service's table

    found: dict[str, CommandSpec] = {}
    for entry in SERVICES:
        for contract in load(entry.name).commands:
            found[contract.routing_key] = CommandSpec(contract, entry.name)
    return found


@cache
def event_keys() -> dict[str, str]:
    """The routing key of each event a service publishes, by contract name (an answer on a
    reply queue carries only the AMQP ``type``)."""
    from shared.asyncapi import load

    keys: dict[str, str] = {}
    for entry in SERVICES:
        for event in load(entry.name).publishes:
            keys[event.type_name()] = event.routing_key
        keys.setdefault(CommandRejected.type_name(), "command_rejected")
    return keys


def is_structured(annotation: Any) -> bool:
    """Whether a field's value is a list or an object rather than one scalar."""
    options = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    for option in options:
        origin = typing.get_origin(option)
        if origin is typing.Annotated:
            return is_structured(typing.get_args(option)[0])
        if origin in (list, tuple, set, frozenset, dict) or option in (list, dict):
            return True
        if isinstance(option, type) and issubclass(option, BaseModel):
            return True
    return False


def _is_union(annotation: Any) -> bool:
    return isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union


def type_text(annotation: Any) -> str:
    """A short name for a field's type: ``text``, ``decimal``, ``list of OrderLineInput``..."""
    if _is_union(annotation):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(type_text(option) for option in options)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return type_text(typing.get_args(annotation)[0])
    if origin in (list, tuple, set, frozenset):
        inner = typing.get_args(annotation)
        return f"list of {type_text(inner[0])}" if inner else "list"
    if origin is dict:
        return "object"
    return _scalar_text(annotation)


def _scalar_text(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " | ".join(str(member.value) for member in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"{annotation.__name__} {{{', '.join(annotation.model_fields)}}}"
    return next(
        (
            name
            for kind, name in SCALARS
            if isinstance(annotation, type) and issubclass(annotation, kind)
        ),
        "text",
    )


SCALARS: tuple[tuple[type, str], ...] = (
    (bool, "true | false"),
    (int, "integer"),
    (Decimal, "decimal"),
)


def describe(info: FieldInfo) -> str:
    if info.description:
        return info.description
    return ""


def message_types() -> tuple[type[Message], ...]:
    return tuple(spec.contract for spec in commands().values())
