"""Items and locations: what is stocked, how finely it is counted, and where it is kept."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from services.inventory.domain.errors import (
    InvalidQuantity,
    StaleProduct,
    StaleRecord,
    UnitChangeWithStock,
)
from services.inventory.domain.products import (
    OMS_SOURCE,
    ProductFacts,
    ProductVersion,
    changes_unit,
    differences,
    kept,
)
from shared.contracts import ItemDefined, LocationDefined, ProductStatus, utcnow
from shared.domain import Aggregate


class Item(Aggregate):
    """An item; ``id`` is its sku. It holds the product record (``products``)."""

    name: str
    unit_of_measure: str
    decimal_places: int = 0
    defined_at: datetime = Field(default_factory=utcnow)
    description: str | None = None
    tax_codes: list[str] = Field(default_factory=list)
    status: ProductStatus = ProductStatus.ACTIVE
    product_group: str | None = None
    product_version: int = Field(
        default=0, description="the product record's version (0: defined before versions)"
    )
    source: str = OMS_SOURCE
    changed_at: datetime | None = None
    history: list[ProductVersion] = Field(default_factory=list)

    @classmethod
    def define(
        cls,
        *,
        sku: str,
        name: str,
        unit_of_measure: str,
        decimal_places: int,
        facts: ProductFacts | None = None,
        version: int = 1,
        source: str = OMS_SOURCE,
        by: str | None = None,
    ) -> Item:
        facts = facts or ProductFacts(
            name=name, unit_of_measure=unit_of_measure, decimal_places=decimal_places
        )
        item = cls(id=sku, **facts.model_dump())
        item._become(facts, before=None, version=version, source=source, by=by)
        return item

    @property
    def facts(self) -> ProductFacts:
        return ProductFacts.model_validate(self.model_dump(include=set(ProductFacts.model_fields)))

    def check_version(self, expected: int) -> None:
        """An OMS change must be made on the stored version."""
        if expected != self.product_version:
            raise StaleRecord(
                f"Item {self.id} is at version {self.product_version}, the change was made on "
                f"version {expected}: read it again and make the change on that."
            )

    def changes_unit(self, facts: ProductFacts) -> bool:
        return changes_unit(self.facts, facts)

    def redefine(
        self, facts: ProductFacts, *, version: int, source: str, by: str | None, in_use: bool
    ) -> None:
        """Take a newer version of the record; ``in_use``: the item has stock or open orders."""
        if version <= self.product_version:
            raise StaleProduct(
                f"{source} sent version {version} of {self.id}, not above the stored "
                f"{self.product_version}: ignored."
            )
        if in_use and self.changes_unit(facts):
            raise UnitChangeWithStock(
                f"{self.id} has stock or open orders counted in {self.unit_of_measure} with "
                f"{self.decimal_places} decimal places: it cannot become {facts.unit_of_measure} "
                f"with {facts.decimal_places}. Bring its stock to zero and finish its orders "
                "first, or define a new sku."
            )
        before = self.facts
        for name, value in facts.model_dump().items():
            setattr(self, name, value)
        self._become(facts, before=before, version=version, source=source, by=by)

    def _become(
        self,
        facts: ProductFacts,
        *,
        before: ProductFacts | None,
        version: int,
        source: str,
        by: str | None,
    ) -> None:
        now = utcnow()
        self.product_version, self.source, self.changed_at = version, source, now
        entry = ProductVersion(
            version=version, at=now, source=source, by=by, changes=differences(before, facts)
        )
        self.history = kept(self.history, entry)
        self.record(ItemDefined(sku=self.id, version=version, **facts.model_dump()))

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
