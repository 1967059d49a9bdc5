"""Refusals of quotation commands, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


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
