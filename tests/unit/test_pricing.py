"""The pricing rules every commercial document uses: discounts, taxes, rounding, totals."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from shared.contracts import (
    Discount,
    DiscountKind,
    OrderLine,
    PricedDocument,
    PricingTerms,
    TaxRate,
    TaxRounding,
)
from shared.pricing import (
    DiscountExceedsDocument,
    DiscountExceedsLine,
    EmptyDocument,
    InvalidDiscount,
    InvalidLine,
    PricingError,
    UnknownTaxRate,
    minor_unit,
    price_document,
    round_to,
)
from shared.pricing.discounts import allocate
from shared.pricing.money import NO_DECIMALS, THREE_DECIMALS

D = Decimal
ZERO = D(0)
LINE = TaxRounding.LINE
DOCUMENT = TaxRounding.DOCUMENT
RATES = {
    "STATE": TaxRate(code="STATE", name="State", rate=D("6.25"), version=3),
    "CITY": TaxRate(code="CITY", name="City", rate=D("2.5")),
    "VAT": TaxRate(code="VAT", name="VAT", rate=D("20")),
    "TEN": TaxRate(code="TEN", rate=D("10")),
    "ZERO": TaxRate(code="ZERO", name="Zero-rated", rate=D("0")),
}


def line(
    price: str,
    quantity: str = "1",
    *taxes: str,
    sku: str = "SKU-1",
    discount: Discount | None = None,
) -> OrderLine:
    return OrderLine(
        sku=sku, quantity=D(quantity), unit_price=D(price), tax_codes=list(taxes), discount=discount
    )


def sentence(text: str) -> str:
    """A pattern matching exactly ``text``: the whole message a person reads."""
    return f"^{re.escape(text)}$"


def starts(text: str) -> str:
    return f"^{re.escape(text)}"


def pct(value: str) -> Discount:
    return Discount(kind=DiscountKind.PERCENT, value=D(value))


def off(value: str) -> Discount:
    return Discount(kind=DiscountKind.AMOUNT, value=D(value))


def price(
    lines: list[OrderLine],
    *,
    rounding: TaxRounding = DOCUMENT,
    inclusive: bool = False,
    discount: Discount | None = None,
    currency: str = "USD",
) -> PricedDocument:
    terms = PricingTerms(prices_include_tax=inclusive, discount=discount, tax_rounding=rounding)
    return price_document(lines, terms, RATES, currency=currency)


def totals(doc: PricedDocument) -> tuple[Decimal, ...]:
    return (doc.subtotal, doc.discount_total, doc.net_total, doc.tax_total, doc.grand_total)


def per_rate(doc: PricedDocument) -> dict[str, tuple[Decimal, Decimal]]:
    return {tax.code: (tax.base, tax.tax) for tax in doc.taxes}


def assert_consistent(doc: PricedDocument) -> None:
    """The identities every priced document keeps."""
    assert doc.net_total + doc.tax_total == doc.grand_total
    assert doc.line_discount_total + doc.document_discount == doc.discount_total
    after_discounts = doc.grand_total if doc.prices_include_tax else doc.net_total
    assert doc.subtotal - doc.discount_total == after_discounts
    assert doc.tax_total == sum((tax.tax for tax in doc.taxes), D(0))


# --- money: minor units and half-even rounding -------------------------------------------


@pytest.mark.parametrize("currency", sorted(NO_DECIMALS))
def test_currencies_without_decimals_round_to_whole_units(currency: str) -> None:
    assert minor_unit(currency) == D(1)
    assert str(round_to(D("2.5"), minor_unit(currency))) == "2"


@pytest.mark.parametrize("currency", sorted(THREE_DECIMALS))
def test_dinar_currencies_have_three_decimals(currency: str) -> None:
    assert str(round_to(D("1.0015"), minor_unit(currency))) == "1.002"


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP", "CHF"])
def test_other_currencies_have_cents(currency: str) -> None:
    assert str(minor_unit(currency)) == "0.01"


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.125", "0.12"),
        ("0.135", "0.14"),
        ("2.345", "2.34"),
        ("2.3451", "2.35"),
        ("-0.125", "-0.12"),
    ],
)
def test_half_a_cent_rounds_to_the_even_cent(amount: str, rounded: str) -> None:
    assert str(round_to(D(amount), D("0.01"))) == rounded


def test_rounding_is_half_even_whatever_the_callers_decimal_context() -> None:
    with localcontext(rounding=ROUND_HALF_UP):
        assert str(round_to(D("0.125"), D("0.01"))) == "0.12"
        assert price([line("0.125")], rounding=LINE).grand_total == D("0.12")


# --- without taxes or discounts: the order total as it always was ------------------------


def test_untaxed_undiscounted_document_totals_the_lines() -> None:
    doc = price([line("19.99", "3"), line("0.12", "500", sku="BOLT")])
    assert totals(doc) == (D("119.97"), ZERO, D("119.97"), ZERO, D("119.97"))
    assert doc.taxes == []
    assert [(p.amount, p.net, p.tax, p.total) for p in doc.lines] == [
        (D("59.97"), D("59.97"), ZERO, D("59.97")),
        (D("60.00"), D("60.00"), ZERO, D("60.00")),
    ]
    assert_consistent(doc)


def test_per_document_rounding_rounds_the_sum_of_exact_lines_once() -> None:
    # What the order service's total always was: the sum of quantity x price, rounded once.
    lines = [line("0.005", sku=f"S{i}") for i in range(3)]
    assert price(lines).grand_total == D("0.02")
    assert [p.amount for p in price(lines).lines] == [D("0.005")] * 3
    # Rounded per line, each half cent rounds to the even 0.00.
    assert price(lines, rounding=LINE).grand_total == D("0.00")
    assert [p.amount for p in price(lines, rounding=LINE).lines] == [D("0.00")] * 3


def test_line_values_keep_their_exact_digits_up_to_six() -> None:
    doc = price([line("19.99", "3", "STATE")])
    assert str(doc.lines[0].taxes[0].tax) == "3.748125"
    assert str(doc.lines[0].amount) == "59.97"
    # 0.123457 x 10 % = 0.0123457: seven decimals are shown as six, half to even
    seven = price([line("0.123457", "1", "TEN"), line("0.246913", "0.5", sku="B")])
    assert str(seven.lines[0].tax) == "0.012346"
    assert str(seven.lines[1].amount) == "0.123456"
    assert str(seven.lines[0].amount) == "0.123457"


# --- taxes ---------------------------------------------------------------------------------


def test_tax_is_added_to_an_exclusive_price() -> None:
    doc = price([line("100.00", "1", "TEN")])
    assert totals(doc) == (D("100.00"), ZERO, D("100.00"), D("10.00"), D("110.00"))
    assert per_rate(doc) == {"TEN": (D("100.00"), D("10.00"))}
    assert (doc.lines[0].net, doc.lines[0].tax, doc.lines[0].total) == (D(100), D(10), D(110))


def test_state_and_city_rates_are_each_computed_on_the_same_base() -> None:
    doc = price([line("19.99", "3", "STATE", "CITY")], rounding=LINE)
    # 59.97 x 6.25 % = 3.748125; 59.97 x 2.5 % = 1.49925 (not on top of the state tax)
    assert [(t.code, t.base, t.tax) for t in doc.lines[0].taxes] == [
        ("STATE", D("59.97"), D("3.75")),
        ("CITY", D("59.97"), D("1.50")),
    ]
    assert doc.lines[0].tax == D("5.25")
    assert doc.lines[0].total == D("65.22")
    assert totals(doc) == (D("59.97"), ZERO, D("59.97"), D("5.25"), D("65.22"))
    assert_consistent(doc)


def test_totals_per_rate_add_up_only_the_lines_with_that_rate_sorted_by_code() -> None:
    doc = price(
        [
            line("100.00", "1", "STATE", "CITY", sku="A"),
            line("50.00", "1", "STATE", sku="B"),
            line("10.00", "1", sku="C"),
        ]
    )
    assert [tax.code for tax in doc.taxes] == ["CITY", "STATE"]
    assert per_rate(doc) == {
        "CITY": (D("100.00"), D("2.50")),
        "STATE": (D("150.00"), D("9.38")),  # 9.375: half to even
    }
    assert doc.taxes[1].name == "State"
    assert totals(doc) == (D("160.00"), ZERO, D("160.00"), D("11.88"), D("171.88"))
    assert_consistent(doc)


def test_a_document_keeps_the_rate_and_version_it_was_priced_with() -> None:
    doc = price([line("10.00", "1", "STATE")])
    assert (doc.lines[0].taxes[0].rate, doc.lines[0].taxes[0].version) == (D("6.25"), 3)
    assert (doc.taxes[0].rate, doc.taxes[0].version) == (D("6.25"), 3)
    changed = {"STATE": TaxRate(code="STATE", rate=D("7"), version=4)}
    repriced = price_document(
        [line("10.00", "1", "STATE")], PricingTerms(), changed, currency="USD"
    )
    assert (repriced.taxes[0].rate, repriced.taxes[0].version) == (D("7"), 4)
    assert (doc.taxes[0].rate, doc.tax_total) == (D("6.25"), D("0.62"))


def test_a_zero_rate_is_listed_with_its_base_and_no_tax() -> None:
    doc = price([line("12.34", "2", "ZERO")])
    assert per_rate(doc) == {"ZERO": (D("24.68"), D("0.00"))}
    assert doc.taxes[0].name == "Zero-rated"
    assert doc.grand_total == D("24.68")


def test_tax_is_backed_out_of_an_inclusive_price() -> None:
    doc = price([line("110.00", "1", "TEN")], inclusive=True)
    assert totals(doc) == (D("110.00"), ZERO, D("100.00"), D("10.00"), D("110.00"))
    assert (doc.lines[0].net, doc.lines[0].tax, doc.lines[0].total) == (D(100), D(10), D(110))
    assert per_rate(doc) == {"TEN": (D("100.00"), D("10.00"))}
    assert doc.prices_include_tax is True
    assert_consistent(doc)


def test_an_inclusive_price_without_taxes_is_all_net() -> None:
    doc = price([line("9.99")], inclusive=True)
    assert (doc.net_total, doc.tax_total, doc.grand_total) == (D("9.99"), ZERO, D("9.99"))


def test_a_backed_out_tax_that_rounds_leaves_the_gross_unchanged() -> None:
    # 10.00 including 20 %: net 8.3333..., tax 1.6666... -> tax 1.67, net what is left: 8.33
    for rounding in (LINE, DOCUMENT):
        doc = price([line("10.00", "1", "VAT")], inclusive=True, rounding=rounding)
        assert (doc.net_total, doc.tax_total, doc.grand_total) == (
            D("8.33"),
            D("1.67"),
            D("10.00"),
        )
        assert_consistent(doc)
    rounded = price([line("10.00", "1", "VAT")], inclusive=True, rounding=LINE).lines[0]
    assert (rounded.net, rounded.tax, rounded.total) == (D("8.33"), D("1.67"), D("10.00"))
    exact = price([line("10.00", "1", "VAT")], inclusive=True).lines[0]
    assert (str(exact.net), str(exact.tax), exact.total) == ("8.333333", "1.666667", D(10))
    assert str(exact.total) == "10.00"


def test_two_inclusive_rates_share_the_backed_out_net() -> None:
    # 10.00 including 6.25 % + 2.5 %: net = 10 / 1.0875 = 9.195402...
    doc = price([line("10.00", "1", "STATE", "CITY")], inclusive=True, rounding=LINE)
    priced = doc.lines[0]
    assert [t.tax for t in priced.taxes] == [D("0.57"), D("0.23")]
    assert (priced.net, priced.tax, priced.total) == (D("9.20"), D("0.80"), D("10.00"))
    assert [t.base for t in priced.taxes] == [D("9.20"), D("9.20")]
    assert_consistent(doc)


def test_backed_out_taxes_rounded_per_line_or_per_document_differ_by_a_cent() -> None:
    lines = [line("1.00", "1", "VAT", sku=f"S{i}") for i in range(3)]
    # each line: 1.00 including 20 % holds 0.1666... tax
    assert price(lines, inclusive=True, rounding=LINE).tax_total == D("0.51")
    assert price(lines, inclusive=True).tax_total == D("0.50")
    assert price(lines, inclusive=True).grand_total == D("3.00")
    assert price(lines, inclusive=True, rounding=LINE).net_total == D("2.49")


def test_exclusive_taxes_rounded_per_line_or_per_document_differ_by_a_cent() -> None:
    lines = [line("0.05", "1", "TEN", sku=f"S{i}") for i in range(3)]
    # each line's tax is 0.005: rounded half to even per line, 0.00; once on the sum, 0.02
    per_line = price(lines, rounding=LINE)
    assert (per_line.tax_total, per_line.grand_total) == (D("0.00"), D("0.15"))
    assert [p.tax for p in per_line.lines] == [D("0.00")] * 3
    per_doc = price(lines)
    assert (per_doc.tax_total, per_doc.grand_total) == (D("0.02"), D("0.17"))
    assert [str(p.tax) for p in per_doc.lines] == ["0.005"] * 3
    assert per_doc.tax_rounding is DOCUMENT
    assert per_line.tax_rounding is LINE


def test_an_unknown_tax_code_is_refused() -> None:
    with pytest.raises(
        UnknownTaxRate,
        match=sentence(
            "Line SKU-1 names the tax rate GST, which is not defined: "
            "define it first (order.define_tax_rate)."
        ),
    ) as refused:
        price([line("1.00", "1", "STATE", "GST")])
    assert refused.value.reason == "unknown_tax_rate"


def test_a_tax_code_named_twice_on_a_line_is_refused() -> None:
    with pytest.raises(InvalidLine, match="twice") as refused:
        price([line("1.00", "1", "STATE", "STATE")])
    assert refused.value.reason == "invalid_line"


# --- line discounts ------------------------------------------------------------------------


def test_a_percent_line_discount_is_taken_before_tax() -> None:
    doc = price([line("20.00", "1", "TEN", discount=pct("15"))])
    assert doc.lines[0].line_discount == D("3.00")
    assert (doc.lines[0].net, doc.lines[0].tax) == (D("17.00"), D("1.70"))
    assert (doc.line_discount_total, doc.document_discount) == (D("3.00"), ZERO)
    assert totals(doc) == (D("20.00"), D("3.00"), D("17.00"), D("1.70"), D("18.70"))
    assert_consistent(doc)


def test_a_percent_line_discount_is_rounded_only_per_line() -> None:
    lines = [line("19.99", "1", discount=pct("10"))]
    assert price(lines, rounding=LINE).lines[0].line_discount == D("2.00")
    assert price(lines).lines[0].line_discount == D("1.999")
    assert price(lines).discount_total == D("2.00")
    assert price(lines).net_total == D("17.99")


def test_an_amount_line_discount_is_taken_off_the_line() -> None:
    doc = price([line("4.00", "5", "TEN", discount=off("5.00"))])
    assert (doc.lines[0].line_discount, doc.lines[0].net) == (D("5.00"), D("15.00"))
    assert doc.grand_total == D("16.50")


def test_a_line_discount_as_large_as_the_line_makes_it_free_and_untaxed() -> None:
    for discount in (pct("100"), off("20.00")):
        doc = price([line("20.00", "1", "TEN", discount=discount), line("1.00", sku="B")])
        assert (doc.lines[0].net, doc.lines[0].tax) == (ZERO, ZERO)
        assert per_rate(doc) == {"TEN": (D("0.00"), D("0.00"))}
        assert totals(doc) == (D("21.00"), D("20.00"), D("1.00"), ZERO, D("1.00"))


def test_a_line_discount_larger_than_the_line_is_refused() -> None:
    with pytest.raises(
        DiscountExceedsLine,
        match=sentence(
            "The discount of 20.01 on line SKU-1 is larger than the line's amount 20.00: "
            "lower it, or remove the line."
        ),
    ) as refused:
        price([line("20.00", "1", discount=off("20.01"))])
    assert refused.value.reason == "discount_exceeds_line"


def test_a_discount_above_100_percent_is_refused() -> None:
    with pytest.raises(
        InvalidDiscount,
        match=sentence("The discount on line SKU-1 is 100.5 %: a percentage goes from 0 to 100."),
    ) as refused:
        price(
            [
                line(
                    "20.00",
                    "1",
                    discount=Discount.model_construct(kind=DiscountKind.PERCENT, value=D("100.5")),
                )
            ]
        )
    assert refused.value.reason == "invalid_discount"


def test_a_negative_discount_is_refused() -> None:
    negative = Discount.model_construct(kind=DiscountKind.AMOUNT, value=D("-1"))
    with pytest.raises(
        InvalidDiscount, match=starts("The discount on line SKU-1 is negative (-1)")
    ):
        price([line("20.00", discount=negative)])
    with pytest.raises(InvalidDiscount, match=starts("The discount on the document is negative")):
        price([line("20.00")], discount=negative)
    # a zero discount is no discount
    assert price([line("20.00", discount=off("0"))], discount=off("0")).grand_total == 20


def test_an_amount_discount_finer_than_the_currency_is_refused() -> None:
    with pytest.raises(InvalidDiscount, match=r"finer than the currency's minor unit 0\.01"):
        price([line("20.00", discount=off("0.005"))])
    with pytest.raises(InvalidDiscount, match="minor unit 1"):
        price([line("2000", discount=off("5.5"))], currency="JPY")
    assert price([line("2000", discount=off("5.0"))], currency="JPY").grand_total == 1995
    # a percentage may have decimals whatever the currency
    assert price([line("2000", discount=pct("2.5"))], currency="JPY").grand_total == 1950


# --- the document discount -----------------------------------------------------------------


def test_a_document_amount_discount_is_shared_pro_rata_before_tax() -> None:
    doc = price(
        [line("300.00", "1", "TEN", sku="A"), line("100.00", "1", sku="B")], discount=off("40.00")
    )
    assert [p.document_discount for p in doc.lines] == [D("30.00"), D("10.00")]
    assert [p.tax for p in doc.lines] == [D("27.00"), 0]
    assert (doc.document_discount, doc.line_discount_total) == (D("40.00"), ZERO)
    assert totals(doc) == (D("400.00"), D("40.00"), D("360.00"), D("27.00"), D("387.00"))
    assert_consistent(doc)


def test_the_cents_left_over_go_to_the_largest_remainders_then_the_earlier_line() -> None:
    unit = D("0.01")
    assert allocate(D("1.00"), [D(1), D(1), D(1)], unit) == [D("0.34"), D("0.33"), D("0.33")]
    # 0.10 over 1 : 2 -> 3.33 and 6.67 cents: the larger remainder takes the cent
    assert allocate(D("0.10"), [D(1), D(2)], unit) == [D("0.03"), D("0.07")]
    assert allocate(D("0.02"), [D(1), D(1), D(1)], unit) == [D("0.01"), D("0.01"), D("0")]
    assert allocate(D("0.05"), [D(2), D(0), D(3)], unit) == [D("0.02"), D("0"), D("0.03")]
    assert allocate(D("7"), [D(1), D(1)], D("1")) == [D(4), D(3)]
    assert allocate(D("0"), [D(0), D(0)], unit) == [D(0), D(0)]


def test_shares_always_add_up_to_the_discount() -> None:
    weights = [D("0.07"), D("13.13"), D("999.99"), D("1"), D("42.42")]
    for total in ("0.01", "0.99", "17.77", "1000.00"):
        assert sum(allocate(D(total), weights, D("0.01")), D(0)) == D(total)


def test_a_document_discount_applies_after_line_discounts() -> None:
    doc = price(
        [line("100.00", "1", sku="A", discount=off("50.00")), line("50.00", "1", sku="B")],
        discount=off("10.00"),
    )
    assert [p.document_discount for p in doc.lines] == [D("5.00"), D("5.00")]
    assert (doc.line_discount_total, doc.document_discount) == (D("50.00"), D("10.00"))
    assert doc.net_total == D("90.00")


def test_a_document_percent_discount_applies_to_every_line() -> None:
    lines = [line("0.15", "1", "TEN", sku="A"), line("0.25", "1", sku="B")]
    per_line = price(lines, discount=pct("10"), rounding=LINE)
    assert [p.document_discount for p in per_line.lines] == [D("0.02"), D("0.02")]
    assert (per_line.document_discount, per_line.net_total) == (D("0.04"), D("0.36"))
    per_doc = price(lines, discount=pct("10"))
    assert [p.document_discount for p in per_doc.lines] == [D("0.015"), D("0.025")]
    assert (per_doc.document_discount, per_doc.net_total) == (D("0.04"), D("0.36"))


def test_a_document_discount_as_large_as_the_document_leaves_nothing_to_pay() -> None:
    lines = [line("10.00", "1", "TEN", sku="A"), line("5.00", "1", "TEN", sku="B")]
    for discount in (off("15.00"), pct("100")):
        doc = price(lines, discount=discount)
        assert totals(doc) == (D("15.00"), D("15.00"), ZERO, ZERO, ZERO)
        assert_consistent(doc)


def test_a_document_discount_larger_than_the_document_is_refused() -> None:
    lines = [line("10.00", "1", sku="A", discount=off("1.00")), line("5.00", "1", sku="B")]
    with pytest.raises(
        DiscountExceedsDocument,
        match=sentence(
            "The document discount of 14.01 is larger than the document's amount 14.00 "
            "after line discounts: lower it."
        ),
    ) as refused:
        price(lines, discount=off("14.01"))
    assert refused.value.reason == "discount_exceeds_document"
    with pytest.raises(
        InvalidDiscount, match=starts("The discount on the document is 1.001, finer")
    ):
        price(lines, discount=off("1.001"))
    with pytest.raises(InvalidDiscount, match=starts("The discount on the document is 101 %")):
        price(lines, discount=Discount.model_construct(kind=DiscountKind.PERCENT, value=D("101")))


def test_an_inclusive_document_discount_is_gross_and_the_tax_follows_it() -> None:
    # 110.00 including 10 %, 11.00 off the gross: 99.00 including 9.00 tax
    doc = price([line("110.00", "1", "TEN")], inclusive=True, discount=off("11.00"))
    assert totals(doc) == (D("110.00"), D("11.00"), D("90.00"), D("9.00"), D("99.00"))
    assert_consistent(doc)


def test_zero_decimal_and_three_decimal_currencies() -> None:
    jpy = price([line("333", "1", "TEN", sku="A"), line("333", "2", sku="B")], currency="JPY")
    # 33.3 yen of tax rounds to 33; 100 yen off over 333 : 666 -> 33.3 and 66.6 -> 33 + 67
    assert (jpy.tax_total, jpy.grand_total) == (D("33"), D("1032"))
    shared = price(
        [line("333", "1", sku="A"), line("333", "2", sku="B")], currency="JPY", discount=off("100")
    )
    assert [p.document_discount for p in shared.lines] == [D("33"), D("67")]
    bhd = price([line("1.234", "1", "TEN")], currency="BHD")
    assert (str(bhd.tax_total), str(bhd.grand_total)) == ("0.123", "1.357")
    assert bhd.currency == "BHD"


# --- what cannot be priced -----------------------------------------------------------------


def test_an_empty_document_is_refused() -> None:
    with pytest.raises(
        EmptyDocument, match=sentence("A document needs at least one line to be priced.")
    ) as refused:
        price([])
    assert refused.value.reason == "empty_document"


@pytest.mark.parametrize(("quantity", "unit_price"), [("0", "1"), ("-1", "1"), ("1", "-0.01")])
def test_no_quantity_or_a_negative_price_is_refused(quantity: str, unit_price: str) -> None:
    bad = OrderLine.model_construct(
        sku="BAD", quantity=D(quantity), unit_price=D(unit_price), discount=None, tax_codes=[]
    )
    with pytest.raises(
        InvalidLine,
        match=r"^Line BAD has quantity -?\d.*: the quantity must be above 0 and the price 0 "
        r"or more\.$",
    ) as refused:
        price([line("1.00", sku="OK"), bad])
    assert refused.value.reason == "invalid_line"


def test_a_free_line_is_priced() -> None:
    doc = price([line("0", "3", "TEN")])
    assert (doc.grand_total, doc.lines[0].amount) == (ZERO, ZERO)


def test_every_refusal_is_a_pricing_error_with_its_own_reason() -> None:
    reasons = {
        cls.reason
        for cls in (
            EmptyDocument,
            InvalidLine,
            InvalidDiscount,
            DiscountExceedsLine,
            DiscountExceedsDocument,
            UnknownTaxRate,
        )
        if issubclass(cls, PricingError)
    }
    assert len(reasons) == 6
