"""The receivables' and payables' documents in the ledger, exactly: a sales order priced with
two tax rates and a document discount invoiced in two shipments posts its revenue and each
tax rate to the cent; a credit note for one line of three gives back its net and its tax; a
payment and a refund move cash; an approved supplier bill clears GRNI at the order's price with
its price variance (either way) and input tax; a vendor payment pays the payable."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from services.billing.ledger.domain import translators
from services.billing.ledger.domain.chart import Chart
from services.billing.ledger.domain.facts import Fact, Share, Side, Split
from services.billing.ledger.domain.posting import LedgerDocument, PostingStatus
from shared.contracts.inventory import StockLine
from shared.contracts.ledger import (
    AccountRole,
    DefineChartOfAccounts,
    DocumentKind,
    JournalEntryPosted,
    PostingHeld,
)
from shared.contracts.payables import (
    BillApproved,
    BillLine,
    BillStatus,
    HowApproved,
    VendorPaymentRecorded,
)
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerPaymentRecorded,
    RefundRecorded,
)
from tests.unit.test_receivables import AT, two_shipments

D = Decimal
R = AccountRole
ACCOUNTS = {
    "receivable": "1200",
    "revenue": "4000",
    "cash": "1000",
    "goods_received_not_invoiced": "2150",
    "payable": "2000",
    "price_variance": "5200",
    "input_tax": "1570",
}
TAX_PAYABLE = {"VAT": "2219", "CITY": "2290"}
Row = tuple[str, str, str | None, Decimal, Decimal]


def chart(**overrides: Any) -> Chart:
    terms: dict[str, Any] = {
        "accounts": ACCOUNTS,
        "tax_payable": TAX_PAYABLE,
        "defined_by": "root",
        **overrides,
    }
    defined = Chart.empty()
    defined.define(DefineChartOfAccounts(**terms))
    defined.collect_events()
    return defined


def post(fact: Fact, with_chart: Chart | None = None) -> JournalEntryPosted | PostingHeld:
    document = LedgerDocument.of(fact, AT)
    document.post(with_chart or chart(), None, AT)
    [event] = document.collect_events()
    assert isinstance(event, JournalEntryPosted | PostingHeld)
    if isinstance(event, JournalEntryPosted):
        assert document.status is PostingStatus.POSTED
        assert sum(line.debit for line in event.lines) == sum(line.credit for line in event.lines)
    return event


def rows(event: JournalEntryPosted | PostingHeld) -> list[Row]:
    assert isinstance(event, JournalEntryPosted)
    return [(ln.account, ln.role, ln.tax_code, ln.debit, ln.credit) for ln in event.lines]


def issued() -> tuple[CustomerInvoiceIssued, CustomerInvoiceIssued, Any]:
    copy, first, second = two_shipments()
    [one] = first.collect_events()
    [two] = second.collect_events()
    assert isinstance(one, CustomerInvoiceIssued)
    assert isinstance(two, CustomerInvoiceIssued)
    return one, two, (copy, first)


# --- receivables -----------------------------------------------------------------------------


def test_two_partial_invoices_post_the_orders_revenue_and_each_tax_rate_to_the_cent() -> None:
    one, two, _ = issued()
    first, second = (
        translators.customer_invoice_issued(one),
        translators.customer_invoice_issued(two),
    )
    assert (first.kind, first.document_id, first.order_id, first.party_id) == (
        DocumentKind.CUSTOMER_INVOICE,
        "SI-000001",
        "SO-1",
        "C-1",
    )
    assert first.reference == "ISS-1"
    assert first.date == one.issued_at
    a, b = rows(post(first)), rows(post(second))
    # 118.67 + 49.41 = 168.08; CITY 2.56 + 0.93 = 3.49; VAT 6.62 + 9.39 = 16.01
    assert a == [
        ("1200", "receivable", None, D("127.85"), D(0)),
        ("4000", "revenue", None, D(0), D("118.67")),
        ("2290", "tax_payable", "CITY", D(0), D("2.56")),
        ("2219", "tax_payable", "VAT", D(0), D("6.62")),
    ]
    assert b == [
        ("1200", "receivable", None, D("59.73"), D(0)),
        ("4000", "revenue", None, D(0), D("49.41")),
        ("2290", "tax_payable", "CITY", D(0), D("0.93")),
        ("2219", "tax_payable", "VAT", D(0), D("9.39")),
    ]

    def total(role: str, code: str | None = None) -> Decimal:
        return sum(
            (cr - dr for _, r, c, dr, cr in a + b if r == role and (code is None or c == code)),
            D(0),
        )

    # The order: net 168.08, VAT 16.01, CITY 3.49, grand total 187.58.
    assert total("revenue") == D("168.08")
    assert total("tax_payable", "VAT") == D("16.01")
    assert total("tax_payable", "CITY") == D("3.49")
    assert -total("receivable") == D("187.58")


def test_revenue_goes_per_item_group_and_tax_code_and_still_balances() -> None:
    one, _, _ = issued()
    mapped = chart(
        revenue_by_item_group={"goods": "4100"},
        item_groups={"A": "goods"},
        revenue_by_tax_code={"CITY": "4200"},
    )
    lines = rows(post(translators.customer_invoice_issued(one), mapped))
    revenue = {acc: cr for acc, role, _, _, cr in lines if role == "revenue"}
    nets = {line.sku: line.net for line in one.lines}
    # A to its group; C (CITY only) by its tax code; B (VAT only) to the default account.
    assert revenue == {"4100": nets["A"], "4200": nets["C"], "4000": nets["B"]}


def test_a_credit_note_for_one_line_of_three_gives_back_its_net_and_its_tax() -> None:
    _, _, (_, first) = issued()
    first.collect_events()
    first.credit_items([StockLine(sku="C", quantity=D(1))], reason="damaged", by="bob", at=AT)
    [event] = first.collect_events()
    assert isinstance(event, CreditNoteIssued)
    fact = translators.credit_note_issued(event)
    assert (fact.kind, fact.document_id, fact.reference) == (
        DocumentKind.CREDIT_NOTE,
        "SI-000001-CN1",
        "SI-000001",
    )
    # Without a sales_returns account: given back on the line's revenue account.
    assert rows(post(fact)) == [
        ("4000", "sales_returns", None, D("83.84"), D(0)),
        ("2290", "tax_payable", "CITY", D("2.09"), D(0)),
        ("1200", "receivable", None, D(0), D("85.93")),
    ]
    own = chart(accounts={**ACCOUNTS, "sales_returns": "4900"})
    assert rows(post(fact, own))[0] == ("4900", "sales_returns", None, D("83.84"), D(0))
    grouped = chart(revenue_by_tax_code={"CITY": "4200"})
    assert rows(post(fact, grouped))[0] == ("4200", "sales_returns", "CITY", D("83.84"), D(0))


def test_a_credit_note_without_any_revenue_rule_is_held_naming_sales_returns() -> None:
    _, _, (_, first) = issued()
    first.collect_events()
    first.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="bob", at=AT)
    [event] = first.collect_events()
    assert isinstance(event, CreditNoteIssued)
    accounts = {k: v for k, v in ACCOUNTS.items() if k != "revenue"}
    held = post(translators.credit_note_issued(event), chart(accounts=accounts))
    assert isinstance(held, PostingHeld)
    assert held.missing == ["accounts.sales_returns"]


def test_a_payment_and_a_refund_move_cash_against_the_receivable() -> None:
    one, _, (_, first) = issued()
    first.pay("P-1", D("127.85"), "EUR", AT)
    first.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="bob", at=AT)
    first.refund("R-1", D("85.93"), "EUR", AT, "SI-000001-CN1")
    events = first.collect_events()
    paid = next(e for e in events if isinstance(e, CustomerPaymentRecorded))
    refund = next(e for e in events if isinstance(e, RefundRecorded))
    pay_fact = translators.customer_payment_recorded(paid)
    assert (pay_fact.kind, pay_fact.document_id, pay_fact.reference) == (
        DocumentKind.CUSTOMER_PAYMENT,
        "SI-000001/P-1",
        "SI-000001",
    )
    assert rows(post(pay_fact)) == [
        ("1000", "cash", None, D("127.85"), D(0)),
        ("1200", "receivable", None, D(0), D("127.85")),
    ]
    refund_fact = translators.refund_recorded(refund)
    assert (refund_fact.kind, refund_fact.document_id, refund_fact.reference) == (
        DocumentKind.REFUND,
        "SI-000001/R-1",
        "SI-000001-CN1",
    )
    assert rows(post(refund_fact)) == [
        ("1200", "receivable", None, D("85.93"), D(0)),
        ("1000", "cash", None, D(0), D("85.93")),
    ]
    assert one.total == D("127.85")


# --- payables ------------------------------------------------------------------------------


def bill_line(n: int, sku: str, quantity: str, price: str, order_price: str, tax: str) -> BillLine:
    q = D(quantity)
    net = (q * D(price)).quantize(D("0.01"))
    order_net = (q * D(order_price)).quantize(D("0.01"))
    return BillLine(
        line=n,
        sku=sku,
        quantity=q,
        unit_price=D(price),
        net=net,
        tax=D(tax),
        total=net + D(tax),
        order_unit_price=D(order_price),
        order_net=order_net,
        price_variance=net - order_net,
        available=q,
        quantity_variance=D(0),
    )


def bill(*lines: BillLine, status: BillStatus = BillStatus.APPROVED, **values: Any) -> Any:
    net = sum((line.net for line in lines), D(0))
    tax = sum((line.tax for line in lines), D(0))
    facts: dict[str, Any] = {
        "bill_id": "B-1",
        "vendor_id": "V-1",
        "vendor_bill_number": "VB-77",
        "order_id": "PO-1",
        "branch_id": "BR-1",
        "currency": "EUR",
        "status": status,
        "lines": list(lines),
        "net_total": net,
        "tax_total": tax,
        "total": net + tax,
        "price_variance_total": sum((line.price_variance for line in lines), D(0)),
        "amount_paid": D(0),
        "balance": net + tax,
        "bill_date": date(2026, 3, 5),
        "due_date": date(2026, 4, 4),
        "recorded_by": "ann",
        "occurred_at": AT,
    }
    own = {k: v for k, v in values.items() if k in facts}
    facts.update(own)
    extra = {k: v for k, v in values.items() if k not in facts}
    if status is BillStatus.APPROVED:
        return BillApproved(**facts, approval=HowApproved.MATCHED, **extra)
    return VendorPaymentRecorded(**facts, **extra)


def test_an_approved_bill_clears_grni_at_the_orders_price_with_its_variance_and_tax() -> None:
    # 10 at 12.10 billed against 12.00 ordered (+1.00), 3 at 4.95 against 5.00 (-0.15).
    event = bill(
        bill_line(1, "A", "10", "12.10", "12.00", "22.99"),
        bill_line(2, "B", "3", "4.95", "5.00", "2.82"),
    )
    fact = translators.bill_approved(event)
    assert (fact.kind, fact.document_id, fact.party_id, fact.reference, fact.order_id) == (
        DocumentKind.SUPPLIER_BILL,
        "B-1",
        "V-1",
        "VB-77",
        "PO-1",
    )
    assert fact.date == datetime(2026, 3, 5, tzinfo=UTC)
    assert rows(post(fact)) == [
        ("2150", "goods_received_not_invoiced", None, D("135.00"), D(0)),
        ("5200", "price_variance", None, D("0.85"), D(0)),
        ("1570", "input_tax", None, D("25.81"), D(0)),
        ("2000", "payable", None, D(0), D("161.66")),
    ]
    assert event.total == D("161.66")


def test_a_bill_below_the_orders_price_credits_the_variance() -> None:
    event = bill(bill_line(1, "A", "4", "11.99", "12.00", "0"))
    assert rows(post(translators.bill_approved(event))) == [
        ("2150", "goods_received_not_invoiced", None, D("48.00"), D(0)),
        ("5200", "price_variance", None, D(0), D("0.04")),
        ("2000", "payable", None, D(0), D("47.96")),
    ]


def test_an_exact_bill_without_tax_needs_no_variance_or_input_tax_rule() -> None:
    accounts = {k: v for k, v in ACCOUNTS.items() if k not in ("price_variance", "input_tax")}
    event = bill(bill_line(1, "A", "2", "12.00", "12.00", "0"))
    assert rows(post(translators.bill_approved(event), chart(accounts=accounts))) == [
        ("2150", "goods_received_not_invoiced", None, D("24.00"), D(0)),
        ("2000", "payable", None, D(0), D("24.00")),
    ]
    taxed = bill(bill_line(1, "A", "2", "12.00", "12.00", "4.56"))
    held = post(translators.bill_approved(taxed), chart(accounts=accounts))
    assert isinstance(held, PostingHeld)
    assert held.missing == ["accounts.input_tax"]


def test_a_vendor_payment_pays_the_payable() -> None:
    event = bill(
        bill_line(1, "A", "2", "12.00", "12.00", "0"),
        status=BillStatus.PAID,
        payment_id="PAY-9",
        amount=D("24.00"),
        paid_at=AT,
    )
    fact = translators.vendor_payment_recorded(event)
    assert (fact.kind, fact.document_id, fact.reference, fact.party_id, fact.date) == (
        DocumentKind.VENDOR_PAYMENT,
        "B-1/PAY-9",
        "B-1",
        "V-1",
        AT,
    )
    assert rows(post(fact)) == [
        ("2000", "payable", None, D("24.00"), D(0)),
        ("1000", "cash", None, D(0), D("24.00")),
    ]


def test_a_credit_note_without_lines_gives_back_its_net_on_the_default_account() -> None:
    _, _, (_, first) = issued()
    first.collect_events()
    first.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="bob", at=AT)
    [event] = first.collect_events()
    assert isinstance(event, CreditNoteIssued)
    bare = event.model_copy(
        update={"credit_note": event.credit_note.model_copy(update={"lines": []})}
    )
    assert rows(post(translators.credit_note_issued(bare))) == [
        ("4000", "sales_returns", None, D("83.84"), D(0)),
        ("2290", "tax_payable", "CITY", D("2.09"), D(0)),
        ("1200", "receivable", None, D(0), D("85.93")),
    ]


def test_each_document_names_its_order_party_and_what_it_is() -> None:
    one, _, (_, first) = issued()
    first.pay("P-1", D("127.85"), "EUR", AT)
    first.credit_items([StockLine(sku="C", quantity=D(1))], reason="dented", by="bob", at=AT)
    first.refund("R-1", D("1.00"), "EUR", AT)
    paid, noted, refunded = first.collect_events()
    assert isinstance(paid, CustomerPaymentRecorded)
    assert isinstance(noted, CreditNoteIssued)
    assert isinstance(refunded, RefundRecorded)
    named = [
        translators.customer_invoice_issued(one),
        translators.customer_payment_recorded(paid),
        translators.credit_note_issued(noted),
        translators.refund_recorded(refunded),
    ]
    assert [(f.order_id, f.party_id, f.date) for f in named] == [("SO-1", "C-1", AT)] * 4
    assert [f.description for f in named] == [
        "Invoice SI-000001 of order SO-1 to C-1",
        "Payment P-1 for SI-000001",
        "Credit note SI-000001-CN1 on SI-000001: dented",
        "Refund R-1 on SI-000001",
    ]
    long = noted.model_copy(
        update={"credit_note": noted.credit_note.model_copy(update={"reason": "x" * 600})}
    )
    assert len(translators.credit_note_issued(long).description) == 500
    billed = bill(bill_line(1, "A", "1", "1.00", "1.00", "0"))
    paid_bill = bill(
        bill_line(1, "A", "1", "1.00", "1.00", "0"),
        status=BillStatus.PAID,
        payment_id="PAY-1",
        amount=D(1),
        paid_at=AT,
    )
    facts = [translators.bill_approved(billed), translators.vendor_payment_recorded(paid_bill)]
    assert [(f.order_id, f.party_id) for f in facts] == [("PO-1", "V-1")] * 2
    assert [f.description for f in facts] == [
        "Bill VB-77 of V-1 (B-1) for PO-1",
        "Payment PAY-1 for bill B-1",
    ]


def test_a_tax_without_its_codes_holds_the_invoice_and_the_credit_note() -> None:
    one, _, (_, first) = issued()
    untaxed = one.model_copy(update={"taxes": []})
    held = post(translators.customer_invoice_issued(untaxed))
    assert isinstance(held, PostingHeld)
    assert held.missing == ["tax_payable.(none)"]
    first.collect_events()
    first.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="bob", at=AT)
    [noted] = first.collect_events()
    assert isinstance(noted, CreditNoteIssued)
    bare = noted.model_copy(
        update={"credit_note": noted.credit_note.model_copy(update={"taxes": []})}
    )
    held = post(translators.credit_note_issued(bare))
    assert isinstance(held, PostingHeld)
    assert held.missing == ["tax_payable.(none)"]
    # The tax is on the document's side, whole.
    assert translators.credit_note_issued(bare).amounts[1] == Split(
        total=D("2.09"), shares=(Share(role=R.TAX_PAYABLE, side=Side.DEBIT, amount=D("2.09")),)
    )
    assert translators.customer_invoice_issued(untaxed).amounts[2] == Split(
        total=one.tax_total,
        shares=(Share(role=R.TAX_PAYABLE, side=Side.CREDIT, amount=one.tax_total),),
    )
    assert translators.customer_invoice_issued(
        untaxed.model_copy(update={"tax_total": D(0), "total": one.net_total})
    ).amounts[2] == Split(total=D(0), shares=())


def test_a_yen_bill_and_invoice_are_posted_in_whole_yen() -> None:
    yen = bill(bill_line(1, "A", "3", "333", "333.333", "0"), currency="JPY")
    yen = yen.model_copy(
        update={
            "lines": [
                yen.lines[0].model_copy(update={"order_net": D("999.495"), "price_variance": D(0)})
            ]
        }
    )
    lines = rows(post(translators.bill_approved(yen)))
    assert lines[0] == ("2150", "goods_received_not_invoiced", None, D(999), D(0))
    one, _, _ = issued()
    invoice = one.model_copy(update={"currency": "JPY", "total": D("127.85")})
    fact = translators.customer_invoice_issued(invoice)
    assert fact.amounts[0] == Share(role=R.RECEIVABLE, side=Side.DEBIT, amount=D(128))


def test_a_yen_credit_note_is_given_back_in_whole_yen() -> None:
    _, _, (_, first) = issued()
    first.collect_events()
    first.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="bob", at=AT)
    [noted] = first.collect_events()
    assert isinstance(noted, CreditNoteIssued)
    yen = noted.model_copy(update={"currency": "JPY"})
    receivable = translators.credit_note_issued(yen).amounts[2]
    assert receivable == Share(role=R.RECEIVABLE, side=Side.CREDIT, amount=D(86))
