"""Where the ledger keeps its chart of accounts and its documents (one per journal entry)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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


CHART_FRESH_SECONDS = 2.0
"""How long a chart found missing is taken as missing without asking again (as long as a
remembered chart is trusted: ``RecentDocuments.fresh_seconds``)."""


@dataclass
class Absence:
    """When the chart was last found missing (monotonic seconds; ``None``: found since)."""

    seen_at: float | None = None

    def fresh(self) -> bool:
        return self.seen_at is not None and time.monotonic() - self.seen_at <= CHART_FRESH_SECONDS


@dataclass(frozen=True)
class LedgerStores:
    charts: Store[Chart]
    documents: Store[LedgerDocument]
    absence: Absence = field(default_factory=Absence)
    """Before the first definition every document is held, each reading the chart fresh after
    it is stored (``LedgerHandlers.record``): that read also tells the next document, for a
    moment, that there is no chart, instead of a read of its own."""

    async def chart(self, *, fresh: bool = False) -> Chart:
        """The chart of accounts (an empty one before the first definition): as this process
        read or wrote it at most a moment ago, or (``fresh``) as the database has it now."""
        if not fresh and self.absence.fresh():
            return Chart.empty()
        found = await (self.charts.read(CHART_ID) if fresh else self.charts.get(CHART_ID))
        self.absence.seen_at = time.monotonic() if found is None else None
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
