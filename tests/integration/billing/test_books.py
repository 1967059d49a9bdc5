"""Money reaches the books, over the broker with order, approval, inventory and billing
running: a sales order priced with two tax rates and a document discount, issued in two
shipments, invoiced twice, paid, partly returned, credited and refunded; a purchase order
received, billed and paid. Every document is one balanced journal entry; the trial balance is
at zero after each step; the receivable, GRNI and payable accounts end where they should; the
order's gross margin is its revenue less the cost of what it shipped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from shared.contracts import (
    DefineTaxRate,
    Discount,
    DiscountKind,
    OrderLineInput,
    PricingTerms,
    SubmitOrder,
)
from shared.contracts.inventory import SetOpeningBalance
from shared.contracts.payables import (
    BillLineInput,
    RecordBill,
    RecordVendorPayment,
    SetMatchTolerance,
)
from shared.contracts.receivables import (
    InvoicingPolicy,
    RecordCustomerPayment,
    RecordRefund,
    SetInvoicingPolicy,
)
from shared.contracts.returns import AuthorizeReturn, ReceiveReturn, ReturnReason
from shared.runtime import OmsApp
from tests.support.bus import Bus, Received, having
from tests.support.factories import sales_order, unique
from tests.support.flows import accepted, once_known
from tests.support.inventory import define_item, define_location, issue, stock_lines
from tests.support.ledger import ACCOUNTS, chart, zero_trial_balance
from tests.support.purchases import approved_purchase, received
from tests.support.services import asgi_get

D = Decimal
SECONDS = 30.0
BOOKS = {
    **ACCOUNTS,
    "payable": "2000",
    "price_variance": "5200",
    "input_tax": "1570",
    "sales_returns": "4900",
}


async def posted(bus: Bus, entry_id: str) -> dict[str, Any]:
    [entry] = await bus.wait_for(
        "billing.journal_entry_posted", having(entry_id=entry_id), timeout=SECONDS
    )
    body: dict[str, Any] = entry.body
    assert sum(D(x["debit"]) for x in body["lines"]) == sum(D(x["credit"]) for x in body["lines"])
    return body


async def balances(billing: OmsApp, currency: str) -> dict[str, Decimal]:
    """Each account's balance (debit - credit); the trial balance at zero."""
    balance = await zero_trial_balance(billing)
    [found] = [c for c in balance["currencies"] if c["currency"] == currency]
    return {a["account"]: D(a["balance"]) for a in found["accounts"]}


def credit(body: dict[str, Any], where: Callable[[dict[str, Any]], bool]) -> Decimal:
    return sum((D(x["credit"]) - D(x["debit"]) for x in body["lines"] if where(x)), D(0))


