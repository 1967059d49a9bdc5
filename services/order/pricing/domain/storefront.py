"""A storefront's prices are the business's: its lines are priced from its price list.

A storefront (a cart's ``storefront_id``, or the ``storefront`` caller) is configured with a
price list and a rule for items that list does not know (``refuse`` or ``hold``). The price the
storefront sent is kept beside the line as ``storefront_unit_price``; it never prices anything
the business knows. Discounts are prices too: a storefront's order carries none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.order.pricing.domain.configuration import PriceList
from shared.contracts import (
    OrderLine,
    OrderLineInput,
    PricingTerms,
    StorefrontConfigured,
    UnknownItemPolicy,
)
from shared.domain import Aggregate, DomainError
from shared.pricing import UnknownPrice


class StorefrontNotConfigured(DomainError):
    """The storefront has no price list yet: configure it with ``order.configure_storefront``."""

    reason = "storefront_not_configured"

    def __init__(self, storefront_id: str) -> None:
        super().__init__(
            f"Storefront {storefront_id} has no price list, and its own prices are not the "
            "business's: configure it with order.configure_storefront (price_list_id, "
            "unknown_item) first."
        )


class UnknownItem(DomainError):
    """The storefront's price list does not know an item, and the storefront refuses such
    items (``unknown_item: refuse``)."""

    reason = "unknown_item"


class ItemsHeld(DomainError):
    """The order holds items its storefront's price list does not know: a person gives their
    prices (``order.update`` with the lines) before it is submitted."""

    reason = "items_held"


class StorefrontDiscount(DomainError):
    """A storefront sets no discount and no tax basis: the business's prices and terms decide."""

    reason = "not_allowed"


class Storefront(Aggregate):
    """A storefront's pricing settings; ``id`` is the storefront id."""

    price_list_id: str
    unknown_item: UnknownItemPolicy = UnknownItemPolicy.REFUSE

    def configure(self, *, price_list_id: str, unknown_item: UnknownItemPolicy, by: str) -> None:
        self.price_list_id, self.unknown_item = price_list_id, unknown_item
        self.record(
            StorefrontConfigured(
                storefront_id=self.id,
                price_list_id=price_list_id,
                unknown_item=unknown_item,
                configured_by=by,
            )
        )


@dataclass(frozen=True)
class StorefrontPrices:
    """What prices a storefront's lines: its price list, and its rule for unknown items."""

    storefront_id: str
    price_list: PriceList
    unknown_item: UnknownItemPolicy

    def price_of(self, sku: str) -> Decimal | None:
        return self.price_list.price_of(sku)

    def lines(self, lines: Sequence[OrderLineInput]) -> tuple[list[OrderLine], list[str]]:
        """The lines at the price list's prices (the storefront's kept beside), and the items
        held at the storefront's price; refuses unknown items under ``refuse``."""
        if any(line.discount is not None for line in lines):
            raise StorefrontDiscount(
                f"Storefront {self.storefront_id} sent a line discount: a storefront's lines "
                "are priced by its price list, without discounts."
            )
        unknown = [line.sku for line in lines if self.price_of(line.sku) is None]
        if unknown and self.unknown_item is UnknownItemPolicy.REFUSE:
            raise UnknownItem(
                f"Price list {self.price_list.id} of storefront {self.storefront_id} does not "
                f"know {', '.join(dict.fromkeys(unknown))}: add them to the list, or remove "
                "them from the order."
            )
        priced = []
        for line in lines:
            price = self.price_of(line.sku)
            if price is None and line.unit_price is None:
                raise UnknownPrice(
                    f"Line {line.sku} is held (price list {self.price_list.id} does not know "
                    "it) and the storefront sent no price for it: send one, or add the item "
                    "to the list."
                )
            priced.append(
                OrderLine(
                    **{
                        **line.model_dump(exclude={"unit_price"}),
                        "unit_price": line.unit_price if price is None else price,
                        "storefront_unit_price": line.unit_price,
                    }
                )
            )
        return priced, list(dict.fromkeys(unknown))

    def terms(self, terms: PricingTerms | None) -> PricingTerms:
        """The order's terms with the storefront's price list; a document discount, or prices
        said to include tax (which would lower what the list's prices come to), are refused."""
        terms = terms or PricingTerms()
        if terms.discount is not None:
            raise StorefrontDiscount(
                f"Storefront {self.storefront_id} sent a document discount: a storefront's "
                "orders are priced by its price list, without discounts."
            )
        if terms.prices_include_tax:
            raise StorefrontDiscount(
                f"Storefront {self.storefront_id} sent prices_include_tax: a storefront's "
                "orders are priced by its price list, taxes added on top, as its carts are."
            )
        return terms.model_copy(update={"price_list_id": self.price_list.id})
