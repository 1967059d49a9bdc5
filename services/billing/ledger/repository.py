"""Where the ledger keeps its chart of accounts and its documents (one per journal entry)."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.billing.ledger.domain.chart import CHART_ID, Chart
from services.billing.ledger.domain.posting import LedgerDocument, PostingStatus
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments
from shared.storage.store import Store

CHARTS, JOURNAL = "ledger_charts", "journal"
OUTBOX_COLLECTIONS = (CHARTS, JOURNAL)


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[JOURNAL].create_index([("status", ASCENDING), ("_id", ASCENDING)])
    await db[JOURNAL].create_index([("document_date", ASCENDING)])
    await db[JOURNAL].create_index([("reverses", ASCENDING)])
    await db[JOURNAL].create_index([("order_id", ASCENDING)])


@dataclass(frozen=True)
class LedgerStores:
    charts: Store[Chart]
    documents: Store[LedgerDocument]

    async def chart(self, *, fresh: bool = False) -> Chart:
        """The chart of accounts (an empty one before the first definition): as this process
        read or wrote it at most a moment ago, or (``fresh``) as the database has it now."""
        found = await (self.charts.read(CHART_ID) if fresh else self.charts.get(CHART_ID))
        return found or Chart.empty()

    async def held(self, after: str, limit: int) -> list[LedgerDocument]:
        """Held documents whose id comes after ``after``, in id order."""
        query = {"status": PostingStatus.HELD.value, "_id": {"$gt": after}}
        return await self.documents.find(query, limit=limit, sort=[("_id", ASCENDING)])

    async def reversals_of(self, entry_id: str) -> list[LedgerDocument]:
        """Held documents that reverse ``entry_id`` (waiting for it to be posted)."""
        query = {"status": PostingStatus.HELD.value, "reverses": entry_id}
        return await self.documents.find(query, limit=100)


def ledger_stores(db: AsyncDatabase[Document], relay: OutboxRelay) -> LedgerStores:
    # A journal entry posted while a definition is applied is not its answer: documents
    # answer no command.
    return LedgerStores(
        # Read for every posting; a definition on another replica is seen within the
        # freshness of the remembered copy (a held document reads it fresh).
        AggregateStore(db[CHARTS], Chart, relay, recent=RecentDocuments()),
        AggregateStore(db[JOURNAL], LedgerDocument, relay, answers=False),
    )
