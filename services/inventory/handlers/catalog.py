"""Items, locations, opening balances and adjustments: commands about stock itself."""

from __future__ import annotations

from typing import TypeVar

import structlog

from services.inventory.domain import Item, Location
from services.inventory.domain.errors import ItemExists, LocationExists, StaleProduct, UnknownItem
from services.inventory.domain.orders import FINAL
from services.inventory.domain.products import OMS_SOURCE, ProductFacts
from services.inventory.repository import ORDERS, Stores
from shared.contracts import (
    AdjustStock,
    DefineItem,
    DefineLocation,
    ProductUpserted,
    SetOpeningBalance,
)
from shared.contracts.parties import INTEGRATION_SENDERS
from shared.domain import Aggregate
from shared.storage.store import Store

log = structlog.get_logger(__name__)


class CatalogHandlers:
    def __init__(self, stores: Stores) -> None:
        self.catalog = stores.catalog
        self.stock = stores.stock
        self.db = stores.db

    async def define_item(self, cmd: DefineItem) -> None:
        """Register an item; a redelivery is ignored, a second definition of the sku refused.
        With ``expected_version``, change the stored product record made on that version (0:
        a new item, or one defined before versions)."""
        facts = ProductFacts.of(cmd)
        by = cmd.delivery.person if cmd.delivery else None
        expected = cmd.expected_version
        if not expected:
            item = Item.define(
                sku=cmd.sku,
                name=cmd.name,
                unit_of_measure=cmd.unit_of_measure,
                decimal_places=cmd.decimal_places,
                facts=facts,
                by=by,
            )
            if await _add_once(self.catalog.items, item, cmd):
                return
            if expected is None:  # as it always was: a second definition is refused
                raise ItemExists(f"Item {cmd.sku} is already defined.")

        version = expected or 0

        async def change(item: Item) -> None:
            item.check_version(version)
            in_use = item.changes_unit(facts) and await self.in_use(item.id)
            item.redefine(facts, version=version + 1, source=OMS_SOURCE, by=by, in_use=in_use)

        await self.catalog.items.change(cmd.sku, cmd, change, missing=lambda: UnknownItem(cmd.sku))

    async def product_upserted(self, event: ProductUpserted) -> None:
        """Take the product system's record when its version is newer than the stored one;
        an older or repeated version is ignored and logged. A unit change on an item in use is
        refused (dead-lettered with the reason, for an operator)."""
        facts, source = ProductFacts.of(event), INTEGRATION_SENDERS["product"]

        def create() -> Item:
            return Item.define(
                sku=event.sku,
                name=facts.name,
                unit_of_measure=facts.unit_of_measure,
                decimal_places=facts.decimal_places,
                facts=facts,
                version=event.version,
                source=source,
            )

        async def change(item: Item) -> None:
            in_use = item.changes_unit(facts) and await self.in_use(item.id)
            item.redefine(facts, version=event.version, source=source, by=None, in_use=in_use)

        try:
            await self.catalog.items.create_or_change(
                event.sku, event, create=create, change=change
            )
        except StaleProduct as stale:
            log.info(
                "product_upserted_ignored",
                reason=stale.reason,
                sku=event.sku,
                version=event.version,
                detail=stale.detail,
            )

    async def in_use(self, sku: str) -> bool:
        """Whether the item has stock (on hand, reserved or in quarantine) or open orders: a
        line of it not yet fully received or issued, on an order not cancelled or closed."""
        for stock in await self.stock.find({"sku": sku}):
            if stock.on_hand or stock.reserved or stock.quarantined:
                return True
        cursor = self.db[ORDERS].find(
            {"lines.sku": sku, "state": {"$nin": [s.value for s in FINAL]}}, {"lines": 1}
        )
        async for order in cursor:
            for line in order.get("lines", []):
                if line["sku"] == sku and line.get("fulfilled", 0) < line["ordered"]:
                    return True
        return False

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
