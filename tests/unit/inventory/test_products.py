"""Product records on items: the version rule, unit changes on items in use, the history."""

from __future__ import annotations

import pytest

from services.inventory.domain import Item
from services.inventory.domain.errors import StaleProduct, StaleRecord, UnitChangeWithStock
from services.inventory.domain.products import HISTORY_KEPT, ProductFacts
from shared.contracts import DefineItem, ItemDefined, ProductStatus, ProductUpserted


def facts(**changes: object) -> ProductFacts:
    base = ProductFacts(name="Rope", unit_of_measure="m", decimal_places=1, tax_codes=["VAT"])
    return base.model_copy(update=changes)


def rope(version: int = 5) -> Item:
    item = Item.define(
        sku="ROPE",
        name="Rope",
        unit_of_measure="m",
        decimal_places=1,
        facts=facts(),
        version=version,
        source="products",
    )
    item.collect_events()
    return item


def test_a_new_product_is_announced_whole_with_its_version() -> None:
    item = Item.define(
        sku="ROPE", name="", unit_of_measure="", decimal_places=0, facts=facts(), version=7
    )
    [defined] = item.collect_events()
    assert isinstance(defined, ItemDefined)
    assert (defined.version, defined.tax_codes, defined.unit_of_measure) == (7, ["VAT"], "m")
    assert (item.product_version, item.name, item.decimal_places) == (7, "Rope", 1)
    assert [entry.version for entry in item.history] == [7]


@pytest.mark.parametrize("version", [4, 5])
def test_a_version_not_above_the_stored_one_changes_nothing(version: int) -> None:
    item = rope(5)
    with pytest.raises(StaleProduct) as stale:
        item.redefine(
            facts(status=ProductStatus.DISCONTINUED),
            version=version,
            source="products",
            by=None,
            in_use=False,
        )
    assert stale.value.reason == "stale_version"
    assert f"version {version} of ROPE, not above the stored 5" in stale.value.detail
    assert item.status is ProductStatus.ACTIVE
    assert item.product_version == 5
    assert item.collect_events() == []


def test_a_newer_version_replaces_the_record_and_says_what_changed() -> None:
    item = rope(5)
    item.redefine(
        facts(status=ProductStatus.DISCONTINUED, tax_codes=[]),
        version=6,
        source="oms",
        by="maria",
        in_use=True,
    )
    [defined] = item.collect_events()
    assert isinstance(defined, ItemDefined)
    assert (defined.version, defined.status, defined.tax_codes) == (
        6,
        ProductStatus.DISCONTINUED,
        [],
    )
    latest = item.history[-1]
    assert (latest.version, latest.source, latest.by) == (6, "oms", "maria")
    assert all(type(c.after) in {str, list} for c in latest.changes)  # stored as plain JSON
    assert {(c.field, str(c.before), str(c.after)) for c in latest.changes} == {
        ("status", "active", "discontinued"),
        ("tax_codes", "['VAT']", "[]"),
    }


@pytest.mark.parametrize(
    "change", [{"unit_of_measure": "ft"}, {"decimal_places": 0}], ids=["unit", "coarser"]
)
def test_a_unit_change_is_refused_while_the_item_has_stock_or_open_orders(
    change: dict[str, object],
) -> None:
    item = rope(5)
    with pytest.raises(UnitChangeWithStock) as refused:
        item.redefine(facts(**change), version=6, source="oms", by="maria", in_use=True)
    assert refused.value.reason == "unit_change_with_stock"
    assert str(refused.value) == (
        f"ROPE has stock or open orders counted in m with 1 decimal places: it cannot become "
        f"{change.get('unit_of_measure', 'm')} with {change.get('decimal_places', 1)}. Bring its "
        "stock to zero and finish its orders first, or define a new sku."
    )
    assert (item.unit_of_measure, item.decimal_places, item.product_version) == ("m", 1, 5)


def test_a_unit_change_is_taken_when_the_item_is_not_in_use() -> None:
    item = rope(5)
    assert item.changes_unit(facts(unit_of_measure="ft"))
    item.redefine(facts(unit_of_measure="ft"), version=6, source="oms", by="m", in_use=False)
    assert item.unit_of_measure == "ft"


def test_finer_counting_is_always_allowed() -> None:
    item = rope(5)
    assert not item.changes_unit(facts(decimal_places=2))
    item.redefine(facts(decimal_places=2), version=6, source="products", by=None, in_use=True)
    assert item.decimal_places == 2


def test_an_oms_change_must_be_made_on_the_stored_version() -> None:
    item = rope(5)
    item.check_version(5)
    with pytest.raises(StaleRecord, match="at version 5, the change was made on version 4"):
        item.check_version(4)


def test_the_history_keeps_the_latest_versions() -> None:
    item = rope(1)
    for version in range(2, HISTORY_KEPT + 5):
        item.redefine(
            facts(name=f"Rope {version}"), version=version, source="oms", by=None, in_use=False
        )
    versions = [entry.version for entry in item.history]
    assert len(versions) == HISTORY_KEPT
    assert versions[-1] == HISTORY_KEPT + 4
    assert versions == sorted(versions)


def test_an_item_stored_before_versions_reads_as_version_zero() -> None:
    item = Item.model_validate(
        {"id": "OLD", "name": "Old", "unit_of_measure": "each", "decimal_places": 0}
    )
    assert (item.product_version, item.status, item.tax_codes, item.history) == (
        0,
        ProductStatus.ACTIVE,
        [],
        [],
    )


def test_an_oms_definition_is_version_one_and_says_who_made_it() -> None:
    item = Item.define(sku="NUT", name="Nut", unit_of_measure="each", decimal_places=0, by="ann")
    [defined] = item.collect_events()
    assert isinstance(defined, ItemDefined)
    assert (defined.version, item.product_version, item.source) == (1, 1, "oms")
    [entry] = item.history
    assert (entry.version, entry.source, entry.by) == (1, "oms", "ann")
    assert {c.field: c.after for c in entry.changes}["name"] == "Nut"


def test_both_sources_give_the_same_facts() -> None:
    fields = {
        "sku": "ROPE",
        "name": "Rope",
        "unit_of_measure": "m",
        "decimal_places": 1,
        "tax_codes": ["VAT"],
        "status": "discontinued",
        "product_group": "ROPES",
        "description": "Braided",
    }
    from_oms = ProductFacts.of(DefineItem(**fields, expected_version=3))
    from_system = ProductFacts.of(ProductUpserted(**fields, version=9))
    assert from_oms == from_system
    assert from_oms.status is ProductStatus.DISCONTINUED
    assert from_oms.model_dump()["tax_codes"] == ["VAT"]
