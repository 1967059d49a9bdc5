"""Read-only HTTP queries of the inventory service: stock levels, the ledger, what it knows
of an order or a work order, what an order would reserve (each query says its parameters;
``answers`` their answers)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pymongo import ASCENDING

from services.inventory.answers import (
    InventoryOrderAnswer,
    InventoryWorkOrderAnswer,
    ItemAnswer,
    ItemsAnswer,
    LedgerAnswer,
    ReservationPreviewAnswer,
    StockAnswer,
)
from services.inventory.domain import stock_id
from services.inventory.domain.costing import cost_of
from services.inventory.domain.preview import needs, preview_reservation
from services.inventory.repository import ITEMS, LEDGER, ORDERS, STOCK, WORK_ORDERS, stores
from shared.contracts import MovementKind, StockLine
from shared.contracts.common import Identifier
from shared.http import Query, Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING

ZERO = Decimal(0)
MAX_LIMIT = 5000
MAX_ITEMS = 500
_PRODUCT_FIELDS = {**HIDE_BOOKKEEPING, "history": 0}

MAX_PREVIEW_LINES = 200


class ReservationAsked(BaseModel):
    """``lines``: ``SKU:QUANTITY`` pairs separated by commas (the quantity after the last
    colon, as a sku may hold one)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    branch_id: Identifier
    lines: list[StockLine] = Field(min_length=1, max_length=MAX_PREVIEW_LINES)
    order_id: Identifier | None = None

    @field_validator("lines", mode="before")
    @classmethod
    def _pairs(cls, text: object) -> object:
        if not isinstance(text, str):
            return text
        pairs = [pair.rpartition(":") for pair in text.split(",") if pair.strip()]
        if any(not sep for _, sep, _ in pairs):
            raise ValueError("write each line as SKU:QUANTITY, lines separated by commas")
        return [{"sku": sku, "quantity": quantity} for sku, _, quantity in pairs]


