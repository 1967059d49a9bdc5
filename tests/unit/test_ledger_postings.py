"""The ledger's posting rules, pure: balanced entries with two tax rates, revenue by item group
and tax code rounded to the minor unit, a missing rule holding the whole document, reversals,
inventory at cost, and the trial balance at zero."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.billing.ledger.domain import translators
from services.billing.ledger.domain.chart import Chart
from services.billing.ledger.domain.errors import InvalidChart
from services.billing.ledger.domain.facts import apportion
from services.billing.ledger.domain.posting import LedgerDocument, PostingStatus
from services.billing.ledger.queries import _balance
from shared.contracts.billing import InvoiceIssued, InvoiceVoided
from shared.contracts.inventory import GoodsReceived, LineCost, StockAdjusted
from shared.contracts.ledger import (
    AccountRole,
    DefineChartOfAccounts,
    JournalEntryPosted,
    PostingHeld,
)
from shared.contracts.pricing import PricingTerms, TaxRate
from shared.contracts.returns import ReturnDestination, ReturnedLine, ReturnReason, ReturnReceived
from tests.support.ledger import taxed_invoice

D = Decimal
AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
ACCOUNTS = {
    "receivable": "1200",
    "revenue": "4000",
    "cash": "1000",
    "inventory": "1400",
    "cost_of_goods_sold": "5000",
    "goods_received_not_invoiced": "2150",
    "stock_adjustment": "5100",
}
RATES = {
    "VAT19": TaxRate(code="VAT19", rate=D(19), version=1),
    "VAT7": TaxRate(code="VAT7", rate=D(7), version=1),
}


def chart(**overrides: Any) -> Chart:
    terms: dict[str, Any] = {
        "accounts": ACCOUNTS,
        "tax_payable": {"VAT19": "2219", "VAT7": "2207"},
        "defined_by": "root",
        **overrides,
    }
    defined = Chart.empty()
    defined.define(DefineChartOfAccounts(**terms))
    defined.collect_events()
    return defined


def invoice(*lines: tuple[str, str, str, str], terms: PricingTerms | None = None) -> InvoiceIssued:
    return taxed_invoice(*lines, at=AT, terms=terms)


def posted(fact: Any, with_chart: Chart, reversed_entry: LedgerDocument | None = None) -> Any:
    document = LedgerDocument.of(fact, AT)
    document.post(with_chart, reversed_entry, AT)
    [event] = document.collect_events()
    return document, event


def table(event: JournalEntryPosted) -> list[tuple[str, str, Decimal, Decimal]]:
    return [(line.account, line.role, line.debit, line.credit) for line in event.lines]


def test_an_invoice_with_two_tax_rates_is_one_balanced_entry() -> None:
    issued = invoice(("TEA", "3", "10.00", "VAT19"), ("CUP", "1", "9.99", "VAT7"))
    document, event = posted(translators.invoice_issued(issued), chart())
    assert isinstance(event, JournalEntryPosted)
    assert document.status is PostingStatus.POSTED
    assert table(event) == [
        ("1200", "receivable", D("46.39"), D(0)),
        ("4000", "revenue", D(0), D("39.99")),
        ("2219", "tax_payable", D(0), D("5.70")),
        ("2207", "tax_payable", D(0), D("0.70")),
    ]
    assert [line.tax_code for line in event.lines] == [None, None, "VAT19", "VAT7"]
    assert event.total == issued.total == D("46.39")
    assert (event.entry_id, event.document_kind, event.party_id, event.order_id) == (
        f"subscription_invoice:{issued.invoice_id}",
        "subscription_invoice",
        issued.customer_id,
        issued.order_id,
    )
    assert [line.line for line in event.lines] == [1, 2, 3, 4]


def test_revenue_by_item_group_and_tax_code_is_rounded_per_account_and_balances() -> None:
    """Tax-inclusive prices leave exact line nets of many decimals: each account's revenue is
    its share of the invoice's net total, in whole cents, the cents adding up."""
    issued = invoice(
        ("TEA", "1", "10.00", "VAT19"),
        ("MUG", "1", "10.00", "VAT19"),
        ("CUP", "1", "10.00", "VAT7"),
        terms=PricingTerms(prices_include_tax=True),
    )
    mapping = chart(
        item_groups={"MUG": "hardware"},
        revenue_by_item_group={"hardware": "4100"},
        revenue_by_tax_code={"VAT7": "4070"},
    )
    _, event = posted(translators.invoice_issued(issued), mapping)
    lines = {(line.account, line.role): line for line in event.lines}
    revenue = [lines["4000", "revenue"], lines["4100", "revenue"], lines["4070", "revenue"]]
    # 30.00 less taxes of 3.19 and 0.65 is 26.16, shared by the nets 8.403361..., 8.403361...
    # and 9.345794...: 8.40, 8.40, 9.34 and the two cents left to the largest remainders.
    assert [line.credit for line in revenue] == [D("8.41"), D("8.40"), D("9.35")]
    assert lines["4070", "revenue"].tax_code == "VAT7"
    assert sum(line.credit for line in revenue) == issued.total - issued.tax_total
    assert sum(line.debit for line in event.lines) == sum(line.credit for line in event.lines)
    assert all(line.debit == line.debit.quantize(D("0.01")) for line in event.lines)
    assert all(line.credit == line.credit.quantize(D("0.01")) for line in event.lines)


