"""Refusals of the pricing rules, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


class PricingError(DomainError):
    """A document cannot be priced as given."""

    reason = "invalid_pricing"


class EmptyDocument(PricingError):
    """A document to price has no lines."""

    reason = "empty_document"


class InvalidLine(PricingError):
    """A line with no quantity, a negative price, or a tax code named twice."""

    reason = "invalid_line"


class InvalidDiscount(PricingError):
    """A percentage above 100, or an amount finer than the currency's minor unit."""

    reason = "invalid_discount"


class DiscountExceedsLine(PricingError):
    """A line's discount is larger than the line's amount (it is refused, not capped)."""

    reason = "discount_exceeds_line"


class DiscountExceedsDocument(PricingError):
    """A document discount is larger than the document after its line discounts."""

    reason = "discount_exceeds_document"


class UnknownTaxRate(PricingError):
    """A line names a tax rate code that is not defined (order.define_tax_rate)."""

    reason = "unknown_tax_rate"


class UnknownPrice(PricingError):
    """A line without a unit price names a sku its price list has no price for."""

    reason = "unknown_price"
