"""Product records: what the business sells and buys, as its product system describes it.

Inventory's item is the product's one home in OMS. The business's product system publishes
``product.upserted`` on ``oms.events`` (caller ``products``), with a version; when OMS runs alone,
``inventory.define_item`` maintains the same record (the back office, omsctl). Either way
inventory publishes ``inventory.item_defined`` with the whole record, and the other services
keep the copy they need from that event. Prices stay in price lists.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.contracts.base import Event
from shared.contracts.common import Identifier
from shared.contracts.parties import RecordVersion


class ProductStatus(StrEnum):
    ACTIVE = "active"
    DISCONTINUED = "discontinued"
    """No new orders with it (refused or flagged, discontinued_product); stock on hand stays."""


class ProductUpserted(Event):
    """Integration event from the business's product system: the whole product, as it is now.

    Ignored, and logged, when its version is not above the stored one."""

    ordering_key: ClassVar[str | None] = "sku"
    routing_key: ClassVar[str] = "product.upserted"
    sku: Identifier
    version: RecordVersion
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    unit_of_measure: str = Field(min_length=1, max_length=20, examples=["each", "kg"])
    decimal_places: int = Field(
        default=0, ge=0, le=6, description="how finely the item is counted: 0 for whole units"
    )
    tax_codes: list[Identifier] = Field(
        default_factory=list,
        max_length=5,
        description="the tax codes of order lines that name none",
    )
    status: ProductStatus = ProductStatus.ACTIVE
    product_group: Identifier | None = Field(
        default=None, description="the item group (reports, revenue accounts)"
    )
