"""Commands about the same item, sent back to back on one connection, are applied in the
order sent (an opening balance, then an adjustment of it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.inventory import InventoryDriver, adjust, define_item, define_location, opening


async def test_commands_about_one_item_sent_back_to_back_are_applied_in_order(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    location = define_location("BR-ORDER")
    await inventory.accepted(location)
    for _ in range(5):
        sku = await _another_item(inventory)
        first = opening(sku, location.location_id, "10")
        second = adjust(sku, location.location_id, "-3")
        await inventory.bus.send(first, reply=True)
        await inventory.bus.send(second, reply=True)
        assert (await inventory.bus.reply_for(first)).type == "OpeningBalanceSet"
        assert (await inventory.bus.reply_for(second)).type == "StockAdjusted"
        stock = await inventory.stock(sku, location.location_id)
        assert stock is not None
        assert stock["on_hand"] == Decimal(7)


async def _another_item(inventory: InventoryDriver) -> str:
    item = define_item()
    await inventory.accepted(item)
    return item.sku