def test_a_tax_code_without_a_tax_payable_account_holds_the_whole_document() -> None:
    issued = invoice(("TEA", "3", "10.00", "VAT19"), ("CUP", "1", "9.99", "VAT7"))
    lacking = chart(tax_payable={"VAT19": "2219"}, accounts={"receivable": "1200"})
    document, held = posted(translators.invoice_issued(issued), lacking)
    assert isinstance(held, PostingHeld)
    assert held.missing == ["accounts.revenue", "tax_payable.VAT7"]
    assert "accounts.revenue, tax_payable.VAT7" in held.detail
    assert (document.status, document.lines) == (PostingStatus.HELD, [])
    document.version = 1  # stored: tried again, still lacking the same, it is not told twice
    document.post(lacking, None, AT)
    assert document.collect_events() == []
    partly = chart(accounts={**ACCOUNTS}, tax_payable={"VAT19": "2219"})
    document.post(partly, None, AT)
    [again] = document.collect_events()
    assert isinstance(again, PostingHeld)
    assert again.missing == ["tax_payable.VAT7"]
    document.post(chart(), None, AT)
    [entry] = document.collect_events()
    assert isinstance(entry, JournalEntryPosted)
    assert entry.chart_revision == 1
    assert entry.total == D("46.39")


def test_a_void_reverses_the_invoices_entry_once_it_is_posted() -> None:
    issued = invoice(("TEA", "3", "10.00", "VAT19"))
    void = InvoiceVoided(
        **issued.model_dump(exclude={"lines", "pricing", "tax_total", "issued_at"})
        | {"status": "void", "reason": "wrong"}
    )
    reversal = LedgerDocument.of(translators.invoice_voided(void), AT)
    original = LedgerDocument.of(translators.invoice_issued(issued), AT)
    reversal.post(chart(), original, AT)
    [waiting] = reversal.collect_events()
    assert isinstance(waiting, PostingHeld)
    assert waiting.missing == [f"entry:subscription_invoice:{issued.invoice_id}"]
    original.post(chart(), None, AT)
    [first] = original.collect_events()
    reversal.post(chart(), original, AT)
    [second] = reversal.collect_events()
    assert isinstance(first, JournalEntryPosted)
    assert isinstance(second, JournalEntryPosted)
    assert second.reverses_entry_id == first.entry_id
    assert [(a, r, c, d) for a, r, d, c in table(second)] == sorted(
        table(first), key=lambda row: row[3] == 0
    )
    assert second.total == first.total


def test_goods_received_at_cost_and_a_stock_loss_and_no_costs() -> None:
    receipt = GoodsReceived(
        order_id="PO-1",
        receipt_id="GR-1",
        location_id="L-1",
        branch_id="BR-1",
        lines=[],
        received_by="ann",
        order_lines=[],
        fully_received=False,
        costs=[
            LineCost(sku="A", quantity=D(10), unit_cost=D("12.00"), cost=D("120.00")),
            LineCost(sku="B", quantity=D(3), unit_cost=D("13.50"), cost=D("40.50")),
        ],
        cost_currency="EUR",
    )
    _, entry = posted(translators.goods_received(receipt), chart())
    assert table(entry) == [
        ("1400", "inventory", D("160.50"), D(0)),
        ("2150", "goods_received_not_invoiced", D(0), D("160.50")),
    ]
    assert translators.goods_received(receipt.model_copy(update={"costs": []})) is None
    loss = StockAdjusted(
        adjustment_id="ADJ-1",
        sku="A",
        location_id="L-1",
        branch_id="BR-1",
        quantity=D(-2),
        reason="broken",
        adjusted_by="ann",
        on_hand=D(8),
        costs=[LineCost(sku="A", quantity=D(2), unit_cost=D("12.25"), cost=D("24.50"))],
        cost_currency="EUR",
    )
    _, entry = posted(translators.stock_adjusted(loss), chart())
    assert table(entry) == [
        ("5100", "stock_adjustment", D("24.50"), D(0)),
        ("1400", "inventory", D(0), D("24.50")),
    ]


