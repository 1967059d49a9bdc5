"""The one list of OMS services: what each is called, where it listens, what it needs.

The runtime, ``make run``, the tests' launcher and the AsyncAPI generator read it; the Compose
file, the Kubernetes manifests and the RabbitMQ definitions are generated from it
(``make generate``; a test fails when a generated file is stale). Adding a service is one
entry here; its messages and handlers live in its own package (``services/<name>/app.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Need(StrEnum):
    """Something outside the broker that a service needs to run."""

    DATABASE = "database"
    SMTP = "smtp"


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    port: int
    summary: str
    """What it owns, in a few words (manifest comments, ``make run``)."""
    needs: frozenset[Need] = frozenset({Need.DATABASE})
    autoscaled: bool = False
    """Whether Kubernetes scales it on CPU (a HorizontalPodAutoscaler) or runs fixed replicas."""
    reads: tuple[str, ...] = ()
    """The services whose HTTP queries it reads (a gateway; ``OMS_<SERVICE>_URL`` says where)."""
    package: str = "services"
    """Where its package lives (the tests' example service lives in ``tests.example``)."""

    @property
    def module(self) -> str:
        """``python -m <module>`` starts it; ``<module>.app`` holds its handler table."""
        return f"{self.package}.{self.name}"

    @property
    def rabbitmq_user(self) -> str:
        return self.name

    @property
    def database(self) -> str:
        return f"oms_{self.name}"


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("order", 8081, "purchase and sales orders and their lifecycle", autoscaled=True),
    ServiceEntry("approval", 8082, "approval cycles and requests", autoscaled=True),
    ServiceEntry("inventory", 8083, "items, stock, reservations, goods receipt and issue"),
    ServiceEntry("billing", 8084, "subscriptions, sales invoices, payments, credit notes, dunning"),
    ServiceEntry(
        "notification",
        8085,
        "e-mail for approvals, renewals and abandoned carts",
        needs=frozenset({Need.DATABASE, Need.SMTP}),
    ),
)


GATEWAYS: tuple[ServiceEntry, ...] = (
    ServiceEntry(
        "backoffice",
        8090,
        "the back office in the browser: approvals, orders, stock, invoices, bills, returns",
        reads=("order", "approval", "inventory", "billing"),
    ),
)
"""Processes that are not domain services: no handler table, no AsyncAPI document of their own.
They read the services' HTTP queries, keep a database of their own, and act only by sending the
services' public commands as a caller (their RabbitMQ user is the caller of the same name)."""


def entry(name: str) -> ServiceEntry:
    for service in SERVICES:
        if service.name == name:
            return service
    msg = f"no service named {name!r} in shared/registry.py"
    raise LookupError(msg)


def gateway(name: str) -> ServiceEntry:
    for found in GATEWAYS:
        if found.name == name:
            return found
    msg = f"no gateway named {name!r} in shared/registry.py"
    raise LookupError(msg)


@dataclass(frozen=True)
class CallerEntry:
    """A kind of caller that is not a service: it logs in to RabbitMQ as its own user."""

    name: str
    summary: str
    acts_for_people: bool
    """Names the person it authenticated in the ``x-oms-user`` header of each command."""
    replays_events: bool = False
    """May publish any event too (an operator putting dead letters back)."""


CALLERS: tuple[CallerEntry, ...] = (
    CallerEntry("backoffice", "the back office or gateway that acts for people", True),
    CallerEntry("storefront", "storefronts: sales orders and cart events", False),
    CallerEntry("operator", "operators' tools: any command, and replaying events", True, True),
)


@dataclass(frozen=True)
class StorefrontEntry:
    """A storefront that publishes cart events: it logs in to RabbitMQ as its own user, which
    may publish only ``cart.<storefront_id>.<event>`` on ``oms.events``: no command, and no
    other storefront's cart events."""

    storefront_id: str
    summary: str

    @property
    def rabbitmq_user(self) -> str:
        return f"storefront-{self.storefront_id}"


STOREFRONTS: tuple[StorefrontEntry, ...] = (
    StorefrontEntry("demo", "the demonstration storefront (development and tests)"),
    StorefrontEntry("web-eu", "the European web shop"),
)
"""Storefronts with a RabbitMQ user of their own (the older ``storefront`` caller keeps its
sales-order commands and publishes no cart events)."""


@dataclass(frozen=True)
class IntegrationEntry:
    """A business system that keeps records OMS checks orders against (customers, vendors,
    products): it logs in to RabbitMQ as its own user, which may publish only
    ``<record>.upserted`` on ``oms.events``: no command, and no other record's events."""

    name: str
    record: str
    """The record it sends: its events travel as ``<record>.upserted``."""
    summary: str

    @property
    def rabbitmq_user(self) -> str:
        return self.name

    @property
    def routing_key(self) -> str:
        return f"{self.record}.upserted"


INTEGRATIONS: tuple[IntegrationEntry, ...] = (
    IntegrationEntry("customers", "customer", "the business's customer system"),
    IntegrationEntry("vendors", "vendor", "the business's vendor (or ERP) system"),
    IntegrationEntry("products", "product", "the business's product information system"),
)
"""The integration senders (``shared.contracts.parties.INTEGRATION_SENDERS`` names the same)."""
