"""Tax rates, price lists and storefronts' prices: defined by commands, read whenever an order
or a cart is priced."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from services.order.pricing.domain.configuration import PriceList, TaxRateCode, UnknownPriceList
from services.order.pricing.domain.storefront import (
    Storefront,
    StorefrontNotConfigured,
    StorefrontPrices,
)
from services.order.pricing.ports import Taxed
from shared.contracts import ConfigureStorefront, DefinePriceList, DefineTaxRate, TaxRate
from shared.storage.store import Store


class PricingConfiguration:
    """The pricing commands' handlers, and what the other parts read to price a document."""

    def __init__(
        self,
        tax_rates: Store[TaxRateCode],
        price_lists: Store[PriceList],
        storefronts: Store[Storefront],
    ) -> None:
        self.tax_rates = tax_rates
        self.price_lists = price_lists
        self.storefronts = storefronts

    async def define_tax_rate(self, cmd: DefineTaxRate) -> None:
        """The first version of a code, or its next one (documents keep the one they had)."""
        await self.tax_rates.create_or_change(
            cmd.code,
            cmd,
            create=lambda: TaxRateCode.define(cmd),
            change=lambda tax_rate: tax_rate.redefine(cmd),
        )

    async def define_price_list(self, cmd: DefinePriceList) -> None:
        """A new price list, or new prices for one (orders already priced keep theirs)."""
        await self.price_lists.create_or_change(
            cmd.price_list_id,
            cmd,
            create=lambda: PriceList.define(cmd),
            change=lambda price_list: price_list.redefine(cmd),
        )

    async def rates_for(self, lines: Iterable[Taxed], at: datetime) -> dict[str, TaxRate]:
        """The version in force at ``at`` of each tax code the lines name (a code not
        defined, or not yet in force, is left out: pricing refuses it by name)."""
        rates = {}
        for code in sorted({code for line in lines for code in line.tax_codes}):
            stored = await self.tax_rates.get(code)
            if stored is not None and (rate := stored.in_force(at)) is not None:
                rates[code] = rate
        return rates

    async def price_list(self, price_list_id: str | None) -> PriceList | None:
        if price_list_id is None:
            return None
        price_list = await self.price_lists.get(price_list_id)
        if price_list is None:
            raise UnknownPriceList(
                f"There is no price list {price_list_id!r}: define it first "
                "(order.define_price_list), or give the unit prices."
            )
        return price_list

    async def configure_storefront(self, cmd: ConfigureStorefront) -> None:
        """The price list that prices a storefront's carts and orders (it must exist), and its
        rule for items the list does not know."""
        await self.price_list(cmd.price_list_id)

        def configure(storefront: Storefront) -> None:
            storefront.configure(
                price_list_id=cmd.price_list_id,
                unknown_item=cmd.unknown_item,
                by=cmd.configured_by,
            )

        def create() -> Storefront:
            storefront = Storefront(id=cmd.storefront_id, price_list_id=cmd.price_list_id)
            configure(storefront)
            return storefront

        await self.storefronts.create_or_change(
            cmd.storefront_id, cmd, create=create, change=configure
        )

    async def storefront_prices(self, storefront_id: str) -> StorefrontPrices:
        """What prices the storefront's lines; refused while it is not configured."""
        storefront = await self.storefronts.get(storefront_id)
        if storefront is None:
            raise StorefrontNotConfigured(storefront_id)
        price_list = await self.price_list(storefront.price_list_id)
        assert price_list is not None
        return StorefrontPrices(storefront_id, price_list, storefront.unknown_item)
