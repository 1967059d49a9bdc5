"""The item catalogue and locations: how finely an item is counted, and what is announced."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.inventory.domain import Item, Location
from services.inventory.domain.errors import InvalidQuantity, UnknownItem, UnknownLocation
from shared.contracts import ItemDefined, LocationDefined

D = Decimal


def item(decimal_places: int) -> Item:
    return Item.define(sku="BOLT", name="Bolt", unit_of_measure="kg", decimal_places=decimal_places)


def test_defining_an_item_announces_it() -> None:
    bolt = item(2)
    [defined] = bolt.collect_events()
    assert isinstance(defined, ItemDefined)
    assert (defined.sku, defined.name, defined.unit_of_measure, defined.decimal_places) == (
        "BOLT",
        "Bolt",
        "kg",
        2,
    )
    assert (bolt.id, bolt.name, bolt.unit_of_measure, bolt.decimal_places) == (
        "BOLT",
        "Bolt",
        "kg",
        2,
    )


def refusal(decimal_places: int, quantity: str) -> str | None:
    try:
        item(decimal_places).check_quantity(D(quantity))
    except InvalidQuantity as refused:
        return str(refused)
    return None


@pytest.mark.parametrize(
    ("decimal_places", "quantity"),
    [(0, "3"), (0, "3.00"), (2, "0.25"), (2, "1.5"), (2, "7"), (3, "0.001")],
)
def test_a_quantity_as_fine_as_the_item_is_counted_is_accepted(decimal_places: int, quantity: str):
    assert refusal(decimal_places, quantity) is None


@pytest.mark.parametrize(
    ("decimal_places", "quantity", "unit"),
    [(0, "0.5", "whole units"), (0, "2.01", "whole units"), (2, "0.125", "2 decimals")],
)
def test_a_quantity_finer_than_the_item_is_counted_is_refused(
    decimal_places: int, quantity: str, unit: str
) -> None:
    assert refusal(decimal_places, quantity) == (
        f"{quantity} kg of BOLT is not a valid quantity: BOLT is counted in {unit}."
    )


def test_defining_a_location_announces_its_branch_and_whether_it_sells() -> None:
    location = Location.define(
        location_id="L-1", branch_id="BR-1", warehouse="Main", sales_location=True
    )
    [defined] = location.collect_events()
    assert isinstance(defined, LocationDefined)
    assert (defined.location_id, defined.branch_id, defined.warehouse) == ("L-1", "BR-1", "Main")
    assert defined.sales_location
    assert (location.branch_id, location.warehouse, location.sales_location) == (
        "BR-1",
        "Main",
        True,
    )


def test_unknown_items_and_locations_are_named_in_the_refusal() -> None:
    assert str(UnknownItem("BOLT")) == "There is no item 'BOLT'; define it first."
    assert str(UnknownLocation("L-9")) == "There is no location 'L-9'; define it first."
