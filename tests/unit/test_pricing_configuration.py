"""Tax rates keep every version; price lists price lines sent without a unit price."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.order.pricing.domain.configuration import (
    InvalidPriceList,
    PriceList,
    PriceListMismatch,
    TaxRateCode,
    with_prices,
)
from shared.contracts import (
    DefinePriceList,
    DefineTaxRate,
    Discount,
    DiscountKind,
    ItemPrice,
    OrderLine,
    OrderLineInput,
    PriceListDefined,
    TaxRateDefined,
    utcnow,
)
from shared.pricing import UnknownPrice

D = Decimal


def define_rate(rate: str, *, days: int | None = None, name: str = "State") -> DefineTaxRate:
    start = None if days is None else utcnow() + timedelta(days=days)
    return DefineTaxRate(
        code="ST", name=name, rate=D(rate), effective_from=start, defined_by="olga"
    )


def define_list(*prices: tuple[str, str], branch: str | None = None) -> DefinePriceList:
    return DefinePriceList(
        price_list_id="PL-1",
        name="Retail",
        currency="USD",
        branch_id=branch,
        prices=[ItemPrice(sku=sku, unit_price=D(price)) for sku, price in prices],
        defined_by="olga",
    )


def test_redefining_a_tax_rate_adds_a_version_and_keeps_the_earlier_ones() -> None:
    before = utcnow()
    tax_rate = TaxRateCode.define(define_rate("6.25"))
    tax_rate.redefine(define_rate("7", name="State 2027"))
    assert [(v.version, v.rate, v.name) for v in tax_rate.versions] == [
        (1, D("6.25"), "State"),
        (2, D("7"), "State 2027"),
    ]
    assert all(v.code == "ST" for v in tax_rate.versions)
    events = tax_rate.collect_events()
    assert [type(e) for e in events] == [TaxRateDefined, TaxRateDefined]
    assert isinstance(events[1], TaxRateDefined)
    assert (events[1].code, events[1].version, events[1].rate) == ("ST", 2, D("7"))
    assert (events[1].name, events[1].defined_by) == ("State 2027", "olga")
    assert events[1].effective_from == tax_rate.versions[1].effective_from
    # without effective_from a version is in force from its definition
    first = tax_rate.versions[0].effective_from
    assert first is not None
    assert before <= first <= utcnow()


def test_the_version_in_force_is_the_latest_started() -> None:
    now = utcnow()
    tax_rate = TaxRateCode.define(define_rate("5", days=-10))
    tax_rate.redefine(define_rate("6", days=5))
    tax_rate.redefine(define_rate("5.5", days=-3))
    in_force = tax_rate.in_force(now)
    assert in_force is not None
    assert (in_force.version, in_force.rate) == (3, D("5.5"))
    later = tax_rate.in_force(now + timedelta(days=6))
    assert later is not None
    assert later.version == 2
    earlier = tax_rate.in_force(now - timedelta(days=5))
    assert earlier is not None
    assert earlier.version == 1
    assert tax_rate.in_force(now - timedelta(days=11)) is None


def test_a_version_starts_at_its_effective_from_exactly() -> None:
    tax_rate = TaxRateCode.define(define_rate("5", days=1))
    start = tax_rate.versions[0].effective_from
    assert start is not None
    assert tax_rate.in_force(start - timedelta(microseconds=1)) is None
    assert tax_rate.in_force(start) == tax_rate.versions[0]


def test_two_versions_starting_together_the_later_defined_wins() -> None:
    tax_rate = TaxRateCode.define(define_rate("5", days=-1))
    start = tax_rate.versions[0].effective_from
    again = DefineTaxRate(code="ST", name="S", rate=D("8"), effective_from=start, defined_by="o")
    tax_rate.redefine(again)
    in_force = tax_rate.in_force(utcnow())
    assert in_force is not None
    assert in_force.rate == D("8")


def test_a_price_list_prices_by_sku_and_a_redefinition_replaces_its_prices() -> None:
    price_list = PriceList.define(define_list(("A", "1.50"), ("B", "2")))
    assert (price_list.price_of("A"), price_list.price_of("B")) == (D("1.50"), D("2"))
    assert price_list.price_of("C") is None
    price_list.redefine(define_list(("C", "3"), branch="NORTH"))
    assert (price_list.price_of("A"), price_list.price_of("C")) == (None, D("3"))
    assert (price_list.revision, price_list.branch_id, price_list.defined_by) == (
        2,
        "NORTH",
        "olga",
    )
    events = price_list.collect_events()
    assert [e.revision for e in events if isinstance(e, PriceListDefined)] == [1, 2]
    last = events[-1]
    assert isinstance(last, PriceListDefined)
    assert (last.price_list_id, last.name, last.currency, last.branch_id) == (
        "PL-1",
        "Retail",
        "USD",
        "NORTH",
    )
    assert [p.sku for p in last.prices] == ["C"]
    assert last.defined_by == "olga"


def test_a_price_list_naming_a_sku_twice_is_refused() -> None:
    with pytest.raises(InvalidPriceList, match=r"^Price list PL-1 names A, B more than once") as e:
        PriceList.define(define_list(("B", "1"), ("A", "1"), ("A", "2"), ("B", "1"), ("C", "1")))
    assert e.value.reason == "invalid_price_list"
    assert str(e.value).endswith("give each sku one price.")


def test_a_price_list_serves_its_currency_and_its_branch_only() -> None:
    everywhere = PriceList.define(define_list(("A", "1")))
    everywhere.check_usable(currency="USD", branch_id="ANY")
    with pytest.raises(
        PriceListMismatch, match=r"^Price list PL-1 is in USD, the order in EUR: "
    ) as e:
        everywhere.check_usable(currency="EUR", branch_id="ANY")
    assert e.value.reason == "price_list_mismatch"
    north = PriceList.define(define_list(("A", "1"), branch="NORTH"))
    north.check_usable(currency="USD", branch_id="NORTH")
    with pytest.raises(
        PriceListMismatch, match=r"^Price list PL-1 is for branch NORTH, not SOUTH\.$"
    ):
        north.check_usable(currency="USD", branch_id="SOUTH")


def test_lines_without_a_price_take_the_list_price_and_given_prices_win() -> None:
    price_list = PriceList.define(define_list(("A", "1.50"), ("B", "2.00")))
    discount = Discount(kind=DiscountKind.PERCENT, value=D("10"))
    lines = [
        OrderLineInput(sku="A", quantity=D("2"), tax_codes=["ST"], discount=discount),
        OrderLineInput(sku="B", quantity=D("1"), unit_price=D("1.75"), description="deal"),
    ]
    priced = with_prices(lines, price_list)
    assert priced == [
        OrderLine(
            sku="A", quantity=D("2"), unit_price=D("1.50"), tax_codes=["ST"], discount=discount
        ),
        OrderLine(sku="B", quantity=D("1"), unit_price=D("1.75"), description="deal"),
    ]
    assert with_prices(lines[1:], None) == priced[1:]


def test_a_line_without_a_price_the_list_lacks_is_refused() -> None:
    price_list = PriceList.define(define_list(("A", "1.50")))
    with pytest.raises(
        UnknownPrice,
        match=r"^Line Z has no unit price and price list PL-1 gives one: give the unit price, "
        r"or a price list that has the sku\.$",
    ) as e:
        with_prices([OrderLineInput(sku="Z", quantity=D("1"))], price_list)
    assert e.value.reason == "unknown_price"
    with pytest.raises(
        UnknownPrice, match=r"^Line Z has no unit price and no price list gives one"
    ):
        with_prices([OrderLineInput(sku="Z", quantity=D("1"))], None)
