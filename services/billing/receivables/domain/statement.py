"""A customer's statement: every invoice, credit note, payment and refund of its sales
invoices in a period, in time order, with the balance running from what was owed before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.billing.receivables.domain.invoices import CustomerInvoice
from shared.pricing.money import ZERO

KINDS = ("invoice", "credit_note", "payment", "refund")
"""Entries at the same moment come in this order."""


def entries(invoice: CustomerInvoice) -> list[dict[str, Any]]:
    """What the invoice put on the customer's account: owed (+) or paid or credited (-)."""
    facts = {"invoice_id": invoice.id, "order_id": invoice.order_id, "currency": invoice.currency}
    found = [
        {**facts, "at": invoice.issued_at, "kind": "invoice", "document_id": invoice.id,
         "amount": invoice.total},
    ]  # fmt: skip
    for note in invoice.credit_notes:
        found.append(
            {**facts, "at": note.issued_at, "kind": "credit_note",
             "document_id": note.credit_note_id, "amount": -note.total}
        )  # fmt: skip
    for money in invoice.money:
        kind, sign = ("refund", 1) if money.refund else ("payment", -1)
        found.append(
            {**facts, "at": money.at, "kind": kind, "document_id": money.id,
             "amount": sign * money.amount}
        )  # fmt: skip
    return found


def statement(
    invoices: Sequence[CustomerInvoice], start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    """Per currency: the balance owed before ``start``, each entry from ``start`` up to
    ``end`` (inclusive) with the balance after it, and the balance at the end."""
    every = sorted(
        (e for invoice in invoices for e in entries(invoice)),
        key=lambda e: (e["at"], KINDS.index(e["kind"]), e["document_id"]),
    )
    accounts: dict[str, dict[str, Any]] = {}
    for entry in every:
        if end is not None and entry["at"] > end:
            continue
        account = accounts.setdefault(
            entry["currency"],
            {"currency": entry["currency"], "opening_balance": ZERO, "entries": [],
             "closing_balance": ZERO},
        )  # fmt: skip
        balance: Decimal = account["closing_balance"] + entry["amount"]
        account["closing_balance"] = balance
        if start is not None and entry["at"] < start:
            account["opening_balance"] = balance
        else:
            account["entries"].append({**entry, "balance": balance})
    return [accounts[currency] for currency in sorted(accounts)]
