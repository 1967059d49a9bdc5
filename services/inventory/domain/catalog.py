"""Items and locations: what is stocked, how finely it is counted, and where it is kept."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from services.inventory.domain.errors import InvalidQuantity
from shared.contracts import ItemDefined, LocationDefined, utcnow
from shared.domain import Aggregate


class Item(Aggregate):
    """An item; ``id`` is its sku."""

    name: str
    unit_of_measure: str
    decimal_places: int = 0
    defined_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def define(cls, *, sku: str, name: str, unit_of_measure: str, decimal_places: int) -> Item:
        item = cls(
            id=sku, name=name, unit_of_measure=unit_of_measure, decimal_places=decimal_places
        )
        item.record(
            ItemDefined(
                sku=sku, name=name, unit_of_measure=unit_of_measure, decimal_places=decimal_places
            )
        )
        return item

    def check_quantity(self, quantity: Decimal, *, where: str | None = None) -> None:
        """Refuse a quantity finer than the item is counted in (half a chair, 0.001 kg...);
        ``where`` names the line it is on."""
        step = Decimal(1).scaleb(-self.decimal_places)
        if quantity != quantity.quantize(step):
            unit = "whole units" if self.decimal_places == 0 else f"{self.decimal_places} decimals"
            line = f"{where}: " if where else ""
            raise InvalidQuantity(
                f"{line}{quantity} {self.unit_of_measure} of {self.id} is not a valid quantity: "
                f"{self.id} is counted in {unit}."
            )


class Location(Aggregate):
    """A warehouse of a branch; ``id`` is the location id."""

    branch_id: str
    warehouse: str
    sales_location: bool = False
    defined_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def define(
        cls, *, location_id: str, branch_id: str, warehouse: str, sales_location: bool
    ) -> Location:
        location = cls(
            id=location_id, branch_id=branch_id, warehouse=warehouse, sales_location=sales_location
        )
        location.record(
            LocationDefined(
                location_id=location_id,
                branch_id=branch_id,
                warehouse=warehouse,
                sales_location=sales_location,
            )
        )
        return location
