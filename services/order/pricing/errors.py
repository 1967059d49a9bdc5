"""Refusals of the pricing rules, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


class PricingError(DomainError):
    reason = "invalid_pricing"


class EmptyDocument(PricingError):
    reason = "empty_document"


class InvalidLine(PricingError):
    """A line with no quantity, a negative price, or a tax code named twice."""

    reason = "invalid_line"


class InvalidDiscount(PricingError):
    """A percentage above 100, or an amount finer than the currency's minor unit."""

    reason = "invalid_discount"


class DiscountExceedsLine(PricingError):
    reason = "discount_exceeds_line"


class DiscountExceedsDocument(PricingError):
    reason = "discount_exceeds_document"


class UnknownTaxRate(PricingError):
    reason = "unknown_tax_rate"


class UnknownPrice(PricingError):
    reason = "unknown_price"
