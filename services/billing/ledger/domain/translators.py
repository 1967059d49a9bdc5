"""Translators: each event that records a financial fact, in the ledger's own terms (a
:class:`Fact`: a document and its amounts by role). One small function per event type; the
posting rules never see an event.

**Extension point.** A new kind of document (as the customer invoices, credit notes, refunds,
supplier bills and vendor payments below were) is one function here from its event to a
``Fact`` (a ``DocumentKind`` added to ``shared/contracts/ledger.py``, its amounts by
``AccountRole``: e.g. a credit note is Dr sales_returns per line, Dr tax payable per tax
code, Cr receivable; a supplier bill Dr goods_received_not_invoiced at the order's price, Dr
price_variance for the difference (signed), Dr input_tax, Cr payable), one handler row in
``services/billing/ledger/table.py`` calling ``LedgerHandlers.record`` with it, and a
unit test. Nothing else changes: holding, posting once, reversals and the queries are the
same for every document.

Money in a fact is to the currency's minor unit; a movement without costs (items whose cost
inventory does not know yet) has no fact, and posts nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from services.billing.ledger.domain.facts import ZERO, Fact, Share, Side, Split, entry_id
from shared.contracts.billing import (
    InvoiceIssued,
    InvoiceUncollectible,
    InvoiceVoided,
    PaymentRecorded,
)
from shared.contracts.inventory import (
    GoodsIssued,
    GoodsReceived,
    LineCost,
    OpeningBalanceSet,
    StockAdjusted,
)
from shared.contracts.ledger import AccountRole, DocumentKind
from shared.contracts.payables import BillApproved, VendorPaymentRecorded
from shared.contracts.pricing import LineTax, TaxTotal
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerPaymentRecorded,
    RefundRecorded,
)
from shared.contracts.returns import ReturnDestination, ReturnReceived
from shared.contracts.work_orders import ComponentsIssued
from shared.pricing import minor_unit, round_to

R = AccountRole
DEBIT, CREDIT = Side.DEBIT, Side.CREDIT


def _pair(debit: AccountRole, credit: AccountRole, amount: Decimal) -> tuple[Share, Share]:
    return Share(role=debit, side=DEBIT, amount=amount), Share(
        role=credit, side=CREDIT, amount=amount
    )


# --- billing's subscription invoices -------------------------------------------------------


def invoice_issued(event: InvoiceIssued) -> Fact:
    """Dr receivable the total; Cr tax payable per tax code, Cr revenue the rest, per line.

    The taxes per code are the priced document's (each rounded once, as priced); a proration
    line's tax, which is not priced per code, is shared over the codes in proportion to their
    taxes. Revenue (total less tax) is shared over the lines' accounts by their net amounts."""
    unit = minor_unit(event.currency)
    total, tax = event.total, event.tax_total
    priced = event.pricing.lines if event.pricing else []
    taxes = event.pricing.taxes if event.pricing else []
    revenue = Split(
        total=total - tax,
        shares=tuple(
            Share(
                role=R.REVENUE,
                side=CREDIT,
                amount=line.net,
                sku=line.sku,
                tax_codes=tuple(t.code for t in priced[n].taxes) if n < len(priced) else (),
            )
            for n, line in enumerate(event.lines)
        ),
    )
    by_code = [
        Share(role=R.TAX_PAYABLE, side=CREDIT, amount=t.tax, tax_codes=(t.code,)) for t in taxes
    ]
    if not by_code and tax != ZERO:
        by_code = [Share(role=R.TAX_PAYABLE, side=CREDIT, amount=tax)]  # held: no code
    return Fact(
        kind=DocumentKind.SUBSCRIPTION_INVOICE,
        document_id=event.invoice_id,
        date=event.issued_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.customer_id,
        description=f"Subscription invoice {event.invoice_id} to {event.customer_id}",
        amounts=(
            Share(role=R.RECEIVABLE, side=DEBIT, amount=round_to(total, unit)),
            revenue,
            Split(total=tax, shares=tuple(by_code)),
        ),
    )