def test_a_return_into_quarantine_uses_the_inventory_account_unless_mapped() -> None:
    back = ReturnReceived(
        return_id="RMA-1",
        order_id="SO-1",
        branch_id="BR-1",
        location_id="L-1",
        destination=ReturnDestination.QUARANTINE,
        reason=ReturnReason.DAMAGED,
        lines=[ReturnedLine(sku="A", quantity=D(1), unit_cost=D("12.00"), cost=D("12.00"))],
        currency="EUR",
        received_by="ann",
    )
    _, entry = posted(translators.return_received(back), chart())
    assert table(entry) == [
        ("1400", "quarantine", D("12.00"), D(0)),
        ("5000", "cost_of_goods_sold", D(0), D("12.00")),
    ]
    quarantine = chart(accounts={**ACCOUNTS, "quarantine": "1450"})
    _, entry = posted(translators.return_received(back), quarantine)
    assert entry.lines[0].account == "1450"


def test_an_item_group_without_a_revenue_account_is_refused() -> None:
    with pytest.raises(InvalidChart, match="hardware"):
        chart(item_groups={"MUG": "hardware"})
    defined = chart()
    assert defined.revision == 1
    with pytest.raises(InvalidChart):
        defined.define(DefineChartOfAccounts(item_groups={"MUG": "tools"}, defined_by="root"))
    assert (defined.revision, defined.item_groups, defined.accounts) == (1, {}, ACCOUNTS)


@pytest.mark.parametrize(
    ("total", "weights", "unit", "parts"),
    [
        ("10.00", ["1", "1", "1"], "0.01", ["3.34", "3.33", "3.33"]),
        ("100", ["1", "2"], "1", ["33", "67"]),
        ("0.05", ["0.005", "0.005", "0.005"], "0.01", ["0.02", "0.02", "0.01"]),
        ("12.345", ["1", "1"], "0.001", ["6.173", "6.172"]),
        ("5.00", ["10", "-2"], "0.01", ["6.25", "-1.25"]),
        ("1.00", ["0", "0"], "0.01", ["1.00", "0"]),
    ],
)
def test_apportion_to_the_minor_unit(
    total: str, weights: list[str], unit: str, parts: list[str]
) -> None:
    shared = apportion(D(total), [D(w) for w in weights], D(unit))
    assert shared == [D(p) for p in parts]
    assert sum(shared) == D(total)


def test_the_trial_balance_of_balanced_entries_is_zero_per_currency() -> None:
    issued = invoice(("TEA", "3", "10.00", "VAT19"), ("CUP", "1", "9.99", "VAT7"))
    _, entry = posted(translators.invoice_issued(issued), chart())
    accounts: dict[str, list[Decimal]] = {}
    for line in entry.lines:
        pair = accounts.setdefault(line.account, [D(0), D(0)])
        pair[0] += line.debit
        pair[1] += line.credit
    balance = _balance("EUR", accounts)
    assert balance["balance"] == 0
    assert balance["debit"] == balance["credit"] == D("46.39")
    assert [row["account"] for row in balance["accounts"]] == ["1200", "2207", "2219", "4000"]
    assert AccountRole.RECEIVABLE in chart().accounts


def test_a_proration_lines_tax_is_shared_over_the_tax_codes() -> None:
    """The proration line 15.48 is taxed at the invoice's tax-to-net ratio (6.40 / 39.99),
    2.48, priced per no code: the invoice's 8.88 of tax is shared over VAT19 and VAT7 by
    their taxes, 5.70 and 0.70 (7.90875 and 0.97125: 7.90 and 0.97, and the cent left to the
    larger remainder), and the line's net goes to the default revenue account."""
    issued = taxed_invoice(
        ("TEA", "3", "10.00", "VAT19"), ("CUP", "1", "9.99", "VAT7"), at=AT, adjustment="15.48"
    )
    assert (issued.total, issued.tax_total) == (D("64.35"), D("8.88"))
    mapping = chart(revenue_by_tax_code={"VAT19": "4019", "VAT7": "4007"})
    _, event = posted(translators.invoice_issued(issued), mapping)
    assert table(event) == [
        ("1200", "receivable", D("64.35"), D(0)),
        ("4019", "revenue", D(0), D("30.00")),
        ("4007", "revenue", D(0), D("9.99")),
        ("4000", "revenue", D(0), D("15.48")),
        ("2219", "tax_payable", D(0), D("7.91")),
        ("2207", "tax_payable", D(0), D("0.97")),
    ]
