"""Where orders live: the ``orders`` collection of the order service's database."""

from __future__ import annotations

import contextlib
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.order.domain import Order, Quotation, Rfq
from services.order.domain.configuration import PriceList, TaxRateCode
from services.order.domain.storefront import Storefront
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

ORDERS = "orders"
QUOTATIONS = "quotations"
RFQS = "rfqs"
ADMINS = "admins"
TAX_RATES = "tax_rates"
PRICE_LISTS = "price_lists"
STOREFRONTS = "storefronts"


def order_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Order]:
    return AggregateStore(db[ORDERS], Order, relay, recent=RecentDocuments())


def quotation_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Quotation]:
    return AggregateStore(db[QUOTATIONS], Quotation, relay, recent=RecentDocuments())


def rfq_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Rfq]:
    return AggregateStore(db[RFQS], Rfq, relay, recent=RecentDocuments())


def tax_rate_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[TaxRateCode]:
    """One document per tax rate code, holding every version; remembered in process, since
    every priced order reads its codes."""
    return AggregateStore(db[TAX_RATES], TaxRateCode, relay, recent=RecentDocuments())


def price_list_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[PriceList]:
    return AggregateStore(db[PRICE_LISTS], PriceList, relay, recent=RecentDocuments())


def storefront_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Storefront]:
    return AggregateStore(db[STOREFRONTS], Storefront, relay, recent=RecentDocuments())


class Admins:
    """Who is an admin, as the approval service's user directory says (from its events)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db[ADMINS]

    async def is_admin(self, user_id: str) -> bool:
        doc = await self.collection.find_one({"_id": user_id, "admin": True, "active": True})
        return doc is not None

    async def learn(self, user_id: str, *, admin: bool, active: bool, at: datetime) -> None:
        """Keep the newest word on a user; an older event arriving late changes nothing."""
        with contextlib.suppress(DuplicateKeyError):  # a newer word is stored already
            await self.collection.update_one(
                {"_id": user_id, "$or": [{"at": {"$lt": at}}, {"at": {"$exists": False}}]},
                {"$set": {"admin": admin, "active": active, "at": at}},
                upsert=True,
            )


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    orders = db[ORDERS]
    await orders.create_index([("status", 1), ("updated_at", -1)])
    await orders.create_index([("party_id", 1), ("kind", 1)])
    await db[QUOTATIONS].create_index([("customer_id", 1), ("status", 1)])
    await db[QUOTATIONS].create_index([("status", 1), ("valid_until", 1)])
    await db[RFQS].create_index([("status", 1), ("updated_at", -1)])
