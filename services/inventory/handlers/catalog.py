"""Items, locations, opening balances and adjustments: commands about stock itself."""

from __future__ import annotations

from typing import TypeVar

from services.inventory.domain import Item, Location
from services.inventory.domain.errors import ItemExists, LocationExists
from services.inventory.repository import Stores
from shared.contracts import AdjustStock, DefineItem, DefineLocation, SetOpeningBalance
from shared.domain import Aggregate
from shared.storage.store import Store


class CatalogHandlers:
    def __init__(self, stores: Stores) -> None:
        self.catalog = stores.catalog
        self.stock = stores.stock

    async def define_item(self, cmd: DefineItem) -> None:
        """Register an item; a redelivery is ignored, a second definition of the sku refused."""
        item = Item.define(
            sku=cmd.sku,
            name=cmd.name,
            unit_of_measure=cmd.unit_of_measure,
            decimal_places=cmd.decimal_places,
        )
        if not await _add_once(self.catalog.items, item, cmd):
            raise ItemExists(f"Item {cmd.sku} is already defined.")

    async def define_location(self, cmd: DefineLocation) -> None:
        location = Location.define(
            location_id=cmd.location_id,
            branch_id=cmd.branch_id,
            warehouse=cmd.warehouse,
            sales_location=cmd.sales_location,
        )
        if not await _add_once(self.catalog.locations, location, cmd):
            raise LocationExists(f"Location {cmd.location_id} is already defined.")
        self.catalog.location_defined(location)

    async def set_opening_balance(self, cmd: SetOpeningBalance) -> None:
        location = await self.catalog.location(cmd.location_id)
        (await self.catalog.item(cmd.sku)).check_quantity(cmd.quantity)
        await self.stock.change(
            location,
            cmd.sku,
            cmd,
            lambda stock: stock.set_opening(
                quantity=cmd.quantity,
                reason=cmd.reason,
                by=cmd.set_by,
                unit_cost=cmd.unit_cost,
                currency=cmd.currency,
            ),
            answer=True,
        )

    async def adjust_stock(self, cmd: AdjustStock) -> None:
        """Adjust once per adjustment id, whichever message carries it."""
        location = await self.catalog.location(cmd.location_id)
        (await self.catalog.item(cmd.sku)).check_quantity(abs(cmd.quantity))
        await self.stock.change(
            location,
            cmd.sku,
            cmd,
            lambda stock: stock.adjust(
                adjustment_id=cmd.adjustment_id,
                quantity=cmd.quantity,
                reason=cmd.reason,
                by=cmd.adjusted_by,
            ),
            key=f"adjustment:{cmd.adjustment_id}",
            answer=True,
        )


A = TypeVar("A", bound=Aggregate)


async def _add_once(store: Store[A], aggregate: A, cmd: DefineItem | DefineLocation) -> bool:
    """Insert; False when the id is taken by another command (a redelivery counts as done)."""
    return await store.add_once(aggregate, cause=cmd)