def payment_recorded(event: PaymentRecorded) -> Fact:
    """Dr cash; Cr receivable: the payment's amount."""
    return Fact(
        kind=DocumentKind.INVOICE_PAYMENT,
        document_id=f"{event.invoice_id}/{event.payment_id}",
        date=event.occurred_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.customer_id,
        reference=event.invoice_id,
        description=f"Payment {event.payment_id} for {event.invoice_id}",
        amounts=_pair(R.CASH, R.RECEIVABLE, event.amount),
    )


def invoice_voided(event: InvoiceVoided) -> Fact:
    """The invoice's entry, reversed line by line."""
    return Fact(
        kind=DocumentKind.INVOICE_VOID,
        document_id=event.invoice_id,
        date=event.occurred_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.customer_id,
        reference=event.invoice_id,
        description=f"Void of {event.invoice_id}: {event.reason}"[:500],
        amounts=(),
        reverses=entry_id(DocumentKind.SUBSCRIPTION_INVOICE, event.invoice_id),
    )


REVERSIBLE = frozenset({DocumentKind.SUBSCRIPTION_INVOICE})
"""The kinds of document a later document reverses (a subscription invoice, by its void):
only their posting looks for a reversal that came first and waits for them."""


def invoice_uncollectible(event: InvoiceUncollectible) -> Fact:
    """Dr bad debt; Cr receivable: the balance written off."""
    return Fact(
        kind=DocumentKind.INVOICE_WRITE_OFF,
        document_id=event.invoice_id,
        date=event.occurred_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.customer_id,
        reference=event.invoice_id,
        description=f"Write-off of {event.invoice_id}",
        amounts=_pair(R.BAD_DEBT, R.RECEIVABLE, event.balance),
    )


# --- inventory at cost ---------------------------------------------------------------------


def _cost(costs: list[LineCost], currency: str) -> Decimal:
    unit = minor_unit(currency)
    return sum((round_to(line.cost, unit) for line in costs), ZERO)


def goods_received(event: GoodsReceived) -> Fact | None:
    """Dr inventory; Cr goods received not invoiced: the receipt at cost."""
    if not event.costs or event.cost_currency is None:
        return None
    return Fact(
        kind=DocumentKind.GOODS_RECEIPT,
        document_id=event.receipt_id,
        date=event.occurred_at,
        currency=event.cost_currency,
        order_id=event.order_id,
        reference=event.receipt_id,
        description=f"Goods receipt {event.receipt_id} for {event.order_id}",
        amounts=_pair(
            R.INVENTORY, R.GOODS_RECEIVED_NOT_INVOICED, _cost(event.costs, event.cost_currency)
        ),
    )


def goods_issued(event: GoodsIssued) -> Fact | None:
    """Dr cost of goods sold; Cr inventory: the issue at cost."""
    if not event.costs or event.cost_currency is None:
        return None
    return Fact(
        kind=DocumentKind.GOODS_ISSUE,
        document_id=event.issue_id,
        date=event.occurred_at,
        currency=event.cost_currency,
        order_id=event.order_id,
        reference=event.issue_id,
        description=f"Goods issue {event.issue_id} for {event.order_id}",
        amounts=_pair(R.COST_OF_GOODS_SOLD, R.INVENTORY, _cost(event.costs, event.cost_currency)),
    )


def stock_adjusted(event: StockAdjusted) -> Fact | None:
    """Found goods: Dr inventory, Cr stock adjustment; lost goods the other way round."""
    if not event.costs or event.cost_currency is None:
        return None
    cost = _cost(event.costs, event.cost_currency)
    found = event.quantity > ZERO
    amounts = (
        _pair(R.INVENTORY, R.STOCK_ADJUSTMENT, cost)
        if found
        else _pair(R.STOCK_ADJUSTMENT, R.INVENTORY, cost)
    )
    return Fact(
        kind=DocumentKind.STOCK_ADJUSTMENT,
        document_id=event.adjustment_id,
        date=event.occurred_at,
        currency=event.cost_currency,
        reference=event.adjustment_id,
        description=f"Stock adjustment {event.adjustment_id} of {event.sku}: {event.reason}"[:500],
        amounts=amounts,
    )


