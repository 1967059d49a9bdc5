"""A valid message per consumer of billing's ledger part, and the evidence that it was
processed, for ``tests/integration/test_bad_input.py``. (Its events that the subscriptions part
consumes too come from the same queues: their samples are in billing_samples.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.contracts.base import utcnow
from shared.contracts.inventory import GoodsIssued, LineCost, OpeningBalanceSet, StockAdjusted
from shared.contracts.payables import (
    BillApproved,
    BillLine,
    BillStatus,
    HowApproved,
    VendorPaymentRecorded,
)
from shared.contracts.receivables import (
    CreditNote,
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerInvoiceLine,
    CustomerInvoiceStatus,
    CustomerPaymentRecorded,
    InvoicingPolicy,
    RefundRecorded,
)
from shared.contracts.returns import ReturnDestination, ReturnedLine, ReturnReason, ReturnReceived
from shared.contracts.work_orders import ComponentsIssued
from tests.support.consumers import command, event
from tests.support.factories import unique
from tests.support.inventory import eventually
from tests.support.inventory_samples import Sample, SampleContext, _answered
from tests.support.ledger import chart, receipt

COSTS = [LineCost(sku="A", quantity=Decimal(2), unit_cost=Decimal("1.50"), cost=Decimal("3.00"))]


async def s_define_chart(ctx: SampleContext) -> None:
    body = await _answered(ctx, chart())
    assert body["revision"] >= 1, body


async def _recorded(ctx: SampleContext, message: Any, entry_id: str) -> None:
    await ctx.bus.send(message)
    await eventually(
        lambda: ctx.db.journal.find_one({"_id": entry_id}),
        lambda doc: doc is not None,
        what=f"{entry_id} in the journal",
    )


async def s_goods_received(ctx: SampleContext) -> None:
    goods = receipt(("A", "2", "1.50"))
    await _recorded(ctx, goods, f"goods_receipt:{goods.receipt_id}")


async def s_goods_issued(ctx: SampleContext) -> None:
    issue = GoodsIssued(
        order_id=unique("SO"),
        issue_id=unique("GI"),
        location_id="L-1",
        branch_id="BR-1",
        lines=[],
        issued_by="ann",
        order_lines=[],
        backorder=[],
        completed=True,
        costs=COSTS,
        cost_currency="EUR",
    )
    await _recorded(ctx, issue, f"goods_issue:{issue.issue_id}")


async def s_stock_adjusted(ctx: SampleContext) -> None:
    adjusted = StockAdjusted(
        adjustment_id=unique("ADJ"),
        sku="A",
        location_id="L-1",
        branch_id="BR-1",
        quantity=Decimal(-2),
        reason="count",
        adjusted_by="ann",
        on_hand=Decimal(5),
        costs=COSTS,
        cost_currency="EUR",
    )
    await _recorded(ctx, adjusted, f"stock_adjustment:{adjusted.adjustment_id}")


async def s_opening_balance_set(ctx: SampleContext) -> None:
    sku = unique("SKU")
    opening = OpeningBalanceSet(
        sku=sku,
        location_id="L-1",
        branch_id="BR-1",
        quantity=Decimal(4),
        reason="first count",
        set_by="ann",
        on_hand=Decimal(4),
        unit_cost=Decimal("2.50"),
        cost_currency="EUR",
    )
    await _recorded(ctx, opening, f"opening_stock:{sku}@L-1")


async def s_components_issued(ctx: SampleContext) -> None:
    issued = ComponentsIssued(
        work_order_id=unique("WO"),
        attempt=1,
        location_id="L-1",
        branch_id="BR-1",
        lines=[],
        costs=COSTS,
        cost_currency="EUR",
    )
    await _recorded(ctx, issued, f"components_issue:{issued.work_order_id}#1")


async def s_return_received(ctx: SampleContext) -> None:
    back = ReturnReceived(
        return_id=unique("RMA"),
        order_id=unique("SO"),
        branch_id="BR-1",
        location_id="L-1",
        destination=ReturnDestination.STOCK,
        reason=ReturnReason.UNWANTED,
        lines=[ReturnedLine(sku="A", quantity=Decimal(1), unit_cost=Decimal(2), cost=Decimal(2))],
        currency="EUR",
        received_by="ann",
    )
    await _recorded(ctx, back, f"return_receipt:{back.return_id}")


D = Decimal


def _invoice_facts(**values: Any) -> dict[str, Any]:
    """A sales invoice of 10.00 (no tax), as the receivables part publishes it."""
    return {
        "invoice_id": unique("SI"),
        "series": "SI",
        "number": 1,
        "order_id": unique("SO"),
        "customer_id": "C-1",
        "branch_id": "BR-1",
        "status": CustomerInvoiceStatus.OPEN,
        "currency": "EUR",
        "total": D(10),
        "amount_credited": D(0),
        "amount_paid": D(0),
        "amount_refunded": D(0),
        "balance": D(10),
        "due_at": utcnow(),
        **values,
    }


async def s_customer_invoice_issued(ctx: SampleContext) -> None:
    line = CustomerInvoiceLine(
        line=1, sku="A", quantity=D(1), unit_price=D(10), amount=D(10), line_discount=D(0),
        document_discount=D(0), net=D(10), tax=D(0), total=D(10),
    )  # fmt: skip
    invoice = CustomerInvoiceIssued(
        **_invoice_facts(),
        policy=InvoicingPolicy.ON_APPROVAL,
        lines=[line],
        taxes=[],
        net_total=D(10),
        tax_total=D(0),
        payment_terms_days=30,
        issued_at=utcnow(),
        final=True,
    )
    await _recorded(ctx, invoice, f"customer_invoice:{invoice.invoice_id}")


async def s_customer_payment_recorded(ctx: SampleContext) -> None:
    paid = CustomerPaymentRecorded(
        **_invoice_facts(), payment_id=unique("PAY"), amount=D(4), received_at=utcnow()
    )
    await _recorded(ctx, paid, f"customer_payment:{paid.invoice_id}/{paid.payment_id}")


async def s_credit_note_issued(ctx: SampleContext) -> None:
    facts = _invoice_facts()
    note = CreditNote(
        credit_note_id=f"{facts['invoice_id']}-CN1",
        invoice_id=facts["invoice_id"],
        lines=[],
        taxes=[],
        net_total=D(3),
        tax_total=D(0),
        total=D(3),
        reason="goodwill",
        issued_by="root",
        issued_at=utcnow(),
    )
    credited = CreditNoteIssued(**facts, credit_note=note)
    await _recorded(ctx, credited, f"credit_note:{note.credit_note_id}")


async def s_refund_recorded(ctx: SampleContext) -> None:
    refund = RefundRecorded(
        **_invoice_facts(), refund_id=unique("REF"), amount=D(2), paid_at=utcnow()
    )
    await _recorded(ctx, refund, f"refund:{refund.invoice_id}/{refund.refund_id}")


def _bill_facts(status: BillStatus) -> dict[str, Any]:
    line = BillLine(
        line=1, sku="A", quantity=D(2), unit_price=D(5), net=D(10), tax=D(0), total=D(10),
        order_unit_price=D(5), order_net=D(10), price_variance=D(0), available=D(2),
        quantity_variance=D(0),
    )  # fmt: skip
    return {
        "bill_id": unique("B"),
        "vendor_id": "V-1",
        "vendor_bill_number": unique("VB"),
        "order_id": unique("PO"),
        "branch_id": "BR-1",
        "currency": "EUR",
        "status": status,
        "lines": [line],
        "net_total": D(10),
        "tax_total": D(0),
        "total": D(10),
        "price_variance_total": D(0),
        "amount_paid": D(0),
        "balance": D(10),
        "bill_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 31),
        "recorded_by": "root",
    }


async def s_bill_approved(ctx: SampleContext) -> None:
    approved = BillApproved(**_bill_facts(BillStatus.APPROVED), approval=HowApproved.MATCHED)
    await _recorded(ctx, approved, f"supplier_bill:{approved.bill_id}")


async def s_vendor_payment_recorded(ctx: SampleContext) -> None:
    paid = VendorPaymentRecorded(
        **_bill_facts(BillStatus.PAID), payment_id=unique("PAY"), amount=D(10), paid_at=utcnow()
    )
    await _recorded(ctx, paid, f"vendor_payment:{paid.bill_id}/{paid.payment_id}")


LEDGER_SAMPLES: dict[tuple[str, str], Sample] = {
    command("billing.define_chart_of_accounts"): s_define_chart,
    event("billing", "inventory.goods_received"): s_goods_received,
    event("billing", "inventory.goods_issued"): s_goods_issued,
    event("billing", "inventory.stock_adjusted"): s_stock_adjusted,
    event("billing", "inventory.opening_balance_set"): s_opening_balance_set,
    event("billing", "inventory.components_issued"): s_components_issued,
    event("billing", "inventory.return_received"): s_return_received,
    event("billing", "billing.customer_invoice_issued"): s_customer_invoice_issued,
    event("billing", "billing.customer_payment_recorded"): s_customer_payment_recorded,
    event("billing", "billing.credit_note_issued"): s_credit_note_issued,
    event("billing", "billing.refund_recorded"): s_refund_recorded,
    event("billing", "billing.bill_approved"): s_bill_approved,
    event("billing", "billing.vendor_payment_recorded"): s_vendor_payment_recorded,
}
