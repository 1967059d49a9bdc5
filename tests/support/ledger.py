"""The ledger in tests: a chart of accounts, invoices priced with two tax rates, goods
movements at cost, and the running ledger's handlers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from services.billing.app import BillingParts
from services.billing.ledger.handlers import LedgerHandlers
from services.billing.subscriptions.domain import DunningPolicy, Invoice
from shared.contracts.billing import BillingContact, InvoiceIssued
from shared.contracts.common import OrderKind, OrderLine, OrderLineInput
from shared.contracts.inventory import GoodsReceived, LineCost
from shared.contracts.ledger import DefineChartOfAccounts
from shared.contracts.orders import OrderApproved
from shared.contracts.pricing import PricingTerms, TaxRate
from shared.pricing import price_document
from shared.runtime import OmsApp
from tests.support.factories import unique
from tests.support.services import asgi_get

D = Decimal
ACCOUNTS = {
    "receivable": "1200",
    "revenue": "4000",
    "cash": "1000",
    "inventory": "1400",
    "cost_of_goods_sold": "5000",
    "goods_received_not_invoiced": "2150",
    "stock_adjustment": "5100",
    "bad_debt": "6900",
}
TAX_PAYABLE = {"VAT19": "2219", "VAT7": "2207"}
RATES = {
    "VAT19": TaxRate(code="VAT19", rate=D(19), version=1),
    "VAT7": TaxRate(code="VAT7", rate=D(7), version=1),
}


def chart(**overrides: Any) -> DefineChartOfAccounts:
    values: dict[str, Any] = {
        "accounts": ACCOUNTS,
        "tax_payable": TAX_PAYABLE,
        "defined_by": "root",
        **overrides,
    }
    return DefineChartOfAccounts(**values)


def ledger_handlers(app: OmsApp) -> LedgerHandlers:
    parts = app.lifecycle.handlers[0]
    assert isinstance(parts, BillingParts)
    return parts.ledger


def taxed_invoice(
    *lines: tuple[str, str, str, str],
    at: datetime,
    terms: PricingTerms | None = None,
    adjustment: str = "0",
) -> InvoiceIssued:
    """An issued invoice of ``(sku, quantity, unit price, tax code)`` lines, priced with the
    rates VAT19 and VAT7, with a proration line of ``adjustment`` (as the subscriptions part
    issues it)."""
    order_lines = [
        OrderLine(sku=sku, quantity=D(q), unit_price=D(p), tax_codes=[code])
        for sku, q, p, code in lines
    ]
    inputs = [OrderLineInput(**line.model_dump()) for line in order_lines]
    pricing = price_document(inputs, terms or PricingTerms(), RATES, currency="EUR")  # type: ignore[arg-type]
    order = OrderApproved(
        order_id=unique("SUB") + "-R1",
        kind=OrderKind.SALES,
        party_id=unique("C"),
        branch_id="BR-1",
        created_by="billing",
        currency="EUR",
        lines=order_lines,
        total=pricing.grand_total,
        pricing=pricing,
        attempt=1,
    )
    issued = Invoice.issue(
        series=unique("S"),
        number=1,
        subscription_id="SUB-1",
        customer_id=order.party_id,
        order=order,
        adjustment=D(adjustment),
        contact=BillingContact(email="ap@customer.example"),
        at=at,
        payment_terms_days=14,
        policy=DunningPolicy(),
    )
    [event] = issued.collect_events()
    assert isinstance(event, InvoiceIssued)
    return event


def receipt(*costs: tuple[str, str, str], currency: str | None = "EUR") -> GoodsReceived:
    """Goods received against a purchase order, ``(sku, quantity, unit cost)`` each."""
    return GoodsReceived(
        order_id=unique("PO"),
        receipt_id=unique("GR"),
        location_id="L-1",
        branch_id="BR-1",
        lines=[],
        received_by="ann",
        order_lines=[],
        fully_received=False,
        costs=[
            LineCost(sku=sku, quantity=D(q), unit_cost=D(u), cost=(D(q) * D(u)).quantize(D("0.01")))
            for sku, q, u in costs
        ],
        cost_currency=currency,
    )


async def zero_trial_balance(app: OmsApp, query: str = "") -> dict[str, Any]:
    status, balance = await asgi_get(app, "/trial-balance", query)
    assert status == 200, balance
    for currency in balance["currencies"]:
        assert D(currency["balance"]) == 0, currency
        assert sum(D(a["balance"]) for a in currency["accounts"]) == 0
    found: dict[str, Any] = balance
    return found
