"""The order service's copy of inventory's items: the orders in flight when it expires read it
once, not once each, and what this replica learns it sees at once."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.order.stock.domain.quantities import Counting
from services.order.stock.repository import ItemCatalog
from shared.contracts import ItemDefined, ProductStatus
from shared.storage.mongo import Document
from tests.support.factories import unique


class CountedFinds:
    """The items collection, counting the finds sent to it."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection
        self.finds = 0

    def find(self, *args: Any, **kwargs: Any) -> Any:
        self.finds += 1
        return self.collection.find(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.collection, name)


def defined(sku: str, *, version: int, status: ProductStatus = ProductStatus.ACTIVE) -> ItemDefined:
    return ItemDefined(
        sku=sku, name="Rope", unit_of_measure="m", decimal_places=1, status=status, version=version
    )


@pytest.fixture
def catalog(order_db: AsyncDatabase[Document], monkeypatch: pytest.MonkeyPatch) -> ItemCatalog:
    catalog = ItemCatalog(order_db)
    monkeypatch.setattr(catalog, "items", CountedFinds(catalog.items))
    return catalog


def finds(catalog: ItemCatalog) -> int:
    counted: CountedFinds = catalog.items  # type: ignore[assignment]
    return counted.finds


async def test_orders_in_flight_for_the_same_items_read_them_once(catalog: ItemCatalog) -> None:
    sku, unknown = unique("ROPE"), unique("NONE")
    await catalog.item_defined(defined(sku, version=1))
    wanted = [Counting("line 1", sku, Decimal("1.5")), Counting("line 2", unknown, Decimal(1))]

    answers = await asyncio.gather(*(catalog.check(wanted) for _ in range(8)))

    assert [set(a) for a in answers] == [{sku}] * 8
    assert finds(catalog) == 1


async def test_an_order_submitted_soon_after_it_was_checked_reads_no_discontinued_list(
    catalog: ItemCatalog,
) -> None:
    active, gone = unique("ROPE"), unique("OLD")
    await catalog.item_defined(defined(active, version=1))
    await catalog.item_defined(defined(gone, version=1, status=ProductStatus.DISCONTINUED))
    await catalog.check(
        [Counting("line 1", active, Decimal(1)), Counting("line 2", gone, Decimal(1))]
    )
    read = finds(catalog)

    assert await catalog.discontinued([active, gone]) == [gone]
    assert finds(catalog) == read
    assert await catalog.discontinued([active, unique("OTHER")]) == []  # one never read: the list
    assert finds(catalog) == read + 1


async def test_a_product_this_replica_learns_is_discontinued_is_seen_at_once(
    catalog: ItemCatalog,
) -> None:
    sku = unique("ROPE")
    await catalog.item_defined(defined(sku, version=1))
    await catalog.check([Counting("line 1", sku, Decimal(1))])
    assert await catalog.discontinued([sku]) == []

    await catalog.item_defined(defined(sku, version=2, status=ProductStatus.DISCONTINUED))

    assert await catalog.discontinued([sku]) == [sku]
    assert (await catalog.check([Counting("line 1", sku, Decimal(1))]))[sku].discontinued