def queries(runtime: Runtime[Any]) -> list[Route]:
    async def stock(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /stock?sku=&location_id=&branch_id=`` (at least one): stock records with
        their moving average cost and value, and per-sku totals over the records found."""
        query = {key: params[key] for key in ("sku", "location_id", "branch_id") if params.get(key)}
        if not query:
            return 400, {"error": "give sku, location_id and/or branch_id"}
        cursor = runtime.database[STOCK].find(query, HIDE_BOOKKEEPING, sort=[("_id", ASCENDING)])
        records = [_stock_view(doc) async for doc in cursor]
        products = await _products(sorted({record["sku"] for record in records}))
        totals = _totals(records)
        return 200, {"query": query, "stock": records, "totals": totals, "products": products}

    async def _products(skus: list[str]) -> dict[str, dict[str, Any]]:
        cursor = runtime.database[ITEMS].find({"_id": {"$in": skus}}, _PRODUCT_FIELDS)
        return {doc["_id"]: _product_view(doc) async for doc in cursor}

    async def items(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /items?sku=`` one item's product record with its history of versions, or
        ``GET /items[?q=][&status=][&product_group=][&limit=]`` the items whose sku or name
        contains ``q`` (any case), by sku."""
        if sku := params.get("sku"):
            doc = await runtime.database[ITEMS].find_one({"_id": sku}, HIDE_BOOKKEEPING)
            if doc is None:
                return 404, {"error": f"inventory knows no item {sku}"}
            return 200, _product_view(doc)
        try:
            limit = min(max(int(params.get("limit") or 100), 1), MAX_ITEMS)
        except ValueError:
            return 400, {"error": f"limit must be a whole number (at most {MAX_ITEMS})"}
        query = {key: params[key] for key in ("q", "status", "product_group") if params.get(key)}
        found: dict[str, Any] = {
            key: query[key] for key in ("status", "product_group") if key in query
        }
        if text := query.get("q"):
            pattern = {"$regex": re.escape(text), "$options": "i"}
            found["$or"] = [{"_id": pattern}, {"name": pattern}]
        cursor = runtime.database[ITEMS].find(
            found, _PRODUCT_FIELDS, sort=[("_id", ASCENDING)], limit=limit
        )
        return 200, {"query": query, "items": [_product_view(doc) async for doc in cursor]}

    async def ledger(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /ledger?sku=[&location_id=][&limit=]``: an item's ledger entries in order,
        and per location the balance they add up to."""
        if not (sku := params.get("sku")):
            return 400, {"error": "sku is required"}
        query = {"sku": sku} | ({"location_id": loc} if (loc := params.get("location_id")) else {})
        try:
            limit = min(max(int(params.get("limit") or 1000), 1), MAX_LIMIT)
        except ValueError:
            return 400, {"error": f"limit must be a whole number (at most {MAX_LIMIT})"}
        cursor = runtime.database[LEDGER].find(
            query, sort=[("location_id", ASCENDING), ("sequence", ASCENDING)], limit=limit
        )
        entries = [{"movement_id": doc.pop("_id"), **doc} async for doc in cursor]
        return 200, {"query": query, "entries": entries, "balances": ledger_balances(entries)}

    async def order(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /orders?order_id=``: what inventory knows of an order (approval, quantities,
        reservation)."""
        if not (order_id := params.get("order_id")):
            return 400, {"error": "order_id is required"}
        doc = await runtime.database[ORDERS].find_one({"_id": order_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"inventory knows no order {order_id}"}
        return 200, {"order_id": doc.pop("_id"), **doc}

    async def work_order(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /work-orders?work_order_id=``: what inventory knows of a work order (release
        phase, components, receipts)."""
        if not (work_order_id := params.get("work_order_id")):
            return 400, {"error": "work_order_id is required"}
        doc = await runtime.database[WORK_ORDERS].find_one({"_id": work_order_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"inventory knows no work order {work_order_id}"}
        return 200, {"work_order_id": doc.pop("_id"), **doc}

    return [
        ("/stock", json_query(stock, StockAnswer)),
        ("/items", json_query(items, ItemAnswer | ItemsAnswer)),
        ("/ledger", json_query(ledger, LedgerAnswer)),
        ("/orders", json_query(order, InventoryOrderAnswer)),
        ("/work-orders", json_query(work_order, InventoryWorkOrderAnswer)),
        (
            "/reservation-preview",
            json_query(reservation_preview(runtime), ReservationPreviewAnswer),
        ),
    ]


def reservation_preview(runtime: Runtime[Any]) -> Query:
    """The ``/reservation-preview`` query (a function of its own: it reads the catalog and
    stock through the stores)."""

    async def reservation_preview(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /reservation-preview?branch_id=&lines=SKU:QTY,SKU:QTY[&order_id=]``: what a
        sales order of these lines would hold at the branch's sales location were it submitted
        now, item by item (available, would reserve, short), and whether all of it; holds
        nothing. ``order_id``: what that order holds already counts as its own. 400 names each
        wrong parameter."""
        try:
            asked = ReservationAsked.model_validate(params)
        except ValidationError as error:
            wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            return 400, {"error": wrong}
        found = stores(runtime.database, runtime.outbox)
        location = await found.catalog.sales_location(asked.branch_id)
        wanted = needs((line.sku, line.quantity) for line in asked.lines)
        ids = [stock_id(sku, location) for sku in wanted] if location else []
        records = await found.stock.find({"_id": {"$in": ids}}) if ids else []
        lines = preview_reservation(
            wanted,
            {record.sku: record for record in records},
            location_id=location,
            order_id=asked.order_id or "",
        )
        return 200, {
            "branch_id": asked.branch_id,
            "order_id": asked.order_id,
            "location_id": location,
            "lines": lines,
            "complete": not any(line.short for line in lines),
        }

    return reservation_preview


def _product_view(doc: dict[str, Any]) -> dict[str, Any]:
    doc["sku"] = doc.pop("_id")
    doc["version"] = doc.pop("product_version", 0)
    return doc


def _stock_view(doc: dict[str, Any]) -> dict[str, Any]:
    doc["stock_id"] = doc.pop("_id")
    doc["available"] = doc["on_hand"] - doc["reserved"]
    unit_cost, currency = doc.get("unit_cost"), doc.get("cost_currency")
    if unit_cost is not None and currency is not None:
        doc["value"] = cost_of(doc["on_hand"], unit_cost, currency)
    return doc


def _totals(records: list[dict[str, Any]]) -> dict[str, dict[str, Decimal]]:
    totals: dict[str, dict[str, Decimal]] = {}
    for record in records:
        total = totals.setdefault(
            record["sku"], dict.fromkeys(("on_hand", "reserved", "available", "quarantined"), ZERO)
        )
        for field in total:
            total[field] += record.get(field, ZERO)
    return totals


def ledger_balances(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per location: opening + receipts - issues +/- adjustments + returns, and whether it
    matches on hand; and the quantity put in quarantine."""
    balances: dict[str, dict[str, Any]] = {}
    for entry in entries:
        kind = MovementKind(entry["kind"])
        balance = balances.setdefault(
            entry["location_id"],
            {
                "opening": ZERO,
                "receipts": ZERO,
                "issues": ZERO,
                "adjustments": ZERO,
                "returns": ZERO,
                "quarantined": ZERO,
                "reserved": ZERO,
                "on_hand": ZERO,
                "movements": 0,
            },
        )
        change = entry["on_hand_change"]
        if kind is MovementKind.OPENING:
            balance["opening"] += change
        elif kind is MovementKind.RECEIPT:
            balance["receipts"] += change
        elif kind in {MovementKind.ISSUE, MovementKind.ISSUE_REVERSAL}:
            balance["issues"] -= change  # issues net of reversals
        elif kind is MovementKind.ADJUSTMENT:
            balance["adjustments"] += change
        elif kind is MovementKind.RETURN:
            balance["returns"] += change
        balance["quarantined"] += entry.get("quarantined_change", ZERO)
        balance["reserved"] += entry["reserved_change"]
        balance["on_hand"] = entry["on_hand_after"]
        balance["movements"] += 1
    for balance in balances.values():
        computed = (
            balance["opening"]
            + balance["receipts"]
            - balance["issues"]
            + balance["adjustments"]
            + balance["returns"]
        )
        balance["balanced"] = computed == balance["on_hand"]
    return balances
