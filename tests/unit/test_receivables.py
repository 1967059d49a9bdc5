"""Customer invoices for sales orders, exactly: partial invoices of an order priced with two tax
rates and a document discount add up to it to the cent, per rate; credit notes reverse lines
and taxes in proportion; payments, refunds and reminders keep to their limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.billing.common.dunning import DunningPolicy
from services.billing.receivables.domain import (
    CustomerInvoice,
    OrderTerms,
    PolicyRecord,
    SalesOrder,
)
from services.billing.receivables.domain.errors import (
    CreditExceedsInvoice,
    CreditNoteNotFound,
    CurrencyMismatch,
    DuplicatePayment,
    InvalidAmount,
    NotOnInvoice,
    Overpayment,
    RefundExceedsCredit,
)
from services.billing.receivables.domain.invoices import Money
from services.billing.receivables.domain.shares import allocate, share
from services.billing.receivables.domain.statement import statement
from shared.contracts.common import Discount, DiscountKind, OrderKind, OrderLine, OrderLineInput
from shared.contracts.inventory import LineProgress, StockLine
from shared.contracts.orders import OrderApproved
from shared.contracts.pricing import PricingTerms, TaxRate, TaxRounding
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerInvoiceOverdue,
    InvoicingPolicy,
    InvoicingPolicySet,
    RefundRecorded,
    ReturnCredited,
    SetInvoicingPolicy,
)
from shared.contracts.subscriptions import BillingContact
from shared.domain import DomainError
from shared.pricing import price_document

D = Decimal
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
POLICY = DunningPolicy((1, 3, 7))
RATES = {
    "VAT": TaxRate(code="VAT", rate=D(19), version=2),
    "CITY": TaxRate(code="CITY", rate=D("2.5"), version=1),
}


def quotation_like(**overrides: Any) -> OrderApproved:
    """Three lines, two tax rates (A at both, B at VAT, C at CITY), a 10 % line discount on C
    and 12.34 off the document: net 168.08, VAT 16.01, CITY 3.49, grand total 187.58."""
    lines = [
        OrderLine(sku="A", quantity=D(3), unit_price=D("19.99"), tax_codes=["VAT", "CITY"]),
        OrderLine(sku="B", quantity=D(7), unit_price=D("4.35"), tax_codes=["VAT"]),
        OrderLine(
            sku="C",
            quantity=D(1),
            unit_price=D("100.00"),
            tax_codes=["CITY"],
            discount=Discount(kind=DiscountKind.PERCENT, value=D(10)),
        ),
    ]
    terms = PricingTerms(discount=Discount(kind=DiscountKind.AMOUNT, value=D("12.34")))
    inputs = [OrderLineInput(**line.model_dump()) for line in lines]
    pricing = price_document(inputs, terms, RATES, currency="EUR")  # type: ignore[arg-type]
    values: dict[str, Any] = {
        "order_id": "SO-1",
        "kind": OrderKind.SALES,
        "party_id": "C-1",
        "branch_id": "BR-1",
        "created_by": "alice",
        "currency": "EUR",
        "lines": lines,
        "total": pricing.grand_total,
        "pricing": pricing,
        "attempt": 1,
    }
    return OrderApproved(**{**values, **overrides})


def order(policy: InvoicingPolicy, approved: OrderApproved | None = None) -> SalesOrder:
    copy = SalesOrder(id="SO-1")
    copy.approve(approved or quotation_like(), OrderTerms(policy=policy, payment_terms_days=30))
    return copy


def invoices_of(copy: SalesOrder, first: int = 1) -> list[CustomerInvoice]:
    made = []
    for n, bill in enumerate(copy.pending_bills, first):
        invoice = CustomerInvoice.issue(number=n, order=copy, bill=bill, at=AT, policy=POLICY)
        copy.invoice_stored(bill.key, invoice.id)
        made.append(invoice)
    return made


def per_rate(invoice: CustomerInvoice) -> dict[str, Decimal]:
    return {tax.code: tax.tax for tax in invoice.taxes}


def two_shipments() -> tuple[SalesOrder, CustomerInvoice, CustomerInvoice]:
    copy = order(InvoicingPolicy.PER_ISSUE)
    copy.ship("ISS-1", [StockLine(sku="A", quantity=D(1)), StockLine(sku="B", quantity=D(4)),
                        StockLine(sku="C", quantity=D(1))])  # fmt: skip
    [first] = invoices_of(copy)
    copy.ship("ISS-2", [StockLine(sku="A", quantity=D(2)), StockLine(sku="B", quantity=D(3))])
    [second] = invoices_of(copy, 2)
    return copy, first, second


# --- shares -----------------------------------------------------------------------------------


def test_allocate_hands_the_rounding_units_to_the_largest_remainders() -> None:
    unit = D("0.01")
    assert allocate([D("10.6153"), D("5.3903")], D("16.01"), unit) == [D("10.62"), D("5.39")]
    # Three equal thirds of 1.00: the first (earliest on a tie) takes the odd cent.
    third = D(1) / D(3)
    assert allocate([third] * 3, D("1.00"), unit) == [D("0.34"), D("0.33"), D("0.33")]
    # A total below the values' sum takes units back from the smallest remainders, last first.
    assert allocate([D("1.005"), D("1.009")], D("2.00"), unit) == [D("1.00"), D("1.00")]
    assert allocate([], D(0), unit) == []


def test_running_shares_add_up_to_the_whole_and_the_last_takes_the_remainder() -> None:
    unit = D("0.01")
    parts = [share(D("10.00"), D(k), D(k + 1), D(3), unit) for k in range(3)]
    assert parts == [D("3.33"), D("3.34"), D("3.33")]
    assert sum(parts) == D("10.00")
    assert share(D("0.93"), D(0), D(1), D(2), unit) == D("0.46")  # 0.465, half to even
    assert share(D("5.00"), D(0), D(1), D(0), unit) == D(0)


# --- invoices of an order -------------------------------------------------------------------


def test_two_shipments_make_two_invoices_that_add_up_to_the_order_to_the_cent() -> None:
    approved = quotation_like()
    assert approved.pricing is not None
    assert (approved.pricing.net_total, approved.pricing.grand_total) == (D("168.08"), D("187.58"))
    _, first, second = two_shipments()

    assert (first.net_total, first.tax_total, first.total) == (D("118.67"), D("9.18"), D("127.85"))
    assert per_rate(first) == {"CITY": D("2.56"), "VAT": D("6.62")}
    assert (second.net_total, second.tax_total, second.total) == (
        D("49.41"),
        D("10.32"),
        D("59.73"),
    )
    assert per_rate(second) == {"CITY": D("0.93"), "VAT": D("9.39")}
    assert first.total + second.total == approved.pricing.grand_total
    assert first.net_total + second.net_total == approved.pricing.net_total
    for tax in approved.pricing.taxes:
        assert per_rate(first)[tax.code] + per_rate(second)[tax.code] == tax.tax
    # Line A (3 at both rates): one third now, the rest (the remainder) later.
    a1 = next(line for line in first.lines if line.sku == "A")
    a2 = next(line for line in second.lines if line.sku == "A")
    assert (a1.net, a2.net) == (D("18.62"), D("37.25"))
    assert [(t.code, t.rate, t.version, t.tax) for t in a1.taxes] == [
        ("VAT", D(19), 2, D("3.54")),
        ("CITY", D("2.5"), 1, D("0.47")),
    ]
    assert [t.tax for t in a2.taxes] == [D("7.08"), D("0.93")]
    # The discounts travel as priced: C's 10 % and its share of the document's.
    c = next(line for line in first.lines if line.sku == "C")
    assert (c.amount, c.line_discount, c.document_discount, c.net) == (
        D("100.00"), D("10.00"), D("6.16"), D("83.84"),
    )  # fmt: skip
    assert (first.final, second.final) == (False, True)
    assert first.id == "SI-000001"
    assert second.id == "SI-000002"
    assert first.due_at == AT + timedelta(days=30)
    issued = first.collect_events()
    assert isinstance(issued[0], CustomerInvoiceIssued)
    assert issued[0].issue_id == "ISS-1"


def test_on_approval_invoices_the_whole_order_at_once() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    assert (invoice.total, invoice.net_total) == (D("187.58"), D("168.08"))
    assert per_rate(invoice) == {"CITY": D("3.49"), "VAT": D("16.01")}
    assert invoice.final
    assert invoice.bill == "approval"


def test_the_customer_s_payment_terms_on_the_order_come_before_the_policy_s() -> None:
    [invoice] = invoices_of(
        order(InvoicingPolicy.ON_APPROVAL, quotation_like(payment_terms_days=45))
    )
    assert invoice.due_at == AT + timedelta(days=45)
    [default] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    assert default.due_at == AT + timedelta(days=30)


def test_on_completion_invoices_what_was_issued_less_returns_not_yet_invoiced() -> None:
    copy = order(InvoicingPolicy.ON_COMPLETION)
    copy.ship("ISS-1", [StockLine(sku="B", quantity=D(7))])
    assert invoices_of(copy) == []
    copy.return_received("RET-1", [StockLine(sku="B", quantity=D(2))], [])
    [said] = copy.collect_events()
    assert isinstance(said, ReturnCredited)
    assert said.not_yet_invoiced == [StockLine(sku="B", quantity=D(2))]
    assert "not invoiced yet" in said.detail
    copy.complete([LineProgress(sku="B", ordered=D(7), fulfilled=D(7)),
                   LineProgress(sku="A", ordered=D(3), fulfilled=D(0)),
                   LineProgress(sku="C", ordered=D(1), fulfilled=D(0))])  # fmt: skip
    [invoice] = invoices_of(copy)
    [line] = invoice.lines
    assert (line.sku, line.quantity, line.net) == ("B", D(5), D("20.26"))  # 28.37 x 5/7


def test_shipments_before_the_approval_are_invoiced_when_it_comes() -> None:
    copy = SalesOrder(id="SO-1")
    copy.ship("ISS-1", [StockLine(sku="C", quantity=D(1))])
    assert copy.pending_bills == []
    copy.approve(quotation_like(), OrderTerms(policy=InvoicingPolicy.PER_ISSUE))
    copy.ship("ISS-1", [StockLine(sku="C", quantity=D(1))])  # told twice: billed once
    [invoice] = invoices_of(copy)
    assert invoice.total == D("85.93")


def test_an_order_without_pricing_is_invoiced_at_quantity_times_price() -> None:
    approved = quotation_like(pricing=None, total=D("333.92"))
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL, approved))
    assert invoice.total == D("333.92")
    assert invoice.tax_total == D(0)


# --- credit notes -----------------------------------------------------------------------------


def test_a_return_of_one_line_of_three_reverses_its_net_and_its_tax() -> None:
    copy, first, second = two_shipments()
    creditable = [(i.id, i.creditable()) for i in (first, second)]
    copy.return_received("RET-1", [StockLine(sku="C", quantity=D(1))], creditable)
    [said] = copy.collect_events()
    assert isinstance(said, ReturnCredited)
    assert said.credits[0].invoice_id == first.id
    first.collect_events()
    first.credit_items(said.credits[0].lines, reason="return", by="bob", at=AT, return_id="RET-1")
    [issued] = first.collect_events()
    assert isinstance(issued, CreditNoteIssued)
    note = issued.credit_note
    assert note.credit_note_id == "SI-000001-CN1"
    assert note.return_id == "RET-1"
    assert (note.net_total, note.tax_total, note.total) == (D("83.84"), D("2.09"), D("85.93"))
    assert [(t.code, t.base, t.tax) for t in note.taxes] == [("CITY", D("83.84"), D("2.09"))]
    assert first.balance == D("127.85") - D("85.93")
    # VAT lines untouched: the credit note names CITY only.
    assert first.creditable() == {"A": D(1), "B": D(4), "C": D(0)}


def test_returns_credit_the_oldest_invoice_first_and_each_unit_in_proportion() -> None:
    copy, first, second = two_shipments()
    creditable = [(i.id, i.creditable()) for i in (first, second)]
    copy.return_received("RET-1", [StockLine(sku="A", quantity=D(2))], creditable)
    [said] = copy.collect_events()
    assert isinstance(said, ReturnCredited)
    assert [(c.invoice_id, c.lines[0].quantity) for c in said.credits] == [
        (first.id, D(1)),
        (second.id, D(1)),
    ]
    second.credit_items([StockLine(sku="A", quantity=D(1))], reason="r", by="bob", at=AT)
    second.credit_items([StockLine(sku="A", quantity=D(1))], reason="r", by="bob", at=AT)
    halves = [n.lines[0] for n in second.credit_notes]
    assert [h.net for h in halves] == [D("18.62"), D("18.63")]  # 37.25: 18.625 half to even
    assert [[t.tax for t in h.taxes] for h in halves] == [
        [D("3.54"), D("0.46")],
        [D("3.54"), D("0.47")],
    ]
    assert sum(h.total for h in halves) == D("37.25") + D("7.08") + D("0.93")


def test_a_credit_beyond_the_invoice_is_refused_and_changes_nothing() -> None:
    _, first, _ = two_shipments()
    before = first.model_dump()
    with pytest.raises(CreditExceedsInvoice):
        first.credit_items([StockLine(sku="B", quantity=D(5))], reason="r", by="b", at=AT)
    with pytest.raises(NotOnInvoice):
        first.credit_items([StockLine(sku="Z", quantity=D(1))], reason="r", by="b", at=AT)
    with pytest.raises(CreditExceedsInvoice):
        first.credit_amount(D("127.86"), reason="r", by="b", at=AT)
    with pytest.raises(InvalidAmount):
        first.credit_amount(D("1.005"), reason="r", by="b", at=AT)
    assert first.model_dump() == before


def test_an_amount_is_credited_over_what_is_left_of_nets_and_taxes() -> None:
    _, first, _ = two_shipments()
    first.credit_amount(D("12.78"), reason="goodwill", by="b", at=AT)
    note = first.credit_notes[0]
    assert note.total == D("12.78")
    assert note.net_total + note.tax_total == D("12.78")
    first.credit_amount(first.total - first.amount_credited, reason="all", by="b", at=AT)
    assert first.balance == D(0)
    assert first.status == "settled"
    for line, credited in zip(first.lines, first.credited, strict=True):
        assert (credited.net, credited.tax) == (line.net, line.tax)


# --- payments and refunds ---------------------------------------------------------------------


def test_payments_add_up_and_each_refusal_changes_nothing() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    invoice.pay("P-1", D("100.00"), "EUR", AT)
    refusals: list[tuple[type[DomainError], tuple[Any, ...]]] = [
        (CurrencyMismatch, ("P-2", D("10.00"), "USD", AT)),
        (InvalidAmount, ("P-2", D("10.001"), "EUR", AT)),
        (Overpayment, ("P-2", D("87.59"), "EUR", AT)),
        (DuplicatePayment, ("P-1", D("1.00"), "EUR", AT)),
    ]
    for error, args in refusals:
        before = invoice.model_dump()
        with pytest.raises(error):
            invoice.pay(*args)
        assert invoice.model_dump() == before
    invoice.pay("P-2", D("87.58"), "EUR", AT)
    assert (invoice.balance, invoice.status, invoice.amount_paid) == (D(0), "settled", D("187.58"))


def test_a_refund_pays_out_a_credit_never_more() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    invoice.pay("P-1", D("187.58"), "EUR", AT)
    invoice.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="b", at=AT)
    note = invoice.credit_notes[0]
    assert (invoice.status, invoice.balance) == ("in_credit", -note.total)
    with pytest.raises(RefundExceedsCredit):
        invoice.refund("R-1", note.total + D("0.01"), "EUR", AT, note.credit_note_id)
    with pytest.raises(CreditNoteNotFound):
        invoice.refund("R-1", D(1), "EUR", AT, "SI-000001-CN9")
    invoice.refund("R-1", D("50.00"), "EUR", AT, note.credit_note_id)
    invoice.refund("R-2", note.total - D("50.00"), "EUR", AT)
    assert (invoice.balance, invoice.status, invoice.amount_refunded) == (
        D(0),
        "settled",
        note.total,
    )
    with pytest.raises(RefundExceedsCredit):
        invoice.refund("R-3", D("0.01"), "EUR", AT)


def test_an_unpaid_credit_is_not_refunded() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    invoice.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="b", at=AT)
    with pytest.raises(RefundExceedsCredit):
        invoice.refund("R-1", D("1.00"), "EUR", AT)


# --- reminders and statement ------------------------------------------------------------------


def test_an_unpaid_invoice_is_reminded_on_the_dunning_days_then_no_more() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    invoice.collect_events()
    due = invoice.due_at
    invoice.remind(due, POLICY)
    assert invoice.collect_events() == []
    overdue: Any = None
    for days, attempt in ((1, 1), (3, 2), (7, 3)):
        invoice.remind(due + timedelta(days=days), POLICY)
        [overdue] = invoice.collect_events()
        assert isinstance(overdue, CustomerInvoiceOverdue)
        assert overdue.attempt == attempt
    assert overdue.next_attempt_at is None
    assert overdue.attempts == 3
    invoice.remind(due + timedelta(days=30), POLICY)
    assert invoice.collect_events() == []


def test_a_paid_invoice_is_not_reminded() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    invoice.pay("P-1", invoice.total, "EUR", AT)
    assert invoice.next_attempt_at is None
    assert not invoice.is_overdue(AT + timedelta(days=99))


def test_a_statement_runs_the_balance_from_what_was_owed_before() -> None:
    _, first, second = two_shipments()
    first.pay("P-1", D("27.85"), "EUR", AT + timedelta(days=2))
    second.credit_items([StockLine(sku="B", quantity=D(3))], reason="r", by="b",
                        at=AT + timedelta(days=3))  # fmt: skip
    [account] = statement([first, second], AT + timedelta(days=1), None)
    assert account["opening_balance"] == D("187.58")
    kinds = [(e["kind"], e["amount"], e["balance"]) for e in account["entries"]]
    credit = second.credit_notes[0].total
    assert kinds == [
        ("payment", D("-27.85"), D("159.73")),
        ("credit_note", -credit, D("159.73") - credit),
    ]
    assert account["closing_balance"] == D("159.73") - credit


@pytest.mark.parametrize(
    ("inclusive", "rounding"),
    [(True, TaxRounding.DOCUMENT), (True, TaxRounding.LINE), (False, TaxRounding.LINE)],
)
def test_partial_invoices_add_up_whatever_the_pricing_terms(
    inclusive: bool, rounding: TaxRounding
) -> None:
    approved = quotation_like()
    assert approved.pricing is not None
    terms = PricingTerms(
        prices_include_tax=inclusive,
        tax_rounding=rounding,
        discount=Discount(kind=DiscountKind.PERCENT, value=D("3.3")),
    )
    inputs = [OrderLineInput(**line.model_dump()) for line in approved.lines]
    pricing = price_document(inputs, terms, RATES, currency="EUR")  # type: ignore[arg-type]
    copy = order(
        InvoicingPolicy.PER_ISSUE, quotation_like(pricing=pricing, total=pricing.grand_total)
    )
    made: list[CustomerInvoice] = []
    for n, (a, b) in enumerate(((1, 2), (1, 2), (1, 3)), 1):
        copy.ship(
            f"ISS-{n}", [StockLine(sku="A", quantity=D(a)), StockLine(sku="B", quantity=D(b))]
        )
        made += invoices_of(copy, len(made) + 1)
    copy.ship("ISS-4", [StockLine(sku="C", quantity=D(1))])
    made += invoices_of(copy, len(made) + 1)
    assert sum(i.total for i in made) == pricing.grand_total
    assert sum(i.net_total for i in made) == pricing.net_total
    for tax in pricing.taxes:
        assert sum(per_rate(i).get(tax.code, D(0)) for i in made) == tax.tax
    assert all(i.total == i.net_total + i.tax_total for i in made)


# --- the rules at their edges -----------------------------------------------------------------


def test_allocate_takes_back_and_cycles_units_as_needed() -> None:
    unit = D("0.01")
    # 1.49 in floors against 1.48: the smallest remainder (0.004, the second) gives one back.
    assert allocate([D("0.996"), D("0.504")], D("1.48"), unit) == [D("0.99"), D("0.49")]
    # Ten units too many over two whole values: taken back in turn, the later first.
    assert allocate([D("1.50"), D("1.20")], D("2.60"), unit) == [D("1.45"), D("1.15")]
    # More units missing than values: handed out in turn, the largest remainder first.
    assert allocate([D("0.001"), D("0.004")], D("0.03"), unit) == [D("0.01"), D("0.02")]
    assert allocate([D("0.996")], D("0.99"), unit) == [D("0.99")]  # rounded down, not to even


def test_an_invoice_line_keeps_its_position_description_and_tax_bases() -> None:
    approved = quotation_like()
    lines = [line.model_copy(update={"description": f"Item {line.sku}"}) for line in approved.lines]
    copy = order(InvoicingPolicy.PER_ISSUE, approved.model_copy(update={"lines": lines}))
    copy.ship("ISS-1", [StockLine(sku="B", quantity=D(2)), StockLine(sku="C", quantity=D(1))])
    [invoice] = invoices_of(copy)
    assert [(line.line, line.sku, line.description) for line in invoice.lines] == [
        (2, "B", "Item B"),
        (3, "C", "Item C"),
    ]
    for line in invoice.lines:
        assert all(tax.base == line.net for tax in line.taxes)
        assert line.total == line.net + line.tax
    assert [(t.code, t.base, t.tax) for t in invoice.taxes] == [
        ("CITY", D("83.84"), D("2.09")),
        ("VAT", D("8.11"), D("1.54")),
    ]


def test_a_return_beyond_what_was_shipped_is_said_and_not_credited() -> None:
    copy, first, second = two_shipments()
    creditable = [(i.id, i.creditable()) for i in (first, second)]
    lines = [StockLine(sku="B", quantity=D(3)), StockLine(sku="B", quantity=D(3)),
             StockLine(sku="B", quantity=D(2))]  # fmt: skip
    copy.return_received("RET-1", lines, creditable)
    copy.return_received("RET-1", lines, creditable)  # the same return again: nothing more
    [said] = copy.collect_events()
    assert isinstance(said, ReturnCredited)
    assert [(c.invoice_id, [(x.sku, x.quantity) for x in c.lines]) for c in said.credits] == [
        (first.id, [("B", D(3)), ("B", D(1))]),
        (second.id, [("B", D(2)), ("B", D(1))]),
    ]
    assert said.not_credited == [StockLine(sku="B", quantity=D(1))]
    assert said.not_yet_invoiced == []
    assert said.customer_id == "C-1"
    assert "not credited (beyond what was shipped): 1 B" in said.detail
    assert copy.plan("RET-1") is not None


def test_a_return_before_billing_knows_the_order_is_kept_and_said() -> None:
    copy = SalesOrder(id="SO-9")
    copy.return_received("RET-1", [StockLine(sku="A", quantity=D(1))], [])
    [said] = copy.collect_events()
    assert isinstance(said, ReturnCredited)
    assert said.customer_id == "unknown"
    assert said.not_credited == [StockLine(sku="A", quantity=D(1))]
    assert said.detail == "not credited (the order's approval is not known): 1 A."


def test_what_an_invoice_has_left_to_credit_counts_back_only_the_return_asked_about() -> None:
    _, first, _ = two_shipments()
    first.credit_items([StockLine(sku="B", quantity=D(1))], reason="r", by="b", at=AT,
                       return_id="RET-1")  # fmt: skip
    first.credit_items([StockLine(sku="B", quantity=D(2))], reason="r", by="b", at=AT,
                       return_id="RET-2")  # fmt: skip
    assert first.creditable() == {"A": D(1), "B": D(1), "C": D(1)}
    assert first.creditable(but_return="RET-1") == {"A": D(1), "B": D(2), "C": D(1)}
    assert first.creditable(but_return="RET-3") == {"A": D(1), "B": D(1), "C": D(1)}


def test_a_refund_against_a_credit_note_is_kept_on_that_note() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    invoice.pay("P-1", invoice.total, "EUR", AT)
    invoice.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="b", at=AT)
    invoice.credit_items([StockLine(sku="B", quantity=D(7))], reason="r", by="b", at=AT)
    first, second = invoice.credit_notes
    with pytest.raises(RefundExceedsCredit):  # the invoice owes more, the note does not
        invoice.refund("R-1", first.total + D("0.01"), "EUR", AT, first.credit_note_id)
    invoice.refund("R-1", first.total, "EUR", AT, first.credit_note_id)
    [refunded] = invoice.collect_events()[-1:]
    assert isinstance(refunded, RefundRecorded)
    assert (refunded.credit_note_id, refunded.amount) == (first.credit_note_id, first.total)
    assert [n.refunded for n in invoice.credit_notes] == [first.total, D(0)]
    assert invoice.money[-1] == Money(
        id="R-1", amount=first.total, at=AT, refund=True, credit_note_id=first.credit_note_id
    )
    assert invoice.balance == -second.total


def test_a_statement_shows_each_currency_and_the_period_to_its_last_instant() -> None:
    _, first, second = two_shipments()
    later = second.model_copy(
        update={"id": "SI-000009", "currency": "USD", "issued_at": AT + timedelta(days=5)}
    )
    accounts = statement([later, first], AT, AT)
    assert [a["currency"] for a in accounts] == ["EUR"]  # USD began after the period
    [eur] = accounts
    assert [e["document_id"] for e in eur["entries"]] == ["SI-000001"]  # at the very start
    assert set(eur) == {"currency", "opening_balance", "entries", "closing_balance"}
    both = statement([later, first], None, None)
    assert [(a["currency"], a["closing_balance"]) for a in both] == [
        ("EUR", first.total),
        ("USD", second.total),
    ]
    entry = both[1]["entries"][0]
    assert {k: entry[k] for k in ("kind", "invoice_id", "order_id", "amount", "balance")} == {
        "kind": "invoice", "invoice_id": "SI-000009", "order_id": "SO-1",
        "amount": second.total, "balance": second.total,
    }  # fmt: skip


def test_allocate_takes_units_back_from_the_last_in_turn() -> None:
    unit = D("0.01")
    assert allocate([D(1), D(1), D(1)], D("2.98"), unit) == [D("1.00"), D("0.99"), D("0.99")]


def test_an_item_named_twice_in_one_credit_counts_what_the_first_took() -> None:
    _, first, _ = two_shipments()
    first.credit_items([StockLine(sku="B", quantity=D(1))], reason="r", by="b", at=AT)
    before = first.model_dump()
    twice = [StockLine(sku="B", quantity=D(2)), StockLine(sku="B", quantity=D(2))]
    with pytest.raises(CreditExceedsInvoice):
        first.credit_items(twice, reason="r", by="b", at=AT)
    assert first.model_dump() == before
    first.credit_items([*twice[:1], StockLine(sku="B", quantity=D(1))], reason="r", by="b", at=AT)
    assert first.creditable()["B"] == D(0)


def test_items_credited_after_an_amount_end_at_each_lines_full_values() -> None:
    _, first, _ = two_shipments()
    first.credit_amount(D("50.00"), reason="goodwill", by="b", at=AT)
    b = next(i for i, line in enumerate(first.lines) if line.sku == "B")
    first.credit_items([StockLine(sku="B", quantity=D(1))], reason="r", by="b", at=AT)
    first.credit_items([StockLine(sku="B", quantity=D(3))], reason="r", by="b", at=AT)
    line, credited = first.lines[b], first.credited[b]
    assert (credited.quantity, credited.net, credited.tax) == (line.quantity, line.net, line.tax)
    assert [t.tax for t in credited.taxes] == [t.tax for t in line.taxes]
    assert all(t.base == credited.net for t in credited.taxes)


def test_a_yen_invoice_counts_whole_yen() -> None:
    approved = quotation_like(currency="JPY", pricing=None, total=D(333))
    lines = [line.model_copy(update={"unit_price": D(37)}) for line in approved.lines]
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL, approved.model_copy(
        update={"lines": lines, "total": D(400)})))  # fmt: skip
    with pytest.raises(InvalidAmount):
        invoice.pay("P-1", D("0.50"), "JPY", AT)
    invoice.credit_items([StockLine(sku="B", quantity=D(1))], reason="r", by="b", at=AT)
    assert invoice.credit_notes[0].total == D(37)  # a seventh of B's 257 yen, in whole yen
    invoice.credit_amount(D(5), reason="r", by="b", at=AT)
    assert all(c.net == c.net.to_integral_value() for c in invoice.credit_notes[1].lines)


def test_a_policy_keeps_who_it_is_for_and_counts_its_revisions() -> None:
    contact = BillingContact(email="ap@c1.example")
    cmd = SetInvoicingPolicy(branch_id="BR-1", customer_id="C-1", policy=InvoicingPolicy.PER_ISSUE,
                             billing_contact=contact, set_by="root")  # fmt: skip
    record = PolicyRecord.set(cmd)
    record.change(cmd.model_copy(update={"policy": InvoicingPolicy.ON_APPROVAL}))
    first, second = record.collect_events()
    assert isinstance(second, InvoicingPolicySet)
    assert (record.id, record.customer_id, record.terms.billing_contact) == (
        "BR-1/C-1",
        "C-1",
        contact,
    )
    assert (second.customer_id, second.billing_contact, second.revision) == ("C-1", contact, 2)
    assert (second.policy, getattr(first, "revision", None)) == ("on_approval", 1)
    assert PolicyRecord.set(cmd.model_copy(update={"customer_id": None})).id == "BR-1"