def opening_balance_set(event: OpeningBalanceSet) -> Fact | None:
    """Dr inventory; Cr opening balance: the counted quantity at its unit cost. An opening
    balance without a cost posts nothing (its units take the first receipt's price, which
    that receipt does not post for them)."""
    if event.unit_cost is None or event.cost_currency is None:
        return None
    value = round_to(event.quantity * event.unit_cost, minor_unit(event.cost_currency))
    return Fact(
        kind=DocumentKind.OPENING_STOCK,
        document_id=f"{event.sku}@{event.location_id}",
        date=event.occurred_at,
        currency=event.cost_currency,
        reference=event.location_id,
        description=f"Opening balance of {event.sku} at {event.location_id}: {event.reason}"[:500],
        amounts=_pair(R.INVENTORY, R.OPENING_BALANCE, value),
    )


def components_issued(event: ComponentsIssued) -> Fact | None:
    """Dr work in progress; Cr inventory: the components at cost."""
    if not event.costs or event.cost_currency is None:
        return None
    document_id = f"{event.work_order_id}#{event.attempt}"
    return Fact(
        kind=DocumentKind.COMPONENTS_ISSUE,
        document_id=document_id,
        date=event.occurred_at,
        currency=event.cost_currency,
        order_id=event.work_order_id,
        reference=document_id,
        description=f"Components issued to work order {event.work_order_id}",
        amounts=_pair(R.WORK_IN_PROGRESS, R.INVENTORY, _cost(event.costs, event.cost_currency)),
    )


def return_received(event: ReturnReceived) -> Fact | None:
    """Dr inventory (quarantine for damaged or defective goods); Cr cost of goods sold: the
    goods back at the cost they left at."""
    if not event.lines or event.currency is None:
        return None
    unit = minor_unit(event.currency)
    cost = sum((round_to(line.cost, unit) for line in event.lines), ZERO)
    into = R.QUARANTINE if event.destination is ReturnDestination.QUARANTINE else R.INVENTORY
    return Fact(
        kind=DocumentKind.RETURN_RECEIPT,
        document_id=event.return_id,
        date=event.occurred_at,
        currency=event.currency,
        order_id=event.order_id,
        reference=event.return_id,
        description=f"Return {event.return_id} of {event.order_id} ({event.reason})",
        amounts=_pair(into, R.COST_OF_GOODS_SOLD, cost),
    )


# --- receivables: sales orders' invoices, payments, credit notes, refunds ------------------


def _sales(
    *,
    role: AccountRole,
    side: Side,
    lines: list[tuple[str, Decimal, list[LineTax]]],
    taxes: list[TaxTotal],
    net_total: Decimal,
    tax_total: Decimal,
) -> tuple[Split, Split]:
    """Revenue (or sales returns) by line, shared over the lines' accounts by their nets, and
    tax payable per tax code: the document's own per-code taxes (rounded once, as priced)."""
    shares = tuple(
        Share(role=role, side=side, amount=amount, sku=sku, tax_codes=tuple(t.code for t in lt))
        for sku, amount, lt in lines
    ) or (Share(role=role, side=side, amount=net_total),)  # no lines: the default account
    net = Split(total=net_total, shares=shares)
    by_code = [
        Share(role=R.TAX_PAYABLE, side=side, amount=t.tax, tax_codes=(t.code,)) for t in taxes
    ]
    if not by_code and tax_total != ZERO:
        by_code = [Share(role=R.TAX_PAYABLE, side=side, amount=tax_total)]  # held: no code
    return net, Split(total=tax_total, shares=tuple(by_code))


def customer_invoice_issued(event: CustomerInvoiceIssued) -> Fact:
    """Dr receivable the total; Cr revenue each line's net (after line and document
    discounts) on its item group's or tax code's account; Cr tax payable per tax code."""
    unit = minor_unit(event.currency)
    revenue, tax = _sales(
        role=R.REVENUE,
        side=CREDIT,
        lines=[(line.sku, line.net, line.taxes) for line in event.lines],
        taxes=event.taxes,
        net_total=event.total - event.tax_total,
        tax_total=event.tax_total,
    )
    return Fact(
        kind=DocumentKind.CUSTOMER_INVOICE,
        document_id=event.invoice_id,
        date=event.issued_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.customer_id,
        reference=event.issue_id,
        description=f"Invoice {event.invoice_id} of order {event.order_id} to {event.customer_id}",
        amounts=(
            Share(role=R.RECEIVABLE, side=DEBIT, amount=round_to(event.total, unit)),
            revenue,
            tax,
        ),
    )


