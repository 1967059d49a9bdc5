"""Who may read which query: staff read everything, a storefront its own data, a service none.

- ``backoffice`` (the gateway that acts for the people it signed in) and ``operator``
  (operators' tools, omsctl): every query of every service, e-mail addresses in the
  notification log for operators only;
- a storefront (``storefront`` or ``storefront-<id>``): only the queries a service opens to
  storefronts (:class:`OwnData`), and there only the documents that name it;
- a service: nothing (services learn from each other's events, never from their queries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shared.logging import ADDRESS
from shared.registry import SERVICES


class CallerKind(StrEnum):
    STAFF = "staff"
    STOREFRONT = "storefront"
    SERVICE = "service"
    UNKNOWN = "unknown"


STAFF = frozenset({"backoffice", "operator"})
SERVICE_NAMES = frozenset(service.name for service in SERVICES)


@dataclass(frozen=True)
class Caller:
    """Who a verified credential names."""

    name: str
    person: str | None = None

    @property
    def kind(self) -> CallerKind:
        if self.name in STAFF:
            return CallerKind.STAFF
        if self.name == "storefront" or self.name.startswith("storefront-"):
            return CallerKind.STOREFRONT
        if self.name in SERVICE_NAMES:
            return CallerKind.SERVICE
        return CallerKind.UNKNOWN

    @property
    def storefront_id(self) -> str:
        """``demo`` for ``storefront-demo``; the older ``storefront`` caller has none."""
        return self.name.removeprefix("storefront-") if self.name != "storefront" else ""


class Forbidden(Exception):
    """The caller is who it says, but may not read this; the message says what is missing."""


@dataclass(frozen=True)
class OwnData:
    """A query a storefront may read, for the documents whose ``field`` names it: its
    ``storefront_id``, or ``created_by`` its caller name. ``via``/``key``: the answer does
    not carry ``field``; ask the query at ``via`` for the document ``key`` names instead."""

    field: str
    what: str
    via: str | None = None
    key: str | None = None

    def value(self, caller: Caller) -> str:
        return caller.storefront_id if self.field == "storefront_id" else caller.name


@dataclass(frozen=True)
class Redacted:
    """Fields of a query's answer shown only to the callers named in ``shown_to``; in the
    ``masked`` fields (a mail server's error, say) only the e-mail addresses are hidden."""

    fields: Sequence[str]
    shown_to: frozenset[str] = frozenset({"operator"})
    masked: Sequence[str] = ()


@dataclass(frozen=True)
class QueryAccess:
    """A service's rules beyond "staff only", by query path."""

    own_data: Mapping[str, OwnData] = field(default_factory=dict)
    redacted: Mapping[str, Redacted] = field(default_factory=dict)


def check_caller(caller: Caller, service: str, path: str, access: QueryAccess) -> OwnData | None:
    """None when the caller reads the query as it is; the rule to apply for a storefront."""
    kind = caller.kind
    if kind is CallerKind.STAFF:
        return None
    if kind is CallerKind.SERVICE:
        msg = (
            f"{caller.name} is a service: services read nothing of another service's; "
            "they learn from its events."
        )
        raise Forbidden(msg)
    if kind is CallerKind.STOREFRONT and (rule := access.own_data.get(path)):
        if rule.field == "storefront_id" and not caller.storefront_id:
            msg = f"{path} needs a storefront's own credential (storefront-<id>)."
            raise Forbidden(msg)
        return rule
    open_to = list(access.own_data) if kind is CallerKind.STOREFRONT else []
    msg = f"{caller.name} may not read {service}'s {path}: it needs the back office's or an " + (
        "operator's credential"
        + (f"; a storefront reads {', '.join(sorted(open_to))} only" if open_to else "")
        + "."
    )
    raise Forbidden(msg)


def scoped_params(rule: OwnData, caller: Caller, params: dict[str, str]) -> dict[str, str]:
    """The parameters narrowed to the storefront's own documents."""
    own = rule.value(caller)
    given = params.get(rule.field)
    if given is not None and given != own:
        msg = f"{caller.name} reads only its own {rule.what} ({rule.field}={own}), not {given}."
        raise Forbidden(msg)
    return {**params, rule.field: own}


def check_owned(rule: OwnData, caller: Caller, body: Any) -> None:
    """Every document in the answer must name the caller (a cart looked up by its id, say)."""
    own = rule.value(caller)
    documents = body if isinstance(body, list) else [body]
    for doc in documents:
        if isinstance(doc, dict) and doc.get(rule.field) != own:
            msg = f"{caller.name} reads only its own {rule.what}: this one is someone else's."
            raise Forbidden(msg)


def redact(rule: Redacted, caller: Caller, body: Any) -> Any:
    if caller.name in rule.shown_to:
        return body
    documents = body if isinstance(body, list) else [body]
    for doc in documents:
        if isinstance(doc, dict):
            for name in rule.fields:
                if doc.get(name) is not None:
                    doc[name] = "(hidden)"
            for name in rule.masked:
                if isinstance(text := doc.get(name), str):
                    doc[name] = ADDRESS.sub("<e-mail address>", text)
    return body
