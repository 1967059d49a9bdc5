"""How the business prices what a storefront sells: its price list, and what happens to an item
that list does not know.

A storefront's own prices are information. Its cart lines, and the sales orders it creates (the
``storefront`` caller, or a cart's checkout), are priced from the price list its configuration
names; the price the storefront sent is kept beside as ``storefront_unit_price``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import DecimalText, Identifier

LEGACY_STOREFRONT = "storefront"
"""The storefront id of the ``storefront`` caller (the RabbitMQ login that sends
``order.create_sales_order``): it is configured under this id."""


class UnknownItemPolicy(StrEnum):
    """What a storefront's item that its price list does not know becomes."""

    REFUSE = "refuse"
    """The line is refused (``unknown_item``): no order is made with it."""
    HOLD = "hold"
    """The sales order is made, at the storefront's price, and held for a person: it is not
    submitted until an ``order.update`` prices its lines (``items_held`` until then)."""


class ConfigureStorefront(Command):
    """Set the price list that prices a storefront's carts and sales orders, and what happens to
    an item the list does not know (``refuse``, the default, or ``hold``). The ``storefront``
    caller is the storefront ``storefront``."""

    ordering_key: ClassVar[str | None] = "storefront_id"
    routing_key: ClassVar[str] = "order.configure_storefront"
    answered_by: ClassVar[tuple[str, ...]] = ("order.storefront_configured",)
    acting_person: ClassVar[str | None] = "configured_by"
    storefront_id: Identifier = Field(
        description="the storefront (cart.<storefront_id>.*), or `storefront` for the "
        "storefront caller's own sales orders"
    )
    price_list_id: Identifier = Field(
        description="the price list (order.define_price_list) that prices its items; it must "
        "exist (unknown_price_list), and a cart or order in another currency or branch than the "
        "list's is refused as any order is (price_list_mismatch)"
    )
    unknown_item: UnknownItemPolicy = Field(
        default=UnknownItemPolicy.REFUSE,
        description="an item the price list does not know: `refuse` (unknown_item) or `hold` "
        "(the order is made at the storefront's price and waits for a person)",
    )
    configured_by: Identifier


class StorefrontConfigured(Event):
    ordering_key: ClassVar[str | None] = "storefront_id"
    routing_key: ClassVar[str] = "order.storefront_configured"
    storefront_id: Identifier
    price_list_id: Identifier
    unknown_item: UnknownItemPolicy
    configured_by: Identifier


class PriceDifference(BaseModel):
    """An item whose storefront price is not the business's."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    unit_price: DecimalText = Field(description="the business's price (the price list's)")
    storefront_unit_price: DecimalText = Field(description="what the storefront sent")
    difference: DecimalText = Field(description="storefront_unit_price - unit_price")
