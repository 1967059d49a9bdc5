"""Where the ledger keeps its chart of accounts and its documents (one per journal entry)."""

from __future__ import annotations

import math
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
"""How long a replica takes the chart (or that there is none) as it last looked it up, without
asking again."""
STORED_WITHIN_SECONDS = 2.0
"""A held document stored within this long of the look its chart came from needs no look of
its own afterwards: a definition made meanwhile scans the held documents again once this long
and the chart's freshness have passed (``RESCAN_SECONDS``), and finds it."""
RESCAN_SECONDS = CHART_FRESH_SECONDS + STORED_WITHIN_SECONDS + 0.5
"""How long after storing a definition the held documents are scanned a second time."""


@dataclass(frozen=True)
class Looked:
    """The chart as a look found it (``None``: there was none), and when the look was sent
    (monotonic seconds): whatever the database held before then, the look saw."""

    chart: Chart | None = None
    sent: float = -math.inf


@dataclass
class LedgerStores:
    charts: Store[Chart]
    documents: Store[LedgerDocument]
    looked: Looked = field(default_factory=Looked)
    """The last look at the chart: every document posts (or is held) by it for a moment,
    instead of a look of its own."""
    definitions: int = 0
    """Definitions this replica stored: a look sent before one is not kept."""

    async def chart(self, *, fresh: bool = False) -> Chart:
        """The chart of accounts (an empty one before the first definition): as this process
        looked it up at most a moment ago, or (``fresh``) as the database has it now."""
        chart, _ = await self.look(fresh=fresh)
        return chart

    async def look(self, *, fresh: bool = False) -> tuple[Chart, float]:
        """The chart, and when the look that found it was sent."""
        looked = self.looked
        if fresh or time.monotonic() - looked.sent > CHART_FRESH_SECONDS:
            sent, definitions = time.monotonic(), self.definitions
            looked = Looked(await self.charts.read(CHART_ID), sent)
            # A newer look may have come back first; one from before a definition here is old.
            if sent >= self.looked.sent and definitions == self.definitions:
                self.looked = looked
        return looked.chart or Chart.empty(), looked.sent

    def chart_changed(self) -> None:
        """This replica stored a definition: the next document looks the chart up."""
        self.definitions += 1
        self.looked = Looked()

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
        # Looked up at most every CHART_FRESH_SECONDS for the postings; a definition on
        # another replica posts what was held meanwhile (its second scan).
        AggregateStore(db[CHARTS], Chart, relay, recent=RecentDocuments()),
        AggregateStore(db[JOURNAL], LedgerDocument, relay, answers=False),
    )
