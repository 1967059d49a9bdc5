"""Where the payables part keeps its copy of purchase orders, the branches' tolerances and the
bills; what earlier bills of an order billed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.billing.payables.domain import Bill, MatchTolerance, PurchaseOrderCopy
from shared.contracts.payables import BillStatus
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.store import Store

PURCHASE_ORDERS, TOLERANCES, BILLS = "payable_orders", "match_tolerances", "bills"
OUTBOX_COLLECTIONS = (TOLERANCES, BILLS)
"""The purchase orders' copies publish nothing."""
COUNTED = [status.value for status in BillStatus if status is not BillStatus.REJECTED]
"""Bills whose quantities count as billed (a rejected bill's do not)."""


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[BILLS].create_index(
        [("vendor_id", ASCENDING), ("vendor_bill_number", ASCENDING)], unique=True
    )
    await db[BILLS].create_index([("order_id", ASCENDING), ("recorded_at", ASCENDING)])
    await db[BILLS].create_index([("vendor_id", ASCENDING), ("status", ASCENDING)])
    await db[BILLS].create_index([("status", ASCENDING), ("recorded_at", ASCENDING)])


def recorded_order(bill: Bill) -> tuple[object, str]:
    """Bills of one order are matched in the order they were recorded."""
    return bill.recorded_at, bill.id


@dataclass(frozen=True)
class PayablesStores:
    orders: Store[PurchaseOrderCopy]
    tolerances: Store[MatchTolerance]
    bills: Store[Bill]
    rematched: Store[Bill]
    """The bills, for matching them again because of another document's change: its events
    answer no command (the command's answer is that other change's)."""

    async def bills_of(self, order_id: str) -> list[Bill]:
        """The order's bills that count (not rejected), in the order they were recorded."""
        found = await self.bills.find(
            {"order_id": order_id, "status": {"$in": COUNTED}}, limit=1000
        )
        return sorted(found, key=recorded_order)

    async def numbered(self, vendor_id: str, number: str) -> Bill | None:
        found = await self.bills.find(
            {"vendor_id": vendor_id, "vendor_bill_number": number}, limit=1
        )
        return found[0] if found else None


def billed_before(bills: list[Bill], bill_id: str | None = None) -> dict[str, Decimal]:
    """What the bills before ``bill_id`` (all of them for none) billed of each sku."""
    billed: dict[str, Decimal] = defaultdict(Decimal)
    for bill in bills:
        if bill.id == bill_id:
            break
        for sku, quantity in bill.billed().items():
            billed[sku] += quantity
    return billed


def stores(db: AsyncDatabase[Document], relay: OutboxRelay) -> PayablesStores:
    return PayablesStores(
        AggregateStore(db[PURCHASE_ORDERS], PurchaseOrderCopy, relay),
        AggregateStore(db[TOLERANCES], MatchTolerance, relay),
        AggregateStore(db[BILLS], Bill, relay),
        AggregateStore(db[BILLS], Bill, relay, answers=False),
    )