def customer_payment_recorded(event: CustomerPaymentRecorded) -> Fact:
    """Dr cash; Cr receivable: the payment's amount."""
    return Fact(
        kind=DocumentKind.CUSTOMER_PAYMENT,
        document_id=f"{event.invoice_id}/{event.payment_id}",
        date=event.received_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.customer_id,
        reference=event.invoice_id,
        description=f"Payment {event.payment_id} for {event.invoice_id}",
        amounts=_pair(R.CASH, R.RECEIVABLE, event.amount),
    )


def credit_note_issued(event: CreditNoteIssued) -> Fact:
    """The invoice's posting reversed for what the note credits: Dr sales returns each line's
    net (unmapped: the line's revenue account), Dr tax payable per tax code; Cr receivable
    the note's total."""
    note = event.credit_note
    unit = minor_unit(event.currency)
    returns, tax = _sales(
        role=R.SALES_RETURNS,
        side=DEBIT,
        lines=[(line.sku, line.net, line.taxes) for line in note.lines],
        taxes=note.taxes,
        net_total=note.total - note.tax_total,
        tax_total=note.tax_total,
    )
    return Fact(
        kind=DocumentKind.CREDIT_NOTE,
        document_id=note.credit_note_id,
        date=note.issued_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.customer_id,
        reference=event.invoice_id,
        description=f"Credit note {note.credit_note_id} on {event.invoice_id}: {note.reason}"[:500],
        amounts=(
            returns,
            tax,
            Share(role=R.RECEIVABLE, side=CREDIT, amount=round_to(note.total, unit)),
        ),
    )


def refund_recorded(event: RefundRecorded) -> Fact:
    """A payment out: Dr receivable (the customer's credit used up); Cr cash."""
    return Fact(
        kind=DocumentKind.REFUND,
        document_id=f"{event.invoice_id}/{event.refund_id}",
        date=event.paid_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.customer_id,
        reference=event.credit_note_id or event.invoice_id,
        description=f"Refund {event.refund_id} on {event.invoice_id}",
        amounts=_pair(R.RECEIVABLE, R.CASH, event.amount),
    )


# --- payables: supplier bills and vendor payments -----------------------------------------


def bill_approved(event: BillApproved) -> Fact:
    """Dr goods received not invoiced the order's price of the billed quantity (what the
    receipt put there), Dr price variance the bill's difference from it (signed: a credit when
    billed below the order's price), Dr input tax; Cr payable the bill's total. Dated the
    bill's date."""
    unit = minor_unit(event.currency)
    grni = sum((round_to(line.order_net, unit) for line in event.lines), ZERO)
    variance = sum((round_to(line.price_variance, unit) for line in event.lines), ZERO)
    tax = sum((round_to(line.tax, unit) for line in event.lines), ZERO)
    return Fact(
        kind=DocumentKind.SUPPLIER_BILL,
        document_id=event.bill_id,
        date=datetime.combine(event.bill_date, time(), UTC),
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.vendor_id,
        reference=event.vendor_bill_number,
        description=f"Bill {event.vendor_bill_number} of {event.vendor_id} ({event.bill_id}) "
        f"for {event.order_id}",
        amounts=tuple(
            share
            for share in (
                Share(role=R.GOODS_RECEIVED_NOT_INVOICED, side=DEBIT, amount=grni),
                Share(role=R.PRICE_VARIANCE, side=DEBIT, amount=variance),
                Share(role=R.INPUT_TAX, side=DEBIT, amount=tax),
                Share(role=R.PAYABLE, side=CREDIT, amount=grni + variance + tax),
            )
            if share.amount != ZERO  # no rule needed for what is not there
        ),
    )


def vendor_payment_recorded(event: VendorPaymentRecorded) -> Fact:
    """Dr payable; Cr cash: the payment's amount."""
    return Fact(
        kind=DocumentKind.VENDOR_PAYMENT,
        document_id=f"{event.bill_id}/{event.payment_id}",
        date=event.paid_at,
        currency=event.currency,
        order_id=event.order_id,
        party_id=event.vendor_id,
        reference=event.bill_id,
        description=f"Payment {event.payment_id} for bill {event.bill_id}",
        amounts=_pair(R.PAYABLE, R.CASH, event.amount),
    )
