"""What the quotation query answers: a quotation, or a list of them.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime

from services.order.common.answers import TimelineEntryAnswer
from shared.contracts import (
    OrderLine,
    PricedDocument,
    PricingTerms,
    QuotationStatus,
)
from shared.http import Answer

# --- GET /quotations ----------------------------------------------------------------------


class QuotationRevision(Answer):
    """An earlier version of a quotation, as it was before a revision replaced it."""

    revision: int
    branch_id: str
    currency: str
    lines: list[OrderLine]
    terms: PricingTerms
    pricing: PricedDocument
    valid_until: datetime
    notes: str | None = None
    status: QuotationStatus
    replaced_at: datetime
    replaced_by: str


class QuotationHistoryEntry(Answer):
    status: QuotationStatus
    revision: int
    at: datetime
    by: str | None = None
    note: str | None = None


class QuotationListed(Answer):
    """A quotation: its customer, lines, pricing, validity, status and the order it became."""

    quotation_id: str
    customer_id: str
    branch_id: str
    created_by: str
    currency: str
    lines: list[OrderLine]
    terms: PricingTerms
    pricing: PricedDocument
    valid_until: datetime
    notes: str | None = None
    status: QuotationStatus
    revision: int = 1
    order_id: str | None = None
    converted_by: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class QuotationAnswer(QuotationListed):
    """One quotation, with its earlier versions, history and timeline."""

    revisions: list[QuotationRevision] = []
    history: list[QuotationHistoryEntry] = []
    timeline: list[TimelineEntryAnswer] = []
