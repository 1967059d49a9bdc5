"""The pricing part's rows of the order service's table."""

from __future__ import annotations

from services.order.pricing.handlers import PricingConfiguration
from services.order.pricing.queries import pricing_queries
from services.order.pricing.repository import PRICE_LISTS, STOREFRONTS, TAX_RATES
from shared.contracts import (
    ConfigureStorefront,
    DefinePriceList,
    DefineTaxRate,
    PriceListDefined,
    StorefrontConfigured,
    TaxRateDefined,
)
from shared.parts import Part

TABLE = Part[PricingConfiguration](
    commands={
        DefineTaxRate: PricingConfiguration.define_tax_rate,
        DefinePriceList: PricingConfiguration.define_price_list,
        ConfigureStorefront: PricingConfiguration.configure_storefront,
    },
    publishes=[TaxRateDefined, PriceListDefined, StorefrontConfigured],
    outbox_collections=[TAX_RATES, PRICE_LISTS, STOREFRONTS],
    queries=pricing_queries,
)