async def test_a_sales_order_from_two_invoices_to_payment_and_a_refunded_return(
    billing: OmsApp, bus: Bus
) -> None:
    branch = unique("BR")
    location = define_location(branch, sales_location=True)
    a, b = unique("SKU-A"), unique("SKU-B")
    await accepted(bus, location)
    for sku, cost in ((a, "8.00"), (b, "2.10")):
        await accepted(bus, define_item(sku))
        opening = SetOpeningBalance(
            sku=sku,
            location_id=location.location_id,
            quantity=D(100),
            reason="go-live count",
            set_by="clerk",
            unit_cost=D(cost),
            currency="EUR",
        )
        await accepted(bus, opening)
    vat, city = unique("VAT"), unique("CITY")
    await accepted(bus, DefineTaxRate(code=vat, name="VAT", rate=D(19), defined_by="olga"))
    await accepted(bus, DefineTaxRate(code=city, name="City", rate=D("2.5"), defined_by="olga"))
    await accepted(bus, chart(accounts=BOOKS, tax_payable={vat: "2219", city: "2290"}))
    await accepted(
        bus,
        SetInvoicingPolicy(branch_id=branch, policy=InvoicingPolicy.PER_ISSUE, set_by="root"),
    )
    order = sales_order(
        branch_id=branch,
        lines=[
            OrderLineInput(sku=a, quantity=D(3), unit_price=D("19.99"), tax_codes=[vat, city]),
            OrderLineInput(sku=b, quantity=D(7), unit_price=D("4.35"), tax_codes=[vat]),
        ],
        pricing=PricingTerms(discount=Discount(kind=DiscountKind.AMOUNT, value=D("5.00"))),
    )
    await accepted(bus, order)
    await accepted(bus, SubmitOrder(order_id=order.order_id, submitted_by=order.created_by))
    [approved] = await bus.wait_for(
        "order.approved", having(order_id=order.order_id), timeout=SECONDS
    )
    pricing = approved.body["pricing"]
    # Inventory issues only against an order it knows approved: its stock hold confirmed.
    await bus.wait_for(
        "inventory.reservation_confirmed", having(order_id=order.order_id), timeout=SECONDS
    )

    # Two shipments (per_issue): each its invoice and its cost of goods sold.
    shipments = [
        issue(order.order_id, location.location_id, (a, "1"), (b, "4")),
        issue(order.order_id, location.location_id, (a, "2"), (b, "3")),
    ]
    invoices: list[dict[str, Any]] = []
    costs = D(0)
    for shipment in shipments:
        await accepted(bus, shipment)
        [invoiced] = await bus.wait_for(
            "billing.customer_invoice_issued", having(issue_id=shipment.issue_id), timeout=SECONDS
        )
        invoices.append(invoiced.body)
        entry = await posted(bus, f"customer_invoice:{invoiced.body['invoice_id']}")
        assert entry["document_kind"] == "customer_invoice"
        assert (entry["order_id"], entry["party_id"]) == (order.order_id, order.customer_id)
        assert credit(entry, lambda x: x["role"] == "receivable") == -D(invoiced.body["total"])
        issued = await posted(bus, f"goods_issue:{shipment.issue_id}")
        costs -= credit(issued, lambda x: x["role"] == "cost_of_goods_sold")
        await balances(billing, "EUR")
    assert costs == 3 * D("8.00") + 7 * D("2.10")  # 38.70

    books = await balances(billing, "EUR")
    assert books["1200"] == D(pricing["grand_total"])
    assert -books["4000"] == D(pricing["net_total"])
    assert -books["2219"] == sum(D(t["tax"]) for t in pricing["taxes"] if t["code"] == vat)
    assert -books["2290"] == sum(D(t["tax"]) for t in pricing["taxes"] if t["code"] == city)
    assert books["5000"] == costs

    # Paid in full: the receivable is at zero.
    for invoice in invoices:
        pay = RecordCustomerPayment(
            invoice_id=invoice["invoice_id"],
            payment_id=unique("PAY"),
            amount=D(invoice["total"]),
            currency="EUR",
            recorded_by="root",
        )
        await accepted(bus, pay)
        cash = await posted(bus, f"customer_payment:{invoice['invoice_id']}/{pay.payment_id}")
        assert credit(cash, lambda x: x["account"] == "1000") == -D(invoice["total"])
        await balances(billing, "EUR")
    books = await balances(billing, "EUR")
    assert books["1200"] == 0
    assert books["1000"] == D(pricing["grand_total"])

    status, [margin] = await asgi_get(billing, "/margins", f"order_id={order.order_id}")
    assert status == 200
    assert (D(margin["revenue"]), D(margin["cost_of_goods_sold"])) == (
        D(pricing["net_total"]),
        costs,
    )
    assert D(margin["margin"]) == D(pricing["net_total"]) - costs

    # Two of B come back into stock: back at cost, credited (its net and VAT), refunded.
    rma = unique("RMA")
    authorize = AuthorizeReturn(
        return_id=rma,
        order_id=order.order_id,
        lines=stock_lines((b, "2")),
        reason=ReturnReason.UNWANTED,
        authorized_by="root",
    )
    await accepted(bus, authorize)
    back = ReceiveReturn(
        return_id=rma, order_id=order.order_id, location_id=location.location_id, received_by="c"
    )
    await accepted(bus, back)
    receipt = await posted(bus, f"return_receipt:{rma}")
    returned_cost = credit(receipt, lambda x: x["role"] == "cost_of_goods_sold")
    assert returned_cost == 2 * D("2.10")
    [noted] = await bus.wait_for(
        "billing.credit_note_issued",
        lambda body: body["credit_note"]["return_id"] == rma,
        timeout=SECONDS,
    )
    note = noted.body["credit_note"]
    returns = await posted(bus, f"credit_note:{note['credit_note_id']}")
    assert returns["reference"] == noted.body["invoice_id"]
    assert -credit(returns, lambda x: x["role"] == "sales_returns") == D(note["net_total"])
    assert -credit(returns, lambda x: x["role"] == "tax_payable") == D(note["tax_total"])
    assert credit(returns, lambda x: x["role"] == "receivable") == D(note["total"])
    [tax] = note["taxes"]
    assert tax["code"] == vat
    books = await balances(billing, "EUR")
    assert books["1200"] == -D(note["total"])  # owed to the customer
    refund = RecordRefund(
        invoice_id=noted.body["invoice_id"],
        credit_note_id=note["credit_note_id"],
        refund_id=unique("REF"),
        amount=D(note["total"]),
        currency="EUR",
        recorded_by="root",
    )
    await accepted(bus, refund)
    out = await posted(bus, f"refund:{refund.invoice_id}/{refund.refund_id}")
    assert credit(out, lambda x: x["role"] == "cash") == D(note["total"])
    books = await balances(billing, "EUR")
    assert books["1200"] == 0
    assert books["4900"] == D(note["net_total"])
    assert books["1000"] == D(pricing["grand_total"]) - D(note["total"])

    status, [margin] = await asgi_get(billing, "/margins", f"order_id={order.order_id}")
    revenue = D(pricing["net_total"]) - D(note["net_total"])
    assert (D(margin["revenue"]), D(margin["cost_of_goods_sold"])) == (
        revenue,
        costs - returned_cost,
    )
    assert D(margin["margin"]) == revenue - costs + returned_cost


