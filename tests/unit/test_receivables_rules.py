"""The receivables rules stated exactly: each refusal's reason code and words, the amounts at
each limit (a payment of the whole balance, a refund of the whole credit, a credit of what is
left), every fact an invoice, a credit note and a reminder carry, and the statement's order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.billing.common.dunning import DunningPolicy
from services.billing.receivables.domain import CustomerInvoice, OrderTerms, SalesOrder
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
from services.billing.receivables.domain.lines import invoice_line, line_targets, tax_totals
from services.billing.receivables.domain.orders import Bill
from services.billing.receivables.domain.shares import allocate
from services.billing.receivables.domain.statement import statement
from shared.contracts.common import Discount, DiscountKind, OrderLine, OrderLineInput
from shared.contracts.inventory import LineProgress, StockLine
from shared.contracts.pricing import LineTax, PricingTerms
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerInvoiceLine,
    CustomerInvoiceOverdue,
    CustomerPaymentRecorded,
    InvoicingPolicy,
    RefundRecorded,
    ReturnCredited,
)
from shared.contracts.subscriptions import BillingContact
from shared.domain import DomainError
from shared.pricing import price_document
from tests.unit.test_receivables import (
    AT,
    POLICY,
    RATES,
    invoices_of,
    order,
    quotation_like,
    two_shipments,
)

D = Decimal
EUR = "EUR"


def refused(error: type[DomainError], reason: str, words: str) -> Any:
    """``pytest.raises`` for a refusal with this reason code and exactly these words."""

    class _Check:
        def __enter__(self) -> None:
            self.raises = pytest.raises(error)
            self.info = self.raises.__enter__()

        def __exit__(self, *exc: Any) -> bool:
            handled = self.raises.__exit__(*exc)
            assert self.info.value.reason == reason
            assert str(self.info.value) == words
            return bool(handled)

    return _Check()


def whole_order() -> CustomerInvoice:
    """The quotation-like order invoiced on approval: 187.58 EUR, SI-000001."""
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    invoice.collect_events()
    return invoice


def line(n: int, sku: str, net: str, *taxes: tuple[str, str]) -> CustomerInvoiceLine:
    """An invoice line of quantity 2 with its taxes (code, tax) at 10 %."""
    line_taxes = [
        LineTax(code=code, rate=D(10), version=1, base=D(net), tax=D(tax)) for code, tax in taxes
    ]
    tax = sum((t.tax for t in line_taxes), D(0))
    return CustomerInvoiceLine(
        line=n, sku=sku, quantity=D(2), unit_price=D(net) / 2, amount=D(net),
        line_discount=D(0), document_discount=D(0), net=D(net), taxes=line_taxes, tax=tax,
        total=D(net) + tax,
    )  # fmt: skip


def issued(*lines: CustomerInvoiceLine, currency: str = EUR) -> CustomerInvoice:
    """An invoice of these lines, issued by hand from a bill (no order pricing involved)."""
    copy = SalesOrder(id="SO-7", known=True, customer_id="C-7", branch_id="BR-7",
                      currency=currency)  # fmt: skip
    net = sum((x.net for x in lines), D(0))
    tax = sum((x.tax for x in lines), D(0))
    bill = Bill(key="approval", lines=list(lines), taxes=[], net_total=net, tax_total=tax,
                total=net + tax, final=True)  # fmt: skip
    invoice = CustomerInvoice.issue(number=7, order=copy, bill=bill, at=AT, policy=POLICY)
    invoice.collect_events()
    return invoice


# --- issuing ----------------------------------------------------------------------------------


def test_an_invoice_is_issued_with_every_fact_of_its_bill_and_terms() -> None:
    contact = BillingContact(email="ap@c1.example")
    copy = order(InvoicingPolicy.PER_ISSUE)
    copy.terms = OrderTerms(policy=InvoicingPolicy.PER_ISSUE, payment_terms_days=14,
                            invoice_series="SX", billing_contact=contact)  # fmt: skip
    copy.ship("ISS-1", [StockLine(sku="C", quantity=D(1))])
    [bill] = copy.pending_bills
    invoice = CustomerInvoice.issue(number=1234567, order=copy, bill=bill, at=AT, policy=POLICY)
    assert (invoice.id, invoice.series, invoice.number) == ("SX-1234567", "SX", 1234567)
    assert (invoice.order_id, invoice.bill, invoice.issue_id) == ("SO-1", "issue:ISS-1", "ISS-1")
    assert (invoice.customer_id, invoice.branch_id, invoice.currency) == ("C-1", "BR-1", EUR)
    assert invoice.terms == copy.terms
    assert invoice.billing_contact == contact
    assert (invoice.lines, invoice.taxes) == (bill.lines, bill.taxes)
    assert (invoice.net_total, invoice.tax_total, invoice.total) == (
        D("83.84"), D("2.09"), D("85.93"),
    )  # fmt: skip
    assert invoice.final is False
    assert invoice.prices_include_tax is False
    assert (invoice.issued_at, invoice.due_at) == (AT, AT + timedelta(days=14))
    assert invoice.next_attempt_at == AT + timedelta(days=15)  # the first reminder, a day late
    assert (invoice.status, invoice.balance, invoice.attempts) == ("open", D("85.93"), 0)
    [nothing] = invoice.credited
    assert (nothing.line, nothing.sku, nothing.quantity, nothing.net, nothing.tax) == (
        3, "C", D(0), D(0), D(0),
    )  # fmt: skip
    assert nothing.total == D(0)
    assert [(t.code, t.base, t.tax) for t in nothing.taxes] == [("CITY", D(0), D(0))]
    [event] = invoice.collect_events()
    assert isinstance(event, CustomerInvoiceIssued)
    envelope = {"message_id", "occurred_at", "correlation_id", "causation_id", "schema_version"}
    assert event.model_dump(exclude={*envelope, "lines", "taxes"}) == {
        "invoice_id": "SX-1234567", "series": "SX", "number": 1234567, "order_id": "SO-1",
        "customer_id": "C-1", "branch_id": "BR-1", "status": "open", "currency": EUR,
        "total": D("85.93"), "amount_credited": D(0), "amount_paid": D(0),
        "amount_refunded": D(0), "balance": D("85.93"), "due_at": AT + timedelta(days=14),
        "billing_contact": contact.model_dump(), "policy": "per_issue", "issue_id": "ISS-1",
        "prices_include_tax": False, "net_total": D("83.84"), "tax_total": D("2.09"),
        "payment_terms_days": 14, "issued_at": AT, "final": False,
    }  # fmt: skip
    assert (event.lines, event.taxes) == (bill.lines, bill.taxes)


def test_an_invoice_of_nothing_is_settled_when_issued_and_never_reminded() -> None:
    invoice = issued(line(1, "A", "0.00"))
    assert (invoice.status, invoice.balance, invoice.next_attempt_at) == ("settled", D(0), None)


# --- payments ---------------------------------------------------------------------------------


def test_a_payment_of_the_whole_balance_settles_and_says_every_fact() -> None:
    invoice = whole_order()
    invoice.pay("P-1", D("187.58"), EUR, AT + timedelta(days=1))
    assert (invoice.status, invoice.balance, invoice.next_attempt_at) == ("settled", D(0), None)
    [event] = invoice.collect_events()
    assert isinstance(event, CustomerPaymentRecorded)
    assert (event.payment_id, event.amount, event.received_at) == (
        "P-1", D("187.58"), AT + timedelta(days=1),
    )  # fmt: skip
    assert (event.status, event.amount_paid, event.balance, event.invoice_id) == (
        "settled", D("187.58"), D(0), "SI-000001",
    )  # fmt: skip
    assert invoice.money[0].refund is False
    assert invoice.money[0].credit_note_id is None


def test_a_part_payment_leaves_the_invoice_open_and_reminded() -> None:
    invoice = whole_order()
    invoice.pay("P-1", D("187.57"), EUR, AT)
    assert (invoice.status, invoice.balance) == ("open", D("0.01"))
    assert invoice.next_attempt_at == invoice.due_at + timedelta(days=1)


def test_payment_refusals_say_what_is_wrong_in_words() -> None:
    invoice = whole_order()
    invoice.pay("P-1", D("100.00"), EUR, AT)
    with refused(CurrencyMismatch, "currency_mismatch", "Invoice SI-000001 is in EUR, not USD."):
        invoice.pay("P-1", D("1.001"), "USD", AT)  # the currency is checked first
    with refused(
        InvalidAmount,
        "invalid_amount",
        "amount 1.001 is finer than EUR counts (its minor unit is 0.01).",
    ):
        invoice.pay("P-1", D("1.001"), EUR, AT)  # then the amount, before the id
    with refused(DuplicatePayment, "duplicate_payment", "P-1 is recorded on SI-000001 already."):
        invoice.pay("P-1", D("1.00"), EUR, AT)
    with refused(Overpayment, "overpayment", "87.59 is more than the 87.58 EUR owed on SI-000001."):
        invoice.pay("P-2", D("87.59"), EUR, AT)


def test_a_payment_to_an_invoice_in_credit_says_nothing_is_owed() -> None:
    invoice = whole_order()
    invoice.pay("P-1", invoice.total, EUR, AT)
    invoice.credit_amount(D("10.00"), reason="r", by="b", at=AT)
    assert (invoice.status, invoice.balance, invoice.next_attempt_at) == (
        "in_credit", D("-10.00"), None,
    )  # fmt: skip
    with refused(Overpayment, "overpayment", "0.01 is more than the 0 EUR owed on SI-000001."):
        invoice.pay("P-2", D("0.01"), EUR, AT)


def test_an_amount_in_a_three_decimal_currency_counts_tenths_of_a_cent() -> None:
    invoice = issued(line(1, "A", "10.000"), currency="KWD")
    invoice.pay("P-1", D("0.005"), "KWD", AT)
    with refused(
        InvalidAmount,
        "invalid_amount",
        "amount 0.0005 is finer than KWD counts (its minor unit is 0.001).",
    ):
        invoice.pay("P-2", D("0.0005"), "KWD", AT)


# --- refunds ----------------------------------------------------------------------------------


def in_credit() -> CustomerInvoice:
    """Paid in full, then 85.93 credited (item C) and 12.00 credited (an amount)."""
    invoice = whole_order()
    invoice.pay("P-1", invoice.total, EUR, AT)
    invoice.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="b", at=AT)
    invoice.credit_amount(D("12.00"), reason="r", by="b", at=AT)
    invoice.collect_events()
    return invoice


def test_a_refund_of_the_whole_credit_settles_and_says_every_fact() -> None:
    invoice = in_credit()
    assert invoice.balance == D("-97.93")
    invoice.refund("R-1", D("97.93"), EUR, AT + timedelta(days=2))
    assert (invoice.status, invoice.balance, invoice.amount_refunded) == (
        "settled", D(0), D("97.93"),
    )  # fmt: skip
    [event] = invoice.collect_events()
    assert isinstance(event, RefundRecorded)
    assert (event.refund_id, event.credit_note_id, event.amount, event.paid_at) == (
        "R-1", None, D("97.93"), AT + timedelta(days=2),
    )  # fmt: skip
    assert (event.status, event.amount_refunded, event.balance) == ("settled", D("97.93"), D(0))
    assert [n.refunded for n in invoice.credit_notes] == [D(0), D(0)]


def test_refund_refusals_say_what_is_wrong_in_words() -> None:
    invoice = in_credit()
    with refused(
        RefundExceedsCredit,
        "refund_exceeds_credit",
        "97.94 is more than the 97.93 EUR SI-000001 owes the customer.",
    ):
        invoice.refund("R-1", D("97.94"), EUR, AT)
    with refused(
        RefundExceedsCredit,
        "refund_exceeds_credit",
        "12.01 is more than the 12.00 EUR left of SI-000001-CN2.",
    ):
        invoice.refund("R-1", D("12.01"), EUR, AT, "SI-000001-CN2")
    with refused(
        CreditNoteNotFound, "unknown_credit_note", "SI-000001 has no credit note SI-000001-CN3."
    ):
        invoice.refund("R-1", D("1.00"), EUR, AT, "SI-000001-CN3")
    with refused(CurrencyMismatch, "currency_mismatch", "Invoice SI-000001 is in EUR, not GBP."):
        invoice.refund("R-1", D("1.00"), "GBP", AT)
    with refused(DuplicatePayment, "duplicate_payment", "P-1 is recorded on SI-000001 already."):
        invoice.refund("P-1", D("1.00"), EUR, AT)


def test_an_open_invoice_owes_the_customer_nothing() -> None:
    invoice = whole_order()
    with refused(
        RefundExceedsCredit,
        "refund_exceeds_credit",
        "0.01 is more than the 0 EUR SI-000001 owes the customer.",
    ):
        invoice.refund("R-1", D("0.01"), EUR, AT)


def test_a_refund_against_a_note_takes_what_is_left_of_it_and_only_of_it() -> None:
    invoice = in_credit()
    invoice.refund("R-1", D("2.00"), EUR, AT, "SI-000001-CN2")
    invoice.refund("R-2", D("10.00"), EUR, AT, "SI-000001-CN2")  # exactly what is left
    assert [n.refunded for n in invoice.credit_notes] == [D(0), D("12.00")]
    with refused(
        RefundExceedsCredit,
        "refund_exceeds_credit",
        "0.01 is more than the 0.00 EUR left of SI-000001-CN2.",
    ):
        invoice.refund("R-3", D("0.01"), EUR, AT, "SI-000001-CN2")
    assert (invoice.status, invoice.balance) == ("in_credit", D("-85.93"))
    assert [(m.id, m.refund, m.credit_note_id) for m in invoice.money] == [
        ("P-1", False, None),
        ("R-1", True, "SI-000001-CN2"),
        ("R-2", True, "SI-000001-CN2"),
    ]


# --- credit notes -----------------------------------------------------------------------------


def test_credit_refusals_say_what_is_wrong_in_words() -> None:
    _, first, _ = two_shipments()
    with refused(NotOnInvoice, "not_on_invoice", "SI-000001 carries no Z."):
        first.credit_items([StockLine(sku="Z", quantity=D(1))], reason="r", by="b", at=AT)
    with refused(
        CreditExceedsInvoice,
        "credit_exceeds_invoice",
        "5 B is more than the 4 left to credit on SI-000001.",
    ):
        first.credit_items([StockLine(sku="B", quantity=D(5))], reason="r", by="b", at=AT)
    with refused(
        CreditExceedsInvoice,
        "credit_exceeds_invoice",
        "127.86 is more than the 127.85 EUR left on SI-000001.",
    ):
        first.credit_amount(D("127.86"), reason="r", by="b", at=AT)
    with refused(
        InvalidAmount,
        "invalid_amount",
        "amount 0.005 is finer than EUR counts (its minor unit is 0.01).",
    ):
        first.credit_amount(D("0.005"), reason="r", by="b", at=AT)
    assert first.credit_notes == []


def test_a_credit_note_says_every_fact_and_notes_are_numbered_in_turn() -> None:
    _, first, _ = two_shipments()
    first.collect_events()
    first.credit_items([StockLine(sku="B", quantity=D(2))], reason="damaged", by="bob",
                       at=AT + timedelta(hours=1), return_id="RET-1")  # fmt: skip
    [event] = first.collect_events()
    assert isinstance(event, CreditNoteIssued)
    note = event.credit_note
    assert (note.credit_note_id, note.invoice_id, note.reason, note.return_id) == (
        "SI-000001-CN1", "SI-000001", "damaged", "RET-1",
    )  # fmt: skip
    assert (note.issued_by, note.issued_at, note.refunded) == ("bob", AT + timedelta(hours=1), D(0))
    [b] = note.lines  # only the line credited: A and C are not on the note
    assert (b.line, b.sku, b.quantity, b.net, b.tax, b.total) == (
        2, "B", D(2), D("8.10"), D("1.54"), D("9.64"),  # 16.21 x 2/4: 8.105, half to even
    )  # fmt: skip
    assert [(t.code, t.base, t.tax) for t in b.taxes] == [("VAT", D("8.10"), D("1.54"))]
    assert [(t.code, t.rate, t.version, t.base, t.tax) for t in note.taxes] == [
        ("VAT", D(19), 2, D("8.10"), D("1.54"))
    ]
    assert (note.net_total, note.tax_total, note.total) == (D("8.10"), D("1.54"), D("9.64"))
    assert (event.amount_credited, event.balance, event.status) == (
        D("9.64"), D("118.21"), "open",
    )  # fmt: skip
    first.credit_amount(D("1.00"), reason="goodwill", by="eve", at=AT)
    assert [n.credit_note_id for n in first.credit_notes] == ["SI-000001-CN1", "SI-000001-CN2"]
    assert first.credit_notes[1].return_id is None
    assert first.amount_credited == D("10.64")


def test_a_credit_of_everything_left_is_allowed_and_settles_an_unpaid_invoice() -> None:
    invoice = whole_order()
    invoice.credit_amount(D("87.58"), reason="r", by="b", at=AT)
    invoice.credit_amount(D("100.00"), reason="r", by="b", at=AT)  # exactly what is left
    assert (invoice.status, invoice.balance, invoice.next_attempt_at) == ("settled", D(0), None)
    with refused(
        CreditExceedsInvoice,
        "credit_exceeds_invoice",
        "0.01 is more than the 0.00 EUR left on SI-000001.",
    ):
        invoice.credit_amount(D("0.01"), reason="r", by="b", at=AT)


def test_an_amount_is_shared_over_each_lines_net_and_tax_in_proportion() -> None:
    # Left: A 60.00 + 6.00 VAT + 3.00 CITY, B 30.00 + 1.00 VAT: 100.00 in all.
    invoice = issued(line(1, "A", "60.00", ("VAT", "6.00"), ("CITY", "3.00")),
                     line(2, "B", "30.00", ("VAT", "1.00")))  # fmt: skip
    invoice.credit_amount(D("10.00"), reason="r", by="b", at=AT)
    a, b = invoice.credit_notes[0].lines
    assert (a.quantity, a.net, a.tax, a.total) == (D(0), D("6.00"), D("0.90"), D("6.90"))
    assert [(t.code, t.base, t.tax) for t in a.taxes] == [
        ("VAT", D("6.00"), D("0.60")),
        ("CITY", D("6.00"), D("0.30")),
    ]
    assert (b.net, b.tax, b.total) == (D("3.00"), D("0.10"), D("3.10"))
    # Of what is left now (90.00), 45.00: half of each part.
    invoice.credit_amount(D("45.00"), reason="r", by="b", at=AT)
    a, b = invoice.credit_notes[1].lines
    assert (a.net, [t.tax for t in a.taxes], b.net, b.tax) == (
        D("27.00"), [D("2.70"), D("1.35")], D("13.50"), D("0.45"),
    )  # fmt: skip
    assert invoice.credited[0].net == D("33.00")
    assert [(t.base, t.tax) for t in invoice.credited[0].taxes] == [
        (D("33.00"), D("3.30")),
        (D("33.00"), D("1.65")),
    ]
    assert (invoice.credited[1].net, invoice.credited[1].tax, invoice.credited[1].total) == (
        D("16.50"), D("0.55"), D("17.05"),
    )  # fmt: skip


def test_a_credit_of_items_takes_each_line_of_the_item_in_turn() -> None:
    # The same item on two lines: the first line's room is used up before the second's.
    invoice = issued(line(1, "A", "10.00", ("VAT", "1.00")), line(2, "A", "30.00"),
                     line(3, "B", "5.00"))  # fmt: skip
    assert invoice.creditable() == {"A": D(4), "B": D(2)}
    invoice.credit_items([StockLine(sku="A", quantity=D(3))], reason="r", by="b", at=AT)
    first, second = invoice.credit_notes[0].lines
    assert (first.line, first.quantity, first.net, first.tax) == (1, D(2), D("10.00"), D("1.00"))
    assert (second.line, second.quantity, second.net, second.total) == (
        2, D(1), D("15.00"), D("15.00"),
    )  # fmt: skip
    assert invoice.creditable() == {"A": D(1), "B": D(2)}
    with refused(
        CreditExceedsInvoice,
        "credit_exceeds_invoice",
        "2 A is more than the 1 left to credit on SI-000007.",
    ):
        invoice.credit_items([StockLine(sku="A", quantity=D(2))], reason="r", by="b", at=AT)
    invoice.credit_items([StockLine(sku="A", quantity=D(1))], reason="r", by="b", at=AT)
    assert invoice.creditable() == {"A": D(0), "B": D(2)}
    assert [x.net for x in invoice.credited] == [D("10.00"), D("30.00"), D(0)]


def test_a_credit_of_part_of_a_line_takes_its_share_and_the_last_takes_the_rest() -> None:
    # 2 of a line of 10.01 net and 1.01 VAT: the first unit takes 5.00 and 0.50 (half, to
    # even), the second what is left.
    invoice = issued(line(1, "A", "10.01", ("VAT", "1.01")))
    invoice.credit_items([StockLine(sku="A", quantity=D(1))], reason="r", by="b", at=AT)
    invoice.credit_items([StockLine(sku="A", quantity=D(1))], reason="r", by="b", at=AT)
    one, two = (n.lines[0] for n in invoice.credit_notes)
    assert (one.net, one.tax, one.total) == (D("5.00"), D("0.50"), D("5.50"))
    assert [(t.base, t.tax) for t in one.taxes] == [(D("5.00"), D("0.50"))]
    assert (two.net, two.tax, two.total) == (D("5.01"), D("0.51"), D("5.52"))
    assert invoice.credited[0].total == D("11.02")
    assert invoice.status == "settled"


def test_a_credit_of_items_after_an_amount_never_takes_more_than_is_left() -> None:
    # 6.00 of A's 10.00 net was credited as an amount: one of its two units, which would take
    # 5.00, takes only the 4.00 left.
    invoice = issued(line(1, "A", "10.00"))
    invoice.credit_amount(D("6.00"), reason="r", by="b", at=AT)
    invoice.credit_items([StockLine(sku="A", quantity=D(1))], reason="r", by="b", at=AT)
    assert invoice.credit_notes[1].lines[0].net == D("4.00")
    assert invoice.credit_notes[1].total == D("4.00")
    invoice.credit_items([StockLine(sku="A", quantity=D(1))], reason="r", by="b", at=AT)
    last = invoice.credit_notes[2]
    assert (last.lines[0].quantity, last.lines[0].net, last.total) == (D(1), D(0), D(0))
    assert invoice.creditable() == {"A": D(0)}


# --- reminders --------------------------------------------------------------------------------


def test_a_reminder_is_due_at_its_very_instant_and_says_what_comes_next() -> None:
    invoice = whole_order()
    policy = DunningPolicy((2, 5))
    due = invoice.due_at
    assert invoice.is_overdue(due + timedelta(days=1))
    assert not invoice.is_overdue(due + timedelta(days=1) - timedelta(microseconds=1))
    invoice.next_attempt_at = due + timedelta(days=2)
    invoice.remind(due + timedelta(days=2) - timedelta(microseconds=1), policy)
    assert (invoice.attempts, invoice.collect_events()) == (0, [])
    invoice.remind(due + timedelta(days=2), policy)
    [event] = invoice.collect_events()
    assert isinstance(event, CustomerInvoiceOverdue)
    assert (event.attempt, event.attempts, event.next_attempt_at) == (
        1, 2, due + timedelta(days=5),
    )  # fmt: skip
    assert (event.invoice_id, event.status, event.balance) == ("SI-000001", "open", D("187.58"))
    assert (invoice.attempts, invoice.next_attempt_at) == (1, due + timedelta(days=5))
    invoice.remind(due + timedelta(days=5), policy)
    [last] = invoice.collect_events()
    assert isinstance(last, CustomerInvoiceOverdue)
    assert (last.attempt, last.attempts, last.next_attempt_at) == (2, 2, None)
    assert not invoice.is_overdue(due + timedelta(days=99))


def test_an_invoice_in_credit_is_not_reminded_even_when_a_reminder_was_due() -> None:
    invoice = whole_order()
    invoice.status = invoice.status.__class__("in_credit")
    assert not invoice.is_overdue(invoice.due_at + timedelta(days=99))


# --- an order's bills -------------------------------------------------------------------------


def untaxed(policy: InvoicingPolicy) -> SalesOrder:
    """3 A at 19.99, 7 B at 4.35, 1 C at 100.00, no pricing: 190.42 EUR untaxed."""
    return order(policy, quotation_like(pricing=None, total=D("190.42")))


def test_an_order_is_learnt_once_with_its_party_currency_and_terms() -> None:
    copy = untaxed(InvoicingPolicy.PER_ISSUE)
    assert (copy.known, copy.customer_id, copy.branch_id, copy.currency) == (
        True, "C-1", "BR-1", EUR,
    )  # fmt: skip
    assert copy.terms == OrderTerms(policy=InvoicingPolicy.PER_ISSUE, payment_terms_days=30)
    assert copy.prices_include_tax is False
    assert (copy.invoiced, copy.not_to_invoice) == ([D(0)] * 3, [D(0)] * 3)
    copy.approve(quotation_like(party_id="C-2", currency="USD"), OrderTerms())
    assert (copy.customer_id, copy.currency, copy.terms.policy) == ("C-1", EUR, "per_issue")
    assert [(t.line, t.sku, t.net) for t in copy.targets] == [
        (1, "A", D("59.97")), (2, "B", D("30.45")), (3, "C", D("100.00")),
    ]  # fmt: skip
    assert copy.bills == []


def test_prices_with_tax_included_are_remembered() -> None:
    approved = quotation_like()
    assert approved.pricing is not None
    pricing = approved.pricing.model_copy(update={"prices_include_tax": True})
    copy = order(InvoicingPolicy.ON_APPROVAL, approved.model_copy(update={"pricing": pricing}))
    assert copy.prices_include_tax is True
    [invoice] = invoices_of(copy)
    assert invoice.prices_include_tax is True
    [event] = invoice.collect_events()
    assert isinstance(event, CustomerInvoiceIssued)
    assert event.prices_include_tax is True


def test_on_approval_one_bill_of_everything_and_nothing_more() -> None:
    copy = untaxed(InvoicingPolicy.ON_APPROVAL)
    [bill] = copy.bills
    assert (bill.key, bill.issue_id, bill.final, bill.invoice_id) == ("approval", None, True, None)
    assert [(x.line, x.quantity, x.net) for x in bill.lines] == [
        (1, D(3), D("59.97")), (2, D(7), D("30.45")), (3, D(1), D("100.00")),
    ]  # fmt: skip
    assert (bill.net_total, bill.tax_total, bill.total, bill.taxes) == (
        D("190.42"), D(0), D("190.42"), [],
    )  # fmt: skip
    assert copy.invoiced == [D(3), D(7), D(1)]
    assert copy.pending is True
    copy.invoice_stored("issue:ISS-9", "SI-000009")  # another bill's key: this one still waits
    assert (copy.pending, copy.pending_bills) == (True, [bill])
    copy.invoice_stored("approval", "SI-000001")
    assert (copy.pending, copy.pending_bills, copy.bills[0].invoice_id) == (False, [], "SI-000001")
    copy.ship("ISS-1", [StockLine(sku="A", quantity=D(3))])
    copy.complete([LineProgress(sku="A", ordered=D(3), fulfilled=D(3))])
    assert len(copy.bills) == 1


def test_per_issue_bills_each_shipment_up_to_what_is_left_and_the_last_is_final() -> None:
    copy = untaxed(InvoicingPolicy.PER_ISSUE)
    copy.ship("ISS-1", [StockLine(sku="A", quantity=D(2)), StockLine(sku="Z", quantity=D(5))])
    [first] = copy.bills
    assert (first.key, first.issue_id, first.final) == ("issue:ISS-1", "ISS-1", False)
    assert [(x.sku, x.quantity, x.net) for x in first.lines] == [("A", D(2), D("39.98"))]
    copy.ship("ISS-2", [StockLine(sku="Z", quantity=D(1))])  # nothing of the order: no bill
    assert len(copy.bills) == 1
    assert copy.invoiced == [D(2), D(0), D(0)]
    copy.ship("ISS-3", [StockLine(sku="A", quantity=D(5)), StockLine(sku="B", quantity=D(7))])
    third = copy.bills[-1]
    assert [(x.sku, x.quantity, x.net) for x in third.lines] == [
        ("A", D(1), D("19.99")), ("B", D(7), D("30.45")),
    ]  # fmt: skip
    assert third.final is False  # C is still to invoice
    copy.ship("ISS-4", [StockLine(sku="C", quantity=D(1))])
    assert copy.bills[-1].final is True
    assert copy.invoiced == [D(3), D(7), D(1)]


def test_on_completion_bills_what_was_fulfilled_once_the_order_is_complete() -> None:
    copy = untaxed(InvoicingPolicy.ON_COMPLETION)
    copy.ship("ISS-1", [StockLine(sku="A", quantity=D(3))])
    assert copy.bills == []
    copy.complete([])
    assert copy.bills == []  # completed with nothing fulfilled: nothing to bill
    copy = untaxed(InvoicingPolicy.ON_COMPLETION)
    copy.complete([LineProgress(sku="A", ordered=D(3), fulfilled=D(5)),
                   LineProgress(sku="B", ordered=D(7), fulfilled=D(0)),
                   LineProgress(sku="C", ordered=D(1), fulfilled=D(1))])  # fmt: skip
    [bill] = copy.bills
    assert (bill.key, bill.issue_id, bill.final) == ("completion", None, True)
    assert [(x.sku, x.quantity) for x in bill.lines] == [("A", D(3)), ("C", D(1))]
    copy.complete([LineProgress(sku="B", ordered=D(7), fulfilled=D(7))])  # told again: ignored
    assert len(copy.bills) == 1
    assert copy.invoiced == [D(3), D(0), D(1)]


def test_a_return_says_in_one_sentence_what_was_credited_taken_off_and_not_credited() -> None:
    copy = untaxed(InvoicingPolicy.PER_ISSUE)
    copy.ship("ISS-1", [StockLine(sku="A", quantity=D(2)), StockLine(sku="B", quantity=D(2))])
    [invoice] = invoices_of(copy)
    # Shipped and not invoiced (billing has not heard of the invoice yet): 1 C.
    copy.shipments = [*copy.shipments, copy.shipments[0].model_copy(
        update={"issue_id": "ISS-2", "lines": [StockLine(sku="C", quantity=D(1))]})]  # fmt: skip
    lines = [StockLine(sku="A", quantity=D(1)), StockLine(sku="B", quantity=D(3)),
             StockLine(sku="C", quantity=D(2))]  # fmt: skip
    copy.return_received("RET-1", lines, [(invoice.id, invoice.creditable())])
    [said] = copy.collect_events()
    assert isinstance(said, ReturnCredited)
    assert (said.order_id, said.return_id, said.customer_id) == ("SO-1", "RET-1", "C-1")
    assert said.detail == (
        "credited on SI-000001: 1 A, 2 B; "
        "not invoiced yet, taken off what is still to invoice: 1 C; "
        "not credited (beyond what was shipped): 1 B, 1 C."
    )
    assert said.not_yet_invoiced == [StockLine(sku="C", quantity=D(1))]
    assert copy.not_to_invoice == [D(0), D(0), D(1)]
    plan = copy.plan("RET-1")
    assert plan is not None
    assert [(c.invoice_id, c.lines) for c in plan.credits] == [
        ("SI-000001", [StockLine(sku="A", quantity=D(1)), StockLine(sku="B", quantity=D(2))])
    ]
    assert copy.plan("RET-2") is None
    # What was taken off is not invoiced when its shipment is billed.
    copy.ship("ISS-3", [StockLine(sku="C", quantity=D(1))])
    assert len(copy.bills) == 1


def test_a_return_of_nothing_invoiced_or_shipped_says_only_that() -> None:
    copy = untaxed(InvoicingPolicy.PER_ISSUE)
    copy.return_received("RET-1", [StockLine(sku="B", quantity=D(2))], [])
    [said] = copy.collect_events()
    assert isinstance(said, ReturnCredited)
    assert said.detail == "not credited (beyond what was shipped): 2 B."
    assert (said.credits, said.not_yet_invoiced) == ([], [])
    assert copy.not_to_invoice == [D(0), D(0), D(0)]


# --- an order's lines in whole cents ----------------------------------------------------------


def test_with_tax_included_each_lines_gross_is_kept_and_its_net_is_what_tax_leaves() -> None:
    approved = quotation_like()
    inputs = [OrderLineInput(**x.model_dump()) for x in approved.lines]
    terms = PricingTerms(prices_include_tax=True,
                         discount=Discount(kind=DiscountKind.AMOUNT, value=D("12.34")))  # fmt: skip
    pricing = price_document(inputs, terms, RATES, currency=EUR)  # type: ignore[arg-type]
    assert (pricing.net_total, pricing.grand_total) == (D("151.62"), D("168.08"))
    targets = line_targets(approved.model_copy(update={"pricing": pricing}))
    assert [(t.amount, t.line_discount, t.document_discount, t.net) for t in targets] == [
        (D("59.97"), D("0.00"), D("4.10"), D("45.98")),  # gross 55.87 less 8.74 and 1.15
        (D("30.45"), D("0.00"), D("2.08"), D("23.84")),  # gross 28.37 less 4.53
        (D("100.00"), D("10.00"), D("6.16"), D("81.80")),  # gross 83.84 less 2.04
    ]
    assert [[x.tax for x in t.taxes] for t in targets] == [
        [D("8.74"), D("1.15")], [D("4.53")], [D("2.04")],
    ]  # fmt: skip
    assert [t.tax for t in targets] == [D("9.89"), D("4.53"), D("2.04")]


def test_a_priced_line_beyond_the_orders_lines_has_no_description() -> None:
    approved = quotation_like()
    described = [x.model_copy(update={"description": f"Item {x.sku}"}) for x in approved.lines]
    targets = line_targets(approved.model_copy(update={"lines": described[:2]}))
    assert [(t.line, t.sku, t.description) for t in targets] == [
        (1, "A", "Item A"), (2, "B", "Item B"), (3, "C", None),
    ]  # fmt: skip


def test_an_unpriced_order_keeps_its_lines_descriptions_and_prices() -> None:
    approved = quotation_like(pricing=None, total=D("190.42"))
    described = [x.model_copy(update={"description": f"Item {x.sku}"}) for x in approved.lines]
    targets = line_targets(approved.model_copy(update={"lines": described}))
    assert [
        (t.line, t.description, t.quantity, t.unit_price, t.amount, t.net) for t in targets
    ] == [
        (1, "Item A", D(3), D("19.99"), D("59.97"), D("59.97")),
        (2, "Item B", D(7), D("4.35"), D("30.45"), D("30.45")),
        (3, "Item C", D(1), D("100.00"), D("100.00"), D("100.00")),
    ]
    assert all(
        (t.line_discount, t.document_discount, len(t.taxes)) == (D(0), D(0), 0) for t in targets
    )


def test_part_of_a_line_takes_its_share_of_every_value() -> None:
    [_, _, c] = line_targets(quotation_like())
    part = invoice_line(c, D(0), D("0.5"), D("0.01"))  # half of C: 100.00, 10.00, 6.16, 83.84
    assert (part.line, part.sku, part.quantity, part.unit_price) == (3, "C", D("0.5"), D("100.00"))
    assert (part.amount, part.line_discount, part.document_discount, part.net) == (
        D("50.00"), D("5.00"), D("3.08"), D("41.92"),
    )  # fmt: skip
    assert [(t.code, t.base, t.tax) for t in part.taxes] == [("CITY", D("41.92"), D("1.04"))]
    assert (part.tax, part.total) == (D("1.04"), D("42.96"))
    rest = invoice_line(c, D("0.5"), D("0.5"), D("0.01"))
    assert (rest.amount, rest.document_discount, rest.net, rest.tax) == (
        D("50.00"), D("3.08"), D("41.92"), D("1.05"),
    )  # fmt: skip


def test_tax_totals_are_per_code_in_code_order_with_the_nets_taxed_as_base() -> None:
    lines = [line(1, "A", "10.00", ("VAT", "1.00"), ("CITY", "0.25")),
             line(2, "B", "20.00", ("VAT", "2.00")), line(3, "C", "5.00")]  # fmt: skip
    assert [(t.code, t.rate, t.version, t.base, t.tax) for t in tax_totals(lines)] == [
        ("CITY", D(10), 1, D("10.00"), D("0.25")),
        ("VAT", D(10), 1, D("30.00"), D("3.00")),
    ]
    assert tax_totals([]) == []


# --- statement --------------------------------------------------------------------------------


def test_a_statement_orders_one_instant_by_kind_then_document() -> None:
    a = issued(line(1, "A", "10.00"))
    b = a.model_copy(update={"id": "SI-000006"})
    a.pay("P-1", D("10.00"), EUR, AT)
    a.credit_amount(D("4.00"), reason="r", by="b", at=AT)
    a.refund("R-1", D("4.00"), EUR, AT)
    [account] = statement([a, b], None, None)
    assert [
        (e["kind"], e["document_id"], e["amount"], e["balance"]) for e in account["entries"]
    ] == [
        ("invoice", "SI-000006", D("10.00"), D("10.00")),
        ("invoice", "SI-000007", D("10.00"), D("20.00")),
        ("credit_note", "SI-000007-CN1", D("-4.00"), D("16.00")),
        ("payment", "P-1", D("-10.00"), D("6.00")),
        ("refund", "R-1", D("4.00"), D("10.00")),
    ]
    assert (account["opening_balance"], account["closing_balance"]) == (D(0), D("10.00"))
    facts = {(e["invoice_id"], e["order_id"], e["currency"], e["at"]) for e in account["entries"]}
    assert facts == {("SI-000006", "SO-7", EUR, AT), ("SI-000007", "SO-7", EUR, AT)}


def test_a_statement_period_counts_before_its_start_and_ends_at_its_end() -> None:
    a = issued(line(1, "A", "10.00"))
    a.pay("P-1", D("3.00"), EUR, AT + timedelta(days=1))
    a.pay("P-2", D("2.00"), EUR, AT + timedelta(days=2))
    a.pay("P-3", D("1.00"), EUR, AT + timedelta(days=3))
    [account] = statement([a], AT + timedelta(days=1, microseconds=1), AT + timedelta(days=2))
    assert account["opening_balance"] == D("7.00")
    assert [(e["document_id"], e["balance"]) for e in account["entries"]] == [("P-2", D("5.00"))]
    assert account["closing_balance"] == D("5.00")
    assert statement([a], None, AT - timedelta(microseconds=1)) == []


def test_a_credit_never_takes_more_than_the_invoice_has_left_even_if_its_lines_do() -> None:
    invoice = issued(line(1, "A", "10.00"))
    invoice.total = D("9.50")  # lines adding up to more than the total: the total is the limit
    with refused(
        CreditExceedsInvoice,
        "credit_exceeds_invoice",
        "10.00 is more than the 9.50 EUR left on SI-000007.",
    ):
        invoice.credit_items([StockLine(sku="A", quantity=D(2))], reason="r", by="b", at=AT)
    invoice.credit_amount(D("1.00"), reason="r", by="b", at=AT)
    with refused(
        CreditExceedsInvoice,
        "credit_exceeds_invoice",
        "9.00 is more than the 8.50 EUR left on SI-000007.",
    ):
        invoice.credit_items([StockLine(sku="A", quantity=D(2))], reason="r", by="b", at=AT)


# --- the same item on two lines, shipped and returned in parts --------------------------------


def twice_a(policy: InvoicingPolicy = InvoicingPolicy.PER_ISSUE) -> SalesOrder:
    """2 A at 10.00 on line 1, 2 A at 12.00 on line 2, 1 B at 5.00: 49.00 EUR untaxed."""
    lines = [
        OrderLine(sku="A", quantity=D(2), unit_price=D("10.00")),
        OrderLine(sku="A", quantity=D(2), unit_price=D("12.00")),
        OrderLine(sku="B", quantity=D(1), unit_price=D("5.00")),
    ]
    return order(policy, quotation_like(pricing=None, lines=lines, total=D("49.00")))


def test_a_shipment_fills_the_lines_of_an_item_in_turn() -> None:
    copy = twice_a()
    copy.ship("ISS-1", [StockLine(sku="A", quantity=D(1)), StockLine(sku="A", quantity=D(2))])
    [bill] = copy.bills
    assert [(x.line, x.quantity, x.net) for x in bill.lines] == [
        (1, D(2), D("20.00")), (2, D(1), D("12.00")),
    ]  # fmt: skip
    assert copy.invoiced == [D(2), D(1), D(0)]
    copy.ship("ISS-2", [StockLine(sku="A", quantity=D(2)), StockLine(sku="A", quantity=D(2))])
    assert [(x.line, x.quantity) for x in copy.bills[-1].lines] == [(2, D(1))]
    assert copy.invoiced == [D(2), D(2), D(0)]


def test_a_return_of_shipped_goods_not_invoiced_takes_them_off_line_by_line() -> None:
    copy = twice_a(InvoicingPolicy.ON_COMPLETION)
    copy.ship("ISS-1", [StockLine(sku="A", quantity=D(4)), StockLine(sku="B", quantity=D(1))])
    copy.return_received("RET-1", [StockLine(sku="A", quantity=D(3))], [])
    assert copy.not_to_invoice == [D(2), D(1), D(0)]
    copy.return_received("RET-2", [StockLine(sku="A", quantity=D(2))], [])
    assert copy.not_to_invoice == [D(2), D(2), D(0)]
    copy.return_received("RET-3", [StockLine(sku="B", quantity=D(1))], [])
    first, second, third = copy.collect_events()
    assert isinstance(first, ReturnCredited)
    assert first.detail == "not invoiced yet, taken off what is still to invoice: 3 A."
    assert isinstance(second, ReturnCredited)
    assert second.detail == (
        "not invoiced yet, taken off what is still to invoice: 1 A; "
        "not credited (beyond what was shipped): 1 A."
    )
    assert isinstance(third, ReturnCredited)
    assert (third.not_yet_invoiced, third.not_credited) == ([StockLine(sku="B", quantity=D(1))], [])
    copy.complete([LineProgress(sku="A", ordered=D(4), fulfilled=D(4)),
                   LineProgress(sku="B", ordered=D(1), fulfilled=D(1))])  # fmt: skip
    assert copy.bills == []  # everything fulfilled was returned before it was invoiced


# --- whole yen --------------------------------------------------------------------------------


def test_an_order_in_yen_is_split_and_shared_in_whole_yen() -> None:
    approved = quotation_like(currency="JPY", pricing=None, total=D(190))
    assert [t.net for t in line_targets(approved)] == [D(60), D(30), D(100)]  # 59.97, 30.45
    copy = order(InvoicingPolicy.PER_ISSUE, approved)
    copy.ship("ISS-1", [StockLine(sku="B", quantity=D(1))])
    [bill] = copy.bills
    assert (bill.lines[0].net, bill.total) == (D(4), D(4))  # 30 yen x 1/7


def test_a_tie_of_remainders_gives_the_unit_to_the_earlier_value() -> None:
    # Each rounded down first (0.04 and 0.01), not to even (0.04 and 0.02).
    unit = D("0.01")
    assert allocate([D("0.045"), D("0.015")], D("0.06"), unit) == [D("0.05"), D("0.01")]
