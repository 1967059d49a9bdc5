"""Where a quotation stands: which statuses expire or may be revised, its earlier versions and
its history entries."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.contracts import OrderLine, PricedDocument, PricingTerms, QuotationStatus

OPEN = frozenset({QuotationStatus.DRAFT, QuotationStatus.SENT, QuotationStatus.ACCEPTED})
"""What expires when its validity passes."""
REVISABLE = frozenset(
    {
        QuotationStatus.DRAFT,
        QuotationStatus.SENT,
        QuotationStatus.DECLINED,
        QuotationStatus.EXPIRED,
    }
)


class Revision(BaseModel):
    """An earlier version of the quotation, as it was before a revision replaced it."""

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


class QuotationEntry(BaseModel):
    status: QuotationStatus
    revision: int
    at: datetime
    by: str | None = None
    note: str | None = None
