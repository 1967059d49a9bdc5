"""Pricing rules shared by every commercial document (orders, quotations, carts, invoices).

``price_document(lines, terms, rates, currency=...) -> PricedDocument``: pure, ``Decimal``
throughout, no I/O. The rules, in the order they apply:

1. **Line amount** = quantity x unit price. Quantity must be above 0 and the price 0 or more
   (``invalid_line``); no lines: ``empty_document``.
2. **Line discount**: a percent (0-100) of the line amount, or an amount in the currency with
   at most its minor unit's decimals (``invalid_discount``). A discount larger than the line is
   refused (``discount_exceeds_line``), never capped: a line priced below zero is a mistake
   someone must see. 100 % makes the line free (and untaxed).
3. **Document discount** (``terms.discount``), after line discounts: a percent applies to each
   line; an amount (``discount_exceeds_document`` when larger than the document) is shared over
   the lines pro rata to their amounts in whole minor units, each share rounded down and the
   units left over given one each to the largest remainders, the earlier line first on a tie.
   Taxes are computed on the amounts after both discounts.
4. **Taxes**: each line names tax rate codes (``unknown_tax_rate``; a code twice:
   ``invalid_line``). Several rates on a line (state + city) are each computed on the same
   base, the line's net amount: **compound (tax on tax) rates are not supported**. With
   tax-exclusive prices, tax = net x rate. With tax-inclusive prices
   (``terms.prices_include_tax``; discount amounts are then gross too), the net is backed out:
   net = amount / (1 + sum of rates), each tax = net x its rate, and the net is what is left of
   the amount after the taxes, so net + taxes is exactly the amount the customer sees.
5. **Rounding** (``terms.tax_rounding``), half to even (0.125 -> 0.12, 0.135 -> 0.14) to the
   currency's minor unit (0 decimals for JPY, KRW...; 3 for BHD, KWD...; 2 otherwise):
   - ``document`` (default, and what orders always did): line values stay exact (shown to 6
     decimals); each total is rounded once from the exact sum: per tax rate its base and its
     tax, the discounted total. Without taxes and discounts the grand total is the old
     ``total``: the sum of quantity x price, rounded once.
   - ``line``: every line value (amount, each discount, each tax) is rounded as it is
     computed; totals are sums of rounded values. The two can differ by a minor unit per line.
6. **Totals**: per tax rate code (base, tax, and the rate and version used: a document keeps
   the rates it was priced with); subtotal (before discounts); discount total = subtotal - the
   discounted total, of which the document discount is the shares' sum; tax total = sum of the
   per-rate taxes; exclusive: net total = discounted total, grand total = net + tax; inclusive:
   grand total = discounted total, net total = grand - tax.
"""

from shared.pricing.document import PricingLine, price_document
from shared.pricing.errors import (
    DiscountExceedsDocument,
    DiscountExceedsLine,
    EmptyDocument,
    InvalidDiscount,
    InvalidLine,
    PricingError,
    UnknownPrice,
    UnknownTaxRate,
)
from shared.pricing.money import minor_unit, round_to
from shared.pricing.rates import in_force

__all__ = [
    "DiscountExceedsDocument",
    "DiscountExceedsLine",
    "EmptyDocument",
    "InvalidDiscount",
    "InvalidLine",
    "PricingError",
    "PricingLine",
    "UnknownPrice",
    "UnknownTaxRate",
    "in_force",
    "minor_unit",
    "price_document",
    "round_to",
]
