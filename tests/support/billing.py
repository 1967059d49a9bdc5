"""Billing in tests: a clock the test moves, plans and subscriptions, the running handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from services.billing.app import BillingParts
from services.billing.receivables.handlers import ReceivablesHandlers
from services.billing.subscriptions.handlers import BillingHandlers
from shared.contracts.billing import (
    BillingContact,
    BillingInterval,
    DefinePlan,
    PlanItem,
    RecordPayment,
    StartSubscription,
)
from shared.runtime import OmsApp
from tests.support.factories import unique


@dataclass
class MovedClock:
    """The billing service's "now", moved by the test instead of waited for."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, moment: datetime) -> None:
        self.now = moment

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def billing_handlers(app: OmsApp) -> BillingHandlers:
    """The running subscriptions part's handlers."""
    parts = app.lifecycle.handlers[0]
    assert isinstance(parts, BillingParts)
    return parts.subscriptions


def receivables_handlers(app: OmsApp) -> ReceivablesHandlers:
    """The running receivables part's handlers (sales invoices)."""
    parts = app.lifecycle.handlers[0]
    assert isinstance(parts, BillingParts)
    return parts.receivables


def with_clock(app: OmsApp, clock: MovedClock) -> BillingHandlers:
    handlers = billing_handlers(app)
    handlers.clock = clock
    return handlers


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


BillingContactFor = BillingContact(email="billing@customer.example", name="Carla")
"""The billing contact of the tests' customers."""


def plan(sku: str, branch_id: str, **overrides: Any) -> DefinePlan:
    values: dict[str, Any] = {
        "plan_id": unique("PLAN"),
        "name": "Monthly box",
        "price": Decimal("30.00"),
        "currency": "EUR",
        "interval": BillingInterval.MONTH,
        "items": [PlanItem(sku=sku, quantity=Decimal(3), unit_price=Decimal("10.00"))],
        "branch_id": branch_id,
        "defined_by": "root",
    }
    return DefinePlan(**{**values, **overrides})


def subscribe(plan_id: str, start_at: datetime, **overrides: Any) -> StartSubscription:
    values: dict[str, Any] = {
        "subscription_id": unique("SUB"),
        "customer_id": unique("C"),
        "plan_id": plan_id,
        "billing_contact": BillingContactFor,
        "start_at": start_at,
        "started_by": "root",
    }
    return StartSubscription(**{**values, **overrides})


def payment(invoice: dict[str, Any], amount: str | None = None) -> RecordPayment:
    """A payment of ``amount`` (default: the whole balance) for an issued invoice's body."""
    return RecordPayment(
        invoice_id=invoice["invoice_id"],
        payment_id=unique("PAY"),
        amount=Decimal(amount or invoice["balance"]),
        currency=invoice["currency"],
        recorded_by="root",
    )


def about(order_id: str, **fields: object) -> Callable[[dict[str, Any]], bool]:
    """Matches a message body about ``order_id`` (and with these field values)."""
    return lambda body: (
        body.get("order_id") == order_id
        and all(body.get(name) == value for name, value in fields.items())
    )
