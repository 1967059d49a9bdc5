"""Read-only HTTP queries of customer and vendor records: a search, and one record with its
history."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from services.order.parties.answers import (
    CustomerAnswer,
    CustomerListed,
    VendorAnswer,
    VendorListed,
)
from services.order.parties.repository import CUSTOMERS, VENDORS
from shared.contracts.parties import PartyStatus
from shared.http import Query, Route, json_query
from shared.runtime import Runtime

LIST_FIELDS = {"current.name": 1, "current.status": 1, "current.currency": 1, "record_version": 1}
ONE_FIELDS = {
    "current": 1,
    "record_version": 1,
    "source": 1,
    "changed_by": 1,
    "recorded_at": 1,
    "history": 1,
}


def _listed(key: str, doc: dict[str, Any]) -> dict[str, Any]:
    current = doc.get("current") or {}
    return {
        key: doc["_id"],
        "name": current.get("name"),
        "status": current.get("status"),
        "currency": current.get("currency"),
        "version": doc.get("record_version", 0),
    }


def _one(key: str, doc: dict[str, Any]) -> dict[str, Any]:
    return {
        key: doc["_id"],
        "record": doc.get("current"),
        "version": doc.get("record_version", 0),
        "source": doc.get("source"),
        "changed_by": doc.get("changed_by"),
        "recorded_at": doc.get("recorded_at"),
        "history": doc.get("history", []),
    }


def _records(runtime: Runtime[Any], collection: str, key: str, kind: str) -> Query:
    async def records(params: dict[str, str]) -> tuple[int, Any]:
        found = runtime.database[collection]
        if party_id := params.get(key):
            doc = await found.find_one({"_id": party_id, "current": {"$ne": None}}, ONE_FIELDS)
            if doc is None:
                return 404, {"error": f"no {kind} {party_id}"}
            return 200, _one(key, doc)
        query: dict[str, Any] = {"current": {"$ne": None}}
        if status := params.get("status"):
            if status not in set(PartyStatus):
                return 400, {"error": f"status must be one of {', '.join(PartyStatus)}"}
            query["current.status"] = status
        if text := (params.get("q") or "").strip():
            pattern = {"$regex": re.escape(text), "$options": "i"}
            query["$or"] = [{"_id": pattern}, {"current.name": pattern}]
        try:
            limit = min(max(int(params.get("limit") or 50), 1), 500)
        except ValueError:
            return 400, {"error": "limit must be a whole number"}
        cursor = found.find(query, LIST_FIELDS, sort=[("current.name", 1), ("_id", 1)], limit=limit)
        return 200, [_listed(key, doc) async for doc in cursor]

    return records


def party_queries(runtime: Runtime[Any]) -> list[Route]:
    """``GET /customers`` and ``GET /vendors``."""
    customers = _records(runtime, CUSTOMERS, "customer_id", "customer")
    vendors = _records(runtime, VENDORS, "vendor_id", "vendor")

    async def customer_records(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /customers?q=&status=&limit=``: customers whose id or name contains ``q``
        (any case), of one ``status`` (active, on_hold, blocked), by name (at most ``limit``,
        50 by default, 500 at most); ``GET /customers?customer_id=...``: one customer's
        record, version, source and history (404 if OMS knows none)."""
        return await customers(params)

    async def vendor_records(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /vendors?q=&status=&limit=``: vendors, as ``/customers``;
        ``GET /vendors?vendor_id=...``: one vendor's record, version, source and history."""
        return await vendors(params)

    answered: list[tuple[str, Callable[..., Any], Any]] = [
        ("/customers", customer_records, CustomerAnswer | list[CustomerListed]),
        ("/vendors", vendor_records, VendorAnswer | list[VendorListed]),
    ]
    return [(path, json_query(query, answer)) for path, query, answer in answered]
