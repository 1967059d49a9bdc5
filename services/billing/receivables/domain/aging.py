"""Aged receivables: what customers owe on a day, by how long it is past due (current, 1-30,
31-60, 61-90, over 90 days), per customer and in total, per currency. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from services.billing.receivables.domain.invoices import CustomerInvoice
from services.billing.receivables.domain.statement import entries
from shared.pricing.money import ZERO

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")
"""The buckets, youngest first: not yet due (or due on the day), then days past due."""


def bucket(days_past_due: int) -> str:
    """The bucket of a balance ``days_past_due`` days after its due date (0 or less: current)."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "days_1_30"
    if days_past_due <= 60:
        return "days_31_60"
    if days_past_due <= 90:
        return "days_61_90"
    return "over_90"


def end_of(day: date) -> datetime:
    """The last instant of ``day`` (UTC): what happened on the day counts."""
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=1, microseconds=-1)


def balance_at(invoice: CustomerInvoice, moment: datetime) -> Decimal:
    """What the customer owed on ``invoice`` at ``moment`` (its entries up to then)."""
    return sum((e["amount"] for e in entries(invoice) if e["at"] <= moment), ZERO)


def days_past_due(invoice: CustomerInvoice, as_of: date) -> int:
    return (as_of - invoice.due_at.astimezone(UTC).date()).days


def _empty(currency: str, customer_id: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"currency": currency, **dict.fromkeys(BUCKETS, ZERO)}
    row |= {"total": ZERO, "credit": ZERO, "invoices": 0}
    return row if customer_id is None else {"customer_id": customer_id, **row}


def _add(row: dict[str, Any], where: str, balance: Decimal) -> None:
    if balance > 0:
        row[where] += balance
        row["total"] += balance
        row["invoices"] += 1
    else:  # owed to the customer: shown beside the buckets, never netted into them
        row["credit"] += -balance


def aged(invoices: Iterable[CustomerInvoice], as_of: date) -> dict[str, Any]:
    """Per customer and currency, and in total per currency: each invoice's balance at the end
    of ``as_of`` in the bucket of its days past due; a balance owed to the customer (a credit)
    is summed apart in ``credit``. Invoices issued after ``as_of`` or settled by then are left
    out."""
    moment = end_of(as_of)
    customers: dict[tuple[str, str], dict[str, Any]] = {}
    totals: dict[str, dict[str, Any]] = {}
    for invoice in invoices:
        if invoice.issued_at > moment or not (balance := balance_at(invoice, moment)):
            continue
        where = bucket(days_past_due(invoice, as_of))
        key = (invoice.customer_id, invoice.currency)
        _add(customers.setdefault(key, _empty(invoice.currency, invoice.customer_id)), where,
             balance)  # fmt: skip
        _add(totals.setdefault(invoice.currency, _empty(invoice.currency)), where, balance)
    return {
        "as_of": as_of,
        "customers": [customers[key] for key in sorted(customers)],
        "totals": [totals[currency] for currency in sorted(totals)],
    }