async def test_a_purchase_order_from_receipt_to_a_paid_bill_clears_grni(
    billing: OmsApp, bus: Bus
) -> None:
    """A 10 x 4.50 -> 40.50, B 3 x 19.99 -> 53.97 after 10 % off (the order's prices)."""
    await accepted(bus, chart(accounts=BOOKS))
    po = await approved_purchase(bus)
    await accepted(
        bus,
        SetMatchTolerance(
            branch_id=po.branch_id,
            price_tolerance_percent=D(1),
            quantity_tolerance_percent=D(0),
            set_by="controller",
        ),
    )
    await received(bus, po, (po.skus[0], "10"), (po.skus[1], "3"))
    [goods] = await bus.wait_for(
        "inventory.goods_received", having(order_id=po.order_id), timeout=SECONDS
    )
    receipt = await posted(bus, f"goods_receipt:{goods.body['receipt_id']}")
    assert [(x["account"], x["debit"], x["credit"]) for x in receipt["lines"]] == [
        ("1400", "94.47", "0"),
        ("2150", "0", "94.47"),
    ]
    books = await balances(billing, "USD")
    assert books["2150"] == D("-94.47")

    record = RecordBill(
        bill_id=unique("BILL"),
        vendor_id=po.vendor_id,
        vendor_bill_number=unique("VB"),
        order_id=po.order_id,
        currency="USD",
        lines=[
            BillLineInput(sku=po.skus[0], quantity=D(10), unit_price=D("4.05"), tax=D("3.24")),
            BillLineInput(sku=po.skus[1], quantity=D(3), unit_price=D("18.10"), tax=D(0)),
        ],
        bill_date=date(2026, 3, 1),
        recorded_by="ap-clerk",
    )
    reply: Received = await once_known(bus, record, "unknown_order")
    assert reply.type == "BillRecorded", reply.body
    [approved] = await bus.wait_for(
        "billing.bill_approved", having(bill_id=record.bill_id), timeout=SECONDS
    )
    entry = await posted(bus, f"supplier_bill:{record.bill_id}")
    # B billed at 18.10 (54.30) against 17.991 (53.97): within 1 %, 0.33 of price variance;
    # GRNI is cleared at the order's price, what the receipt put there.
    assert [(x["account"], x["role"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        ("2150", "goods_received_not_invoiced", "94.47", "0"),
        ("5200", "price_variance", "0.33", "0"),
        ("1570", "input_tax", "3.24", "0"),
        ("2000", "payable", "0", "98.04"),
    ]
    assert approved.body["total"] == "98.04"
    assert entry["document_date"].startswith("2026-03-01")
    assert (entry["party_id"], entry["order_id"]) == (po.vendor_id, po.order_id)
    books = await balances(billing, "USD")
    assert books["2150"] == 0
    assert books["2000"] == -D("98.04")

    pay = RecordVendorPayment(
        bill_id=record.bill_id,
        payment_id=unique("PAY"),
        amount=D("98.04"),
        currency="USD",
        recorded_by="ap-clerk",
    )
    await accepted(bus, pay)
    out = await posted(bus, f"vendor_payment:{record.bill_id}/{pay.payment_id}")
    assert [(x["account"], x["debit"], x["credit"]) for x in out["lines"]] == [
        ("2000", "98.04", "0"),
        ("1000", "0", "98.04"),
    ]
    books = await balances(billing, "USD")
    assert (books["2000"], books["2150"], books["1000"]) == (D(0), D(0), D("-98.04"))
    assert books["1400"] == D("94.47")
