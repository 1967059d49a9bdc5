"""Each translator's fact, whole: the document it names (kind, id, date, currency, order,
party, reference, description) and its amounts by role and side; movements without costs have
none. And the chart's rules: which account, named how, and each definition a revision."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.billing.ledger.domain import translators
from services.billing.ledger.domain.chart import Chart, Rule
from services.billing.ledger.domain.errors import InvalidChart
from services.billing.ledger.domain.facts import Fact, Share, Side, Split
from services.billing.ledger.domain.posting import (
    LedgerDocument,
    Unbalanced,
    journal_lines,
    reversed_lines,
)
from shared.contracts.billing import (
    BillingContact,
    InvoiceStatus,
    InvoiceUncollectible,
    PaymentRecorded,
)
from shared.contracts.inventory import GoodsIssued, LineCost, OpeningBalanceSet, StockAdjusted
from shared.contracts.ledger import (
    AccountRole,
    ChartOfAccountsDefined,
    DefineChartOfAccounts,
    DocumentKind,
    JournalLine,
    PostingHeld,
)
from shared.contracts.returns import ReturnDestination, ReturnedLine, ReturnReason, ReturnReceived
from shared.contracts.work_orders import ComponentsIssued
from tests.support.ledger import receipt

D = Decimal
AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
R = AccountRole
DR, CR = Side.DEBIT, Side.CREDIT
COSTS = [
    LineCost(sku="A", quantity=D(2), unit_cost=D("1.255"), cost=D("2.51")),
    LineCost(sku="B", quantity=D(1), unit_cost=D("0.125"), cost=D("0.125")),  # to the cent: 0.12
]


def pair(debit: AccountRole, credit: AccountRole, amount: str) -> tuple[Share, Share]:
    return Share(role=debit, side=DR, amount=D(amount)), Share(
        role=credit, side=CR, amount=D(amount)
    )


def facts(**values: object) -> dict[str, object]:
    return {
        "subscription_id": "SUB-1",
        "customer_id": "C-1",
        "order_id": "SUB-1-R1",
        "invoice_id": "INV-000001",
        "series": "INV",
        "number": 1,
        "status": InvoiceStatus.OPEN,
        "currency": "EUR",
        "total": D("30.00"),
        "amount_paid": D(0),
        "balance": D("30.00"),
        "due_at": AT,
        "billing_contact": BillingContact(email="ap@c1.example"),
        "occurred_at": AT,
        **values,
    }


def test_a_payment_and_a_write_off() -> None:
    paid = PaymentRecorded(**facts(), payment_id="PAY-1", amount=D("12.50"))
    assert translators.payment_recorded(paid) == Fact(
        kind=DocumentKind.INVOICE_PAYMENT,
        document_id="INV-000001/PAY-1",
        date=AT,
        currency="EUR",
        order_id="SUB-1-R1",
        party_id="C-1",
        reference="INV-000001",
        description="Payment PAY-1 for INV-000001",
        amounts=pair(R.CASH, R.RECEIVABLE, "12.50"),
    )
    off = InvoiceUncollectible(**facts(balance=D("17.50")))
    assert translators.invoice_uncollectible(off) == Fact(
        kind=DocumentKind.INVOICE_WRITE_OFF,
        document_id="INV-000001",
        date=AT,
        currency="EUR",
        order_id="SUB-1-R1",
        party_id="C-1",
        reference="INV-000001",
        description="Write-off of INV-000001",
        amounts=pair(R.BAD_DEBT, R.RECEIVABLE, "17.50"),
    )


def test_movements_at_cost_each_rounded_to_the_minor_unit() -> None:
    goods = receipt(("A", "2", "1.255")).model_copy(update={"costs": COSTS, "occurred_at": AT})
    assert translators.goods_received(goods) == Fact(
        kind=DocumentKind.GOODS_RECEIPT,
        document_id=goods.receipt_id,
        date=AT,
        currency="EUR",
        order_id=goods.order_id,
        reference=goods.receipt_id,
        description=f"Goods receipt {goods.receipt_id} for {goods.order_id}",
        amounts=pair(R.INVENTORY, R.GOODS_RECEIVED_NOT_INVOICED, "2.63"),
    )
    issue = GoodsIssued(
        order_id="SO-1",
        issue_id="GI-1",
        location_id="L-1",
        branch_id="BR-1",
        lines=[],
        issued_by="ann",
        order_lines=[],
        backorder=[],
        completed=True,
        costs=COSTS,
        cost_currency="EUR",
        occurred_at=AT,
    )
    assert translators.goods_issued(issue) == Fact(
        kind=DocumentKind.GOODS_ISSUE,
        document_id="GI-1",
        date=AT,
        currency="EUR",
        order_id="SO-1",
        reference="GI-1",
        description="Goods issue GI-1 for SO-1",
        amounts=pair(R.COST_OF_GOODS_SOLD, R.INVENTORY, "2.63"),
    )
    issued = ComponentsIssued(
        work_order_id="WO-1",
        attempt=2,
        location_id="L-1",
        branch_id="BR-1",
        lines=[],
        costs=COSTS,
        cost_currency="JPY",
        occurred_at=AT,
    )
    assert translators.components_issued(issued) == Fact(
        kind=DocumentKind.COMPONENTS_ISSUE,
        document_id="WO-1#2",
        date=AT,
        currency="JPY",
        order_id="WO-1",
        reference="WO-1#2",
        description="Components issued to work order WO-1",
        amounts=pair(R.WORK_IN_PROGRESS, R.INVENTORY, "3"),
    )
    found = StockAdjusted(
        adjustment_id="ADJ-1",
        sku="A",
        location_id="L-1",
        branch_id="BR-1",
        quantity=D("0.5"),
        reason="found",
        adjusted_by="ann",
        on_hand=D(5),
        costs=COSTS[:1],
        cost_currency="EUR",
        occurred_at=AT,
    )
    assert translators.stock_adjusted(found) == Fact(
        kind=DocumentKind.STOCK_ADJUSTMENT,
        document_id="ADJ-1",
        date=AT,
        currency="EUR",
        reference="ADJ-1",
        description="Stock adjustment ADJ-1 of A: found",
        amounts=pair(R.INVENTORY, R.STOCK_ADJUSTMENT, "2.51"),
    )
    back = ReturnReceived(
        return_id="RMA-1",
        order_id="SO-1",
        branch_id="BR-1",
        location_id="L-1",
        destination=ReturnDestination.STOCK,
        reason=ReturnReason.UNWANTED,
        lines=[ReturnedLine(sku="A", quantity=D(1), unit_cost=D("1.255"), cost=D("1.255"))] * 2,
        currency="EUR",
        received_by="ann",
        occurred_at=AT,
    )
    assert translators.return_received(back) == Fact(
        kind=DocumentKind.RETURN_RECEIPT,
        document_id="RMA-1",
        date=AT,
        currency="EUR",
        order_id="SO-1",
        reference="RMA-1",
        description="Return RMA-1 of SO-1 (unwanted)",
        amounts=pair(R.INVENTORY, R.COST_OF_GOODS_SOLD, "2.52"),
    )
    for translate, no_cost in (
        (translators.goods_received, goods),
        (translators.goods_issued, issue),
        (translators.components_issued, issued),
        (translators.stock_adjusted, found),
    ):
        bare: Any = translate
        assert bare(no_cost.model_copy(update={"costs": []})) is None
        assert bare(no_cost.model_copy(update={"cost_currency": None})) is None
    assert translators.return_received(back.model_copy(update={"lines": []})) is None
    assert translators.return_received(back.model_copy(update={"currency": None})) is None


def test_the_charts_rules_and_their_names() -> None:
    chart = Chart.empty()
    chart.define(
        DefineChartOfAccounts(
            accounts={"revenue": "4000", "inventory": "1400"},
            tax_payable={"VAT": "2200"},
            revenue_by_tax_code={"VAT": "4020", "ZERO": "4030"},
            revenue_by_item_group={"tools": "4100", "spare": "4200"},
            item_groups={"HAMMER": "tools"},
            defined_by="ann",
        )
    )
    [defined] = chart.collect_events()
    assert isinstance(defined, ChartOfAccountsDefined)
    assert (defined.revision, defined.defined_by, defined.item_groups) == (
        1,
        "ann",
        {"HAMMER": "tools"},
    )
    assert defined.revenue_by_tax_code == {"VAT": "4020", "ZERO": "4030"}
    assert chart.defined_by == "ann"

    def rule(role: AccountRole, *codes: str, sku: str | None = None) -> Rule:
        return chart.account(Share(role=role, side=CR, amount=D(1), tax_codes=codes, sku=sku))

    assert rule(R.REVENUE, "VAT", sku="HAMMER") == Rule("4100", "revenue_by_item_group.tools")
    assert rule(R.REVENUE, "OTHER", "ZERO", sku="NAIL") == Rule(
        "4030", "revenue_by_tax_code.ZERO", "ZERO"
    )
    assert rule(R.REVENUE, sku="NAIL") == Rule("4000", "accounts.revenue")
    assert rule(R.TAX_PAYABLE, "VAT", "ZERO") == Rule("2200", "tax_payable.VAT", "VAT")
    assert rule(R.TAX_PAYABLE) == Rule(None, "tax_payable.(none)", "(none)")
    assert rule(R.QUARANTINE) == Rule("1400", "accounts.quarantine")
    assert rule(R.CASH) == Rule(None, "accounts.cash")
    chart.define(DefineChartOfAccounts(accounts={"cash": "1000"}, defined_by="bob"))
    assert (chart.revision, chart.defined_by, chart.item_groups) == (2, "bob", {})
    assert rule(R.QUARANTINE) == Rule(None, "accounts.quarantine")
    with pytest.raises(InvalidChart) as refused:
        chart.define(DefineChartOfAccounts(item_groups={"A": "x", "B": "y"}, defined_by="bob"))
    assert refused.value.detail == (
        "item_groups names the group(s) x, y, which revenue_by_item_group gives no account: "
        "add one for each."
    )
    assert refused.value.reason == "invalid_chart"


def test_held_documents_say_what_to_do_and_an_unbalanced_fact_is_a_bug() -> None:
    fact = Fact(
        kind=DocumentKind.GOODS_RECEIPT,
        document_id="GR-1",
        date=AT,
        currency="EUR",
        order_id="PO-1",
        reference="GR-1",
        amounts=pair(R.INVENTORY, R.GOODS_RECEIVED_NOT_INVOICED, "5.00"),
    )
    document = LedgerDocument.of(fact, AT)
    assert document.fact == fact
    document.post(Chart.empty(), None, AT)
    [held] = document.collect_events()
    assert isinstance(held, PostingHeld)
    assert held.detail == (
        "goods_receipt:GR-1 is not posted: the chart of accounts lacks "
        "accounts.goods_received_not_invoiced, accounts.inventory. Define the chart again with "
        "them (billing.define_chart_of_accounts); it is posted then."
    )
    assert (held.reference, held.order_id, held.chart_revision) == ("GR-1", "PO-1", 0)
    void = fact.model_copy(update={"kind": DocumentKind.INVOICE_VOID, "reverses": "x:1"})
    waiting = LedgerDocument.of(void, AT)
    waiting.post(Chart.empty(), None, AT)
    [told] = waiting.collect_events()
    assert told.detail == (  # type: ignore[attr-defined]
        "invoice_void:GR-1 is not posted: it reverses x:1, which is not posted yet; it is "
        "posted right after it."
    )
    chart = Chart(id="c", accounts={R.INVENTORY: "1400", R.GOODS_RECEIVED_NOT_INVOICED: "2150"})
    lopsided = fact.model_copy(
        update={"amounts": (Share(role=R.INVENTORY, side=DR, amount=D("5.00")),)}
    )
    with pytest.raises(Unbalanced, match="goods_receipt:GR-1: debits and credits differ"):
        journal_lines(lopsided, chart)


def test_a_split_shares_its_total_over_accounts_and_sides_and_lines_reverse() -> None:
    chart = Chart(id="c", accounts={R.REVENUE: "4000", R.RECEIVABLE: "1200", R.CASH: "1000"})
    fact = Fact(
        kind=DocumentKind.SUBSCRIPTION_INVOICE,
        document_id="I-1",
        date=AT,
        currency="EUR",
        amounts=(
            Share(role=R.RECEIVABLE, side=DR, amount=D("10.004")),  # rounded: 10.00
            Split(
                total=D("10.00"),
                shares=(
                    Share(role=R.REVENUE, side=CR, amount=D("1")),
                    Share(role=R.REVENUE, side=CR, amount=D("1")),
                    Share(role=R.CASH, side=CR, amount=D("1")),
                ),
            ),
        ),
    )
    lines, missing = journal_lines(fact, chart)
    assert missing == []
    assert [(x.account, x.debit, x.credit) for x in lines] == [
        ("1200", D("10.00"), D(0)),
        ("4000", D(0), D("6.67")),
        ("1000", D(0), D("3.33")),
    ]
    assert reversed_lines(lines) == [
        JournalLine(line=1, account="4000", role=R.REVENUE, debit=D("6.67"), credit=D(0)),
        JournalLine(line=2, account="1000", role=R.CASH, debit=D("3.33"), credit=D(0)),
        JournalLine(line=3, account="1200", role=R.RECEIVABLE, debit=D(0), credit=D("10.00")),
    ]


def test_an_opening_balance_at_cost_is_inventory_against_opening_balance() -> None:
    opening = OpeningBalanceSet(
        sku="A",
        location_id="L-1",
        branch_id="BR-1",
        quantity=D(3),
        reason="first count",
        set_by="ann",
        on_hand=D(3),
        unit_cost=D("1.255"),
        cost_currency="EUR",
        occurred_at=AT,
    )

    fact = translators.opening_balance_set(opening)

    assert fact is not None
    assert (fact.kind, fact.document_id, fact.currency, fact.date, fact.reference) == (
        DocumentKind.OPENING_STOCK,
        "A@L-1",
        "EUR",
        AT,
        "L-1",
    )
    assert fact.description == "Opening balance of A at L-1: first count"
    assert fact.amounts == pair(R.INVENTORY, R.OPENING_BALANCE, "3.76")  # 3.765, half to even
    no_cost = opening.model_copy(update={"unit_cost": None, "cost_currency": None})
    assert translators.opening_balance_set(no_cost) is None
    assert (
        translators.opening_balance_set(opening.model_copy(update={"cost_currency": None})) is None
    )
