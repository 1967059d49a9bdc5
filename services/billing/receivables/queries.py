"""Read-only HTTP queries: sales invoices, a customer's open items and statement, aged
receivables."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.billing.receivables.answers import (
    AgedReceivablesAnswer,
    CustomerInvoiceAnswer,
    OpenItemsAnswer,
    StatementAnswer,
)
from services.billing.receivables.domain import CustomerInvoice
from services.billing.receivables.domain.aging import aged, end_of
from services.billing.receivables.domain.statement import statement
from services.billing.receivables.repository import CUSTOMER_INVOICES
from shared.http import QueryError, Route, json_query
from shared.pricing.money import ZERO
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING

MOST = 1000
"""Invoices a customer's open items or statement reads, at most."""
AGED_MOST = 20000
"""Invoices the aged receivables read, at most (every one issued by the day asked for)."""


def answer(invoice: CustomerInvoice) -> dict[str, Any]:
    """A sales invoice as its query answers it."""
    return {
        **invoice.model_dump(),
        "invoice_id": invoice.id,
        "policy": invoice.terms.policy,
        "payment_terms_days": invoice.terms.payment_terms_days,
        "billing_contact": invoice.billing_contact,
        "balance": invoice.balance,
        "payments": [money.model_dump() for money in invoice.money],
    }


def _when(text: str | None, *, end: bool) -> datetime | None:
    """An ISO date (the whole day) or instant; ``ValueError`` for anything else."""
    if not text:
        return None
    if len(text) == 10:
        day = datetime.combine(datetime.fromisoformat(text).date(), time(), tzinfo=UTC)
        return day + timedelta(days=1, microseconds=-1) if end else day
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def queries(runtime: Runtime[Any]) -> list[Route]:
    async def find(query: dict[str, Any], limit: int = 100) -> list[CustomerInvoice]:
        cursor = runtime.database[CUSTOMER_INVOICES].find(
            query, HIDE_BOOKKEEPING, sort=[("issued_at", 1), ("series", 1), ("number", 1)],
            limit=limit,
        )  # fmt: skip
        return [CustomerInvoice.model_validate({**doc, "id": doc["_id"]}) async for doc in cursor]

    async def customer_invoices(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /customer-invoices?invoice_id=`` (one, 404 if none) or ``?order_id=`` /
        ``?customer_id=`` (with ``status``: open, settled, in_credit): at most 100, oldest
        first."""
        if invoice_id := params.get("invoice_id"):
            found = await find({"_id": invoice_id}, limit=1)
            if not found:
                return 404, QueryError(error=f"no sales invoice {invoice_id}")
            return 200, answer(found[0])
        query = {name: value for name in ("order_id", "customer_id", "status")
                 if (value := params.get(name))}  # fmt: skip
        if not {"order_id", "customer_id"} & set(query):
            return 400, QueryError(error="give invoice_id, order_id or customer_id")
        return 200, [answer(invoice) for invoice in await find(query)]

    async def open_items(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /open-items?customer_id=``: the customer's sales invoices with a balance
        (owed by it, or to it), oldest first, and the balance per currency."""
        if not (customer_id := params.get("customer_id")):
            return 400, QueryError(error="customer_id is required")
        invoices = await find(
            {"customer_id": customer_id, "status": {"$in": ["open", "in_credit"]}}, MOST
        )
        balances: dict[str, Any] = {}
        for invoice in invoices:
            balances[invoice.currency] = balances.get(invoice.currency, ZERO) + invoice.balance
        return 200, {
            "customer_id": customer_id,
            "items": [answer(invoice) for invoice in invoices],
            "balances": [{"currency": c, "balance": b} for c, b in sorted(balances.items())],
        }

    async def customer_statement(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /statement?customer_id=&from=&to=`` (ISO dates or instants, both optional,
        ``to`` inclusive): per currency, the balance before ``from``, every invoice, credit
        note, payment and refund in the period with the running balance, and the balance at
        ``to``."""
        if not (customer_id := params.get("customer_id")):
            return 400, QueryError(error="customer_id is required")
        try:
            start = _when(params.get("from"), end=False)
            end = _when(params.get("to"), end=True)
        except ValueError:
            return 400, QueryError(error="from and to are ISO dates (2026-03-01) or instants")
        invoices = await find({"customer_id": customer_id}, MOST)
        accounts = statement(invoices, start, end)
        return 200, {"customer_id": customer_id, "start": start, "end": end, "accounts": accounts}

    async def aged_receivables(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /aged-receivables?as_of=&customer_id=`` (``as_of`` an ISO date, default
        today in UTC; ``customer_id`` optional): each sales invoice's balance at the end of
        ``as_of``, bucketed by days past due, per customer and currency and in total."""
        try:
            as_of = date.fromisoformat(params["as_of"]) if params.get("as_of") else None
        except ValueError:
            return 400, QueryError(error="as_of is an ISO date (2026-03-31)")
        as_of = as_of or datetime.now(UTC).date()
        query: dict[str, Any] = {"issued_at": {"$lte": end_of(as_of)}}
        if customer_id := params.get("customer_id"):
            query["customer_id"] = customer_id
        return 200, aged(await find(query, AGED_MOST), as_of)

    return [
        (
            "/customer-invoices",
            json_query(customer_invoices, CustomerInvoiceAnswer | list[CustomerInvoiceAnswer]),
        ),
        ("/open-items", json_query(open_items, OpenItemsAnswer)),
        ("/statement", json_query(customer_statement, StatementAnswer)),
        ("/aged-receivables", json_query(aged_receivables, AgedReceivablesAnswer)),
    ]
