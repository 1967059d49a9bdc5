"""Business-rule refusals of the order service, each with a stable reason code."""

from __future__ import annotations

from collections.abc import Sequence

from shared.contracts import LineAvailability
from shared.domain import DomainError


class OrderLocked(DomainError):
    reason = "order_locked"


class OrderExists(DomainError):
    reason = "order_exists"


class UnknownOrder(DomainError):
    reason = "unknown_order"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"There is no order {order_id!r}; create it first.")


class InvalidTransition(DomainError):
    reason = "invalid_transition"


class NotTheCreator(DomainError):
    """Only an order's creator, or an admin, may change or resubmit it after a rejection."""

    reason = "not_the_creator"


class QuotationExists(DomainError):
    """A quotation with this id exists already (created by another message)."""

    reason = "quotation_exists"


class UnknownQuotation(DomainError):
    """No quotation has this id."""

    reason = "unknown_quotation"

    def __init__(self, quotation_id: str) -> None:
        super().__init__(f"There is no quotation {quotation_id!r}; create it first.")


class QuotationPastValidity(DomainError):
    """The quotation is past its validity: it can no longer be sent, accepted, declined or
    converted (revise it with a new ``valid_until``)."""

    reason = "quotation_expired"

    def __init__(self, detail: str, *, newly: bool) -> None:
        super().__init__(detail)
        self.newly = newly
        """Whether the quotation still has to be marked expired (and that published)."""


class QuotationNotAccepted(DomainError):
    """Only an accepted quotation can be converted into a sales order."""

    reason = "quotation_not_accepted"


class QuotationAlreadyAccepted(DomainError):
    """An accepted (or converted) quotation can no longer be revised, sent or declined."""

    reason = "quotation_accepted"


class QuotationNotSent(DomainError):
    """Only a sent quotation can be accepted or declined by the customer."""

    reason = "quotation_not_sent"


class QuotationNotDraft(DomainError):
    """Only a draft quotation (new or revised) can be sent."""

    reason = "quotation_not_draft"


class ConvertedElsewhere(DomainError):
    """The quotation was converted into another sales order than the one named."""

    reason = "quotation_converted"


class ValidityInPast(DomainError):
    """A validity (``valid_until``) must lie in the future."""

    reason = "validity_in_past"


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


class InsufficientStock(DomainError):
    """The branch refuses sales orders its stock cannot serve (``order.configure_branch``)."""

    reason = "insufficient_stock"

    def __init__(self, detail: str, *, lines: Sequence[LineAvailability] = ()) -> None:
        super().__init__(detail)
        self.lines = list(lines)
        """Each item short: requested and available."""
