"""The stock ledger: every ``StockMoved`` entry stored once, keyed by its movement id.

Entries are written to the stock record's outbox in the same write as the movement, so none is
lost; the relay may publish one twice, and the key makes the second a no-op.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.inventory.repository import LEDGER
from shared.contracts import StockMoved
from shared.storage.batch import InsertBatch
from shared.storage.mongo import Document

LEDGER_LINGER = 0.2
"""How long an entry waits for others to be stored with it: at most five ledger writes a
second, whatever the rate of movements (each delivery waits meanwhile, holding a turn)."""


class LedgerProjection:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.ledger = db[LEDGER]
        # Entries arriving within LEDGER_LINGER of each other are stored in one round trip.
        self.batch = InsertBatch(self.ledger, linger=LEDGER_LINGER)

    async def record(self, entry: StockMoved) -> None:
        """Store one ledger entry; a second delivery of it changes nothing."""
        doc = entry.model_dump(mode="python", exclude={"movement_id", "message_id", "causation_id"})
        doc |= {
            "_id": entry.movement_id,
            "message_id": str(entry.message_id),
            "caused_by": str(entry.causation_id) if entry.causation_id else None,
        }
        await self.batch.insert(doc)
