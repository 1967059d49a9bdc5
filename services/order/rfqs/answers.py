"""What the RFQ query answers: an RFQ, or a list of them.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime

from services.order.common.answers import TimelineEntryAnswer
from shared.contracts import (
    QuotedPrice,
    RequestedLine,
    RfqStatus,
    SupplierStatus,
)
from shared.http import Answer

# --- GET /rfqs ----------------------------------------------------------------------------


class SupplierReplyAnswer(Answer):
    prices: list[QuotedPrice]
    lead_time_days: int
    valid_until: datetime
    recorded_by: str
    recorded_at: datetime
    notes: str | None = None


class SupplierAnswer(Answer):
    """One supplier asked, and where their part of the RFQ stands."""

    supplier_id: str
    status: SupplierStatus = SupplierStatus.INVITED
    reply: SupplierReplyAnswer | None = None
    replies: int = 0


class RfqListed(Answer):
    """A request for quotation: its items, suppliers and their replies, and its outcome."""

    rfq_id: str
    branch_id: str
    created_by: str
    currency: str
    lines: list[RequestedLine]
    suppliers: list[SupplierAnswer]
    notes: str | None = None
    status: RfqStatus
    chosen_supplier_id: str | None = None
    chosen_by: str | None = None
    order_id: str | None = None
    cancelled_by: str | None = None
    reason: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class RfqAnswer(RfqListed):
    """One RFQ, with its timeline."""

    timeline: list[TimelineEntryAnswer] = []
