"""Product records on inventory's items: what a record holds, its versions, and their history.

An item is the product's one home in OMS. Two sources change it: the business's product system
(``product.upserted``, with its own version) and OMS itself (``inventory.define_item``, whose
version is the stored one plus one). A version not above the stored one never overwrites it.
A new unit of measure, or fewer decimal places, is refused while the item has stock or open
orders: their quantities would change meaning. More decimal places only make counting finer,
so they are always allowed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import DefineItem, ProductStatus, ProductUpserted, utcnow

HISTORY_KEPT = 20
"""How many versions of a product record an item remembers (older ones are dropped)."""

OMS_SOURCE = "oms"
"""The source of a change made in OMS (back office, omsctl): ``inventory.define_item``."""


class ProductFacts(BaseModel):
    """What a product record says, whichever source it came from."""

    model_config = ConfigDict(frozen=True)

    name: str
    unit_of_measure: str
    decimal_places: int = 0
    description: str | None = None
    tax_codes: list[str] = Field(default_factory=list)
    status: ProductStatus = ProductStatus.ACTIVE
    product_group: str | None = None

    @classmethod
    def of(cls, message: DefineItem | ProductUpserted) -> ProductFacts:
        return cls.model_validate(message.model_dump(include=set(cls.model_fields)))


class FieldChange(BaseModel):
    """One field of a record, before and after a version (``before`` is None when defined)."""

    model_config = ConfigDict(frozen=True)

    field: str
    before: Any = None
    after: Any = None


class ProductVersion(BaseModel):
    """One version of a product record: where it came from, when, and what it changed."""

    model_config = ConfigDict(frozen=True)

    version: int
    at: datetime = Field(default_factory=utcnow)
    source: str = Field(description="`oms` (inventory.define_item) or the product system")
    by: str | None = Field(default=None, description="who made an OMS change")
    changes: list[FieldChange] = Field(default_factory=list)


def differences(before: ProductFacts | None, after: ProductFacts) -> list[FieldChange]:
    """The fields that differ (every field of a new record)."""
    old = before.model_dump(mode="json") if before else {}
    new = after.model_dump(mode="json")
    return [
        FieldChange(field=name, before=old.get(name), after=value)
        for name, value in new.items()
        if before is None or old.get(name) != value
    ]


def changes_unit(before: ProductFacts, after: ProductFacts) -> bool:
    """Whether stocked quantities would change meaning: another unit, or coarser counting."""
    return (
        after.unit_of_measure != before.unit_of_measure
        or after.decimal_places < before.decimal_places
    )


def kept(history: list[ProductVersion], version: ProductVersion) -> list[ProductVersion]:
    """The history with ``version`` added, the oldest dropped beyond ``HISTORY_KEPT``."""
    return [*history, version][-HISTORY_KEPT:]
