"""Refusals of RFQ commands, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


class RfqExists(DomainError):
    """An RFQ with this id exists already (created by another message)."""

    reason = "rfq_exists"


class UnknownRfq(DomainError):
    """No RFQ has this id."""

    reason = "unknown_rfq"

    def __init__(self, rfq_id: str) -> None:
        super().__init__(f"There is no RFQ {rfq_id!r}; create it first.")


class RfqClosed(DomainError):
    """The RFQ is ordered (a reply was chosen) or cancelled: it takes no more replies or
    choices."""

    reason = "rfq_closed"


class DuplicateEntry(DomainError):
    """An item or supplier is named twice where each must appear once."""

    reason = "duplicate_entry"


class UnknownSupplier(DomainError):
    """The supplier was not asked in this RFQ."""

    reason = "unknown_supplier"


class UnknownSupplierReply(DomainError):
    """The supplier has not replied to this RFQ: there is nothing to choose."""

    reason = "unknown_supplier_reply"


class ReplyItemsMismatch(DomainError):
    """A reply prices every item the RFQ asks for, each once, and no other."""

    reason = "reply_items_mismatch"


class ReplyExpired(DomainError):
    """The chosen reply is past its validity: record a new reply from the supplier first."""

    reason = "reply_expired"
