"""Valid commands with unique ids, so tests never need cleaning up after each other."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from shared.contracts import CreatePurchaseOrder, CreateSalesOrder, OrderLine


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def lines(*specs: tuple[str, str, str]) -> list[OrderLine]:
    return [OrderLine(sku=sku, quantity=Decimal(q), unit_price=Decimal(p)) for sku, q, p in specs]


def purchase_order(**overrides: Any) -> CreatePurchaseOrder:
    values: dict[str, Any] = {
        "order_id": unique("PO"),
        "vendor_id": unique("V"),
        "branch_id": "BR-NORTH",
        "created_by": "alice",
        "currency": "USD",
        "lines": lines(("SKU-1", "10", "4.50"), ("SKU-2", "3", "19.99")),
    }
    return CreatePurchaseOrder(**{**values, **overrides})


def sales_order(**overrides: Any) -> CreateSalesOrder:
    values: dict[str, Any] = {
        "order_id": unique("SO"),
        "customer_id": unique("C"),
        "branch_id": "BR-SOUTH",
        "created_by": "bob",
        "currency": "EUR",
        "lines": lines(("SKU-9", "2", "100.00")),
    }
    return CreateSalesOrder(**{**values, **overrides})
