"""Supplier bills: the three-way match with exact arithmetic (a price just inside and just
outside tolerance, an amount limit, quantities billed before their receipt and caught up,
earlier bills counted), people's decisions, vendor payments, and every refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.billing.payables.domain import Bill, MatchTolerance, PurchaseOrderCopy, Tolerance
from services.billing.payables.domain.errors import (
    BillNotHeld,
    BillNotPayable,
    DuplicateVendorPayment,
    InvalidAmount,
    PayableCurrencyMismatch,
    SkuNotOnOrder,
    UnknownOrder,
    VendorMismatch,
    VendorOverpayment,
)
from services.billing.payables.domain.matching import shown
from shared.contracts.common import Discount, DiscountKind, OrderKind, OrderLine, OrderLineInput
from shared.contracts.inventory import GoodsReceived, LineProgress, StockLine
from shared.contracts.orders import OrderApproved
from shared.contracts.payables import (
    BillApproved,
    BillHeld,
    BillLineInput,
    BillRecorded,
    BillRejected,
    BillStatus,
    HowApproved,
    MatchToleranceSet,
    PaymentMade,
    RecordBill,
    SetMatchTolerance,
    VarianceKind,
    VendorPaymentRecorded,
)
from shared.contracts.pricing import PricingTerms
from shared.domain import Aggregate
from shared.pricing import price_document

D = Decimal
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
EXACT = Tolerance()


def drained(aggregate: Aggregate) -> list[Any]:
    return list(aggregate.collect_events())


def approved_po(
    *specs: tuple[str, str, str],
    discount: Discount | None = None,
    line_discount: Discount | None = None,
    currency: str = "USD",
) -> OrderApproved:
    """An approved purchase order of vendor V-1 at branch BR-1, priced by the pricing rules."""
    lines = [
        OrderLine(
            sku=sku, quantity=D(q), unit_price=D(p), discount=line_discount if i == 0 else None
        )
        for i, (sku, q, p) in enumerate(specs)
    ]
    inputs = [OrderLineInput(**line.model_dump()) for line in lines]
    terms = PricingTerms(discount=discount)
    pricing = price_document(inputs, terms, {}, currency=currency)  # type: ignore[arg-type]
    return OrderApproved(
        order_id="PO-1",
        kind=OrderKind.PURCHASE,
        party_id="V-1",
        branch_id="BR-1",
        created_by="alice",
        currency=currency,
        lines=lines,
        total=pricing.grand_total,
        pricing=pricing,
        attempt=1,
    )


def received(order_id: str, *specs: tuple[str, str]) -> GoodsReceived:
    """A receipt whose cumulative figures are ``specs`` (sku, received so far)."""
    return GoodsReceived(
        order_id=order_id,
        receipt_id="GR-1",
        location_id="WH-1",
        branch_id="BR-1",
        lines=[StockLine(sku=sku, quantity=D(q)) for sku, q in specs],
        received_by="clerk",
        order_lines=[LineProgress(sku=sku, ordered=D(100), fulfilled=D(q)) for sku, q in specs],
        fully_received=False,
    )


def order_copy(event: OrderApproved, *receipts: tuple[str, str]) -> PurchaseOrderCopy:
    order = PurchaseOrderCopy(id=event.order_id)
    order.approve(event)
    if receipts:
        order.receive(received(event.order_id, *receipts))
    return order


def bill_of(*specs: tuple[str, str, str], **overrides: Any) -> RecordBill:
    values: dict[str, Any] = {
        "bill_id": "B-1",
        "vendor_id": "V-1",
        "vendor_bill_number": "INV-77",
        "order_id": "PO-1",
        "currency": "USD",
        "lines": [BillLineInput(sku=s, quantity=D(q), unit_price=D(p)) for s, q, p in specs],
        "bill_date": date(2026, 3, 1),
        "recorded_by": "ap-clerk",
    }
    return RecordBill(**{**values, **overrides})


def entered(
    cmd: RecordBill,
    order: PurchaseOrderCopy,
    tolerance: Tolerance = EXACT,
    earlier: dict[str, Decimal] | None = None,
) -> Bill:
    return Bill.enter(cmd, order, earlier=earlier or {}, tolerance=tolerance, at=AT)


# --- the order's copy ------------------------------------------------------------------------


def test_the_order_unit_price_is_net_of_line_and_document_discounts() -> None:
    po = approved_po(
        ("A", "10", "12.00"),
        ("B", "4", "25.00"),
        line_discount=Discount(kind=DiscountKind.PERCENT, value=D(10)),
        discount=Discount(kind=DiscountKind.AMOUNT, value=D("10.00")),
    )
    order = order_copy(po)
    a, b = order.item("A"), order.item("B")
    assert a is not None
    assert b is not None
    # A: 120.00 - 12.00 line discount - 5.19 of the document's = 102.81 for 10
    assert (a.net, a.unit_price) == (D("102.81"), D("10.281"))
    # B: 100.00 - 4.81 of the document's = 95.19 for 4
    assert (b.net, b.unit_price) == (D("95.19"), D("23.7975"))


def test_a_sku_on_two_lines_is_one_item_and_receipts_only_grow() -> None:
    order = order_copy(approved_po(("A", "2", "10.00"), ("A", "3", "12.00")))
    item = order.item("A")
    assert item is not None
    assert (item.quantity, item.net) == (D(5), D("56.00"))
    order.receive(received("PO-1", ("A", "4")))
    order.receive(received("PO-1", ("A", "3")))  # an older cumulative figure, late
    assert order.received_of("A") == D(4)
    assert order.received_of("B") == D(0)


def test_a_sales_order_approval_is_not_kept_and_a_receipt_alone_is_not_approved() -> None:
    sales = approved_po(("A", "1", "1.00")).model_copy(update={"kind": OrderKind.SALES})
    order = PurchaseOrderCopy(id="PO-1")
    order.approve(sales)
    assert not order.approved
    order.receive(received("PO-1", ("A", "1")))
    with pytest.raises(UnknownOrder) as refused:
        entered(bill_of(("A", "1", "1.00")), order)
    assert refused.value.detail == (
        "Purchase order PO-1 is not approved (billing has not learnt of its approval): a bill "
        "is recorded against an approved purchase order."
    )


def test_shown_keeps_the_currency_decimals_and_at_most_six() -> None:
    assert str(shown(D("10.2"), 2)) == "10.20"
    assert str(shown(D("0.0000015"))) == "0.000002"
    assert str(shown(D(100) / D(3), 2)) == "33.333333"
    assert str(shown(D("5.000000"))) == "5"
    assert str(shown(D("10.281"), 2)) == "10.281"


# --- price within and outside tolerance ----------------------------------------------------

TWO_PERCENT = Tolerance(price_percent=D(2))


@pytest.mark.parametrize(
    ("price", "status", "variance"),
    [
        ("10.20", BillStatus.APPROVED, "1.00"),  # +2 % exactly: inside
        ("10.21", BillStatus.HELD, "1.05"),  # +2.1 %: outside
        ("9.80", BillStatus.APPROVED, "-1.00"),  # -2 %: inside
        ("9.79", BillStatus.HELD, "-1.05"),  # -2.1 %: outside
    ],
)
def test_a_price_variance_just_inside_or_just_outside_two_percent(
    price: str, status: BillStatus, variance: str
) -> None:
    order = order_copy(approved_po(("A", "5", "10.00")), ("A", "5"))
    bill = entered(bill_of(("A", "5", price)), order, TWO_PERCENT)
    assert bill.status is status
    [line] = bill.lines
    assert line.net == D(price) * 5
    assert (line.order_net, line.price_variance) == (D("50.00"), D(variance))
    assert line.order_net + line.price_variance == line.net
    assert bill.price_variance_total == D(variance)
    events = drained(bill)
    assert [type(e) for e in events] == [
        BillRecorded,
        BillApproved if status is BillStatus.APPROVED else BillHeld,
    ]
    assert events[0].status is BillStatus.OPEN
    if status is BillStatus.HELD:
        [held] = events[1].variances
        assert held.kind is VarianceKind.PRICE
        assert (held.line, held.sku, held.expected, held.billed) == (1, "A", D("10.00"), D(price))
        assert held.difference == D(price) - D("10.00")
        assert (held.allowed, held.amount) == (D("0.20"), D(variance))
        shown_as = (str(held.expected), str(held.allowed), str(line.order_unit_price))
        assert shown_as == ("10.00", "0.20", "10.00")
    else:
        assert events[1].approval is HowApproved.MATCHED
        assert events[1].lines[0].price_variance == D(variance)


def test_a_discounted_order_price_is_matched_exactly_not_rounded() -> None:
    po = approved_po(
        ("A", "10", "12.00"),
        ("B", "4", "25.00"),
        line_discount=Discount(kind=DiscountKind.PERCENT, value=D(10)),
        discount=Discount(kind=DiscountKind.AMOUNT, value=D("10.00")),
    )
    order = order_copy(po, ("A", "10"), ("B", "4"))
    # 10.281 exactly: a vendor billing 10.28 is 0.001 under the order, held at 0 %
    exact = entered(bill_of(("A", "10", "10.281"), ("B", "4", "23.7975")), order)
    assert exact.status is BillStatus.APPROVED
    assert [line.net for line in exact.lines] == [D("102.81"), D("95.19")]
    assert exact.price_variance_total == D(0)
    short = entered(bill_of(("A", "10", "10.28"), bill_id="B-2"), order)
    [variance] = short.variances
    assert (variance.expected, variance.difference, variance.amount) == (
        D("10.281"),
        D("-0.001"),
        D("-0.01"),
    )


def test_an_amount_limit_holds_a_line_the_percentage_allows() -> None:
    order = order_copy(approved_po(("A", "5", "10.00")), ("A", "5"))
    limited = Tolerance(price_percent=D(2), price_amount=D("0.50"))
    inside = entered(bill_of(("A", "5", "10.10")), order, limited)  # 0.50 in all: inside
    assert inside.status is BillStatus.APPROVED
    outside = entered(bill_of(("A", "5", "10.11"), bill_id="B-2"), order, limited)
    [variance] = outside.variances
    assert (variance.allowed, variance.amount) == (D("0.10"), D("0.55"))


# --- quantities ---------------------------------------------------------------------------


def test_a_quantity_billed_before_its_receipt_is_held_then_approved_when_it_arrives() -> None:
    order = order_copy(approved_po(("A", "10", "4.50"), ("B", "3", "19.99")), ("A", "10"))
    bill = entered(bill_of(("A", "10", "4.50"), ("B", "3", "19.99")), order)
    assert bill.status is BillStatus.HELD
    [variance] = bill.variances
    assert variance.kind is VarianceKind.QUANTITY
    assert (variance.line, variance.sku, variance.expected, variance.billed) == (2, "B", D(0), D(3))
    assert (variance.difference, variance.allowed, variance.amount) == (D(3), D(0), D("59.97"))
    assert bill.lines[1].quantity_variance == D(3)
    drained(bill)

    order.receive(received("PO-1", ("A", "10"), ("B", "2")))  # not yet all of B
    bill.match(order, {}, EXACT)
    [still] = drained(bill)
    assert isinstance(still, BillHeld)
    assert (still.variances[0].expected, still.variances[0].difference) == (D(2), D(1))

    order.receive(received("PO-1", ("A", "10"), ("B", "3")))
    bill.match(order, {}, EXACT)
    [approved] = drained(bill)
    assert isinstance(approved, BillApproved)
    assert (approved.approval, approved.status) == (HowApproved.MATCHED, BillStatus.APPROVED)
    assert (approved.net_total, approved.tax_total, approved.total) == (
        D("104.97"),
        D(0),
        D("104.97"),
    )
    assert bill.variances == []
    bill.match(order, {}, EXACT)  # an approved bill is not matched again
    assert drained(bill) == []


def test_a_match_that_finds_the_same_reasons_tells_nothing_again() -> None:
    order = order_copy(approved_po(("A", "5", "10.00")), ("A", "5"))
    bill = entered(bill_of(("A", "5", "11.00")), order)
    drained(bill)
    order.receive(received("PO-1", ("A", "5")))
    bill.match(order, {}, EXACT)
    assert drained(bill) == []


def test_quantity_tolerance_and_what_earlier_bills_billed() -> None:
    order = order_copy(approved_po(("A", "20", "1.00")), ("A", "10"))
    ten_percent = Tolerance(quantity_percent=D(10))
    assert entered(bill_of(("A", "11", "1.00")), order, ten_percent).status is BillStatus.APPROVED
    over = entered(bill_of(("A", "11.5", "1.00")), order, ten_percent)
    assert over.status is BillStatus.HELD
    assert (over.variances[0].allowed, over.variances[0].difference) == (D(1), D("1.5"))
    # 10 received, 6 billed before: 4 available
    later = entered(bill_of(("A", "5", "1.00")), order, earlier={"A": D(6)})
    [variance] = later.variances
    assert (variance.expected, variance.billed, later.lines[0].available) == (D(4), D(5), D(4))
    # billed beyond what was received: nothing is available, never less
    beyond = entered(bill_of(("A", "1", "1.00")), order, earlier={"A": D(12)})
    assert beyond.lines[0].available == D(0)


def test_billing_less_than_received_is_within() -> None:
    order = order_copy(approved_po(("A", "20", "1.00")), ("A", "10"))
    assert entered(bill_of(("A", "3", "1.00")), order).status is BillStatus.APPROVED


# --- what a bill carries -----------------------------------------------------------------


def test_taxes_totals_and_the_due_date() -> None:
    order = order_copy(approved_po(("A", "3", "19.99"), ("B", "2", "5.00")), ("A", "3"), ("B", "2"))
    cmd = bill_of(("A", "3", "19.99"), ("B", "2", "5.00"), payment_terms_days=45)
    cmd = cmd.model_copy(
        update={"lines": [cmd.lines[0].model_copy(update={"tax": D("4.80")}), cmd.lines[1]]}
    )
    bill = entered(cmd, order)
    assert [(line.net, line.tax, line.total) for line in bill.lines] == [
        (D("59.97"), D("4.80"), D("64.77")),
        (D("10.00"), D(0), D("10.00")),
    ]
    assert (bill.net_total, bill.tax_total, bill.total, bill.balance) == (
        D("69.97"),
        D("4.80"),
        D("74.77"),
        D("74.77"),
    )
    assert bill.due_date == date(2026, 4, 15)
    assert bill.branch_id == "BR-1"
    given = entered(bill_of(("A", "1", "19.99"), due_date=date(2026, 3, 10)), order)
    assert given.due_date == date(2026, 3, 10)
    assert bill.model_dump(mode="python")["bill_date"] == "2026-03-01"  # stored as text


def test_a_line_net_is_rounded_half_to_even_once() -> None:
    order = order_copy(approved_po(("A", "3", "0.125")), ("A", "3"))
    bill = entered(bill_of(("A", "3", "0.125")), order)
    assert bill.lines[0].net == D("0.38")  # 0.375 -> 0.38
    order = order_copy(approved_po(("A", "1", "0.125")), ("A", "1"))
    assert entered(bill_of(("A", "1", "0.125")), order).lines[0].net == D("0.12")


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"vendor_id": "V-2"}, VendorMismatch, "for vendor V-1, not V-2"),
        (
            {"currency": "EUR"},
            PayableCurrencyMismatch,
            "is in USD, not EUR: record the bill in the order's currency.$",
        ),
        (
            {
                "lines": [
                    BillLineInput(sku="Z", quantity=D(1), unit_price=D(1)),
                    BillLineInput(sku="Y", quantity=D(1), unit_price=D(1)),
                ]
            },
            SkuNotOnOrder,
            r"^lines: Z, Y not on purchase order PO-1 \(it has A, B\).$",
        ),
        (
            {"lines": [BillLineInput(sku="A", quantity=D(1), unit_price=D(1), tax=D("0.125"))]},
            InvalidAmount,
            r"lines\[1\].tax 0.125 has more decimals than USD",
        ),
    ],
)
def test_a_bill_that_does_not_fit_its_order_is_refused(
    change: dict[str, Any], error: type[Exception], words: str
) -> None:
    order = order_copy(approved_po(("A", "5", "10.00"), ("B", "1", "1.00")), ("A", "5"))
    with pytest.raises(error, match=words):
        entered(bill_of(("A", "5", "10.00")).model_copy(update=change), order)


def test_a_yen_bill_takes_no_decimals_of_tax() -> None:
    order = order_copy(approved_po(("A", "1", "500"), currency="JPY"), ("A", "1"))
    line = BillLineInput(sku="A", quantity=D(1), unit_price=D(500), tax=D("50.5"))
    with pytest.raises(InvalidAmount, match="minor unit is 1"):
        entered(bill_of(currency="JPY", lines=[line]), order)


def test_the_contract_refuses_a_sku_twice_and_a_due_date_before_the_bill() -> None:
    with pytest.raises(ValueError, match="A is there twice"):
        bill_of(("A", "1", "1.00"), ("A", "2", "1.00"))
    with pytest.raises(ValueError, match="due_date"):
        bill_of(("A", "1", "1.00"), due_date=date(2026, 2, 1))


# --- people's decisions -------------------------------------------------------------------


def held_bill() -> Bill:
    order = order_copy(approved_po(("A", "5", "10.00")), ("A", "5"))
    bill = entered(bill_of(("A", "5", "10.40")), order, TWO_PERCENT)
    drained(bill)
    return bill


def test_an_accepted_price_variance_is_recorded_in_the_bill_and_its_event() -> None:
    bill = held_bill()
    assert str(bill.variances[0].difference) == "0.40"
    bill.accept("controller", "freight surcharge agreed")
    [event] = drained(bill)
    assert isinstance(event, BillApproved)
    assert (event.approval, event.approved_by, event.notes) == (
        HowApproved.ACCEPTED,
        "controller",
        "freight surcharge agreed",
    )
    assert event.lines[0].price_variance == D("2.00")
    assert event.price_variance_total == D("2.00")
    assert event.accepted_variances[0].kind is VarianceKind.PRICE
    assert bill.status is BillStatus.APPROVED
    with pytest.raises(
        BillNotHeld, match=r"^Bill B-1 is approved: only a held bill is accepted\.$"
    ):
        bill.accept("controller", "again")


def test_a_rejected_bill_is_never_paid() -> None:
    bill = held_bill()
    bill.reject("controller", "price not agreed")
    [event] = drained(bill)
    assert isinstance(event, BillRejected)
    assert (event.status, event.rejected_by) == (BillStatus.REJECTED, "controller")
    with pytest.raises(BillNotPayable, match="rejected"):
        bill.pay(payment("P-1", "1.00"), "USD")
    with pytest.raises(
        BillNotHeld, match=r"^Bill B-1 is rejected: only a held bill is rejected\.$"
    ):
        bill.reject("controller", "again")


# --- payments -------------------------------------------------------------------------------


def payment(payment_id: str, amount: str) -> PaymentMade:
    return PaymentMade(payment_id=payment_id, amount=D(amount), paid_at=AT, recorded_by="ap")


def approved_bill() -> Bill:
    order = order_copy(approved_po(("A", "3", "33.33")), ("A", "3"))
    bill = entered(bill_of(("A", "3", "33.33")), order)
    drained(bill)
    return bill


def test_payments_add_up_to_a_paid_bill() -> None:
    bill = approved_bill()
    assert bill.total == D("99.99")
    bill.pay(payment("P-1", "40.00"), "USD")
    bill.pay(payment("P-2", "59.98"), "USD")
    assert (bill.status, bill.balance) == (BillStatus.APPROVED, D("0.01"))
    bill.pay(payment("P-3", "0.01"), "USD")
    events = drained(bill)
    assert all(isinstance(e, VendorPaymentRecorded) for e in events)
    assert [(e.amount, e.balance, e.status) for e in events] == [
        (D("40.00"), D("59.99"), BillStatus.APPROVED),
        (D("59.98"), D("0.01"), BillStatus.APPROVED),
        (D("0.01"), D(0), BillStatus.PAID),
    ]
    with pytest.raises(BillNotPayable, match="paid"):
        bill.pay(payment("P-4", "0.01"), "USD")


@pytest.mark.parametrize(
    ("payment_id", "amount", "currency", "error", "words"),
    [
        ("P-9", "100.00", "USD", VendorOverpayment, "100.00 is more than the 89.99 USD"),
        ("P-9", "10.00", "EUR", PayableCurrencyMismatch, "in USD, not EUR"),
        ("P-9", "10.001", "USD", InvalidAmount, "amount 10.001 has more decimals"),
        ("P-1", "1.00", "USD", DuplicateVendorPayment, "P-1 is recorded on B-1 already"),
    ],
)
def test_a_payment_that_does_not_fit_is_refused_and_changes_nothing(
    payment_id: str, amount: str, currency: str, error: type[Exception], words: str
) -> None:
    bill = approved_bill()
    bill.pay(payment("P-1", "10.00"), "USD")
    drained(bill)
    before = bill.model_dump()
    with pytest.raises(error, match=words):
        bill.pay(payment(payment_id, amount), currency)
    assert bill.model_dump() == before
    assert drained(bill) == []


def test_a_held_bill_is_not_payable() -> None:
    with pytest.raises(BillNotPayable, match="is held"):
        held_bill().pay(payment("P-1", "1.00"), "USD")


# --- more than one reason, other currencies, an order priced before pricing ------------------


def test_every_reason_of_every_line_is_named() -> None:
    order = order_copy(approved_po(("A", "5", "10.00"), ("B", "5", "2.00")), ("A", "5"), ("B", "2"))
    bill = entered(bill_of(("A", "5", "11.00"), ("B", "3", "2.50")), order)
    assert [(v.line, v.kind) for v in bill.variances] == [
        (1, VarianceKind.PRICE),
        (2, VarianceKind.PRICE),
        (2, VarianceKind.QUANTITY),
    ]
    # B: 2 available, 3 billed: one too many, worth 2.50 at the bill's price
    assert (bill.lines[1].available, bill.lines[1].quantity_variance) == (D(2), D(1))
    assert bill.variances[2].amount == D("2.50")


def test_a_yen_bill_is_rounded_to_whole_yen_and_paid_in_whole_yen() -> None:
    order = order_copy(approved_po(("A", "3", "333.5"), currency="JPY"), ("A", "3"))
    bill = entered(bill_of(("A", "3", "333.5"), currency="JPY"), order)
    [line] = bill.lines
    assert (str(line.net), str(line.order_unit_price)) == ("1000", "333.5")  # 1000.5 -> 1000
    assert bill.status is BillStatus.APPROVED
    with pytest.raises(InvalidAmount, match="minor unit is 1"):
        bill.pay(payment("P-1", "100.5"), "JPY")
    short = entered(bill_of(("A", "3", "333"), currency="JPY", bill_id="B-2"), order)
    assert str(short.variances[0].difference) == "-0.5"


def test_a_match_again_keeps_the_tax_and_shows_what_is_available_now() -> None:
    order = order_copy(approved_po(("A", "5", "10.00")), ("A", "2"))
    cmd = bill_of(("A", "5", "11.00"))
    taxed = cmd.model_copy(update={"lines": [cmd.lines[0].model_copy(update={"tax": D("1.10")})]})
    bill = entered(taxed, order)
    drained(bill)
    order.receive(received("PO-1", ("A", "5")))  # the quantity is caught up, the price is not
    bill.match(order, {}, EXACT)
    [held] = drained(bill)
    assert [v.kind for v in held.variances] == [VarianceKind.PRICE]
    assert (held.lines[0].tax, held.total) == (D("1.10"), D("56.10"))
    order.receive(received("PO-1", ("A", "6")))  # more than ordered: the same reasons
    bill.match(order, {}, EXACT)
    assert drained(bill) == []
    assert bill.lines[0].available == D(6)
    assert bill.status is BillStatus.HELD


def test_an_order_approved_before_pricing_is_priced_from_its_lines() -> None:
    event = approved_po(("A", "4", "2.50")).model_copy(update={"pricing": None})
    item = order_copy(event).item("A")
    assert item is not None
    assert (item.net, item.unit_price) == (D("10.00"), D("2.50"))


def test_a_branch_tolerance_as_set() -> None:
    branch = MatchTolerance(id="BR-1")
    assert branch.tolerance == Tolerance(D(0), D(0), None)  # none set: an exact match
    branch.set(
        SetMatchTolerance(
            branch_id="BR-1",
            price_tolerance_percent=D("2.5"),
            quantity_tolerance_percent=D(5),
            price_tolerance_amount=D("10.00"),
            set_by="controller",
        )
    )
    assert branch.tolerance == Tolerance(D("2.5"), D(5), D("10.00"))
    assert branch.set_by == "controller"
    [event] = drained(branch)
    assert isinstance(event, MatchToleranceSet)
    assert (event.branch_id, event.price_tolerance_amount, event.set_by) == (
        "BR-1",
        D("10.00"),
        "controller",
    )
