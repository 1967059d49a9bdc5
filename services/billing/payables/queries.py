"""Read-only HTTP queries of supplier bills: ``/bills`` and a vendor's open ``/payables``.
Staff only (the back office and operators), as every billing query."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.billing.payables.answers import BillAnswer, VendorPayablesAnswer
from services.billing.payables.repository import BILLS
from shared.contracts.payables import BillStatus
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING

OPEN = [BillStatus.HELD.value, BillStatus.APPROVED.value]


def payables(vendor_id: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The vendor's open bills and their totals per currency."""
    totals: dict[str, dict[str, Any]] = {}
    for doc in docs:
        total = totals.setdefault(
            doc["currency"],
            {"currency": doc["currency"], "approved": Decimal(0), "held": Decimal(0), "bills": 0},
        )
        total[doc["status"]] += doc["balance"]
        total["bills"] += 1
    for total in totals.values():
        total["balance"] = total["approved"] + total["held"]
    return {
        "vendor_id": vendor_id,
        "bills": [{"bill_id": doc["_id"], **doc} for doc in docs],
        "totals": [totals[currency] for currency in sorted(totals)],
    }


def queries(runtime: Runtime[Any]) -> list[Route]:
    def collection() -> Any:
        return runtime.database[BILLS]

    async def bills(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /bills?bill_id=&vendor_id=&order_id=&status=``: at most 100 supplier bills,
        newest first (``status=held``: the bills waiting for a person or a receipt)."""
        query: dict[str, Any] = {
            name: value
            for name in ("vendor_id", "order_id", "status")
            if (value := params.get(name))
        }
        if bill_id := params.get("bill_id"):
            query["_id"] = bill_id
        cursor = collection().find(query, HIDE_BOOKKEEPING, sort=[("recorded_at", -1)], limit=100)
        return 200, [{"bill_id": doc.pop("_id"), **doc} async for doc in cursor]

    async def vendor_payables(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /payables?vendor_id=``: the vendor's open payables (held and approved bills
        with a balance, by due date) and their totals per currency; 400 without vendor_id."""
        if not (vendor_id := params.get("vendor_id")):
            return 400, {"error": "vendor_id is required"}
        cursor = collection().find(
            {"vendor_id": vendor_id, "status": {"$in": OPEN}},
            HIDE_BOOKKEEPING,
            sort=[("due_date", 1), ("recorded_at", 1)],
            limit=1000,
        )
        return 200, payables(vendor_id, [doc async for doc in cursor])

    return [
        ("/bills", json_query(bills, list[BillAnswer])),
        ("/payables", json_query(vendor_payables, VendorPayablesAnswer)),
    ]
