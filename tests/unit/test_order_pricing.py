"""Orders are priced when created and when edited, and keep the prices and rates they got."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.order.orders.domain.order import Order
from services.order.pricing.domain.configuration import PriceList, PriceListMismatch
from shared.contracts import (
    DefinePriceList,
    Discount,
    DiscountKind,
    ItemPrice,
    OrderCreated,
    OrderKind,
    OrderLine,
    OrderLineInput,
    OrderUpdated,
    PricingTerms,
    TaxRate,
    TaxRounding,
)
from shared.pricing import UnknownPrice, UnknownTaxRate
from tests.support.factories import lines

D = Decimal
STATE = TaxRate(code="ST", name="State", rate=D("6.25"), version=2)
CITY = TaxRate(code="CITY", name="City", rate=D("2.5"))
RATES = {"ST": STATE, "CITY": CITY}
TEN_OFF = PricingTerms(discount=Discount(kind=DiscountKind.AMOUNT, value=D("10.00")))


def retail(branch: str | None = None, currency: str = "USD") -> PriceList:
    return PriceList.define(
        DefinePriceList(
            price_list_id="PL-1",
            name="Retail",
            currency=currency,
            branch_id=branch,
            prices=[ItemPrice(sku="A", unit_price=D("20.00"))],
            defined_by="olga",
        )
    )


def taxed(sku: str, quantity: str, price: str | None, *codes: str) -> OrderLineInput:
    unit_price = None if price is None else D(price)
    return OrderLineInput(sku=sku, quantity=D(quantity), unit_price=unit_price, tax_codes=codes)


def sales_order(
    order_lines: list[OrderLineInput],
    terms: PricingTerms | None = None,
    price_list: PriceList | None = None,
) -> Order:
    return Order.create(
        order_id="SO-1",
        kind=OrderKind.SALES,
        party_id="C-1",
        branch_id="B-1",
        created_by="bob",
        currency="USD",
        lines=order_lines,
        pricing=terms,
        price_list=price_list,
        rates=RATES,
    )


def test_an_order_without_taxes_or_discounts_totals_as_it_always_did() -> None:
    order = Order.create(
        order_id="PO-1",
        kind=OrderKind.PURCHASE,
        party_id="V-1",
        branch_id="B-1",
        created_by="alice",
        currency="USD",
        lines=lines(("A", "3", "0.335"), ("B", "1", "10")),
    )
    assert order.total == D("11.00")  # 1.005 + 10, rounded once, half to even
    assert order.pricing is not None
    assert (order.pricing.grand_total, order.pricing.tax_total) == (D("11.00"), D(0))
    assert order.terms == PricingTerms()


def test_a_sales_order_is_priced_at_creation_and_its_events_carry_the_totals() -> None:
    order = sales_order(
        [taxed("A", "2", "50.00", "ST", "CITY"), taxed("B", "1", "100.00", "ST")], TEN_OFF
    )
    assert order.pricing is not None
    assert [(t.code, t.base, t.tax) for t in order.pricing.taxes] == [
        ("CITY", D("95.00"), D("2.38")),  # 2.375 -> 2.38 (half to even)
        ("ST", D("190.00"), D("11.88")),  # 11.875 -> 11.88
    ]
    assert order.total == D("204.26")
    [event] = order.collect_events()
    assert isinstance(event, OrderCreated)
    assert event.total == D("204.26")
    assert event.pricing == order.pricing
    assert event.lines == [
        OrderLine(sku="A", quantity=D(2), unit_price=D("50.00"), tax_codes=["ST", "CITY"]),
        OrderLine(sku="B", quantity=D(1), unit_price=D("100.00"), tax_codes=["ST"]),
    ]


def test_lines_without_a_price_take_the_price_list_s() -> None:
    terms = PricingTerms(price_list_id="PL-1")
    order = sales_order([taxed("A", "3", None, "ST")], terms, retail())
    assert order.lines[0].unit_price == D("20.00")
    assert order.total == D("63.75")
    assert order.terms == terms


def test_a_price_list_of_another_currency_or_branch_is_refused() -> None:
    terms = PricingTerms(price_list_id="PL-1")
    with pytest.raises(PriceListMismatch, match="is in EUR"):
        sales_order([taxed("A", "1", None)], terms, retail(currency="EUR"))
    with pytest.raises(PriceListMismatch, match="is for branch B-2, not B-1"):
        sales_order([taxed("A", "1", None)], terms, retail(branch="B-2"))


def test_a_line_without_a_price_and_no_list_or_an_unknown_rate_is_refused() -> None:
    with pytest.raises(UnknownPrice):
        sales_order([taxed("A", "1", None)])
    with pytest.raises(UnknownTaxRate, match="GST"):
        sales_order([taxed("A", "1", "1.00", "GST")])


def test_an_edit_of_the_lines_prices_the_order_again_with_the_rates_of_now() -> None:
    order = sales_order([taxed("A", "1", "100.00", "ST")])
    order.collect_events()
    newer = {"ST": TaxRate(code="ST", rate=D("7"), version=3)}
    order.update(by="bob", lines=[taxed("A", "2", "100.00", "ST")], rates=newer)
    assert order.pricing is not None
    assert [(t.rate, t.version, t.tax) for t in order.pricing.taxes] == [(D("7"), 3, D("14.00"))]
    [event] = order.collect_events()
    assert isinstance(event, OrderUpdated)
    assert (event.total, event.pricing) == (D("214.00"), order.pricing)


def test_an_edit_of_the_notes_only_keeps_the_rates_the_order_was_priced_with() -> None:
    order = sales_order([taxed("A", "1", "100.00", "ST")])
    order.update(by="bob", notes="call first", rates={})
    assert order.pricing is not None
    assert [(t.rate, t.version) for t in order.pricing.taxes] == [(D("6.25"), 2)]
    assert order.total == D("106.25")


@pytest.mark.parametrize(
    "change",
    [
        {"branch_id": "B-2"},
        {"currency": "EUR"},
        {"pricing": PricingTerms(tax_rounding=TaxRounding.LINE)},
        {"lines": [taxed("A", "1", "100.00", "ST")]},
    ],
)
def test_an_edit_of_branch_currency_terms_or_lines_prices_again(change: dict[str, Any]) -> None:
    order = sales_order([taxed("A", "1", "100.00", "ST")])
    newer = {"ST": TaxRate(code="ST", rate=D("7"), version=3)}
    order.update(by="bob", rates=newer, **change)
    assert order.pricing is not None
    assert [(t.rate, t.version) for t in order.pricing.taxes] == [(D("7"), 3)]
    assert order.pricing.currency == order.currency
    assert order.total == D("107.00")


def test_an_edit_keeps_the_order_s_pricing_terms_unless_it_gives_new_ones() -> None:
    order = sales_order([taxed("A", "2", "50.00")], TEN_OFF)
    order.update(by="bob", lines=[taxed("A", "1", "50.00")])
    assert (order.terms, order.total) == (TEN_OFF, D("40.00"))
    order.update(by="bob", pricing=PricingTerms())
    assert (order.terms, order.total) == (PricingTerms(), D("50.00"))


def test_an_order_stored_before_pricing_totals_its_lines() -> None:
    stored = sales_order([taxed("A", "1", "0.005"), taxed("B", "2", "0.005")])
    old = Order.model_validate({**stored.model_dump(), "pricing": None})
    assert old.total == D("0.02")


def test_an_edit_prices_new_lines_without_a_price_from_the_price_list() -> None:
    terms = PricingTerms(price_list_id="PL-1")
    order = sales_order([taxed("A", "1", None)], terms, retail())
    order.update(by="bob", lines=[taxed("A", "4", None)], price_list=retail())
    assert (order.lines[0].unit_price, order.total) == (D("20.00"), D("80.00"))
