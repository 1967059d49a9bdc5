"""The back office's order form: an order's every field goes into the form and comes back out
unchanged (an edit keeps its taxes, discounts, descriptions, price list and notes), entries a
person can correct are refused by name, and the preview prices as the order service does."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.backoffice.domain import figure, money
from services.backoffice.order_form import (
    LINE_FIELDS,
    TERMS_FIELDS,
    Refused,
    form_values,
    parse_discount,
    preview,
    read_form,
    row_count,
)
from shared.contracts import Command, OrderLineInput, PricingTerms, UpdateOrder

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
RATES = [
    {
        "code": "VAT",
        "versions": [
            {
                "code": "VAT",
                "name": "Standard",
                "rate": "19",
                "version": 1,
                "effective_from": "2026-01-01T00:00:00+00:00",
            },
            {
                "code": "VAT",
                "name": "Standard",
                "rate": "20",
                "version": 2,
                "effective_from": "2026-06-01T00:00:00+00:00",
            },
            {
                "code": "VAT",
                "name": "Standard",
                "rate": "25",
                "version": 3,
                "effective_from": "2027-01-01T00:00:00+00:00",
            },
        ],
    },
    {
        "code": "ECO",
        "versions": [
            {
                "code": "ECO",
                "name": "Eco levy",
                "rate": "5.5",
                "version": 1,
                "effective_from": "2026-01-01T00:00:00+00:00",
            }
        ],
    },
]
PRICE_LIST = {
    "price_list_id": "RETAIL",
    "currency": "EUR",
    "branch_id": None,
    "prices": [{"sku": "WIDGET", "unit_price": "12.00"}],
}


def stored_order() -> dict[str, Any]:
    """An order as ``GET /orders?order_id=`` answers it: every field the form edits is set."""
    return {
        "order_id": "SO-1",
        "kind": "sales",
        "branch_id": "NORTH",
        "currency": "EUR",
        "notes": "Deliver to dock 3",
        "terms": {
            "prices_include_tax": False,
            "discount": {"kind": "percent", "value": "5"},
            "price_list_id": "RETAIL",
            "tax_rounding": "document",
        },
        "lines": [
            {
                "sku": "WIDGET",
                "quantity": "2",
                "unit_price": "12.00",
                "description": "Blue",
                "discount": {"kind": "percent", "value": "10"},
                "tax_codes": ["VAT"],
            },
            {
                "sku": "GADGET",
                "quantity": "2",
                "unit_price": "19.90",
                "description": None,
                "discount": {"kind": "amount", "value": "1.00"},
                "tax_codes": ["VAT", "ECO"],
            },
        ],
    }


def test_the_form_covers_every_field_of_a_line_and_of_the_pricing_terms() -> None:
    """A field the contracts gain must be added to the form, or an edit would clear it."""
    assert set(LINE_FIELDS) == set(OrderLineInput.model_fields)
    assert set(TERMS_FIELDS) == set(PricingTerms.model_fields)
    edited = {"lines", "notes", "pricing", "branch_id", "currency"}
    assert set(UpdateOrder.model_fields) - set(Command.model_fields) == {
        "order_id",
        "updated_by",
        *edited,
    }


def test_an_order_goes_through_the_form_unchanged() -> None:
    order = stored_order()
    draft = read_form(form_values(order))
    assert draft.line_bodies() == [
        {k: v for k, v in line.items() if v is not None} for line in order["lines"]
    ]
    assert draft.terms == PricingTerms.model_validate(order["terms"])
    assert draft.notes == "Deliver to dock 3"


def test_blank_rows_are_left_out_and_a_half_filled_row_is_refused_by_number() -> None:
    values = form_values(stored_order())
    assert row_count(values) == 4
    assert row_count(values, more=True) == 9
    values |= {"sku-2": "", "quantity-3": "1"}
    with pytest.raises(Refused, match=r"^Line 4: give the item and the quantity"):
        read_form(values)
    values["quantity-3"] = ""
    values |= {f"{field}-{i}": "" for i in (0, 1) for field in LINE_FIELDS}
    with pytest.raises(Refused, match=r"^An order needs at least one line"):
        read_form(values)


def test_wrong_entries_are_refused_naming_the_line_and_the_field() -> None:
    values = form_values(stored_order())
    with pytest.raises(Refused, match=r"^Line 2: write a discount as a percent"):
        read_form(values | {"discount-1": "ten"})
    with pytest.raises(Refused, match=r"^Line 1: quantity"):
        read_form(values | {"quantity-0": "-1"})
    with pytest.raises(Refused, match=r"^Discount on the whole order: write a discount"):
        read_form(values | {"discount": "5 euros"})
    assert parse_discount(" 12.5 % ", "x") == {"kind": "percent", "value": "12.5"}
    assert parse_discount("", "x") is None


def test_the_preview_prices_as_the_order_service_does() -> None:
    lines, priced = preview(
        read_form(form_values(stored_order()) | {"unit_price-0": ""}),  # from the price list
        currency="EUR",
        branch_id="NORTH",
        tax_rates=RATES,
        price_list=PRICE_LIST,
        at=NOW,
    )
    assert lines[0].unit_price == Decimal("12.00")
    # 24.00 - 10 % = 21.60, 39.80 - 1.00 = 38.80; 5 % off both: 20.52 + 36.86 = 57.38 net
    assert priced.net_total == Decimal("57.38")
    # VAT version 2 (20 %, in force on NOW) of 57.38 = 11.476; ECO 5.5 % of 36.86 = 2.0273
    assert [(t.code, t.version, t.tax) for t in priced.taxes] == [
        ("ECO", 1, Decimal("2.03")),
        ("VAT", 2, Decimal("11.48")),
    ]
    assert priced.grand_total == Decimal("70.89")


def test_the_preview_refuses_what_the_order_service_would_refuse() -> None:
    values = form_values(stored_order())
    common: dict[str, Any] = {"branch_id": "NORTH", "tax_rates": RATES, "at": NOW}
    with pytest.raises(Refused, match=r"There is no price list 'RETAIL'"):
        preview(read_form(values), currency="EUR", price_list=None, **common)
    with pytest.raises(Refused, match=r"Price list RETAIL is in EUR, the order in USD"):
        preview(read_form(values), currency="USD", price_list=PRICE_LIST, **common)
    unpriced = values | {"unit_price-1": "", "price_list_id": ""}
    with pytest.raises(Refused, match=r"Line GADGET has no unit price and no price list"):
        preview(read_form(unpriced), currency="EUR", price_list=None, **common)
    with pytest.raises(Refused, match=r"^Give the order's currency"):
        preview(read_form(values), currency="", price_list=PRICE_LIST, **common)
    unknown = values | {"tax_codes-0": "VAT CITY"}
    with pytest.raises(Refused, match=r"CITY"):
        preview(read_form(unknown), currency="EUR", price_list=PRICE_LIST, **common)


def test_amounts_show_the_currencys_decimals_and_no_fewer_digits_than_they_have() -> None:
    assert money("38.400000", "EUR") == "38.40"
    assert money("2.784", "EUR") == "2.784"
    assert money("1200", "JPY") == "1,200"  # grouped by thousands
    assert money("1.5", "KWD") == "1.500"
    assert money(None, "EUR") == ""
    assert figure("7.250000") == "7.25"
    assert figure("400.000") == "400"


def test_the_order_page_shows_included_tax_per_line_when_prices_include_it() -> None:
    from services.backoffice.web import TEMPLATES

    order = stored_order() | {"terms": {"prices_include_tax": True}}
    lines, priced = preview(
        read_form(form_values(order)),
        currency="EUR",
        branch_id="NORTH",
        tax_rates=RATES,
        price_list=PRICE_LIST,
        at=NOW,
    )
    shown = {
        "currency": "EUR",
        "lines": [line.model_dump(mode="json") for line in lines],
        "pricing": priced.model_dump(mode="json"),
    }
    html = TEMPLATES.env.get_template("_order_lines.html").render(order=shown)
    assert "Included tax" in html
    assert "(prices include tax)" in html
    for line in priced.lines:  # amount - discounts = net + included tax, each shown
        assert line.amount - line.line_discount - line.document_discount == line.net + line.tax
        assert f">{money(line.tax, 'EUR')}<" in html
        assert f">{money(line.net, 'EUR')}<" in html
    assert f"{money(priced.grand_total, 'EUR')}&nbsp;EUR" in html
