"""Tax rates and price lists: defined by commands, read whenever an order is priced."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from services.order.domain.configuration import PriceList, TaxRateCode, UnknownPriceList
from shared.contracts import DefinePriceList, DefineTaxRate, TaxRate
from shared.storage.aggregates import AggregateStore


class Taxed(Protocol):
    """A line that names tax rate codes (an order's, a cart's)."""

    @property
    def tax_codes(self) -> Sequence[str]: ...


class PricingConfiguration:
    def __init__(
        self, tax_rates: AggregateStore[TaxRateCode], price_lists: AggregateStore[PriceList]
    ) -> None:
        self.tax_rates = tax_rates
        self.price_lists = price_lists

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
