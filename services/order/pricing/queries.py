"""Read-only HTTP queries of what prices orders: tax rates, price lists, and each storefront's
pricing."""

from __future__ import annotations

from typing import Any

from services.order.pricing.answers import (
    PriceListAnswer,
    PriceListListed,
    StorefrontAnswer,
    TaxRateCodeAnswer,
)
from services.order.pricing.repository import PRICE_LISTS, STOREFRONTS, TAX_RATES
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING


def pricing_queries(runtime: Runtime[Any]) -> list[Route]:
    """What prices orders: tax rates, price lists, and each storefront's pricing."""

    async def tax_rates(_params: dict[str, str]) -> tuple[int, Any]:
        """``GET /tax-rates``: every tax rate code with all its versions."""
        cursor = runtime.database[TAX_RATES].find({}, HIDE_BOOKKEEPING, sort=[("_id", 1)])
        return 200, [{"code": doc.pop("_id"), **doc} async for doc in cursor]

    async def price_lists(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /price-lists?price_list_id=...``: one price list with its prices; without
        ``price_list_id``, every list (without its prices)."""
        lists = runtime.database[PRICE_LISTS]
        if not (price_list_id := params.get("price_list_id")):
            cursor = lists.find({}, {**HIDE_BOOKKEEPING, "prices": 0}, sort=[("_id", 1)])
            return 200, [{"price_list_id": doc.pop("_id"), **doc} async for doc in cursor]
        doc = await lists.find_one({"_id": price_list_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"no price list {price_list_id}"}
        return 200, {"price_list_id": doc.pop("_id"), **doc}

    async def storefronts(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /storefronts?storefront_id=...``: how a storefront's carts and orders are priced
        (its price list, and ``unknown_item``); without ``storefront_id``, every storefront."""
        found = runtime.database[STOREFRONTS]
        if not (storefront_id := params.get("storefront_id")):
            cursor = found.find({}, HIDE_BOOKKEEPING, sort=[("_id", 1)])
            return 200, [{"storefront_id": doc.pop("_id"), **doc} async for doc in cursor]
        doc = await found.find_one({"_id": storefront_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"storefront {storefront_id} is not configured"}
        return 200, {"storefront_id": doc.pop("_id"), **doc}

    return [
        ("/tax-rates", json_query(tax_rates, list[TaxRateCodeAnswer])),
        ("/price-lists", json_query(price_lists, PriceListAnswer | list[PriceListListed])),
        ("/storefronts", json_query(storefronts, StorefrontAnswer | list[StorefrontAnswer])),
    ]
