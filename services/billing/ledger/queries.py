"""Read-only HTTP queries of the ledger: the chart, the journal, the trial balance, the
journal as CSV for an accountant, and gross margin per order.

A period is ``from`` and ``to``, dates (``YYYY-MM-DD``, UTC days), both included, either left
out for an open end; it selects entries by their ``document_date``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from services.billing.ledger.answers import (
    ChartAnswer,
    JournalEntryAnswer,
    JournalRow,
    MarginAnswer,
    TrialBalanceAnswer,
)
from services.billing.ledger.domain.chart import CHART_ID
from services.billing.ledger.repository import CHARTS, JOURNAL
from shared.contracts.ledger import AccountRole
from shared.http import Route, csv_query, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING
from shared.storage.mongo import Document

ZERO = Decimal(0)
MOST = 1000
"""Entries ``/journal`` lists at most (``limit`` chooses fewer)."""


class BadPeriod(ValueError):
    pass


def period(params: dict[str, str]) -> tuple[date | None, date | None, Document]:
    """The period's days and the filter on ``document_date`` it makes."""
    days: list[date | None] = []
    for name in ("from", "to"):
        text = params.get(name)
        try:
            days.append(date.fromisoformat(text) if text else None)
        except ValueError as error:
            raise BadPeriod(f"{name}={text!r} is not a date: write YYYY-MM-DD") from error
    start, end = days
    if start and end and end < start:
        raise BadPeriod(f"to={end} is before from={start}")
    bounds: Document = {}
    if start:
        bounds["$gte"] = datetime.combine(start, time(), UTC)
    if end:
        bounds["$lt"] = datetime.combine(end + timedelta(days=1), time(), UTC)
    return start, end, ({"document_date": bounds} if bounds else {})


def _entry(doc: Document) -> Document:
    """A stored document as its answer names it (once per document: it takes its fields)."""
    return {"entry_id": doc.pop("_id"), "document_kind": doc.pop("kind"), **doc}


def queries(runtime: Runtime[Any]) -> list[Route]:
    def journal() -> Any:
        return runtime.database[JOURNAL]

    async def posted(query: Document) -> AsyncIterator[Document]:
        cursor = journal().find(
            {**query, "status": "posted"},
            {"amounts": 0, **HIDE_BOOKKEEPING},
            sort=[("document_date", 1), ("_id", 1)],
        )
        async for doc in cursor:
            yield doc

    async def chart(_params: dict[str, str]) -> tuple[int, Any]:
        """``GET /chart-of-accounts``: the mapping the ledger posts with (404 before the first
        ``billing.define_chart_of_accounts``)."""
        doc = await runtime.database[CHARTS].find_one({"_id": CHART_ID}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": "no chart of accounts defined yet"}
        return 200, doc

    async def entries(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /journal?from=&to=&account=&document_id=&order_id=&status=&limit=``: journal
        entries dated in the period (``status`` posted, the default, or held), oldest first,
        at most ``limit`` (default and most 1000); ``account`` keeps those with a line on it."""
        try:
            _, _, query = period(params)
            limit = min(int(params.get("limit") or MOST), MOST)
        except ValueError as error:
            return 400, {"error": str(error)}
        for name in ("document_id", "order_id"):
            if value := params.get(name):
                query[name] = value
        if account := params.get("account"):
            query["lines.account"] = account
        query["status"] = params.get("status") or "posted"
        cursor = journal().find(
            query,
            {"amounts": 0, **HIDE_BOOKKEEPING},
            sort=[("document_date", 1), ("_id", 1)],
            limit=max(limit, 1),
        )
        return 200, [_entry(doc) async for doc in cursor]

    async def trial_balance(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /trial-balance?from=&to=``: per currency, every account's debits, credits
        and balance over the posted entries dated in the period; each currency's balances add
        up to zero."""
        try:
            start, end, query = period(params)
        except BadPeriod as error:
            return 400, {"error": str(error)}
        sums: dict[str, dict[str, list[Decimal]]] = defaultdict(dict)
        count = 0
        async for doc in posted(query):
            count += 1
            accounts = sums[doc["currency"]]
            for line in doc["lines"]:
                pair = accounts.setdefault(line["account"], [ZERO, ZERO])
                pair[0] += line["debit"]
                pair[1] += line["credit"]
        return 200, {
            "from_date": start,
            "to_date": end,
            "entries": count,
            "currencies": [_balance(currency, sums[currency]) for currency in sorted(sums)],
        }

    async def journal_csv(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /journal.csv?from=&to=``: the posted entries dated in the period as CSV for
        an accountant, one row per line (columns: date, entry_id, document_kind, document_id,
        order_id, party_id, reference, currency, line, account, role, tax_code, debit,
        credit, description)."""
        try:
            _, _, query = period(params)
        except BadPeriod as error:
            return 400, {"error": str(error)}
        rows = []
        async for doc in posted(query):
            entry = _entry(doc)
            day = entry["document_date"].date()
            rows += [{**entry, **line, "date": day} for line in entry["lines"]]
        return 200, rows

    async def margins(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /margins?order_id=``: the order's gross margin per currency: revenue of its
        posted invoices (less voids and sales returns) minus the cost of goods issued for it
        (less returns)."""
        if not (order_id := params.get("order_id")):
            return 400, {"error": "order_id is required"}
        totals: dict[str, list[Decimal]] = {}
        async for doc in posted({"order_id": order_id}):
            _add_margin(totals.setdefault(doc["currency"], [ZERO, ZERO]), doc["lines"])
        return 200, [
            {
                "order_id": order_id,
                "currency": currency,
                "revenue": revenue,
                "cost_of_goods_sold": cost,
                "margin": revenue - cost,
            }
            for currency, (revenue, cost) in sorted(totals.items())
        ]

    return [
        ("/chart-of-accounts", json_query(chart, ChartAnswer)),
        ("/journal", json_query(entries, list[JournalEntryAnswer])),
        ("/journal.csv", csv_query(journal_csv, JournalRow)),
        ("/trial-balance", json_query(trial_balance, TrialBalanceAnswer)),
        ("/margins", json_query(margins, list[MarginAnswer])),
    ]


def _add_margin(pair: list[Decimal], lines: list[Document]) -> None:
    """Add an entry's revenue (less sales returns) and cost of goods sold to ``pair``."""
    for line in lines:
        net = line["credit"] - line["debit"]
        if line["role"] in (AccountRole.REVENUE, AccountRole.SALES_RETURNS):
            pair[0] += net
        elif line["role"] == AccountRole.COST_OF_GOODS_SOLD:
            pair[1] -= net


def _balance(currency: str, accounts: dict[str, list[Decimal]]) -> Document:
    debit = sum((pair[0] for pair in accounts.values()), ZERO)
    credit = sum((pair[1] for pair in accounts.values()), ZERO)
    return {
        "currency": currency,
        "accounts": [
            {"account": account, "debit": dr, "credit": cr, "balance": dr - cr}
            for account, (dr, cr) in sorted(accounts.items())
        ],
        "debit": debit,
        "credit": credit,
        "balance": debit - credit,
    }
