"""Where the pricing configuration lives: the ``tax_rates``, ``price_lists`` and ``storefronts``
collections of the order service's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.order.pricing.domain.configuration import PriceList, TaxRateCode
from services.order.pricing.domain.storefront import Storefront
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

TAX_RATES = "tax_rates"
PRICE_LISTS = "price_lists"
STOREFRONTS = "storefronts"


def tax_rate_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[TaxRateCode]:
    """One document per tax rate code, holding every version; remembered in process, since
    every priced order reads its codes."""
    return AggregateStore(db[TAX_RATES], TaxRateCode, relay, recent=RecentDocuments())


def price_list_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[PriceList]:
    return AggregateStore(db[PRICE_LISTS], PriceList, relay, recent=RecentDocuments())


def storefront_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Storefront]:
    return AggregateStore(db[STOREFRONTS], Storefront, relay, recent=RecentDocuments())
